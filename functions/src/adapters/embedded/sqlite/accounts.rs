//! Contracts and one-time tokens on SQLite: the same conditional writes the DynamoDB
//! adapter makes (put-if-absent, use-once), each in one transaction.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Row, params};

use super::{
    SqliteStore, bad, duplicate_as, from_micros, immediate, insert_user, json, micros, opt_time,
    update_user_row, write_side_effects,
};
use crate::ports::store::*;

const CONTRACT_COLUMNS: &str = "number, company_id, product, model, serial_number, starts_on, ends_on, service_type, \
     maintenance_emails, created_at, version, project_ids";

fn date(s: String) -> rusqlite::Result<Date> {
    s.parse().map_err(|e| bad(format!("date {s:?}: {e}")))
}

fn contract_from_row(r: &Row<'_>) -> rusqlite::Result<ContractRecord> {
    Ok(ContractRecord {
        number: r.get(0)?,
        company_id: r.get(1)?,
        product: r.get(2)?,
        model: r.get(3)?,
        serial_number: r.get(4)?,
        starts_on: date(r.get(5)?)?,
        ends_on: date(r.get(6)?)?,
        service_type: r.get(7)?,
        maintenance_emails: json(r.get(8)?)?,
        created_at: from_micros(r.get(9)?)?,
        version: r.get::<_, i64>(10)? as u64,
        project_ids: json(r.get(11)?)?,
    })
}

#[async_trait]
impl ContractStore for SqliteStore {
    async fn create_contract(&self, c: ContractRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO contracts ({CONTRACT_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"),
                params![
                    c.number,
                    c.company_id,
                    c.product,
                    c.model,
                    c.serial_number,
                    c.starts_on.to_string(),
                    c.ends_on.to_string(),
                    c.service_type,
                    serde_json::to_string(&c.maintenance_emails).unwrap_or_else(|_| "[]".into()),
                    micros(c.created_at),
                    c.version as i64,
                    serde_json::to_string(&c.project_ids).unwrap_or_else(|_| "[]".into())
                ],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("contract {}", c.number)))
        })
        .await
    }

    async fn get_contract(&self, number: &str) -> Result<Option<ContractRecord>, StoreError> {
        let number = number.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE number = ?1"
            ))?
            .query_row(params![number], contract_from_row)
            .optional()
        })
        .await
    }

    async fn update_contract(
        &self,
        c: ContractRecord,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        if c.version != expected_version + 1 {
            return Err(StoreError::Conflict("contract"));
        }
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE contracts SET company_id=?2, product=?3, model=?4, serial_number=?5, starts_on=?6, ends_on=?7, \
                     service_type=?8, maintenance_emails=?9, project_ids=?10, version=?11 WHERE number=?1 AND version=?12",
                    params![
                        c.number,
                        c.company_id,
                        c.product,
                        c.model,
                        c.serial_number,
                        c.starts_on.to_string(),
                        c.ends_on.to_string(),
                        c.service_type,
                        serde_json::to_string(&c.maintenance_emails).unwrap_or_else(|_| "[]".into()),
                        serde_json::to_string(&c.project_ids).unwrap_or_else(|_| "[]".into()),
                        c.version as i64,
                        expected_version as i64
                    ],
                )
                .map_err(StoreError::unexpected)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::Conflict("contract"))
            }
        })
        .await
    }

    async fn list_contracts(
        &self,
        company_id: Option<&str>,
    ) -> Result<Vec<ContractRecord>, StoreError> {
        let company = company_id.map(str::to_owned);
        self.read(move |c| match company {
            Some(id) => c
                .prepare_cached(&format!(
                    "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE company_id = ?1 ORDER BY number"
                ))?
                .query_map(params![id], contract_from_row)?
                .collect(),
            None => c
                .prepare_cached(&format!(
                    "SELECT {CONTRACT_COLUMNS} FROM contracts ORDER BY number"
                ))?
                .query_map([], contract_from_row)?
                .collect(),
        })
        .await
    }
}

fn insert_token(conn: &rusqlite::Connection, t: &OneTimeTokenRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO one_time_tokens (hash, purpose, user_id, created_at, expires_at, used_at) VALUES (?1,?2,?3,?4,?5,?6)",
        params![
            t.hash,
            t.purpose.as_str(),
            t.user_id,
            micros(t.created_at),
            micros(t.expires_at),
            t.used_at.map(micros)
        ],
    )
    .map(|_| ())
    .map_err(duplicate_as("token".into()))
}

#[async_trait]
impl OneTimeTokenStore for SqliteStore {
    async fn create_user_with(&self, new: NewUser) -> Result<(), StoreError> {
        self.write(move |conn| {
            let tx = immediate(conn)?;
            insert_user(&tx, &new.user)?;
            if let Some(t) = &new.token {
                insert_token(&tx, t)?;
            }
            write_side_effects(&tx, &[], &new.mails).map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)
        })
        .await
    }

    async fn create_token(
        &self,
        token: OneTimeTokenRecord,
        mails: Vec<OutboxMail>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            let tx = immediate(conn)?;
            insert_token(&tx, &token)?;
            write_side_effects(&tx, &[], &mails).map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)
        })
        .await
    }

    async fn get_token(&self, hash: &str) -> Result<Option<OneTimeTokenRecord>, StoreError> {
        let hash = hash.to_owned();
        self.read(move |c| {
            c.prepare_cached("SELECT hash, purpose, user_id, created_at, expires_at, used_at FROM one_time_tokens WHERE hash = ?1")?.query_row(
                params![hash],
                |r| {
                    let purpose: String = r.get(1)?;
                    Ok(OneTimeTokenRecord {
                        hash: r.get(0)?,
                        purpose: TokenPurpose::parse(&purpose)
                            .ok_or_else(|| bad(format!("unknown token purpose {purpose}")))?,
                        user_id: r.get(2)?,
                        created_at: from_micros(r.get(3)?)?,
                        expires_at: from_micros(r.get(4)?)?,
                        used_at: opt_time(r.get(5)?)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn consume_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
        user: Option<(UserRecord, u64)>,
        mails: Vec<OutboxMail>,
    ) -> Result<bool, StoreError> {
        if let Some((u, expected)) = &user
            && u.version != expected + 1
        {
            return Err(StoreError::Conflict("user"));
        }
        let hash = hash.to_owned();
        self.write(move |conn| {
            let tx = immediate(conn)?;
            let used = tx
                .execute(
                    "UPDATE one_time_tokens SET used_at = ?3 WHERE hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
                    params![hash, purpose.as_str(), micros(now)],
                )
                .map_err(StoreError::unexpected)?;
            if used != 1 {
                return Ok(false);
            }
            if let Some((u, expected)) = &user {
                // Dropping the transaction on a conflict rolls the token back to unused.
                update_user_row(&tx, u, *expected)?;
            }
            write_side_effects(&tx, &[], &mails).map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)?;
            Ok(true)
        })
        .await
    }
}
