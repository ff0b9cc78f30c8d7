//! Staff search on SQLite: `search_terms` holds how often each term occurs in each
//! ticket's text, written in the ticket's own transaction; a search is one statement
//! that sums the counts of the wanted terms per ticket, keeps the tickets that hold
//! them all, joins the tickets table for the filters and orders the page.
//!
//! Our own postings rather than FTS5 with `bm25()`: bm25 weighs by corpus statistics
//! (document lengths, how many tickets hold a term) that the DynamoDB store cannot keep
//! in a transaction, and both stores must rank alike (`ports::search`).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, TICKET_COLUMNS, micros, ticket_from_row};
use crate::ports::search::{
    FilterField, SearchCursor, SearchOrder, SearchQuery, SearchStore, term_counts,
};
use crate::ports::store::{Page, StoreError, TicketRecord};

/// Tickets indexed per transaction when the store opens on tickets stored before the
/// index (`search_backlog`).
const BACKLOG_BATCH: usize = 500;

/// The column (or expression) of the tickets table a filter compares.
fn filter_column(field: FilterField) -> &'static str {
    match field {
        FilterField::State => "state",
        FilterField::Priority => "priority",
        FilterField::TicketType => "ticket_type",
        FilterField::Company => "company_id",
        FilterField::Contract => "json_extract(fields, '$.contract_number')",
        FilterField::Product => "product",
        FilterField::Requester => "requester_id",
        FilterField::Owner => "owner_id",
        FilterField::Channel => "channel",
        FilterField::Department => "department",
    }
}

/// Adds the terms of `text` to ticket `number`'s counts (in the caller's transaction).
pub(super) fn index_text(conn: &Connection, number: &str, text: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO search_terms (term, number, tf) VALUES (?1, ?2, ?3) \
         ON CONFLICT (term, number) DO UPDATE SET tf = tf + excluded.tf",
    )?;
    for (term, tf) in term_counts(text) {
        stmt.execute(params![term, number, tf])?;
    }
    Ok(())
}

/// Indexes the tickets stored before the index existed (the migration lists them in
/// `search_backlog`): subject and every article, a batch per transaction.
pub(super) fn index_backlog(conn: &mut Connection) -> rusqlite::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let numbers: Vec<String> = tx
            .prepare(&format!(
                "SELECT number FROM search_backlog LIMIT {BACKLOG_BATCH}"
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if numbers.is_empty() {
            return Ok(());
        }
        for number in &numbers {
            let mut text: String = tx
                .query_row(
                    "SELECT subject FROM tickets WHERE number = ?1",
                    params![number],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_default();
            let bodies = tx
                .prepare_cached("SELECT body_md FROM articles WHERE ticket = ?1 ORDER BY seq")?
                .query_map(params![number], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for body in bodies {
                text.push('\n');
                text.push_str(&body);
            }
            index_text(&tx, number, &text)?;
            tx.execute(
                "DELETE FROM search_backlog WHERE number = ?1",
                params![number],
            )?;
        }
        tx.commit()?;
    }
}

/// Where the score follows the ticket's columns in a search's rows.
static SCORE_COLUMN: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| TICKET_COLUMNS.split(',').count());

/// The statement of a search and its arguments.
fn statement(q: &SearchQuery) -> (String, Vec<Box<dyn rusqlite::ToSql>>) {
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    let mut sql = if q.terms.is_empty() {
        format!("SELECT {TICKET_COLUMNS}, 0 AS score FROM tickets WHERE 1=1")
    } else {
        let marks = vec!["?"; q.terms.len()].join(",");
        for term in &q.terms {
            args.push(Box::new(term.clone()));
        }
        args.push(Box::new(q.terms.len() as i64));
        format!(
            "WITH hits AS (SELECT number, SUM(tf) AS score FROM search_terms WHERE term IN ({marks}) \
             GROUP BY number HAVING COUNT(*) = ?) \
             SELECT {TICKET_COLUMNS}, score FROM hits JOIN tickets USING (number) WHERE 1=1"
        )
    };
    for f in &q.filters {
        let column = filter_column(f.field);
        let values: Vec<&String> = f.any_of.iter().flatten().collect();
        let mut alternatives = Vec::new();
        if !values.is_empty() {
            alternatives.push(format!(
                "{column} IN ({})",
                vec!["?"; values.len()].join(",")
            ));
            for v in values {
                args.push(Box::new(v.clone()));
            }
        }
        if f.any_of.iter().any(Option::is_none) {
            alternatives.push(format!("{column} IS NULL"));
        }
        if alternatives.is_empty() {
            sql.push_str(" AND 0");
        } else {
            sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
        }
    }
    for (column, range) in [("created_at", q.received), ("updated_at", q.updated)] {
        if let Some(from) = range.from {
            sql.push_str(&format!(" AND {column} >= ?"));
            args.push(Box::new(micros(from)));
        }
        if let Some(to) = range.to {
            sql.push_str(&format!(" AND {column} < ?"));
            args.push(Box::new(micros(to)));
        }
    }
    let relevance = q.by_relevance();
    let oldest = q.order == SearchOrder::Oldest;
    if let Some(c) = q.cursor.as_deref().and_then(SearchCursor::decode) {
        let at = micros(c.updated_at);
        if relevance {
            sql.push_str(" AND (score, updated_at, number) < (?, ?, ?)");
            args.push(Box::new(c.score as i64));
        } else if oldest {
            sql.push_str(" AND (updated_at, number) > (?, ?)");
        } else {
            sql.push_str(" AND (updated_at, number) < (?, ?)");
        }
        args.push(Box::new(at));
        args.push(Box::new(c.number));
    }
    sql.push_str(match (relevance, oldest) {
        (true, _) => " ORDER BY score DESC, updated_at DESC, number DESC",
        (false, true) => " ORDER BY updated_at, number",
        (false, false) => " ORDER BY updated_at DESC, number DESC",
    });
    sql.push_str(&format!(" LIMIT {}", q.limit.clamp(1, 500) + 1));
    (sql, args)
}

#[async_trait]
impl SearchStore for SqliteStore {
    async fn search_tickets(&self, query: &SearchQuery) -> Result<Page<TicketRecord>, StoreError> {
        let q = query.clone();
        let limit = q.limit.clamp(1, 500) as usize;
        let relevance = q.by_relevance();
        self.read(move |c| {
            let (sql, args) = statement(&q);
            let mut stmt = c.prepare_cached(&sql)?;
            let mut hits: Vec<(TicketRecord, i64)> = stmt
                .query_map(
                    rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                    |r| Ok((ticket_from_row(r)?, r.get(*SCORE_COLUMN)?)),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let next = if hits.len() > limit {
                hits.truncate(limit);
                hits.last().map(|(t, score)| {
                    let score = if relevance { *score as u64 } else { 0 };
                    SearchCursor::after(t, score).encode()
                })
            } else {
                None
            };
            Ok(Page {
                items: hits.into_iter().map(|(t, _)| t).collect(),
                next,
            })
        })
        .await
    }

    async fn catch_up_search_index(&self, _limit: u32) -> Result<u32, StoreError> {
        // Indexed in each write's own transaction: nothing is ever left behind.
        Ok(0)
    }
}
