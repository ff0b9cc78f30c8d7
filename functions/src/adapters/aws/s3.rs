//! The Blobs port on S3: objects under a prefix of one private bucket, streamed in as
//! one PutObject (small files) or a multipart upload (anything larger than a part),
//! streamed out from GetObject; plus the direct paths a browser takes on AWS, a
//! presigned PUT for uploads and a presigned GET for downloads, so attachment bytes
//! never pass through Lambda (whose payloads are limited to 6 MB).
//!
//! Why a presigned PUT and not a presigned POST: the SDK presigns a PUT itself (a POST
//! policy needs hand-written SigV4 signing), and a PUT can sign the exact
//! `Content-Length` the browser announced, so S3 refuses any other size outright, which
//! is a tighter bound than POST's `content-length-range`. The owner and the name are
//! signed too, as object metadata, and the API registers the upload only after a
//! HeadObject confirms both and the size.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream as S3Body;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::adapters::aws::error_chain;
use crate::ports::blobs::{
    ArrivedUpload, Blob, BlobError, BlobKey, Blobs, ByteStream, DirectUpload, UploadPromise,
};

/// Bytes gathered before they go out as one part. S3 parts are at least 5 MiB (but the
/// last); 8 MiB keeps a 100 MB upload at 13 parts and the memory at about one part.
const PART_BYTES: usize = 8 * 1024 * 1024;

/// The object metadata a direct upload is signed with (`x-amz-meta-…`).
const META_OWNER: &str = "owner";
const META_NAME: &str = "name";
const META_SIZE: &str = "size";

/// The tag of a direct upload not yet completed: the bucket's lifecycle rule
/// (infra/template.yaml) removes objects that still carry it after two days.
pub const PENDING_TAG: &str = "madoguchi-pending=1";

#[derive(Debug, Clone)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
    /// Put before every key (`attachments/`), so one bucket can hold other things.
    prefix: String,
}

impl S3Blobs {
    pub fn new(client: Client, bucket: impl Into<String>, prefix: impl Into<String>) -> S3Blobs {
        S3Blobs {
            client,
            bucket: bucket.into(),
            prefix: prefix.into(),
        }
    }

    /// The object key of a blob key.
    pub fn object_key(&self, key: &BlobKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn put_small(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(bytes.len() as i64)
            .body(S3Body::from(bytes))
            .send()
            .await
            .map_err(|e| unexpected("PutObject", key, e))?;
        Ok(())
    }

    /// The rest of a stream whose first `first` bytes filled a part: one multipart
    /// upload, aborted on every way out but completion.
    async fn put_multipart(
        &self,
        key: &str,
        first: Bytes,
        mut body: ByteStream,
        max_bytes: u64,
    ) -> Result<u64, BlobError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| unexpected("CreateMultipartUpload", key, e))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| BlobError::Unexpected("CreateMultipartUpload gave no upload id".into()))?
            .to_owned();
        let mut guard = AbortOnDrop {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            upload_id: upload_id.clone(),
            armed: true,
        };
        let mut size = first.len() as u64;
        let mut parts = vec![self.upload_part(key, &upload_id, 1, first).await?];
        let mut buf = BytesMut::with_capacity(PART_BYTES);
        loop {
            let chunk = body.next().await;
            let end = chunk.is_none();
            if let Some(chunk) = chunk {
                let chunk = chunk.map_err(BlobError::Interrupted)?;
                size += chunk.len() as u64;
                if size > max_bytes {
                    return Err(BlobError::TooLarge { max_bytes });
                }
                buf.extend_from_slice(&chunk);
            }
            if buf.len() >= PART_BYTES || (end && !buf.is_empty()) {
                let n = parts.len() as i32 + 1;
                parts.push(
                    self.upload_part(key, &upload_id, n, buf.split().freeze())
                        .await?,
                );
            }
            if end {
                break;
            }
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| unexpected("CompleteMultipartUpload", key, e))?;
        guard.armed = false;
        Ok(size)
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        bytes: Bytes,
    ) -> Result<CompletedPart, BlobError> {
        let part = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(bytes.len() as i64)
            .body(S3Body::from(bytes))
            .send()
            .await
            .map_err(|e| unexpected("UploadPart", key, e))?;
        Ok(CompletedPart::builder()
            .part_number(number)
            .set_e_tag(part.e_tag().map(str::to_owned))
            .build())
    }

    fn presigning(ttl: Duration) -> Result<PresigningConfig, BlobError> {
        PresigningConfig::expires_in(ttl).map_err(BlobError::unexpected)
    }
}

/// Aborts an unfinished multipart upload when `put` returns early or its future is
/// dropped (the client went away), so no parts are kept; the bucket's lifecycle rule
/// removes what a crash leaves.
struct AbortOnDrop {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    armed: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let abort = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id);
        let key = self.key.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Err(e) = abort.send().await {
                    tracing::warn!(key = %key, error = %error_chain(&e), "cannot abort a multipart upload; the lifecycle rule will");
                }
            });
        }
    }
}

fn unexpected(op: &str, key: &str, e: impl std::error::Error + Send + Sync + 'static) -> BlobError {
    BlobError::Unexpected(format!("{op} {key}: {}", error_chain(&e)).into())
}

/// Metadata values are ASCII: names are percent-encoded (UTF-8).
fn encode_meta(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn decode_meta(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put(
        &self,
        key: &BlobKey,
        mut body: ByteStream,
        max_bytes: u64,
    ) -> Result<u64, BlobError> {
        let key = self.object_key(key);
        // Gather up to one part: a small file goes out in one PutObject, and only a
        // larger one starts a multipart upload.
        let mut buf = BytesMut::new();
        while buf.len() < PART_BYTES {
            match body.next().await {
                Some(chunk) => {
                    let chunk = chunk.map_err(BlobError::Interrupted)?;
                    if (buf.len() + chunk.len()) as u64 > max_bytes {
                        return Err(BlobError::TooLarge { max_bytes });
                    }
                    buf.extend_from_slice(&chunk);
                }
                None => {
                    let size = buf.len() as u64;
                    self.put_small(&key, buf.freeze()).await?;
                    return Ok(size);
                }
            }
        }
        self.put_multipart(&key, buf.freeze(), body, max_bytes)
            .await
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Blob>, BlobError> {
        let key = self.object_key(key);
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Ok(None);
            }
            Err(e) => return Err(unexpected("GetObject", &key, e)),
        };
        let size = out.content_length().unwrap_or(0).max(0) as u64;
        let body = futures_util::stream::unfold(out.body, |mut body| async move {
            match body.next().await? {
                Ok(bytes) => Some((Ok(bytes), body)),
                Err(e) => Some((Err(std::io::Error::other(e)), body)),
            }
        });
        Ok(Some(Blob {
            size,
            body: Box::pin(body),
        }))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let key = self.object_key(key);
        // DeleteObject succeeds for a key that is not there.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| unexpected("DeleteObject", &key, e))?;
        Ok(())
    }

    async fn presign_upload(
        &self,
        key: &BlobKey,
        promise: &UploadPromise,
        ttl: Duration,
    ) -> Result<Option<DirectUpload>, BlobError> {
        let key = self.object_key(key);
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            // Signed: S3 refuses a body of any other length.
            .content_length(promise.size as i64)
            .metadata(META_OWNER, &promise.owner_id)
            .metadata(META_NAME, encode_meta(&promise.name))
            .metadata(META_SIZE, promise.size.to_string())
            .tagging(PENDING_TAG)
            .presigned(Self::presigning(ttl)?)
            .await
            .map_err(|e| unexpected("presigning PutObject", &key, e))?;
        // The browser sets Host and Content-Length itself (it may not set them by hand);
        // the other signed headers it must send as given.
        let headers = req
            .headers()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("host") && !name.eq_ignore_ascii_case("content-length")
            })
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        Ok(Some(DirectUpload {
            method: req.method().to_owned(),
            url: req.uri().to_owned(),
            headers,
        }))
    }

    async fn inspect_upload(
        &self,
        key: &BlobKey,
        head_bytes: usize,
    ) -> Result<Option<ArrivedUpload>, BlobError> {
        let key = self.object_key(key);
        let head = match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(h) => h,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                return Ok(None);
            }
            Err(e) => return Err(unexpected("HeadObject", &key, e)),
        };
        let size = head.content_length().unwrap_or(0).max(0) as u64;
        let meta = head.metadata();
        let get = |k: &str| meta.and_then(|m| m.get(k)).map(String::as_str);
        let promise = match (get(META_OWNER), get(META_NAME), get(META_SIZE)) {
            (Some(owner), Some(name), Some(promised)) => {
                match (decode_meta(name), promised.parse::<u64>()) {
                    (Some(name), Ok(size)) => Some(UploadPromise {
                        owner_id: owner.to_owned(),
                        name,
                        size,
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        let mut first = Vec::new();
        if size > 0 && head_bytes > 0 {
            let out = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .range(format!("bytes=0-{}", head_bytes - 1))
                .send()
                .await
                .map_err(|e| unexpected("GetObject (range)", &key, e))?;
            let bytes = out
                .body
                .collect()
                .await
                .map_err(|e| unexpected("GetObject (range)", &key, e))?;
            first = bytes.into_bytes().to_vec();
            first.truncate(head_bytes);
        }
        Ok(Some(ArrivedUpload {
            size,
            promise,
            head: first,
        }))
    }

    async fn accept_upload(&self, key: &BlobKey) -> Result<(), BlobError> {
        let key = self.object_key(key);
        self.client
            .delete_object_tagging()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| unexpected("DeleteObjectTagging", &key, e))?;
        Ok(())
    }

    async fn presign_download(
        &self,
        key: &BlobKey,
        file_name: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<Option<String>, BlobError> {
        let key = self.object_key(key);
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .response_content_disposition(crate::domain::attachment::content_disposition(file_name))
            .response_content_type(content_type)
            .response_cache_control("private, no-store")
            .presigned(Self::presigning(ttl)?)
            .await
            .map_err(|e| unexpected("presigning GetObject", &key, e))?;
        Ok(Some(req.uri().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_survive_the_ascii_metadata() {
        for name in ["report.pdf", "見積書 (1).xlsx", "100%_done.txt", ""] {
            assert_eq!(decode_meta(&encode_meta(name)).as_deref(), Some(name));
        }
        assert!(decode_meta("%zz").is_none());
        assert!(decode_meta("%e3%81").is_none());
    }
}
