//! Every wrong field of one input at once (a form, a CLI call, a CSV row), so a person
//! fixes them in one pass instead of one error per try.

use std::fmt;

use crate::app::AppError;

/// One wrong field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input's name for it (`email`, `company`, `starts_on`, …).
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects field errors while an input is parsed.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// The parsed value, or `None` with the error recorded against `field`.
    pub fn check<T, E: fmt::Display>(&mut self, field: &'static str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// The first error as the use cases' error (for callers that show one).
pub fn first(errors: Vec<FieldError>) -> AppError {
    let errors_all = errors.clone();
    match errors.into_iter().next() {
        Some(_) => AppError::Invalid(
            errors_all
                .into_iter()
                .map(|e| {
                    crate::app::error::FieldError::new(
                        e.field,
                        crate::app::error::Problem::text(e.message),
                    )
                })
                .collect(),
        ),
        None => AppError::Unexpected(anyhow::anyhow!("an input was refused without a reason")),
    }
}
