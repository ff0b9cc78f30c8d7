//! Staff users' saved searches: an item each in the user's own partition.

use async_trait::async_trait;

use super::attr::{Item, ItemBuilder, Read, key, s, time};
use super::{DynamoStore, Query, SortKey, expr};
use crate::ports::store::{SavedSearchRecord, SavedSearchStore, StoreError};

fn partition(user_id: &str) -> String {
    format!("SEARCHES#{user_id}")
}

fn search_item(x: &SavedSearchRecord) -> Item {
    ItemBuilder::keyed(partition(&x.user_id), format!("SEARCH#{}", x.id))
        .set("user_id", s(&x.user_id))
        .set("id", s(&x.id))
        .set("name", s(&x.name))
        .set("query", s(&x.query))
        .set("created_at", time(x.created_at))
        .build()
}

fn search_from(item: &Item) -> Result<SavedSearchRecord, StoreError> {
    let r = Read::new("saved search", item);
    Ok(SavedSearchRecord {
        user_id: r.s("user_id")?,
        id: r.s("id")?,
        name: r.s("name")?,
        query: r.s("query")?,
        created_at: r.time("created_at")?,
    })
}

#[async_trait]
impl SavedSearchStore for DynamoStore {
    async fn saved_searches(&self, user_id: &str) -> Result<Vec<SavedSearchRecord>, StoreError> {
        let q = Query::new(None, partition(user_id)).sort(SortKey::BeginsWith("SEARCH#".into()));
        let mut all = self
            .query_all(&q)
            .await?
            .iter()
            .map(search_from)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(all)
    }

    async fn save_search(&self, search: SavedSearchRecord) -> Result<(), StoreError> {
        if self
            .put(
                search_item(&search),
                Some(expr("attribute_not_exists(#PK)")),
            )
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate(format!("saved search {}", search.id)))
        }
    }

    async fn delete_search(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete(
            key(partition(user_id), format!("SEARCH#{id}")),
            Some(expr("attribute_exists(#PK)")),
        )
        .await
    }
}
