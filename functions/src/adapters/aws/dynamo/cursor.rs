//! The list cursor: where a page ended (the last ticket's update time and number),
//! signed with HMAC-SHA256 so that a client can neither read meaning into it nor
//! forge one. The index partition of the next page comes from the query's scope,
//! never from the cursor, so even a forged cursor could only move the start of a page
//! inside the caller's own list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the tag kept in the cursor (128 bits).
const TAG_LEN: usize = 16;

#[derive(Clone)]
pub(super) struct CursorKey([u8; 64]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    /// Any length of secret; it is hashed to the HMAC key.
    pub(super) fn from_secret(secret: &[u8]) -> CursorKey {
        let mut h = Sha256::new();
        h.update(b"madoguchi list cursor v1\0");
        h.update(secret);
        // A key of one SHA-256 block (HMAC zero-pads shorter keys to that anyway).
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&h.finalize());
        CursorKey(key)
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new(&self.0.into())
    }

    /// The cursor that continues a list right after the ticket `number` updated at `at`.
    pub(super) fn sign(&self, at: Timestamp, number: &str) -> String {
        let payload = format!("{}.{number}", at.as_microsecond());
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_LEN])
        )
    }

    /// The position a cursor names, if it is one this key signed.
    pub(super) fn verify(&self, cursor: &str) -> Option<(Timestamp, String)> {
        let (payload, tag) = cursor.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TAG_LEN {
            return None;
        }
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_truncated_left(&tag).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let (at, number) = payload.split_once('.')?;
        let at = Timestamp::from_microsecond(at.parse().ok()?).ok()?;
        Some((at, number.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2026-11-23T01:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_signed_cursor_reads_back() {
        let key = CursorKey::from_secret(b"secret");
        let c = key.sign(at(), "2026112300001");
        assert_eq!(key.verify(&c), Some((at(), "2026112300001".to_owned())));
    }

    #[test]
    fn a_changed_cursor_or_another_key_is_refused() {
        let key = CursorKey::from_secret(b"secret");
        let c = key.sign(at(), "2026112300001");
        let (payload, tag) = c.split_once('.').unwrap();
        let forged = format!(
            "{}.{tag}",
            URL_SAFE_NO_PAD.encode(format!("{}.2026112300009", at().as_microsecond()))
        );
        assert_eq!(key.verify(&forged), None);
        assert_eq!(key.verify(&format!("{payload}.{}", &tag[1..])), None);
        assert_eq!(key.verify(&format!("{payload}.")), None);
        assert_eq!(key.verify("garbage"), None);
        assert_eq!(CursorKey::from_secret(b"other").verify(&c), None);
    }
}
