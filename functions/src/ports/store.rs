//! The Store port, shaped for DynamoDB's access patterns rather than SQL joins: every
//! method is a key lookup, a query on one index, a conditional write, or a transaction
//! of a few items (the comment on each says which), so the DynamoDB adapter does a
//! small, known number of round trips and SQLite does the same work in one transaction.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::domain::access::{CustomerRole, Role};
use crate::domain::ticket::{Channel, SlaClock, State, Timer};
pub use crate::ports::search::SearchStore;

/// A person who logs in: customer or staff.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub id: String,
    /// The login ID; unique without regard to case.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The customer's company; `None` for staff.
    pub company_id: Option<String>,
    /// The customer's role in their company (seed 004); `None` for staff. Customers
    /// stored before roles existed read back as user admins (what they could do then).
    pub customer_role: Option<CustomerRole>,
    /// The projects whose customer groups the account belongs to (a project has one
    /// group, so its id names the group); staff put accounts into groups.
    pub projects: Vec<String>,
    /// Personal settings: language (`ja`/`en`), IANA time zone, tickets per page, list
    /// refresh interval in seconds.
    pub lang: String,
    pub time_zone: String,
    pub page_size: u32,
    pub refresh_secs: u32,
    /// The mails the user turned off (mail kind names, e.g. `reply_customer`); mails
    /// about their account (invitations, password resets) are always sent.
    pub mails_off: Vec<String>,
    /// The mails that are off unless asked for, which the user turned on (mail kind
    /// names, `MailKind::opt_in_for`: staff's own copy of new-ticket mails). Kept apart
    /// from `mails_off` so that neither list changes meaning; absent on older records,
    /// which read as none.
    pub mails_on: Vec<String>,
    /// argon2id PHC string; `None` until an invitation is accepted.
    pub password_hash: Option<String>,
    pub disabled: bool,
    /// Where the portal's mails go when it is not the login ID (seed 002: a user ID that
    /// is not an e-mail address, or a mailing list); `None`: the login ID is the address.
    pub mail_to: Option<String>,
    /// A self-registration not yet confirmed by its mail link: it cannot log in (it is
    /// also `disabled`), and only the confirmation link or its re-sending applies to it.
    pub pending: bool,
    pub created_at: Timestamp,
    pub version: u64,
}

impl UserRecord {
    /// The address the user's mails go to.
    pub fn mail_address(&self) -> &str {
        self.mail_to.as_deref().unwrap_or(&self.email)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompanyRecord {
    pub id: String,
    pub name: String,
    /// Whether the company's accounts see only their groups' projects (seed 004 §3.2).
    pub uses_groups: bool,
    pub created_at: Timestamp,
}

/// A project (案件) staff define for a company: contracts and tickets are filed under
/// it, and its one customer group (顧客案件グループ) names the accounts that see them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    /// Unique across companies (a slug like a company id: `acme-network`).
    pub id: String,
    pub company_id: String,
    /// The project's name (社内ネットワーク案件).
    pub name: String,
    /// The name of its customer group (社内ネットワーク案件グループ).
    pub group_name: String,
    pub created_at: Timestamp,
}

/// A ticket as stored: the current values, the timer, and the version that guards
/// every update.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRecord {
    pub number: String,
    pub subject: String,
    pub requester_id: String,
    pub company_id: String,
    pub state: State,
    pub priority: String,
    pub owner_id: Option<String>,
    pub service: Option<String>,
    pub sla: Option<String>,
    pub ticket_type: Option<String>,
    pub product: Option<String>,
    /// The project (案件) the ticket is filed under: chosen on the form or inferred
    /// from the contract; it decides who in a company that uses groups sees it.
    pub project_id: Option<String>,
    /// Custom and product fields by key (contract number, serial number, …).
    pub fields: BTreeMap<String, String>,
    pub cc: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub timer: Option<Timer>,
    /// The earlier ticket a follow-up was opened for.
    pub linked_to: Option<String>,
    /// The ticket this one was merged into (it is then closed for good).
    pub merged_into: Option<String>,
    /// The start of the latest public article, for lists.
    pub preview: String,
    /// Articles so far; the next article's `seq` is this plus one.
    pub article_count: u32,
    /// Starts at 1; every update must name the version it read.
    pub version: u64,
    /// Copies of what the ticket's mails need of the people it names (see `Contacts`).
    pub contacts: Contacts,
    /// The SLA targets' due times and what was met and warned about; `None` when no
    /// target applied when the ticket was opened (or it predates SLA targets).
    pub sla_clock: Option<SlaClock>,
    /// How the inquiry came in (tickets stored before channels read back as `Web`).
    pub channel: Channel,
    /// The department (`assignment.departments` of the configuration) whose queue the
    /// ticket is in, if an assignment rule or staff put it in one.
    pub department: Option<String>,
}

impl TicketRecord {
    /// The earliest moment the sweep must look at the ticket: its timer's reminder or
    /// due time, or its next SLA warning (the due-time index of both stores).
    pub fn next_due(&self) -> Option<Timestamp> {
        let timer = self
            .timer
            .map(|timer| timer.remind_at.map_or(timer.due, |r| r.min(timer.due)));
        let sla = if self.state.is_open() {
            self.sla_clock.as_ref().and_then(SlaClock::next_point)
        } else {
            None
        };
        match (timer, sla) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// How far ahead the staff desk looks for tickets asking for attention (`attention_at`).
pub const ATTENTION_AHEAD: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

impl TicketRecord {
    /// When an open ticket asks for the staff desk's attention (the dashboard's "handle
    /// first" list, most pressing first): the earliest due time of its running SLA
    /// targets or of its timer, and for an urgent ticket the time it was opened (so it
    /// stays at the top until handled). `None` for a closed ticket or one with none of
    /// these. Stored with the ticket and indexed, so the list is one range read.
    pub fn attention_at(&self) -> Option<Timestamp> {
        if !self.state.is_open() {
            return None;
        }
        let urgent = (self.priority == URGENT).then_some(self.created_at);
        let timer = self.timer.map(|t| t.due);
        let sla = self.sla_clock.as_ref().and_then(|c| {
            crate::domain::ticket::sla::TargetKind::ALL
                .iter()
                .filter_map(|k| c.get(*k).filter(|d| d.running()).map(|d| d.due))
                .min()
        });
        [urgent, timer, sla].into_iter().flatten().min()
    }
}

/// The priority the staff desk puts first.
pub const URGENT: &str = "urgent";

/// What a ticket's mails need of its requester, its owner and their company, copied on
/// the ticket when they are read, so that a later change to the ticket can address its
/// mails without reading them again (on DynamoDB, one round trip fewer: the people are
/// other items, whose keys are known only once the ticket is read). A change that uses
/// a copy names it in `TicketUpdate::relies_on`; the store then refuses the change if
/// the original has changed since, and the use case reads it afresh. Empty on tickets
/// stored before copies were kept.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Contacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

/// A copy of a user's mail details, taken at the user's `version`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    pub user_id: String,
    pub name: String,
    /// Where their mails go (`UserRecord::mail_address`).
    pub address: String,
    pub lang: String,
    #[serde(default)]
    pub mails_off: Vec<String>,
    pub version: u64,
}

impl Contact {
    pub fn of(u: &UserRecord) -> Contact {
        Contact {
            user_id: u.id.clone(),
            name: u.name.clone(),
            address: u.mail_address().to_owned(),
            lang: u.lang.clone(),
            mails_off: u.mails_off.clone(),
            version: u.version,
        }
    }
}

/// A copy a ticket change relied on (see `Contacts`): the store checks it in the
/// change's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reliance {
    /// The user is still at this version.
    User { id: String, version: u64 },
    /// The company still has this name.
    CompanyName { id: String, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRecord {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Where the Blobs port keeps the bytes.
    pub blob_key: String,
}

/// A file uploaded but not yet attached: it waits for the ticket or reply that names
/// its id, and is swept after a day if none does.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRecord {
    pub id: String,
    /// Only this user may attach or discard it.
    pub owner_id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub blob_key: String,
    pub created_at: Timestamp,
}

impl UploadRecord {
    /// The attachment it becomes (same id, same bytes).
    pub fn attachment(&self) -> AttachmentRecord {
        AttachmentRecord {
            id: self.id.clone(),
            name: self.name.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            blob_key: self.blob_key.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRecord {
    pub ticket: String,
    /// 1, 2, 3 … in the order the store accepted them.
    pub seq: u32,
    pub author_id: String,
    pub author_name: String,
    /// An internal note: never shown to customers, never mailed to them.
    pub internal: bool,
    pub body_md: String,
    pub created_at: Timestamp,
    pub attachments: Vec<AttachmentRecord>,
    /// Minutes staff spent on what this response answers (seed 003's 作業時間); staff
    /// only, never shown to customers.
    pub minutes: Option<u32>,
    /// The response fields staff filled in (`response_fields:` of the form; seed 003's
    /// 対応期限, 原因/対策, メモ), by key.
    pub fields: BTreeMap<String, String>,
}

/// One recorded change: who, when, from what to what, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub ticket: String,
    pub at: Timestamp,
    pub actor_id: String,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: String,
}

/// A mail waiting in the outbox: the whole RFC 5322 message, written in the same
/// transaction as the change that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMail {
    pub id: String,
    pub created_at: Timestamp,
    /// Envelope recipients (To and CC).
    pub recipients: Vec<String>,
    pub message: Vec<u8>,
    pub attempts: u32,
    /// When to try (again); `None` once it failed for good.
    pub next_attempt_at: Option<Timestamp>,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// The ticket the mail is about, if any (a permanent failure is recorded there).
    pub ticket: Option<String>,
}

/// A new ticket with everything written with it, all or nothing.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub ticket: TicketRecord,
    pub article: ArticleRecord,
    pub history: Vec<HistoryRecord>,
    pub mails: Vec<OutboxMail>,
    /// A client's retry with the same key makes no second ticket.
    pub idempotency_key: Option<String>,
    /// Pending uploads that become the article's attachments: removed in the same
    /// transaction, which fails with `Conflict("upload")` if one is gone or is not the
    /// article author's.
    pub claimed_uploads: Vec<String>,
    /// The counter value the ticket's number was made from, when the caller took it
    /// from a read (`BatchRead::sequences`) instead of `next_sequence`: the transaction
    /// also moves the counter from `value - 1` to `value`, and writes nothing, failing
    /// with `Conflict("sequence")`, if another ticket took that value first.
    pub number_from: Option<SequenceClaim>,
}

/// A counter value claimed in a ticket's own transaction (see `NewTicket::number_from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceClaim {
    pub key: String,
    pub value: u64,
}

/// A change to a ticket: its new values (whose `version` is the one read plus one), an
/// optional article, and what it causes. Applied only if the stored version is still
/// `expected_version`.
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    pub ticket: TicketRecord,
    pub expected_version: u64,
    pub article: Option<ArticleRecord>,
    pub history: Vec<HistoryRecord>,
    pub mails: Vec<OutboxMail>,
    /// As in `NewTicket`: the article's pending uploads, claimed in the same
    /// transaction (empty without an article).
    pub claimed_uploads: Vec<String>,
    /// The state the caller read at `expected_version`, when it knows it: a store that
    /// files tickets by open/closed (DynamoDB's list buckets and counters) then writes
    /// them right the first time instead of learning the stored state from a refusal.
    pub previous_state: Option<State>,
    /// The copies of `ticket.contacts` the change's mails were addressed from: if one
    /// is stale, the store writes nothing and fails with `Conflict("contact")`.
    pub relies_on: Vec<Reliance>,
}

/// Whose tickets a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// "My tickets": one requester (DynamoDB: GSI1 on requester).
    Requester(String),
    /// "Company tickets" (DynamoDB: GSI2 on company).
    Company(String),
    /// Staff: every ticket (DynamoDB: GSI on a fixed partition by update time).
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListFilter {
    All,
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub scope: Scope,
    pub filter: ListFilter,
    /// Newest update first when false.
    pub oldest_first: bool,
    pub limit: u32,
    /// Where the previous page ended (from `Page::next`).
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque position for the next page, `None` on the last one.
    pub next: Option<String>,
}

/// The All / Open / Closed counts of the customer's list (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub open: u64,
    pub closed: u64,
    /// Grows whenever a ticket of the scope is created or changed in any way, so a page
    /// of the scope cached with this value is current while it stays the same (0 for a
    /// scope that never had a ticket). DynamoDB: an ADD on the scope's counter item in
    /// the same transaction as the ticket.
    pub generation: u64,
}

impl Counts {
    pub fn all(&self) -> u64 {
        self.open + self.closed
    }
}

/// The staff desk's counts (the dashboard): every ticket by state, and the open
/// tickets nobody owns. Kept on write in the ticket's transaction (SQLite: a row per
/// count kept by triggers; DynamoDB: attributes of the staff scope's counter item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeskCounts {
    /// Indexed like `State::ALL`.
    pub by_state: [u64; State::ALL.len()],
    pub unassigned: u64,
}

impl DeskCounts {
    pub fn of(&self, state: State) -> u64 {
        State::ALL
            .iter()
            .position(|s| *s == state)
            .map_or(0, |i| self.by_state[i])
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed it first: read again and retry, or answer 409.
    #[error("the {0} was changed by someone else")]
    Conflict(&'static str),
    /// A unique value (ticket number, e-mail) is taken.
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("the store failed")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn unexpected(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError::Unexpected(Box::new(e))
    }
}

/// Atomic counters (DynamoDB: one UpdateItem with ADD).
#[async_trait]
pub trait SequenceStore: Send + Sync {
    /// Increments the counter `key` and returns its new value (1 the first time).
    async fn next_sequence(&self, key: &str) -> Result<u64, StoreError>;

    /// The counter's value now, without changing it (0 before the first increment).
    async fn current_sequence(&self, key: &str) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Writes a ticket, its first article, history and mails in one transaction
    /// (DynamoDB: TransactWriteItems with a condition that the number is new). With an
    /// idempotency key already used, writes nothing and returns the earlier ticket's number.
    async fn create_ticket(&self, new: NewTicket) -> Result<String, StoreError>;

    /// The ticket an idempotency key already made, if any (one GetItem on the key's item).
    async fn ticket_by_idempotency_key(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// One GetItem.
    async fn get_ticket(&self, number: &str) -> Result<Option<TicketRecord>, StoreError>;

    /// One transaction, conditional on the version (`Conflict` otherwise).
    async fn update_ticket(&self, update: TicketUpdate) -> Result<(), StoreError>;

    /// Every article of a ticket in order (one Query on the ticket's partition).
    async fn articles(&self, number: &str) -> Result<Vec<ArticleRecord>, StoreError>;

    /// The history of a ticket, oldest first.
    async fn history(&self, number: &str) -> Result<Vec<HistoryRecord>, StoreError>;

    /// Adds one record to a ticket's history without changing the ticket (a mail about
    /// it that failed for good). DynamoDB: one PutItem.
    async fn append_history(&self, record: HistoryRecord) -> Result<(), StoreError>;

    /// Adds records to the histories of one or more tickets, all or nothing, without
    /// changing the tickets (both sides of a link between two tickets). DynamoDB: one
    /// TransactWriteItems of puts.
    async fn record_history(&self, records: Vec<HistoryRecord>) -> Result<(), StoreError>;

    /// One page of a list (one Query on the scope's index).
    async fn list_tickets(&self, query: &ListQuery) -> Result<Page<TicketRecord>, StoreError>;

    /// The cursor that continues a list right after `ticket` (for lists filtered
    /// beyond what the store pages, e.g. a keyword search).
    fn cursor_after(&self, ticket: &TicketRecord) -> String;

    /// Open and closed counts and the generation of a scope (kept as counters on
    /// DynamoDB: one GetItem).
    async fn count_tickets(&self, scope: &Scope) -> Result<Counts, StoreError>;

    /// Tickets whose timer or reminder is due at `now` (a Query on the due-time index).
    async fn due_tickets(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketRecord>, StoreError>;

    /// The staff desk's counts (DynamoDB: one GetItem on the staff scope's counter item).
    async fn desk_counts(&self) -> Result<DeskCounts, StoreError>;

    /// Open tickets whose `attention_at` is at or before `until`, most pressing first
    /// (a Query on the attention index).
    async fn attention_tickets(
        &self,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketRecord>, StoreError>;

    /// Open tickets owned by `owner_id`, latest update first (a Query on the owner
    /// index), and whether there are more than `limit`.
    async fn owned_open_tickets(
        &self,
        owner_id: &str,
        limit: u32,
    ) -> Result<Page<TicketRecord>, StoreError>;

    /// Adds `record` to its ticket's history unless a record with the same `once` key
    /// is already there (the audit of views: one per user, ticket and hour); true if it
    /// was added. DynamoDB: one PutItem with `attribute_not_exists` on a key made of
    /// `once`.
    async fn append_history_once(
        &self,
        record: HistoryRecord,
        once: &str,
    ) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues mails that are about no stored change (the forgotten user ID), all or
    /// nothing; `Duplicate` if a mail id is already queued (DynamoDB: TransactWriteItems
    /// of `attribute_not_exists` puts).
    async fn queue_mails(&self, mails: Vec<OutboxMail>) -> Result<(), StoreError>;

    /// Unsent mails whose next attempt is due, oldest first.
    async fn due_mails(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>, StoreError>;

    /// One mail by id, sent or not (one GetItem: the AWS sender is handed ids by the
    /// table's stream).
    async fn get_mail(&self, id: &str) -> Result<Option<OutboxMail>, StoreError>;

    /// Marks a mail sent; false if it was already marked (another sender won).
    async fn mark_sent(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;

    /// Records a failed attempt and when to try again (`None`: give up for good).
    async fn mark_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt_at: Option<Timestamp>,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; `Duplicate` if the e-mail (in any case) or id is taken
    /// (DynamoDB: a transaction with a guard item on the e-mail).
    async fn create_user(&self, user: UserRecord) -> Result<(), StoreError>;
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;
    /// By login ID, without regard to case (DynamoDB: GetItem on the guard item, then the user).
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Conditional on the version, like tickets.
    async fn update_user(&self, user: UserRecord, expected_version: u64) -> Result<(), StoreError>;
    /// Users of a company, or every user, by name.
    async fn list_users(&self, company_id: Option<&str>) -> Result<Vec<UserRecord>, StoreError>;
    /// Staff accounts that turned the opt-in mail `kind` on (`UserRecord::mails_on`), by
    /// name, disabled ones included (DynamoDB: a Query on GSI1's partition
    /// `MAILS-ON#<kind>`, where a staff user is indexed by the first of their opt-in kinds by name).
    async fn staff_wanting_mail(&self, kind: &str) -> Result<Vec<UserRecord>, StoreError>;
    async fn create_company(&self, company: CompanyRecord) -> Result<(), StoreError>;
    async fn get_company(&self, id: &str) -> Result<Option<CompanyRecord>, StoreError>;
    /// Replaces a company's name and flags; `Conflict("company")` if it does not exist
    /// (DynamoDB: PutItem with `attribute_exists(PK)`).
    async fn update_company(&self, company: CompanyRecord) -> Result<(), StoreError>;
    async fn list_companies(&self) -> Result<Vec<CompanyRecord>, StoreError>;
}

/// Projects (案件) and their customer groups.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// `Duplicate` if the id is taken (DynamoDB: PutItem with `attribute_not_exists`).
    async fn create_project(&self, project: ProjectRecord) -> Result<(), StoreError>;
    /// One GetItem.
    async fn get_project(&self, id: &str) -> Result<Option<ProjectRecord>, StoreError>;
    /// A company's projects by id (one Query on the company's project index).
    async fn list_projects(&self, company_id: &str) -> Result<Vec<ProjectRecord>, StoreError>;
}

/// A login session: the refresh token's hash, rotated on every use, and the CSRF token
/// bound to it. The refresh token itself is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    /// SHA-256 (hex) of the current refresh secret.
    pub refresh_hash: String,
    /// The hash it replaced: presenting that one again means the token was copied, and
    /// the session is revoked.
    pub previous_hash: Option<String>,
    pub csrf: String,
    pub created_at: Timestamp,
    pub refreshed_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked: bool,
}

/// Failed logins counted under a key (an account or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRecord {
    pub failures: u32,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Conditional put: `Duplicate` if the id is taken.
    async fn create_session(&self, session: SessionRecord) -> Result<(), StoreError>;
    /// One GetItem.
    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Replaces the refresh hash if it is still `expected_hash` and the session is not
    /// revoked (`Conflict` otherwise), so of two concurrent refreshes exactly one wins.
    async fn rotate_session(
        &self,
        id: &str,
        expected_hash: &str,
        next_hash: &str,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Marks one session revoked (no error if it is gone).
    async fn revoke_session(&self, id: &str) -> Result<(), StoreError>;
    /// Revokes every live session of a user except `keep` (DynamoDB: a Query on the
    /// user's sessions, then one update each); returns how many.
    async fn revoke_user_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u32, StoreError>;

    /// The failures counted under `key`, if any.
    async fn throttle(&self, key: &str) -> Result<Option<ThrottleRecord>, StoreError>;
    /// Counts one more failure atomically (DynamoDB: UpdateItem ADD) and returns the
    /// count; a count whose last failure is older than `window` starts again at 1.
    async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        window: jiff::SignedDuration,
    ) -> Result<ThrottleRecord, StoreError>;
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;
}

/// A maintenance contract line (seed 002's 契約情報一覧): one product under one
/// contract number, for one company, for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractRecord {
    /// The contract number (ご契約番号) or contract name; unique.
    pub number: String,
    pub company_id: String,
    /// The product line (種別), e.g. `NL Mail Gateway`.
    pub product: String,
    /// Product number or model (製品番号 / 機種).
    pub model: String,
    pub serial_number: String,
    pub starts_on: jiff::civil::Date,
    /// The last day covered.
    pub ends_on: jiff::civil::Date,
    /// The service type as the certificate words it (平日9:00~17:00オンサイト保守).
    pub service_type: String,
    /// The maintenance registration addresses (保守登録メール) of the contract.
    pub maintenance_emails: Vec<String>,
    /// The projects (of the same company) the contract is linked to.
    pub project_ids: Vec<String>,
    pub created_at: Timestamp,
    pub version: u64,
}

#[async_trait]
pub trait ContractStore: Send + Sync {
    /// Writes a new contract; `Duplicate` if the number is taken (DynamoDB: PutItem with
    /// `attribute_not_exists(PK)` on `CONTRACT#<number>`).
    async fn create_contract(&self, contract: ContractRecord) -> Result<(), StoreError>;
    /// One GetItem by number.
    async fn get_contract(&self, number: &str) -> Result<Option<ContractRecord>, StoreError>;
    /// Replaces a contract's values (same number, `version` the read one plus one) if
    /// the stored version is still `expected_version` (`Conflict("contract")` otherwise).
    async fn update_contract(
        &self,
        contract: ContractRecord,
        expected_version: u64,
    ) -> Result<(), StoreError>;
    /// A company's contracts (one Query on the company index), or every contract (a
    /// Query on a fixed partition), by number.
    async fn list_contracts(
        &self,
        company_id: Option<&str>,
    ) -> Result<Vec<ContractRecord>, StoreError>;
}

/// What a one-time token lets its holder do: an invitation and a reset end in choosing a
/// password, a registration's confirmation in opening the pending account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// An invitation to a new account.
    Invite,
    /// "Forgot password".
    Reset,
    /// The confirmation link of a self-registration (seed 002's 本登録 URL).
    Register,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::Reset => "reset",
            TokenPurpose::Register => "register",
        }
    }

    pub fn parse(s: &str) -> Option<TokenPurpose> {
        [
            TokenPurpose::Invite,
            TokenPurpose::Reset,
            TokenPurpose::Register,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// A single-use link's token as stored: only its SHA-256, never the token itself
/// (ASVS V2.5), so a copy of the database opens no account.
#[derive(Debug, Clone, PartialEq)]
pub struct OneTimeTokenRecord {
    /// Lower-case hex SHA-256 of the token; the key.
    pub hash: String,
    pub purpose: TokenPurpose,
    pub user_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set once, by the one call that used it.
    pub used_at: Option<Timestamp>,
}

/// A new user with what is written with them, all or nothing: an invitation's token
/// and its mail, so an account never exists without the mail that opens it (or the
/// other way round).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user: UserRecord,
    pub token: Option<OneTimeTokenRecord>,
    pub mails: Vec<OutboxMail>,
}

#[async_trait]
pub trait OneTimeTokenStore: Send + Sync {
    /// Writes a user, their token and mails in one transaction; `Duplicate` if the
    /// e-mail or id is taken (DynamoDB: TransactWriteItems with the e-mail guard item,
    /// the token item with a TTL on `expires_at`, and the outbox items).
    async fn create_user_with(&self, new: NewUser) -> Result<(), StoreError>;

    /// Writes a token for an existing user and the mails carrying it in one transaction
    /// (the "forgot password" flow).
    async fn create_token(
        &self,
        token: OneTimeTokenRecord,
        mails: Vec<OutboxMail>,
    ) -> Result<(), StoreError>;

    /// One GetItem by hash.
    async fn get_token(&self, hash: &str) -> Result<Option<OneTimeTokenRecord>, StoreError>;

    /// Uses the token, once: it must exist, have `purpose`, be unused and not expired at
    /// `now`. With `user`, the user's new values (whose version is `expected_version` + 1)
    /// are written in the same transaction, conditional on the stored version. Of two
    /// concurrent calls exactly one gets `Ok(true)`; a token that cannot be used gives
    /// `Ok(false)` and writes nothing; a stale user version gives `Conflict("user")`
    /// and leaves the token unused (DynamoDB: TransactWriteItems, an Update of the token
    /// with `attribute_not_exists(used_at) AND expires_at > :now` and a Put of the user
    /// with `version = :expected`). `mails` (a registration's completion mail) are
    /// written in the same transaction, only when the token is used.
    async fn consume_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
        user: Option<(UserRecord, u64)>,
        mails: Vec<OutboxMail>,
    ) -> Result<bool, StoreError>;
}

/// Pending uploads (DynamoDB: an item per upload keyed by its id, GSI1 on the owner,
/// GSI2 on a fixed partition by creation time for the sweep).
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Records a pending upload; `Duplicate` if the id is taken (PutItem with
    /// `attribute_not_exists`).
    async fn create_upload(&self, upload: UploadRecord) -> Result<(), StoreError>;
    /// One GetItem.
    async fn get_upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError>;
    /// A user's pending uploads, oldest first (a Query on the owner index).
    async fn uploads_of(&self, owner_id: &str) -> Result<Vec<UploadRecord>, StoreError>;
    /// Removes a pending upload if it is still there and `owner_id`'s (DeleteItem with a
    /// condition); false if it was not, so of two removers exactly one wins.
    async fn delete_upload(&self, id: &str, owner_id: &str) -> Result<bool, StoreError>;
    /// Pending uploads created before `before`, oldest first (a Query on the age index).
    async fn uploads_created_before(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadRecord>, StoreError>;
}

/// A staff user's saved ticket search (a queue of their own): the staff list's query.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearchRecord {
    pub user_id: String,
    pub id: String,
    pub name: String,
    /// The list's query string (`state=open&owner=none&q=障害`), as the list page reads it.
    pub query: String,
    pub created_at: Timestamp,
}

/// Saved searches (DynamoDB: an item per search in its user's partition).
#[async_trait]
pub trait SavedSearchStore: Send + Sync {
    /// A user's searches, oldest first (one Query on the user's partition).
    async fn saved_searches(&self, user_id: &str) -> Result<Vec<SavedSearchRecord>, StoreError>;
    /// `Duplicate` if the id is taken (PutItem with `attribute_not_exists`).
    async fn save_search(&self, search: SavedSearchRecord) -> Result<(), StoreError>;
    /// Removes one; false if the user has no such search.
    async fn delete_search(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;
}

/// Items a use case reads before it decides, named at once.
#[derive(Debug, Clone, Default)]
pub struct BatchRead {
    pub users: Vec<String>,
    pub tickets: Vec<String>,
    pub companies: Vec<String>,
    pub contracts: Vec<String>,
    pub projects: Vec<String>,
    /// Pending uploads, by id.
    pub uploads: Vec<String>,
    /// Counters whose current value is wanted (`SequenceStore::current_sequence`).
    pub sequences: Vec<String>,
    /// Idempotency keys whose ticket is wanted (`ticket_by_idempotency_key`).
    pub idempotency_keys: Vec<String>,
}

/// What a `BatchRead` found (absent items are left out).
#[derive(Debug, Clone, Default)]
pub struct BatchItems {
    pub users: Vec<UserRecord>,
    pub tickets: Vec<TicketRecord>,
    pub companies: Vec<CompanyRecord>,
    pub contracts: Vec<ContractRecord>,
    pub projects: Vec<ProjectRecord>,
    pub uploads: Vec<UploadRecord>,
    /// Counter keys with their values (a counter never incremented is left out).
    pub sequences: Vec<(String, u64)>,
    /// Idempotency keys already used, with the ticket each made.
    pub idempotent: Vec<(String, String)>,
}

impl BatchItems {
    pub fn user(&self, id: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn ticket(&self, number: &str) -> Option<&TicketRecord> {
        self.tickets.iter().find(|t| t.number == number)
    }

    pub fn company(&self, id: &str) -> Option<&CompanyRecord> {
        self.companies.iter().find(|c| c.id == id)
    }

    pub fn contract(&self, number: &str) -> Option<&ContractRecord> {
        self.contracts.iter().find(|c| c.number == number)
    }

    pub fn project(&self, id: &str) -> Option<&ProjectRecord> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn upload(&self, id: &str) -> Option<&UploadRecord> {
        self.uploads.iter().find(|u| u.id == id)
    }

    /// The counter's value when read (0 if it was never incremented).
    pub fn sequence(&self, key: &str) -> u64 {
        self.sequences
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0, |(_, v)| *v)
    }

    /// The ticket an idempotency key made, if it was used.
    pub fn idempotent(&self, key: &str) -> Option<&str> {
        self.idempotent
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, t)| t.as_str())
    }
}

/// Several independent reads at once: on DynamoDB one BatchGetItem (strongly
/// consistent) instead of a GetItem each; elsewhere the reads one by one.
#[async_trait]
pub trait BatchStore:
    TicketStore + UserStore + ContractStore + ProjectStore + UploadStore + SequenceStore
{
    async fn read_batch(&self, want: BatchRead) -> Result<BatchItems, StoreError> {
        // Each name once, as DynamoDB's batch reads it once.
        fn once(names: &[String]) -> impl Iterator<Item = &String> {
            names
                .iter()
                .enumerate()
                .filter(|(i, n)| !names[..*i].contains(n))
                .map(|(_, n)| n)
        }
        let mut found = BatchItems::default();
        for id in once(&want.users) {
            found.users.extend(self.get_user(id).await?);
        }
        for number in once(&want.tickets) {
            found.tickets.extend(self.get_ticket(number).await?);
        }
        for id in once(&want.companies) {
            found.companies.extend(self.get_company(id).await?);
        }
        for number in once(&want.contracts) {
            found.contracts.extend(self.get_contract(number).await?);
        }
        for id in once(&want.projects) {
            found.projects.extend(self.get_project(id).await?);
        }
        for id in once(&want.uploads) {
            found.uploads.extend(self.get_upload(id).await?);
        }
        for key in once(&want.sequences) {
            let value = self.current_sequence(key).await?;
            if value > 0 {
                found.sequences.push((key.clone(), value));
            }
        }
        for key in once(&want.idempotency_keys) {
            if let Some(ticket) = self.ticket_by_idempotency_key(key).await? {
                found.idempotent.push((key.clone(), ticket));
            }
        }
        Ok(found)
    }
}

/// Everything the application stores.
pub trait Store:
    SequenceStore
    + BatchStore
    + TicketStore
    + OutboxStore
    + UserStore
    + ProjectStore
    + ContractStore
    + OneTimeTokenStore
    + SessionStore
    + UploadStore
    + SavedSearchStore
    + SearchStore
{
}

impl<
    T: SequenceStore
        + BatchStore
        + TicketStore
        + OutboxStore
        + UserStore
        + ProjectStore
        + ContractStore
        + OneTimeTokenStore
        + SessionStore
        + UploadStore
        + SavedSearchStore
        + SearchStore,
> Store for T
{
}
