//! Errors of the use cases, grouped by what the caller can do about them.

use std::fmt;

use madoguchi_yaml::Localized;

use crate::domain::ticket::StateError;
use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is wrong: every field that is, at once (400). Shown to the user in
    /// their language through `app::messages`.
    #[error("{}", FieldErrors(.0))]
    Invalid(Vec<FieldError>),
    /// An upload is larger than the configured limit (413): nothing was kept.
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    /// Not there, or not the caller's to see: the same answer for both (404).
    #[error("not found")]
    NotFound,
    /// Allowed to see but not to do this (e.g. a customer writing an internal note).
    #[error("not allowed")]
    Forbidden,
    /// The ticket's state does not allow it (409), e.g. a follow-up too late.
    #[error(transparent)]
    State(#[from] StateError),
    /// Changed by someone else too often to apply (409; try again).
    #[error("the ticket is being changed by others; try again")]
    Busy,
    /// Not logged in, or the login failed: the same answer for unknown IDs and wrong
    /// passwords (401).
    #[error("not logged in")]
    Unauthenticated,
    /// Too many failed attempts; try again after this many seconds (429).
    #[error("too many attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("unexpected failure")]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Unexpected(anyhow::Error::new(e))
    }
}

impl Problem {
    /// A rule worded the same in both languages (admin messages in English).
    pub fn text(en: impl Into<String>) -> Problem {
        let en = en.into();
        Problem::Other { ja: en.clone(), en }
    }
}

impl AppError {
    /// One wrong field.
    pub fn invalid(field: impl Into<String>, problem: Problem) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, problem)])
    }

    /// The field errors, if the input was wrong.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

/// One thing wrong with one input: the field's JSON name (`subject`, `fields.serial`)
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
    /// The field's label when the vendor named it (custom fields); built-in inputs are
    /// labelled by `app::messages`.
    pub label: Option<Localized>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> FieldError {
        FieldError {
            field: field.into(),
            problem,
            label: None,
        }
    }

    pub fn labelled(mut self, label: &Localized) -> FieldError {
        self.label = Some(label.clone());
        self
    }
}

/// What can be wrong with an input. Each has a stable `code` for the API and a message
/// in each language in `app::messages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Empty or missing, but needed.
    Required,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    /// Not one of the choices the form offers.
    NotAnOption,
    /// A custom field the form does not have.
    UnknownField,
    /// A field or SLA that does not belong with the chosen product or service.
    NotApplicable,
    /// `value` is not an e-mail address (as typed, control characters removed).
    InvalidEmail {
        value: String,
    },
    TooMany {
        max: usize,
    },
    TooLarge {
        max_bytes: u64,
    },
    /// A password on the list of common ones, or the login ID itself.
    TooCommon,
    /// An upload id that does not exist (any more) or is not the caller's.
    UnknownUpload,
    /// A link or token that is unknown, used or expired.
    InvalidToken,
    /// The value is unique and already in use (an e-mail, a company id, a contract).
    Taken,
    /// Does not match what is stored (the current password).
    Mismatch,
    /// A rule without its own code, worded for people (admin and import checks).
    Other {
        ja: String,
        en: String,
    },
}

impl Problem {
    /// The code in the API's `errors[].code`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::TooShort { .. } => "too_short",
            Problem::NotAnOption => "not_an_option",
            Problem::UnknownField => "unknown_field",
            Problem::NotApplicable => "not_applicable",
            Problem::InvalidEmail { .. } => "invalid_email",
            Problem::TooMany { .. } => "too_many",
            Problem::TooLarge { .. } => "too_large",
            Problem::TooCommon => "too_common",
            Problem::UnknownUpload => "unknown_upload",
            Problem::InvalidToken => "invalid_token",
            Problem::Taken => "taken",
            Problem::Mismatch => "mismatch",
            Problem::Other { .. } => "invalid",
        }
    }

    /// The parameters of the message, for clients that word it themselves.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        match self {
            Problem::TooLong { max } | Problem::TooMany { max } => {
                m.insert("max".into(), (*max).into());
            }
            Problem::TooShort { min } => {
                m.insert("min".into(), (*min).into());
            }
            Problem::InvalidEmail { value } => {
                m.insert("value".into(), value.clone().into());
            }
            Problem::TooLarge { max_bytes } => {
                m.insert("max_bytes".into(), (*max_bytes).into());
            }
            _ => {}
        }
        m
    }
}

/// The English messages, for logs and `Display`.
struct FieldErrors<'a>(&'a [FieldError]);

impl fmt::Display for FieldErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, crate::app::messages::render(e, "en"))?;
        }
        Ok(())
    }
}
