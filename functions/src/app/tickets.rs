//! Ticket use cases: open, reply (public or internal), change state, view and list.

use std::collections::BTreeMap;

use minijinja::{Value, context};

use crate::app::config::DEFAULT_LANGUAGE;
use crate::app::error::{FieldError, Problem};
use crate::app::mail::{MailKind, addressees, state_label, ticket_mail as mail};
use crate::app::{AppError, Deps, form, projects, sla, uploads};
use crate::domain::Email;
use crate::domain::access::{Actor, Role, TicketAccess, Verb, may_see_article, may_ticket};
use crate::domain::ticket::sla::SlaEvent;
use crate::domain::ticket::state::apply;
use crate::domain::ticket::{Channel, Event, State};
use crate::ports::search::{Equals, FilterField, SearchOrder, SearchQuery};
use crate::ports::store::{
    BatchItems, BatchRead, Contact, Contacts, Reliance, SequenceClaim, UserRecord,
};
use crate::ports::*;

/// How often a write is retried when others changed the ticket in between.
pub(crate) const MAX_ATTEMPTS: usize = 64;

/// The custom field that holds the contract number (seed 002's 保守契約番号), from
/// which a ticket's project is inferred when the form names none.
pub const CONTRACT_FIELD: &str = "contract_number";

/// The priorities madoguchi knows; the form offers these or some of them.
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

/// After losing a race for a ticket, wait a random while that grows with the losses,
/// so that many writers of one ticket take turns instead of colliding again.
pub(crate) async fn contention_pause(attempt: usize) {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    let cap_ms = 1u64 << attempt.min(6);
    let ms = u64::from(u16::from_le_bytes(b)) % (cap_ms + 1);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// A new ticket as the customer filled it in.
#[derive(Debug, Clone, Default)]
pub struct OpenTicket {
    pub subject: String,
    pub body: String,
    pub priority: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    pub sla: Option<String>,
    pub ticket_type: Option<String>,
    pub fields: BTreeMap<String, String>,
    /// Comma-separated addresses, as typed.
    pub cc: String,
    /// Ids of the customer's pending uploads.
    pub attachments: Vec<String>,
    pub idempotency_key: Option<String>,
    /// The earlier ticket this one follows up.
    pub linked_to: Option<String>,
    /// The project (案件) chosen on the form; without one it is inferred from the
    /// contract number field.
    pub project: Option<String>,
    /// How the inquiry came in: customers file on the web; staff log an inquiry taken by
    /// phone or e-mail (seed 004) for the customer named in `on_behalf_of`.
    pub channel: Channel,
    /// The customer (user id) staff log the inquiry for; staff only, and required of them.
    pub on_behalf_of: Option<String>,
}

/// A reply or an internal note.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub body: String,
    pub internal: bool,
    /// The state chosen in the reply form ("next state", seed 001).
    pub next_state: Option<State>,
    /// Ids of the author's pending uploads.
    pub attachments: Vec<String>,
    /// Minutes the author spent (staff only; seed 003's 作業時間).
    pub minutes: Option<u32>,
    /// The response fields of the form (`response_fields:`; staff only).
    pub fields: BTreeMap<String, String>,
}

/// The most minutes one response may record (a week of work would be 10,080).
pub const MAX_MINUTES: u32 = 9_999;

/// A reply's minutes, checked: staff only, 1 to `MAX_MINUTES`.
fn check_minutes(actor: &Actor, minutes: Option<u32>) -> Result<Option<u32>, AppError> {
    match minutes {
        None => Ok(None),
        Some(_) if !actor.is_staff() => Err(AppError::invalid(
            "minutes",
            Problem::Other {
                ja: "作業時間はサポート担当者だけが記録できます".into(),
                en: "Only support staff record time spent".into(),
            },
        )),
        Some(m) if (1..=MAX_MINUTES).contains(&m) => Ok(Some(m)),
        Some(_) => Err(AppError::invalid(
            "minutes",
            Problem::Other {
                ja: format!("1〜{MAX_MINUTES} 分の範囲で入力してください"),
                en: format!("Must be between 1 and {MAX_MINUTES} minutes"),
            },
        )),
    }
}

/// A ticket with the articles its reader may see.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: TicketRecord,
    pub articles: Vec<ArticleRecord>,
}

pub(crate) fn access(t: &TicketRecord) -> TicketAccess<'_> {
    TicketAccess {
        requester_id: &t.requester_id,
        company_id: &t.company_id,
        project_id: t.project_id.as_deref(),
        department: t.department.as_deref(),
    }
}

/// A claimed upload vanished between the check and the write (discarded, swept, or
/// attached elsewhere): the form must be sent again without it.
fn claim_failed(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict("upload") => {
            AppError::Invalid(vec![FieldError::new("attachments", Problem::UnknownUpload)])
        }
        e => e.into(),
    }
}

fn preview(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(80).collect();
    if flat.chars().nth(80).is_some() {
        out.push('…');
    }
    out
}

/// The people a ticket's mails go to, and the copies on the ticket this relied on.
struct People {
    requester: Contact,
    company_name: String,
    owner: Option<Contact>,
    relies_on: Vec<Reliance>,
}

impl People {
    /// The copies to keep on the ticket, for its next change.
    fn contacts(&self) -> Contacts {
        Contacts {
            requester: Some(self.requester.clone()),
            owner: self.owner.clone(),
            company_name: Some(self.company_name.clone()),
        }
    }
}

/// The people a ticket's mails name. `known` holds what the use case has read already
/// (the author of the change, the company); the rest comes from the copies on the
/// ticket (`Contacts`, which the change then relies on), unless `fresh` asks for reads
/// because a copy turned out stale; what is still missing is read in one batch (on
/// DynamoDB one BatchGetItem).
async fn people(
    deps: &Deps,
    t: &TicketRecord,
    known: &BatchItems,
    fresh: bool,
) -> Result<People, AppError> {
    let copies = (!fresh).then_some(&t.contacts);
    let copy = |c: Option<&Contact>, id: &str| c.filter(|c| c.user_id == id).cloned();
    let mut relies_on = Vec::new();
    let mut want = BatchRead::default();
    let mut person = |id: &String, copied: Option<&Contact>| {
        if let Some(u) = known.user(id) {
            return Some(Contact::of(u));
        }
        if let Some(c) = copy(copied, id) {
            relies_on.push(Reliance::User {
                id: id.clone(),
                version: c.version,
            });
            return Some(c);
        }
        if !want.users.contains(id) {
            want.users.push(id.clone());
        }
        None
    };
    let requester = person(&t.requester_id, copies.and_then(|c| c.requester.as_ref()));
    let owner = t
        .owner_id
        .as_ref()
        .map(|id| (id, person(id, copies.and_then(|c| c.owner.as_ref()))));
    let mut company_name = known.company(&t.company_id).map(|c| c.name.clone());
    if company_name.is_none()
        && let Some(name) = copies.and_then(|c| c.company_name.clone())
    {
        relies_on.push(Reliance::CompanyName {
            id: t.company_id.clone(),
            name: name.clone(),
        });
        company_name = Some(name);
    }
    if company_name.is_none() {
        want.companies.push(t.company_id.clone());
    }
    let read = if want.users.is_empty() && want.companies.is_empty() {
        BatchItems::default()
    } else {
        deps.store.read_batch(want).await?
    };
    let requester = requester
        .or_else(|| read.user(&t.requester_id).map(Contact::of))
        .ok_or_else(|| {
            anyhow::anyhow!("ticket {} has no requester {}", t.number, t.requester_id)
        })?;
    let owner = owner.and_then(|(id, o)| o.or_else(|| read.user(id).map(Contact::of)));
    let company_name = company_name
        .or_else(|| read.company(&t.company_id).map(|c| c.name.clone()))
        .unwrap_or_default();
    Ok(People {
        requester,
        company_name,
        owner,
        relies_on,
    })
}

fn email(s: &str) -> Result<Email, AppError> {
    Email::parse(s).map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored address {s:?}: {e}")))
}

fn ticket_vars(deps: &Deps, t: &TicketRecord, p: &People, lang: &str) -> Value {
    context! {
        site => deps.config.name_in(lang),
        url => deps.config.ticket_url(&t.number),
        state => state_label(t.state, lang),
        state_key => t.state.as_str(),
        reopen_days => deps.config.timers.reopen_window.as_hours() / 24,
        ticket => context! {
            number => &t.number, subject => &t.subject,
            product => t.product.as_deref().map(|k| deps.config.product_label(k, lang)),
            priority => deps.config.priority_label(&t.priority, lang),
            requester_name => &p.requester.name, company_name => &p.company_name,
        },
    }
}

/// Where the assignment rules send a new ticket.
struct Routed {
    department: Option<String>,
    /// The owner the rule names, if it is an active staff account.
    owner: Option<UserRecord>,
    /// The rule's line in `portal.yaml` (0: no rule matched).
    line: usize,
}

/// The first assignment rule that matches `t` (`assignment.rules`). Its owner is looked
/// up by login ID (one read, only when a rule names an owner); an owner who is not an
/// active staff account is skipped with a warning in the log, and the ticket keeps the
/// rule's department.
async fn route(deps: &Deps, t: &TicketRecord) -> Result<Routed, AppError> {
    let Some(rule) = deps.config.assignment.rule_for(t) else {
        return Ok(Routed {
            department: None,
            owner: None,
            line: 0,
        });
    };
    let owner = match &rule.owner {
        Some(login) => {
            let user = deps.store.user_by_email(login.as_str()).await?;
            match user {
                Some(u) if u.role != Role::Customer && !u.disabled => Some(u),
                _ => {
                    tracing::warn!(
                        line = rule.line,
                        "assignment rule names an owner who is not an active staff account"
                    );
                    None
                }
            }
        }
        None => None,
    };
    Ok(Routed {
        department: rule.department.clone(),
        owner,
        line: rule.line,
    })
}

/// The customer an inquiry logged by staff is for, as an actor (`None` when a customer
/// files their own). Customers file on the web for themselves only; staff name an
/// active customer account and the channel the inquiry came in by.
async fn requester_of(
    deps: &Deps,
    actor: &Actor,
    input: &OpenTicket,
) -> Result<Option<Actor>, AppError> {
    let other = |ja: &str, en: &str| Problem::Other {
        ja: ja.into(),
        en: en.into(),
    };
    if !actor.is_staff() {
        if input.on_behalf_of.is_some() || input.channel != Channel::Web {
            return Err(AppError::invalid(
                if input.on_behalf_of.is_some() {
                    "on_behalf_of"
                } else {
                    "channel"
                },
                other(
                    "電話・メールでのお問い合わせの登録はサポート担当者だけが行えます",
                    "Only support staff log inquiries taken by phone or e-mail",
                ),
            ));
        }
        return Ok(None);
    }
    let Some(id) = input
        .on_behalf_of
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    else {
        return Err(AppError::invalid("on_behalf_of", Problem::Required));
    };
    if input.channel == Channel::Web {
        return Err(AppError::invalid(
            "channel",
            other(
                "電話またはメールを選んでください（Web からのお問い合わせはお客様が登録します）",
                "Choose phone or e-mail (customers file web inquiries themselves)",
            ),
        ));
    }
    let user = deps.store.get_user(id.trim()).await?;
    let Some(u) = user.filter(|u| u.role == Role::Customer && !u.disabled && !u.pending) else {
        return Err(AppError::invalid(
            "on_behalf_of",
            other(
                "有効なお客様アカウントを選んでください",
                "Choose an active customer account",
            ),
        ));
    };
    let Some(company_id) = u.company_id.clone() else {
        return Err(AppError::invalid("on_behalf_of", Problem::NotAnOption));
    };
    let uses_groups = deps
        .store
        .get_company(&company_id)
        .await?
        .is_some_and(|c| c.uses_groups);
    Ok(Some(Actor {
        customer_role: u.customer_role,
        company_uses_groups: uses_groups,
        projects: u.projects.clone(),
        ..Actor::new(u.id.clone(), Role::Customer, Some(company_id))
    }))
}

/// Opens a ticket for a customer: number, first article, history, the thank-you mail
/// and the team's notification, all in one write. Staff open one for a customer with
/// `on_behalf_of` (an inquiry by phone or e-mail): the customer is the requester, the
/// staff user the first article's author.
pub async fn open_ticket(
    deps: &Deps,
    actor: &Actor,
    input: OpenTicket,
) -> Result<TicketRecord, AppError> {
    // Whom the ticket is for: the customer filing it, or the customer staff log an
    // inquiry for (a phone call, an e-mail); everything about the requester (their
    // company, projects, what they may see) is judged as if they filed it themselves.
    let customer = requester_of(deps, actor, &input).await?;
    let requester_actor = customer.as_ref().unwrap_or(actor);
    let Some(company_id) = requester_actor
        .company_id
        .clone()
        .filter(|_| !requester_actor.is_staff())
    else {
        return Err(AppError::Forbidden);
    };
    // A customer files only tickets they may then see (a customer without a role in
    // their company may do nothing with its data).
    let own = TicketAccess {
        requester_id: &requester_actor.user_id,
        company_id: &company_id,
        project_id: None,
        department: None,
    };
    if !may_ticket(requester_actor, Verb::View, &own) {
        return Err(AppError::Forbidden);
    }
    let checked = form::check(
        &deps.config.form,
        &deps.config.limits,
        &input,
        actor.is_staff(),
    )
    .map_err(AppError::Invalid)?;
    let now = deps.clock.now();
    let day = now.to_zoned(deps.config.time_zone.clone()).date();
    let counter = deps.config.numbers.counter_key(day);
    let (chosen_project, contract_number) = if input.linked_to.is_some() {
        (None, None)
    } else {
        projects::project_reads(
            input.project.as_deref(),
            checked.fields.get(CONTRACT_FIELD).map(String::as_str),
        )
    };
    // Everything the ticket depends on, read at once (on DynamoDB one BatchGetItem):
    // the requester (who is acting) and their company, for the ticket and its mails;
    // the project or contract it is filed under; its uploads; the day's counter, whose
    // next value the transaction claims; an earlier use of the idempotency key. Beside
    // it, the staff who asked for their own copy of the team's mail.
    let (mut known, subscribers) = tokio::try_join!(
        deps.store.read_batch(BatchRead {
            users: vec![requester_actor.user_id.clone(), actor.user_id.clone()],
            companies: vec![company_id.clone()],
            contracts: contract_number.map(str::to_owned).into_iter().collect(),
            projects: chosen_project.map(str::to_owned).into_iter().collect(),
            uploads: checked.attachments.clone(),
            sequences: vec![counter.clone()],
            idempotency_keys: input.idempotency_key.iter().cloned().collect(),
            ..Default::default()
        }),
        deps.store.staff_wanting_mail(MailKind::CreatedStaff.name()),
    )?;
    if let Some(earlier) = input
        .idempotency_key
        .as_deref()
        .and_then(|k| known.idempotent(k))
    {
        // A retry of an earlier request (whose uploads that one already took).
        return deps
            .store
            .get_ticket(earlier)
            .await?
            .ok_or(AppError::NotFound);
    }
    let project_id = if input.linked_to.is_some() {
        // A follow-up stays in the project of the ticket it continues.
        input.project.clone()
    } else {
        projects::project_for_ticket(requester_actor, chosen_project, contract_number, &known)?
    };
    let attachments = uploads::attachments_for(actor, &checked.attachments, &known)?;
    let requester = known
        .user(&requester_actor.user_id)
        .cloned()
        .ok_or(AppError::Forbidden)?;
    let author = known
        .user(&actor.user_id)
        .cloned()
        .ok_or(AppError::Forbidden)?;
    let form::CheckedTicket {
        subject,
        body,
        priority,
        product,
        service,
        sla,
        ticket_type,
        fields,
        cc,
        attachments: claimed_uploads,
    } = checked;

    // The ticket without its number, which the loop below claims.
    let mut template = TicketRecord {
        number: String::new(),
        subject: subject.clone(),
        requester_id: requester.id.clone(),
        company_id: company_id.clone(),
        state: State::New,
        priority: priority.clone(),
        owner_id: None,
        service: service.clone(),
        sla: sla.clone(),
        ticket_type: ticket_type.clone(),
        product: product.clone(),
        project_id: project_id.clone(),
        fields: fields.clone(),
        cc: cc.iter().map(|e| e.to_string()).collect(),
        created_at: now,
        updated_at: now,
        closed_at: None,
        timer: None,
        linked_to: input.linked_to.clone(),
        preview: preview(&body),
        article_count: 1,
        version: 1,
        contacts: Contacts::default(),
        sla_clock: None,
        channel: input.channel,
        department: None,
        merged_into: None,
    };
    // The assignment rules: the department whose queue it joins, and its owner.
    let routed = route(deps, &template).await?;
    template.department = routed.department.clone();
    template.owner_id = routed.owner.as_ref().map(|o| o.id.clone());
    // The owner a rule chose was just read: their mails need no other read.
    known.users.extend(routed.owner.clone());
    let team_address = deps.config.team_address(routed.department.as_deref());

    // The number is the counter's next value, claimed in the ticket's own transaction;
    // if another ticket took it in between, the counter's atomic increment gives one.
    let mut claim = Some(known.sequence(&counter) + 1);
    loop {
        let seq = match claim {
            Some(value) => value,
            None => deps.store.next_sequence(&counter).await?,
        };
        let number = deps.config.numbers.format(day, seq).to_string();
        let mut ticket = TicketRecord {
            number: number.clone(),
            ..template.clone()
        };
        ticket.sla_clock = sla::opened(&deps.config, &ticket);
        let article = ArticleRecord {
            ticket: number.clone(),
            seq: 1,
            author_id: author.id.clone(),
            author_name: author.name.clone(),
            internal: false,
            body_md: body.clone(),
            created_at: now,
            attachments: attachments.clone(),
            minutes: None,
            fields: BTreeMap::new(),
        };
        let p = people(deps, &ticket, &known, false).await?;
        ticket.contacts = p.contacts();
        let vars = |lang: &str| context! { ..ticket_vars(deps, &ticket, &p, lang), ..context! { article => context! { body => &body, author => &requester.name } } };
        let mut mails = Vec::new();
        if let Some((to, cc)) = addressees(
            MailKind::CreatedCustomer,
            &p.requester,
            email(requester.mail_address())?,
            cc.clone(),
        ) {
            mails.push(mail(
                deps,
                MailKind::CreatedCustomer,
                format!("{number}-1-created"),
                &requester.lang,
                to,
                cc,
                &ticket,
                vars(&requester.lang),
                now,
            )?);
        }
        mails.push(mail(
            deps,
            MailKind::CreatedStaff,
            format!("{number}-1-team"),
            DEFAULT_LANGUAGE,
            vec![(
                deps.config.name_in(DEFAULT_LANGUAGE).to_owned(),
                team_address.clone(),
            )],
            // The owner a rule chose hears of it too.
            p.owner
                .iter()
                .filter_map(|o| Email::parse(&o.address).ok())
                .collect(),
            &ticket,
            vars(DEFAULT_LANGUAGE),
            now,
        )?);
        // Staff who turned the new-ticket mail on get their own, one mail per language.
        for lang in ["ja", "en"] {
            let to = subscribers
                .iter()
                .filter(|u| !u.disabled && !u.pending && (u.lang == "en") == (lang == "en"))
                // An address that no longer parses must not stop the customer's ticket.
                .filter_map(|u| Some((u.name.clone(), Email::parse(u.mail_address()).ok()?)))
                .collect::<Vec<_>>();
            if !to.is_empty() {
                mails.push(mail(
                    deps,
                    MailKind::CreatedStaff,
                    format!("{number}-1-staff-{lang}"),
                    lang,
                    to,
                    vec![],
                    &ticket,
                    vars(lang),
                    now,
                )?);
            }
        }
        let mut history = vec![HistoryRecord {
            ticket: number.clone(),
            at: now,
            actor_id: actor.user_id.clone(),
            field: "state".into(),
            from: None,
            to: Some(State::New.as_str().into()),
            reason: match input.channel {
                Channel::Web => "opened".into(),
                c => format!("logged by staff ({})", c.as_str()),
            },
        }];
        let by_rule = format!("assignment rule (portal.yaml line {})", routed.line);
        for (field, to) in [
            ("department", &ticket.department),
            ("owner", &ticket.owner_id),
        ] {
            if to.is_some() {
                history.push(HistoryRecord {
                    ticket: number.clone(),
                    at: now,
                    actor_id: actor.user_id.clone(),
                    field: field.into(),
                    from: None,
                    to: to.clone(),
                    reason: by_rule.clone(),
                });
            }
        }
        let stored = deps
            .store
            .create_ticket(NewTicket {
                ticket: ticket.clone(),
                article,
                history,
                mails,
                idempotency_key: input.idempotency_key.clone(),
                claimed_uploads: claimed_uploads.clone(),
                number_from: claim.map(|value| SequenceClaim {
                    key: counter.clone(),
                    value,
                }),
            })
            .await;
        let stored = match stored {
            Err(StoreError::Conflict("sequence")) if claim.is_some() => {
                claim = None;
                continue;
            }
            stored => stored.map_err(claim_failed)?,
        };
        if stored != number {
            // A retry of an earlier request: that ticket is the answer.
            return deps
                .store
                .get_ticket(&stored)
                .await?
                .ok_or(AppError::NotFound);
        }
        return Ok(ticket);
    }
}

/// A ticket the actor may see, or `NotFound` (never "forbidden": that would tell
/// that the number exists).
pub async fn visible_ticket(
    deps: &Deps,
    actor: &Actor,
    number: &str,
) -> Result<TicketRecord, AppError> {
    let t = deps
        .store
        .get_ticket(number)
        .await?
        .ok_or(AppError::NotFound)?;
    visible(actor, t)
}

/// `t` if `actor` may see it; not found otherwise (another company's numbers stay secret).
fn visible(actor: &Actor, t: TicketRecord) -> Result<TicketRecord, AppError> {
    if may_ticket(actor, Verb::View, &access(&t)) {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

/// The ticket and the articles the actor may see, oldest first.
pub async fn view(deps: &Deps, actor: &Actor, number: &str) -> Result<TicketView, AppError> {
    let ticket = visible_ticket(deps, actor, number).await?;
    let articles = deps
        .store
        .articles(number)
        .await?
        .into_iter()
        .filter(|a| may_see_article(actor, a.internal))
        .collect();
    Ok(TicketView { ticket, articles })
}

/// A public reply or internal note, with the state the form asked for, retried on
/// concurrent changes so that no reply is lost.
pub async fn reply(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    input: Reply,
) -> Result<TicketRecord, AppError> {
    let (body, ids) = form::check_reply(&deps.config.limits, &input.body, &input.attachments)
        .map_err(AppError::Invalid)?;
    let minutes = check_minutes(actor, input.minutes)?;
    let response_fields = if actor.is_staff() {
        form::response_fields(&deps.config.form, &input.fields).map_err(AppError::Invalid)?
    } else if input.fields.is_empty() {
        BTreeMap::new()
    } else {
        return Err(AppError::invalid(
            "response_fields",
            Problem::Other {
                ja: "対応項目はサポート担当者だけが入力できます".into(),
                en: "Only support staff fill in response fields".into(),
            },
        ));
    };
    // What the reply needs before it decides, read at once: its author, the ticket, a
    // customer's company (which a ticket they may see is filed under) and the uploads
    // it attaches.
    let mut known = deps
        .store
        .read_batch(BatchRead {
            users: vec![actor.user_id.clone()],
            tickets: vec![number.to_owned()],
            companies: actor.company_id.iter().cloned().collect(),
            uploads: ids.clone(),
            ..Default::default()
        })
        .await?;
    let attachments = uploads::attachments_for(actor, &ids, &known)?;
    let author = known
        .user(&actor.user_id)
        .cloned()
        .ok_or(AppError::Forbidden)?;
    let mut read = known.tickets.pop();
    // Whether a copy on the ticket was found stale: the people are then read.
    let mut fresh = false;
    for attempt in 0..MAX_ATTEMPTS {
        // A retry after a conflict reads the ticket again.
        let current = match read.take() {
            Some(t) => visible(actor, t)?,
            None => visible_ticket(deps, actor, number).await?,
        };
        if let Some(into) = &current.merged_into {
            return Err(AppError::invalid(
                "body",
                Problem::Other {
                    ja: format!(
                        "このチケットは {into} に統合されています。{into} に返信してください"
                    ),
                    en: format!("This ticket was merged into {into}; reply there"),
                },
            ));
        }
        let verb = if input.internal {
            Verb::InternalNotes
        } else {
            Verb::Reply
        };
        if !may_ticket(actor, verb, &access(&current)) {
            return Err(AppError::Forbidden);
        }
        let event = match (actor.is_staff(), input.internal, input.next_state) {
            (true, true, _) => Event::StaffNote,
            (true, false, next) => Event::StaffReply { next },
            (false, _, Some(State::Closed)) => Event::CustomerClose,
            (false, _, _) => Event::CustomerReply,
        };
        let now = deps.clock.now();
        let change = apply(
            current.state,
            current.timer,
            current.closed_at,
            event,
            now,
            &deps.config.timers,
        )?;
        let seq = current.article_count + 1;
        let mut next = current.clone();
        next.state = change.to;
        next.timer = change.timer;
        next.closed_at = match change.to {
            State::Closed if change.from != State::Closed => Some(now),
            State::Closed => current.closed_at,
            _ => None,
        };
        let sla_event = match event {
            Event::StaffReply { .. } => SlaEvent::StaffReply,
            Event::CustomerReply => SlaEvent::CustomerReply,
            _ => SlaEvent::StateChanged,
        };
        next.sla_clock = sla::after(&deps.config, &next, sla_event, now);
        next.updated_at = now;
        next.article_count = seq;
        next.version = current.version + 1;
        if !input.internal {
            next.preview = preview(&body);
        }
        let article = ArticleRecord {
            ticket: number.to_owned(),
            seq,
            author_id: author.id.clone(),
            author_name: author.name.clone(),
            internal: input.internal,
            body_md: body.clone(),
            created_at: now,
            attachments: attachments.clone(),
            minutes,
            fields: response_fields.clone(),
        };
        let mut history = Vec::new();
        if change.changed() {
            history.push(HistoryRecord {
                ticket: number.to_owned(),
                at: now,
                actor_id: actor.user_id.clone(),
                field: "state".into(),
                from: Some(change.from.as_str().into()),
                to: Some(change.to.as_str().into()),
                reason: if change.reopened {
                    "reopened by a follow-up".into()
                } else if actor.is_staff() {
                    "staff reply".into()
                } else {
                    "customer reply".into()
                },
            });
        }
        let p = people(deps, &next, &known, fresh).await?;
        next.contacts = p.contacts();
        let mut mails = Vec::new();
        if !input.internal {
            let days = match change.to {
                State::WaitingCustomer => deps.config.timers.waiting_customer.as_hours() / 24,
                State::PendingClose => deps.config.timers.pending_close.as_hours() / 24,
                _ => 0,
            };
            if actor.is_staff() {
                let lang = p.requester.lang.as_str();
                let vars = context! { ..ticket_vars(deps, &next, &p, lang), ..context! { days, article => context! { body => &body, author => &author.name } } };
                let cc = next
                    .cc
                    .iter()
                    .filter_map(|c| Email::parse(c).ok())
                    .collect();
                if let Some((to, cc)) = addressees(
                    MailKind::ReplyCustomer,
                    &p.requester,
                    email(&p.requester.address)?,
                    cc,
                ) {
                    mails.push(mail(
                        deps,
                        MailKind::ReplyCustomer,
                        format!("{number}-{seq}-reply"),
                        lang,
                        to,
                        cc,
                        &next,
                        vars,
                        now,
                    )?);
                }
            } else {
                // A reply that takes a closed or pending-close ticket back to work says
                // so (in place of the plain reply mail): the owner may have moved on.
                let reopened = matches!(change.from, State::Closed | State::PendingClose)
                    && change.to.is_open();
                let kind = if reopened {
                    MailKind::Reopened
                } else {
                    MailKind::ReplyStaff
                };
                let team = || {
                    (
                        deps.config.name_in(DEFAULT_LANGUAGE).to_owned(),
                        deps.config.team_address(next.department.as_deref()),
                        DEFAULT_LANGUAGE.to_owned(),
                    )
                };
                // The owner, unless they turned these off: a plain reply then goes to
                // nobody (they see the ticket in their list), a reopen to the team. The
                // team's address when nobody owns it.
                let to = match &p.owner {
                    Some(o) if kind.wanted_by(&o.mails_off) => {
                        Some((o.name.clone(), email(&o.address)?, o.lang.clone()))
                    }
                    Some(_) if reopened => Some(team()),
                    Some(_) => None,
                    None => Some(team()),
                };
                if let Some((name, to, lang)) = to {
                    let vars = context! { ..ticket_vars(deps, &next, &p, &lang), ..context! { from_state => state_label(change.from, &lang), article => context! { body => &body, author => &author.name } } };
                    mails.push(mail(
                        deps,
                        kind,
                        format!("{number}-{seq}-team"),
                        &lang,
                        vec![(name, to)],
                        vec![],
                        &next,
                        vars,
                        now,
                    )?);
                }
            }
        }
        let update = TicketUpdate {
            ticket: next.clone(),
            expected_version: current.version,
            article: Some(article),
            history,
            // Whom the mails go to, and whether at all (the mails a person turned off),
            // came from the copies; a note sends none.
            relies_on: if input.internal { vec![] } else { p.relies_on },
            mails,
            claimed_uploads: ids.clone(),
            previous_state: Some(current.state),
        };
        match deps.store.update_ticket(update).await {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict("ticket")) => contention_pause(attempt).await,
            Err(StoreError::Conflict("contact")) => fresh = true,
            Err(e) => return Err(claim_failed(e)),
        }
    }
    Err(AppError::Busy)
}

/// Staff set a state (or a customer closes), without an article. The customer is told
/// when the ticket is closed or pending close.
pub async fn change_state(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    to: State,
) -> Result<TicketRecord, AppError> {
    // Whether a copy on the ticket was found stale: the people are then read.
    let mut fresh = false;
    for attempt in 0..MAX_ATTEMPTS {
        let current = visible_ticket(deps, actor, number).await?;
        let event = if actor.is_staff() {
            Event::StaffSetState(to)
        } else if to == State::Closed && may_ticket(actor, Verb::Close, &access(&current)) {
            Event::CustomerClose
        } else {
            return Err(AppError::Forbidden);
        };
        let now = deps.clock.now();
        let change = apply(
            current.state,
            current.timer,
            current.closed_at,
            event,
            now,
            &deps.config.timers,
        )?;
        if !change.changed() {
            return Ok(current);
        }
        let mut next = current.clone();
        next.state = change.to;
        next.timer = change.timer;
        next.closed_at = if change.to == State::Closed {
            Some(now)
        } else {
            None
        };
        next.sla_clock = sla::after(&deps.config, &next, SlaEvent::StateChanged, now);
        next.updated_at = now;
        next.version = current.version + 1;
        let history = vec![HistoryRecord {
            ticket: number.to_owned(),
            at: now,
            actor_id: actor.user_id.clone(),
            field: "state".into(),
            from: Some(change.from.as_str().into()),
            to: Some(change.to.as_str().into()),
            reason: if actor.is_staff() {
                "set by staff".into()
            } else {
                "closed by the customer".into()
            },
        }];
        let mut mails = Vec::new();
        let mut relies_on = Vec::new();
        if actor.is_staff() && matches!(change.to, State::Closed | State::PendingClose) {
            let p = people(deps, &next, &BatchItems::default(), fresh).await?;
            next.contacts = p.contacts();
            relies_on = p.relies_on.clone();
            let lang = p.requester.lang.clone();
            let vars = ticket_vars(deps, &next, &p, &lang);
            // The CC addresses hear of every change the customer hears of.
            let cc = next
                .cc
                .iter()
                .filter_map(|c| Email::parse(c).ok())
                .collect();
            if let Some((to, cc)) = addressees(
                MailKind::StateChanged,
                &p.requester,
                email(&p.requester.address)?,
                cc,
            ) {
                mails.push(mail(
                    deps,
                    MailKind::StateChanged,
                    format!("{number}-v{}-state", next.version),
                    &lang,
                    to,
                    cc,
                    &next,
                    vars,
                    now,
                )?);
            }
        }
        match deps
            .store
            .update_ticket(TicketUpdate {
                ticket: next.clone(),
                expected_version: current.version,
                article: None,
                history,
                mails,
                claimed_uploads: vec![],
                previous_state: Some(current.state),
                relies_on,
            })
            .await
        {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict("contact")) => fresh = true,
            Err(StoreError::Conflict(_)) => contention_pause(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

/// Whose tickets a list shows, as the customer chooses ("my" or "company" tickets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOf {
    Mine,
    Company,
    /// Staff only.
    All,
}

/// What a list shows.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub of: ListOf,
    pub filter: ListFilter,
    pub oldest_first: bool,
    /// Words that must all appear in the subject or the preview (Japanese by bigrams,
    /// with the site search's tokenizer); empty for no search. Staff lists (every
    /// ticket) search the staff index instead: subject, replies and notes.
    pub keywords: String,
    pub cursor: Option<String>,
    pub limit: u32,
    /// Only tickets in this state (the dashboard's counts link to such lists); the
    /// store pages the open or closed list and the state filters it.
    pub state: Option<State>,
    /// Keep only the tickets of the scope this actor may see (`narrowed`): the store
    /// pages the company's list and the domain rule filters it.
    pub only_visible_to: Option<Actor>,
}

/// How many tickets of one scope a keyword search looks through. A customer's or a
/// company's tickets are far fewer; staff search is its own index (`app::search`).
const SEARCH_SCAN_LIMIT: usize = 5_000;

fn matches_keywords(t: &TicketRecord, wanted: &[String]) -> bool {
    let have: std::collections::HashSet<String> =
        madoguchi_text::terms(&format!("{} {} {}", t.number, t.subject, t.preview))
            .into_iter()
            .collect();
    wanted.iter().all(|w| have.contains(w))
}

/// Whose tickets `of` means for `actor`: a customer's own or their company's, or every
/// ticket for staff; anything else is forbidden.
pub fn list_scope(actor: &Actor, of: ListOf) -> Result<Scope, AppError> {
    if !actor.is_staff() && actor.customer_role.is_none() {
        return Err(AppError::Forbidden);
    }
    match (of, actor.is_staff(), &actor.company_id) {
        (ListOf::All, true, _) => Ok(Scope::All),
        (ListOf::Mine, _, _) => Ok(Scope::Requester(actor.user_id.clone())),
        (ListOf::Company, false, Some(c)) => Ok(Scope::Company(c.clone())),
        (ListOf::Company, true, _) | (ListOf::All, false, _) | (ListOf::Company, false, None) => {
            Err(AppError::Forbidden)
        }
    }
}

/// Whether the list `of` shows `actor` fewer tickets than its store scope holds: a
/// customer of a company that uses project groups sees, of the company's tickets, only
/// their groups' projects' and their own. Such a list is the company's list filtered
/// by `may_ticket`, and its counts are counted over it (`visible_counts`).
pub fn narrowed(actor: &Actor, of: ListOf) -> bool {
    (of == ListOf::Company && !actor.is_staff() && actor.company_uses_groups)
        || (of == ListOf::All && actor.queues.is_some())
}

/// One page of a list with the All / Open / Closed counts.
pub async fn list(
    deps: &Deps,
    actor: &Actor,
    mut req: ListRequest,
) -> Result<(Page<TicketRecord>, Counts), AppError> {
    let scope = list_scope(actor, req.of)?;
    let counts = if narrowed(actor, req.of) {
        req.only_visible_to = Some(actor.clone());
        visible_counts(deps, actor, &scope).await?
    } else {
        deps.store.count_tickets(&scope).await?
    };
    Ok((list_page(deps, scope, req).await?, counts))
}

/// The counts of the tickets of `scope` that `actor` may see, by walking the scope
/// (at most `SEARCH_SCAN_LIMIT` tickets: a company's tickets, not the whole desk);
/// the generation is the scope's.
pub async fn visible_counts(deps: &Deps, actor: &Actor, scope: &Scope) -> Result<Counts, AppError> {
    let mut counts = Counts {
        generation: deps.store.count_tickets(scope).await?.generation,
        ..Counts::default()
    };
    let mut cursor = None;
    let mut scanned = 0;
    loop {
        let page = deps
            .store
            .list_tickets(&ListQuery {
                scope: scope.clone(),
                filter: ListFilter::All,
                oldest_first: false,
                limit: 200,
                cursor,
            })
            .await?;
        for t in &page.items {
            scanned += 1;
            if may_ticket(actor, Verb::View, &access(t)) {
                if t.state.is_open() {
                    counts.open += 1;
                } else {
                    counts.closed += 1;
                }
            }
        }
        cursor = page.next;
        if cursor.is_none() || scanned >= SEARCH_SCAN_LIMIT {
            return Ok(counts);
        }
    }
}

/// The staff list's keywords as a search of the staff index (subject, replies and
/// notes; `app::search`), in the list's order and open/closed filter.
fn staff_keywords(terms: Vec<String>, req: &ListRequest) -> SearchQuery {
    let open = match req.filter {
        ListFilter::All => None,
        ListFilter::Open => Some(true),
        ListFilter::Closed => Some(false),
    };
    SearchQuery {
        terms,
        filters: open
            .map(|open| Equals {
                field: FilterField::State,
                any_of: State::ALL
                    .into_iter()
                    .filter(|s| s.is_open() == open)
                    .map(|s| Some(s.as_str().to_owned()))
                    .collect(),
            })
            .into_iter()
            .collect(),
        order: if req.oldest_first {
            SearchOrder::Oldest
        } else {
            SearchOrder::Newest
        },
        limit: req.limit,
        cursor: req.cursor.clone(),
        ..SearchQuery::default()
    }
}

/// One page of `scope` (from `list_scope`, which decides who may see it).
pub async fn list_page(
    deps: &Deps,
    scope: Scope,
    req: ListRequest,
) -> Result<Page<TicketRecord>, AppError> {
    let wanted = madoguchi_text::terms(&req.keywords);
    if scope == Scope::All && !wanted.is_empty() {
        return Ok(deps
            .store
            .search_tickets(&staff_keywords(wanted, &req))
            .await?);
    }
    let keep = |t: &TicketRecord| {
        (wanted.is_empty() || matches_keywords(t, &wanted))
            && req.state.is_none_or(|s| t.state == s)
            && req
                .only_visible_to
                .as_ref()
                .is_none_or(|a| may_ticket(a, Verb::View, &access(t)))
    };
    // A state is in the open or the closed list: the store pages that one.
    let filter = match req.state {
        Some(s) if s.is_open() => ListFilter::Open,
        Some(_) => ListFilter::Closed,
        None => req.filter,
    };
    let every_one_kept = req.state.is_none_or(|s| !s.is_open());
    if wanted.is_empty() && req.only_visible_to.is_none() && every_one_kept {
        let page = deps
            .store
            .list_tickets(&ListQuery {
                scope,
                filter,
                oldest_first: req.oldest_first,
                limit: req.limit,
                cursor: req.cursor,
            })
            .await?;
        return Ok(page);
    }
    // A search (or a list narrowed by groups) walks the scope's pages in order and keeps
    // the matches; its cursor is the store's cursor of the last ticket looked at.
    let mut items = Vec::new();
    let mut cursor = req.cursor;
    let mut scanned = 0;
    loop {
        let page = deps
            .store
            .list_tickets(&ListQuery {
                scope: scope.clone(),
                filter,
                oldest_first: req.oldest_first,
                limit: 200,
                cursor: cursor.clone(),
            })
            .await?;
        let n = page.items.len();
        for (i, t) in page.items.into_iter().enumerate() {
            scanned += 1;
            if keep(&t) {
                let after = deps.store.cursor_after(&t);
                items.push(t);
                if items.len() == req.limit as usize {
                    let more = i + 1 < n || page.next.is_some();
                    let next = more.then_some(after);
                    return Ok(Page { items, next });
                }
            }
        }
        cursor = page.next;
        if cursor.is_none() || scanned >= SEARCH_SCAN_LIMIT {
            return Ok(Page { items, next: None });
        }
    }
}

/// Staff change priority or owner (`""` removes the owner).
pub async fn manage(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    priority: Option<&str>,
    owner: Option<&str>,
) -> Result<TicketRecord, AppError> {
    if let Some(p) = priority
        && !PRIORITIES.contains(&p)
    {
        return Err(AppError::invalid(
            "priority",
            crate::app::error::Problem::NotAnOption,
        ));
    }
    // The new owner, and the actor whose name the assignment mail gives, read at once.
    let mut known = BatchItems::default();
    let owner = match owner {
        Some("") => Some(None),
        Some(id) => {
            known = deps
                .store
                .read_batch(BatchRead {
                    users: vec![id.to_owned(), actor.user_id.clone()],
                    ..Default::default()
                })
                .await?;
            match known.user(id).cloned() {
                Some(u) if u.role != crate::domain::access::Role::Customer && !u.disabled => {
                    Some(Some(u))
                }
                _ => {
                    return Err(AppError::invalid(
                        "owner_id",
                        crate::app::error::Problem::NotAnOption,
                    ));
                }
            }
        }
        None => None,
    };
    // Whether a copy on the ticket was found stale: the people are then read.
    let mut fresh = false;
    for attempt in 0..MAX_ATTEMPTS {
        let current = visible_ticket(deps, actor, number).await?;
        if !may_ticket(actor, Verb::Manage, &access(&current)) {
            return Err(AppError::Forbidden);
        }
        let now = deps.clock.now();
        let mut next = current.clone();
        let mut history = Vec::new();
        let mut record = |field: &str, from: Option<String>, to: Option<String>| {
            if from != to {
                history.push(HistoryRecord {
                    ticket: number.to_owned(),
                    at: now,
                    actor_id: actor.user_id.clone(),
                    field: field.into(),
                    from,
                    to,
                    reason: "set by staff".into(),
                });
            }
        };
        if let Some(p) = priority {
            record(
                "priority",
                Some(current.priority.clone()),
                Some(p.to_owned()),
            );
            next.priority = p.to_owned();
            if p != current.priority {
                next.sla_clock = sla::retargeted(&deps.config, &next);
            }
        }
        if let Some(o) = &owner {
            let id = o.as_ref().map(|u| u.id.clone());
            record("owner", current.owner_id.clone(), id.clone());
            next.owner_id = id;
            // The new owner was just read: the copy for the mails of the next changes.
            next.contacts.owner = o.as_ref().map(Contact::of);
        }
        if history.is_empty() {
            return Ok(current);
        }
        next.updated_at = now;
        next.version = current.version + 1;
        let (mails, relies_on) =
            assignment_mail(deps, actor, &current, &mut next, &known, fresh, now).await?;
        match deps
            .store
            .update_ticket(TicketUpdate {
                mails,
                relies_on,
                ..staff_change(&current, next.clone(), history)
            })
            .await
        {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict("contact")) => fresh = true,
            Err(StoreError::Conflict(_)) => contention_pause(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

/// A staff change of a ticket's values without an article or mails (`next` is
/// `current` changed, its version one up).
fn staff_change(
    current: &TicketRecord,
    next: TicketRecord,
    history: Vec<HistoryRecord>,
) -> TicketUpdate {
    TicketUpdate {
        ticket: next,
        expected_version: current.version,
        article: None,
        history,
        mails: vec![],
        claimed_uploads: vec![],
        previous_state: Some(current.state),
        relies_on: vec![],
    }
}

/// Staff change custom fields of a ticket (`form::change_fields`); each changed field
/// is one history record.
pub async fn set_fields(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    changes: &BTreeMap<String, String>,
) -> Result<TicketRecord, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    for attempt in 0..MAX_ATTEMPTS {
        let current = visible_ticket(deps, actor, number).await?;
        if !may_ticket(actor, Verb::Manage, &access(&current)) {
            return Err(AppError::Forbidden);
        }
        let fields = form::change_fields(
            &deps.config.form,
            current.product.as_deref(),
            current.service.as_deref(),
            &current.fields,
            changes,
        )
        .map_err(AppError::Invalid)?;
        let now = deps.clock.now();
        let keys: std::collections::BTreeSet<&String> =
            current.fields.keys().chain(fields.keys()).collect();
        let history: Vec<HistoryRecord> = keys
            .into_iter()
            .filter(|k| current.fields.get(*k) != fields.get(*k))
            .map(|k| HistoryRecord {
                ticket: number.to_owned(),
                at: now,
                actor_id: actor.user_id.clone(),
                field: format!("fields.{k}"),
                from: current.fields.get(k).cloned(),
                to: fields.get(k).cloned(),
                reason: "set by staff".into(),
            })
            .collect();
        if history.is_empty() {
            return Ok(current);
        }
        let mut next = current.clone();
        next.fields = fields;
        next.updated_at = now;
        next.version = current.version + 1;
        match deps
            .store
            .update_ticket(staff_change(&current, next.clone(), history))
            .await
        {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict(_)) => contention_pause(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

/// The fields of `old` a follow-up carries: those its customer may set that the form
/// still accepts (the configuration may have changed since `old` was opened).
fn carried_fields(form: &form::TicketForm, old: &TicketRecord) -> BTreeMap<String, String> {
    let (product, service) = (old.product.as_deref(), old.service.as_deref());
    old.fields
        .iter()
        .filter(|(k, v)| {
            form.field(k).is_some_and(|f| {
                !f.staff_only()
                    && f.applies(product, service)
                    && ((v.as_str() == form::UNKNOWN && f.unknown_allowed) || f.value(v).is_ok())
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The mail to a ticket's new owner when staff give it to someone else (unless they
/// turned it off), with the copies it relied on; none when the owner did not change
/// or the actor took it themselves.
async fn assignment_mail(
    deps: &Deps,
    actor: &Actor,
    current: &TicketRecord,
    next: &mut TicketRecord,
    known: &BatchItems,
    fresh: bool,
    now: jiff::Timestamp,
) -> Result<(Vec<OutboxMail>, Vec<Reliance>), AppError> {
    let Some(owner_id) = next.owner_id.clone() else {
        return Ok((vec![], vec![]));
    };
    if current.owner_id.as_deref() == Some(owner_id.as_str()) || owner_id == actor.user_id {
        return Ok((vec![], vec![]));
    }
    let p = people(deps, next, known, fresh).await?;
    next.contacts = p.contacts();
    let Some(o) = p
        .owner
        .as_ref()
        .filter(|o| MailKind::Assigned.wanted_by(&o.mails_off))
    else {
        return Ok((vec![], p.relies_on));
    };
    let assigned_by = known
        .user(&actor.user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let vars = context! { ..ticket_vars(deps, next, &p, &o.lang), ..context! { assigned_by } };
    let m = mail(
        deps,
        MailKind::Assigned,
        format!("{}-{}-assigned", next.number, next.version),
        &o.lang,
        vec![(o.name.clone(), email(&o.address)?)],
        vec![],
        next,
        vars,
        now,
    )?;
    Ok((vec![m], p.relies_on))
}

/// A customer's new ticket about a closed one whose reopen window has passed, linked to it.
pub async fn follow_up(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    subject: Option<String>,
    body: String,
    attachments: Vec<String>,
) -> Result<TicketRecord, AppError> {
    let old = visible_ticket(deps, actor, number).await?;
    let subject = subject
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| old.subject.clone());
    let opened = open_ticket(
        deps,
        actor,
        OpenTicket {
            subject,
            body,
            priority: Some(old.priority.clone()),
            product: old.product.clone(),
            service: old.service.clone(),
            sla: old.sla.clone(),
            ticket_type: old.ticket_type.clone(),
            fields: carried_fields(&deps.config.form, &old),
            cc: old.cc.join(", "),
            attachments,
            idempotency_key: None,
            linked_to: Some(old.number.clone()),
            project: old.project_id.clone(),
            ..Default::default()
        },
    )
    .await?;
    Ok(opened)
}
