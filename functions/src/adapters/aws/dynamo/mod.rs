//! The Store port on one DynamoDB table (aws-sdk-dynamodb). Every method is a GetItem,
//! a Query on one index, a conditional write, or one TransactWriteItems; nothing on a
//! request path scans. Concurrent writers are kept apart by conditions (a `version`
//! attribute on tickets and users, `attribute_not_exists` on everything unique), and
//! a failed condition is mapped to the same `StoreError` the SQLite store gives.
//!
//! # Item layout
//!
//! Keys are `PK`/`SK` (strings); three GSIs (`GSI1`, `GSI2`, `GSI3`, keys
//! `GSInPK`/`GSInSK`, projection ALL) are shared by the item types, each of which uses
//! its own partition-key prefix (the part before the first `#` names the type, so no
//! two types' keys can meet). `<t>` is a time as 20 zero-padded digits of
//! microseconds since the epoch, so string order is time order; `<upd>` is a ticket's
//! `updated_at` so written; `ttl` is epoch seconds (DynamoDB's time to live).
//!
//! | Item | PK | SK | GSI1 PK / SK | GSI2 PK / SK | GSI3 PK / SK | Used by |
//! |---|---|---|---|---|---|---|
//! | sequence | `SEQ#<key>` | `SEQ` | | | | `next_sequence` (UpdateItem ADD `value`); `current_sequence` and batch reads (the value a new ticket claims); `create_ticket` with `number_from` (SET `value` on condition that it is the claimed value's predecessor) |
//! | ticket | `TICKET#<no>` | `META` | `REQ#<requester>` / `<upd>#<no>` | `CO#<company>` / `<upd>#<no>` | `ALL` / `<upd>#<no>` | `get_ticket`; `list_tickets` with filter All; the `version` every update is conditional on; `contacts` (JSON: copies of the people its mails name, `Contacts`); `sla_clock` (JSON: the SLA targets' due times, what was met and warned about, `SlaClock`; absent: no targets) |
//! | ticket, open/closed copy | `TICKET#<no>` | `BUCKET` | `REQ-OPEN#<requester>` or `REQ-CLOSED#…` / `<upd>#<no>` | `CO-OPEN#<company>` or `CO-CLOSED#…` / `<upd>#<no>` | `ALL-OPEN` or `ALL-CLOSED` / `<upd>#<no>` | `list_tickets` with filter Open or Closed |
//! | ticket, due copy (only while it has a timer or an SLA warning to send) | `TICKET#<no>` | `DUE` | | | `TICKETDUE` / `<next due>#<no>` (`TicketRecord::next_due`: the timer's reminder or due time, or the next SLA warning) | `due_tickets` |
//! | article | `TICKET#<no>` | `ART#<seq, 10 digits>` | | | | `articles` (Query, `begins_with(SK, "ART#")`); attachments are a list of maps inside |
//! | history record | `TICKET#<no>` | `HIST#<at>#<index, 3 digits>#<random>` | | | | `history` (Query, `begins_with(SK, "HIST#")`) |
//! | idempotency key | `IDEM#<key>` | `IDEM` | | | | `create_ticket`, `ticket_by_idempotency_key` |
//! | ticket counts | `COUNT#ALL`, `COUNT#REQ#<requester>`, `COUNT#CO#<company>` | `COUNT` | | | | `count_tickets` (GetItem); `open`/`closed` and the scope's generation `gen` kept by ADD in every ticket transaction |
//! | outbox mail | `MAIL#<id>` (also `mail_id`) | `MAIL` | | | `MAILDUE` / `<next attempt>#<id>` while unsent and scheduled | `due_mails`, `get_mail`, `queue_mails` (mails about no stored change), `mark_sent` (sets `sent_at`), `mark_failed`; the outbox Lambda reads INSERTs of `MAIL#` items from the stream |
//! | user | `USER#<id>` | `USER` | `USERS-OF#<company>` / `<name>#<id>` (customers) | `USERS` / `<name>#<id>` | | `get_user`, `list_users`, `update_user` (`version`); `customer_role` (absent: a user admin, as before roles), `projects` (their groups), `mail_to` (the mail address when it is not the login ID) and `pending` (a self-registration not yet confirmed; absent: false) |
//! | e-mail guard | `EMAIL#<lower-case e-mail>` | `EMAIL` | | | | unique login IDs; `user_by_email` (then the user) |
//! | company | `COMPANY#<id>` | `COMPANY` | `COMPANIES` / `<name>#<id>` | | | `get_company`, `list_companies`, `update_company`; `uses_groups` (absent: false) |
//! | contract | `CONTRACT#<number>` | `CONTRACT` | `CONTRACTS-OF#<company>` / `<number>` | `CONTRACTS` / `<number>` | | `get_contract`, `list_contracts`, `update_contract` (`version`); `project_ids` a list |
//! | project | `PROJECT#<id>` | `PROJECT` | `PROJECTS-OF#<company>` / `<id>` | | | `get_project`, `list_projects` |
//! | one-time token | `TOKEN#<sha-256>` | `TOKEN` | | | | `get_token`, `consume_token` (with the user and mails in one transaction); `purpose` invite, reset or register; `ttl` = `expires_at` |
//! | session | `SESSION#<id>` | `SESSION` | `SESSIONS-OF#<user>` / `<id>` while not revoked | | | `get_session`, `rotate_session`, `revoke_user_sessions`; `ttl` = `expires_at` |
//! | failed logins | `THROTTLE#<key>` | `THROTTLE` | | | | `throttle`, `record_failure`; `ttl` a day after the window |
//! | pending upload | `UPLOAD#<id>` | `UPLOAD` | `UPLOADS-OF#<owner>` / `<created>#<id>` | `UPLOADS` / `<created>#<id>` | | `uploads_of`, `uploads_created_before` |
//! | search index job (until applied) | `TICKET#<no>` | `INDEXJOB#<seq, 10 digits>` | | | `INDEXJOBS` / `<upd>#<no>#<seq>` | written in the ticket's transaction: `terms`, a map of the terms its new text adds to their counts; applied and deleted right after, or by `catch_up_search_index` (the sweep) |
//! | search backfill position | `SEARCHBACKFILL` | `SEARCHBACKFILL` | | | | how far the sweep got indexing tickets stored before the index: `after_at`, `after_number`, or `done` |
//! | search posting | `TERM#<term>` | `<no>#<seq, 10 digits>` | | | | `search_tickets`: one Query per term; `number`, `tf` (the term's count in that article, the subject counted with the first) |
//!
//! A ticket's three items (`META`, `BUCKET`, `DUE`) carry the same ticket attributes
//! and are written in the same transaction, so every list page and the sweep's due
//! list are one Query each that returns whole tickets. The `META` item is the one
//! whose `version` the conditions check.
//!
//! # Round trips
//! A new ticket: one BatchGetItem (what it depends on, the day's counter among them)
//! and one TransactWriteItems that claims the counter's next value with the ticket; an
//! UpdateItem (ADD) and a second transaction only for the loser of a race for that
//! value. A reply or any ticket update: one TransactWriteItems (with a ConditionCheck
//! on each user or company whose copy on the ticket its mails used), a second only when the
//! ticket moves between open and closed or to another requester or company (the first
//! attempt assumes it does not, to keep the counters right without a read, and learns
//! the stored values from the refused condition). A list page: one Query; its counts:
//! one GetItem. A staff search: a Query per term and a BatchGetItem per 100 matching
//! tickets, or the staff list's Queries without words (`search.rs`).
//! `RoundTrips` counts them.

mod accounts;
mod attr;
mod batch;
mod cursor;
mod outbox;
mod projects;
mod round_trips;
mod search;
mod searches;
mod sessions;
mod tickets;
mod uploads;
mod users;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, StreamSpecification, StreamViewType,
    TableStatus, TimeToLiveSpecification, TransactWriteItem, Update,
};

pub use round_trips::RoundTrips;

use crate::ports::store::StoreError;
use attr::Item;
use cursor::CursorKey;

/// The global secondary indexes, as infra/ defines them.
const INDEXES: [&str; 3] = ["GSI1", "GSI2", "GSI3"];

/// The largest TransactWriteItems DynamoDB accepts.
const MAX_TRANSACTION_ITEMS: usize = 100;

/// How often a transaction cancelled only by a concurrent transaction on the same
/// items (nothing of it was written) is sent again.
const TRANSACTION_CONFLICT_RETRIES: u32 = 8;

/// The store on one DynamoDB table. Cheap to clone (the client is shared).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    cursor_key: CursorKey,
}

impl DynamoStore {
    /// The store on `table`. List cursors are signed with a key derived from the table
    /// name until `with_cursor_key` sets a secret one: the table name is no secret, so
    /// a deployment should pass one (cursors only ever position a page inside the
    /// caller's own list, so a forged one reveals nothing, but it should not be possible).
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        let table = table.into();
        let cursor_key = CursorKey::from_secret(format!("table:{table}").as_bytes());
        DynamoStore {
            client,
            table,
            cursor_key,
        }
    }

    /// Signs list cursors with `key` (any length; every Lambda of a deployment must use
    /// the same one, or a cursor from one is refused by another).
    pub fn with_cursor_key(mut self, key: &[u8]) -> DynamoStore {
        self.cursor_key = CursorKey::from_secret(key);
        self
    }

    /// The store on a client built from `config` that counts its round trips.
    pub fn counting(
        config: &aws_config::SdkConfig,
        table: impl Into<String>,
    ) -> (DynamoStore, RoundTrips) {
        let round_trips = RoundTrips::new();
        let conf = aws_sdk_dynamodb::config::Builder::from(config)
            .interceptor(round_trips.clone())
            .build();
        (
            DynamoStore::new(Client::from_conf(conf), table),
            round_trips,
        )
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table as infra/ defines it (tests and local experiments): `PK`/`SK`,
    /// GSI1–3 with projection ALL, TTL on `ttl`, a NEW_AND_OLD_IMAGES stream, on-demand
    /// billing. Waits until the table is active.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        self.create_table_with(true).await
    }

    /// The same table without its stream, for emulators that are slow with one (moto
    /// keeps every stream record and copies them all on every transaction). The
    /// deployed table always has the stream: the outbox Lambda reads it.
    pub async fn create_table_without_stream(&self) -> Result<(), StoreError> {
        self.create_table_with(false).await
    }

    async fn create_table_with(&self, stream: bool) -> Result<(), StoreError> {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(StoreError::unexpected)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(StoreError::unexpected)
        };
        let mut attributes = vec![attribute("PK")?, attribute("SK")?];
        let mut indexes = Vec::new();
        for gsi in INDEXES {
            let (pk, sk) = (format!("{gsi}PK"), format!("{gsi}SK"));
            attributes.push(attribute(&pk)?);
            attributes.push(attribute(&sk)?);
            indexes.push(
                GlobalSecondaryIndex::builder()
                    .index_name(gsi)
                    .key_schema(key(&pk, KeyType::Hash)?)
                    .key_schema(key(&sk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(StoreError::unexpected)?,
            );
        }
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(attributes))
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?)
            .set_global_secondary_indexes(Some(indexes))
            .set_stream_specification(if stream {
                Some(
                    StreamSpecification::builder()
                        .stream_enabled(true)
                        .stream_view_type(StreamViewType::NewAndOldImages)
                        .build()
                        .map_err(StoreError::unexpected)?,
                )
            } else {
                None
            })
            .send()
            .await
            .map_err(self.failed("CreateTable"))?;
        for _ in 0..120 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(self.failed("DescribeTable"))?;
            if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("ttl")
                    .build()
                    .map_err(StoreError::unexpected)?,
            )
            .send()
            .await
            .map_err(self.failed("UpdateTimeToLive"))?;
        Ok(())
    }

    /// Wraps an SDK error with the operation and the table.
    fn failed<E: std::error::Error + Send + Sync + 'static>(
        &self,
        operation: &'static str,
    ) -> impl FnOnce(E) -> StoreError + use<E> {
        let table = self.table.clone();
        move |e| {
            StoreError::unexpected(CallFailed {
                operation,
                table,
                source: Box::new(e),
            })
        }
    }

    /// One strongly consistent GetItem.
    async fn get(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(self.failed("GetItem"))?;
        Ok(out.item)
    }

    /// A write's output, or `None` if DynamoDB refused its condition (`refused` tells
    /// the operation's error apart); other errors fail with the operation's name.
    fn unless_refused<T, E>(
        &self,
        result: Result<
            T,
            aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
        >,
        operation: &'static str,
        refused: impl Fn(&E) -> bool,
    ) -> Result<Option<T>, StoreError>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.as_service_error().is_some_and(&refused) => Ok(None),
            Err(e) => Err(self.failed(operation)(e)),
        }
    }

    /// One PutItem; false if its condition failed.
    async fn put(&self, item: Item, cond: Option<Expr>) -> Result<bool, StoreError> {
        let cond = cond.unwrap_or_default();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(cond.text())
            .set_expression_attribute_names(names(&[cond.text.as_str()]))
            .set_expression_attribute_values(cond.values())
            .send()
            .await;
        self.unless_refused(result, "PutItem", |e| {
            e.is_conditional_check_failed_exception()
        })
        .map(|done| done.is_some())
    }

    /// One UpdateItem returning the new item; `None` if its condition failed.
    async fn update(
        &self,
        key: Item,
        update: &str,
        cond: Option<&str>,
        values: Item,
    ) -> Result<Option<Item>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update)
            .set_condition_expression(cond.map(str::to_owned))
            .set_expression_attribute_names(names(&[update, cond.unwrap_or_default()]))
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        self.unless_refused(result, "UpdateItem", |e| {
            e.is_conditional_check_failed_exception()
        })
        .map(|done| done.map(|out| out.attributes.unwrap_or_default()))
    }

    /// One DeleteItem; false if its condition failed.
    async fn delete(&self, key: Item, cond: Option<Expr>) -> Result<bool, StoreError> {
        let cond = cond.unwrap_or_default();
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression(cond.text())
            .set_expression_attribute_names(names(&[cond.text.as_str()]))
            .set_expression_attribute_values(cond.values())
            .send()
            .await;
        self.unless_refused(result, "DeleteItem", |e| {
            e.is_conditional_check_failed_exception()
        })
        .map(|done| done.is_some())
    }

    /// One page of a Query on the table (`index` `None`) or a GSI.
    async fn query_page(
        &self,
        q: &Query,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let (pk, sk) = match q.index {
            Some(gsi) => (format!("{gsi}PK"), format!("{gsi}SK")),
            None => ("PK".to_owned(), "SK".to_owned()),
        };
        let mut condition = "#pk = :pk".to_owned();
        let mut values = Item::from([(":pk".to_owned(), attr::s(q.partition.as_str()))]);
        match &q.sort {
            SortKey::Any => {}
            SortKey::BeginsWith(p) => {
                condition.push_str(" AND begins_with(#sk, :sk)");
                values.insert(":sk".into(), attr::s(p.as_str()));
            }
            SortKey::Below(v) => {
                condition.push_str(" AND #sk < :sk");
                values.insert(":sk".into(), attr::s(v.as_str()));
            }
        }
        let mut names = HashMap::from([("#pk".to_owned(), pk)]);
        if !matches!(q.sort, SortKey::Any) {
            names.insert("#sk".to_owned(), sk);
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(q.index.map(str::to_owned))
            .key_condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(q.forward)
            .set_limit(q.limit.map(|l| l.min(i32::MAX as u32) as i32))
            .set_consistent_read(q.index.is_none().then_some(true))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(self.failed("Query"))?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// Every item a Query finds, page after page (for lists that are short by nature:
    /// a ticket's articles, a company's users).
    async fn query_all(&self, q: &Query) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let (page, next) = self.query_page(q, start).await?;
            items.extend(page);
            match next {
                Some(k) => start = Some(k),
                None => return Ok(items),
            }
        }
    }

    /// One TransactWriteItems. `Ok(Err(reasons))` when it was cancelled by a condition
    /// (one reason per write, in order). A cancellation only by concurrent transactions
    /// on the same items wrote nothing and is sent again after a short pause.
    async fn transact(&self, writes: Vec<Write>) -> Result<Result<(), Vec<Reason>>, StoreError> {
        if writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::unexpected(Refused(format!(
                "a transaction of {} items (DynamoDB takes at most {MAX_TRANSACTION_ITEMS})",
                writes.len()
            ))));
        }
        let items = writes
            .into_iter()
            .map(|w| w.build(&self.table))
            .collect::<Result<Vec<_>, _>>()?;
        let mut attempt = 0;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let e = match result {
                Ok(_) => return Ok(Ok(())),
                Err(e) => e,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(c)) =
                e.as_service_error()
            else {
                return Err(self.failed("TransactWriteItems")(e));
            };
            let reasons: Vec<Reason> = c
                .cancellation_reasons()
                .iter()
                .map(|r| Reason {
                    code: r.code().unwrap_or("None").to_owned(),
                    item: r.item().cloned(),
                })
                .collect();
            let only_conflicts = reasons
                .iter()
                .all(|r| r.code == "None" || r.code == "TransactionConflict");
            if !only_conflicts || attempt >= TRANSACTION_CONFLICT_RETRIES {
                if reasons.iter().any(Reason::failed) {
                    return Ok(Err(reasons));
                }
                return Err(self.failed("TransactWriteItems")(e));
            }
            attempt += 1;
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

/// A short, jittered pause before sending a conflicting transaction again.
fn backoff(attempt: u32) -> Duration {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    let cap_ms = 1u64 << attempt.min(7);
    Duration::from_millis(5 + u64::from(u16::from_le_bytes(b)) % (cap_ms * 5))
}

#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} on table {table} failed")]
struct CallFailed {
    operation: &'static str,
    table: String,
    #[source]
    source: BoxError,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Why one write of a cancelled transaction failed, and the item as it was (for
/// writes that asked for it).
#[derive(Debug, Clone)]
struct Reason {
    code: String,
    item: Option<Item>,
}

impl Reason {
    fn failed(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

/// A condition (or update) expression and its `:values`. Attribute names are written
/// `#name` and mapped to `name` automatically (so reserved words like `name`, `state`,
/// `size` or `ttl` need no care).
#[derive(Debug, Clone, Default)]
struct Expr {
    text: String,
    values: Item,
}

fn expr(text: impl Into<String>) -> Expr {
    Expr {
        text: text.into(),
        values: Item::new(),
    }
}

impl Expr {
    fn val(mut self, placeholder: &str, v: aws_sdk_dynamodb::types::AttributeValue) -> Expr {
        self.values.insert(placeholder.to_owned(), v);
        self
    }

    fn text(&self) -> Option<String> {
        (!self.text.is_empty()).then(|| self.text.clone())
    }

    fn values(&self) -> Option<Item> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// The `#name` placeholders used in `texts`, each mapped to `name`.
fn names(texts: &[&str]) -> Option<HashMap<String, String>> {
    let mut names = HashMap::new();
    for text in texts {
        let mut rest = *text;
        while let Some(i) = rest.find('#') {
            rest = &rest[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end > 0 {
                names.insert(format!("#{}", &rest[..end]), rest[..end].to_owned());
            }
            rest = &rest[end..];
        }
    }
    (!names.is_empty()).then_some(names)
}

/// Where a Query looks.
struct Query {
    /// `None`: the table's own key.
    index: Option<&'static str>,
    partition: String,
    sort: SortKey,
    forward: bool,
    limit: Option<u32>,
}

enum SortKey {
    Any,
    BeginsWith(String),
    /// Strictly below.
    Below(String),
}

impl Query {
    fn new(index: Option<&'static str>, partition: impl Into<String>) -> Query {
        Query {
            index,
            partition: partition.into(),
            sort: SortKey::Any,
            forward: true,
            limit: None,
        }
    }

    fn sort(mut self, sort: SortKey) -> Query {
        self.sort = sort;
        self
    }

    fn forward(mut self, forward: bool) -> Query {
        self.forward = forward;
        self
    }

    fn limit(mut self, limit: u32) -> Query {
        self.limit = Some(limit);
        self
    }
}

/// One write of a transaction.
#[derive(Debug, Clone)]
enum Write {
    Put {
        item: Item,
        cond: Option<Expr>,
        /// Return the stored item when the condition fails.
        old: bool,
    },
    Update {
        key: Item,
        update: String,
        cond: Option<String>,
        values: Item,
    },
    Delete {
        key: Item,
        cond: Option<Expr>,
    },
    Check {
        key: Item,
        cond: Expr,
    },
}

impl Write {
    fn put(item: Item) -> Write {
        Write::Put {
            item,
            cond: None,
            old: false,
        }
    }

    fn put_if(item: Item, cond: Expr) -> Write {
        Write::Put {
            item,
            cond: Some(cond),
            old: false,
        }
    }

    fn put_new(item: Item) -> Write {
        Write::put_if(item, expr("attribute_not_exists(#PK)"))
    }

    fn build(self, table: &str) -> Result<TransactWriteItem, StoreError> {
        let b = TransactWriteItem::builder();
        let built = match self {
            Write::Put { item, cond, old } => {
                let cond = cond.unwrap_or_default();
                b.put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(item))
                        .set_condition_expression(cond.text())
                        .set_expression_attribute_names(names(&[cond.text.as_str()]))
                        .set_expression_attribute_values(cond.values())
                        .set_return_values_on_condition_check_failure(
                            old.then_some(ReturnValuesOnConditionCheckFailure::AllOld),
                        )
                        .build()
                        .map_err(StoreError::unexpected)?,
                )
            }
            Write::Update {
                key,
                update,
                cond,
                values,
            } => b.update(
                Update::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_expression_attribute_names(names(&[
                        update.as_str(),
                        cond.as_deref().unwrap_or_default(),
                    ]))
                    .update_expression(update)
                    .set_condition_expression(cond)
                    .set_expression_attribute_values((!values.is_empty()).then_some(values))
                    .build()
                    .map_err(StoreError::unexpected)?,
            ),
            Write::Delete { key, cond } => {
                let cond = cond.unwrap_or_default();
                b.delete(
                    Delete::builder()
                        .table_name(table)
                        .set_key(Some(key))
                        .set_condition_expression(cond.text())
                        .set_expression_attribute_names(names(&[cond.text.as_str()]))
                        .set_expression_attribute_values(cond.values())
                        .build()
                        .map_err(StoreError::unexpected)?,
                )
            }
            Write::Check { key, cond } => b.condition_check(
                ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .condition_expression(cond.text.clone())
                    .set_expression_attribute_names(names(&[cond.text.as_str()]))
                    .set_expression_attribute_values(cond.values())
                    .build()
                    .map_err(StoreError::unexpected)?,
            ),
        };
        Ok(built.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_are_found_in_expressions() {
        let found = names(&[
            "#version = :v AND attribute_not_exists(#PK)",
            "SET #ttl = :t",
        ])
        .unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found["#version"], "version");
        assert_eq!(found["#PK"], "PK");
        assert_eq!(found["#ttl"], "ttl");
        assert_eq!(names(&[":a = :b"]), None);
    }
}
