//! The Store port on SQLite (rusqlite, bundled): WAL so readers never wait for the
//! writer, schema versions in `PRAGMA user_version`, one writer connection behind a
//! mutex and a few reader connections, all used from blocking threads.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::domain::access::{CustomerRole, Role};
use crate::domain::ticket::{Channel, SlaClock, State, Timer, TimerKind};
use crate::ports::search::new_ticket_text;
use crate::ports::store::*;

/// Contracts and one-time tokens.
mod accounts;
/// The list scopes' counts, kept between writes.
mod counts;
/// Projects and their customer groups.
mod projects;
/// Staff ticket search: the terms index and its queries.
mod search;
mod searches;

/// Schema migrations, applied in order; the index + 1 is the `user_version` after each.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE tickets (
    number TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    state TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    priority TEXT NOT NULL,
    owner_id TEXT,
    service TEXT,
    sla TEXT,
    ticket_type TEXT,
    product TEXT,
    fields TEXT NOT NULL,
    cc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER,
    timer_kind TEXT,
    timer_due INTEGER,
    timer_remind_at INTEGER,
    next_due INTEGER,
    linked_to TEXT,
    preview TEXT NOT NULL,
    article_count INTEGER NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tickets_by_requester ON tickets (requester_id, is_open, updated_at, number);
CREATE INDEX tickets_by_company ON tickets (company_id, is_open, updated_at, number);
CREATE INDEX tickets_by_update ON tickets (is_open, updated_at, number);
CREATE INDEX tickets_by_requester_all ON tickets (requester_id, updated_at, number);
CREATE INDEX tickets_by_company_all ON tickets (company_id, updated_at, number);
CREATE INDEX tickets_by_update_all ON tickets (updated_at, number);
CREATE INDEX tickets_due ON tickets (next_due) WHERE next_due IS NOT NULL;
CREATE TABLE articles (
    ticket TEXT NOT NULL,
    seq INTEGER NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    internal INTEGER NOT NULL,
    body_md TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attachments TEXT NOT NULL,
    PRIMARY KEY (ticket, seq)
) WITHOUT ROWID;
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    ticket TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL,
    field TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX history_by_ticket ON history (ticket, id);
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    message BLOB NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER,
    sent_at INTEGER,
    last_error TEXT,
    ticket TEXT
) WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL;
CREATE TABLE idempotency (key TEXT PRIMARY KEY, ticket TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE companies (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    company_id TEXT REFERENCES companies (id),
    lang TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    page_size INTEGER NOT NULL,
    refresh_secs INTEGER NOT NULL,
    password_hash TEXT,
    disabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX users_by_company ON users (company_id, name);
"#,
    r#"
CREATE TABLE contracts (
    number TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    product TEXT NOT NULL,
    model TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    service_type TEXT NOT NULL,
    maintenance_emails TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX contracts_by_company ON contracts (company_id, number);
CREATE TABLE one_time_tokens (
    hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id);
"#,
    r#"
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    refresh_hash TEXT NOT NULL,
    previous_hash TEXT,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id) WHERE revoked = 0;
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // The All / Open / Closed counts of every list, kept by triggers in the same
    // transaction as the ticket (a COUNT over 100,000 tickets costs milliseconds).
    r#"
CREATE TABLE ticket_counts (scope TEXT PRIMARY KEY, open INTEGER NOT NULL, closed INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO ticket_counts (scope, open, closed)
    SELECT 'all', coalesce(sum(is_open), 0), coalesce(sum(1 - is_open), 0) FROM tickets;
INSERT INTO ticket_counts (scope, open, closed)
    SELECT 'r:' || requester_id, sum(is_open), sum(1 - is_open) FROM tickets GROUP BY requester_id;
INSERT INTO ticket_counts (scope, open, closed)
    SELECT 'c:' || company_id, sum(is_open), sum(1 - is_open) FROM tickets GROUP BY company_id;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (scope, open, closed)
        VALUES ('all', NEW.is_open, 1 - NEW.is_open), ('r:' || NEW.requester_id, NEW.is_open, 1 - NEW.is_open),
               ('c:' || NEW.company_id, NEW.is_open, 1 - NEW.is_open)
        ON CONFLICT (scope) DO UPDATE SET open = open + excluded.open, closed = closed + excluded.closed;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF is_open, requester_id, company_id ON tickets BEGIN
    UPDATE ticket_counts SET open = open - OLD.is_open, closed = closed - (1 - OLD.is_open)
        WHERE scope IN ('all', 'r:' || OLD.requester_id, 'c:' || OLD.company_id);
    INSERT INTO ticket_counts (scope, open, closed)
        VALUES ('all', NEW.is_open, 1 - NEW.is_open), ('r:' || NEW.requester_id, NEW.is_open, 1 - NEW.is_open),
               ('c:' || NEW.company_id, NEW.is_open, 1 - NEW.is_open)
        ON CONFLICT (scope) DO UPDATE SET open = open + excluded.open, closed = closed + excluded.closed;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET open = open - OLD.is_open, closed = closed - (1 - OLD.is_open)
        WHERE scope IN ('all', 'r:' || OLD.requester_id, 'c:' || OLD.company_id);
END;
"#,
    r#"
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX uploads_by_owner ON uploads (owner_id, created_at, id);
CREATE INDEX uploads_by_age ON uploads (created_at, id);
"#,
    // Each scope's generation: grows with every change to one of its tickets, so the
    // HTTP layer can keep rendered list pages while it stays the same.
    r#"
ALTER TABLE ticket_counts ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER ticket_counts_insert;
DROP TRIGGER ticket_counts_update;
DROP TRIGGER ticket_counts_delete;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (scope, open, closed, gen)
        VALUES ('all', NEW.is_open, 1 - NEW.is_open, 1), ('r:' || NEW.requester_id, NEW.is_open, 1 - NEW.is_open, 1),
               ('c:' || NEW.company_id, NEW.is_open, 1 - NEW.is_open, 1)
        ON CONFLICT (scope) DO UPDATE SET open = open + excluded.open, closed = closed + excluded.closed, gen = gen + 1;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE ON tickets BEGIN
    UPDATE ticket_counts SET open = open - OLD.is_open, closed = closed - (1 - OLD.is_open), gen = gen + 1
        WHERE scope IN ('all', 'r:' || OLD.requester_id, 'c:' || OLD.company_id);
    INSERT INTO ticket_counts (scope, open, closed, gen)
        VALUES ('all', NEW.is_open, 1 - NEW.is_open, 1), ('r:' || NEW.requester_id, NEW.is_open, 1 - NEW.is_open, 1),
               ('c:' || NEW.company_id, NEW.is_open, 1 - NEW.is_open, 1)
        ON CONFLICT (scope) DO UPDATE SET open = open + excluded.open, closed = closed + excluded.closed, gen = gen + 1;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET open = open - OLD.is_open, closed = closed - (1 - OLD.is_open), gen = gen + 1
        WHERE scope IN ('all', 'r:' || OLD.requester_id, 'c:' || OLD.company_id);
END;
"#,
    // Customer roles and project groups (seed 004): accounts from before roles were
    // user admins, which is what every customer could do then.
    r#"
ALTER TABLE users ADD COLUMN customer_role TEXT;
UPDATE users SET customer_role = 'user_admin' WHERE role = 'customer';
ALTER TABLE users ADD COLUMN projects TEXT NOT NULL DEFAULT '[]';
ALTER TABLE companies ADD COLUMN uses_groups INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN project_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tickets ADD COLUMN project_id TEXT;
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL,
    group_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX projects_by_company ON projects (company_id, id);
"#,
    // Self-registration (seed 002): a mail address apart from the login ID, and
    // accounts waiting for their confirmation link.
    r#"
ALTER TABLE users ADD COLUMN mail_to TEXT;
ALTER TABLE users ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
"#,
    // The mails each user turned off (JSON array of mail kind names).
    r#"
ALTER TABLE users ADD COLUMN mails_off TEXT NOT NULL DEFAULT '[]';
"#,
    // Copies of the people a ticket's mails name (`Contacts`, JSON).
    r#"
ALTER TABLE tickets ADD COLUMN contacts TEXT NOT NULL DEFAULT '{}';
"#,
    // Minutes staff spent per response (seed 003's 作業時間).
    r#"
ALTER TABLE articles ADD COLUMN minutes INTEGER;
"#,
    // A ticket's SLA clock (`SlaClock`, JSON; NULL: no targets). `next_due` now also
    // covers its next warning (`TicketRecord::next_due`).
    r#"
ALTER TABLE tickets ADD COLUMN sla_clock TEXT;
"#,
    // The channel a ticket came in by, its department and the ticket it was merged into;
    // staff users' saved searches; the response fields of each article (JSON).
    r#"
ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
ALTER TABLE tickets ADD COLUMN department TEXT;
ALTER TABLE tickets ADD COLUMN merged_into TEXT;
CREATE TABLE saved_searches (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
) WITHOUT ROWID;
ALTER TABLE articles ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
"#,
    // The staff desk (the dashboard): each ticket's `attention_at` (-1 on the open
    // tickets written before it: `fill_attention` computes it at start-up), the open
    // tickets by owner, and the counts by state and of the open unassigned tickets,
    // kept by triggers in the ticket's transaction; history kept once per key (the
    // audit of looks); the mails a user turned on (JSON array of kind names).
    r#"
ALTER TABLE tickets ADD COLUMN attention_at INTEGER;
ALTER TABLE history ADD COLUMN once_key TEXT;
ALTER TABLE users ADD COLUMN mails_on TEXT NOT NULL DEFAULT '[]';
UPDATE tickets SET attention_at = -1 WHERE is_open = 1;
CREATE INDEX tickets_attention ON tickets (attention_at, number) WHERE attention_at IS NOT NULL;
CREATE INDEX tickets_by_owner ON tickets (owner_id, updated_at, number) WHERE is_open = 1 AND owner_id IS NOT NULL;
CREATE UNIQUE INDEX history_once ON history (ticket, once_key) WHERE once_key IS NOT NULL;
CREATE TABLE desk_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO desk_counts (key, n) SELECT 'state:' || state, count(*) FROM tickets GROUP BY state;
INSERT INTO desk_counts (key, n) SELECT 'unassigned', count(*) FROM tickets WHERE is_open = 1 AND owner_id IS NULL;
CREATE TRIGGER desk_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO desk_counts (key, n) VALUES ('state:' || NEW.state, 1)
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
    INSERT INTO desk_counts (key, n) SELECT 'unassigned', 1 WHERE NEW.is_open = 1 AND NEW.owner_id IS NULL
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER desk_counts_update AFTER UPDATE OF state, is_open, owner_id ON tickets
    WHEN OLD.state IS NOT NEW.state OR OLD.is_open IS NOT NEW.is_open OR OLD.owner_id IS NOT NEW.owner_id BEGIN
    UPDATE desk_counts SET n = n - 1 WHERE key = 'state:' || OLD.state;
    INSERT INTO desk_counts (key, n) VALUES ('state:' || NEW.state, 1)
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
    UPDATE desk_counts SET n = n - 1 WHERE key = 'unassigned' AND OLD.is_open = 1 AND OLD.owner_id IS NULL;
    INSERT INTO desk_counts (key, n) SELECT 'unassigned', 1 WHERE NEW.is_open = 1 AND NEW.owner_id IS NULL
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER desk_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE desk_counts SET n = n - 1 WHERE key = 'state:' || OLD.state;
    UPDATE desk_counts SET n = n - 1 WHERE key = 'unassigned' AND OLD.is_open = 1 AND OLD.owner_id IS NULL;
END;
"#,
    // Staff search (issue 6): how often each term (`madoguchi_text`) occurs in each
    // ticket's subject and articles. The tickets stored before wait in the backlog and
    // are indexed when the store opens (`search::index_backlog`).
    r#"
CREATE TABLE search_terms (
    term TEXT NOT NULL,
    number TEXT NOT NULL,
    tf INTEGER NOT NULL,
    PRIMARY KEY (term, number)
) WITHOUT ROWID;
CREATE TABLE search_backlog (number TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO search_backlog (number) SELECT number FROM tickets;
"#,
];

mod sessions;

const READERS: usize = 4;

struct Inner {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    counts: counts::CountsCache,
}

/// The embedded store. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Every statement is prepared once per connection and kept.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Computes `attention_at` for the open tickets stored before it was kept (marked -1 by
/// their migration), in one transaction; nothing once done.
fn fill_attention(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = immediate(conn)?;
    let tickets = tx
        .prepare(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE attention_at = -1"
        ))
        .and_then(|mut stmt| {
            stmt.query_map([], ticket_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(StoreError::unexpected)?;
    for t in &tickets {
        tx.execute(
            "UPDATE tickets SET attention_at = ?2 WHERE number = ?1",
            params![t.number, t.attention_at().map(micros)],
        )
        .map_err(StoreError::unexpected)?;
    }
    tx.commit().map_err(StoreError::unexpected)
}

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn from_micros(v: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_microsecond(v).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e))
    })
}

fn opt_time(v: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    v.map(from_micros).transpose()
}

fn bad(msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

fn json<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_str(&s).map_err(|e| bad(e.to_string()))
}

const TICKET_COLUMNS: &str = "number, subject, requester_id, company_id, state, priority, owner_id, service, sla, ticket_type, \
     product, fields, cc, created_at, updated_at, closed_at, timer_kind, timer_due, timer_remind_at, linked_to, preview, \
     article_count, version, project_id, contacts, sla_clock, channel, department, merged_into";

fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<TicketRecord> {
    let state: String = r.get(4)?;
    let timer_kind: Option<String> = r.get(16)?;
    let timer = match timer_kind {
        Some(k) => Some(Timer {
            kind: TimerKind::parse(&k).ok_or_else(|| bad(format!("unknown timer kind {k}")))?,
            due: from_micros(r.get(17)?)?,
            remind_at: opt_time(r.get(18)?)?,
        }),
        None => None,
    };
    Ok(TicketRecord {
        number: r.get(0)?,
        subject: r.get(1)?,
        requester_id: r.get(2)?,
        company_id: r.get(3)?,
        state: State::parse(&state).ok_or_else(|| bad(format!("unknown state {state}")))?,
        priority: r.get(5)?,
        owner_id: r.get(6)?,
        service: r.get(7)?,
        sla: r.get(8)?,
        ticket_type: r.get(9)?,
        product: r.get(10)?,
        fields: json::<BTreeMap<String, String>>(r.get(11)?)?,
        cc: json::<Vec<String>>(r.get(12)?)?,
        created_at: from_micros(r.get(13)?)?,
        updated_at: from_micros(r.get(14)?)?,
        closed_at: opt_time(r.get(15)?)?,
        timer,
        linked_to: r.get(19)?,
        preview: r.get(20)?,
        article_count: r.get(21)?,
        version: r.get::<_, i64>(22)? as u64,
        project_id: r.get(23)?,
        contacts: json::<Contacts>(r.get(24)?)?,
        sla_clock: r
            .get::<_, Option<String>>(25)?
            .map(json::<SlaClock>)
            .transpose()?,
        channel: {
            let c: String = r.get(26)?;
            Channel::parse(&c).ok_or_else(|| bad(format!("unknown channel {c}")))?
        },
        department: r.get(27)?,
        merged_into: r.get(28)?,
    })
}

fn write_ticket(
    tx: &rusqlite::Transaction<'_>,
    t: &TicketRecord,
    insert: bool,
) -> rusqlite::Result<usize> {
    let sql = if insert {
        "INSERT INTO tickets (number, subject, requester_id, company_id, state, priority, owner_id, service, sla, ticket_type, \
         product, fields, cc, created_at, updated_at, closed_at, timer_kind, timer_due, timer_remind_at, linked_to, preview, \
         article_count, version, is_open, next_due, project_id, contacts, sla_clock, attention_at, channel, department, merged_into) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32)"
    } else {
        "UPDATE tickets SET subject=?2, requester_id=?3, company_id=?4, state=?5, priority=?6, owner_id=?7, service=?8, sla=?9, \
         ticket_type=?10, product=?11, fields=?12, cc=?13, created_at=?14, updated_at=?15, closed_at=?16, timer_kind=?17, \
         timer_due=?18, timer_remind_at=?19, linked_to=?20, preview=?21, article_count=?22, version=?23, is_open=?24, next_due=?25, \
         project_id=?26, contacts=?27, sla_clock=?28, attention_at=?29, channel=?30, department=?31, merged_into=?32 WHERE number=?1 AND version=?33"
    };
    let fields = serde_json::to_string(&t.fields).unwrap_or_else(|_| "{}".into());
    let cc = serde_json::to_string(&t.cc).unwrap_or_else(|_| "[]".into());
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = vec![
        Box::new(t.number.clone()),
        Box::new(t.subject.clone()),
        Box::new(t.requester_id.clone()),
        Box::new(t.company_id.clone()),
        Box::new(t.state.as_str()),
        Box::new(t.priority.clone()),
        Box::new(t.owner_id.clone()),
        Box::new(t.service.clone()),
        Box::new(t.sla.clone()),
        Box::new(t.ticket_type.clone()),
        Box::new(t.product.clone()),
        Box::new(fields),
        Box::new(cc),
        Box::new(micros(t.created_at)),
        Box::new(micros(t.updated_at)),
        Box::new(t.closed_at.map(micros)),
        Box::new(t.timer.map(|x| x.kind.as_str())),
        Box::new(t.timer.map(|x| micros(x.due))),
        Box::new(t.timer.and_then(|x| x.remind_at).map(micros)),
        Box::new(t.linked_to.clone()),
        Box::new(t.preview.clone()),
        Box::new(t.article_count),
        Box::new(t.version as i64),
        Box::new(t.state.is_open()),
        Box::new(t.next_due().map(micros)),
        Box::new(t.project_id.clone()),
        Box::new(serde_json::to_string(&t.contacts).unwrap_or_else(|_| "{}".into())),
        Box::new(
            t.sla_clock
                .as_ref()
                .and_then(|c| serde_json::to_string(c).ok()),
        ),
        Box::new(t.attention_at().map(micros)),
        Box::new(t.channel.as_str()),
        Box::new(t.department.clone()),
        Box::new(t.merged_into.clone()),
    ];
    if !insert {
        values.push(Box::new(t.version as i64 - 1));
    }
    tx.execute(
        sql,
        rusqlite::params_from_iter(values.iter().map(|v| v.as_ref())),
    )
}

fn write_article(tx: &rusqlite::Transaction<'_>, a: &ArticleRecord) -> rusqlite::Result<()> {
    let attachments: Vec<serde_json::Value> = a
        .attachments
        .iter()
        .map(|x| serde_json::json!({"id": x.id, "name": x.name, "size": x.size, "content_type": x.content_type, "blob_key": x.blob_key}))
        .collect();
    tx.execute(
        "INSERT INTO articles (ticket, seq, author_id, author_name, internal, body_md, created_at, attachments, minutes, fields) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        params![a.ticket, a.seq, a.author_id, a.author_name, a.internal, a.body_md, micros(a.created_at), serde_json::Value::from(attachments).to_string(), a.minutes, serde_json::to_string(&a.fields).unwrap_or_else(|_| "{}".into())],
    )?;
    Ok(())
}

fn write_side_effects(
    tx: &rusqlite::Transaction<'_>,
    history: &[HistoryRecord],
    mails: &[OutboxMail],
) -> rusqlite::Result<()> {
    for h in history {
        tx.execute(
            "INSERT INTO history (ticket, at, actor_id, field, from_value, to_value, reason) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![h.ticket, micros(h.at), h.actor_id, h.field, h.from, h.to, h.reason],
        )?;
    }
    for m in mails {
        tx.execute(
            "INSERT INTO outbox (id, created_at, recipients, message, attempts, next_attempt_at, sent_at, last_error, ticket) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            params![
                m.id,
                micros(m.created_at),
                serde_json::to_string(&m.recipients).unwrap_or_else(|_| "[]".into()),
                m.message,
                m.attempts,
                m.next_attempt_at.map(micros),
                m.sent_at.map(micros),
                m.last_error,
                m.ticket
            ],
        )?;
    }
    Ok(())
}

/// Removes the pending uploads an article takes as attachments; all of them must still
/// be there and be the author's, else nothing of the transaction is kept.
fn claim_uploads(
    tx: &rusqlite::Transaction<'_>,
    ids: &[String],
    author_id: Option<&str>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let Some(author) = author_id else {
        return Err(StoreError::Conflict("upload"));
    };
    for id in ids {
        let n = tx
            .execute(
                "DELETE FROM uploads WHERE id = ?1 AND owner_id = ?2",
                params![id, author],
            )
            .map_err(StoreError::unexpected)?;
        if n != 1 {
            return Err(StoreError::Conflict("upload"));
        }
    }
    Ok(())
}

/// Maps a unique-key violation to `Duplicate(what)`, anything else to `Unexpected`.
fn duplicate_as(what: String) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate(what)
        } else {
            StoreError::unexpected(e)
        }
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// `updated_at` and number of the last row of a page, as the opaque cursor.
fn cursor_of(t: &TicketRecord) -> String {
    format!("{}.{}", micros(t.updated_at), t.number)
}

fn parse_cursor(c: &str) -> Option<(i64, String)> {
    let (at, number) = c.split_once('.')?;
    Some((at.parse().ok()?, number.to_owned()))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, counts::MAX_AGE)
    }

    /// `open`, with kept counts re-read after `counts_max_age` (tests of other
    /// processes' writes use zero).
    pub fn open_with(path: &Path, counts_max_age: Duration) -> Result<SqliteStore, StoreError> {
        let mut writer = open(path).map_err(StoreError::unexpected)?;
        migrate(&mut writer).map_err(StoreError::unexpected)?;
        fill_attention(&mut writer)?;
        search::index_backlog(&mut writer).map_err(StoreError::unexpected)?;
        let readers = (0..READERS)
            .map(|_| open(path).map(Mutex::new))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(StoreError::unexpected)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                counts: counts::CountsCache::new(counts_max_age),
            }),
        })
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|e| e.into_inner());
            let result = f(&mut conn);
            // Whatever it wrote, the triggers may have changed any scope's counts.
            inner.counts.forget_all();
            result
        })
        .await
        .map_err(StoreError::unexpected)?
    }

    /// Runs a read. Reads are short (an index lookup in the page cache, WAL readers never
    /// wait for the writer), so one runs right on the calling thread when a reader
    /// connection is free; handing every read to the blocking pool cost more in thread
    /// switches under load than the query itself. When all readers are busy, the read
    /// waits for one on the blocking pool instead of holding up the async thread.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.inner.readers.len();
        for k in 0..n {
            if let Ok(conn) = self.inner.readers[(start + k) % n].try_lock() {
                return f(&conn).map_err(StoreError::unexpected);
            }
        }
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let i = start % inner.readers.len();
            let conn = inner.readers[i].lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(StoreError::unexpected)?
        .map_err(StoreError::unexpected)
    }
}

fn immediate(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::unexpected)
}

/// Reads are local: the batch is the reads one by one.
impl BatchStore for SqliteStore {}

#[async_trait]
impl SequenceStore for SqliteStore {
    async fn next_sequence(&self, key: &str) -> Result<u64, StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            conn.query_row(
                "INSERT INTO counters (key, value) VALUES (?1, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value",
                params![key],
                |r| r.get::<_, i64>(0),
            )
            .map(|v| v as u64)
            .map_err(StoreError::unexpected)
        })
        .await
    }

    async fn current_sequence(&self, key: &str) -> Result<u64, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            c.prepare_cached("SELECT value FROM counters WHERE key = ?1")?
                .query_row(params![key], |r| r.get::<_, i64>(0))
                .optional()
                .map(|v| v.unwrap_or(0) as u64)
        })
        .await
    }
}

/// Fails with `Conflict("contact")` if the copy a ticket change relied on is stale.
fn check_reliance(tx: &rusqlite::Transaction<'_>, reliance: &Reliance) -> Result<(), StoreError> {
    let current = match reliance {
        Reliance::User { id, version } => tx
            .query_row(
                "SELECT version FROM users WHERE id = ?1",
                params![id],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|v| v == Some(*version as i64)),
        Reliance::CompanyName { id, name } => tx
            .query_row(
                "SELECT name FROM companies WHERE id = ?1",
                params![id],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|n| n.as_ref() == Some(name)),
    };
    match current.map_err(StoreError::unexpected)? {
        true => Ok(()),
        false => Err(StoreError::Conflict("contact")),
    }
}

/// Moves the counter from `claim.value - 1` to `claim.value`, or fails with
/// `Conflict("sequence")` when another ticket moved it first.
fn claim_sequence(tx: &rusqlite::Transaction<'_>, claim: &SequenceClaim) -> Result<(), StoreError> {
    let moved = if claim.value <= 1 {
        tx.execute(
            "INSERT INTO counters (key, value) VALUES (?1, 1) ON CONFLICT (key) DO NOTHING",
            params![claim.key],
        )
    } else {
        tx.execute(
            "UPDATE counters SET value = ?2 WHERE key = ?1 AND value = ?2 - 1",
            params![claim.key, claim.value as i64],
        )
    }
    .map_err(StoreError::unexpected)?;
    if moved == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("sequence"))
    }
}

#[async_trait]
impl TicketStore for SqliteStore {
    async fn create_ticket(&self, new: NewTicket) -> Result<String, StoreError> {
        self.write(move |conn| {
            let tx = immediate(conn)?;
            if let Some(key) = &new.idempotency_key {
                let earlier: Option<String> = tx
                    .query_row(
                        "SELECT ticket FROM idempotency WHERE key = ?1",
                        params![key],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(StoreError::unexpected)?;
                if let Some(number) = earlier {
                    return Ok(number);
                }
                tx.execute(
                    "INSERT INTO idempotency (key, ticket) VALUES (?1, ?2)",
                    params![key, new.ticket.number],
                )
                .map_err(StoreError::unexpected)?;
            }
            if let Some(claim) = &new.number_from {
                claim_sequence(&tx, claim)?;
            }
            write_ticket(&tx, &new.ticket, true)
                .map_err(duplicate_as(format!("ticket {}", new.ticket.number)))?;
            write_article(&tx, &new.article).map_err(StoreError::unexpected)?;
            search::index_text(
                &tx,
                &new.ticket.number,
                &new_ticket_text(&new.ticket, &new.article.body_md),
            )
            .map_err(StoreError::unexpected)?;
            claim_uploads(&tx, &new.claimed_uploads, Some(&new.article.author_id))?;
            write_side_effects(&tx, &new.history, &new.mails).map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)?;
            Ok(new.ticket.number.clone())
        })
        .await
    }

    async fn ticket_by_idempotency_key(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            c.prepare_cached("SELECT ticket FROM idempotency WHERE key = ?1")?
                .query_row(params![key], |r| r.get(0))
                .optional()
        })
        .await
    }

    async fn get_ticket(&self, number: &str) -> Result<Option<TicketRecord>, StoreError> {
        let number = number.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE number = ?1"
            ))?
            .query_row(params![number], ticket_from_row)
            .optional()
        })
        .await
    }

    async fn update_ticket(&self, update: TicketUpdate) -> Result<(), StoreError> {
        if update.ticket.version != update.expected_version + 1 {
            return Err(StoreError::Conflict("ticket"));
        }
        self.write(move |conn| {
            let tx = immediate(conn)?;
            for reliance in &update.relies_on {
                check_reliance(&tx, reliance)?;
            }
            let changed =
                write_ticket(&tx, &update.ticket, false).map_err(StoreError::unexpected)?;
            if changed != 1 {
                return Err(StoreError::Conflict("ticket"));
            }
            if let Some(a) = &update.article {
                write_article(&tx, a).map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict("ticket")
                    } else {
                        StoreError::unexpected(e)
                    }
                })?;
                search::index_text(&tx, &a.ticket, &a.body_md).map_err(StoreError::unexpected)?;
            }
            claim_uploads(
                &tx,
                &update.claimed_uploads,
                update.article.as_ref().map(|a| a.author_id.as_str()),
            )?;
            write_side_effects(&tx, &update.history, &update.mails)
                .map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)
        })
        .await
    }

    async fn articles(&self, number: &str) -> Result<Vec<ArticleRecord>, StoreError> {
        let number = number.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT ticket, seq, author_id, author_name, internal, body_md, created_at, attachments, minutes, fields FROM articles WHERE ticket = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map(params![number], |r| {
                let atts: Vec<serde_json::Value> = json(r.get(7)?)?;
                Ok(ArticleRecord {
                    ticket: r.get(0)?,
                    seq: r.get(1)?,
                    author_id: r.get(2)?,
                    author_name: r.get(3)?,
                    internal: r.get(4)?,
                    body_md: r.get(5)?,
                    created_at: from_micros(r.get(6)?)?,
                    attachments: atts
                        .into_iter()
                        .map(|v| AttachmentRecord {
                            id: v["id"].as_str().unwrap_or_default().to_owned(),
                            name: v["name"].as_str().unwrap_or_default().to_owned(),
                            size: v["size"].as_u64().unwrap_or(0),
                            content_type: v["content_type"].as_str().unwrap_or_default().to_owned(),
                            blob_key: v["blob_key"].as_str().unwrap_or_default().to_owned(),
                        })
                        .collect(),
                    minutes: r.get(8)?,
                    fields: json::<BTreeMap<String, String>>(r.get(9)?)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn history(&self, number: &str) -> Result<Vec<HistoryRecord>, StoreError> {
        let number = number.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached("SELECT ticket, at, actor_id, field, from_value, to_value, reason FROM history WHERE ticket = ?1 ORDER BY id")?;
            let rows = stmt.query_map(params![number], |r| {
                Ok(HistoryRecord {
                    ticket: r.get(0)?,
                    at: from_micros(r.get(1)?)?,
                    actor_id: r.get(2)?,
                    field: r.get(3)?,
                    from: r.get(4)?,
                    to: r.get(5)?,
                    reason: r.get(6)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn record_history(&self, records: Vec<HistoryRecord>) -> Result<(), StoreError> {
        self.write(move |conn| {
            let tx = immediate(conn)?;
            write_side_effects(&tx, &records, &[]).map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)
        })
        .await
    }

    async fn append_history(&self, record: HistoryRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            let tx = conn.transaction().map_err(StoreError::unexpected)?;
            write_side_effects(&tx, std::slice::from_ref(&record), &[])
                .map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)
        })
        .await
    }

    async fn list_tickets(&self, query: &ListQuery) -> Result<Page<TicketRecord>, StoreError> {
        let q = query.clone();
        let limit = q.limit.clamp(1, 500);
        self.read(move |c| {
            let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE 1=1");
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
            match &q.scope {
                Scope::Requester(id) => {
                    sql.push_str(" AND requester_id = ?");
                    args.push(Box::new(id.clone()));
                }
                Scope::Company(id) => {
                    sql.push_str(" AND company_id = ?");
                    args.push(Box::new(id.clone()));
                }
                Scope::All => {}
            }
            match q.filter {
                ListFilter::Open => sql.push_str(" AND is_open = 1"),
                ListFilter::Closed => sql.push_str(" AND is_open = 0"),
                ListFilter::All => {}
            }
            if let Some((at, number)) = q.cursor.as_deref().and_then(parse_cursor) {
                sql.push_str(if q.oldest_first {
                    " AND (updated_at, number) > (?, ?)"
                } else {
                    " AND (updated_at, number) < (?, ?)"
                });
                args.push(Box::new(at));
                args.push(Box::new(number));
            }
            sql.push_str(if q.oldest_first {
                " ORDER BY updated_at, number"
            } else {
                " ORDER BY updated_at DESC, number DESC"
            });
            sql.push_str(&format!(" LIMIT {}", limit + 1));
            let mut stmt = c.prepare_cached(&sql)?;
            let mut items: Vec<TicketRecord> = stmt
                .query_map(
                    rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                    ticket_from_row,
                )?
                .collect::<rusqlite::Result<_>>()?;
            let next = if items.len() > limit as usize {
                items.truncate(limit as usize);
                items.last().map(cursor_of)
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
    }

    fn cursor_after(&self, ticket: &TicketRecord) -> String {
        cursor_of(ticket)
    }

    async fn count_tickets(&self, scope: &Scope) -> Result<Counts, StoreError> {
        let key = match scope {
            Scope::Requester(id) => format!("r:{id}"),
            Scope::Company(id) => format!("c:{id}"),
            Scope::All => "all".to_owned(),
        };
        let miss = match self.inner.counts.get(&key) {
            Ok(counts) => return Ok(counts),
            Err(miss) => miss,
        };
        let scope_key = key.clone();
        let counts = self
            .read(move |c| {
                let counts = c
                    .prepare_cached("SELECT open, closed, gen FROM ticket_counts WHERE scope = ?1")?
                    .query_row(params![scope_key], |r| {
                        Ok(Counts {
                            open: r.get::<_, i64>(0)?.max(0) as u64,
                            closed: r.get::<_, i64>(1)?.max(0) as u64,
                            generation: r.get::<_, i64>(2)?.max(0) as u64,
                        })
                    })
                    .optional()?;
                Ok(counts.unwrap_or_default())
            })
            .await?;
        self.inner.counts.keep(miss, key, counts);
        Ok(counts)
    }

    async fn due_tickets(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE next_due <= ?1 ORDER BY next_due LIMIT ?2"))?;
            let rows = stmt.query_map(params![micros(now), limit], ticket_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn desk_counts(&self) -> Result<DeskCounts, StoreError> {
        self.read(|c| {
            let mut counts = DeskCounts::default();
            let mut stmt = c.prepare_cached("SELECT key, n FROM desk_counts")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (key, n) = row?;
                let n = n.max(0) as u64;
                if key == "unassigned" {
                    counts.unassigned = n;
                } else if let Some(i) = key
                    .strip_prefix("state:")
                    .and_then(State::parse)
                    .and_then(|s| State::ALL.iter().position(|x| *x == s))
                {
                    counts.by_state[i] = n;
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn attention_tickets(
        &self,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE attention_at IS NOT NULL AND attention_at <= ?1 \
                 ORDER BY attention_at, number LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![micros(until), limit], ticket_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn owned_open_tickets(
        &self,
        owner_id: &str,
        limit: u32,
    ) -> Result<Page<TicketRecord>, StoreError> {
        let owner_id = owner_id.to_owned();
        let limit = limit.clamp(1, 500);
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE owner_id = ?1 AND is_open = 1 \
                 ORDER BY updated_at DESC, number DESC LIMIT ?2"
            ))?;
            let mut items: Vec<TicketRecord> = stmt
                .query_map(params![owner_id, limit + 1], ticket_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            let next = if items.len() > limit as usize {
                items.truncate(limit as usize);
                items.last().map(cursor_of)
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
    }

    async fn append_history_once(
        &self,
        record: HistoryRecord,
        once: &str,
    ) -> Result<bool, StoreError> {
        let once = once.to_owned();
        self.write(move |conn| {
            let added = conn
                .execute(
                    "INSERT INTO history (ticket, at, actor_id, field, from_value, to_value, reason, once_key) \
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT DO NOTHING",
                    params![
                        record.ticket,
                        micros(record.at),
                        record.actor_id,
                        record.field,
                        record.from,
                        record.to,
                        record.reason,
                        once
                    ],
                )
                .map_err(StoreError::unexpected)?;
            Ok(added == 1)
        })
        .await
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn queue_mails(&self, mails: Vec<OutboxMail>) -> Result<(), StoreError> {
        self.write(move |conn| {
            let tx = immediate(conn)?;
            write_side_effects(&tx, &[], &mails).map_err(duplicate_as("mail".into()))?;
            tx.commit().map_err(StoreError::unexpected)
        })
        .await
    }

    async fn due_mails(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {MAIL_COLUMNS} FROM outbox \
                 WHERE sent_at IS NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![micros(now), limit], mail_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn get_mail(&self, id: &str) -> Result<Option<OutboxMail>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE id = ?1"))?
                .query_row([id], mail_from_row)
                .optional()
        })
        .await
    }

    async fn mark_sent(&self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            conn.execute("UPDATE outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND sent_at IS NULL", params![id, micros(at)])
                .map(|n| n == 1)
                .map_err(StoreError::unexpected)
        })
        .await
    }

    async fn mark_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.write(move |conn| {
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1 AND sent_at IS NULL",
                params![id, error, next_attempt_at.map(micros)],
            )
            .map(|_| ())
            .map_err(StoreError::unexpected)
        })
        .await
    }
}

const MAIL_COLUMNS: &str =
    "id, created_at, recipients, message, attempts, next_attempt_at, sent_at, last_error, ticket";

fn mail_from_row(r: &Row<'_>) -> rusqlite::Result<OutboxMail> {
    Ok(OutboxMail {
        id: r.get(0)?,
        created_at: from_micros(r.get(1)?)?,
        recipients: json(r.get(2)?)?,
        message: r.get(3)?,
        attempts: r.get(4)?,
        next_attempt_at: opt_time(r.get(5)?)?,
        sent_at: opt_time(r.get(6)?)?,
        last_error: r.get(7)?,
        ticket: r.get(8)?,
    })
}

const USER_COLUMNS: &str = "id, email, name, role, company_id, lang, time_zone, page_size, refresh_secs, password_hash, disabled, created_at, version, \
     customer_role, projects, mail_to, pending, mails_off, mails_on";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let role: String = r.get(3)?;
    Ok(UserRecord {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&role).ok_or_else(|| bad(format!("unknown role {role}")))?,
        company_id: r.get(4)?,
        lang: r.get(5)?,
        time_zone: r.get(6)?,
        page_size: r.get(7)?,
        refresh_secs: r.get(8)?,
        password_hash: r.get(9)?,
        disabled: r.get(10)?,
        created_at: from_micros(r.get(11)?)?,
        version: r.get::<_, i64>(12)? as u64,
        customer_role: match r.get::<_, Option<String>>(13)? {
            Some(c) => Some(
                CustomerRole::parse(&c).ok_or_else(|| bad(format!("unknown customer role {c}")))?,
            ),
            None => None,
        },
        projects: json(r.get(14)?)?,
        mail_to: r.get(15)?,
        pending: r.get(16)?,
        mails_off: json(r.get(17)?)?,
        mails_on: json(r.get(18)?)?,
    })
}

fn insert_user(conn: &Connection, u: &UserRecord) -> Result<(), StoreError> {
    conn.execute(
                "INSERT INTO users (id, email, email_key, name, role, company_id, lang, time_zone, page_size, refresh_secs, \
                 password_hash, disabled, created_at, version, customer_role, projects, mail_to, pending, mails_off, mails_on) \
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)",
                params![
                    u.id,
                    u.email,
                    u.email.to_lowercase(),
                    u.name,
                    u.role.as_str(),
                    u.company_id,
                    u.lang,
                    u.time_zone,
                    u.page_size,
                    u.refresh_secs,
                    u.password_hash,
                    u.disabled,
                    micros(u.created_at),
                    u.version as i64,
                    u.customer_role.map(CustomerRole::as_str),
                    strings_json(&u.projects),
                    u.mail_to,
                    u.pending,
                    strings_json(&u.mails_off),
                    strings_json(&u.mails_on)
                ],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("user {}", u.email)))
}

/// Writes a user's new values if the stored version is still `expected_version`.
fn update_user_row(
    conn: &Connection,
    u: &UserRecord,
    expected_version: u64,
) -> Result<(), StoreError> {
    let n = conn
                .execute(
                    "UPDATE users SET email=?2, email_key=?3, name=?4, role=?5, company_id=?6, lang=?7, time_zone=?8, page_size=?9, \
                     refresh_secs=?10, password_hash=?11, disabled=?12, version=?13, customer_role=?15, projects=?16, \
                     mail_to=?17, pending=?18, mails_off=?19, mails_on=?20 WHERE id=?1 AND version=?14",
                    params![
                        u.id,
                        u.email,
                        u.email.to_lowercase(),
                        u.name,
                        u.role.as_str(),
                        u.company_id,
                        u.lang,
                        u.time_zone,
                        u.page_size,
                        u.refresh_secs,
                        u.password_hash,
                        u.disabled,
                        u.version as i64,
                        expected_version as i64,
                        u.customer_role.map(CustomerRole::as_str),
                        strings_json(&u.projects),
                        u.mail_to,
                        u.pending,
                        strings_json(&u.mails_off),
                        strings_json(&u.mails_on)
                    ],
                )
                .map_err(duplicate_as(format!("user {}", u.email)))?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("user"))
    }
}

const COMPANY_COLUMNS: &str = "id, name, created_at, uses_groups";

fn company_from_row(r: &Row<'_>) -> rusqlite::Result<CompanyRecord> {
    Ok(CompanyRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: from_micros(r.get(2)?)?,
        uses_groups: r.get(3)?,
    })
}

fn strings_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, u: UserRecord) -> Result<(), StoreError> {
        self.write(move |conn| insert_user(conn, &u)).await
    }

    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
                .query_row(params![id], user_from_row)
                .optional()
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let key = email.trim().to_lowercase();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE email_key = ?1"
            ))?
            .query_row(params![key], user_from_row)
            .optional()
        })
        .await
    }

    async fn update_user(&self, u: UserRecord, expected_version: u64) -> Result<(), StoreError> {
        if u.version != expected_version + 1 {
            return Err(StoreError::Conflict("user"));
        }
        self.write(move |conn| update_user_row(conn, &u, expected_version))
            .await
    }

    async fn list_users(&self, company_id: Option<&str>) -> Result<Vec<UserRecord>, StoreError> {
        let company = company_id.map(str::to_owned);
        self.read(move |c| match company {
            Some(id) => {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE company_id = ?1 ORDER BY name, id"
                ))?;
                stmt.query_map(params![id], user_from_row)?.collect()
            }
            None => {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users ORDER BY name, id"
                ))?;
                stmt.query_map([], user_from_row)?.collect()
            }
        })
        .await
    }

    async fn staff_wanting_mail(&self, kind: &str) -> Result<Vec<UserRecord>, StoreError> {
        let kind = kind.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE role != 'customer' \
                 AND EXISTS (SELECT 1 FROM json_each(users.mails_on) WHERE value = ?1) ORDER BY name, id"
            ))?;
            stmt.query_map(params![kind], user_from_row)?.collect()
        })
        .await
    }

    async fn create_company(&self, company: CompanyRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO companies (id, name, created_at, uses_groups) VALUES (?1, ?2, ?3, ?4)",
                params![
                    company.id,
                    company.name,
                    micros(company.created_at),
                    company.uses_groups
                ],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("company {}", company.id)))
        })
        .await
    }

    async fn get_company(&self, id: &str) -> Result<Option<CompanyRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {COMPANY_COLUMNS} FROM companies WHERE id = ?1"
            ))?
            .query_row(params![id], company_from_row)
            .optional()
        })
        .await
    }

    async fn update_company(&self, company: CompanyRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE companies SET name = ?2, uses_groups = ?3 WHERE id = ?1",
                    params![company.id, company.name, company.uses_groups],
                )
                .map_err(StoreError::unexpected)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::Conflict("company"))
            }
        })
        .await
    }

    async fn list_companies(&self) -> Result<Vec<CompanyRecord>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COMPANY_COLUMNS} FROM companies ORDER BY name, id"
            ))?;
            stmt.query_map([], company_from_row)?.collect()
        })
        .await
    }
}

const UPLOAD_COLUMNS: &str = "id, owner_id, name, size, content_type, blob_key, created_at";

fn upload_from_row(r: &Row<'_>) -> rusqlite::Result<UploadRecord> {
    Ok(UploadRecord {
        id: r.get(0)?,
        owner_id: r.get(1)?,
        name: r.get(2)?,
        size: r.get::<_, i64>(3)? as u64,
        content_type: r.get(4)?,
        blob_key: r.get(5)?,
        created_at: from_micros(r.get(6)?)?,
    })
}

#[async_trait]
impl UploadStore for SqliteStore {
    async fn create_upload(&self, u: UploadRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO uploads ({UPLOAD_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7)"),
                params![
                    u.id,
                    u.owner_id,
                    u.name,
                    u.size as i64,
                    u.content_type,
                    u.blob_key,
                    micros(u.created_at)
                ],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("upload {}", u.id)))
        })
        .await
    }

    async fn get_upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ?1"
            ))?
            .query_row(params![id], upload_from_row)
            .optional()
        })
        .await
    }

    async fn uploads_of(&self, owner_id: &str) -> Result<Vec<UploadRecord>, StoreError> {
        let owner = owner_id.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE owner_id = ?1 ORDER BY created_at, id"
            ))?;
            stmt.query_map(params![owner], upload_from_row)?.collect()
        })
        .await
    }

    async fn delete_upload(&self, id: &str, owner_id: &str) -> Result<bool, StoreError> {
        let (id, owner) = (id.to_owned(), owner_id.to_owned());
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM uploads WHERE id = ?1 AND owner_id = ?2",
                params![id, owner],
            )
            .map(|n| n == 1)
            .map_err(StoreError::unexpected)
        })
        .await
    }

    async fn uploads_created_before(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadRecord>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE created_at < ?1 ORDER BY created_at, id LIMIT ?2"
            ))?;
            stmt.query_map(params![micros(before), limit], upload_from_row)?
                .collect()
        })
        .await
    }
}
