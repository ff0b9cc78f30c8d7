//! Uploads and attachments. A file is uploaded on its own first (`receive`), streamed to
//! the Blobs port under the size limit, and recorded as pending for its uploader; it
//! becomes an attachment when a ticket or reply names its id (claimed in the same
//! store transaction), can be discarded before that, and is swept after a day if
//! nobody names it. Downloads check who may see the ticket and the article.
//!
//! Where the Blobs store can be reached by browsers (S3), a file can also go there
//! directly (`presign`, then `complete` once it arrived), and a download is a
//! short-lived link to it (`download`) after the same check.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};

use crate::app::error::{FieldError, Problem};
use crate::app::{AppError, Deps};
use crate::domain::access::{
    Actor, AttachmentAccess, AttachmentVerb, TicketAccess, may_attachment,
};
use crate::domain::attachment::{self, SNIFF_BYTES};
use crate::ports::blobs::{DirectUpload, UploadPromise};
use crate::ports::store::BatchItems;
use crate::ports::*;

/// How long an upload waits for a ticket or reply before the sweep removes it.
pub const PENDING_FOR: SignedDuration = SignedDuration::from_hours(24);

/// Pending uploads one person may have at once, as a multiple of the attachments one
/// message may carry (a few forms open at once, files replaced), so that nobody fills
/// the disk with uploads never sent.
const PENDING_PER_MESSAGE: usize = 3;

/// A new random id: 128 bits, hex.
pub fn new_id() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("no randomness for an id: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The first bytes of a stream, copied as they pass, for sniffing the content type.
fn sniffing(body: ByteStream, head: Arc<Mutex<Vec<u8>>>) -> ByteStream {
    Box::pin(body.map(move |chunk| {
        if let Ok(bytes) = &chunk {
            let mut h = head.lock().unwrap_or_else(|e| e.into_inner());
            if h.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - h.len()).min(bytes.len());
                h.extend_from_slice(&bytes[..take]);
            }
        }
        chunk
    }))
}

fn blob_key(key: &str) -> Result<BlobKey, AppError> {
    BlobKey::parse(key).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("bad blob key {key:?}")))
}

fn blob_error(e: BlobError) -> AppError {
    match e {
        BlobError::TooLarge { max_bytes } => AppError::TooLarge { max_bytes },
        other => AppError::Unexpected(anyhow::Error::new(other).context("storing an upload")),
    }
}

/// `Invalid` on `attachments` when the actor has as many pending uploads as allowed.
async fn check_pending(deps: &Deps, actor: &Actor) -> Result<(), AppError> {
    let max_pending = deps.config.limits.max_attachments.max(1) * PENDING_PER_MESSAGE;
    if deps.store.uploads_of(&actor.user_id).await?.len() >= max_pending {
        return Err(AppError::invalid(
            "attachments",
            Problem::TooMany { max: max_pending },
        ));
    }
    Ok(())
}

/// Stores an upload from `actor` named `name` (as the browser sent it) and records it
/// as pending. `TooLarge` as soon as the body passes the configured limit, with nothing
/// kept; `Invalid` on `file` for an empty file, on `attachments` when the person has too
/// many pending uploads.
pub async fn receive(
    deps: &Deps,
    actor: &Actor,
    name: &str,
    body: ByteStream,
) -> Result<UploadRecord, AppError> {
    let limits = &deps.config.limits;
    check_pending(deps, actor).await?;
    let now = deps.clock.now();
    let id = new_id()?;
    let day = now.to_zoned(deps.config.time_zone.clone()).date();
    let key = blob_key(&format!("{}/{id}", day.strftime("%Y/%m")))?;
    let head = Arc::new(Mutex::new(Vec::with_capacity(SNIFF_BYTES)));
    let size = deps
        .blobs
        .put(
            &key,
            sniffing(body, head.clone()),
            limits.max_attachment_bytes,
        )
        .await
        .map_err(blob_error)?;
    if size == 0 {
        deps.blobs.delete(&key).await.map_err(blob_error)?;
        return Err(AppError::invalid("file", Problem::Required));
    }
    let name = attachment::file_name(name);
    let content_type = {
        let head = head.lock().unwrap_or_else(|e| e.into_inner());
        attachment::content_type(&name, &head).to_owned()
    };
    let upload = UploadRecord {
        id,
        owner_id: actor.user_id.clone(),
        name,
        size,
        content_type,
        blob_key: key.to_string(),
        created_at: now,
    };
    if let Err(e) = deps.store.create_upload(upload.clone()).await {
        let _ = deps.blobs.delete(&key).await;
        return Err(e.into());
    }
    Ok(upload)
}

/// The actor's pending uploads, oldest first (a reloaded form shows them again).
pub async fn pending(deps: &Deps, actor: &Actor) -> Result<Vec<UploadRecord>, AppError> {
    Ok(deps.store.uploads_of(&actor.user_id).await?)
}

/// Removes a pending upload before sending; `NotFound` unless it is the actor's and
/// still pending.
pub async fn discard(deps: &Deps, actor: &Actor, id: &str) -> Result<(), AppError> {
    let upload = deps
        .store
        .get_upload(id)
        .await?
        .filter(|u| u.owner_id == actor.user_id)
        .ok_or(AppError::NotFound)?;
    if !deps.store.delete_upload(id, &actor.user_id).await? {
        return Err(AppError::NotFound);
    }
    deps.blobs
        .delete(&blob_key(&upload.blob_key)?)
        .await
        .map_err(blob_error)
}

/// The attachments a ticket or reply names, checked: each must be a pending upload of
/// the actor (`known` holds them, read in the use case's batch). Every id that is not
/// is reported on `attachments`.
pub(crate) fn attachments_for(
    actor: &Actor,
    ids: &[String],
    known: &BatchItems,
) -> Result<Vec<AttachmentRecord>, AppError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        match known.upload(id) {
            Some(u) if u.owner_id == actor.user_id => out.push(u.attachment()),
            _ => errors.push(FieldError::new("attachments", Problem::UnknownUpload)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UploadSweep {
    pub removed: usize,
}

/// Removes pending uploads older than `PENDING_FOR`, at most `limit` of them. The record
/// goes first and only if it is still pending, so an upload claimed by a ticket at the
/// same moment keeps its bytes; a crash between the two leaves at most an orphan blob.
pub async fn sweep_uploads(deps: &Deps, limit: u32) -> Result<UploadSweep, AppError> {
    let now: Timestamp = deps.clock.now();
    let before = now.saturating_sub(PENDING_FOR).unwrap_or(now);
    let mut report = UploadSweep::default();
    for u in deps.store.uploads_created_before(before, limit).await? {
        if deps.store.delete_upload(&u.id, &u.owner_id).await? {
            deps.blobs
                .delete(&blob_key(&u.blob_key)?)
                .await
                .map_err(blob_error)?;
            report.removed += 1;
        }
    }
    Ok(report)
}

/// An attachment of a ticket the actor may see: `NotFound` for another company's
/// ticket, an internal note's attachment asked for by a customer, or an id the ticket
/// does not have.
async fn visible_attachment(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    attachment_id: &str,
) -> Result<AttachmentRecord, AppError> {
    let t = crate::app::tickets::visible_ticket(deps, actor, number).await?;
    let ticket = TicketAccess {
        requester_id: &t.requester_id,
        company_id: &t.company_id,
        project_id: t.project_id.as_deref(),
        department: t.department.as_deref(),
    };
    deps.store
        .articles(number)
        .await?
        .into_iter()
        .filter(|a| {
            may_attachment(
                actor,
                AttachmentVerb::Download,
                &AttachmentAccess {
                    ticket,
                    internal: a.internal,
                },
            )
        })
        .flat_map(|a| a.attachments)
        .find(|a| a.id == attachment_id)
        .ok_or(AppError::NotFound)
}

/// An attachment of a ticket the actor may see, with its bytes (see
/// `visible_attachment` for who may).
pub async fn open_attachment(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    attachment_id: &str,
) -> Result<(AttachmentRecord, Blob), AppError> {
    let found = visible_attachment(deps, actor, number, attachment_id).await?;
    let blob = deps
        .blobs
        .get(&blob_key(&found.blob_key)?)
        .await
        .map_err(blob_error)?
        .ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!(
                "attachment {} of ticket {number} has no bytes at {}",
                found.id,
                found.blob_key
            ))
        })?;
    Ok((found, blob))
}

/// How long a download link works: long enough to follow the redirect, too short to
/// pass around.
pub const DOWNLOAD_LINK_FOR: Duration = Duration::from_secs(5 * 60);

/// How an attachment is handed out.
pub enum Download {
    /// A short-lived link straight to storage (S3), after the same check.
    Link(String),
    /// The bytes, through the API (the folder store).
    Bytes(AttachmentRecord, Blob),
}

/// An attachment of a ticket the actor may see, as a link where the store can make one
/// and as bytes otherwise. Who may see it is checked the same way for both.
pub async fn download(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    attachment_id: &str,
) -> Result<Download, AppError> {
    let found = visible_attachment(deps, actor, number, attachment_id).await?;
    let key = blob_key(&found.blob_key)?;
    if let Some(url) = deps
        .blobs
        .presign_download(&key, &found.name, &found.content_type, DOWNLOAD_LINK_FOR)
        .await
        .map_err(blob_error)?
    {
        return Ok(Download::Link(url));
    }
    let (found, blob) = open_attachment(deps, actor, number, attachment_id).await?;
    Ok(Download::Bytes(found, blob))
}

/// How long a browser has to send a file after asking to.
pub const DIRECT_UPLOAD_FOR: Duration = Duration::from_secs(10 * 60);

/// Where a direct upload goes: below its owner's own prefix, so an id names nothing
/// of anyone else's.
fn direct_key(owner_id: &str, id: &str) -> Result<BlobKey, AppError> {
    blob_key(&format!("direct/{owner_id}/{id}"))
}

/// A direct upload on offer: the id to complete it with and the signed request.
#[derive(Debug, Clone)]
pub struct PresignedUpload {
    pub id: String,
    pub request: DirectUpload,
    pub expires_in: Duration,
}

/// Offers `actor` to send a file of `size` bytes named `name` straight to storage.
/// The size is checked against the limit now and bound into the signature; the upload
/// exists only once `complete` has seen the bytes. `NotFound` where the store takes no
/// direct uploads (the local folder: use `receive`).
pub async fn presign(
    deps: &Deps,
    actor: &Actor,
    name: &str,
    size: u64,
) -> Result<PresignedUpload, AppError> {
    check_pending(deps, actor).await?;
    let max_bytes = deps.config.limits.max_attachment_bytes;
    if size == 0 {
        return Err(AppError::invalid("file", Problem::Required));
    }
    if size > max_bytes {
        return Err(AppError::TooLarge { max_bytes });
    }
    let id = new_id()?;
    let promise = UploadPromise {
        owner_id: actor.user_id.clone(),
        name: attachment::file_name(name),
        size,
    };
    let request = deps
        .blobs
        .presign_upload(
            &direct_key(&actor.user_id, &id)?,
            &promise,
            DIRECT_UPLOAD_FOR,
        )
        .await
        .map_err(blob_error)?
        .ok_or(AppError::NotFound)?;
    Ok(PresignedUpload {
        id,
        request,
        expires_in: DIRECT_UPLOAD_FOR,
    })
}

/// Registers a direct upload once storage holds it: it must be under the actor's
/// prefix, signed for the actor, and exactly the promised size (within the limit);
/// otherwise it is refused (`NotFound`, or `Mismatch` on `file` with the bytes
/// removed). Completing twice gives the same upload.
pub async fn complete(deps: &Deps, actor: &Actor, id: &str) -> Result<UploadRecord, AppError> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    if let Some(done) = deps.store.get_upload(id).await? {
        return if done.owner_id == actor.user_id {
            Ok(done)
        } else {
            Err(AppError::NotFound)
        };
    }
    let key = direct_key(&actor.user_id, id)?;
    let arrived = deps
        .blobs
        .inspect_upload(&key, SNIFF_BYTES)
        .await
        .map_err(blob_error)?
        .ok_or(AppError::NotFound)?;
    let Some(promise) = arrived.promise.filter(|p| p.owner_id == actor.user_id) else {
        return Err(AppError::NotFound);
    };
    let max_bytes = deps.config.limits.max_attachment_bytes;
    if arrived.size != promise.size || arrived.size == 0 || arrived.size > max_bytes {
        tracing::warn!(
            upload = id,
            promised = promise.size,
            arrived = arrived.size,
            "direct upload refused"
        );
        deps.blobs.delete(&key).await.map_err(blob_error)?;
        return Err(if arrived.size > max_bytes {
            AppError::TooLarge { max_bytes }
        } else {
            AppError::invalid("file", Problem::Mismatch)
        });
    }
    check_pending(deps, actor).await?;
    deps.blobs.accept_upload(&key).await.map_err(blob_error)?;
    let name = attachment::file_name(&promise.name);
    let upload = UploadRecord {
        id: id.to_owned(),
        owner_id: actor.user_id.clone(),
        content_type: attachment::content_type(&name, &arrived.head).to_owned(),
        name,
        size: arrived.size,
        blob_key: key.to_string(),
        created_at: deps.clock.now(),
    };
    if let Err(e) = deps.store.create_upload(upload.clone()).await {
        // Completed at the same moment by another request of the same browser.
        return match deps.store.get_upload(id).await? {
            Some(done) if done.owner_id == actor.user_id => Ok(done),
            _ => Err(e.into()),
        };
    }
    Ok(upload)
}

/// A whole byte string as a stream (tests, demo data).
pub fn stream_of(bytes: impl Into<Bytes>) -> ByteStream {
    let bytes: Bytes = bytes.into();
    Box::pin(futures_util::stream::once(async move { Ok(bytes) }))
}
