//! The accounts of the caller's company, for its user admins and inquiry admins
//! (seed 004): list, invite, edit, disable. Another company's account is 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::company_accounts::{self, ColleagueChange, NewColleague};
use crate::http::ApiState;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::{Body, Session};
use crate::ports::store::UserRecord;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(patch_account))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `user_admin`, `contract_manager`, `inquiry_admin` or `inquiry_member`.
    pub customer_role: Option<String>,
    pub lang: String,
    /// `active`, `invited` (no password chosen yet), `pending` (registered, link not
    /// yet confirmed) or `disabled`.
    pub status: String,
}

impl From<UserRecord> for AccountDto {
    fn from(u: UserRecord) -> Self {
        let status = if u.pending {
            "pending"
        } else if u.disabled {
            "disabled"
        } else if u.password_hash.is_none() {
            "invited"
        } else {
            "active"
        };
        AccountDto {
            id: u.id,
            email: u.email,
            name: u.name,
            customer_role: u.customer_role.map(|r| r.as_str().to_owned()),
            lang: u.lang,
            status: status.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub items: Vec<AccountDto>,
    /// The roles the caller may give (their own and those below it).
    pub grantable: Vec<String>,
}

/// The company's accounts (user admins and inquiry admins only; 403 otherwise).
#[utoipa::path(get, path = "/company/users", tag = "accounts",
    responses((status = 200, body = AccountList), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Json<AccountList>, AppError> {
    let users = company_accounts::list(&state.deps, &session.actor).await?;
    Ok(Json(AccountList {
        items: users.into_iter().map(AccountDto::from).collect(),
        grantable: company_accounts::grantable(&session.actor)
            .into_iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub customer_role: String,
    #[serde(default)]
    pub lang: String,
}

/// Adds an account to the caller's company and mails it an invitation with a link to
/// choose a password (single use, valid 7 days). A role above the caller's is 403.
#[utoipa::path(post, path = "/company/users", tag = "accounts", request_body = NewAccount,
    responses((status = 201, body = AccountDto), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn create(
    State(state): State<ApiState>,
    session: Session,
    Body(req): Body<NewAccount>,
) -> Result<(StatusCode, Json<AccountDto>), AppError> {
    let added = company_accounts::invite(
        &state.deps,
        &session.actor,
        &NewColleague {
            email: req.email,
            name: req.name,
            customer_role: req.customer_role,
            lang: req.lang,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(added.user.into())))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub lang: Option<String>,
    pub customer_role: Option<String>,
    /// True disables the account (and ends its sessions); false enables it again.
    pub disabled: Option<bool>,
}

/// Changes an account of the caller's company within the caller's role.
#[utoipa::path(patch, path = "/company/users/{id}", tag = "accounts", params(("id" = String, Path)),
    request_body = AccountPatch,
    responses((status = 200, body = AccountDto), (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn patch_account(
    State(state): State<ApiState>,
    session: Session,
    Path(id): Path<String>,
    Body(req): Body<AccountPatch>,
) -> Result<Json<AccountDto>, AppError> {
    let user = company_accounts::change(
        &state.deps,
        &session.actor,
        &id,
        &ColleagueChange {
            name: req.name,
            lang: req.lang,
            customer_role: req.customer_role,
            disabled: req.disabled,
        },
    )
    .await?;
    Ok(Json(user.into()))
}
