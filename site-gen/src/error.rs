//! Errors in content: each names the file, the line and (where there is one) the field.

use std::fmt;

pub use madoguchi_yaml::ContentError;

/// Everything that was wrong, sorted by file and line, so that one build reports all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentErrors(pub Vec<ContentError>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the content",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ContentErrors {}

impl ContentErrors {
    pub fn sorted(mut errors: Vec<ContentError>) -> Self {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        errors.dedup();
        ContentErrors(errors)
    }
}
