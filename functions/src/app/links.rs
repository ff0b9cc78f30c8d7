//! Related tickets and merging a duplicate into another (issue 6; Znuny's and Zammad's
//! ticket links and merge). A link is kept as a pair of history records, one on each
//! ticket, written in one transaction (`TicketStore::record_history`): the history is
//! the audit trail anyway, and a link is then exactly as durable and as dated as any
//! other change. A merge closes the duplicate in the same transaction that records
//! both sides.

use std::collections::BTreeMap;

use crate::app::error::Problem;
use crate::app::tickets::{MAX_ATTEMPTS, access, contention_pause, visible_ticket};
use crate::app::{AppError, Deps, sla};
use crate::domain::access::{Actor, Verb, may_ticket};
use crate::domain::ticket::State;
use crate::domain::ticket::sla::SlaEvent;
use crate::ports::store::{BatchRead, StoreError};
use crate::ports::{ArticleRecord, HistoryRecord, TicketRecord, TicketUpdate};

/// How another ticket is linked to this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    /// Related tickets, linked by staff.
    Related,
    /// This ticket was merged into the other.
    MergedInto,
    /// The other ticket was merged into this one.
    MergedFrom,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Related => "related",
            LinkKind::MergedInto => "merged_into",
            LinkKind::MergedFrom => "merged_from",
        }
    }
}

/// The history fields that make and end links.
const LINK: &str = "link";
const UNLINK: &str = "unlink";
const MERGED_INTO: &str = "merged_into";
const MERGED_FROM: &str = "merged_from";

/// The tickets linked to one, by number, from its history (oldest record first).
pub fn links_of(history: &[HistoryRecord]) -> BTreeMap<String, LinkKind> {
    let mut links = BTreeMap::new();
    for h in history {
        match (h.field.as_str(), &h.from, &h.to) {
            (LINK, _, Some(other)) => {
                links.insert(other.clone(), LinkKind::Related);
            }
            (UNLINK, Some(other), _) => {
                links.remove(other);
            }
            (MERGED_INTO, _, Some(other)) => {
                links.insert(other.clone(), LinkKind::MergedInto);
            }
            (MERGED_FROM, _, Some(other)) => {
                links.insert(other.clone(), LinkKind::MergedFrom);
            }
            _ => {}
        }
    }
    links
}

fn other(ja: &str, en: &str) -> Problem {
    Problem::Other {
        ja: ja.into(),
        en: en.into(),
    }
}

/// Both tickets, which staff may manage; the second is named by the input `field`.
async fn pair(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    with: &str,
    field: &'static str,
) -> Result<(TicketRecord, TicketRecord), AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let with = with.trim();
    if with == number {
        return Err(AppError::invalid(
            field,
            other(
                "同じチケットは指定できません",
                "Name another ticket than this one",
            ),
        ));
    }
    let mut read = deps
        .store
        .read_batch(BatchRead {
            tickets: vec![number.to_owned(), with.to_owned()],
            ..Default::default()
        })
        .await?;
    let Some(this) = read.tickets.iter().position(|t| t.number == number) else {
        return Err(AppError::NotFound);
    };
    let this = read.tickets.remove(this);
    let Some(that) = read.tickets.into_iter().next() else {
        return Err(AppError::invalid(
            field,
            other(
                "そのチケット番号は見つかりません",
                "No ticket has that number",
            ),
        ));
    };
    for t in [&this, &that] {
        if !may_ticket(actor, Verb::Manage, &access(t)) {
            return Err(AppError::Forbidden);
        }
    }
    Ok((this, that))
}

fn link_record(
    ticket: &str,
    field: &str,
    other: &str,
    actor: &Actor,
    now: jiff::Timestamp,
    to: bool,
) -> HistoryRecord {
    HistoryRecord {
        ticket: ticket.to_owned(),
        at: now,
        actor_id: actor.user_id.clone(),
        field: field.to_owned(),
        from: (!to).then(|| other.to_owned()),
        to: to.then(|| other.to_owned()),
        reason: "set by staff".into(),
    }
}

/// Staff link two related tickets (both ways, in one transaction).
pub async fn link(deps: &Deps, actor: &Actor, number: &str, with: &str) -> Result<(), AppError> {
    let (this, that) = pair(deps, actor, number, with, "number").await?;
    let history = deps.store.history(&this.number).await?;
    if links_of(&history).contains_key(&that.number) {
        return Ok(());
    }
    let now = deps.clock.now();
    deps.store
        .record_history(vec![
            link_record(&this.number, LINK, &that.number, actor, now, true),
            link_record(&that.number, LINK, &this.number, actor, now, true),
        ])
        .await?;
    Ok(())
}

/// Staff remove a link between related tickets (a merge stays).
pub async fn unlink(deps: &Deps, actor: &Actor, number: &str, with: &str) -> Result<(), AppError> {
    let this = visible_ticket(deps, actor, number).await?;
    if !actor.is_staff() || !may_ticket(actor, Verb::Manage, &access(&this)) {
        return Err(AppError::Forbidden);
    }
    let history = deps.store.history(number).await?;
    match links_of(&history).get(with) {
        Some(LinkKind::Related) => {}
        Some(_) => {
            return Err(AppError::invalid(
                "number",
                other("統合の関係は解除できません", "A merge cannot be unlinked"),
            ));
        }
        None => return Err(AppError::NotFound),
    }
    let now = deps.clock.now();
    deps.store
        .record_history(vec![
            link_record(number, UNLINK, with, actor, now, false),
            link_record(with, UNLINK, number, actor, now, false),
        ])
        .await?;
    Ok(())
}

/// Staff merge a duplicate (`number`) into another ticket of the same company and
/// project (`into`): the duplicate is closed for good with a public article pointing to
/// the other, and both histories record the merge, all in one transaction. Customers
/// then follow the duplicate to the ticket that continues it.
pub async fn merge(
    deps: &Deps,
    actor: &Actor,
    number: &str,
    into: &str,
) -> Result<TicketRecord, AppError> {
    // The note's author, read once (not again on a retry).
    let author = deps
        .store
        .get_user(&actor.user_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    for attempt in 0..MAX_ATTEMPTS {
        let (dup, target) = pair(deps, actor, number, into, "into").await?;
        if dup.merged_into.is_some() {
            return Err(AppError::invalid(
                "into",
                other(
                    "このチケットは既に統合されています",
                    "This ticket has already been merged",
                ),
            ));
        }
        if target.merged_into.is_some() {
            return Err(AppError::invalid(
                "into",
                other(
                    "統合先のチケットは別のチケットに統合済みです",
                    "That ticket was itself merged into another",
                ),
            ));
        }
        // Whoever may read the duplicate must be able to read where it went.
        if dup.company_id != target.company_id || dup.project_id != target.project_id {
            return Err(AppError::invalid(
                "into",
                other(
                    "同じ会社・同じ案件のチケットにだけ統合できます",
                    "Merge only into a ticket of the same company and project",
                ),
            ));
        }
        let now = deps.clock.now();
        let mut next = dup.clone();
        next.state = State::Closed;
        next.timer = None;
        next.closed_at = dup.closed_at.or(Some(now));
        next.merged_into = Some(target.number.clone());
        next.sla_clock = sla::after(&deps.config, &next, SlaEvent::StateChanged, now);
        next.updated_at = now;
        next.article_count = dup.article_count + 1;
        next.version = dup.version + 1;
        let body = format!(
            "このお問い合わせはチケット {0}「{1}」に統合しました。以降の対応は {0} でご確認ください。\n\nThis inquiry was merged into ticket {0} (\"{1}\"); please follow it there.",
            target.number, target.subject
        );
        next.preview = body.chars().take(80).collect();
        let article = ArticleRecord {
            ticket: dup.number.clone(),
            seq: next.article_count,
            author_id: author.id.clone(),
            author_name: author.name.clone(),
            internal: false,
            body_md: body,
            created_at: now,
            attachments: vec![],
            minutes: None,
            fields: BTreeMap::new(),
        };
        let mut history = vec![
            link_record(&dup.number, MERGED_INTO, &target.number, actor, now, true),
            link_record(&target.number, MERGED_FROM, &dup.number, actor, now, true),
        ];
        if dup.state != State::Closed {
            history.push(HistoryRecord {
                ticket: dup.number.clone(),
                at: now,
                actor_id: actor.user_id.clone(),
                field: "state".into(),
                from: Some(dup.state.as_str().into()),
                to: Some(State::Closed.as_str().into()),
                reason: format!("merged into {}", target.number),
            });
        }
        match deps
            .store
            .update_ticket(TicketUpdate {
                ticket: next.clone(),
                expected_version: dup.version,
                article: Some(article),
                history,
                mails: vec![],
                claimed_uploads: vec![],
                previous_state: Some(dup.state),
                relies_on: vec![],
            })
            .await
        {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict("ticket")) => contention_pause(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(field: &str, from: Option<&str>, to: Option<&str>) -> HistoryRecord {
        HistoryRecord {
            ticket: "1".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            actor_id: "a".into(),
            field: field.into(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            reason: String::new(),
        }
    }

    #[test]
    fn links_follow_the_history_in_order() {
        let history = [
            h("state", Some("new"), Some("open")),
            h(LINK, None, Some("2")),
            h(LINK, None, Some("3")),
            h(UNLINK, Some("2"), None),
            h(MERGED_FROM, None, Some("4")),
        ];
        let links = links_of(&history);
        assert_eq!(
            links.into_iter().collect::<Vec<_>>(),
            vec![
                ("3".to_owned(), LinkKind::Related),
                ("4".to_owned(), LinkKind::MergedFrom)
            ]
        );
    }
}
