//! One problem in a file: the file, the line and (where there is one) the key.

use std::fmt;
use std::path::PathBuf;

/// One problem found in the content, templates or configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    /// The file, relative to the folder the user gave (`faq/mail/smtp.md`).
    pub file: PathBuf,
    /// 1-based line in that file; 0 when the problem is about the file as a whole.
    pub line: usize,
    /// The front-matter key (`title`, `updates[2].status`), if the problem is in one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        match &self.field {
            Some(field) => write!(f, ": {field}: {}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}
