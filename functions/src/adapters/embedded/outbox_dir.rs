//! The local Mailer: each mail becomes `<dir>/<id>.eml`, written to a temporary file and
//! renamed, so a crash never leaves half a mail and a resend overwrites the same file
//! instead of making a second one.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::ports::mailer::{Mailer, SendError};

pub struct MailDir {
    dir: PathBuf,
}

impl MailDir {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<MailDir> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(MailDir { dir })
    }

    /// A file name that is safe whatever the id holds.
    fn file_name(id: &str) -> String {
        let safe: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}.eml")
    }
}

#[async_trait]
impl Mailer for MailDir {
    async fn send(
        &self,
        id: &str,
        _recipients: &[String],
        message: &[u8],
    ) -> Result<(), SendError> {
        let path = self.dir.join(Self::file_name(id));
        let tmp = self.dir.join(format!(".{}.tmp", Self::file_name(id)));
        let message = message.to_vec();
        tokio::task::spawn_blocking(move || {
            std::fs::write(&tmp, &message)?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| SendError::Temporary(e.to_string()))?
        .map_err(|e| SendError::Temporary(format!("cannot write the mail file: {e}")))
    }
}
