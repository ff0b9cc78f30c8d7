//! Staff search on DynamoDB: an inverted index of posting items in the same table.
//!
//! A Japanese article has hundreds of distinct bigrams, more than a TransactWriteItems
//! takes (100 writes), so a ticket's transaction writes one *index job* instead: the
//! terms the new text adds, with their counts (`TICKET#<no>` / `INDEXJOB#<seq>`, also
//! on GSI3 `INDEXJOBS` by time). That is the transactional part: no committed change
//! lacks its job. Right after the transaction the store applies the job (one posting
//! item per term, `TERM#<term>` / `<no>#<seq>` with the count, by BatchWriteItem) and
//! deletes it; a job left behind by a crash is applied by the sweep
//! (`catch_up_search_index`). Applying is idempotent (puts of the same items), so a job
//! applied twice changes nothing. A ticket's postings are per article, so no posting is
//! ever read, added to and written back.
//!
//! A search with words: one Query per term (in parallel, every page), the tickets that
//! hold them all summed per ticket, their tickets by BatchGetItem (100 a call), the
//! filters, the ranking (`ports::search::rank`). Without words: the staff list's pages
//! (GSI3; a requester's or company's own list when the filter names one), filtered.
//!
//! Tickets stored before the index existed are indexed by the sweep too, 50 a run,
//! oldest update first (`backfill`), so a deployment's existing tickets become
//! searchable without a separate job.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use futures_util::{StreamExt, TryStreamExt, stream};

use super::attr::{Item, ItemBuilder, Read, boolean, key, n, order_key, s, time};
use super::tickets::ticket_pk;
use super::{DynamoStore, Query, Write};
use crate::domain::ticket::State;
use crate::ports::search::{
    FilterField, SearchCursor, SearchOrder, SearchQuery, SearchStore, new_ticket_text, rank,
    term_counts,
};
use crate::ports::store::{
    BatchRead, BatchStore, ListFilter, ListQuery, Page, Scope, StoreError, TicketRecord,
    TicketStore,
};

const JOBS: &str = "INDEXJOBS";

/// The item that remembers how far the indexing of older tickets got.
const BACKFILL: &str = "SEARCHBACKFILL";

/// Older tickets indexed per sweep run (each costs a Query of its articles).
const BACKFILL_BATCH: u32 = 50;

/// BatchWriteItem takes at most 25 writes.
const MAX_BATCH_WRITES: usize = 25;

/// BatchGetItem takes at most 100 keys.
const MAX_BATCH_READS: usize = 100;

/// BatchGetItems of one search in flight at once (a word in many tickets needs many).
const PARALLEL_READS: usize = 8;

/// Tickets a search without words looks through per request; past it the page ends
/// early, with a cursor that continues where it stopped.
const SCAN_LIMIT: usize = 5_000;

/// A ticket's text to add to the index: `text` written with article `seq`.
pub(super) struct IndexJob {
    pub number: String,
    pub seq: u32,
    pub terms: BTreeMap<String, u32>,
}

impl IndexJob {
    pub(super) fn new(number: &str, seq: u32, text: &str) -> IndexJob {
        IndexJob {
            number: number.to_owned(),
            seq,
            terms: term_counts(text),
        }
    }

    fn sk(&self) -> String {
        format!("INDEXJOB#{:010}", self.seq)
    }

    /// The job item, written in the ticket's transaction.
    pub(super) fn write(&self, at: jiff::Timestamp) -> Write {
        let terms = self.terms.iter().map(|(t, c)| (t.clone(), n(c))).collect();
        Write::put(
            ItemBuilder::keyed(ticket_pk(&self.number), self.sk())
                .index(
                    "GSI3",
                    JOBS,
                    format!("{}#{}#{:010}", order_key(at), self.number, self.seq),
                )
                .set("number", s(&self.number))
                .set("seq", n(self.seq))
                .set("terms", AttributeValue::M(terms))
                .build(),
        )
    }

    fn read(item: &Item) -> Result<IndexJob, StoreError> {
        let r = Read::new("index job", item);
        let terms = match item.get("terms") {
            Some(AttributeValue::M(m)) => m
                .iter()
                .map(|(t, c)| {
                    let c = c
                        .as_n()
                        .ok()
                        .and_then(|c| c.parse().ok())
                        .ok_or_else(|| r.bad("terms", "a count that is not a number"))?;
                    Ok((t.clone(), c))
                })
                .collect::<Result<_, StoreError>>()?,
            _ => return Err(r.bad("terms", "missing or not a map")),
        };
        Ok(IndexJob {
            number: r.s("number")?,
            seq: r.n("seq")?,
            terms,
        })
    }

    fn postings(&self) -> impl Iterator<Item = Item> + '_ {
        self.terms.iter().map(|(term, tf)| {
            ItemBuilder::keyed(
                format!("TERM#{term}"),
                format!("{}#{:010}", self.number, self.seq),
            )
            .set("number", s(&self.number))
            .set("tf", n(tf))
            .build()
        })
    }
}

impl DynamoStore {
    /// Writes a job's postings, then deletes the job (a last BatchWriteItem of its own,
    /// so that the job goes only once every posting is written). Idempotent.
    async fn apply_job(&self, job: &IndexJob) -> Result<(), StoreError> {
        self.write_postings(job).await?;
        let delete = DeleteRequest::builder()
            .set_key(Some(key(ticket_pk(&job.number), job.sk())))
            .build()
            .map_err(StoreError::unexpected)?;
        self.batch_write(vec![WriteRequest::builder().delete_request(delete).build()])
            .await
    }

    /// Puts a job's posting items, 25 a BatchWriteItem.
    async fn write_postings(&self, job: &IndexJob) -> Result<(), StoreError> {
        let puts = job
            .postings()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(StoreError::unexpected)
            })
            .collect::<Result<Vec<_>, _>>()?;
        for chunk in puts.chunks(MAX_BATCH_WRITES) {
            self.batch_write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// Indexes the next tickets stored before the index existed, oldest update first,
    /// from where the last run stopped (the `SEARCHBACKFILL` item), until it has seen
    /// the newest; then it only reads that item. Tickets written since are indexed
    /// already and are indexed again alike (the same posting items); a ticket updated
    /// meanwhile moves ahead of the walk and is met again, so none is missed.
    async fn backfill(&self) -> Result<u32, StoreError> {
        let marker = key(BACKFILL, BACKFILL);
        let mut cursor = None;
        if let Some(item) = self.get(marker.clone()).await? {
            let r = Read::new("search backfill", &item);
            if r.opt_boolean("done")?.unwrap_or(false) {
                return Ok(0);
            }
            if let (Some(at), Some(number)) = (r.opt_time("after_at")?, r.opt_s("after_number")?) {
                cursor = Some(self.cursor_key.sign(at, &number));
            }
        }
        let page = self
            .list_tickets(&ListQuery {
                scope: Scope::All,
                filter: ListFilter::All,
                oldest_first: true,
                limit: BACKFILL_BATCH,
                cursor,
            })
            .await?;
        for t in &page.items {
            for (i, a) in self.articles(&t.number).await?.iter().enumerate() {
                let text = if i == 0 {
                    new_ticket_text(t, &a.body_md)
                } else {
                    a.body_md.clone()
                };
                self.write_postings(&IndexJob::new(&t.number, a.seq, &text))
                    .await?;
            }
        }
        let next = ItemBuilder::keyed(BACKFILL, BACKFILL);
        let next = match (&page.next, page.items.last()) {
            (Some(_), Some(last)) => next
                .set("after_at", time(last.updated_at))
                .set("after_number", s(&last.number)),
            _ => next.set("done", boolean(true)),
        };
        self.put(next.build(), None).await?;
        Ok(page.items.len() as u32)
    }

    /// One BatchWriteItem (at most 25 writes), sent again with what DynamoDB left
    /// unprocessed (throttling) after a pause.
    async fn batch_write(&self, mut writes: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut attempt = 0;
        while !writes.is_empty() {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, std::mem::take(&mut writes))
                .send()
                .await
                .map_err(self.failed("BatchWriteItem"))?;
            if let Some(left) = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .filter(|l| !l.is_empty())
            {
                attempt += 1;
                tokio::time::sleep(super::backoff(attempt)).await;
                writes = left;
            }
        }
        Ok(())
    }

    /// Applies the job a committed write made; a failure leaves it to the sweep (the
    /// write itself stands).
    pub(super) async fn apply_after_commit(&self, job: Option<IndexJob>) {
        if let Some(job) = job
            && let Err(e) = self.apply_job(&job).await
        {
            tracing::warn!(error = %e, ticket = %job.number, "an index job is left to the sweep");
        }
    }

    /// Every posting of `term`: the tickets holding it and how often.
    async fn postings(&self, term: &str) -> Result<HashMap<String, u64>, StoreError> {
        let items = self
            .query_all(&Query::new(None, format!("TERM#{term}")))
            .await?;
        let mut counts = HashMap::new();
        for item in &items {
            let r = Read::new("posting", item);
            *counts.entry(r.s("number")?).or_insert(0) += r.n::<u64>("tf")?;
        }
        Ok(counts)
    }

    async fn search_words(&self, q: &SearchQuery) -> Result<Page<TicketRecord>, StoreError> {
        let lists =
            futures_util::future::try_join_all(q.terms.iter().map(|t| self.postings(t))).await?;
        let Some(smallest) = lists.iter().min_by_key(|l| l.len()) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let scores: HashMap<&String, u64> = smallest
            .keys()
            .filter_map(|number| {
                lists
                    .iter()
                    .map(|l| l.get(number))
                    .sum::<Option<u64>>()
                    .map(|score| (number, score))
            })
            .collect();
        let numbers: Vec<String> = scores.keys().map(|n| (*n).clone()).collect();
        let reads: Vec<_> = numbers
            .chunks(MAX_BATCH_READS)
            .map(|chunk| {
                self.read_batch(BatchRead {
                    tickets: chunk.to_vec(),
                    ..BatchRead::default()
                })
            })
            .collect();
        let batches: Vec<_> = stream::iter(reads)
            .buffer_unordered(PARALLEL_READS)
            .try_collect()
            .await?;
        let hits = batches
            .into_iter()
            .flat_map(|b| b.tickets)
            .filter(|t| q.filters_match(t))
            .map(|t| {
                let score = scores.get(&t.number).copied().unwrap_or(0);
                (t, score)
            })
            .collect();
        Ok(rank(q, hits))
    }

    /// Filters only: the staff list's pages (or a requester's or company's when the
    /// query names one), in update order, filtered, until the page is full and one more
    /// match shows there is a next page, or `SCAN_LIMIT` tickets were looked at.
    async fn search_filters(&self, q: &SearchQuery) -> Result<Page<TicketRecord>, StoreError> {
        let one = |field| match q.wanted(field) {
            Some([Some(v)]) => Some(v.clone()),
            _ => None,
        };
        let scope = match (one(FilterField::Requester), one(FilterField::Company)) {
            (Some(r), _) => Scope::Requester(r),
            (None, Some(c)) => Scope::Company(c),
            (None, None) => Scope::All,
        };
        let filter = match q.wanted(FilterField::State) {
            Some(states) => {
                let open = |s: &Option<String>| {
                    s.as_deref()
                        .and_then(State::parse)
                        .is_some_and(State::is_open)
                };
                if states.iter().all(open) {
                    ListFilter::Open
                } else if states.iter().all(|s| !open(s)) {
                    ListFilter::Closed
                } else {
                    ListFilter::All
                }
            }
            None => ListFilter::All,
        };
        let oldest_first = q.order == SearchOrder::Oldest;
        let limit = q.limit.clamp(1, 500) as usize;
        let mut cursor = q
            .cursor
            .as_deref()
            .and_then(SearchCursor::decode)
            .map(|c| self.cursor_key.sign(c.updated_at, &c.number));
        let mut items: Vec<TicketRecord> = Vec::new();
        let mut scanned = 0;
        loop {
            let page = self
                .list_tickets(&ListQuery {
                    scope: scope.clone(),
                    filter,
                    oldest_first,
                    limit: 200,
                    cursor: cursor.clone(),
                })
                .await?;
            for t in page.items {
                scanned += 1;
                let position = SearchCursor::after(&t, 0).encode();
                if q.filters_match(&t) {
                    if items.len() == limit {
                        let next = items.last().map(|t| SearchCursor::after(t, 0).encode());
                        return Ok(Page { items, next });
                    }
                    items.push(t);
                }
                if scanned >= SCAN_LIMIT {
                    return Ok(Page {
                        items,
                        next: Some(position),
                    });
                }
            }
            cursor = page.next;
            if cursor.is_none() {
                return Ok(Page { items, next: None });
            }
        }
    }
}

#[async_trait]
impl SearchStore for DynamoStore {
    async fn search_tickets(&self, query: &SearchQuery) -> Result<Page<TicketRecord>, StoreError> {
        if query.terms.is_empty() {
            self.search_filters(query).await
        } else {
            self.search_words(query).await
        }
    }

    async fn catch_up_search_index(&self, limit: u32) -> Result<u32, StoreError> {
        if limit == 0 {
            return Ok(0);
        }
        let (items, _) = self
            .query_page(&Query::new(Some("GSI3"), JOBS).limit(limit), None)
            .await?;
        let mut applied = 0;
        for item in &items {
            self.apply_job(&IndexJob::read(item)?).await?;
            applied += 1;
        }
        let backfilled = self.backfill().await?;
        if backfilled > 0 {
            tracing::info!(backfilled, "tickets stored before the search index indexed");
        }
        Ok(applied)
    }
}
