//! The outbox: one item per mail, written in the transaction of the change that caused
//! it. Unsent mails with a next attempt sit in the sparse `MAILDUE` partition of GSI3;
//! sending or giving up takes them out.

use async_trait::async_trait;
use jiff::Timestamp;

use super::attr::{Item, ItemBuilder, Read, bytes, key, n, order_key, s, strings, time, time_id};
use super::tickets::just_after;
use super::{DynamoStore, Query, SortKey, Write};
use crate::ports::store::{OutboxMail, OutboxStore, StoreError};

const DUE_PARTITION: &str = "MAILDUE";

fn mail_key(id: &str) -> Item {
    key(format!("MAIL#{id}"), "MAIL")
}

/// A mail's item: `PK = MAIL#<id>`, `SK = MAIL` and the id in `mail_id`, as the outbox
/// Lambda reading the stream expects.
pub(super) fn mail_item(m: &OutboxMail) -> Item {
    let mut b = ItemBuilder::keyed(format!("MAIL#{}", m.id), "MAIL")
        .set("mail_id", s(&m.id))
        .set("created_at", time(m.created_at))
        .set("recipients", strings(&m.recipients))
        .set("message", bytes(&m.message))
        .set("attempts", n(m.attempts))
        .opt("next_attempt_at", m.next_attempt_at.map(time))
        .opt("sent_at", m.sent_at.map(time))
        .opt("last_error", m.last_error.as_deref().map(s))
        .opt("ticket", m.ticket.as_deref().map(s));
    if let (None, Some(next)) = (m.sent_at, m.next_attempt_at) {
        b = b.index("GSI3", DUE_PARTITION, time_id(next, &m.id));
    }
    b.build()
}

fn mail_from(item: &Item) -> Result<OutboxMail, StoreError> {
    let r = Read::new("mail", item);
    Ok(OutboxMail {
        id: r.s("mail_id")?,
        created_at: r.time("created_at")?,
        recipients: r.strings("recipients")?,
        message: r.bytes("message")?,
        attempts: r.n("attempts")?,
        next_attempt_at: r.opt_time("next_attempt_at")?,
        sent_at: r.opt_time("sent_at")?,
        last_error: r.opt_s("last_error")?,
        ticket: r.opt_s("ticket")?,
    })
}

/// Only a mail that is there and unsent is changed.
const UNSENT: &str = "attribute_exists(#PK) AND attribute_not_exists(#sent_at)";

#[async_trait]
impl OutboxStore for DynamoStore {
    async fn queue_mails(&self, mails: Vec<OutboxMail>) -> Result<(), StoreError> {
        if mails.is_empty() {
            return Ok(());
        }
        let writes = mails.iter().map(|m| Write::put_new(mail_item(m))).collect();
        match self.transact(writes).await? {
            Ok(()) => Ok(()),
            Err(reasons) if reasons.iter().any(super::Reason::failed) => {
                Err(StoreError::Duplicate("mail".into()))
            }
            Err(reasons) => Err(super::tickets::cancelled_by("mails", &reasons)),
        }
    }

    async fn due_mails(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Query::new(Some("GSI3"), DUE_PARTITION)
            .sort(SortKey::Below(order_key(just_after(now))))
            .limit(limit);
        let (items, _) = self.query_page(&q, None).await?;
        items.iter().map(mail_from).collect()
    }

    async fn get_mail(&self, id: &str) -> Result<Option<OutboxMail>, StoreError> {
        self.get(mail_key(id))
            .await?
            .as_ref()
            .map(mail_from)
            .transpose()
    }

    async fn mark_sent(&self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let sent = self
            .update(
                mail_key(id),
                "SET #sent_at = :at, #attempts = #attempts + :one REMOVE #GSI3PK, #GSI3SK",
                Some(UNSENT),
                Item::from([(":at".into(), time(at)), (":one".into(), n(1))]),
            )
            .await?;
        Ok(sent.is_some())
    }

    async fn mark_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let mut values = Item::from([(":error".into(), s(error)), (":one".into(), n(1))]);
        let update = match next_attempt_at {
            Some(next) => {
                values.insert(":next".into(), time(next));
                values.insert(":due".into(), s(DUE_PARTITION));
                values.insert(":order".into(), s(time_id(next, id)));
                "SET #attempts = #attempts + :one, #last_error = :error, #next_attempt_at = :next, \
                 #GSI3PK = :due, #GSI3SK = :order"
            }
            None => {
                "SET #attempts = #attempts + :one, #last_error = :error \
                 REMOVE #next_attempt_at, #GSI3PK, #GSI3SK"
            }
        };
        // A mail that is gone or already sent is left as it is (as on SQLite).
        self.update(mail_key(id), update, Some(UNSENT), values)
            .await
            .map(|_| ())
    }
}
