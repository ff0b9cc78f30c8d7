//! Staff exports (seed 003): the ticket list as CSV or Excel, and one ticket's report.
//!
//! A list export pages through the staff search (`GET /tickets/search`: the same words,
//! filters and order; the list's `of` and `filter` become filters) and never holds the
//! whole result: CSV is streamed a page at a time
//! (`X-Total-Count` tells the browser how many rows to expect, for its progress bar);
//! Excel rows go to a worksheet in constant-memory mode, which keeps them in a
//! temporary file, and the finished file is streamed from disk with its length.
//!
//! Where the blob store hands out download links (S3, in the AWS mode) the finished file
//! is put there (`exports/<user>/<random>/<name>`, removed by a lifecycle rule after a
//! day) and the answer is a 303 to a link valid for five minutes: a Lambda's answer is
//! buffered and at most 6 MB, an export of a busy desk is not.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::time::Duration;

use crate::app::AppError;
use crate::app::export::{self, XlsxList};
use crate::app::search;
use crate::app::tickets::{self, ListOf};
use crate::app::uploads::new_id;
use crate::domain::attachment;
use crate::domain::ticket::State as TicketState;
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::search::SearchParams;
use crate::http::session::Session;
use crate::http::tickets::{invalid_choice, list_choices};
use crate::ports::TicketRecord;
use crate::ports::search::{FilterField, SearchQuery};
use crate::ports::store::{ListFilter, Scope};
use crate::ports::{BlobKey, ByteStream};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(export_list))
        .routes(routes!(report))
}

/// Tickets read from the store per step of an export.
const PAGE: u32 = 200;

/// How long the link to a finished export (on a store with links) is valid.
const LINK_FOR: Duration = Duration::from_secs(5 * 60);

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// The language of headers and labels: `ja` (default) or `en`.
    pub lang: Option<String>,
    /// As the list: `all` (default for staff) or `mine` (the tickets the caller opened).
    pub of: Option<String>,
    /// As the list: `all` (default), `open`, `closed`; `state` takes precedence.
    pub filter: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `ja` (default) or `en`.
    pub lang: Option<String>,
}

fn language(lang: &Option<String>) -> Result<&'static str, AppError> {
    match lang.as_deref().unwrap_or("ja") {
        "ja" => Ok("ja"),
        "en" => Ok("en"),
        _ => Err(invalid_choice("lang", &["ja", "en"])),
    }
}

fn staff_only(session: &Session) -> Result<(), AppError> {
    if session.actor.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The pages of one search, read one after another.
struct Pages {
    state: ApiState,
    query: SearchQuery,
    done: bool,
}

impl Pages {
    async fn next(
        &mut self,
    ) -> Result<Option<(Vec<TicketRecord>, crate::http::tickets::Names)>, AppError> {
        if self.done {
            return Ok(None);
        }
        let page = self.state.deps.store.search_tickets(&self.query).await?;
        self.query.cursor = page.next;
        self.done = self.query.cursor.is_none();
        let names = self.state.names(page.items.iter()).await?;
        Ok(Some((page.items, names)))
    }

    /// The next page as CSV lines.
    async fn next_csv(
        &mut self,
        config: &crate::app::PortalConfig,
        lang: &'static str,
    ) -> Result<Option<Vec<u8>>, AppError> {
        let Some((items, names)) = self.next().await? else {
            return Ok(None);
        };
        let rows: Vec<_> = items
            .iter()
            .map(|t| export::list_row(config, lang, t, &names))
            .collect();
        export::csv_rows(config, &rows).map(Some)
    }
}

/// The ticket list as a file: every ticket of the list the same parameters show, with
/// its fields and custom fields, in `lang`. Staff only. The search's parameters (as
/// `GET /tickets/search` takes them; `cursor` and `limit` are not used: every page) say
/// which tickets.
#[utoipa::path(get, path = "/tickets/export", tag = "tickets", params(ExportParams, SearchParams),
    responses((status = 200, description = "The file (CSV: UTF-8 with BOM; or .xlsx)", content_type = "text/csv"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn export_list(
    State(state): State<ApiState>,
    session: Session,
    Query(p): Query<ExportParams>,
    Query(wanted): Query<SearchParams>,
) -> Result<Response, AppError> {
    staff_only(&session)?;
    let lang = language(&p.lang)?;
    let (of, filter, _) = list_choices(
        &Some(p.of.clone().unwrap_or_else(|| "all".into())),
        &p.filter,
        &None,
    )?;
    // Whose tickets `of` names, as the list decides it (staff: all or mine).
    tickets::list_scope(&session.actor, of)?;
    let mut input = wanted.input();
    input.cursor = None;
    input.limit = None;
    // The list's `of` and `filter`, as the search's filters.
    if of == ListOf::Mine {
        input
            .filters
            .push((FilterField::Requester, session.actor.user_id.clone()));
    }
    if wanted.state.is_none() && filter != ListFilter::All {
        let open = filter == ListFilter::Open;
        let states: Vec<&str> = TicketState::ALL
            .into_iter()
            .filter(|s| s.is_open() == open)
            .map(TicketState::as_str)
            .collect();
        input.filters.push((FilterField::State, states.join(",")));
    }
    let mut query = search::query(&session.actor, &state.deps.config.time_zone, &input, 1)?;
    // Larger pages than a screen's.
    query.limit = PAGE;
    // Only the whole desk's count is known without reading it.
    let total = if wanted.narrows() || of == ListOf::Mine {
        None
    } else {
        let counts = state.deps.store.count_tickets(&Scope::All).await?;
        Some(match filter {
            ListFilter::All => counts.all(),
            ListFilter::Open => counts.open,
            ListFilter::Closed => counts.closed,
        })
    };
    let pages = Pages {
        state: state.clone(),
        query,
        done: false,
    };
    let stamp = state
        .deps
        .clock
        .now()
        .to_zoned(state.deps.config.time_zone.clone())
        .strftime("%Y%m%d-%H%M")
        .to_string();
    let (format, content_type) = match p.format.as_deref().unwrap_or("csv") {
        "csv" => ("csv", CSV_TYPE),
        "xlsx" => ("xlsx", XLSX_TYPE),
        _ => return Err(invalid_choice("format", &["csv", "xlsx"])),
    };
    let name = format!("tickets-{stamp}.{format}");
    let key = BlobKey::parse(&format!(
        "exports/{}/{}/{name}",
        session.actor.user_id,
        new_id()?
    ))
    .ok_or_else(|| anyhow::anyhow!("no blob key for an export of {}", session.actor.user_id))?;
    let link = state
        .deps
        .blobs
        .presign_download(&key, &name, content_type, LINK_FOR)
        .await
        .map_err(anyhow::Error::new)?;
    match (link, format) {
        (None, "csv") => csv_response(state, pages, lang, total, &name),
        (None, _) => {
            let (file, size) = xlsx_file(&state, pages, lang).await?;
            let mut res = Body::from_stream(file_chunks(file)).into_response();
            download_headers(&mut res, XLSX_TYPE, &name);
            res.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            Ok(res)
        }
        (Some(url), _) => {
            let (file, size) = if format == "csv" {
                csv_file(&state, pages, lang).await?
            } else {
                xlsx_file(&state, pages, lang).await?
            };
            state
                .deps
                .blobs
                .put(&key, file_chunks(file), size)
                .await
                .map_err(anyhow::Error::new)?;
            let mut res =
                (axum::http::StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response();
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            Ok(res)
        }
    }
}

/// The bytes of an open file, 64 KB at a time.
fn file_chunks(file: tokio::fs::File) -> ByteStream {
    Box::pin(stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    }))
}

/// The whole CSV in a temporary file (already unlinked: it goes with its last handle),
/// read back from its start, with its size.
async fn csv_file(
    state: &ApiState,
    mut pages: Pages,
    lang: &'static str,
) -> Result<(tokio::fs::File, u64), AppError> {
    use tokio::io::{AsyncSeekExt, AsyncWriteExt};
    let config = state.deps.config.clone();
    let mut file = tokio::fs::File::from_std(blocking(|| Ok(tempfile::tempfile()?)).await?);
    let io = |e: std::io::Error| AppError::Unexpected(e.into());
    let start = export::csv_start(&config, &export::list_headers(&config, lang))?;
    file.write_all(&start).await.map_err(io)?;
    while let Some(chunk) = pages.next_csv(&config, lang).await? {
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    let size = file.stream_position().await.map_err(io)?;
    file.rewind().await.map_err(io)?;
    Ok((file, size))
}

fn download_headers(res: &mut Response, content_type: &'static str, file_name: &str) {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&attachment::content_disposition(file_name))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

fn csv_response(
    state: ApiState,
    pages: Pages,
    lang: &'static str,
    total: Option<u64>,
    name: &str,
) -> Result<Response, AppError> {
    let config = state.deps.config.clone();
    let start = Bytes::from(export::csv_start(
        &config,
        &export::list_headers(&config, lang),
    )?);
    let rows = stream::unfold(pages, move |mut pages| {
        let config = config.clone();
        async move {
            match pages.next_csv(&config, lang).await {
                Ok(Some(chunk)) => Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), pages)),
                Ok(None) => None,
                Err(e) => {
                    // The response has begun: all that is left is to cut it short, which
                    // the browser reports as a failed download.
                    tracing::error!(error = %e, "a CSV export stopped");
                    pages.done = true;
                    Some((Err(std::io::Error::other("the export stopped")), pages))
                }
            }
        }
    });
    let body = stream::StreamExt::chain(stream::iter([Ok(start)]), rows);
    let mut res = Body::from_stream(body).into_response();
    download_headers(&mut res, CSV_TYPE, name);
    if let Some(n) = total {
        res.headers_mut()
            .insert("x-total-count", HeaderValue::from(n));
    }
    Ok(res)
}

/// The whole Excel file in a temporary file, with its size.
async fn xlsx_file(
    state: &ApiState,
    mut pages: Pages,
    lang: &'static str,
) -> Result<(tokio::fs::File, u64), AppError> {
    let config = state.deps.config.clone();
    let headers = export::list_headers(&config, lang);
    let sheet = if lang == "ja" {
        "チケット"
    } else {
        "Tickets"
    };
    // The worksheet writes to temporary files: off the async workers, page by page.
    let mut list = blocking(move || Ok(XlsxList::new(sheet, &headers)?)).await?;
    while let Some((items, names)) = pages.next().await? {
        let config = config.clone();
        list = blocking(move || {
            for t in &items {
                list.push(&config, &export::list_row(&config, lang, t, &names))?;
            }
            Ok(list)
        })
        .await?;
    }
    let file = blocking(move || {
        let out = tempfile::NamedTempFile::new()?;
        list.finish(out.path())?;
        // Open, then let the name go: the open file lives as long as the answer.
        Ok(out.reopen()?)
    })
    .await?;
    let file = tokio::fs::File::from_std(file);
    let size = file.metadata().await.map_err(anyhow::Error::new)?.len();
    Ok((file, size))
}

/// Runs file-writing work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(anyhow::Error::new)?
        .map_err(AppError::Unexpected)
}

/// Seed 003's per-ticket report: the ticket's fields and all its responses, internal
/// notes included (marked), as an Excel file. Staff only.
#[utoipa::path(get, path = "/tickets/{number}/report", tag = "tickets",
    params(("number" = String, Path), ReportParams),
    responses((status = 200, description = "The report (.xlsx)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn report(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, AppError> {
    staff_only(&session)?;
    let lang = language(&p.lang)?;
    let view = tickets::view(&state.deps, &session.actor, &number).await?;
    crate::app::audit::record(
        &state.deps,
        &state.audited,
        &session.actor,
        &view,
        crate::app::audit::Look::Report,
    )
    .await?;
    let names = state.names(std::iter::once(&view.ticket)).await?;
    let config = state.deps.config.clone();
    let bytes = blocking(move || {
        Ok(export::ticket_report(
            &config,
            lang,
            &view.ticket,
            &view.articles,
            &names,
        )?)
    })
    .await?;
    let mut res = Body::from(bytes).into_response();
    download_headers(&mut res, XLSX_TYPE, &format!("ticket-{number}.xlsx"));
    Ok(res)
}
