//! Staff ticket search (issue 6): words over every ticket's subject, replies and
//! internal notes, and filters on its fields and dates. Staff only: customers keep their
//! list's keywords (`tickets::list_page`).

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::app::error::{FieldError, Problem};
use crate::app::tickets::PRIORITIES;
use crate::app::{AppError, Deps};
use crate::domain::access::Actor;
use crate::domain::ticket::{Channel, State};
use crate::ports::search::{Equals, FilterField, SearchOrder, SearchQuery, TimeRange};
use crate::ports::store::{Page, TicketRecord};

/// The most characters of words a search takes.
pub const MAX_WORDS_CHARS: usize = 200;

/// The most tickets on one page.
pub const MAX_LIMIT: u32 = 100;

/// A search as asked, every value as typed (the API's query parameters, the export's).
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    /// Words, all of which must appear (Japanese found by bigrams).
    pub q: Option<String>,
    /// Each filter's comma-separated values, any of which may match.
    pub filters: Vec<(FilterField, String)>,
    /// `YYYY-MM-DD`, in the portal's time zone; the end dates are included.
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    /// `relevance` (default), `newest` or `oldest`.
    pub order: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Who may search: staff, never customers.
pub fn staff_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The search `input` asks `actor` (staff) for, checked: every wrong field at once.
pub fn query(
    actor: &Actor,
    tz: &TimeZone,
    input: &SearchInput,
    default_limit: u32,
) -> Result<SearchQuery, AppError> {
    staff_only(actor)?;
    let mut errors = Vec::new();
    let words = input.q.as_deref().unwrap_or_default();
    if words.chars().count() > MAX_WORDS_CHARS {
        errors.push(FieldError::new(
            "q",
            Problem::TooLong {
                max: MAX_WORDS_CHARS,
            },
        ));
    }
    let mut filters: Vec<Equals> = Vec::new();
    for (field, raw) in &input.filters {
        let mut any_of = Vec::new();
        for v in raw.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            match filter_value(actor, *field, v) {
                Some(v) => any_of.push(v),
                None => {
                    errors.push(FieldError::new(field.name(), Problem::NotAnOption));
                    break;
                }
            }
        }
        if any_of.is_empty() {
            continue;
        }
        match filters.iter_mut().find(|f| f.field == *field) {
            Some(f) => f.any_of.extend(any_of),
            None => filters.push(Equals {
                field: *field,
                any_of,
            }),
        }
    }
    let mut range = |from: &Option<String>, to: &Option<String>, names: [&'static str; 2]| {
        let from = day_start(tz, names[0], from, 0).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        // The end date is included: up to the start of the next day.
        let to = day_start(tz, names[1], to, 1).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            errors.push(FieldError::new(
                names[1],
                Problem::Other {
                    ja: "開始日以降の日付を指定してください".into(),
                    en: "Must not be before the start date".into(),
                },
            ));
        }
        TimeRange { from, to }
    };
    let received = range(
        &input.received_from,
        &input.received_to,
        ["received_from", "received_to"],
    );
    let updated = range(
        &input.updated_from,
        &input.updated_to,
        ["updated_from", "updated_to"],
    );
    let order = match input.order.as_deref().unwrap_or("relevance") {
        "relevance" => SearchOrder::Relevance,
        "newest" => SearchOrder::Newest,
        "oldest" => SearchOrder::Oldest,
        _ => {
            errors.push(FieldError::new(
                "order",
                Problem::Other {
                    ja: "relevance, newest, oldest のいずれかを指定してください".into(),
                    en: "Must be one of relevance, newest, oldest".into(),
                },
            ));
            SearchOrder::Relevance
        }
    };
    let limit = match input.limit {
        None => default_limit.clamp(1, MAX_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new(
                "limit",
                Problem::Other {
                    ja: format!("1〜{MAX_LIMIT} の範囲で指定してください"),
                    en: format!("Must be between 1 and {MAX_LIMIT}"),
                },
            ));
            MAX_LIMIT
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Staff limited to their departments' queues search only those (a filter of its
    // own, so that it narrows whatever department filter the search names).
    if let Some(own) = &actor.queues {
        filters.push(Equals {
            field: FilterField::Department,
            any_of: own.iter().cloned().map(Some).collect(),
        });
    }
    Ok(SearchQuery {
        terms: madoguchi_text::terms(words),
        filters,
        received,
        updated,
        order,
        limit,
        cursor: input.cursor.clone().filter(|c| !c.is_empty()),
    })
}

/// One value of a filter, checked where the portal knows the choices (`None`: not one
/// of them). `owner` takes `unassigned` and `me` besides a user id.
fn filter_value(actor: &Actor, field: FilterField, v: &str) -> Option<Option<String>> {
    match field {
        FilterField::State => State::parse(v).map(|s| Some(s.as_str().to_owned())),
        FilterField::Priority => PRIORITIES.contains(&v).then(|| Some(v.to_owned())),
        FilterField::Owner if v == "unassigned" => Some(None),
        FilterField::Owner if v == "me" => Some(Some(actor.user_id.clone())),
        FilterField::Channel => Channel::parse(v).map(|c| Some(c.as_str().to_owned())),
        FilterField::Department if v == "none" => Some(None),
        _ => Some(Some(v.to_owned())),
    }
}

/// The start of the day `raw` names (plus `days_later` days) in `tz`.
fn day_start(
    tz: &TimeZone,
    field: &'static str,
    raw: &Option<String>,
    days_later: i32,
) -> Result<Option<jiff::Timestamp>, FieldError> {
    let Some(raw) = raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let bad = || FieldError::new(field, Problem::NotADate);
    let date: Date = raw.parse().map_err(|_| bad())?;
    let day = date
        .checked_add(jiff::Span::new().days(days_later))
        .map_err(|_| bad())?;
    day.to_zoned(tz.clone())
        .map(|z| Some(z.timestamp()))
        .map_err(|_| bad())
}

/// One page of the search `input` asks for.
pub async fn search(
    deps: &Deps,
    actor: &Actor,
    input: &SearchInput,
    default_limit: u32,
) -> Result<Page<TicketRecord>, AppError> {
    let q = query(actor, &deps.config.time_zone, input, default_limit)?;
    Ok(deps.store.search_tickets(&q).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Role;

    fn staff() -> Actor {
        Actor {
            user_id: "s1".into(),
            role: Role::Agent,
            company_id: None,
            customer_role: None,
            company_uses_groups: false,
            projects: vec![],
            queues: None,
        }
    }

    fn tokyo() -> TimeZone {
        TimeZone::get("Asia/Tokyo").unwrap()
    }

    #[test]
    fn a_customer_may_not_search() {
        let mut a = staff();
        a.role = Role::Customer;
        let e = query(&a, &tokyo(), &SearchInput::default(), 25).unwrap_err();
        assert!(matches!(e, AppError::Forbidden));
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let input = SearchInput {
            filters: vec![
                (FilterField::State, "open,bogus".into()),
                (FilterField::Priority, "whenever".into()),
            ],
            received_from: Some("2026-13-01".into()),
            order: Some("random".into()),
            limit: Some(0),
            ..SearchInput::default()
        };
        let e = query(&staff(), &tokyo(), &input, 25).unwrap_err();
        let fields: Vec<_> = e.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["state", "priority", "received_from", "order", "limit"]
        );
    }

    #[test]
    fn dates_are_whole_days_in_the_portals_time_zone() {
        let input = SearchInput {
            received_from: Some("2026-12-01".into()),
            received_to: Some("2026-12-01".into()),
            ..SearchInput::default()
        };
        let q = query(&staff(), &tokyo(), &input, 25).unwrap();
        assert_eq!(
            q.received.from,
            Some("2026-11-30T15:00:00Z".parse().unwrap())
        );
        assert_eq!(q.received.to, Some("2026-12-01T15:00:00Z".parse().unwrap()));
    }

    #[test]
    fn owner_takes_unassigned_and_me() {
        let input = SearchInput {
            filters: vec![(FilterField::Owner, "unassigned,me".into())],
            ..SearchInput::default()
        };
        let q = query(&staff(), &tokyo(), &input, 25).unwrap();
        assert_eq!(q.filters[0].any_of, vec![None, Some("s1".to_owned())]);
    }
}
