//! Staff users' saved searches on SQLite.

use async_trait::async_trait;
use rusqlite::{Row, params};

use super::{SqliteStore, duplicate_as, from_micros, micros};
use crate::ports::store::{SavedSearchRecord, SavedSearchStore, StoreError};

fn search_from_row(r: &Row<'_>) -> rusqlite::Result<SavedSearchRecord> {
    Ok(SavedSearchRecord {
        user_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        query: r.get(3)?,
        created_at: from_micros(r.get(4)?)?,
    })
}

#[async_trait]
impl SavedSearchStore for SqliteStore {
    async fn saved_searches(&self, user_id: &str) -> Result<Vec<SavedSearchRecord>, StoreError> {
        let user = user_id.to_owned();
        self.read(move |c| {
            c.prepare_cached(
                "SELECT user_id, id, name, query, created_at FROM saved_searches WHERE user_id = ?1 ORDER BY created_at, id",
            )?
            .query_map(params![user], search_from_row)?
            .collect()
        })
        .await
    }

    async fn save_search(&self, s: SavedSearchRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO saved_searches (user_id, id, name, query, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.user_id, s.id, s.name, s.query, micros(s.created_at)],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("saved search {}", s.id)))
        })
        .await
    }

    async fn delete_search(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let (user, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM saved_searches WHERE user_id = ?1 AND id = ?2",
                params![user, id],
            )
            .map(|n| n == 1)
            .map_err(StoreError::unexpected)
        })
        .await
    }
}
