//! Tickets: list, open, view, reply, change, and the staff list for owner choices.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::audit::{self, Look};
use crate::app::error::Problem;
use crate::app::export::NameOf;
use crate::app::tickets::{self, ListOf, OpenTicket, Reply, TicketView};
use crate::domain::access::{Actor, Role};
use crate::domain::ticket::Channel;
use crate::domain::ticket::State as TicketState;
use crate::domain::ticket::sla::{Standing, TargetKind as SlaTarget};
use crate::http::ApiState;
use crate::http::auth::CompanyRef;
use crate::http::list_cache::{ListKey, Rendered};
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::{Body, Session};
use crate::ports::store::{ListFilter, TicketRecord};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_ticket, patch_ticket))
        .routes(routes!(reply))
        .routes(routes!(follow_up))
        .routes(routes!(put_fields))
        .routes(routes!(add_link))
        .routes(routes!(remove_link))
        .routes(routes!(merge))
        .routes(routes!(preview))
        .routes(routes!(staff))
        .routes(routes!(customers))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `mine` (default), `company` (customers) or `all` (staff).
    pub of: Option<String>,
    /// `all` (default), `open` or `closed`.
    pub filter: Option<String>,
    /// Keywords over subject and the start of the latest article.
    pub q: Option<String>,
    /// `newest` (default) or `oldest` update first.
    pub order: Option<String>,
    /// Page size; the user's setting when absent.
    pub limit: Option<u32>,
    /// Only tickets in this state (`new`, `open`, `waiting_customer`, `pending_close`,
    /// `closed`); `filter` is then ignored.
    pub state: Option<String>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSummary {
    pub number: String,
    pub subject: String,
    pub preview: String,
    pub state: String,
    pub priority: String,
    pub requester_name: String,
    pub company_name: String,
    /// The owner's name; `None` while unassigned.
    pub owner_name: Option<String>,
    /// The classification (分類), if chosen.
    pub ticket_type: Option<String>,
    pub product: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// The SLA target that falls due first among those still running; the client
    /// compares its times with the clock (lists are cached, standings change by the
    /// minute).
    pub sla_due: Option<SlaDueDto>,
}

impl TicketSummary {
    pub(super) fn of(
        config: &crate::app::PortalConfig,
        names: &Names,
        t: TicketRecord,
    ) -> TicketSummary {
        TicketSummary {
            sla_due: SlaDueDto::of(config, &t),
            requester_name: names.user(&t.requester_id),
            company_name: names.company(&t.company_id),
            owner_name: t.owner_id.as_deref().map(|id| names.user(id)),
            number: t.number,
            subject: t.subject,
            preview: t.preview,
            state: t.state.as_str().to_owned(),
            priority: t.priority,
            ticket_type: t.ticket_type,
            product: t.product,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaDueDto {
    /// `first_response`, `update` or `resolution`.
    pub target: String,
    /// From then on the target is near (the team was warned).
    #[schema(value_type = String, format = DateTime)]
    pub near_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
}

impl SlaDueDto {
    /// The running target due first, if the portal keeps SLA targets.
    fn of(config: &crate::app::PortalConfig, t: &TicketRecord) -> Option<SlaDueDto> {
        config.sla.as_ref()?;
        if !t.state.is_open() {
            return None;
        }
        let clock = t.sla_clock.as_ref()?;
        SlaTarget::ALL
            .into_iter()
            .filter_map(|k| Some((k, clock.get(k).filter(|d| d.running())?)))
            .min_by_key(|(_, d)| d.due)
            .map(|(k, d)| SlaDueDto {
                target: k.as_str().to_owned(),
                near_at: d.near,
                due_at: d.due,
            })
    }
}

/// One SLA target of a ticket, as the reader sees it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaTargetDto {
    /// `first_response`, `update` or `resolution`.
    pub target: String,
    /// The business time allowed, in minutes.
    pub target_minutes: i64,
    #[schema(value_type = String, format = DateTime)]
    pub near_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub met_at: Option<Timestamp>,
    /// `ok`, `near`, `overdue`, `paused` (waiting for the customer) or `met`.
    pub state: String,
    /// Met late, or running past its due time.
    pub breached: bool,
    /// Business minutes left until the due time (negative: overdue; while paused, what
    /// was left when the pause began).
    pub business_minutes_left: i64,
}

impl SlaTargetDto {
    fn all_of(
        config: &crate::app::PortalConfig,
        t: &TicketRecord,
        now: Timestamp,
    ) -> Vec<SlaTargetDto> {
        let (Some(sla), Some(clock)) = (config.sla.as_ref(), t.sla_clock.as_ref()) else {
            return Vec::new();
        };
        SlaTarget::ALL
            .into_iter()
            .filter_map(|k| Some((k, clock.get(k)?)))
            .map(|(k, d)| {
                // A closed ticket stops what still ran (a first response never given).
                let standing = match d.standing(now) {
                    Standing::Ok | Standing::Near | Standing::Overdue if !t.state.is_open() => {
                        Standing::Paused
                    }
                    s => s,
                };
                SlaTargetDto {
                    target: k.as_str().to_owned(),
                    target_minutes: d.minutes,
                    near_at: d.near,
                    due_at: d.due,
                    met_at: d.met,
                    state: standing.as_str().to_owned(),
                    breached: d.breached(now),
                    business_minutes_left: d.left(&sla.calendar, now).as_mins(),
                }
            })
            .collect()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountsDto {
    pub all: u64,
    pub open: u64,
    pub closed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    pub items: Vec<TicketSummary>,
    pub counts: CountsDto,
    pub next: Option<String>,
}

pub(super) fn invalid_choice(field: &'static str, choices: &[&str]) -> AppError {
    AppError::invalid(
        field,
        Problem::Other {
            ja: format!("{} のいずれかを指定してください", choices.join(", ")),
            en: format!("Must be one of {}", choices.join(", ")),
        },
    )
}

/// The list's `of`, `filter` and `order` parameters, checked (the list and its exports).
pub(super) fn list_choices(
    of: &Option<String>,
    filter: &Option<String>,
    order: &Option<String>,
) -> Result<(ListOf, ListFilter, bool), AppError> {
    let of = match of.as_deref().unwrap_or("mine") {
        "mine" => ListOf::Mine,
        "company" => ListOf::Company,
        "all" => ListOf::All,
        _ => return Err(invalid_choice("of", &["mine", "company", "all"])),
    };
    let filter = match filter.as_deref().unwrap_or("all") {
        "all" => ListFilter::All,
        "open" => ListFilter::Open,
        "closed" => ListFilter::Closed,
        _ => return Err(invalid_choice("filter", &["all", "open", "closed"])),
    };
    let oldest_first = match order.as_deref().unwrap_or("newest") {
        "newest" => false,
        "oldest" => true,
        _ => return Err(invalid_choice("order", &["newest", "oldest"])),
    };
    Ok((of, filter, oldest_first))
}

/// The list's `state` parameter, checked (the list and its exports).
pub(super) fn state_choice(state: &Option<String>) -> Result<Option<TicketState>, AppError> {
    match state.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => TicketState::parse(s)
            .map(Some)
            .ok_or_else(|| invalid_choice("state", &TicketState::ALL.map(TicketState::as_str))),
    }
}

/// One page of tickets with the All / Open / Closed counts.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListParams),
    responses((status = 200, body = TicketList), (status = 400, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(state): State<ApiState>,
    session: Session,
    AcceptsGzip(gzip_ok): AcceptsGzip,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let (of, filter, oldest_first) = list_choices(&p.of, &p.filter, &p.order)?;
    let only_state = state_choice(&p.state)?;
    let limit = match p.limit {
        Some(n) if (1..=100).contains(&n) => n,
        Some(_) => {
            return Err(AppError::invalid(
                "limit",
                Problem::Other {
                    ja: "1〜100 の範囲で指定してください".into(),
                    en: "Must be between 1 and 100".into(),
                },
            ));
        }
        None => state
            .deps
            .store
            .get_user(&session.actor.user_id)
            .await?
            .map(|u| u.page_size)
            .unwrap_or(25),
    };
    let scope = tickets::list_scope(&session.actor, of)?;
    // A list narrowed by project groups is this actor's alone: counted over what they
    // see, and never cached (the cache is keyed by the store's scope).
    let narrowed = tickets::narrowed(&session.actor, of);
    let counts = if narrowed {
        tickets::visible_counts(&state.deps, &session.actor, &scope).await?
    } else {
        state.deps.store.count_tickets(&scope).await?
    };
    let key = ListKey {
        scope,
        generation: counts.generation,
        filter,
        oldest_first,
        limit,
        keywords: p.q.unwrap_or_default(),
        state: only_state,
        cursor: p.cursor,
    };
    if !narrowed && let Some(page) = state.lists.get(&key) {
        return Ok(rendered(page, gzip_ok));
    }
    let query = tickets::ListRequest {
        of,
        filter,
        oldest_first,
        keywords: key.keywords.clone(),
        cursor: key.cursor.clone(),
        limit,
        state: key.state,
        only_visible_to: narrowed.then(|| session.actor.clone()),
    };
    let page = tickets::list_page(&state.deps, key.scope.clone(), query).await?;
    let names = state.names(page.items.iter()).await?;
    let list = TicketList {
        items: page
            .items
            .into_iter()
            .map(|t| TicketSummary::of(&state.deps.config, &names, t))
            .collect(),
        counts: CountsDto {
            all: counts.all(),
            open: counts.open,
            closed: counts.closed,
        },
        next: page.next,
    };
    let page = Rendered::compressed(
        Bytes::from(serde_json::to_vec(&list).map_err(anyhow::Error::new)?),
        gzip_ok || state.lists.enabled(),
    );
    if !narrowed {
        state.lists.put(key, page.clone());
    }
    Ok(rendered(page, gzip_ok))
}

/// A rendered list page, gzipped for clients that take it.
fn rendered(page: Rendered, gzip_ok: bool) -> Response {
    let json = HeaderValue::from_static("application/json");
    let vary = HeaderValue::from_static("accept-encoding");
    match page.gzip {
        Some(gz) if gzip_ok => (
            [
                (header::CONTENT_TYPE, json),
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                (header::VARY, vary),
            ],
            gz,
        )
            .into_response(),
        _ => (
            [(header::CONTENT_TYPE, json), (header::VARY, vary)],
            page.json,
        )
            .into_response(),
    }
}

/// Whether the request's `Accept-Encoding` takes gzip; read from the headers in place
/// (the `HeaderMap` extractor copies them all).
struct AcceptsGzip(bool);

impl<S: Send + Sync> FromRequestParts<S> for AcceptsGzip {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AcceptsGzip(accepts_gzip(&parts.headers)))
    }
}

/// Whether `Accept-Encoding` lists gzip (or `*`) without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewTicketRequest {
    pub subject: String,
    pub body: String,
    pub priority: Option<String>,
    pub service: Option<String>,
    pub sla: Option<String>,
    pub ticket_type: Option<String>,
    pub product: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Comma-separated addresses.
    #[serde(default)]
    pub cc: String,
    /// Ids of uploads to attach.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// The project (案件) the ticket is about, one of `GET /form`'s `projects`; without
    /// one it is inferred from `fields.contract_number`.
    pub project: Option<String>,
    /// Staff only: `phone` or `email`, for an inquiry taken by phone or e-mail and logged
    /// for the customer `on_behalf_of` (seed 004). Customers leave it out (`web`).
    pub channel: Option<String>,
    /// Staff only: the customer's user id the inquiry is logged for.
    pub on_behalf_of: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimerDto {
    /// `waiting_customer` or `pending_close`: what happens when it is due.
    pub kind: String,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    pub number: String,
    pub subject: String,
    pub state: String,
    pub priority: String,
    pub requester: UserRef,
    pub company: CompanyRef,
    pub owner: Option<UserRef>,
    pub service: Option<String>,
    pub sla: Option<String>,
    pub ticket_type: Option<String>,
    pub product: Option<String>,
    /// The project (案件) the ticket is filed under.
    pub project: Option<String>,
    pub fields: BTreeMap<String, String>,
    pub cc: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
    pub linked_to: Option<String>,
    /// Until when a reply reopens a closed ticket.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reopen_until: Option<Timestamp>,
    pub timer: Option<TimerDto>,
    /// The SLA targets (first response, update, resolution) and where each stands;
    /// empty when none applies.
    pub sla_targets: Vec<SlaTargetDto>,
    /// How the inquiry came in: `web`, `phone` or `email`.
    pub channel: String,
    /// The ticket this one was merged into (it is closed and takes no replies).
    pub merged_into: Option<String>,
    /// The department whose queue the ticket is in (staff only; labels in `GET /form`'s
    /// `departments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDto {
    pub seq: u32,
    pub author_name: String,
    pub from_staff: bool,
    pub internal: bool,
    /// Sanitized HTML rendered from the Markdown body.
    pub body_html: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub attachments: Vec<AttachmentDto>,
    /// Minutes spent on it (staff only; absent for customers and when none were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// The response fields staff filled in, by key (customers get only those visible
    /// to customers).
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDto {
    pub number: String,
    /// `related`, `merged_into` (this ticket went into that one) or `merged_from`.
    pub kind: String,
    pub subject: String,
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDetail {
    pub ticket: TicketDto,
    /// Oldest first; internal notes only for staff.
    pub articles: Vec<ArticleDto>,
    /// The minutes spent on the ticket, summed over its responses (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_total: Option<u32>,
    /// Linked tickets: related ones, and merges either way (staff only; empty for
    /// customers, who see `ticket.merged_into`).
    pub links: Vec<LinkDto>,
    /// The states the reader may choose in the reply form.
    pub next_states: Vec<String>,
    pub can_reply: bool,
    /// Closed past the reopen window: a reply must be a follow-up ticket.
    pub needs_follow_up: bool,
    /// Every recorded change and staff look at internal data, oldest first (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryDto>>,
}

/// One entry of a ticket's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryDto {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub actor: UserRef,
    /// What changed: `state`, `priority`, `owner`, `mail_failed`, …, or a look at
    /// internal data (`viewed_internal`, `exported_report`).
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: String,
}

async fn detail(
    state: &ApiState,
    actor: &Actor,
    view: TicketView,
) -> Result<TicketDetail, AppError> {
    let t = view.ticket;
    let now = state.deps.clock.now();
    let names = state.names(std::iter::once(&t)).await?;
    let staff_ids = state
        .staff_among(view.articles.iter().map(|a| &a.author_id))
        .await?;
    let minutes_total = actor
        .is_staff()
        .then(|| view.articles.iter().filter_map(|a| a.minutes).sum());
    let timers = &state.deps.config.timers;
    let reopen_until = t.closed_at.map(|c| timers.reopen_until(c));
    // A merged ticket continues in the other: neither a reply nor a follow-up here.
    let merged = t.merged_into.is_some();
    let needs_follow_up =
        !merged && t.state == TicketState::Closed && !timers.reopens(t.closed_at, now);
    let next_states: Vec<String> = if actor.is_staff() {
        [
            TicketState::Open,
            TicketState::WaitingCustomer,
            TicketState::PendingClose,
            TicketState::Closed,
        ]
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect()
    } else if t.state == TicketState::Closed {
        vec![]
    } else {
        vec![TicketState::Closed.as_str().to_owned()]
    };
    let number = t.number.clone();
    let form = &state.deps.config.form;
    let (history, links) = if actor.is_staff() {
        let records = state.deps.store.history(&number).await?;
        let links = staff_links(state, &records).await?;
        let mut out = Vec::new();
        for h in records {
            out.push(HistoryDto {
                actor: UserRef {
                    name: state.user_name(&h.actor_id).await?,
                    id: h.actor_id,
                },
                at: h.at,
                field: h.field,
                from: h.from,
                to: h.to,
                reason: h.reason,
            });
        }
        (Some(out), links)
    } else {
        (None, Vec::new())
    };
    Ok(TicketDetail {
        history,
        articles: view
            .articles
            .into_iter()
            .map(|a| ArticleDto {
                seq: a.seq,
                from_staff: staff_ids.contains(&a.author_id),
                author_name: a.author_name,
                internal: a.internal,
                body_html: crate::app::markdown::render(&a.body_md),
                created_at: a.created_at,
                minutes: a.minutes.filter(|_| actor.is_staff()),
                fields: form.visible_response_fields(a.fields, actor.is_staff()),
                attachments: a
                    .attachments
                    .into_iter()
                    .map(|f| AttachmentDto {
                        url: format!("/api/v1/tickets/{number}/attachments/{}", f.id),
                        id: f.id,
                        name: f.name,
                        size: f.size,
                        content_type: f.content_type,
                    })
                    .collect(),
            })
            .collect(),
        next_states,
        minutes_total,
        links,
        can_reply: !needs_follow_up && !merged,
        needs_follow_up,
        ticket: TicketDto {
            requester: UserRef {
                id: t.requester_id.clone(),
                name: names.user(&t.requester_id),
            },
            company: CompanyRef {
                id: t.company_id.clone(),
                name: names.company(&t.company_id),
            },
            owner: t.owner_id.as_ref().map(|id| UserRef {
                id: id.clone(),
                name: names.user(id),
            }),
            timer: t.timer.map(|x| TimerDto {
                kind: x.kind.as_str().to_owned(),
                due_at: x.due,
            }),
            reopen_until,
            sla_targets: SlaTargetDto::all_of(&state.deps.config, &t, now),
            number: t.number,
            subject: t.subject,
            state: t.state.as_str().to_owned(),
            priority: t.priority,
            service: t.service,
            sla: t.sla,
            ticket_type: t.ticket_type,
            product: t.product,
            project: t.project_id,
            fields: form.visible_fields(t.fields, actor.is_staff()),
            channel: t.channel.as_str().to_owned(),
            merged_into: t.merged_into,
            department: t.department.filter(|_| actor.is_staff()),
            cc: t.cc,
            created_at: t.created_at,
            updated_at: t.updated_at,
            closed_at: t.closed_at,
            linked_to: t.linked_to,
        },
    })
}

/// A ticket's links (from its history) with the other tickets' subjects and states,
/// read at once.
async fn staff_links(
    state: &ApiState,
    history: &[crate::ports::HistoryRecord],
) -> Result<Vec<LinkDto>, AppError> {
    let links = crate::app::links::links_of(history);
    if links.is_empty() {
        return Ok(Vec::new());
    }
    let read = state
        .deps
        .store
        .read_batch(crate::ports::store::BatchRead {
            tickets: links.keys().cloned().collect(),
            ..Default::default()
        })
        .await?;
    Ok(links
        .into_iter()
        .map(|(n, kind)| {
            let t = read.ticket(&n);
            LinkDto {
                subject: t.map(|t| t.subject.clone()).unwrap_or_default(),
                state: t.map(|t| t.state.as_str().to_owned()).unwrap_or_default(),
                kind: kind.as_str().to_owned(),
                number: n,
            }
        })
        .collect())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRequest {
    /// The other ticket's number.
    pub number: String,
}

/// Staff link a related ticket (both ways; linking twice changes nothing).
#[utoipa::path(post, path = "/tickets/{number}/links", tag = "tickets", params(("number" = String, Path)),
    request_body = LinkRequest,
    responses((status = 200, body = TicketDetail), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn add_link(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<LinkRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    crate::app::links::link(&state.deps, &session.actor, &number, &req.number).await?;
    Ok(Json(detail_of(&state, &session.actor, &number).await?))
}

/// Staff remove the link to a related ticket.
#[utoipa::path(delete, path = "/tickets/{number}/links/{other}", tag = "tickets",
    params(("number" = String, Path), ("other" = String, Path)),
    responses((status = 200, body = TicketDetail), (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn remove_link(
    State(state): State<ApiState>,
    session: Session,
    Path((number, other)): Path<(String, String)>,
) -> Result<Json<TicketDetail>, AppError> {
    crate::app::links::unlink(&state.deps, &session.actor, &number, &other).await?;
    Ok(Json(detail_of(&state, &session.actor, &number).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The ticket that continues this one (same company and project).
    pub into: String,
}

/// Staff merge this ticket (a duplicate) into another: it is closed for good, with a
/// public note pointing to the other, and both histories record the merge.
#[utoipa::path(post, path = "/tickets/{number}/merge", tag = "tickets", params(("number" = String, Path)),
    request_body = MergeRequest,
    responses((status = 200, body = TicketDetail), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn merge(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<MergeRequest>,
) -> Result<Json<TicketDetail>, AppError> {
    crate::app::links::merge(&state.deps, &session.actor, &number, &req.into).await?;
    Ok(Json(detail_of(&state, &session.actor, &number).await?))
}

async fn detail_of(
    state: &ApiState,
    actor: &Actor,
    number: &str,
) -> Result<TicketDetail, AppError> {
    let view = tickets::view(&state.deps, actor, number).await?;
    detail(state, actor, view).await
}

/// Opens a ticket. A retry with the same `Idempotency-Key` header returns the same ticket.
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = NewTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = TicketDetail), (status = 400, body = ProblemBody, content_type = "application/problem+json")))]
async fn create(
    State(state): State<ApiState>,
    session: Session,
    headers: HeaderMap,
    Body(req): Body<NewTicketRequest>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .map(|k| format!("{}:{k}", session.actor.user_id));
    let attachments = req.attachments;
    let t = tickets::open_ticket(
        &state.deps,
        &session.actor,
        OpenTicket {
            subject: req.subject,
            body: req.body,
            priority: req.priority,
            product: req.product,
            service: req.service,
            sla: req.sla,
            ticket_type: req.ticket_type,
            fields: req.fields,
            cc: req.cc,
            attachments,
            idempotency_key: key,
            linked_to: None,
            project: req.project,
            channel: match req.channel.as_deref().filter(|c| !c.is_empty()) {
                None => Channel::Web,
                Some(c) => Channel::parse(c)
                    .ok_or_else(|| invalid_choice("channel", &["phone", "email"]))?,
            },
            on_behalf_of: req.on_behalf_of,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_of(&state, &session.actor, &t.number).await?),
    ))
}

/// A ticket with the articles the caller may see. Other companies' tickets are 404.
#[utoipa::path(get, path = "/tickets/{number}", tag = "tickets", params(("number" = String, Path)),
    responses((status = 200, body = TicketDetail), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_ticket(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Json<TicketDetail>, AppError> {
    let view = tickets::view(&state.deps, &session.actor, &number).await?;
    audit::record(
        &state.deps,
        &state.audited,
        &session.actor,
        &view,
        Look::TicketPage,
    )
    .await?;
    Ok(Json(detail(&state, &session.actor, view).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyRequest {
    pub body: String,
    /// An internal note (staff only): never shown or mailed to customers.
    #[serde(default)]
    pub internal: bool,
    /// The state chosen in the reply form.
    pub next_state: Option<String>,
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Minutes spent (staff only, 1–9999): seed 003's 作業時間.
    pub minutes: Option<u32>,
    /// Staff only: the form's response fields (`GET /form`'s `response_fields`) by key.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

fn parse_state(field: &'static str, s: &str) -> Result<TicketState, AppError> {
    TicketState::parse(s).ok_or_else(|| {
        invalid_choice(
            field,
            &["new", "open", "waiting_customer", "pending_close", "closed"],
        )
    })
}

/// A reply or internal note, optionally with the next state.
#[utoipa::path(post, path = "/tickets/{number}/articles", tag = "tickets", params(("number" = String, Path)),
    request_body = ReplyRequest,
    responses((status = 201, body = TicketDetail), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn reply(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<ReplyRequest>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    let next_state = req
        .next_state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| parse_state("next_state", s))
        .transpose()?;
    let attachments = req.attachments;
    tickets::reply(
        &state.deps,
        &session.actor,
        &number,
        Reply {
            body: req.body,
            internal: req.internal,
            next_state,
            attachments,
            minutes: req.minutes,
            fields: req.fields,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_of(&state, &session.actor, &number).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpRequest {
    /// Defaults to the old ticket's subject.
    pub subject: Option<String>,
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// A new ticket linked to a closed one whose reopen window has passed.
#[utoipa::path(post, path = "/tickets/{number}/follow-up", tag = "tickets", params(("number" = String, Path)),
    request_body = FollowUpRequest,
    responses((status = 201, body = TicketDetail), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn follow_up(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<FollowUpRequest>,
) -> Result<(StatusCode, Json<TicketDetail>), AppError> {
    tickets::visible_ticket(&state.deps, &session.actor, &number).await?;
    let attachments = req.attachments;
    let t = tickets::follow_up(
        &state.deps,
        &session.actor,
        &number,
        req.subject,
        req.body,
        attachments,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_of(&state, &session.actor, &t.number).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TicketPatch {
    pub state: Option<String>,
    pub priority: Option<String>,
    /// A staff user's id; `null` or an empty string removes the owner.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<String>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Changes state, priority or owner (staff); customers may only close.
#[utoipa::path(patch, path = "/tickets/{number}", tag = "tickets", params(("number" = String, Path)),
    request_body = TicketPatch,
    responses((status = 200, body = TicketDetail), (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn patch_ticket(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<TicketPatch>,
) -> Result<Json<TicketDetail>, AppError> {
    if let Some(s) = req.state.as_deref().filter(|s| !s.is_empty()) {
        let to = parse_state("state", s)?;
        tickets::change_state(&state.deps, &session.actor, &number, to).await?;
    }
    if req.priority.is_some() || req.owner_id.is_some() {
        tickets::manage(
            &state.deps,
            &session.actor,
            &number,
            req.priority.as_deref(),
            req.owner_id.as_ref().map(|o| o.as_deref().unwrap_or("")),
        )
        .await?;
    }
    Ok(Json(detail_of(&state, &session.actor, &number).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FieldsChange {
    /// Custom field keys with their new values; an empty value removes one.
    pub fields: BTreeMap<String, String>,
}

/// Staff change a ticket's custom fields (including staff-only ones); every change is
/// recorded in the history.
#[utoipa::path(put, path = "/tickets/{number}/fields", tag = "tickets", params(("number" = String, Path)),
    request_body = FieldsChange,
    responses((status = 200, body = TicketDetail), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn put_fields(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<FieldsChange>,
) -> Result<Json<TicketDetail>, AppError> {
    tickets::set_fields(&state.deps, &session.actor, &number, &req.fields).await?;
    Ok(Json(detail_of(&state, &session.actor, &number).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewRequest {
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    pub html: String,
}

/// The sanitized HTML a Markdown body will show as.
#[utoipa::path(post, path = "/preview", tag = "tickets", request_body = PreviewRequest,
    responses((status = 200, body = PreviewResponse)))]
async fn preview(_session: Session, Body(req): Body<PreviewRequest>) -> Json<PreviewResponse> {
    Json(PreviewResponse {
        html: crate::app::markdown::render(&req.body),
    })
}

/// Staff users, for the owner choice (staff only).
#[utoipa::path(get, path = "/staff", tag = "tickets",
    responses((status = 200, body = Vec<UserRef>), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn staff(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Json<Vec<UserRef>>, AppError> {
    if !session.actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let users = state.deps.store.list_users(None).await?;
    Ok(Json(
        users
            .into_iter()
            .filter(|u| matches!(u.role, Role::Agent | Role::Admin) && !u.disabled)
            .map(|u| UserRef {
                id: u.id,
                name: u.name,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerRef {
    pub id: String,
    pub name: String,
    pub email: String,
    pub company_id: String,
    pub company_name: String,
}

/// Active customer accounts with their companies, for logging an inquiry taken by phone
/// or e-mail on a customer's behalf (staff only).
#[utoipa::path(get, path = "/customers", tag = "tickets",
    responses((status = 200, body = Vec<CustomerRef>), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn customers(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Json<Vec<CustomerRef>>, AppError> {
    if !session.actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let companies: BTreeMap<String, String> = state
        .deps
        .store
        .list_companies()
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let users = state.deps.store.list_users(None).await?;
    let mut out: Vec<CustomerRef> = users
        .into_iter()
        .filter(|u| u.role == Role::Customer && !u.disabled && !u.pending)
        .filter_map(|u| {
            let company_id = u.company_id?;
            Some(CustomerRef {
                company_name: companies.get(&company_id).cloned().unwrap_or_default(),
                company_id,
                id: u.id,
                name: u.name,
                email: u.email,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.company_name, &a.name).cmp(&(&b.company_name, &b.name)));
    Ok(Json(out))
}

/// Names of the people and companies of some tickets, looked up once each.
pub struct Names {
    users: BTreeMap<String, String>,
    companies: BTreeMap<String, String>,
}

impl NameOf for Names {
    fn user(&self, id: &str) -> String {
        self.users.get(id).cloned().unwrap_or_default()
    }
    fn company(&self, id: &str) -> String {
        self.companies.get(id).cloned().unwrap_or_default()
    }
}

impl ApiState {
    pub async fn names<'a>(
        &self,
        tickets: impl Iterator<Item = &'a TicketRecord>,
    ) -> Result<Names, AppError> {
        let mut names = Names {
            users: BTreeMap::new(),
            companies: BTreeMap::new(),
        };
        for t in tickets {
            for id in std::iter::once(&t.requester_id).chain(t.owner_id.iter()) {
                if !names.users.contains_key(id) {
                    let name = self.user_name(id).await?;
                    names.users.insert(id.clone(), name);
                }
            }
            if !names.companies.contains_key(&t.company_id) {
                let key = format!("c:{}", t.company_id);
                let name = match self.names.get(&key) {
                    Some(n) => n,
                    None => {
                        let n = self
                            .deps
                            .store
                            .get_company(&t.company_id)
                            .await?
                            .map(|c| c.name)
                            .unwrap_or_default();
                        self.names.put(key, n.clone());
                        n
                    }
                };
                names.companies.insert(t.company_id.clone(), name);
            }
        }
        Ok(names)
    }

    async fn user_name(&self, id: &str) -> Result<String, AppError> {
        let key = format!("u:{id}");
        if let Some(n) = self.names.get(&key) {
            return Ok(n);
        }
        let user = self.deps.store.get_user(id).await?;
        let name = user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
        self.names.put(key, name.clone());
        if let Some(u) = user {
            let staff = matches!(u.role, Role::Agent | Role::Admin);
            self.names.put(format!("s:{id}"), staff.to_string());
        }
        Ok(name)
    }

    /// Which of these authors are staff (looked up once per distinct author, cached).
    async fn staff_among<'a>(
        &self,
        authors: impl Iterator<Item = &'a String>,
    ) -> Result<std::collections::BTreeSet<String>, AppError> {
        let mut seen = std::collections::BTreeSet::new();
        let mut staff = std::collections::BTreeSet::new();
        for id in authors {
            if !seen.insert(id.clone()) {
                continue;
            }
            if self.names.get(&format!("s:{id}")).is_none() {
                self.user_name(id).await?;
            }
            if self.names.get(&format!("s:{id}")).as_deref() == Some("true") {
                staff.insert(id.clone());
            }
        }
        Ok(staff)
    }
}
