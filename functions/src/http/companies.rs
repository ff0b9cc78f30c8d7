//! Staff administration of customer companies over the API (the AWS mode has no
//! `madoguchi admin`): a company's projects and its groups switch, and a customer's
//! role and groups. Admin staff only (403 for everyone else); the list of companies
//! for every staff member (the search's company filter).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::accounts::parse_customer_role;
use crate::app::projects::{self, ProjectInput};
use crate::app::{AppError, Problem};
use crate::domain::access::{Actor, UserAccess, UserVerb, may_manage_companies, may_user};
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::{Body, Session};
use crate::ports::store::ProjectRecord;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list_companies))
        .routes(routes!(patch_company))
        .routes(routes!(list_projects, create_project))
        .routes(routes!(patch_user_access))
}

fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if may_manage_companies(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyDto {
    pub id: String,
    pub name: String,
    pub uses_groups: bool,
}

/// Every company, by name: the staff search's company filter. Staff only.
#[utoipa::path(get, path = "/companies", tag = "companies",
    responses((status = 200, body = Vec<CompanyDto>),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn list_companies(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Json<Vec<CompanyDto>>, AppError> {
    crate::app::search::staff_only(&session.actor)?;
    let companies = crate::app::accounts::companies(&state.deps).await?;
    Ok(Json(
        companies
            .into_iter()
            .map(|c| CompanyDto {
                id: c.id,
                name: c.name,
                uses_groups: c.uses_groups,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CompanyPatch {
    /// Its accounts see only their groups' projects (and their own tickets).
    pub uses_groups: bool,
}

/// Switches a company's project groups on or off (applies at each account's next
/// token refresh, within 10 minutes).
#[utoipa::path(patch, path = "/companies/{id}", tag = "companies", params(("id" = String, Path)),
    request_body = CompanyPatch,
    responses((status = 200, body = CompanyDto), (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn patch_company(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
    Body(req): Body<CompanyPatch>,
) -> Result<Json<CompanyDto>, AppError> {
    admin_only(&session.actor)?;
    if state.deps.store.get_company(&id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let c = projects::set_company_groups(&state.deps, &id, req.uses_groups).await?;
    Ok(Json(CompanyDto {
        id: c.id,
        name: c.name,
        uses_groups: c.uses_groups,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: String,
    pub company: String,
    pub name: String,
    pub group_name: String,
}

impl From<ProjectRecord> for ProjectDto {
    fn from(p: ProjectRecord) -> Self {
        ProjectDto {
            id: p.id,
            company: p.company_id,
            name: p.name,
            group_name: p.group_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<ProjectDto>,
}

/// A company's projects (案件).
#[utoipa::path(get, path = "/companies/{id}/projects", tag = "companies", params(("id" = String, Path)),
    responses((status = 200, body = ProjectList), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn list_projects(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Json<ProjectList>, AppError> {
    admin_only(&session.actor)?;
    let items = projects::projects(&state.deps, &id).await?;
    Ok(Json(ProjectList {
        items: items.into_iter().map(ProjectDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProject {
    /// a-z, 0-9, '-' and '_', unique across companies.
    pub id: String,
    pub name: String,
    /// Its customer group's name (default: the project's name + グループ).
    #[serde(default)]
    pub group_name: String,
}

/// Adds a project (and its one customer group) to a company.
#[utoipa::path(post, path = "/companies/{id}/projects", tag = "companies", params(("id" = String, Path)),
    request_body = NewProject,
    responses((status = 201, body = ProjectDto), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_project(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
    Body(req): Body<NewProject>,
) -> Result<(StatusCode, Json<ProjectDto>), AppError> {
    admin_only(&session.actor)?;
    let p = projects::add_project(
        &state.deps,
        &ProjectInput {
            id: req.id,
            company: id,
            name: req.name,
            group_name: req.group_name,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AccessPatch {
    /// `user_admin`, `contract_manager`, `inquiry_admin` or `inquiry_member`.
    pub customer_role: Option<String>,
    /// The projects whose groups the account belongs to (replaces them).
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessDto {
    pub id: String,
    pub customer_role: Option<String>,
    pub groups: Vec<String>,
}

/// Sets a customer account's role and groups (staff: admins; applies at the account's
/// next token refresh).
#[utoipa::path(patch, path = "/users/{id}/access", tag = "companies", params(("id" = String, Path)),
    request_body = AccessPatch,
    responses((status = 200, body = AccessDto), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn patch_user_access(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
    Body(req): Body<AccessPatch>,
) -> Result<Json<AccessDto>, AppError> {
    admin_only(&session.actor)?;
    let user = state
        .deps
        .store
        .get_user(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = req
        .customer_role
        .as_deref()
        .map(parse_customer_role)
        .transpose()
        .map_err(|_| AppError::invalid("customer_role", Problem::NotAnOption))?;
    let target = UserAccess {
        user_id: &user.id,
        company_id: user.company_id.as_deref(),
        role: user.role,
        customer_role: user.customer_role,
    };
    if role.is_some_and(|r| !may_user(&session.actor, UserVerb::GrantRole(r), &target))
        || !may_user(&session.actor, UserVerb::Edit, &target)
    {
        return Err(AppError::Forbidden);
    }
    let groups = req.groups.map(|g| g.join(","));
    let u = projects::set_user_access(&state.deps, &user.email, role, groups.as_deref()).await?;
    Ok(Json(AccessDto {
        id: u.id,
        customer_role: u.customer_role.map(|r| r.as_str().to_owned()),
        groups: u.projects,
    }))
}
