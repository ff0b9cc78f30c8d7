//! Contracts and one-time tokens: put-if-absent and use-once, as conditional writes.

use async_trait::async_trait;
use jiff::Timestamp;

use super::attr::{Item, ItemBuilder, Read, key, n, s, strings, time, ttl};
use super::tickets::cancelled_by;
use super::{DynamoStore, Write, expr, outbox, users};
use crate::ports::store::*;

fn contract_item(c: &ContractRecord) -> Item {
    ItemBuilder::keyed(format!("CONTRACT#{}", c.number), "CONTRACT")
        .set("number", s(&c.number))
        .set("company_id", s(&c.company_id))
        .set("product", s(&c.product))
        .set("model", s(&c.model))
        .set("serial_number", s(&c.serial_number))
        .set("starts_on", s(c.starts_on.to_string()))
        .set("ends_on", s(c.ends_on.to_string()))
        .set("service_type", s(&c.service_type))
        .set("maintenance_emails", strings(&c.maintenance_emails))
        .set("project_ids", strings(&c.project_ids))
        .set("created_at", time(c.created_at))
        .set("version", n(c.version))
        .index(
            "GSI1",
            format!("CONTRACTS-OF#{}", c.company_id),
            c.number.as_str(),
        )
        .index("GSI2", "CONTRACTS", c.number.as_str())
        .build()
}

pub(super) fn contract_from(item: &Item) -> Result<ContractRecord, StoreError> {
    let r = Read::new("contract", item);
    let date = |name: &str| {
        let v = r.s(name)?;
        v.parse::<jiff::civil::Date>()
            .map_err(|e| r.bad(name, format!("{v:?}: {e}")))
    };
    Ok(ContractRecord {
        number: r.s("number")?,
        company_id: r.s("company_id")?,
        product: r.s("product")?,
        model: r.s("model")?,
        serial_number: r.s("serial_number")?,
        starts_on: date("starts_on")?,
        ends_on: date("ends_on")?,
        service_type: r.s("service_type")?,
        maintenance_emails: r.strings("maintenance_emails")?,
        project_ids: r.strings("project_ids")?,
        created_at: r.time("created_at")?,
        version: r.n("version")?,
    })
}

#[async_trait]
impl ContractStore for DynamoStore {
    async fn create_contract(&self, contract: ContractRecord) -> Result<(), StoreError> {
        if self
            .put(
                contract_item(&contract),
                Some(expr("attribute_not_exists(#PK)")),
            )
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate(format!(
                "contract {}",
                contract.number
            )))
        }
    }

    async fn get_contract(&self, number: &str) -> Result<Option<ContractRecord>, StoreError> {
        self.get(key(format!("CONTRACT#{number}"), "CONTRACT"))
            .await?
            .as_ref()
            .map(contract_from)
            .transpose()
    }

    async fn update_contract(
        &self,
        contract: ContractRecord,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        if contract.version != expected_version + 1 {
            return Err(StoreError::Conflict("contract"));
        }
        let cond = expr("attribute_exists(#PK) AND #version = :version")
            .val(":version", n(expected_version));
        if self.put(contract_item(&contract), Some(cond)).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("contract"))
        }
    }

    async fn list_contracts(
        &self,
        company_id: Option<&str>,
    ) -> Result<Vec<ContractRecord>, StoreError> {
        let q = match company_id {
            Some(c) => super::Query::new(Some("GSI1"), format!("CONTRACTS-OF#{c}")),
            None => super::Query::new(Some("GSI2"), "CONTRACTS"),
        };
        self.query_all(&q)
            .await?
            .iter()
            .map(contract_from)
            .collect()
    }
}

fn token_key(hash: &str) -> Item {
    key(format!("TOKEN#{hash}"), "TOKEN")
}

/// A token's item; DynamoDB deletes it some time after it expired.
fn token_item(t: &OneTimeTokenRecord) -> Item {
    ItemBuilder::keyed(format!("TOKEN#{}", t.hash), "TOKEN")
        .set("hash", s(&t.hash))
        .set("purpose", s(t.purpose.as_str()))
        .set("user_id", s(&t.user_id))
        .set("created_at", time(t.created_at))
        .set("expires_at", time(t.expires_at))
        .opt("used_at", t.used_at.map(time))
        .set("ttl", ttl(t.expires_at))
        .build()
}

fn token_from(item: &Item) -> Result<OneTimeTokenRecord, StoreError> {
    let r = Read::new("one-time token", item);
    let purpose = r.s("purpose")?;
    Ok(OneTimeTokenRecord {
        hash: r.s("hash")?,
        purpose: TokenPurpose::parse(&purpose)
            .ok_or_else(|| r.bad("purpose", format!("unknown purpose {purpose:?}")))?,
        user_id: r.s("user_id")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        used_at: r.opt_time("used_at")?,
    })
}

/// Uses the token if it exists, has the purpose, is unused and not expired at `now`.
const USE_TOKEN: &str = "SET #used_at = :now";
const USABLE: &str = "attribute_exists(#PK) AND #purpose = :purpose AND attribute_not_exists(#used_at) \
     AND #expires_at > :now";

fn use_token_values(purpose: TokenPurpose, now: Timestamp) -> Item {
    Item::from([
        (":now".into(), time(now)),
        (":purpose".into(), s(purpose.as_str())),
    ])
}

fn mail_writes(mails: &[OutboxMail]) -> impl Iterator<Item = Write> + '_ {
    mails.iter().map(|m| Write::put_new(outbox::mail_item(m)))
}

#[async_trait]
impl OneTimeTokenStore for DynamoStore {
    async fn create_user_with(&self, new: NewUser) -> Result<(), StoreError> {
        let mut writes = users::new_user_writes(&new.user);
        let token_at = writes.len();
        writes.extend(new.token.iter().map(|t| Write::put_new(token_item(t))));
        writes.extend(mail_writes(&new.mails));
        let Err(reasons) = self.transact(writes).await? else {
            return Ok(());
        };
        if reasons.iter().take(token_at).any(super::Reason::failed) {
            return Err(StoreError::Duplicate(format!("user {}", new.user.email)));
        }
        if new.token.is_some() && reasons.get(token_at).is_some_and(super::Reason::failed) {
            return Err(StoreError::Duplicate("token".into()));
        }
        Err(cancelled_by("new user", &reasons))
    }

    async fn create_token(
        &self,
        token: OneTimeTokenRecord,
        mails: Vec<OutboxMail>,
    ) -> Result<(), StoreError> {
        // The user must exist (SQLite's foreign key, refused the same way).
        let mut writes = vec![
            Write::Check {
                key: key(format!("USER#{}", token.user_id), "USER"),
                cond: expr("attribute_exists(#PK)"),
            },
            Write::put_new(token_item(&token)),
        ];
        writes.extend(mail_writes(&mails));
        let Err(reasons) = self.transact(writes).await? else {
            return Ok(());
        };
        if reasons.iter().take(2).any(super::Reason::failed) {
            return Err(StoreError::Duplicate("token".into()));
        }
        Err(cancelled_by("new token", &reasons))
    }

    async fn get_token(&self, hash: &str) -> Result<Option<OneTimeTokenRecord>, StoreError> {
        self.get(token_key(hash))
            .await?
            .as_ref()
            .map(token_from)
            .transpose()
    }

    async fn consume_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
        user: Option<(UserRecord, u64)>,
        mails: Vec<OutboxMail>,
    ) -> Result<bool, StoreError> {
        let use_token = Write::Update {
            key: token_key(hash),
            update: USE_TOKEN.into(),
            cond: Some(USABLE.into()),
            values: use_token_values(purpose, now),
        };
        let mut first = vec![use_token];
        first.extend(mail_writes(&mails));
        if user.is_none() && !mails.is_empty() {
            return match self.transact(first).await? {
                Ok(()) => Ok(true),
                Err(reasons) if reasons.first().is_some_and(super::Reason::failed) => Ok(false),
                Err(reasons) => Err(cancelled_by("token use", &reasons)),
            };
        }
        let Some((u, expected)) = user else {
            let used = self
                .update(
                    token_key(hash),
                    USE_TOKEN,
                    Some(USABLE),
                    use_token_values(purpose, now),
                )
                .await?;
            return Ok(used.is_some());
        };
        if u.version != expected + 1 {
            return Err(StoreError::Conflict("user"));
        }
        // The token is checked first: one that cannot be used is `false`, whatever the user.
        match self.transact_with_user(first, &u, expected).await? {
            Ok(()) => Ok(true),
            Err(reasons) if reasons.first().is_some_and(super::Reason::failed) => Ok(false),
            Err(reasons) => Err(cancelled_by("token use", &reasons)),
        }
    }
}
