//! Login sessions and failed-login counters.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use super::attr::{Item, ItemBuilder, Read, boolean, key, n, s, time, ttl};
use super::{DynamoStore, Query, expr};
use crate::ports::store::{SessionRecord, SessionStore, StoreError, ThrottleRecord};

fn session_key(id: &str) -> Item {
    key(format!("SESSION#{id}"), "SESSION")
}

/// A session's item: in its user's GSI1 partition while it is live, gone from there
/// once revoked; DynamoDB deletes it some time after it expired.
fn session_item(x: &SessionRecord) -> Item {
    let mut b = ItemBuilder::keyed(format!("SESSION#{}", x.id), "SESSION")
        .set("id", s(&x.id))
        .set("user_id", s(&x.user_id))
        .set("refresh_hash", s(&x.refresh_hash))
        .opt("previous_hash", x.previous_hash.as_deref().map(s))
        .set("csrf", s(&x.csrf))
        .set("created_at", time(x.created_at))
        .set("refreshed_at", time(x.refreshed_at))
        .set("expires_at", time(x.expires_at))
        .set("revoked", boolean(x.revoked))
        .set("ttl", ttl(x.expires_at));
    if !x.revoked {
        b = b.index("GSI1", format!("SESSIONS-OF#{}", x.user_id), x.id.as_str());
    }
    b.build()
}

fn session_from(item: &Item) -> Result<SessionRecord, StoreError> {
    let r = Read::new("session", item);
    Ok(SessionRecord {
        id: r.s("id")?,
        user_id: r.s("user_id")?,
        refresh_hash: r.s("refresh_hash")?,
        previous_hash: r.opt_s("previous_hash")?,
        csrf: r.s("csrf")?,
        created_at: r.time("created_at")?,
        refreshed_at: r.time("refreshed_at")?,
        expires_at: r.time("expires_at")?,
        revoked: r.boolean("revoked")?,
    })
}

const REVOKE: &str = "SET #revoked = :true REMOVE #GSI1PK, #GSI1SK";

fn throttle_key(key_: &str) -> Item {
    key(format!("THROTTLE#{key_}"), "THROTTLE")
}

fn throttle_from(item: &Item) -> Result<ThrottleRecord, StoreError> {
    let r = Read::new("failed logins", item);
    Ok(ThrottleRecord {
        failures: r.n("failures")?,
        first_at: r.time("first_at")?,
        last_at: r.time("last_at")?,
    })
}

/// How often `record_failure` goes between its two conditional updates when other
/// callers keep changing the count in between.
const THROTTLE_ATTEMPTS: usize = 8;

#[async_trait]
impl SessionStore for DynamoStore {
    async fn create_session(&self, session: SessionRecord) -> Result<(), StoreError> {
        if self
            .put(
                session_item(&session),
                Some(expr("attribute_not_exists(#PK)")),
            )
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate(format!("session {}", session.id)))
        }
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.get(session_key(id))
            .await?
            .as_ref()
            .map(session_from)
            .transpose()
    }

    async fn rotate_session(
        &self,
        id: &str,
        expected_hash: &str,
        next_hash: &str,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let rotated = self
            .update(
                session_key(id),
                "SET #previous_hash = #refresh_hash, #refresh_hash = :next, #refreshed_at = :at, \
                 #expires_at = :expires, #ttl = :ttl",
                Some("#refresh_hash = :expected AND #revoked = :false"),
                Item::from([
                    (":next".into(), s(next_hash)),
                    (":expected".into(), s(expected_hash)),
                    (":at".into(), time(at)),
                    (":expires".into(), time(expires_at)),
                    (":ttl".into(), ttl(expires_at)),
                    (":false".into(), boolean(false)),
                ]),
            )
            .await?;
        match rotated {
            Some(_) => Ok(()),
            None => Err(StoreError::Conflict("session")),
        }
    }

    async fn revoke_session(&self, id: &str) -> Result<(), StoreError> {
        // A session that is gone stays gone (no error).
        self.update(
            session_key(id),
            REVOKE,
            Some("attribute_exists(#PK)"),
            Item::from([(":true".into(), boolean(true))]),
        )
        .await
        .map(|_| ())
    }

    async fn revoke_user_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u32, StoreError> {
        let live = self
            .query_all(&Query::new(Some("GSI1"), format!("SESSIONS-OF#{user_id}")))
            .await?;
        let ids = live
            .iter()
            .map(|item| Read::new("session", item).s("id"))
            .collect::<Result<Vec<_>, _>>()?;
        let revokes = ids.iter().filter(|id| Some(id.as_str()) != keep).map(|id| {
            self.update(
                session_key(id),
                REVOKE,
                Some("#revoked = :false"),
                Item::from([
                    (":true".into(), boolean(true)),
                    (":false".into(), boolean(false)),
                ]),
            )
        });
        let mut revoked = 0;
        for result in futures_util::future::join_all(revokes).await {
            if result?.is_some() {
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn throttle(&self, key: &str) -> Result<Option<ThrottleRecord>, StoreError> {
        self.get(throttle_key(key))
            .await?
            .as_ref()
            .map(throttle_from)
            .transpose()
    }

    async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        window: SignedDuration,
    ) -> Result<ThrottleRecord, StoreError> {
        let stale = now.checked_sub(window).unwrap_or(now);
        // Kept a day past the window, after which it would start again at 1 anyway.
        let expires = now
            .checked_add(window)
            .and_then(|t| t.checked_add(SignedDuration::from_hours(24)))
            .unwrap_or(now);
        let values = || {
            Item::from([
                (":now".into(), time(now)),
                (":stale".into(), time(stale)),
                (":one".into(), n(1)),
                (":ttl".into(), ttl(expires)),
            ])
        };
        for _ in 0..THROTTLE_ATTEMPTS {
            // Within the window: one more.
            let counted = self
                .update(
                    throttle_key(key),
                    "SET #last_at = :now, #first_at = if_not_exists(#first_at, :now), #ttl = :ttl \
                     ADD #failures :one",
                    Some("attribute_not_exists(#PK) OR #last_at >= :stale"),
                    values(),
                )
                .await?;
            if let Some(item) = counted {
                return throttle_from(&item);
            }
            // The last failure is older than the window: start again at 1.
            let restarted = self
                .update(
                    throttle_key(key),
                    "SET #failures = :one, #first_at = :now, #last_at = :now, #ttl = :ttl",
                    Some("#last_at < :stale"),
                    values(),
                )
                .await?;
            if let Some(item) = restarted {
                return throttle_from(&item);
            }
        }
        Err(StoreError::Conflict("login failure count"))
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.delete(throttle_key(key), None).await.map(|_| ())
    }
}
