//! Attachments: uploads streamed to the Blobs port before a ticket or reply names them,
//! removable until then; downloads of a visible ticket's attachments; the ticket form.

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppError, contracts, projects, uploads};
use crate::domain::attachment;
use crate::http::ApiState;
use crate::http::lang::Lang;
use crate::http::problem::Problem;
use crate::http::session::Session;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(presign))
        .routes(routes!(complete))
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct PresignBody {
    /// The file's name as the user chose it.
    pub name: String,
    /// The file's exact size in bytes: storage accepts no other.
    pub size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresignedDto {
    /// The upload's id, for `POST /uploads/{id}/complete` once the bytes are sent.
    pub id: String,
    /// How to send the bytes: `method` to `url` with exactly these `headers` and the
    /// file as the body.
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_in_secs: u64,
}

/// Offers to send a file straight to storage (on AWS: a presigned S3 PUT bound to the
/// size and the caller), so large files never pass through the API. 404 where the
/// portal stores files itself (locally): use `POST /uploads`.
#[utoipa::path(post, path = "/uploads/presign", tag = "attachments", request_body = PresignBody,
    responses((status = 200, body = PresignedDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json")))]
async fn presign(
    State(state): State<ApiState>,
    session: Session,
    Json(body): Json<PresignBody>,
) -> Result<Json<PresignedDto>, AppError> {
    let p = uploads::presign(&state.deps, &session.actor, &body.name, body.size).await?;
    Ok(Json(PresignedDto {
        id: p.id,
        method: p.request.method,
        url: p.request.url,
        headers: p.request.headers.into_iter().collect(),
        expires_in_secs: p.expires_in.as_secs(),
    }))
}

/// Registers a file sent with `POST /uploads/presign` once storage holds it: the
/// caller's, exactly the announced size. Refused (404, or 400 with the bytes removed)
/// otherwise.
#[utoipa::path(post, path = "/uploads/{id}/complete", tag = "attachments", params(("id" = String, Path)),
    responses((status = 201, body = UploadDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn complete(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<UploadDto>), AppError> {
    let u = uploads::complete(&state.deps, &session.actor, &id).await?;
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

fn disposition(name: &str) -> HeaderValue {
    HeaderValue::from_str(&attachment::content_disposition(name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Downloads an attachment of a ticket the caller may see (404 otherwise, also for an
/// internal note's file asked for by a customer). Always a download, never shown in the
/// portal's origin. On AWS the answer is a 303 to a presigned S3 GET valid for five
/// minutes, which sets the same disposition and type.
#[utoipa::path(get, path = "/tickets/{number}/attachments/{id}", tag = "attachments",
    params(("number" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 303, description = "To a short-lived link to the file"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn download(
    State(state): State<ApiState>,
    session: Session,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (attachment, blob) =
        match uploads::download(&state.deps, &session.actor, &number, &id).await? {
            uploads::Download::Bytes(attachment, blob) => (attachment, blob),
            uploads::Download::Link(url) => {
                let mut res = Redirect::to(&url).into_response();
                res.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, no-store"),
                );
                return Ok(res);
            }
        };
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

/// A project the caller may file a ticket under.
#[derive(Debug, Serialize)]
struct ProjectChoice {
    id: String,
    name: String,
}

/// A contract the caller may see, offered for the contract-number field.
#[derive(Debug, Serialize)]
struct ContractChoice {
    number: String,
    product: String,
    model: String,
    serial_number: String,
    ends_on: String,
    expired: bool,
}

#[derive(Debug, Serialize)]
struct FormResponse {
    #[serde(flatten)]
    form: crate::app::form::FormView,
    /// The caller's projects (their groups' when the company uses groups).
    projects: Vec<ProjectChoice>,
    /// The contracts the caller may see (user admins and contract managers), by
    /// number; "unknown" is still accepted in the field.
    contracts: Vec<ContractChoice>,
    /// Staff only: the departments (`assignment.departments`), for queue labels.
    departments: Vec<crate::app::form::ChoiceView>,
}

/// The ticket form from `content/portal.yaml` in the request's language: services and
/// their SLA choices, ticket types, products and their fields, priorities, custom fields
/// and the limits; with the caller's projects and visible contracts.
#[utoipa::path(get, path = "/form", tag = "tickets",
    responses((status = 200, description = "The ticket form", content_type = "application/json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn form(
    State(state): State<ApiState>,
    session: Session,
    lang: Lang,
) -> Result<Response, AppError> {
    let deps = &state.deps;
    let actor = &session.actor;
    let projects = projects::visible_projects(deps, actor)
        .await?
        .into_iter()
        .map(|p| ProjectChoice {
            id: p.id,
            name: p.name,
        })
        .collect();
    let today = deps
        .clock
        .now()
        .to_zoned(deps.config.time_zone.clone())
        .date();
    // Staff file no tickets: the desk's every contract would only weigh the form down.
    let visible = if actor.is_staff() {
        Vec::new()
    } else {
        contracts::visible_contracts(deps, actor).await?
    };
    let contracts = visible
        .into_iter()
        .map(|c| ContractChoice {
            expired: c.ends_on < today,
            ends_on: c.ends_on.to_string(),
            number: c.number,
            product: c.product,
            model: c.model,
            serial_number: c.serial_number,
        })
        .collect();
    Ok(Json(FormResponse {
        form: deps.config.form_view(lang.as_str(), actor.is_staff()),
        projects,
        contracts,
        departments: if actor.is_staff() {
            deps.config
                .assignment
                .departments
                .iter()
                .map(|d| crate::app::form::ChoiceView {
                    key: d.key.clone(),
                    label: d
                        .label
                        .get(lang.as_str(), crate::app::config::DEFAULT_LANGUAGE)
                        .to_owned(),
                })
                .collect()
        } else {
            Vec::new()
        },
    })
    .into_response())
}
