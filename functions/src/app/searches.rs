//! Staff users' saved searches (issue 6: "saved searches per staff user"): a name and
//! the staff list's query string, listed beside the built-in queues.

use crate::app::error::{FieldError, Problem};
use crate::app::{AppError, Deps, secrets};
use crate::domain::access::Actor;
use crate::ports::store::SavedSearchRecord;

/// The most searches one user keeps.
pub const MAX_SEARCHES: usize = 30;
const MAX_NAME_CHARS: usize = 60;
const MAX_QUERY_CHARS: usize = 1_000;

fn staff_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The caller's saved searches, oldest first.
pub async fn list(deps: &Deps, actor: &Actor) -> Result<Vec<SavedSearchRecord>, AppError> {
    staff_only(actor)?;
    Ok(deps.store.saved_searches(&actor.user_id).await?)
}

/// A list query as saved: without a leading `?`, each parameter a lower-case name.
fn checked_query(query: &str) -> Result<String, Problem> {
    let q = query.trim().trim_start_matches('?');
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::TooLong {
            max: MAX_QUERY_CHARS,
        });
    }
    let names_ok = q.split('&').filter(|p| !p.is_empty()).all(|pair| {
        let name = pair.split('=').next().unwrap_or_default();
        !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    });
    if names_ok {
        Ok(q.to_owned())
    } else {
        Err(Problem::Other {
            ja: "一覧の検索条件（state=open&q=… の形）を指定してください".into(),
            en: "Give the list's search (state=open&q=…)".into(),
        })
    }
}

/// Saves a search under a name the user has not used yet (in any case).
pub async fn save(
    deps: &Deps,
    actor: &Actor,
    name: &str,
    query: &str,
) -> Result<SavedSearchRecord, AppError> {
    staff_only(actor)?;
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", Problem::Required));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            Problem::TooLong {
                max: MAX_NAME_CHARS,
            },
        ));
    }
    let query = match checked_query(query) {
        Ok(q) => Some(q),
        Err(p) => {
            errors.push(FieldError::new("query", p));
            None
        }
    };
    let existing = deps.store.saved_searches(&actor.user_id).await?;
    if existing
        .iter()
        .any(|s| s.name.to_lowercase() == name.to_lowercase())
    {
        errors.push(FieldError::new("name", Problem::Taken));
    }
    if existing.len() >= MAX_SEARCHES {
        errors.push(FieldError::new(
            "name",
            Problem::TooMany { max: MAX_SEARCHES },
        ));
    }
    let Some(query) = query.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let search = SavedSearchRecord {
        user_id: actor.user_id.clone(),
        id: secrets::random_hex(8)?,
        name: name.to_owned(),
        query,
        created_at: deps.clock.now(),
    };
    deps.store.save_search(search.clone()).await?;
    Ok(search)
}

/// Removes one of the caller's searches (404 for another's or an unknown id).
pub async fn delete(deps: &Deps, actor: &Actor, id: &str) -> Result<(), AppError> {
    staff_only(actor)?;
    if deps.store.delete_search(&actor.user_id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_the_lists_parameters() {
        assert_eq!(
            checked_query("?state=open&owner=none&q=%E9%9A%9C%E5%AE%B3").unwrap(),
            "state=open&owner=none&q=%E9%9A%9C%E5%AE%B3"
        );
        assert_eq!(checked_query("").unwrap(), "");
        assert!(checked_query("<script>=1").is_err());
        assert!(checked_query(&"q=x&".repeat(300)).is_err());
    }
}
