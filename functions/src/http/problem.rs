//! Errors as `application/problem+json` (RFC 9457), in the request's language. Handlers
//! return `AppError`; its `IntoResponse` decides the status and what may be said (the
//! cause of an unexpected error is logged once here, never sent), and `localize`, a
//! middleware that knows the request's language, writes the body.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{AppError, messages};
use crate::http::lang::Lang;

/// One failing input.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The JSON name of the input, e.g. `subject` or `fields.serial_number`.
    pub field: String,
    /// A stable code for programs: `required`, `too_long`, `invalid_email`, …
    pub code: String,
    /// For people, in the request's language.
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// A stable code for programs: `invalid`, `unauthenticated`, `token_expired`,
    /// `csrf`, `forbidden`, `not_found`, `conflict`, `throttled`, …
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// What a failed request says, in both languages until `localize` picks one.
#[derive(Debug, Clone)]
pub struct ProblemSpec {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: [&'static str; 2],
    pub detail: Option<Box<[String; 2]>>,
    /// (field, code, [ja, en])
    pub errors: Vec<(String, String, [String; 2])>,
    pub retry_after: Option<u64>,
}

impl ProblemSpec {
    pub fn new(status: StatusCode, code: &'static str, ja: &'static str, en: &'static str) -> Self {
        ProblemSpec {
            status,
            code,
            title: [ja, en],
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn detail(mut self, ja: impl Into<String>, en: impl Into<String>) -> Self {
        self.detail = Some(Box::new([ja.into(), en.into()]));
        self
    }

    pub fn render(&self, lang: Lang) -> Problem {
        let i = lang.index();
        Problem {
            kind: format!("/problems/{}", self.code),
            title: self.title[i].to_owned(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            detail: self.detail.as_ref().map(|d| d[i].clone()),
            errors: self
                .errors
                .iter()
                .map(|(field, code, m)| FieldError {
                    field: field.clone(),
                    code: code.clone(),
                    message: m[i].clone(),
                })
                .collect(),
        }
    }

    pub fn invalid(errors: Vec<(String, String, [String; 2])>) -> Self {
        let mut p = ProblemSpec::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "入力内容を確認してください",
            "Please check your input",
        );
        p.errors = errors;
        p
    }
}

impl IntoResponse for ProblemSpec {
    fn into_response(self) -> Response {
        // A placeholder body; `localize` replaces it with the request's language.
        let body = serde_json::to_vec(&self.render(Lang::Ja)).unwrap_or_default();
        let mut res = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(self);
        res
    }
}

impl From<AppError> for ProblemSpec {
    fn from(e: AppError) -> Self {
        use AppError::*;
        match e {
            Invalid(errors) => ProblemSpec::invalid(
                errors
                    .iter()
                    .map(|e| {
                        (
                            e.field.clone(),
                            e.problem.code().to_owned(),
                            [messages::render(e, "ja"), messages::render(e, "en")],
                        )
                    })
                    .collect(),
            ),
            TooLarge { max_bytes } => {
                let size = messages::format_size(max_bytes);
                ProblemSpec::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "ファイルが大きすぎます",
                    "The file is too large",
                )
                .detail(
                    format!("{size} までのファイルを添付できます"),
                    format!("Files up to {size} can be attached"),
                )
            }
            NotFound => ProblemSpec::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "見つかりません",
                "Not found",
            ),
            Forbidden => ProblemSpec::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "この操作は許可されていません",
                "You are not allowed to do this",
            ),
            State(s) => ProblemSpec::new(
                StatusCode::CONFLICT,
                s.code(),
                "現在の状態ではこの操作はできません",
                "This is not possible in the ticket's current state",
            )
            .detail(s.message_ja(), s.to_string()),
            Busy => ProblemSpec::new(
                StatusCode::CONFLICT,
                "conflict",
                "他の更新と重なりました。もう一度お試しください",
                "Someone else changed it at the same time; please try again",
            ),
            Unauthenticated => ProblemSpec::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "ユーザーIDまたはパスワードが正しくないか、ログインしていません",
                "The user ID or password is wrong, or you are not logged in",
            ),
            Throttled { retry_after_secs } => {
                let mut p = ProblemSpec::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "失敗が続いたため、しばらくお待ちください",
                    "Too many failed attempts; please wait",
                )
                .detail(
                    format!("{retry_after_secs} 秒後にもう一度お試しください"),
                    format!("Try again in {retry_after_secs} seconds"),
                );
                p.retry_after = Some(retry_after_secs);
                p
            }
            Unexpected(e) => {
                tracing::error!(error = format!("{e:#}"), "unexpected failure");
                ProblemSpec::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "unexpected",
                    "サーバーで問題が発生しました。しばらくしてからお試しください",
                    "Something went wrong on the server; please try again later",
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        ProblemSpec::from(self).into_response()
    }
}

/// Writes every problem in the language the request asked for (`Accept-Language`).
pub async fn localize(req: Request, next: Next) -> Response {
    let lang = Lang::of_headers(req.headers());
    let mut res = next.run(req).await;
    if let Some(spec) = res.extensions_mut().remove::<ProblemSpec>() {
        let body = serde_json::to_vec(&spec.render(lang)).unwrap_or_default();
        let (mut parts, _) = res.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, axum::body::Body::from(body));
    }
    res
}
