//! Login, refresh, logout, and the caller's own account (`/me`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::{accounts, sessions};
use crate::http::ApiState;
use crate::http::problem::{Problem, ProblemSpec};
use crate::http::session::{
    Body, ClientAddr, Session, cleared_cookies, csrf_refused, double_submit_ok, refresh_token,
    session_cookies,
};
use crate::ports::store::UserRecord;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(forgot))
        .routes(routes!(reset))
        .routes(routes!(me))
        .routes(routes!(update_settings))
        .routes(routes!(update_profile))
        .routes(routes!(change_password))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The user ID (e-mail address).
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// `ja` or `en`.
    pub lang: String,
    /// An IANA time zone, e.g. `Asia/Tokyo`.
    pub time_zone: String,
    /// Tickets per list page: 10, 25, 50 or 100.
    pub page_size: u32,
    /// Seconds between list refreshes; 0 is off.
    pub refresh_secs: u32,
    /// The mails the user turned off (kind names).
    pub mails_off: Vec<String>,
    /// The mails this user may turn off: for customers `created_customer`,
    /// `reply_customer`, `state_changed`, `reminder`; for staff `reply_staff`,
    /// `reopened`, `assigned`, `sla_escalation`.
    #[serde(default)]
    pub mails_optional: Vec<String>,
    /// The mails that are off unless asked for, which the user turned on.
    #[serde(default)]
    pub mails_on: Vec<String>,
    /// The mails this user may turn on: for staff `created_staff` (their own copy of
    /// every new ticket's mail to the team); none for customers.
    #[serde(default)]
    pub mails_opt_in: Vec<String>,
}

/// The logged-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    /// The user ID (login).
    pub email: String,
    /// Where the portal's mails go: the user ID unless the user gave another address.
    pub mail_address: String,
    pub name: String,
    /// `customer`, `agent` or `admin`.
    pub role: String,
    pub company: Option<CompanyRef>,
    /// Whether the "company tickets" list is open to this user.
    pub can_see_company: bool,
    /// A customer's role in the company (`user_admin`, `contract_manager`,
    /// `inquiry_admin`, `inquiry_member`).
    pub customer_role: Option<String>,
    /// Whether the contracts list is open to this user (staff, user admins, contract
    /// managers).
    pub can_see_contracts: bool,
    /// Whether this user manages accounts of their company (user and inquiry admins).
    pub can_manage_accounts: bool,
    pub settings: Settings,
}

pub async fn me_of(state: &ApiState, user: &UserRecord) -> Result<Me, AppError> {
    let company = match &user.company_id {
        Some(id) => state.deps.store.get_company(id).await?.map(|c| CompanyRef {
            id: c.id,
            name: c.name,
        }),
        None => None,
    };
    Ok(Me {
        id: user.id.clone(),
        email: user.email.clone(),
        mail_address: user.mail_address().to_owned(),
        name: user.name.clone(),
        role: user.role.as_str().to_owned(),
        can_see_company: user.role == crate::domain::access::Role::Customer
            && user.company_id.is_some(),
        customer_role: user.customer_role.map(|r| r.as_str().to_owned()),
        can_see_contracts: user.role != crate::domain::access::Role::Customer
            || user.customer_role.is_some_and(|r| r.sees_contracts()),
        can_manage_accounts: user.customer_role.is_some_and(|r| r.manages_accounts()),
        company,
        settings: Settings {
            lang: user.lang.clone(),
            time_zone: user.time_zone.clone(),
            page_size: user.page_size,
            refresh_secs: user.refresh_secs,
            mails_off: user.mails_off.clone(),
            mails_optional: crate::app::mail::MailKind::optional_for(user.role)
                .iter()
                .map(|k| k.name().to_owned())
                .collect(),
            mails_on: user.mails_on.clone(),
            mails_opt_in: crate::app::mail::MailKind::opt_in_for(user.role)
                .iter()
                .map(|k| k.name().to_owned())
                .collect(),
        },
    })
}

async fn issued_response(state: &ApiState, issued: sessions::Issued) -> Result<Response, AppError> {
    let me = me_of(state, &issued.user).await?;
    let mut res = Json(me).into_response();
    for (k, v) in session_cookies(state, &issued) {
        res.headers_mut().append(k, v);
    }
    Ok(res)
}

/// Logs in. Unknown user IDs and wrong passwords get the same answer; repeated failures
/// are throttled per account and per address.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me, description = "Logged in; sets the mg_access, mg_refresh and mg_csrf cookies"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Throttled; see Retry-After")))]
async fn login(
    State(state): State<ApiState>,
    ClientAddr(addr): ClientAddr,
    Body(req): Body<LoginRequest>,
) -> Result<Response, AppError> {
    let issued =
        sessions::login(&state.deps, &state.auth, &req.email, &req.password, &addr).await?;
    issued_response(&state, issued).await
}

/// Exchanges the refresh cookie for new cookies (the refresh token rotates). Needs the
/// `mg_csrf` cookie echoed in `X-CSRF-Token`.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn refresh(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, ProblemSpec> {
    if !double_submit_ok(&headers) {
        return Err(csrf_refused());
    }
    let token = refresh_token(&headers).ok_or(AppError::Unauthenticated)?;
    let issued = sessions::refresh(&state.deps, &state.auth, &token).await?;
    Ok(issued_response(&state, issued).await?)
}

/// Logs out: the session's refresh token is revoked and the cookies are cleared.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn logout(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, ProblemSpec> {
    if !double_submit_ok(&headers) {
        return Err(csrf_refused());
    }
    if let Some(token) = refresh_token(&headers)
        && let Some((sid, _)) = token.split_once('.')
    {
        sessions::logout(&state.deps, sid).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    for (k, v) in cleared_cookies(&state) {
        res.headers_mut().append(k, v);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForgotRequest {
    pub email: String,
}

/// Mails a single-use reset link if the user ID belongs to an account. The answer is
/// the same either way.
#[utoipa::path(post, path = "/auth/forgot", tag = "auth", request_body = ForgotRequest,
    responses((status = 202, description = "Accepted (whether or not the account exists)")))]
async fn forgot(
    State(state): State<ApiState>,
    Body(req): Body<ForgotRequest>,
) -> Result<StatusCode, AppError> {
    sessions::forgot_password(&state.deps, &req.email).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequest {
    /// The token from the link in the mail.
    pub token: String,
    pub password: String,
}

/// Sets a new password with the token from a reset or invitation mail; works once, and
/// ends every session of the user.
#[utoipa::path(post, path = "/auth/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 204), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn reset(
    State(state): State<ApiState>,
    Body(req): Body<ResetRequest>,
) -> Result<StatusCode, AppError> {
    sessions::reset_password(&state.deps, &state.auth, &req.token, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn current_user(state: &ApiState, session: &Session) -> Result<UserRecord, AppError> {
    state
        .deps
        .store
        .get_user(&session.actor.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AppError::Unauthenticated)
}

/// The logged-in user and their settings.
#[utoipa::path(get, path = "/me", tag = "me",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(State(state): State<ApiState>, session: Session) -> Result<Json<Me>, AppError> {
    let user = current_user(&state, &session).await?;
    Ok(Json(me_of(&state, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SettingsUpdate {
    pub lang: Option<String>,
    pub time_zone: Option<String>,
    pub page_size: Option<u32>,
    pub refresh_secs: Option<u32>,
    /// The mails to turn off (kind names from `mails_optional`); the others are on.
    pub mails_off: Option<Vec<String>>,
    /// The mails to turn on (kind names from `mails_opt_in`); the others are off.
    pub mails_on: Option<Vec<String>>,
}

/// Changes personal settings; every invalid one is named.
#[utoipa::path(patch, path = "/me/settings", tag = "me", request_body = SettingsUpdate,
    responses((status = 200, body = Me), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn update_settings(
    State(state): State<ApiState>,
    session: Session,
    Body(req): Body<SettingsUpdate>,
) -> Result<Json<Me>, AppError> {
    let user = accounts::update_settings(
        &state.deps,
        &session.actor,
        accounts::SettingsChange {
            lang: req.lang,
            time_zone: req.time_zone,
            page_size: req.page_size,
            refresh_secs: req.refresh_secs,
            mails_off: req.mails_off,
            mails_on: req.mails_on,
        },
    )
    .await?;
    Ok(Json(me_of(&state, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    /// The address the portal's mails go to (customers; in the domain of a maintenance
    /// e-mail of the company's contracts); empty for the user ID again.
    pub mail_address: Option<String>,
}

/// Changes one's own name and mail address, with the rules of self-registration; every
/// invalid value is named (`name`, `mail_address`).
#[utoipa::path(patch, path = "/me/profile", tag = "me", request_body = ProfileUpdate,
    responses((status = 200, body = Me), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn update_profile(
    State(state): State<ApiState>,
    session: Session,
    Body(req): Body<ProfileUpdate>,
) -> Result<Json<Me>, AppError> {
    let user = accounts::update_profile(
        &state.deps,
        &session.actor.user_id,
        accounts::ProfileChange {
            name: req.name,
            email: req.mail_address,
        },
    )
    .await?;
    Ok(Json(me_of(&state, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the password; every other session of the user ends.
#[utoipa::path(post, path = "/me/password", tag = "me", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn change_password(
    State(state): State<ApiState>,
    session: Session,
    Body(req): Body<PasswordChange>,
) -> Result<StatusCode, AppError> {
    sessions::change_password(
        &state.deps,
        &state.auth,
        &session.actor,
        &session.session_id,
        &req.current_password,
        &req.new_password,
    )
    .await
    .map_err(|e| match e {
        AppError::Invalid(mut errors) => {
            for err in &mut errors {
                if err.field == "password" {
                    err.field = "new_password".into();
                }
            }
            AppError::Invalid(errors)
        }
        e => e,
    })?;
    Ok(StatusCode::NO_CONTENT)
}
