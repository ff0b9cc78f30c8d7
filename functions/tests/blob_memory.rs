//! Uploads stream: storing a large body and refusing an oversized one keep the
//! process's memory flat. Alone in its own test binary, so that the peak resident size
//! it reads from /proc is its own.

#![cfg(target_os = "linux")]

use bytes::Bytes;
use futures_util::StreamExt;
use madoguchi::adapters::embedded::BlobDir;
use madoguchi::ports::blobs::{BlobError, BlobKey, Blobs, ByteStream};

const MB: u64 = 1024 * 1024;

/// The process's peak resident memory so far (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kb * 1024
}

/// `total` bytes in freshly allocated 256 KiB chunks: anything that keeps them, or
/// copies them into one buffer, grows the resident size.
fn body(total: u64) -> ByteStream {
    let chunk = 256 * 1024u64;
    Box::pin(
        futures_util::stream::iter(0..total.div_ceil(chunk)).map(move |i| {
            let len = (total - i * chunk).min(chunk) as usize;
            Ok(Bytes::from(vec![(i % 251) as u8; len]))
        }),
    )
}

#[tokio::test]
async fn storing_and_refusing_large_uploads_keeps_memory_flat() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobDir::open(dir.path()).unwrap();
    let before = peak_rss();

    let refused = blobs
        .put(&BlobKey::parse("big").unwrap(), body(120 * MB), 100 * MB)
        .await;
    assert!(matches!(refused, Err(BlobError::TooLarge { .. })));
    assert_eq!(
        blobs.count_files().unwrap() + blobs.count_unfinished().unwrap(),
        0
    );

    let k = BlobKey::parse("fits").unwrap();
    blobs.put(&k, body(80 * MB), 100 * MB).await.unwrap();
    let mut read = 0u64;
    let mut stream = blobs.get(&k).await.unwrap().unwrap().body;
    while let Some(c) = stream.next().await {
        read += c.unwrap().len() as u64;
    }
    assert_eq!(read, 80 * MB);

    let grown = peak_rss().saturating_sub(before);
    assert!(
        grown < 24 * MB,
        "peak memory grew by {} MB while streaming 200 MB",
        grown / MB
    );
}
