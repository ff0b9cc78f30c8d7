//! Attachments: uploads streamed to the Blobs port before a ticket or reply names them,
//! removable until then; downloads of a visible ticket's attachments; the ticket form.

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppError, uploads};
use crate::http::ApiState;
use crate::http::lang::Lang;
use crate::http::problem::Problem;
use crate::http::session::Session;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(discard))
        .routes(routes!(download))
        .routes(routes!(form))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The file's name as the user chose it (percent-encoded).
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadDto {
    pub id: String,
    /// The name as stored (path parts, control characters and the like removed).
    pub name: String,
    pub size: u64,
    /// The type the portal decided from the bytes and the name; HTML, SVG and scripts
    /// are stored as `application/octet-stream`.
    pub content_type: String,
}

/// Uploads one file, streamed to storage (never held in memory); refused with 413 as
/// soon as it passes the size limit, keeping nothing. The id goes into a new ticket's
/// or a reply's `attachments`.
#[utoipa::path(post, path = "/uploads", tag = "attachments", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, body = UploadDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json")))]
async fn upload(
    State(state): State<ApiState>,
    session: Session,
    Query(p): Query<UploadParams>,
    body: RawBody,
) -> Result<(StatusCode, Json<UploadDto>), AppError> {
    let stream = body
        .into_data_stream()
        .map_err(|e| std::io::Error::other(e.to_string()));
    let u = uploads::receive(&state.deps, &session.actor, &p.name, Box::pin(stream)).await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadDto {
            id: u.id,
            name: u.name,
            size: u.size,
            content_type: u.content_type,
        }),
    ))
}

/// Removes an upload that was not sent yet (only its owner can).
#[utoipa::path(delete, path = "/uploads/{id}", tag = "attachments", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn discard(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    uploads::discard(&state.deps, &session.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266), so
/// Japanese names arrive intact and nothing in a name can break the header.
fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Downloads an attachment of a ticket the caller may see (404 otherwise, also for an
/// internal note's file asked for by a customer). Always a download, never shown in the
/// portal's origin.
#[utoipa::path(get, path = "/tickets/{number}/attachments/{id}", tag = "attachments",
    params(("number" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn download(
    State(state): State<ApiState>,
    session: Session,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (attachment, blob) =
        uploads::open_attachment(&state.deps, &session.actor, &number, &id).await?;
    let content_type = HeaderValue::from_str(&attachment.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let mut res = RawBody::from_stream(blob.body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(blob.size));
    h.insert(header::CONTENT_DISPOSITION, disposition(&attachment.name));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Even if a browser ignored the disposition, the file could run nothing here.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(res)
}

/// The ticket form from `content/portal.yaml` in the request's language: services and
/// their SLA choices, ticket types, products and their fields, priorities, custom fields
/// and the limits.
#[utoipa::path(get, path = "/form", tag = "tickets",
    responses((status = 200, description = "The ticket form", content_type = "application/json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn form(State(state): State<ApiState>, _session: Session, lang: Lang) -> Response {
    Json(state.deps.config.form_view(lang.as_str())).into_response()
}
