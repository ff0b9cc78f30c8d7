//! The Blobs conformance suite: every adapter must pass every check here. Each check
//! takes a fresh, empty blob store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::StreamExt;
use madoguchi::ports::blobs::{BlobError, BlobKey, Blobs, ByteStream};

pub const MB: u64 = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

pub fn key(s: &str) -> BlobKey {
    BlobKey::parse(s).unwrap()
}

/// Chunk `i` of a deterministic pseudo-random byte stream.
pub fn chunk(i: u64, len: usize) -> Vec<u8> {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Counts the bytes of chunks that are alive (made and not yet dropped), and how many
/// bytes the consumer pulled.
#[derive(Default)]
pub struct Meter {
    live: AtomicU64,
    peak: AtomicU64,
    pulled: AtomicU64,
}

struct Counted {
    data: Vec<u8>,
    meter: Arc<Meter>,
}

impl AsRef<[u8]> for Counted {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.meter
            .live
            .fetch_sub(self.data.len() as u64, Ordering::SeqCst);
    }
}

impl Meter {
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::SeqCst)
    }
    pub fn pulled(&self) -> u64 {
        self.pulled.load(Ordering::SeqCst)
    }
}

/// A stream of `total` bytes in 64 KiB chunks, made only as the consumer asks, each
/// chunk counted by `meter` while it is alive.
pub fn generated(total: u64, meter: Arc<Meter>) -> ByteStream {
    let chunks = total.div_ceil(CHUNK as u64);
    Box::pin(futures_util::stream::iter(0..chunks).map(move |i| {
        let len = (total - i * CHUNK as u64).min(CHUNK as u64) as usize;
        let n = meter.live.fetch_add(len as u64, Ordering::SeqCst) + len as u64;
        meter.peak.fetch_max(n, Ordering::SeqCst);
        meter.pulled.fetch_add(len as u64, Ordering::SeqCst);
        Ok(Bytes::from_owner(Counted {
            data: chunk(i, len),
            meter: meter.clone(),
        }))
    }))
}

/// Compares a stream with `generated(total)` without holding either whole.
pub async fn assert_same_as_generated(mut body: ByteStream, total: u64) {
    let mut expected_index = 0u64;
    let mut expected: Vec<u8> = Vec::new();
    let mut offset = 0usize;
    let mut seen = 0u64;
    while let Some(got) = body.next().await {
        let got = got.unwrap();
        let mut rest = &got[..];
        while !rest.is_empty() {
            if offset == expected.len() {
                let len = (total - expected_index * CHUNK as u64).min(CHUNK as u64) as usize;
                expected = chunk(expected_index, len);
                expected_index += 1;
                offset = 0;
            }
            let n = rest.len().min(expected.len() - offset);
            assert_eq!(
                &rest[..n],
                &expected[offset..offset + n],
                "bytes differ at {}",
                seen
            );
            offset += n;
            seen += n as u64;
            rest = &rest[n..];
        }
    }
    assert_eq!(seen, total, "length");
}

pub async fn a_twenty_megabyte_blob_round_trips_byte_for_byte(blobs: Arc<dyn Blobs>) {
    let meter = Arc::new(Meter::default());
    let k = key("2026/11/round-trip");
    let size = blobs
        .put(&k, generated(20 * MB, meter.clone()), 100 * MB)
        .await
        .unwrap();
    assert_eq!(size, 20 * MB);
    let blob = blobs.get(&k).await.unwrap().expect("stored");
    assert_eq!(blob.size, 20 * MB);
    assert_same_as_generated(blob.body, 20 * MB).await;
}

pub async fn a_stream_over_the_limit_is_refused_as_soon_as_it_passes_and_nothing_is_kept(
    blobs: Arc<dyn Blobs>,
) {
    let meter = Arc::new(Meter::default());
    let k = key("2026/11/too-big");
    let r = blobs
        .put(&k, generated(120 * MB, meter.clone()), 100 * MB)
        .await;
    assert!(
        matches!(r, Err(BlobError::TooLarge { max_bytes }) if max_bytes == 100 * MB),
        "{r:?}"
    );
    assert!(
        meter.pulled() <= 100 * MB + CHUNK as u64,
        "stopped reading at the limit, pulled {}",
        meter.pulled()
    );
    assert!(blobs.get(&k).await.unwrap().is_none());
}

pub async fn a_put_holds_only_a_few_chunks_in_memory(blobs: Arc<dyn Blobs>) {
    let meter = Arc::new(Meter::default());
    let k = key("2026/11/streamed");
    blobs
        .put(&k, generated(64 * MB, meter.clone()), 100 * MB)
        .await
        .unwrap();
    // S3 multipart parts are at least 5 MB; a local file needs one chunk.
    assert!(
        meter.peak() <= 16 * MB,
        "held {} bytes at once",
        meter.peak()
    );
    blobs.delete(&k).await.unwrap();
}

pub async fn a_failing_stream_keeps_nothing(blobs: Arc<dyn Blobs>) {
    let k = key("2026/11/interrupted");
    let body: ByteStream = Box::pin(futures_util::stream::iter(vec![
        Ok(Bytes::from_static(b"first part ")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the client went away",
        )),
    ]));
    let r = blobs.put(&k, body, MB).await;
    assert!(matches!(r, Err(BlobError::Interrupted(_))), "{r:?}");
    assert!(blobs.get(&k).await.unwrap().is_none());
}

pub async fn a_put_replaces_and_a_delete_removes_even_twice(blobs: Arc<dyn Blobs>) {
    let k = key("a/b/c");
    assert!(blobs.get(&k).await.unwrap().is_none());
    blobs.delete(&k).await.unwrap();
    let once = |s: &'static str| -> ByteStream {
        Box::pin(futures_util::stream::once(async move {
            Ok(Bytes::from_static(s.as_bytes()))
        }))
    };
    blobs.put(&k, once("first"), MB).await.unwrap();
    assert_eq!(blobs.put(&k, once("second!"), MB).await.unwrap(), 7);
    let blob = blobs.get(&k).await.unwrap().unwrap();
    assert_eq!(blob.size, 7);
    let bytes: Vec<u8> = blob.body.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(bytes, b"second!");
    blobs.delete(&k).await.unwrap();
    blobs.delete(&k).await.unwrap();
    assert!(blobs.get(&k).await.unwrap().is_none());
}

pub async fn an_empty_blob_is_stored_as_empty(blobs: Arc<dyn Blobs>) {
    let k = key("empty");
    let body: ByteStream = Box::pin(futures_util::stream::empty());
    assert_eq!(blobs.put(&k, body, MB).await.unwrap(), 0);
    assert_eq!(blobs.get(&k).await.unwrap().unwrap().size, 0);
}

/// One `#[tokio::test]` per check: `blob_conformance_tests!(make)` where `make()`
/// returns `(Arc<dyn Blobs>, guard)` and the guard lives for the test.
#[macro_export]
macro_rules! blob_conformance_tests {
    ($make:path) => {
        $crate::blob_conformance_tests!(@each $make,
            a_twenty_megabyte_blob_round_trips_byte_for_byte,
            a_stream_over_the_limit_is_refused_as_soon_as_it_passes_and_nothing_is_kept,
            a_put_holds_only_a_few_chunks_in_memory,
            a_failing_stream_keeps_nothing,
            a_put_replaces_and_a_delete_removes_even_twice,
            an_empty_blob_is_stored_as_empty);
    };
    (@each $make:path, $($name:ident),*) => {$(
        #[tokio::test]
        async fn $name() {
            let (blobs, _guard) = $make().await;
            blob_conformance::$name(blobs).await;
        }
    )*};
}
