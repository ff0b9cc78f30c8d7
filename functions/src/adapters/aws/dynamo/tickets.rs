//! Tickets, their articles and history, sequences, list pages and counts.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::{SignedDuration, Timestamp};

use super::attr::{
    self, Item, ItemBuilder, Read, boolean, key, n, order_key, s, string_map, strings, time,
    time_id,
};
use super::search::IndexJob;
use super::users::user_key;
use super::{DynamoStore, Query, Reason, Refused, SortKey, Write, expr, outbox, uploads};
use crate::domain::ticket::{Channel, State, Timer, TimerKind};
use crate::ports::search::new_ticket_text;
use crate::ports::store::*;

pub(super) const META: &str = "META";
const BUCKET: &str = "BUCKET";
const DUE: &str = "DUE";
const DUE_PARTITION: &str = "TICKETDUE";
/// The staff desk's copy of an open ticket: on GSI3 by `attention_at` (while it has
/// one) and on GSI1 by owner and update time (while someone owns it).
const DESK: &str = "DESK";
const ATTENTION_PARTITION: &str = "TICKETATTN";

fn owner_partition(owner_id: &str) -> String {
    format!("OWN#{owner_id}")
}

pub(super) fn ticket_pk(number: &str) -> String {
    format!("TICKET#{number}")
}

/// The index, its partition and the item (`META` or `BUCKET`) that a list of `scope`
/// filtered by `filter` reads: one Query on one partition, in update order.
fn list_partition(scope: &Scope, filter: ListFilter) -> (&'static str, String, &'static str) {
    let suffix = match filter {
        ListFilter::All => "",
        ListFilter::Open => "-OPEN",
        ListFilter::Closed => "-CLOSED",
    };
    let item = match filter {
        ListFilter::All => META,
        ListFilter::Open | ListFilter::Closed => BUCKET,
    };
    match scope {
        Scope::Requester(id) => ("GSI1", format!("REQ{suffix}#{id}"), item),
        Scope::Company(id) => ("GSI2", format!("CO{suffix}#{id}"), item),
        Scope::All => ("GSI3", format!("ALL{suffix}"), item),
    }
}

fn filter_of(open: bool) -> ListFilter {
    if open {
        ListFilter::Open
    } else {
        ListFilter::Closed
    }
}

fn with_ticket(b: ItemBuilder, t: &TicketRecord) -> ItemBuilder {
    let opt = |v: &Option<String>| v.as_deref().map(s);
    b.set("number", s(&t.number))
        .set("subject", s(&t.subject))
        .set("requester_id", s(&t.requester_id))
        .set("company_id", s(&t.company_id))
        .set("state", s(t.state.as_str()))
        .set("is_open", boolean(t.state.is_open()))
        .set("priority", s(&t.priority))
        .opt("owner_id", opt(&t.owner_id))
        .opt("service", opt(&t.service))
        .opt("sla", opt(&t.sla))
        .opt("ticket_type", opt(&t.ticket_type))
        .opt("product", opt(&t.product))
        .set("fields", string_map(&t.fields))
        .set("channel", s(t.channel.as_str()))
        .opt("department", opt(&t.department))
        .opt("merged_into", opt(&t.merged_into))
        .set("cc", strings(&t.cc))
        .set("created_at", time(t.created_at))
        .set("updated_at", time(t.updated_at))
        .opt("closed_at", t.closed_at.map(time))
        .opt("timer_kind", t.timer.map(|x| s(x.kind.as_str())))
        .opt("timer_due", t.timer.map(|x| time(x.due)))
        .opt(
            "timer_remind_at",
            t.timer.and_then(|x| x.remind_at).map(time),
        )
        .opt("linked_to", opt(&t.linked_to))
        .opt("project_id", opt(&t.project_id))
        .set("preview", s(&t.preview))
        .set("article_count", n(t.article_count))
        .set("version", n(t.version))
        .opt(
            "contacts",
            (t.contacts != Contacts::default())
                .then(|| serde_json::to_string(&t.contacts).ok().map(s))
                .flatten(),
        )
        .opt(
            "sla_clock",
            t.sla_clock
                .as_ref()
                .and_then(|c| serde_json::to_string(c).ok())
                .map(s),
        )
}

/// The items of a ticket besides its articles and history.
struct TicketItems {
    meta: Item,
    /// The open/closed copy.
    bucket: Item,
    /// The due copy, while it has a timer or an SLA warning to come.
    due: Option<Item>,
    /// The desk copy, while it is open and asks for attention or has an owner.
    desk: Option<Item>,
}

impl TicketItems {
    /// The writes that put the copies there or take them away.
    fn copies(due: Option<Item>, desk: Option<Item>, pk: &str) -> [Write; 2] {
        let put_or_delete = |item: Option<Item>, sk: &str| match item {
            Some(item) => Write::put(item),
            None => Write::Delete {
                key: key(pk, sk),
                cond: None,
            },
        };
        [put_or_delete(due, DUE), put_or_delete(desk, DESK)]
    }
}

/// The `META` item and its copies (`TicketItems`).
fn ticket_items(t: &TicketRecord) -> TicketItems {
    let pk = ticket_pk(&t.number);
    let order = time_id(t.updated_at, &t.number);
    let requester = Scope::Requester(t.requester_id.clone());
    let company = Scope::Company(t.company_id.clone());
    let index = |b: ItemBuilder, filter: ListFilter| {
        b.index("GSI1", list_partition(&requester, filter).1, order.as_str())
            .index("GSI2", list_partition(&company, filter).1, order.as_str())
            .index(
                "GSI3",
                list_partition(&Scope::All, filter).1,
                order.as_str(),
            )
    };
    let meta = index(
        with_ticket(ItemBuilder::keyed(&pk, META), t),
        ListFilter::All,
    )
    .build();
    let bucket = index(
        with_ticket(ItemBuilder::keyed(&pk, BUCKET), t),
        filter_of(t.state.is_open()),
    )
    .build();
    let due = t.next_due().map(|at| {
        with_ticket(ItemBuilder::keyed(&pk, DUE), t)
            .index("GSI3", DUE_PARTITION, time_id(at, &t.number))
            .build()
    });
    let attention = t.attention_at();
    let owner = t.owner_id.as_deref().filter(|_| t.state.is_open());
    let desk = (attention.is_some() || owner.is_some()).then(|| {
        let mut b = with_ticket(ItemBuilder::keyed(&pk, DESK), t);
        if let Some(at) = attention {
            b = b.index("GSI3", ATTENTION_PARTITION, time_id(at, &t.number));
        }
        if let Some(owner) = owner {
            b = b.index("GSI1", owner_partition(owner), order.as_str());
        }
        b.build()
    });
    TicketItems {
        meta,
        bucket,
        due,
        desk,
    }
}

pub(super) fn ticket_from(item: &Item) -> Result<TicketRecord, StoreError> {
    let r = Read::new("ticket", item);
    let state = r.s("state")?;
    let timer = match r.opt_s("timer_kind")? {
        Some(k) => Some(Timer {
            kind: TimerKind::parse(&k)
                .ok_or_else(|| r.bad("timer_kind", format!("unknown kind {k:?}")))?,
            due: r.time("timer_due")?,
            remind_at: r.opt_time("timer_remind_at")?,
        }),
        None => None,
    };
    Ok(TicketRecord {
        number: r.s("number")?,
        subject: r.s("subject")?,
        requester_id: r.s("requester_id")?,
        company_id: r.s("company_id")?,
        state: State::parse(&state)
            .ok_or_else(|| r.bad("state", format!("unknown state {state:?}")))?,
        priority: r.s("priority")?,
        owner_id: r.opt_s("owner_id")?,
        service: r.opt_s("service")?,
        sla: r.opt_s("sla")?,
        ticket_type: r.opt_s("ticket_type")?,
        product: r.opt_s("product")?,
        fields: r.string_map("fields")?,
        channel: match r.opt_s("channel")? {
            Some(c) => Channel::parse(&c)
                .ok_or_else(|| r.bad("channel", format!("unknown channel {c:?}")))?,
            None => Channel::Web,
        },
        department: r.opt_s("department")?,
        merged_into: r.opt_s("merged_into")?,
        cc: r.strings("cc")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        closed_at: r.opt_time("closed_at")?,
        timer,
        linked_to: r.opt_s("linked_to")?,
        project_id: r.opt_s("project_id")?,
        preview: r.s("preview")?,
        article_count: r.n("article_count")?,
        version: r.n("version")?,
        contacts: match r.opt_s("contacts")? {
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| r.bad("contacts", e.to_string()))?
            }
            None => Contacts::default(),
        },
        sla_clock: match r.opt_s("sla_clock")? {
            Some(json) => {
                Some(serde_json::from_str(&json).map_err(|e| r.bad("sla_clock", e.to_string()))?)
            }
            None => None,
        },
    })
}

fn article_item(a: &ArticleRecord) -> Item {
    let attachments = a
        .attachments
        .iter()
        .map(|x| {
            AttributeValue::M(
                [
                    ("id", s(&x.id)),
                    ("name", s(&x.name)),
                    ("size", n(x.size)),
                    ("content_type", s(&x.content_type)),
                    ("blob_key", s(&x.blob_key)),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            )
        })
        .collect();
    ItemBuilder::keyed(ticket_pk(&a.ticket), format!("ART#{:010}", a.seq))
        .set("ticket", s(&a.ticket))
        .set("seq", n(a.seq))
        .set("author_id", s(&a.author_id))
        .set("author_name", s(&a.author_name))
        .set("internal", boolean(a.internal))
        .set("body_md", s(&a.body_md))
        .set("created_at", time(a.created_at))
        .set("attachments", AttributeValue::L(attachments))
        .opt("minutes", a.minutes.map(n))
        .opt(
            "fields",
            (!a.fields.is_empty()).then(|| string_map(&a.fields)),
        )
        .build()
}

fn article_from(item: &Item) -> Result<ArticleRecord, StoreError> {
    let r = Read::new("article", item);
    let attachments = r
        .list("attachments")?
        .iter()
        .map(|v| {
            let m = v
                .as_m()
                .map_err(|_| r.bad("attachments", "an element is not a map"))?;
            let a = Read::new("attachment", m);
            Ok(AttachmentRecord {
                id: a.s("id")?,
                name: a.s("name")?,
                size: a.n("size")?,
                content_type: a.s("content_type")?,
                blob_key: a.s("blob_key")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(ArticleRecord {
        ticket: r.s("ticket")?,
        seq: r.n("seq")?,
        author_id: r.s("author_id")?,
        author_name: r.s("author_name")?,
        internal: r.boolean("internal")?,
        body_md: r.s("body_md")?,
        created_at: r.time("created_at")?,
        attachments,
        minutes: r.opt_n("minutes")?,
        fields: if item.contains_key("fields") {
            r.string_map("fields")?
        } else {
            BTreeMap::new()
        },
    })
}

/// A history record's item. The sort key orders by time, then by its place among the
/// records written together; the random tail keeps two writes in the same microsecond
/// from overwriting each other.
fn history_item(h: &HistoryRecord, index: usize) -> Item {
    let mut tail = [0u8; 4];
    let _ = getrandom::fill(&mut tail);
    let tail: String = tail.iter().map(|b| format!("{b:02x}")).collect();
    ItemBuilder::keyed(
        ticket_pk(&h.ticket),
        format!("HIST#{}#{index:03}#{tail}", order_key(h.at)),
    )
    .set("ticket", s(&h.ticket))
    .set("at", time(h.at))
    .set("actor_id", s(&h.actor_id))
    .set("field", s(&h.field))
    .opt("from", h.from.as_deref().map(s))
    .opt("to", h.to.as_deref().map(s))
    .set("reason", s(&h.reason))
    .build()
}

fn history_from(item: &Item) -> Result<HistoryRecord, StoreError> {
    let r = Read::new("history", item);
    Ok(HistoryRecord {
        ticket: r.s("ticket")?,
        at: r.time("at")?,
        actor_id: r.s("actor_id")?,
        field: r.s("field")?,
        from: r.opt_s("from")?,
        to: r.opt_s("to")?,
        reason: r.s("reason")?,
    })
}

fn count_key(scope: &Scope) -> String {
    match scope {
        Scope::Requester(id) => format!("COUNT#REQ#{id}"),
        Scope::Company(id) => format!("COUNT#CO#{id}"),
        Scope::All => "COUNT#ALL".to_owned(),
    }
}

/// What a ticket's counters depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counted {
    requester_id: String,
    company_id: String,
    state: State,
    /// Whether someone owns it (the desk counts the open tickets nobody owns).
    owned: bool,
}

impl Counted {
    fn of(t: &TicketRecord) -> Counted {
        Counted {
            requester_id: t.requester_id.clone(),
            company_id: t.company_id.clone(),
            state: t.state,
            owned: t.owner_id.is_some(),
        }
    }

    fn read(r: &Read<'_>) -> Result<Counted, StoreError> {
        let state = r.s("state")?;
        Ok(Counted {
            requester_id: r.s("requester_id")?,
            company_id: r.s("company_id")?,
            state: State::parse(&state)
                .ok_or_else(|| r.bad("state", format!("unknown state {state:?}")))?,
            owned: r.opt_s("owner_id")?.is_some(),
        })
    }

    fn open(&self) -> bool {
        self.state.is_open()
    }

    /// The condition that the stored ticket is still counted as this.
    fn condition(&self, expected_version: u64) -> super::Expr {
        let owner = if self.owned {
            "attribute_exists(#owner_id)"
        } else {
            "attribute_not_exists(#owner_id)"
        };
        expr(format!(
            "#version = :version AND #state = :state AND {owner} AND #requester_id = :requester AND #company_id = :company"
        ))
        .val(":version", n(expected_version))
        .val(":state", s(self.state.as_str()))
        .val(":requester", s(&self.requester_id))
        .val(":company", s(&self.company_id))
    }

    fn scopes(&self) -> [Scope; 3] {
        [
            Scope::All,
            Scope::Requester(self.requester_id.clone()),
            Scope::Company(self.company_id.clone()),
        ]
    }
}

/// The counter updates (ADD) that move a ticket from `old` to `new` (either `None`
/// for a ticket that is not or no longer there), and raise the generation of every
/// scope the ticket is or was in: any write to a ticket changes its lists.
///
/// The staff scope's item also keeps the desk's counts (`DeskCounts`): one attribute
/// per state (`st_<state>`) and `unassigned`; only those that change are named.
fn counter_writes(old: Option<&Counted>, new: Option<&Counted>) -> Vec<Write> {
    let mut deltas: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut desk: BTreeMap<String, i64> = BTreeMap::new();
    for (c, sign) in [(old, -1), (new, 1)] {
        let Some(c) = c else { continue };
        for scope in c.scopes() {
            let d = deltas.entry(count_key(&scope)).or_default();
            if c.open() {
                d.0 += sign;
            } else {
                d.1 += sign;
            }
        }
        *desk.entry(state_count(c.state)).or_default() += sign;
        if c.open() && !c.owned {
            *desk.entry(UNASSIGNED.to_owned()).or_default() += sign;
        }
    }
    desk.retain(|_, d| *d != 0);
    let all = count_key(&Scope::All);
    deltas
        .into_iter()
        .map(|(k, (open, closed))| {
            let mut update = "ADD #open :open, #closed :closed, #gen :one".to_owned();
            let mut values = Item::from([
                (":open".into(), n(open)),
                (":closed".into(), n(closed)),
                (":one".into(), n(1)),
            ]);
            if k == all {
                for (name, d) in &desk {
                    update.push_str(&format!(", #{name} :{name}"));
                    values.insert(format!(":{name}"), n(*d));
                }
            }
            Write::Update {
                key: key(k, "COUNT"),
                update,
                cond: None,
                values,
            }
        })
        .collect()
}

const UNASSIGNED: &str = "unassigned";

/// The staff scope's counter attribute of a state.
fn state_count(state: State) -> String {
    format!("st_{}", state.as_str())
}

fn side_effects(history: &[HistoryRecord], mails: &[OutboxMail]) -> Vec<Write> {
    history
        .iter()
        .enumerate()
        .map(|(i, h)| Write::put(history_item(h, i)))
        .chain(mails.iter().map(|m| Write::put_new(outbox::mail_item(m))))
        .collect()
}

/// A cancellation none of this module's rules explains (a mail id taken, …).
pub(super) fn cancelled_by(what: &str, reasons: &[Reason]) -> StoreError {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    StoreError::unexpected(Refused(format!(
        "the {what} transaction was cancelled: [{}]",
        codes.join(", ")
    )))
}

fn failed_at(reasons: &[Reason], i: usize) -> bool {
    reasons.get(i).is_some_and(Reason::failed)
}

fn failed_in(reasons: &[Reason], range: std::ops::Range<usize>) -> bool {
    reasons
        .get(range)
        .is_some_and(|r| r.iter().any(Reason::failed))
}

#[async_trait]
impl SequenceStore for DynamoStore {
    async fn next_sequence(&self, key: &str) -> Result<u64, StoreError> {
        let item = self
            .update(
                sequence_key(key),
                "ADD #value :one",
                None,
                Item::from([(":one".into(), n(1))]),
            )
            .await?
            .unwrap_or_default();
        Read::new("sequence", &item).n("value")
    }

    async fn current_sequence(&self, key: &str) -> Result<u64, StoreError> {
        match self.get(sequence_key(key)).await? {
            Some(item) => Read::new("sequence", &item).n("value"),
            None => Ok(0),
        }
    }
}

/// The check that a copy on the ticket is still right (see `Contacts`).
fn reliance_check(reliance: &Reliance) -> Write {
    match reliance {
        Reliance::User { id, version } => Write::Check {
            key: user_key(id),
            cond: expr("#version = :version").val(":version", n(version)),
        },
        Reliance::CompanyName { id, name } => Write::Check {
            key: key(format!("COMPANY#{id}"), "COMPANY"),
            cond: expr("#name = :name").val(":name", s(name)),
        },
    }
}

pub(super) fn sequence_key(key: &str) -> Item {
    attr::key(format!("SEQ#{key}"), "SEQ")
}

/// The counter's move from `value - 1` to `value` (see `NewTicket::number_from`).
fn claim_sequence(claim: &SequenceClaim) -> Write {
    let cond = if claim.value <= 1 {
        "attribute_not_exists(#PK)"
    } else {
        "#value = :before"
    };
    let mut values = Item::from([(":value".into(), n(claim.value))]);
    if claim.value > 1 {
        values.insert(":before".into(), n(claim.value - 1));
    }
    Write::Update {
        key: sequence_key(&claim.key),
        update: "SET #value = :value".into(),
        cond: Some(cond.into()),
        values,
    }
}

#[async_trait]
impl TicketStore for DynamoStore {
    async fn create_ticket(&self, new: NewTicket) -> Result<String, StoreError> {
        let t = &new.ticket;
        let mut writes = Vec::new();
        let idempotency = new.idempotency_key.as_ref().map(|k| {
            writes.push(Write::Put {
                item: ItemBuilder::keyed(format!("IDEM#{k}"), "IDEM")
                    .set("ticket", s(&t.number))
                    .build(),
                cond: Some(expr("attribute_not_exists(#PK)")),
                old: true,
            });
            writes.len() - 1
        });
        let claim_at = new.number_from.as_ref().map(|claim| {
            writes.push(claim_sequence(claim));
            writes.len() - 1
        });
        let meta_at = writes.len();
        let items = ticket_items(t);
        writes.push(Write::put_new(items.meta));
        writes.push(Write::put(items.bucket));
        writes.extend(items.due.map(Write::put));
        writes.extend(items.desk.map(Write::put));
        writes.push(Write::put(article_item(&new.article)));
        let job = IndexJob::new(
            &t.number,
            new.article.seq,
            &new_ticket_text(t, &new.article.body_md),
        );
        writes.push(job.write(t.updated_at));
        let uploads_from = writes.len();
        writes.extend(
            new.claimed_uploads
                .iter()
                .map(|id| uploads::claim(id, &new.article.author_id)),
        );
        let uploads_to = writes.len();
        writes.extend(side_effects(&new.history, &new.mails));
        writes.extend(counter_writes(None, Some(&Counted::of(t))));

        let Err(reasons) = self.transact(writes).await? else {
            self.apply_after_commit(Some(job)).await;
            return Ok(t.number.clone());
        };
        // The same order of checks as the SQLite store: a known key answers with its
        // ticket, then a taken number, then a claimed upload.
        if let Some(i) = idempotency
            && failed_at(&reasons, i)
        {
            let earlier = match &reasons[i].item {
                Some(item) => Some(Read::new("idempotency key", item).s("ticket")?),
                None => None,
            };
            return match earlier {
                Some(number) => Ok(number),
                None => self
                    .ticket_by_idempotency_key(new.idempotency_key.as_deref().unwrap_or_default())
                    .await?
                    .ok_or(StoreError::Conflict("ticket")),
            };
        }
        if claim_at.is_some_and(|i| failed_at(&reasons, i)) {
            return Err(StoreError::Conflict("sequence"));
        }
        if failed_at(&reasons, meta_at) {
            return Err(StoreError::Duplicate(format!("ticket {}", t.number)));
        }
        if failed_in(&reasons, uploads_from..uploads_to) {
            return Err(StoreError::Conflict("upload"));
        }
        Err(cancelled_by("new ticket", &reasons))
    }

    async fn ticket_by_idempotency_key(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get(attr::key(format!("IDEM#{key}"), "IDEM"))
            .await?
            .map(|item| Read::new("idempotency key", &item).s("ticket"))
            .transpose()
    }

    async fn get_ticket(&self, number: &str) -> Result<Option<TicketRecord>, StoreError> {
        self.get(key(ticket_pk(number), META))
            .await?
            .as_ref()
            .map(ticket_from)
            .transpose()
    }

    async fn update_ticket(&self, update: TicketUpdate) -> Result<(), StoreError> {
        let t = &update.ticket;
        if t.version != update.expected_version + 1 {
            return Err(StoreError::Conflict("ticket"));
        }
        let Some(author) = update
            .article
            .as_ref()
            .map(|a| a.author_id.as_str())
            .or(update.claimed_uploads.is_empty().then_some(""))
        else {
            // Uploads become an article's attachments; without an article none can be taken.
            return Err(StoreError::Conflict("upload"));
        };
        let new = Counted::of(t);
        // First assume that what the counters depend on did not change (a reply, a
        // note, most state changes); the refused condition tells the stored values.
        let mut old = new.clone();
        if let Some(state) = update.previous_state {
            old.state = state;
        }
        // A change of owner records the owner it replaced: whether the ticket was owned
        // is then known too, and an assignment is right the first time.
        if let Some(h) = update
            .history
            .iter()
            .find(|h| h.field == "owner" && h.ticket == t.number)
        {
            old.owned = h.from.is_some();
        }
        for _ in 0..2 {
            let items = ticket_items(t);
            let mut writes = vec![
                Write::Put {
                    item: items.meta,
                    cond: Some(old.condition(update.expected_version)),
                    old: true,
                },
                Write::put(items.bucket),
            ];
            writes.extend(TicketItems::copies(
                items.due,
                items.desk,
                &ticket_pk(&t.number),
            ));
            let article_at = writes.len();
            writes.extend(
                update
                    .article
                    .as_ref()
                    .map(|a| Write::put_new(article_item(a))),
            );
            let job = update
                .article
                .as_ref()
                .map(|a| IndexJob::new(&t.number, a.seq, &a.body_md));
            writes.extend(job.as_ref().map(|j| j.write(t.updated_at)));
            let uploads_from = writes.len();
            writes.extend(
                update
                    .claimed_uploads
                    .iter()
                    .map(|id| uploads::claim(id, author)),
            );
            let uploads_to = writes.len();
            writes.extend(update.relies_on.iter().map(reliance_check));
            let relied_to = writes.len();
            writes.extend(side_effects(&update.history, &update.mails));
            writes.extend(counter_writes(Some(&old), Some(&new)));

            let Err(reasons) = self.transact(writes).await? else {
                self.apply_after_commit(job).await;
                return Ok(());
            };
            if failed_at(&reasons, 0) {
                let Some(item) = &reasons[0].item else {
                    return Err(StoreError::Conflict("ticket"));
                };
                let r = Read::new("ticket", item);
                let stored = Counted::read(&r)?;
                if r.n::<u64>("version")? != update.expected_version || stored == old {
                    return Err(StoreError::Conflict("ticket"));
                }
                old = stored;
                continue;
            }
            if update.article.is_some() && failed_at(&reasons, article_at) {
                return Err(StoreError::Conflict("ticket"));
            }
            if failed_in(&reasons, uploads_from..uploads_to) {
                return Err(StoreError::Conflict("upload"));
            }
            if failed_in(&reasons, uploads_to..relied_to) {
                return Err(StoreError::Conflict("contact"));
            }
            return Err(cancelled_by("ticket update", &reasons));
        }
        Err(StoreError::Conflict("ticket"))
    }

    async fn articles(&self, number: &str) -> Result<Vec<ArticleRecord>, StoreError> {
        let q = Query::new(None, ticket_pk(number)).sort(SortKey::BeginsWith("ART#".into()));
        self.query_all(&q).await?.iter().map(article_from).collect()
    }

    async fn history(&self, number: &str) -> Result<Vec<HistoryRecord>, StoreError> {
        let q = Query::new(None, ticket_pk(number)).sort(SortKey::BeginsWith("HIST#".into()));
        let mut history = self
            .query_all(&q)
            .await?
            .iter()
            .map(history_from)
            .collect::<Result<Vec<_>, _>>()?;
        // Records kept once (`append_history_once`) are keyed by their `once` key, not
        // their time; the sort is stable, so records of one change keep their order.
        history.sort_by_key(|h| h.at);
        Ok(history)
    }

    async fn record_history(&self, records: Vec<HistoryRecord>) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        match self.transact(side_effects(&records, &[])).await? {
            Ok(()) => Ok(()),
            Err(reasons) => Err(cancelled_by("history", &reasons)),
        }
    }

    async fn append_history(&self, record: HistoryRecord) -> Result<(), StoreError> {
        self.put(history_item(&record, 0), None).await.map(|_| ())
    }

    async fn list_tickets(&self, query: &ListQuery) -> Result<Page<TicketRecord>, StoreError> {
        let limit = query.limit.clamp(1, 500);
        let (index, partition, item) = list_partition(&query.scope, query.filter);
        // A cursor this store did not sign is ignored (the first page), as the SQLite
        // store ignores one it cannot read.
        let start = query
            .cursor
            .as_deref()
            .and_then(|c| self.cursor_key.verify(c))
            .map(|(at, number)| {
                ItemBuilder::keyed(ticket_pk(&number), item)
                    .index(index, partition.as_str(), time_id(at, &number))
                    .build()
            });
        let q = Query::new(Some(index), partition.as_str())
            .forward(query.oldest_first)
            .limit(limit + 1);
        let (items, more) = self.query_page(&q, start).await?;
        let mut items = items
            .iter()
            .map(ticket_from)
            .collect::<Result<Vec<_>, _>>()?;
        // One more than asked for tells whether there is a next page; a page cut short
        // by DynamoDB's 1 MB limit continues after its last ticket.
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|t| self.cursor_after(t))
        } else if more.is_some() {
            items.last().map(|t| self.cursor_after(t))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    fn cursor_after(&self, ticket: &TicketRecord) -> String {
        self.cursor_key.sign(ticket.updated_at, &ticket.number)
    }

    async fn count_tickets(&self, scope: &Scope) -> Result<Counts, StoreError> {
        let Some(item) = self.get(key(count_key(scope), "COUNT")).await? else {
            return Ok(Counts::default());
        };
        let r = Read::new("ticket counts", &item);
        Ok(Counts {
            open: r.opt_n::<i64>("open")?.unwrap_or(0).max(0) as u64,
            closed: r.opt_n::<i64>("closed")?.unwrap_or(0).max(0) as u64,
            generation: r.opt_n::<u64>("gen")?.unwrap_or(0),
        })
    }

    async fn due_tickets(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Query::new(Some("GSI3"), DUE_PARTITION)
            .sort(SortKey::Below(order_key(just_after(now))))
            .limit(limit);
        let (items, _) = self.query_page(&q, None).await?;
        items.iter().map(ticket_from).collect()
    }

    async fn desk_counts(&self) -> Result<DeskCounts, StoreError> {
        match self.get(key(count_key(&Scope::All), "COUNT")).await? {
            Some(item) => desk_counts_from(&item),
            None => Ok(DeskCounts::default()),
        }
    }

    async fn attention_tickets(
        &self,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketRecord>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Query::new(Some("GSI3"), ATTENTION_PARTITION)
            .sort(SortKey::Below(order_key(just_after(until))))
            .limit(limit);
        let (items, _) = self.query_page(&q, None).await?;
        items.iter().map(ticket_from).collect()
    }

    async fn owned_open_tickets(
        &self,
        owner_id: &str,
        limit: u32,
    ) -> Result<Page<TicketRecord>, StoreError> {
        let limit = limit.clamp(1, 500);
        let q = Query::new(Some("GSI1"), owner_partition(owner_id))
            .forward(false)
            .limit(limit + 1);
        let (items, more) = self.query_page(&q, None).await?;
        let mut items = items
            .iter()
            .map(ticket_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > limit as usize || more.is_some() {
            items.truncate(limit as usize);
            items.last().map(|t| self.cursor_after(t))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn append_history_once(
        &self,
        record: HistoryRecord,
        once: &str,
    ) -> Result<bool, StoreError> {
        let mut item = history_item(&record, 0);
        // The key is made of `once`, so a second record with it is refused.
        item.insert("SK".into(), s(format!("HIST#ONCE#{once}")));
        self.put(item, Some(expr("attribute_not_exists(#PK)")))
            .await
    }
}

/// The desk's counts from the staff scope's counter item.
fn desk_counts_from(item: &Item) -> Result<DeskCounts, StoreError> {
    let r = Read::new("desk counts", item);
    let count = |name: &str| -> Result<u64, StoreError> {
        Ok(r.opt_n::<i64>(name)?.unwrap_or(0).max(0) as u64)
    };
    let mut counts = DeskCounts {
        unassigned: count(UNASSIGNED)?,
        ..DeskCounts::default()
    };
    for (i, state) in State::ALL.into_iter().enumerate() {
        counts.by_state[i] = count(&state_count(state))?;
    }
    Ok(counts)
}

/// One microsecond later: `<t>` keys strictly below it are at `t` or earlier.
pub(super) fn just_after(t: Timestamp) -> Timestamp {
    t.checked_add(SignedDuration::from_micros(1)).unwrap_or(t)
}
