//! Users, their unique e-mail guard items, and companies.

use async_trait::async_trait;

use super::attr::{Item, ItemBuilder, Read, boolean, key, n, s, strings, time};
use super::{DynamoStore, Query, Reason, Write, expr};
use crate::domain::access::{CustomerRole, Role};
use crate::ports::store::{CompanyRecord, StoreError, UserRecord, UserStore};

pub(super) fn user_key(id: &str) -> Item {
    key(format!("USER#{id}"), "USER")
}

/// The login ID as the guard item's key: without regard to case.
fn email_key(email: &str) -> String {
    email.to_lowercase()
}

fn guard_key(email_key: &str) -> Item {
    key(format!("EMAIL#{email_key}"), "EMAIL")
}

fn user_item(u: &UserRecord) -> Item {
    let order = format!("{}#{}", u.name, u.id);
    let mut b = ItemBuilder::keyed(format!("USER#{}", u.id), "USER")
        .set("id", s(&u.id))
        .set("email", s(&u.email))
        .set("email_key", s(email_key(&u.email)))
        .set("name", s(&u.name))
        .set("role", s(u.role.as_str()))
        .opt("company_id", u.company_id.as_deref().map(s))
        .set("lang", s(&u.lang))
        .set("time_zone", s(&u.time_zone))
        .set("page_size", n(u.page_size))
        .set("refresh_secs", n(u.refresh_secs))
        .opt("password_hash", u.password_hash.as_deref().map(s))
        .set("disabled", boolean(u.disabled))
        .opt("mail_to", u.mail_to.as_deref().map(s))
        .set("pending", boolean(u.pending))
        .set("created_at", time(u.created_at))
        .set("version", n(u.version))
        .opt("customer_role", u.customer_role.map(|r| s(r.as_str())))
        .set("projects", strings(&u.projects))
        .set("mails_off", strings(&u.mails_off))
        .set("mails_on", strings(&u.mails_on))
        .index("GSI2", "USERS", order.as_str());
    if let Some(company) = &u.company_id {
        b = b.index("GSI1", format!("USERS-OF#{company}"), order);
    } else if let Some(kind) = u.mails_on.iter().min() {
        // Staff have no company index: GSI1 finds those who turned a mail on. One kind
        // per user can be indexed; there is one opt-in kind (new tickets).
        b = b.index("GSI1", mails_on_partition(kind), order);
    }
    b.build()
}

fn mails_on_partition(kind: &str) -> String {
    format!("MAILS-ON#{kind}")
}

pub(super) fn user_from(item: &Item) -> Result<UserRecord, StoreError> {
    let r = Read::new("user", item);
    let role = r.s("role")?;
    let role = Role::parse(&role).ok_or_else(|| r.bad("role", format!("unknown role {role:?}")))?;
    let customer_role = match r.opt_s("customer_role")? {
        Some(c) => Some(
            CustomerRole::parse(&c)
                .ok_or_else(|| r.bad("customer_role", format!("unknown role {c:?}")))?,
        ),
        // Customers written before roles existed were user admins (as SQLite migrates).
        None => (role == Role::Customer).then_some(CustomerRole::UserAdmin),
    };
    Ok(UserRecord {
        id: r.s("id")?,
        email: r.s("email")?,
        name: r.s("name")?,
        role,
        customer_role,
        projects: r.strings("projects")?,
        company_id: r.opt_s("company_id")?,
        lang: r.s("lang")?,
        time_zone: r.s("time_zone")?,
        page_size: r.n("page_size")?,
        refresh_secs: r.n("refresh_secs")?,
        mails_off: r.strings("mails_off")?,
        // Absent on users written before opt-in mails: none.
        mails_on: r.strings("mails_on")?,
        password_hash: r.opt_s("password_hash")?,
        disabled: r.boolean("disabled")?,
        mail_to: r.opt_s("mail_to")?,
        // Users written before self-registration were never pending.
        pending: r.opt_boolean("pending")?.unwrap_or(false),
        created_at: r.time("created_at")?,
        version: r.n("version")?,
    })
}

/// A new user and the guard item of their e-mail, both only if not taken.
pub(super) fn new_user_writes(u: &UserRecord) -> Vec<Write> {
    vec![
        Write::put_new(user_item(u)),
        Write::put_new(
            ItemBuilder::keyed(format!("EMAIL#{}", email_key(&u.email)), "EMAIL")
                .set("user_id", s(&u.id))
                .build(),
        ),
    ]
}

/// The writes that replace a user's values if the stored version is `expected` and
/// the stored e-mail key `stored_key`, moving the guard item if the e-mail changed.
fn update_user_writes(u: &UserRecord, expected: u64, stored_key: &str) -> Vec<Write> {
    let mut writes = vec![Write::Put {
        item: user_item(u),
        cond: Some(
            expr("#version = :version AND #email_key = :key")
                .val(":version", n(expected))
                .val(":key", s(stored_key)),
        ),
        old: true,
    }];
    let new_key = email_key(&u.email);
    if new_key != stored_key {
        writes.push(Write::Delete {
            key: guard_key(stored_key),
            cond: None,
        });
        writes.push(Write::put_new(
            ItemBuilder::keyed(format!("EMAIL#{new_key}"), "EMAIL")
                .set("user_id", s(&u.id))
                .build(),
        ));
    }
    writes
}

impl DynamoStore {
    /// Writes `first` and a user's new values in one transaction, conditional on the
    /// stored version being `expected` (`Conflict("user")` otherwise; `Duplicate` if a
    /// changed e-mail is taken). The first attempt assumes the e-mail is unchanged; if
    /// it was changed, the refused condition returns the stored one and the guard item
    /// is moved in a second attempt. `Ok(Err(reasons))`: one of `first` was refused.
    pub(super) async fn transact_with_user(
        &self,
        first: Vec<Write>,
        u: &UserRecord,
        expected: u64,
    ) -> Result<Result<(), Vec<Reason>>, StoreError> {
        let mut stored_key = email_key(&u.email);
        for _ in 0..2 {
            let at = first.len();
            let mut writes = first.clone();
            writes.extend(update_user_writes(u, expected, &stored_key));
            let Err(reasons) = self.transact(writes).await? else {
                return Ok(Ok(()));
            };
            if reasons.iter().take(at).any(Reason::failed) {
                return Ok(Err(reasons));
            }
            match reasons.get(at) {
                Some(r) if r.failed() => {
                    let Some(item) = &r.item else {
                        return Err(StoreError::Conflict("user"));
                    };
                    let stored = Read::new("user", item);
                    let key = stored.s("email_key")?;
                    if stored.n::<u64>("version")? != expected || key == stored_key {
                        return Err(StoreError::Conflict("user"));
                    }
                    stored_key = key;
                }
                _ if reasons.iter().skip(at + 1).any(Reason::failed) => {
                    return Err(StoreError::Duplicate(format!("user {}", u.email)));
                }
                _ => return Ok(Err(reasons)),
            }
        }
        Err(StoreError::Conflict("user"))
    }
}

fn company_item(c: &CompanyRecord) -> Item {
    ItemBuilder::keyed(format!("COMPANY#{}", c.id), "COMPANY")
        .set("id", s(&c.id))
        .set("name", s(&c.name))
        .set("uses_groups", boolean(c.uses_groups))
        .set("created_at", time(c.created_at))
        .index("GSI1", "COMPANIES", format!("{}#{}", c.name, c.id))
        .build()
}

pub(super) fn company_from(item: &Item) -> Result<CompanyRecord, StoreError> {
    let r = Read::new("company", item);
    Ok(CompanyRecord {
        id: r.s("id")?,
        name: r.s("name")?,
        uses_groups: r.opt_boolean("uses_groups")?.unwrap_or(false),
        created_at: r.time("created_at")?,
    })
}

#[async_trait]
impl UserStore for DynamoStore {
    async fn create_user(&self, user: UserRecord) -> Result<(), StoreError> {
        match self.transact(new_user_writes(&user)).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(StoreError::Duplicate(format!("user {}", user.email))),
        }
    }

    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.get(user_key(id))
            .await?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let Some(guard) = self.get(guard_key(&email_key(email.trim()))).await? else {
            return Ok(None);
        };
        let id = Read::new("e-mail guard", &guard).s("user_id")?;
        self.get_user(&id).await
    }

    async fn update_user(&self, user: UserRecord, expected_version: u64) -> Result<(), StoreError> {
        if user.version != expected_version + 1 {
            return Err(StoreError::Conflict("user"));
        }
        match self
            .transact_with_user(Vec::new(), &user, expected_version)
            .await?
        {
            Ok(()) => Ok(()),
            Err(_) => Err(StoreError::Conflict("user")),
        }
    }

    async fn list_users(&self, company_id: Option<&str>) -> Result<Vec<UserRecord>, StoreError> {
        let q = match company_id {
            Some(c) => Query::new(Some("GSI1"), format!("USERS-OF#{c}")),
            None => Query::new(Some("GSI2"), "USERS"),
        };
        let mut users = self
            .query_all(&q)
            .await?
            .iter()
            .map(user_from)
            .collect::<Result<Vec<_>, _>>()?;
        // The index orders by the string `<name>#<id>`, which is not (name, id) when a
        // name holds a character below `#`: sort as the SQLite store does.
        users.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(users)
    }

    async fn staff_wanting_mail(&self, kind: &str) -> Result<Vec<UserRecord>, StoreError> {
        let q = Query::new(Some("GSI1"), mails_on_partition(kind));
        let mut users = self
            .query_all(&q)
            .await?
            .iter()
            .map(user_from)
            .collect::<Result<Vec<_>, _>>()?;
        users.retain(|u| u.role != Role::Customer && u.mails_on.iter().any(|k| k == kind));
        users.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(users)
    }

    async fn create_company(&self, company: CompanyRecord) -> Result<(), StoreError> {
        if self
            .put(
                company_item(&company),
                Some(expr("attribute_not_exists(#PK)")),
            )
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate(format!("company {}", company.id)))
        }
    }

    async fn get_company(&self, id: &str) -> Result<Option<CompanyRecord>, StoreError> {
        self.get(key(format!("COMPANY#{id}"), "COMPANY"))
            .await?
            .as_ref()
            .map(company_from)
            .transpose()
    }

    async fn update_company(&self, company: CompanyRecord) -> Result<(), StoreError> {
        if self
            .put(company_item(&company), Some(expr("attribute_exists(#PK)")))
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Conflict("company"))
        }
    }

    async fn list_companies(&self) -> Result<Vec<CompanyRecord>, StoreError> {
        let mut companies = self
            .query_all(&Query::new(Some("GSI1"), "COMPANIES"))
            .await?
            .iter()
            .map(company_from)
            .collect::<Result<Vec<_>, _>>()?;
        companies.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(companies)
    }
}
