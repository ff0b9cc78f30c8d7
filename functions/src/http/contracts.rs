//! Maintenance contracts (seed 002's 契約情報一覧): customers read those their role and
//! groups let them see; admin staff add and change them. A contract the caller may not
//! see is 404, exactly like a number that does not exist.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::contracts::{self, ContractChange, ContractInput};
use crate::app::projects::may_view_contract;
use crate::domain::access::{Actor, ContractAccess, ContractVerb, may_contract};
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::{Body, Session};
use crate::ports::store::ContractRecord;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_contract, patch_contract))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractParams {
    /// Staff: one company's contracts (default: every contract).
    pub company: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDto {
    pub number: String,
    pub company: String,
    /// 種別: the product line or vendor.
    pub product: String,
    /// 製品番号.
    pub model: String,
    pub serial_number: String,
    /// `2026-04-01`.
    pub starts_on: String,
    /// The last day covered.
    pub ends_on: String,
    /// Ended before today (in the portal's time zone).
    pub expired: bool,
    pub service_type: String,
    /// 保守登録メール: staff only (customers get an empty list).
    pub maintenance_emails: Vec<String>,
    /// The projects (案件) the contract is linked to.
    pub projects: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractList {
    pub items: Vec<ContractDto>,
}

fn dto(state: &ApiState, actor: &Actor, c: ContractRecord) -> ContractDto {
    let deps = &state.deps;
    let today = deps
        .clock
        .now()
        .to_zoned(deps.config.time_zone.clone())
        .date();
    ContractDto {
        expired: c.ends_on < today,
        starts_on: c.starts_on.to_string(),
        ends_on: c.ends_on.to_string(),
        maintenance_emails: if actor.is_staff() {
            c.maintenance_emails
        } else {
            Vec::new()
        },
        number: c.number,
        company: c.company_id,
        product: c.product,
        model: c.model,
        serial_number: c.serial_number,
        service_type: c.service_type,
        projects: c.project_ids,
    }
}

/// Only admins manage contracts (the company's own, or any).
fn may_manage(actor: &Actor, company: &str) -> bool {
    may_contract(
        actor,
        ContractVerb::Manage,
        &ContractAccess {
            company_id: company,
            project_ids: &[],
        },
    )
}

/// The contracts the caller may see, by number: staff every one (or one company's);
/// user admins and contract managers their company's (their groups' projects' when the
/// company uses groups); nobody else any.
#[utoipa::path(get, path = "/contracts", tag = "contracts", params(ContractParams),
    responses((status = 200, body = ContractList)))]
async fn list(
    State(state): State<ApiState>,
    session: Session,
    Query(p): Query<ContractParams>,
) -> Result<Json<ContractList>, AppError> {
    let actor = &session.actor;
    let items = match p.company.as_deref().filter(|_| actor.is_staff()) {
        Some(company) => contracts::contracts(&state.deps, Some(company)).await?,
        None => contracts::visible_contracts(&state.deps, actor).await?,
    };
    Ok(Json(ContractList {
        items: items.into_iter().map(|c| dto(&state, actor, c)).collect(),
    }))
}

/// One contract, if the caller may see it.
#[utoipa::path(get, path = "/contracts/{number}", tag = "contracts", params(("number" = String, Path)),
    responses((status = 200, body = ContractDto), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_contract(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Json<ContractDto>, AppError> {
    let c = state
        .deps
        .store
        .get_contract(&number)
        .await?
        .filter(|c| may_view_contract(&session.actor, c))
        .ok_or(AppError::NotFound)?;
    Ok(Json(dto(&state, &session.actor, c)))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewContract {
    pub number: String,
    pub company: String,
    pub product: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub serial_number: String,
    /// `2026-04-01` or `2026/04/01`.
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub service_type: String,
    #[serde(default)]
    pub maintenance_emails: Vec<String>,
    #[serde(default)]
    pub projects: Vec<String>,
}

/// Adds a contract (admin staff only). Every wrong field is named at once.
#[utoipa::path(post, path = "/contracts", tag = "contracts", request_body = NewContract,
    responses((status = 201, body = ContractDto), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn create(
    State(state): State<ApiState>,
    session: Session,
    Body(req): Body<NewContract>,
) -> Result<(StatusCode, Json<ContractDto>), AppError> {
    if !may_manage(&session.actor, req.company.trim()) {
        return Err(AppError::Forbidden);
    }
    let input = ContractInput {
        number: req.number,
        company: req.company,
        product: req.product,
        model: req.model,
        serial_number: req.serial_number,
        starts_on: req.starts_on,
        ends_on: req.ends_on,
        service_type: req.service_type,
        maintenance_emails: req.maintenance_emails.join(","),
        projects: req.projects.join(","),
    };
    let c = contracts::add_contract(&state.deps, &input).await?;
    Ok((StatusCode::CREATED, Json(dto(&state, &session.actor, c))))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct ContractPatch {
    pub product: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub service_type: Option<String>,
    pub maintenance_emails: Option<Vec<String>>,
    /// Replaces the contract's projects.
    pub projects: Option<Vec<String>>,
}

/// Changes a contract (admin staff only); what is absent stays. The number and the
/// company never change.
#[utoipa::path(patch, path = "/contracts/{number}", tag = "contracts", params(("number" = String, Path)),
    request_body = ContractPatch,
    responses((status = 200, body = ContractDto), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn patch_contract(
    State(state): State<ApiState>,
    session: Session,
    Path(number): Path<String>,
    Body(req): Body<ContractPatch>,
) -> Result<Json<ContractDto>, AppError> {
    let actor = &session.actor;
    let current = state
        .deps
        .store
        .get_contract(&number)
        .await?
        .filter(|c| may_view_contract(actor, c))
        .ok_or(AppError::NotFound)?;
    if !may_manage(actor, &current.company_id) {
        return Err(AppError::Forbidden);
    }
    let change = ContractChange {
        product: req.product,
        model: req.model,
        serial_number: req.serial_number,
        starts_on: req.starts_on,
        ends_on: req.ends_on,
        service_type: req.service_type,
        maintenance_emails: req.maintenance_emails.map(|v| v.join(",")),
        projects: req.projects.map(|v| v.join(",")),
    };
    let c = contracts::change_contract(&state.deps, &number, &change).await?;
    Ok(Json(dto(&state, actor, c)))
}
