//! Errors of the use cases, grouped by what the caller can do about them.

use crate::domain::ticket::StateError;
use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is wrong: the field and what is wrong with it (shown to the user).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
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
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            field,
            message: message.into(),
        }
    }
}
