//! Self-registration (seed 002) and the forgotten user ID: public endpoints, no session.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::registration;
use crate::domain::registration::RegistrationInput;
use crate::http::ApiState;
use crate::http::lang::Lang;
use crate::http::problem::Problem as ProblemBody;
use crate::http::session::{Body, ClientAddr};

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(confirm))
        .routes(routes!(resend))
        .routes(routes!(forgot_user_id))
}

/// The registration form (seed 002's 新規ユーザー登録).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RegisterRequest {
    pub company_name: String,
    pub name: String,
    /// The login name: 3 characters or more, no spaces; an e-mail address is recommended.
    pub user_id: String,
    pub password: String,
    pub password_confirmation: String,
    /// Where the portal's mails go; in the maintenance e-mail's domain.
    pub email: String,
    /// An address on the support certificate (保守登録メール).
    pub maintenance_email: String,
    /// The contract number or contract name on the certificate.
    pub contract_number: String,
    /// Consent to the privacy policy.
    pub consent: bool,
    /// The language of the account and its mails (`ja`, `en`); default: the request's.
    pub lang: Option<String>,
}

/// Registers provisionally: every rule of seed 002 is checked (each wrong field named)
/// and a confirmation link is mailed to `email`. The account opens when the link is
/// followed. Ten good forms an hour per client address, then 429.
#[utoipa::path(post, path = "/register", tag = "registration", request_body = RegisterRequest,
    responses((status = 202, description = "Registered provisionally; the confirmation mail is queued"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json")))]
async fn register(
    State(state): State<ApiState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    Body(req): Body<RegisterRequest>,
) -> Result<StatusCode, AppError> {
    let lang = match req.lang.as_deref() {
        Some("en") => "en",
        Some("ja") => "ja",
        _ => lang.as_str(),
    };
    let input = RegistrationInput {
        company_name: req.company_name,
        name: req.name,
        user_id: req.user_id,
        password: req.password,
        password_confirmation: req.password_confirmation,
        email: req.email,
        maintenance_email: req.maintenance_email,
        contract_number: req.contract_number,
        consent: req.consent,
    };
    registration::register(&state.deps, &input, lang, &addr).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    /// The token from the confirmation link.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmed {
    /// The user ID to log in with.
    pub user_id: String,
}

/// Opens the account of a confirmation link; the link works once and expires.
#[utoipa::path(post, path = "/register/confirm", tag = "registration", request_body = ConfirmRequest,
    responses((status = 200, body = Confirmed),
        (status = 400, body = ProblemBody, content_type = "application/problem+json")))]
async fn confirm(
    State(state): State<ApiState>,
    Body(req): Body<ConfirmRequest>,
) -> Result<Json<Confirmed>, AppError> {
    let user = registration::confirm(&state.deps, &req.token).await?;
    Ok(Json(Confirmed {
        user_id: user.email,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResendRequest {
    pub user_id: String,
}

/// Sends the confirmation link again if the user ID is a registration waiting for it;
/// the same answer either way, and 429 after three requests for one user ID in an hour.
#[utoipa::path(post, path = "/register/resend", tag = "registration", request_body = ResendRequest,
    responses((status = 202, description = "Accepted (whether or not there is such a registration)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json")))]
async fn resend(
    State(state): State<ApiState>,
    Body(req): Body<ResendRequest>,
) -> Result<StatusCode, AppError> {
    registration::resend(&state.deps, &req.user_id).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForgotUserIdRequest {
    pub email: String,
}

/// Mails the user IDs registered with an address to that address; the same answer
/// whether or not there are any.
#[utoipa::path(post, path = "/auth/forgot-id", tag = "auth", request_body = ForgotUserIdRequest,
    responses((status = 202, description = "Accepted (whether or not the address has an account)"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json")))]
async fn forgot_user_id(
    State(state): State<ApiState>,
    Body(req): Body<ForgotUserIdRequest>,
) -> Result<StatusCode, AppError> {
    registration::forgot_user_id(&state.deps, &req.email).await?;
    Ok(StatusCode::ACCEPTED)
}
