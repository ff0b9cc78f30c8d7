//! Staff ticket search: the query (words, filters, order, page), what a ticket's text
//! index holds, and the ranking, shared by every store so that they answer alike.
//!
//! A ticket's text is its subject and every article (public replies and internal
//! notes), cut into terms by `madoguchi_text` (the static site's tokenizer: bigrams for
//! Japanese, whole words for Latin text). A search finds the tickets that hold every
//! term of its words; its relevance is how often they hold them (the sum of the terms'
//! counts), an integer, so that both stores rank alike and a page's cursor can name an
//! exact position. Ties go to the newer update, then the higher number.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;

use super::store::{Page, StoreError, TicketRecord};

/// A ticket field a search filters on by equality.
///
/// To filter on one more ticket field (say `channel`): a variant here, its entry in
/// `ALL`, its `name` (the API parameter) and `value_of` (read from the record), and its
/// column in the SQLite store's `filter_column`. The DynamoDB store filters with
/// `value_of`; the API and the export take the parameter by its `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterField {
    State,
    /// Importance (重要度).
    Priority,
    /// Classification (分類).
    TicketType,
    Company,
    /// The contract number field (`fields["contract_number"]`).
    Contract,
    Product,
    Requester,
    /// The owner; `None` among the wanted values is "unassigned".
    Owner,
    /// How the inquiry came in (`web`, `phone`, `email`).
    Channel,
    /// The department whose queue the ticket is in; `None` is "no department".
    Department,
}

impl FilterField {
    pub const ALL: [FilterField; 10] = [
        FilterField::State,
        FilterField::Priority,
        FilterField::TicketType,
        FilterField::Company,
        FilterField::Contract,
        FilterField::Product,
        FilterField::Requester,
        FilterField::Owner,
        FilterField::Channel,
        FilterField::Department,
    ];

    /// The API parameter.
    pub fn name(self) -> &'static str {
        match self {
            FilterField::State => "state",
            FilterField::Priority => "priority",
            FilterField::TicketType => "type",
            FilterField::Company => "company",
            FilterField::Contract => "contract",
            FilterField::Product => "product",
            FilterField::Requester => "requester",
            FilterField::Owner => "owner",
            FilterField::Channel => "channel",
            FilterField::Department => "department",
        }
    }

    /// The ticket's value of the field (`None`: it has none).
    pub fn value_of(self, t: &TicketRecord) -> Option<&str> {
        match self {
            FilterField::State => Some(t.state.as_str()),
            FilterField::Priority => Some(&t.priority),
            FilterField::TicketType => t.ticket_type.as_deref(),
            FilterField::Company => Some(&t.company_id),
            FilterField::Contract => t.fields.get(CONTRACT_FIELD).map(String::as_str),
            FilterField::Product => t.product.as_deref(),
            FilterField::Requester => Some(&t.requester_id),
            FilterField::Owner => t.owner_id.as_deref(),
            FilterField::Channel => Some(t.channel.as_str()),
            FilterField::Department => t.department.as_deref(),
        }
    }
}

/// The custom field holding a ticket's contract number (`app::tickets::CONTRACT_FIELD`).
pub const CONTRACT_FIELD: &str = "contract_number";

/// Tickets whose `field` is one of `any_of` (`None`: the ticket has no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equals {
    pub field: FilterField,
    pub any_of: Vec<Option<String>>,
}

impl Equals {
    pub fn matches(&self, t: &TicketRecord) -> bool {
        let v = self.field.value_of(t);
        self.any_of.iter().any(|w| w.as_deref() == v)
    }
}

/// `from <= time < to`, either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl TimeRange {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at < t)
    }

    pub fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchOrder {
    /// Most matches first, then the newest update; without words the same as `Newest`.
    #[default]
    Relevance,
    /// Newest update first.
    Newest,
    /// Oldest update first.
    Oldest,
}

/// One search: every filter and every term must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Distinct terms of the words (`madoguchi_text::terms`); empty: filters only.
    pub terms: Vec<String>,
    pub filters: Vec<Equals>,
    /// `created_at`.
    pub received: TimeRange,
    /// `updated_at` (the last activity).
    pub updated: TimeRange,
    pub order: SearchOrder,
    pub limit: u32,
    /// Where the previous page ended (`Page::next`).
    pub cursor: Option<String>,
}

impl SearchQuery {
    /// Whether the ticket passes the filters (not the words).
    pub fn filters_match(&self, t: &TicketRecord) -> bool {
        self.filters.iter().all(|f| f.matches(t))
            && self.received.contains(t.created_at)
            && self.updated.contains(t.updated_at)
    }

    /// Whether results are ranked by score (else by update time).
    pub fn by_relevance(&self) -> bool {
        self.order == SearchOrder::Relevance && !self.terms.is_empty()
    }

    /// The wanted values of `field`, if the query filters on it.
    pub fn wanted(&self, field: FilterField) -> Option<&[Option<String>]> {
        self.filters
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.any_of.as_slice())
    }
}

/// A position in a result: the last ticket of a page, with its score (0 when the order
/// is by update time). The same text on every store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCursor {
    pub score: u64,
    pub updated_at: Timestamp,
    pub number: String,
}

impl SearchCursor {
    pub fn after(t: &TicketRecord, score: u64) -> SearchCursor {
        SearchCursor {
            score,
            updated_at: t.updated_at,
            number: t.number.clone(),
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.score,
            self.updated_at.as_microsecond(),
            self.number
        )
    }

    /// A cursor that does not read is the first page (as the list's).
    pub fn decode(s: &str) -> Option<SearchCursor> {
        let mut parts = s.splitn(3, '.');
        let score = parts.next()?.parse().ok()?;
        let updated_at = Timestamp::from_microsecond(parts.next()?.parse().ok()?).ok()?;
        let number = parts.next()?.to_owned();
        Some(SearchCursor {
            score,
            updated_at,
            number,
        })
    }
}

/// How often each term occurs in `text`.
pub fn term_counts(text: &str) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    madoguchi_text::for_each_term(text, |t| *counts.entry(t.text()).or_insert(0) += 1);
    counts
}

/// What a new ticket adds to the index: its subject, the values of its custom fields
/// as filed (serial numbers, tenant ids, …) and its first article. Later articles add
/// their bodies (`term_counts`); the subject is fixed once a ticket is opened, and
/// articles are never changed, so nothing is ever taken out.
pub fn new_ticket_text(t: &TicketRecord, body: &str) -> String {
    let mut text = t.subject.clone();
    for value in t.fields.values() {
        text.push('\n');
        text.push_str(value);
    }
    text.push('\n');
    text.push_str(body);
    text
}

/// Orders matches (ticket and score) as the query asks, keeps those after its cursor
/// and cuts the page: the ranking of a store that scores in memory (DynamoDB); the
/// SQLite store does the same in SQL.
pub fn rank(query: &SearchQuery, mut hits: Vec<(TicketRecord, u64)>) -> Page<TicketRecord> {
    let relevance = query.by_relevance();
    let oldest = query.order == SearchOrder::Oldest;
    let key = |t: &TicketRecord, score: u64| {
        let score = if relevance { score } else { 0 };
        (score, t.updated_at, t.number.clone())
    };
    hits.sort_by(|(a, sa), (b, sb)| {
        let (ka, kb) = (key(a, *sa), key(b, *sb));
        if oldest { ka.cmp(&kb) } else { kb.cmp(&ka) }
    });
    let after = query.cursor.as_deref().and_then(SearchCursor::decode);
    let limit = query.limit.clamp(1, 500) as usize;
    let mut items = Vec::new();
    let mut next = None;
    for (t, score) in hits {
        let k = key(&t, score);
        if let Some(c) = &after {
            let c = (c.score, c.updated_at, c.number.clone());
            let beyond = if oldest { k > c } else { k < c };
            if !beyond {
                continue;
            }
        }
        if items.len() == limit {
            next = items
                .last()
                .map(|(t, s): &(TicketRecord, u64)| SearchCursor::after(t, *s).encode());
            break;
        }
        items.push((t, k.0));
    }
    Page {
        items: items.into_iter().map(|(t, _)| t).collect(),
        next,
    }
}

/// Staff ticket search over an index each store keeps with its tickets.
#[async_trait]
pub trait SearchStore: Send + Sync {
    /// One page of the tickets that hold every term and pass every filter, in the
    /// query's order. SQLite: one statement over the terms table and the tickets.
    /// DynamoDB: a Query per term (in parallel), BatchGetItem of the tickets that hold
    /// them all; without terms, the staff list's pages (see ROUND_TRIPS.md).
    async fn search_tickets(&self, query: &SearchQuery) -> Result<Page<TicketRecord>, StoreError>;

    /// Applies index changes a ticket write committed but did not get to apply (a
    /// crash between the two on DynamoDB), at most `limit`; returns how many. The
    /// sweep calls it. A store that indexes inside the write's transaction has none.
    async fn catch_up_search_index(&self, limit: u32) -> Result<u32, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::State;

    #[test]
    fn a_cursor_reads_back_even_with_dots_in_the_number() {
        let c = SearchCursor {
            score: 7,
            updated_at: "2026-11-23T01:00:00Z".parse().unwrap(),
            number: "a.b".into(),
        };
        assert_eq!(SearchCursor::decode(&c.encode()), Some(c));
        assert_eq!(SearchCursor::decode("garbage"), None);
    }

    #[test]
    fn terms_are_counted_with_their_repeats() {
        let c = term_counts("遅延 遅延 SMTP smtp");
        assert_eq!(c.get("遅延"), Some(&2));
        assert_eq!(c.get("smtp"), Some(&2));
    }

    #[test]
    fn states_match_by_their_names() {
        let f = Equals {
            field: FilterField::State,
            any_of: vec![Some(State::Open.as_str().into())],
        };
        assert_eq!(f.any_of[0].as_deref(), Some("open"));
    }
}
