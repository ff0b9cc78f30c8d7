//! Who is calling: the access token from the `mg_access` cookie, checked on every
//! request, and the CSRF token checked on every state-changing one. Also the cookies
//! the server sets, and the JSON body extractor whose errors are problems too.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum_extra::extract::cookie::CookieJar;

use crate::app::auth::TokenError;
use crate::app::secrets::same;
use crate::app::sessions::Issued;
use crate::domain::access::Actor;
use crate::http::ApiState;
use crate::http::problem::ProblemSpec;

pub const ACCESS_COOKIE: &str = "mg_access";
pub const REFRESH_COOKIE: &str = "mg_refresh";
pub const CSRF_COOKIE: &str = "mg_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Where the refresh cookie is sent: only to the auth endpoints.
const REFRESH_PATH: &str = "/api/v1/auth";

/// A logged-in caller.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub session_id: String,
}

fn unauthenticated(code: &'static str) -> ProblemSpec {
    let mut p = ProblemSpec::from(crate::app::AppError::Unauthenticated);
    if code == "token_expired" {
        p = ProblemSpec::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "ログインの有効期限が切れました",
            "Your login has expired",
        );
    }
    p
}

pub fn csrf_refused() -> ProblemSpec {
    ProblemSpec::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "リクエストを確認できませんでした。ページを再読み込みしてください",
        "The request could not be verified; reload the page",
    )
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl Session {
    /// The session of a request and its CSRF token, if the access token is valid.
    fn verify(state: &ApiState, headers: &HeaderMap) -> Result<(Session, String), ProblemSpec> {
        let token = cookie_value(headers, ACCESS_COOKIE)
            .ok_or_else(|| unauthenticated("unauthenticated"))?;
        let now = state.deps.clock.now().as_second();
        let claims = state.auth.tokens.verify(token, now).map_err(|e| match e {
            TokenError::Expired => unauthenticated("token_expired"),
            TokenError::Invalid => unauthenticated("unauthenticated"),
        })?;
        let actor = claims
            .actor()
            .ok_or_else(|| unauthenticated("unauthenticated"))?;
        // A customer token without a role in the company was issued before roles were
        // stored: the client's refresh gets one that carries the role and groups.
        if actor.role == crate::domain::access::Role::Customer && actor.customer_role.is_none() {
            return Err(unauthenticated("token_expired"));
        }
        Ok((
            Session {
                actor,
                session_id: claims.sid.clone(),
            },
            claims.csrf.clone(),
        ))
    }

    /// The session of a request for reading (no CSRF check), e.g. the members' pages.
    pub fn of_headers(state: &ApiState, headers: &HeaderMap) -> Result<Session, ProblemSpec> {
        Session::verify(state, headers).map(|(s, _)| s)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers, read in place: every
/// API request needs the access token, and a full cookie jar (parsed, decoded, copied)
/// was a visible share of a cached list's cost. Our cookies' values are base64url and
/// hex, never quoted or percent-encoded.
fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

impl FromRequestParts<ApiState> for Session {
    type Rejection = ProblemSpec;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState,
    ) -> Result<Self, Self::Rejection> {
        let (session, csrf) = Session::verify(state, &parts.headers)?;
        if !is_safe(&parts.method) {
            // The CSRF token is a claim of the signed access token; the client echoes it.
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if csrf.is_empty() || !same(sent, &csrf) {
                return Err(csrf_refused());
            }
        }
        Ok(session)
    }
}

/// The double-submit check for requests made before an access token exists or after it
/// expired (refresh, logout): the header must equal the `mg_csrf` cookie, which another
/// site can neither read nor set.
pub fn double_submit_ok(headers: &HeaderMap) -> bool {
    let jar = CookieJar::from_headers(headers);
    let cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    matches!((cookie, sent), (Some(c), Some(s)) if !c.is_empty() && same(&c, s))
}

/// The refresh token from its cookie.
pub fn refresh_token(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value. Every value the server sets is base64url or a JWT, so it needs
/// no quoting.
fn cookie(
    name: &str,
    value: &str,
    path: &str,
    http_only: bool,
    same_site: &str,
    secure: bool,
    max_age: i64,
) -> (header::HeaderName, HeaderValue) {
    let mut c = format!("{name}={value}; Path={path}; Max-Age={max_age}; SameSite={same_site}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1")),
    )
}

/// The three cookies of a new or refreshed session.
pub fn session_cookies(
    state: &ApiState,
    issued: &Issued,
) -> Vec<(header::HeaderName, HeaderValue)> {
    let secure = state.secure_cookies;
    let refresh_secs = state.auth.config.refresh_ttl.as_secs();
    vec![
        cookie(
            ACCESS_COOKIE,
            &issued.access,
            "/",
            true,
            "Lax",
            secure,
            refresh_secs,
        ),
        cookie(
            REFRESH_COOKIE,
            &issued.refresh,
            REFRESH_PATH,
            true,
            "Strict",
            secure,
            refresh_secs,
        ),
        cookie(
            CSRF_COOKIE,
            &issued.csrf,
            "/",
            false,
            "Strict",
            secure,
            refresh_secs,
        ),
    ]
}

/// Cookies that remove the session's cookies.
pub fn cleared_cookies(state: &ApiState) -> Vec<(header::HeaderName, HeaderValue)> {
    let secure = state.secure_cookies;
    vec![
        cookie(ACCESS_COOKIE, "", "/", true, "Lax", secure, 0),
        cookie(REFRESH_COOKIE, "", REFRESH_PATH, true, "Strict", secure, 0),
        cookie(CSRF_COOKIE, "", "/", false, "Strict", secure, 0),
    ]
}

/// The caller's address, for throttling: the TCP peer locally; on AWS the viewer's
/// address CloudFront adds (`CloudFront-Viewer-Address`, `ip:port`, sent on by the
/// origin request policy in `infra/template.yaml`), else the peer API Gateway saw.
pub struct ClientAddr(pub String);

/// The viewer's address from CloudFront's header, without the port.
fn viewer_address(parts: &Parts) -> Option<String> {
    let v = parts
        .headers
        .get("cloudfront-viewer-address")?
        .to_str()
        .ok()?;
    let (ip, _port) = v.rsplit_once(':')?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
}

/// The source address API Gateway saw.
#[cfg(feature = "lambda")]
fn gateway_source(parts: &Parts) -> Option<String> {
    use lambda_http::request::RequestContext;
    match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
        _ => None,
    }
}

#[cfg(not(feature = "lambda"))]
fn gateway_source(_: &Parts) -> Option<String> {
    None
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .or_else(|| viewer_address(parts))
            .or_else(|| gateway_source(parts))
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(addr))
    }
}

/// A JSON body; malformed JSON or wrong types are a 400 problem naming the problem.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ProblemSpec))]
pub struct Body<T>(pub T);

impl From<JsonRejection> for ProblemSpec {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let text = r.body_text();
        ProblemSpec::new(
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            "bad_body",
            "リクエストの形式が正しくありません",
            "The request body is not valid",
        )
        .detail(text.clone(), text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    #[test]
    fn a_cookie_is_found_by_its_exact_name_in_any_cookie_header() {
        let h = headers(&["a=1; mg_access_old=x;mg_access=tok.en.sig ; b=2", "c=3"]);
        assert_eq!(cookie_value(&h, ACCESS_COOKIE), Some("tok.en.sig"));
        assert_eq!(cookie_value(&h, "c"), Some("3"), "a second Cookie header");
        assert_eq!(cookie_value(&h, "mg"), None, "no prefix match");
        assert_eq!(cookie_value(&headers(&[]), ACCESS_COOKIE), None);
        assert_eq!(
            cookie_value(&headers(&["mg_access"]), ACCESS_COOKIE),
            None,
            "no value"
        );
    }
}
