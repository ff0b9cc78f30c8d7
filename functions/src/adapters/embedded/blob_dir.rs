//! The Blobs port on a folder (`data/attachments/`): each blob is a file named by its
//! key, written to a temporary file first and renamed into place when complete, so a
//! reader never sees half a file and a crash leaves only a temporary file that the
//! next start removes.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::ports::blobs::{Blob, BlobError, BlobKey, Blobs, ByteStream};

/// Unfinished uploads live here (a dot name no key can take).
const TMP: &str = ".tmp";

/// How much is read from a file at a time when streaming it out.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
}

/// Removes a temporary file unless the upload completed, also when the upload's future
/// is dropped half-way (the client went away).
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn random_name() -> String {
    let mut bytes = [0u8; 12];
    // Without randomness the name is still unique enough with the time and a counter.
    let _ = getrandom::fill(&mut bytes);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{n}.part")
}

impl BlobDir {
    /// Opens (creating) the folder and removes unfinished uploads of an earlier run.
    pub fn open(root: &Path) -> std::io::Result<BlobDir> {
        let tmp = root.join(TMP);
        std::fs::create_dir_all(&tmp)?;
        for entry in std::fs::read_dir(&tmp)? {
            let _ = std::fs::remove_file(entry?.path());
        }
        Ok(BlobDir {
            root: root.to_path_buf(),
        })
    }

    /// The file of a key. `BlobKey` admits no `..`, no absolute path and no dot names,
    /// so the path stays inside the folder and off the temporary files.
    fn path(&self, key: &BlobKey) -> PathBuf {
        let mut p = self.root.clone();
        for seg in key.segments() {
            p.push(seg);
        }
        p
    }

    /// Blobs stored (not counting unfinished ones), for tests and checks.
    pub fn count_files(&self) -> std::io::Result<usize> {
        fn walk(dir: &Path, skip: &Path) -> std::io::Result<usize> {
            let mut n = 0;
            for entry in std::fs::read_dir(dir)? {
                let path = entry?.path();
                if path == skip {
                    continue;
                }
                n += if path.is_dir() { walk(&path, skip)? } else { 1 };
            }
            Ok(n)
        }
        walk(&self.root, &self.root.join(TMP))
    }

    /// Files left in the temporary folder, for tests.
    pub fn count_unfinished(&self) -> std::io::Result<usize> {
        Ok(std::fs::read_dir(self.root.join(TMP))?.count())
    }
}

#[async_trait]
impl Blobs for BlobDir {
    async fn put(
        &self,
        key: &BlobKey,
        mut body: ByteStream,
        max_bytes: u64,
    ) -> Result<u64, BlobError> {
        let mut temp = TempFile {
            path: self.root.join(TMP).join(random_name()),
            keep: false,
        };
        let mut file = tokio::fs::File::create(&temp.path)
            .await
            .map_err(BlobError::unexpected)?;
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(BlobError::Interrupted)?;
            size += chunk.len() as u64;
            if size > max_bytes {
                // `temp` removes the partial file on the way out.
                return Err(BlobError::TooLarge { max_bytes });
            }
            file.write_all(&chunk)
                .await
                .map_err(BlobError::unexpected)?;
        }
        file.sync_all().await.map_err(BlobError::unexpected)?;
        drop(file);
        let target = self.path(key);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(BlobError::unexpected)?;
        }
        tokio::fs::rename(&temp.path, &target)
            .await
            .map_err(BlobError::unexpected)?;
        temp.keep = true;
        Ok(size)
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Blob>, BlobError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(BlobError::unexpected(e)),
        };
        let meta = file.metadata().await.map_err(BlobError::unexpected)?;
        if !meta.is_file() {
            return Ok(None);
        }
        let body = futures_util::stream::try_unfold(file, |mut file| async move {
            let mut buf = BytesMut::zeroed(READ_CHUNK);
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some((Bytes::from(buf), file)))
        });
        Ok(Some(Blob {
            size: meta.len(),
            body: Box::pin(body),
        }))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(BlobError::unexpected(e)),
            _ => Ok(()),
        }
    }
}
