//! Logging in and staying logged in: login with throttling, refresh-token rotation with
//! reuse detection, logout, and password change (which ends the user's other sessions).

use jiff::{SignedDuration, Timestamp};

use crate::app::auth::{Tokens, check_new_password, dummy_hash, hash_password, verify_password};
use crate::app::mail::MailKind;
use crate::app::secrets::{random_token, same, token_hash};
use crate::app::{AppError, Deps};
use crate::domain::access::{Actor, Role};
use crate::ports::store::{SessionRecord, StoreError, ThrottleRecord, TokenPurpose, UserRecord};

/// Lifetimes and throttling limits.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// How long a refresh token stays valid without use.
    pub refresh_ttl: SignedDuration,
    /// Failures of one account before logins to it are delayed.
    pub account_threshold: u32,
    /// Failures from one address (any account) before its logins are delayed.
    pub address_threshold: u32,
    /// Failures older than this are forgotten.
    pub window: SignedDuration,
    /// The first delay; each further failure doubles it, up to `max_delay`.
    pub base_delay: SignedDuration,
    pub max_delay: SignedDuration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            refresh_ttl: SignedDuration::from_hours(24 * 14),
            account_threshold: 5,
            address_threshold: 20,
            window: SignedDuration::from_hours(1),
            base_delay: SignedDuration::from_secs(30),
            max_delay: SignedDuration::from_mins(15),
        }
    }
}

/// Everything authentication needs besides the store: the token keys and the limits.
pub struct Auth {
    pub tokens: Tokens,
    pub config: SessionConfig,
}

/// A logged-in session as the client receives it: the access token (JWT), the refresh
/// token (`<session id>.<secret>`), and the CSRF token the client echoes.
#[derive(Debug, Clone)]
pub struct Issued {
    pub user: UserRecord,
    pub access: String,
    pub refresh: String,
    pub csrf: String,
    pub session_id: String,
}

/// Who `user` is for access decisions: their role, and for a customer their role in
/// the company, whether the company uses project groups and their groups. Built at
/// login and at every refresh and carried in the access token's claims, so a change
/// by staff or an account manager applies within one token lifetime (10 minutes).
pub async fn actor_of(deps: &Deps, user: &UserRecord) -> Result<Actor, AppError> {
    let mut actor = Actor::new(user.id.clone(), user.role, user.company_id.clone());
    if user.role == Role::Customer {
        actor.customer_role = user.customer_role;
        actor.projects = user.projects.clone();
        actor.company_uses_groups = match &user.company_id {
            Some(c) => deps
                .store
                .get_company(c)
                .await?
                .is_some_and(|c| c.uses_groups),
            None => false,
        };
    } else {
        actor.queues = deps.config.assignment.queues_of(&user.email);
    }
    Ok(actor)
}

/// Until when failures under one key delay logins, if they do.
fn locked_until(r: &ThrottleRecord, threshold: u32, cfg: &SessionConfig) -> Option<Timestamp> {
    if r.failures < threshold {
        return None;
    }
    let doublings = (r.failures - threshold).min(20);
    let delay = cfg
        .base_delay
        .checked_mul(1i32 << doublings)
        .unwrap_or(cfg.max_delay)
        .min(cfg.max_delay);
    Some(r.last_at + delay)
}

async fn check_throttle(
    deps: &Deps,
    cfg: &SessionConfig,
    keys: &[(String, u32)],
    now: Timestamp,
) -> Result<(), AppError> {
    for (key, threshold) in keys {
        if let Some(r) = deps.store.throttle(key).await?
            && let Some(until) = locked_until(&r, *threshold, cfg)
            && until > now
        {
            let secs = (until - now).get_seconds().max(1) as u64;
            return Err(AppError::Throttled {
                retry_after_secs: secs,
            });
        }
    }
    Ok(())
}

/// Runs argon2 off the async threads: it takes tens of milliseconds of CPU on purpose.
async fn verify_blocking(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false)
}

async fn start_session(
    deps: &Deps,
    auth: &Auth,
    user: UserRecord,
    now: Timestamp,
) -> Result<Issued, AppError> {
    let session_id = random_token(16)?;
    let secret = random_token(32)?;
    let csrf = random_token(24)?;
    deps.store
        .create_session(SessionRecord {
            id: session_id.clone(),
            user_id: user.id.clone(),
            refresh_hash: token_hash(&secret),
            previous_hash: None,
            csrf: csrf.clone(),
            created_at: now,
            refreshed_at: now,
            expires_at: now + auth.config.refresh_ttl,
            revoked: false,
        })
        .await?;
    let actor = actor_of(deps, &user).await?;
    let access = auth
        .tokens
        .issue(&actor, (&session_id, &csrf), now.as_second())?;
    Ok(Issued {
        user,
        access,
        refresh: format!("{session_id}.{secret}"),
        csrf,
        session_id,
    })
}

/// Logs in with login ID and password from `address`. Unknown IDs, wrong passwords and
/// disabled accounts give the same `Unauthenticated` after the same argon2 work;
/// repeated failures per account and per address answer `Throttled` with a growing delay,
/// without looking at the password.
pub async fn login(
    deps: &Deps,
    auth: &Auth,
    email: &str,
    password: &str,
    address: &str,
) -> Result<Issued, AppError> {
    let cfg = &auth.config;
    let now = deps.clock.now();
    let login_id = email.trim().to_lowercase();
    let keys = [
        (format!("acct:{login_id}"), cfg.account_threshold),
        (format!("ip:{address}"), cfg.address_threshold),
    ];
    check_throttle(deps, cfg, &keys, now).await?;
    let user = if login_id.is_empty() || login_id.len() > 320 {
        None
    } else {
        deps.store.user_by_email(&login_id).await?
    };
    let phc = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let matches = verify_blocking(password.to_owned(), phc).await;
    match user {
        Some(user)
            if matches && !user.disabled && !user.pending && user.password_hash.is_some() =>
        {
            deps.store.clear_failures(&keys[0].0).await?;
            tracing::info!(user = %user.id, "login");
            start_session(deps, auth, user, now).await
        }
        _ => {
            for (key, _) in &keys {
                deps.store.record_failure(key, now, cfg.window).await?;
            }
            tracing::info!(address, "login failed");
            Err(AppError::Unauthenticated)
        }
    }
}

/// Exchanges a refresh token for a new access token and a new refresh token. A token
/// that was already exchanged revokes the whole session (someone holds a copy).
pub async fn refresh(deps: &Deps, auth: &Auth, token: &str) -> Result<Issued, AppError> {
    let now = deps.clock.now();
    let (sid, secret) = token.split_once('.').ok_or(AppError::Unauthenticated)?;
    let session = deps
        .store
        .get_session(sid)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let presented = token_hash(secret);
    if session.revoked || session.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    if !same(&presented, &session.refresh_hash) {
        if session
            .previous_hash
            .as_deref()
            .is_some_and(|p| same(p, &presented))
        {
            tracing::warn!(session = %sid, "a used refresh token came back: session revoked");
            deps.store.revoke_session(sid).await?;
        }
        return Err(AppError::Unauthenticated);
    }
    let user = deps
        .store
        .get_user(&session.user_id)
        .await?
        .filter(|u| !u.disabled && !u.pending)
        .ok_or(AppError::Unauthenticated)?;
    let next_secret = random_token(32)?;
    match deps
        .store
        .rotate_session(
            sid,
            &session.refresh_hash,
            &token_hash(&next_secret),
            now,
            now + auth.config.refresh_ttl,
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(AppError::Unauthenticated),
        Err(e) => return Err(e.into()),
    }
    let actor = actor_of(deps, &user).await?;
    let access = auth
        .tokens
        .issue(&actor, (sid, &session.csrf), now.as_second())?;
    Ok(Issued {
        user,
        access,
        refresh: format!("{sid}.{next_secret}"),
        csrf: session.csrf,
        session_id: sid.to_owned(),
    })
}

/// Ends a session: its refresh token no longer works.
pub async fn logout(deps: &Deps, session_id: &str) -> Result<(), AppError> {
    deps.store.revoke_session(session_id).await?;
    Ok(())
}

/// Changes the actor's password after checking the current one, and ends every other
/// session of the user.
///
/// The password policy is the portal configuration's (`deps.config`); `_auth` is unused
/// since and stays only so the handlers need no change.
pub async fn change_password(
    deps: &Deps,
    _auth: &Auth,
    actor: &Actor,
    session_id: &str,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let user = deps
        .store
        .get_user(&actor.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let phc = user
        .password_hash
        .clone()
        .unwrap_or_else(|| dummy_hash().to_owned());
    if !verify_blocking(current.to_owned(), phc).await {
        return Err(AppError::invalid(
            "current_password",
            crate::app::error::Problem::Mismatch,
        ));
    }
    check_new_password(new, &user.email, &deps.config.password_policy)?;
    set_password(deps, user, new).await?;
    deps.store
        .revoke_user_sessions(&actor.user_id, Some(session_id))
        .await?;
    Ok(())
}

/// Stores a new password hash for `user`, retrying if the record changed meanwhile.
pub async fn set_password(deps: &Deps, user: UserRecord, password: &str) -> Result<(), AppError> {
    let password = password.to_owned();
    let phc = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))??;
    crate::app::accounts::modify_user(deps, &user.id, |u| u.password_hash = Some(phc.clone()))
        .await
        .map(drop)
}

/// How long a "forgot password" link works.
pub const RESET_TTL: SignedDuration = SignedDuration::from_hours(1);
/// Reset mails per account per hour; further requests are answered the same way but
/// send nothing (no mail bombing, no hint whether the account exists).
const RESETS_PER_HOUR: u32 = 3;

/// "Forgot password": mails a single-use reset link if the login ID belongs to an
/// active account. The caller always answers the same, whether or not it did.
pub async fn forgot_password(deps: &Deps, email: &str) -> Result<(), AppError> {
    let login_id = email.trim().to_lowercase();
    if login_id.is_empty() || login_id.len() > 320 {
        return Ok(());
    }
    let now = deps.clock.now();
    let key = format!("reset:{login_id}");
    let count = deps
        .store
        .record_failure(&key, now, SignedDuration::from_hours(1))
        .await?;
    if count.failures > RESETS_PER_HOUR {
        tracing::info!("password reset requests throttled");
        return Ok(());
    }
    let Some(user) = deps.store.user_by_email(&login_id).await? else {
        return Ok(());
    };
    if user.disabled || user.pending {
        return Ok(());
    }
    let (token, record) =
        crate::app::one_time::new_token(TokenPurpose::Reset, &user.id, now, RESET_TTL)?;
    let mail = crate::app::one_time::link_mail(
        deps,
        MailKind::PasswordReset,
        &user,
        (&token, &record.hash, record.expires_at),
        "",
    )?;
    deps.store.create_token(record, vec![mail]).await?;
    Ok(())
}

/// Sets a new password with a reset (or invitation) link, once, and ends every session
/// of the user.
///
/// The password policy is the portal configuration's, as for `change_password`.
pub async fn reset_password(
    deps: &Deps,
    _auth: &Auth,
    token: &str,
    password: &str,
) -> Result<(), AppError> {
    let user = crate::app::one_time::set_password_with_token(
        deps,
        token,
        password,
        &deps.config.password_policy,
    )
    .await?;
    deps.store.revoke_user_sessions(&user.id, None).await?;
    deps.store
        .clear_failures(&format!("acct:{}", user.email.to_lowercase()))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(failures: u32, last: &str) -> ThrottleRecord {
        let at: Timestamp = last.parse().unwrap();
        ThrottleRecord {
            failures,
            first_at: at,
            last_at: at,
        }
    }

    #[test]
    fn the_delay_starts_at_the_threshold_doubles_and_is_capped() {
        let cfg = SessionConfig::default();
        let at = "2026-11-23T00:00:00Z";
        let t0: Timestamp = at.parse().unwrap();
        assert_eq!(locked_until(&record(4, at), 5, &cfg), None);
        assert_eq!(
            locked_until(&record(5, at), 5, &cfg),
            Some(t0 + SignedDuration::from_secs(30))
        );
        assert_eq!(
            locked_until(&record(6, at), 5, &cfg),
            Some(t0 + SignedDuration::from_secs(60))
        );
        assert_eq!(
            locked_until(&record(9, at), 5, &cfg),
            Some(t0 + SignedDuration::from_secs(480))
        );
        assert_eq!(
            locked_until(&record(10, at), 5, &cfg),
            Some(t0 + SignedDuration::from_mins(15))
        );
        assert_eq!(
            locked_until(&record(500, at), 5, &cfg),
            Some(t0 + SignedDuration::from_mins(15))
        );
    }
}
