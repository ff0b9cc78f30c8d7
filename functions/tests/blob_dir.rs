//! The Blobs conformance suite on the attachments folder, and what only a folder can
//! show: no file, finished or not, is left behind by a refused or abandoned upload.

mod blob_conformance;

use std::sync::Arc;

use blob_conformance::{MB, Meter, generated, key};
use futures_util::StreamExt;
use madoguchi::adapters::embedded::BlobDir;
use madoguchi::ports::blobs::{BlobError, Blobs};

async fn blob_dir() -> (Arc<dyn Blobs>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobDir::open(&dir.path().join("attachments")).unwrap();
    (Arc::new(blobs), dir)
}

blob_conformance_tests!(blob_dir);

#[tokio::test]
async fn a_refused_upload_leaves_no_file_not_even_a_temporary_one() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobDir::open(dir.path()).unwrap();
    let r = blobs
        .put(
            &key("2026/11/big"),
            generated(120 * MB, Arc::new(Meter::default())),
            100 * MB,
        )
        .await;
    assert!(matches!(r, Err(BlobError::TooLarge { .. })));
    assert_eq!(blobs.count_files().unwrap(), 0);
    assert_eq!(blobs.count_unfinished().unwrap(), 0);
}

#[tokio::test]
async fn an_upload_abandoned_half_way_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobDir::open(dir.path()).unwrap();
    // A body that sends one chunk and then never ends, like a client that hangs.
    let body = Box::pin(
        futures_util::stream::once(async { Ok(bytes::Bytes::from_static(b"half")) })
            .chain(futures_util::stream::pending()),
    );
    let k = key("2026/11/abandoned");
    let put = blobs.put(&k, body, MB);
    // The server drops the request's future when the client goes away.
    let _ = tokio::time::timeout(std::time::Duration::from_millis(50), put).await;
    assert_eq!(blobs.count_unfinished().unwrap(), 0);
    assert_eq!(blobs.count_files().unwrap(), 0);
}

#[tokio::test]
async fn unfinished_files_of_an_earlier_run_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".tmp")).unwrap();
    std::fs::write(dir.path().join(".tmp/crashed.part"), b"partial").unwrap();
    let blobs = BlobDir::open(dir.path()).unwrap();
    assert_eq!(blobs.count_unfinished().unwrap(), 0);
}

#[tokio::test]
async fn blobs_are_files_under_the_folder_named_by_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobDir::open(&dir.path().join("attachments")).unwrap();
    let body = Box::pin(futures_util::stream::once(async {
        Ok(bytes::Bytes::from_static("ログ".as_bytes()))
    }));
    blobs.put(&key("2026/11/abc"), body, MB).await.unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("attachments/2026/11/abc")).unwrap(),
        "ログ".as_bytes()
    );
}
