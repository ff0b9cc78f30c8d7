//! Passwords and access tokens. Passwords: argon2id PHC strings, checked against the
//! configured policy of `domain::password` (ASVS V2.1.7, V2.4.1). Tokens:
//! short-lived JWTs whose algorithm is pinned (HS256), with `iss`, `aud` and `exp`
//! required and a `kid` that selects the key, so keys can be rotated.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use crate::app::{AppError, FieldError};
use crate::domain::access::{Actor, CustomerRole, Role};

pub use crate::domain::password::{MAX_CHARS as MAX_PASSWORD_CHARS, PasswordPolicy};

/// Checks a new password against the configured policy (`domain::password`): every
/// broken rule at once, each as an error on the `password` field.
pub fn check_new_password(
    password: &str,
    login_id: &str,
    policy: &PasswordPolicy,
) -> Result<(), AppError> {
    // The login ID is the e-mail address today; both are passed for when they differ.
    let problems = policy.check(password, login_id, login_id);
    if problems.is_empty() {
        return Ok(());
    }
    Err(AppError::Invalid(
        problems
            .into_iter()
            .map(|p| FieldError::new("password", p))
            .collect(),
    ))
}

/// An argon2id PHC string (with its own random salt).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("argon2: {e}")))
}

/// A valid PHC string of a password nobody has, to verify against when the login ID is
/// unknown, so that unknown IDs take as long as wrong passwords.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password("no user has this password: the hash only costs time").unwrap_or_default()
    })
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The customer's role in their company (`CustomerRole::as_str`); a customer's
    /// token without one grants nothing beyond their own profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crole: Option<String>,
    /// Whether the customer's company restricts its accounts to their groups' projects.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub groups: bool,
    /// The projects whose groups the customer belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    /// Staff limited to their departments' queues: those departments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<Vec<String>>,
    /// The session the token was issued for (its refresh token and CSRF token).
    pub sid: String,
    /// The CSRF token the client must echo in `X-CSRF-Token`; signed here, so a
    /// forged cookie cannot pass.
    pub csrf: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn actor(&self) -> Option<Actor> {
        let role = Role::parse(&self.role)?;
        let customer_role = match (&self.crole, role) {
            (Some(r), Role::Customer) => Some(CustomerRole::parse(r)?),
            _ => None,
        };
        Some(Actor {
            customer_role,
            company_uses_groups: self.groups,
            projects: self.projects.clone(),
            queues: self.queues.clone(),
            ..Actor::new(self.sub.clone(), role, self.company.clone())
        })
    }
}

/// One signing key and its id.
pub struct SigningKey {
    pub kid: String,
    pub secret: Vec<u8>,
}

/// The environment variable holding the signing keys (on AWS injected from Secrets
/// Manager by the template).
pub const JWT_KEYS_ENV: &str = "MADOGUCHI_JWT_KEYS";

/// Signing keys written as `kid:secret,kid:secret` (or one per line); the first signs.
/// Each secret is at least 32 characters.
pub fn parse_signing_keys(s: &str) -> anyhow::Result<Vec<SigningKey>> {
    let keys = s
        .split([',', '\n'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .enumerate()
        .map(|(i, k)| {
            let (kid, secret) = k
                .split_once(':')
                .ok_or_else(|| anyhow::anyhow!("key {}: expected kid:secret", i + 1))?;
            anyhow::ensure!(
                secret.len() >= 32,
                "key {} ({kid}): the secret must be at least 32 characters",
                i + 1
            );
            Ok(SigningKey {
                kid: kid.to_owned(),
                secret: secret.as_bytes().to_vec(),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(!keys.is_empty(), "no key given");
    Ok(keys)
}

/// Issues and checks access tokens. The first key signs; every key verifies (rotation).
pub struct Tokens {
    keys: Vec<(String, EncodingKey, DecodingKey)>,
    issuer: String,
    audience: String,
    /// Lifetime of an access token in seconds.
    pub ttl_secs: i64,
    /// Tokens whose signature and claims were checked, by their exact text: a browser
    /// sends the same token with every request for its ten minutes, and a lookup costs a
    /// fraction of the HMAC and the JSON. Expiry is still checked on every use; only
    /// valid tokens get in, so garbage cannot fill it.
    verified: quick_cache::sync::Cache<Box<str>, Arc<Claims>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is not valid")]
    Invalid,
    #[error("the token has expired")]
    Expired,
}

impl Tokens {
    pub fn new(keys: Vec<SigningKey>, issuer: &str, audience: &str, ttl_secs: i64) -> Tokens {
        let keys = keys
            .into_iter()
            .map(|k| {
                (
                    k.kid,
                    EncodingKey::from_secret(&k.secret),
                    DecodingKey::from_secret(&k.secret),
                )
            })
            .collect();
        Tokens {
            keys,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs,
            verified: quick_cache::sync::Cache::new(10_000),
        }
    }

    pub fn issue(
        &self,
        actor: &Actor,
        session: (&str, &str),
        now_secs: i64,
    ) -> Result<String, AppError> {
        let (kid, key, _) = self
            .keys
            .first()
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no signing key")))?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        let claims = Claims {
            sub: actor.user_id.clone(),
            role: actor.role.as_str().to_owned(),
            company: actor.company_id.clone(),
            crole: actor.customer_role.map(|r| r.as_str().to_owned()),
            groups: actor.company_uses_groups,
            projects: actor.projects.clone(),
            queues: actor.queues.clone(),
            sid: session.0.to_owned(),
            csrf: session.1.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now_secs,
            exp: now_secs + self.ttl_secs,
        };
        encode(&header, &claims, key).map_err(|e| AppError::Unexpected(anyhow::anyhow!("jwt: {e}")))
    }

    /// Checks signature (with the key its `kid` names), algorithm, issuer, audience and
    /// expiry against `now_secs`.
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<Arc<Claims>, TokenError> {
        if let Some(claims) = self.verified.get(token) {
            return match claims.exp <= now_secs {
                true => Err(TokenError::Expired),
                false => Ok(claims),
            };
        }
        let claims = Arc::new(self.verify_fully(token)?);
        if claims.exp <= now_secs {
            return Err(TokenError::Expired);
        }
        self.verified.insert(token.into(), claims.clone());
        Ok(claims)
    }

    fn verify_fully(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let (_, _, key) = self
            .keys
            .iter()
            .find(|(k, _, _)| *k == kid)
            .ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked below against the injected clock, not the system time.
        validation.validate_exp = false;
        validation.leeway = 0;
        decode::<Claims>(token, key, &validation)
            .map(|t| t.claims)
            .map_err(|_| TokenError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(
            vec![
                SigningKey {
                    kid: "k2".into(),
                    secret: b"second key, 32 bytes or longer!!".to_vec(),
                },
                SigningKey {
                    kid: "k1".into(),
                    secret: b"first key, also long enough here".to_vec(),
                },
            ],
            "madoguchi",
            "portal",
            900,
        )
    }

    fn customer() -> Actor {
        Actor::new("taro", Role::Customer, Some("acme".into()))
    }

    #[test]
    fn passwords_hash_to_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a phc string"));
        assert!(!verify_password("x", dummy_hash()));
    }

    #[test]
    fn weak_passwords_are_refused_with_the_field_named() {
        let policy = PasswordPolicy::default();
        for bad in [
            "short",
            "password1234",
            "Password123",
            "taro@acme.example.jp",
        ] {
            let r = check_new_password(bad, "taro@acme.example.jp", &policy);
            assert!(
                matches!(&r, Err(AppError::Invalid(errors)) if errors[0].field == "password"),
                "{bad}: {r:?}"
            );
        }
        assert!(check_new_password("Kumo9Sora", "x@y.jp", &policy).is_ok());
        // The demo vendor's policy (portal.yaml): 12 characters, no composition rules.
        let pass_phrases = PasswordPolicy {
            min_len: 12,
            require_upper: false,
            require_lower: false,
            require_digit: false,
            refuse_common: true,
        };
        assert!(
            check_new_password("窓口で長い日本語のパスフレーズ", "x@y.jp", &pass_phrases).is_ok(),
            "Japanese pass phrases count characters, not bytes"
        );
        assert!(check_new_password("a reasonably long phrase", "x@y.jp", &pass_phrases).is_ok());
    }

    #[test]
    fn a_token_round_trips_and_names_the_actor() {
        let t = tokens();
        let token = t.issue(&customer(), ("s1", "c1"), 1_000).unwrap();
        let claims = t.verify(&token, 1_100).unwrap();
        assert_eq!(claims.actor(), Some(customer()));
        assert_eq!(claims.exp, 1_900);
    }

    #[test]
    fn a_token_carries_the_customer_role_and_groups() {
        let t = tokens();
        let member = Actor::customer("hanako", "acme", CustomerRole::InquiryMember)
            .in_groups(["acme-net", "acme-web"]);
        let token = t.issue(&member, ("s1", "c1"), 1_000).unwrap();
        assert_eq!(t.verify(&token, 1_100).unwrap().actor(), Some(member));
        // A customer's claims without a role (or with an unknown one) grant nothing.
        let mut claims = Claims::clone(&t.verify(&token, 1_100).unwrap());
        claims.crole = None;
        assert_eq!(claims.actor().unwrap().customer_role, None);
        claims.crole = Some("owner".into());
        assert_eq!(claims.actor(), None);
        // Staff never carry one.
        let agent = Actor::new("s1", Role::Agent, None);
        let token = t.issue(&agent, ("s2", "c2"), 1_000).unwrap();
        assert_eq!(t.verify(&token, 1_100).unwrap().actor(), Some(agent));
    }

    #[test]
    fn a_token_checked_once_still_expires_and_its_altered_copies_still_fail() {
        let t = tokens();
        let token = t.issue(&customer(), ("s1", "c1"), 1_000).unwrap();
        assert!(t.verify(&token, 1_100).is_ok());
        assert!(t.verify(&token, 1_200).is_ok(), "again, from the cache");
        assert_eq!(t.verify(&token, 1_900), Err(TokenError::Expired));
        let (head, sig) = token.rsplit_once('.').unwrap();
        let flipped = if sig.starts_with('A') { "B" } else { "A" };
        let forged = format!("{head}.{flipped}{}", &sig[1..]);
        assert_eq!(t.verify(&forged, 1_100), Err(TokenError::Invalid));
        assert_eq!(
            t.verify(&format!("{token}x"), 1_100),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn expired_tampered_foreign_and_unsigned_tokens_are_refused() {
        let t = tokens();
        let token = t.issue(&customer(), ("s1", "c1"), 1_000).unwrap();
        assert_eq!(t.verify(&token, 1_900), Err(TokenError::Expired));
        // Change one character of the payload: the signature no longer matches.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload: Vec<char> = parts[1].chars().collect();
        payload[5] = if payload[5] == 'A' { 'B' } else { 'A' };
        parts[1] = payload.into_iter().collect();
        assert_eq!(t.verify(&parts.join("."), 1_100), Err(TokenError::Invalid));
        // alg: none, with the same claims and no signature.
        let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIiwia2lkIjoiazIifQ";
        assert_eq!(
            t.verify(
                &format!("{none_header}.{}.", token.split('.').nth(1).unwrap()),
                1_100
            ),
            Err(TokenError::Invalid)
        );
        // Another issuer's key, another audience.
        let other = Tokens::new(
            vec![SigningKey {
                kid: "k2".into(),
                secret: b"a different secret of some length".to_vec(),
            }],
            "madoguchi",
            "portal",
            900,
        );
        assert_eq!(
            t.verify(
                &other.issue(&customer(), ("s1", "c1"), 1_000).unwrap(),
                1_100
            ),
            Err(TokenError::Invalid)
        );
        let other_aud = Tokens::new(
            vec![SigningKey {
                kid: "k2".into(),
                secret: b"second key, 32 bytes or longer!!".to_vec(),
            }],
            "madoguchi",
            "admin",
            900,
        );
        assert_eq!(
            t.verify(
                &other_aud.issue(&customer(), ("s1", "c1"), 1_000).unwrap(),
                1_100
            ),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn an_older_key_still_verifies_after_rotation() {
        let old = Tokens::new(
            vec![SigningKey {
                kid: "k1".into(),
                secret: b"first key, also long enough here".to_vec(),
            }],
            "madoguchi",
            "portal",
            900,
        );
        let token = old.issue(&customer(), ("s1", "c1"), 1_000).unwrap();
        assert!(tokens().verify(&token, 1_100).is_ok());
    }
}
