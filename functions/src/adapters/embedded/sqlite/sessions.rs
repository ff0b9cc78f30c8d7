//! Login sessions and failed-login counters on SQLite.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, duplicate_as, from_micros, immediate, micros};
use crate::ports::store::{SessionRecord, SessionStore, StoreError, ThrottleRecord};

const SESSION_COLUMNS: &str =
    "id, user_id, refresh_hash, previous_hash, csrf, created_at, refreshed_at, expires_at, revoked";

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        refresh_hash: r.get(2)?,
        previous_hash: r.get(3)?,
        csrf: r.get(4)?,
        created_at: from_micros(r.get(5)?)?,
        refreshed_at: from_micros(r.get(6)?)?,
        expires_at: from_micros(r.get(7)?)?,
        revoked: r.get(8)?,
    })
}

fn throttle_from_row(r: &Row<'_>) -> rusqlite::Result<ThrottleRecord> {
    Ok(ThrottleRecord {
        failures: r.get(0)?,
        first_at: from_micros(r.get(1)?)?,
        last_at: from_micros(r.get(2)?)?,
    })
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, s: SessionRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![
                    s.id,
                    s.user_id,
                    s.refresh_hash,
                    s.previous_hash,
                    s.csrf,
                    micros(s.created_at),
                    micros(s.refreshed_at),
                    micros(s.expires_at),
                    s.revoked
                ],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("session {}", s.id)))
        })
        .await
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"
            ))?
            .query_row(params![id], session_from_row)
            .optional()
        })
        .await
    }

    async fn rotate_session(
        &self,
        id: &str,
        expected_hash: &str,
        next_hash: &str,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let (id, expected, next) = (
            id.to_owned(),
            expected_hash.to_owned(),
            next_hash.to_owned(),
        );
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE sessions SET previous_hash = refresh_hash, refresh_hash = ?3, refreshed_at = ?4, expires_at = ?5 \
                     WHERE id = ?1 AND refresh_hash = ?2 AND revoked = 0",
                    params![id, expected, next, micros(at), micros(expires_at)],
                )
                .map_err(StoreError::unexpected)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::Conflict("session"))
            }
        })
        .await
    }

    async fn revoke_session(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            conn.execute("UPDATE sessions SET revoked = 1 WHERE id = ?1", params![id])
                .map(|_| ())
                .map_err(StoreError::unexpected)
        })
        .await
    }

    async fn revoke_user_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u32, StoreError> {
        let (user_id, keep) = (user_id.to_owned(), keep.unwrap_or_default().to_owned());
        self.write(move |conn| {
            conn.execute(
                "UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0 AND id <> ?2",
                params![user_id, keep],
            )
            .map(|n| n as u32)
            .map_err(StoreError::unexpected)
        })
        .await
    }

    async fn throttle(&self, key: &str) -> Result<Option<ThrottleRecord>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            c.prepare_cached(
                "SELECT failures, first_at, last_at FROM login_failures WHERE key = ?1",
            )?
            .query_row(params![key], throttle_from_row)
            .optional()
        })
        .await
    }

    async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        window: SignedDuration,
    ) -> Result<ThrottleRecord, StoreError> {
        let key = key.to_owned();
        let stale = micros(now) - window.as_micros() as i64;
        self.write(move |conn| {
            let tx = immediate(conn)?;
            let r = tx
                .query_row(
                    "INSERT INTO login_failures (key, failures, first_at, last_at) VALUES (?1, 1, ?2, ?2) \
                     ON CONFLICT (key) DO UPDATE SET \
                       failures = CASE WHEN last_at < ?3 THEN 1 ELSE failures + 1 END, \
                       first_at = CASE WHEN last_at < ?3 THEN ?2 ELSE first_at END, \
                       last_at = ?2 \
                     RETURNING failures, first_at, last_at",
                    params![key, micros(now), stale],
                    throttle_from_row,
                )
                .map_err(StoreError::unexpected)?;
            tx.commit().map_err(StoreError::unexpected)?;
            Ok(r)
        })
        .await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            conn.execute("DELETE FROM login_failures WHERE key = ?1", params![key])
                .map(|_| ())
                .map_err(StoreError::unexpected)
        })
        .await
    }
}
