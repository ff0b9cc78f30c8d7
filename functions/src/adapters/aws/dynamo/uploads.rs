//! Pending uploads: an item per upload, listed by owner (GSI1) and by age (GSI2).

use async_trait::async_trait;
use jiff::Timestamp;

use super::attr::{Item, ItemBuilder, Read, key, n, order_key, s, time, time_id};
use super::{DynamoStore, Expr, Query, SortKey, Write, expr};
use crate::ports::store::{StoreError, UploadRecord, UploadStore};

const ALL_PARTITION: &str = "UPLOADS";

pub(super) fn upload_key(id: &str) -> Item {
    key(format!("UPLOAD#{id}"), "UPLOAD")
}

fn upload_item(u: &UploadRecord) -> Item {
    let order = time_id(u.created_at, &u.id);
    ItemBuilder::keyed(format!("UPLOAD#{}", u.id), "UPLOAD")
        .set("id", s(&u.id))
        .set("owner_id", s(&u.owner_id))
        .set("name", s(&u.name))
        .set("size", n(u.size))
        .set("content_type", s(&u.content_type))
        .set("blob_key", s(&u.blob_key))
        .set("created_at", time(u.created_at))
        .index("GSI1", format!("UPLOADS-OF#{}", u.owner_id), order.as_str())
        .index("GSI2", ALL_PARTITION, order)
        .build()
}

pub(super) fn upload_from(item: &Item) -> Result<UploadRecord, StoreError> {
    let r = Read::new("upload", item);
    Ok(UploadRecord {
        id: r.s("id")?,
        owner_id: r.s("owner_id")?,
        name: r.s("name")?,
        size: r.n("size")?,
        content_type: r.s("content_type")?,
        blob_key: r.s("blob_key")?,
        created_at: r.time("created_at")?,
    })
}

fn owned_by(owner_id: &str) -> Expr {
    expr("attribute_exists(#PK) AND #owner_id = :owner").val(":owner", s(owner_id))
}

/// The transaction write that takes a pending upload as an attachment: it must still
/// be there and be `owner_id`'s.
pub(super) fn claim(id: &str, owner_id: &str) -> Write {
    Write::Delete {
        key: upload_key(id),
        cond: Some(owned_by(owner_id)),
    }
}

#[async_trait]
impl UploadStore for DynamoStore {
    async fn create_upload(&self, upload: UploadRecord) -> Result<(), StoreError> {
        if self
            .put(
                upload_item(&upload),
                Some(expr("attribute_not_exists(#PK)")),
            )
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate(format!("upload {}", upload.id)))
        }
    }

    async fn get_upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        self.get(upload_key(id))
            .await?
            .as_ref()
            .map(upload_from)
            .transpose()
    }

    async fn uploads_of(&self, owner_id: &str) -> Result<Vec<UploadRecord>, StoreError> {
        let q = Query::new(Some("GSI1"), format!("UPLOADS-OF#{owner_id}"));
        self.query_all(&q).await?.iter().map(upload_from).collect()
    }

    async fn delete_upload(&self, id: &str, owner_id: &str) -> Result<bool, StoreError> {
        self.delete(upload_key(id), Some(owned_by(owner_id))).await
    }

    async fn uploads_created_before(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadRecord>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Query::new(Some("GSI2"), ALL_PARTITION)
            .sort(SortKey::Below(order_key(before)))
            .limit(limit);
        let (items, _) = self.query_page(&q, None).await?;
        items.iter().map(upload_from).collect()
    }
}
