//! Errors of the use cases, grouped by what the caller can do about them.

use std::fmt;

pub use crate::domain::problem::{FieldError, Problem};
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
