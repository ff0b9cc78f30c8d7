//! The Blobs port: attachment bytes, streamed in and out, never held whole in memory.
//! Locally files under `data/attachments/`; on AWS objects in S3.

use std::fmt;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;

/// Bytes arriving or leaving in chunks (an HTTP body, a file, an S3 object).
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Where a blob is kept: segments of letters, digits, `_`, `-` and `.` joined by `/`,
/// none empty or starting with a dot, so that a key can never climb out of the folder
/// or name a hidden file, whatever the adapter does with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(s: &str) -> Option<BlobKey> {
        let segments: Vec<&str> = s.split('/').collect();
        let ok = !s.is_empty()
            && s.len() <= 200
            && segments.len() <= 8
            && segments.iter().all(|seg| {
                !seg.is_empty()
                    && !seg.starts_with('.')
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            });
        ok.then(|| BlobKey(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored blob opened for reading.
pub struct Blob {
    pub size: u64,
    pub body: ByteStream,
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blob").field("size", &self.size).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// More than the limit arrived; nothing was kept (413).
    #[error("more than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    /// The sender's stream failed (the client went away): nothing was kept.
    #[error("the upload was interrupted")]
    Interrupted(#[source] std::io::Error),
    #[error("the blob store failed")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl BlobError {
    pub fn unexpected(e: impl std::error::Error + Send + Sync + 'static) -> BlobError {
        BlobError::Unexpected(Box::new(e))
    }
}

/// A signed request with which a browser sends one file straight to storage (S3
/// presigned PUT): the method, the URL, and the headers it must send unchanged
/// (they are part of the signature: the exact size, the owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectUpload {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// What a direct upload promised: who sends it, under which name, how many bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPromise {
    pub owner_id: String,
    pub name: String,
    pub size: u64,
}

/// What storage holds after a direct upload: the bytes' real size, the promise it was
/// signed with (from the object's metadata), and its first bytes for sniffing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrivedUpload {
    pub size: u64,
    pub promise: Option<UploadPromise>,
    pub head: Vec<u8>,
}

#[async_trait]
pub trait Blobs: Send + Sync {
    /// Stores the bytes of `body` under `key` (replacing what was there) and returns
    /// their number. As soon as more than `max_bytes` have arrived it stops reading and
    /// keeps nothing (`TooLarge`); a failing `body` keeps nothing either. Readers never
    /// see a partly written blob.
    async fn put(&self, key: &BlobKey, body: ByteStream, max_bytes: u64) -> Result<u64, BlobError>;

    /// The blob for reading, or `None` if there is none.
    async fn get(&self, key: &BlobKey) -> Result<Option<Blob>, BlobError>;

    /// Removes the blob; removing one that is not there is not an error.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;

    // Optional capabilities of stores a browser can reach directly (S3). The folder
    // store has none: uploads stream through the API, downloads are served by it.

    /// A signed request for sending `promise.size` bytes to `key`, valid for `ttl`;
    /// `None` where the store cannot be reached directly.
    async fn presign_upload(
        &self,
        _key: &BlobKey,
        _promise: &UploadPromise,
        _ttl: Duration,
    ) -> Result<Option<DirectUpload>, BlobError> {
        Ok(None)
    }

    /// What arrived at `key` through a direct upload (`None` if nothing did, or the
    /// store has no direct uploads), with up to `head_bytes` first bytes.
    async fn inspect_upload(
        &self,
        _key: &BlobKey,
        _head_bytes: usize,
    ) -> Result<Option<ArrivedUpload>, BlobError> {
        Ok(None)
    }

    /// Keeps a direct upload that `inspect_upload` found good: until then storage
    /// treats it as abandoned and removes it after a while (S3: a lifecycle rule on a
    /// tag the presigned PUT sets), so offers never completed leave nothing behind.
    async fn accept_upload(&self, _key: &BlobKey) -> Result<(), BlobError> {
        Ok(())
    }

    /// A URL that downloads the blob as an attachment named `file_name` with
    /// `content_type`, valid for `ttl`; `None` where the API must serve the bytes.
    async fn presign_download(
        &self,
        _key: &BlobKey,
        _file_name: &str,
        _content_type: &str,
        _ttl: Duration,
    ) -> Result<Option<String>, BlobError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_climb_out_or_hide() {
        for good in ["2026/11/abc123", "a", "x/y.bin", "u_1-2"] {
            assert!(BlobKey::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "../etc/passwd",
            "a/../../b",
            "/abs",
            "a//b",
            "a/",
            ".hidden",
            "a/.tmp/x",
            "a\\b",
            "c:x",
            "a b",
            "日本語",
            "a/b\0",
        ] {
            assert!(BlobKey::parse(bad).is_none(), "{bad:?}");
        }
        assert!(BlobKey::parse(&"a".repeat(201)).is_none());
    }
}
