//! Single-use links: invitations and password resets. The link carries 32 random bytes
//! (hex); the store keeps only their SHA-256, with the purpose, the user, an expiry and
//! the moment it was used, so a copy of the database opens no account and a link works
//! once (ASVS V2.5.1, V2.5.2).

use jiff::{SignedDuration, Timestamp};

use crate::app::auth::{PasswordPolicy, check_new_password, hash_password};
use crate::app::secrets::{random_hex, token_hash};
use crate::app::{AppError, Deps, PortalConfig};
use crate::ports::store::{OneTimeTokenRecord, StoreError, TokenPurpose, UserRecord};

/// How long an invitation stays valid unless the caller says otherwise.
pub const INVITE_TTL: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The stored form of a token (`secrets::token_hash` of it, trimmed as pasted links may
/// carry spaces).
pub fn hash_token(token: &str) -> String {
    token_hash(token.trim())
}

/// A fresh token for `user_id` and its record; the token itself goes only into the mail.
pub fn new_token(
    purpose: TokenPurpose,
    user_id: &str,
    now: Timestamp,
    ttl: SignedDuration,
) -> Result<(String, OneTimeTokenRecord), AppError> {
    let token = random_hex(32)?;
    let record = OneTimeTokenRecord {
        hash: hash_token(&token),
        purpose,
        user_id: user_id.to_owned(),
        created_at: now,
        expires_at: now.saturating_add(ttl).unwrap_or(now),
        used_at: None,
    };
    Ok((token, record))
}

/// The page where the holder of an invitation or reset token chooses a password.
pub fn set_password_url(config: &PortalConfig, token: &str) -> String {
    format!("{}/portal/reset/?token={token}", config.base_url)
}

/// Chooses a password with an invitation or reset token: checks the password against
/// the policy, then uses the token and stores the new hash in one conditional write, so
/// of two uses of one link exactly one succeeds. Errors name `token` or `password`.
pub async fn set_password_with_token(
    deps: &Deps,
    token: &str,
    password: &str,
    policy: &PasswordPolicy,
) -> Result<UserRecord, AppError> {
    let hash = hash_token(token);
    for _ in 0..8 {
        let now = deps.clock.now();
        let record = match deps.store.get_token(&hash).await? {
            // A registration's link opens its account through `registration::confirm`.
            Some(r)
                if r.purpose != TokenPurpose::Register
                    && r.used_at.is_none()
                    && r.expires_at > now =>
            {
                r
            }
            _ => {
                return Err(AppError::invalid(
                    "token",
                    crate::app::error::Problem::InvalidToken,
                ));
            }
        };
        let user = match deps.store.get_user(&record.user_id).await? {
            Some(u) if !u.disabled => u,
            _ => {
                return Err(AppError::invalid(
                    "token",
                    crate::app::error::Problem::InvalidToken,
                ));
            }
        };
        check_new_password(password, &user.email, policy)?;
        let mut next = user.clone();
        next.password_hash = Some(hash_password(password)?);
        next.version = user.version + 1;
        match deps
            .store
            .consume_token(
                &hash,
                record.purpose,
                now,
                Some((next.clone(), user.version)),
                vec![],
            )
            .await
        {
            Ok(true) => return Ok(next),
            Ok(false) => {
                return Err(AppError::invalid(
                    "token",
                    crate::app::error::Problem::InvalidToken,
                ));
            }
            // The user changed in between (settings saved): read again, the token is unused.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

/// A mail carrying a single-use link (an invitation or a password reset) in the user's
/// language; one mail per token.
pub fn link_mail(
    deps: &Deps,
    kind: crate::app::mail::MailKind,
    user: &UserRecord,
    (token, token_hash, expires_at): (&str, &str, Timestamp),
    company: &str,
) -> Result<crate::ports::store::OutboxMail, AppError> {
    let expires = expires_at
        .to_zoned(deps.config.time_zone.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string();
    let to = crate::domain::Email::parse(user.mail_address())
        .map_err(|e| AppError::invalid("email", crate::app::error::Problem::text(e.to_string())))?;
    let envelope = crate::app::mail::Envelope {
        id: format!("{}-{}", kind.name(), &token_hash[..16]),
        kind,
        lang: &user.lang,
        to: vec![(user.name.clone(), to)],
        cc: vec![],
        ticket_number: "",
        product: None,
        subject: "",
        vars: minijinja::context! {
            site => deps.config.name_in(&user.lang),
            url => set_password_url(&deps.config, token),
            expires,
            user => minijinja::context! { name => &user.name, email => &user.email },
            company,
        },
    };
    deps.mail
        .compose(&envelope, deps.clock.now(), None)
        .map_err(|e| AppError::Unexpected(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_characters_and_never_repeat() {
        let now: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        let (a, ra) = new_token(TokenPurpose::Invite, "u1", now, INVITE_TTL).unwrap();
        let (b, _) = new_token(TokenPurpose::Invite, "u1", now, INVITE_TTL).unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(ra.hash, hash_token(&a));
        assert_ne!(ra.hash, a, "the stored form is not the token");
        assert_eq!(ra.expires_at, "2026-11-30T00:00:00Z".parse().unwrap());
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
