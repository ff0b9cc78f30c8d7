//! Independent reads in one BatchGetItem: what a use case needs to know before it
//! decides (the author, the ticket, the company, a contract, the uploads it attaches,
//! the counter its number comes from...), one round trip instead of one each.

use std::collections::HashSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::DynamoStore;
use super::accounts::contract_from;
use super::attr::{Item, Read, key};
use super::projects::project_from;
use super::tickets::{META, sequence_key, ticket_from, ticket_pk};
use super::uploads::{upload_from, upload_key};
use super::users::{company_from, user_from, user_key};
use crate::ports::store::{BatchItems, BatchRead, BatchStore, StoreError};

/// BatchGetItem takes at most 100 keys; a use case names a handful.
const MAX_KEYS: usize = 100;

#[async_trait]
impl BatchStore for DynamoStore {
    async fn read_batch(&self, want: BatchRead) -> Result<BatchItems, StoreError> {
        let mut seen = HashSet::new();
        let mut keys: Vec<Item> = Vec::new();
        let users = want.users.iter().map(|id| user_key(id));
        let tickets = want.tickets.iter().map(|n| key(ticket_pk(n), META));
        let companies = want
            .companies
            .iter()
            .map(|id| key(format!("COMPANY#{id}"), "COMPANY"));
        let contracts = want
            .contracts
            .iter()
            .map(|n| key(format!("CONTRACT#{n}"), "CONTRACT"));
        let projects = want
            .projects
            .iter()
            .map(|id| key(format!("PROJECT#{id}"), "PROJECT"));
        let uploads = want.uploads.iter().map(|id| upload_key(id));
        let sequences = want.sequences.iter().map(|k| sequence_key(k));
        let idempotency = want
            .idempotency_keys
            .iter()
            .map(|k| key(format!("IDEM#{k}"), "IDEM"));
        for k in users
            .chain(tickets)
            .chain(companies)
            .chain(contracts)
            .chain(projects)
            .chain(uploads)
            .chain(sequences)
            .chain(idempotency)
        {
            let pk = k.get("PK").and_then(|v| v.as_s().ok()).cloned();
            if seen.insert(pk) {
                keys.push(k);
            }
        }
        if keys.len() > MAX_KEYS {
            return Err(StoreError::unexpected(std::io::Error::other(format!(
                "a batch read of {} items (at most {MAX_KEYS})",
                keys.len()
            ))));
        }
        let mut found = BatchItems::default();
        // Keys DynamoDB leaves unprocessed (throttling) are asked for again.
        while !keys.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .consistent_read(true)
                .build()
                .map_err(StoreError::unexpected)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(self.failed("BatchGetItem"))?;
            for item in out
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                let pk = item
                    .get("PK")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str);
                let Some((kind, name)) = pk.and_then(|p| p.split_once('#')) else {
                    continue;
                };
                match kind {
                    "USER" => found.users.push(user_from(&item)?),
                    "TICKET" => found.tickets.push(ticket_from(&item)?),
                    "COMPANY" => found.companies.push(company_from(&item)?),
                    "CONTRACT" => found.contracts.push(contract_from(&item)?),
                    "PROJECT" => found.projects.push(project_from(&item)?),
                    "UPLOAD" => found.uploads.push(upload_from(&item)?),
                    "SEQ" => {
                        let value = Read::new("sequence", &item).n("value")?;
                        found.sequences.push((name.to_owned(), value));
                    }
                    "IDEM" => {
                        let ticket = Read::new("idempotency key", &item).s("ticket")?;
                        found.idempotent.push((name.to_owned(), ticket));
                    }
                    _ => {}
                }
            }
            if let Some(mut left) = out.unprocessed_keys
                && let Some(again) = left.remove(&self.table)
            {
                keys = again.keys;
            }
        }
        Ok(found)
    }
}
