//! The staff desk's reads: counts by state and of the unassigned, the tickets asking
//! for attention, the owner's open tickets, and history kept once per key.

use std::sync::Arc;

use jiff::SignedDuration;
use madoguchi::domain::ticket::sla::Deadline;
use madoguchi::domain::ticket::{SlaClock, State, Timer, TimerKind};
use madoguchi::ports::store::*;

use super::{new_ticket, t, user};

fn counts(by_state: [u64; 5], unassigned: u64) -> DeskCounts {
    DeskCounts {
        by_state,
        unassigned,
    }
}

/// Writes `change` on the stored ticket `number` (read, change, write at the next version).
async fn change(store: &Arc<dyn Store>, number: &str, change: impl FnOnce(&mut TicketRecord)) {
    let current = store.get_ticket(number).await.unwrap().unwrap();
    let mut next = current.clone();
    change(&mut next);
    next.version += 1;
    store
        .update_ticket(TicketUpdate {
            ticket: next,
            expected_version: current.version,
            article: None,
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            // Unknown to the caller: the store must learn it (DynamoDB: from the refusal).
            previous_state: None,
            relies_on: vec![],
        })
        .await
        .unwrap();
}

pub async fn the_desk_counts_tickets_by_state_and_the_unassigned(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    assert_eq!(store.desk_counts().await.unwrap(), DeskCounts::default());
    for n in ["d1", "d2", "d3"] {
        store
            .create_ticket(new_ticket(n, "u1", "acme", at))
            .await
            .unwrap();
    }
    assert_eq!(
        store.desk_counts().await.unwrap(),
        counts([3, 0, 0, 0, 0], 3)
    );
    change(&store, "d1", |t| t.state = State::Open).await;
    change(&store, "d2", |t| {
        t.state = State::WaitingCustomer;
        t.owner_id = Some("staff1".into());
    })
    .await;
    assert_eq!(
        store.desk_counts().await.unwrap(),
        counts([1, 1, 1, 0, 0], 2)
    );
    // An owner taken by a closed ticket is not unassigned work.
    change(&store, "d3", |t| t.state = State::Closed).await;
    change(&store, "d2", |t| t.owner_id = None).await;
    assert_eq!(
        store.desk_counts().await.unwrap(),
        counts([0, 1, 1, 0, 1], 2)
    );
    // A change that moves no count leaves them.
    change(&store, "d1", |t| t.priority = "high".into()).await;
    assert_eq!(
        store.desk_counts().await.unwrap(),
        counts([0, 1, 1, 0, 1], 2)
    );
    assert_eq!(store.count_tickets(&Scope::All).await.unwrap().all(), 3);
}

/// Concurrent state changes of the same tickets: each write that wins moves exactly one
/// count, so the counts add up to the tickets and match their states.
pub async fn concurrent_state_changes_keep_the_desk_counts_exact(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    for n in ["c1", "c2"] {
        store
            .create_ticket(new_ticket(n, "u1", "acme", at))
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move {
                let number = if i % 2 == 0 { "c1" } else { "c2" };
                let state = State::ALL[i % State::ALL.len()];
                loop {
                    let current = s.get_ticket(number).await.unwrap().unwrap();
                    let mut next = current.clone();
                    next.state = state;
                    next.owner_id = (i % 3 == 0).then(|| "staff1".to_owned());
                    next.version += 1;
                    let update = TicketUpdate {
                        ticket: next,
                        expected_version: current.version,
                        article: None,
                        history: vec![],
                        mails: vec![],
                        claimed_uploads: vec![],
                        previous_state: Some(current.state),
                        relies_on: vec![],
                    };
                    match s.update_ticket(update).await {
                        Ok(()) => return,
                        Err(StoreError::Conflict(_)) => continue,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut want = DeskCounts::default();
    for n in ["c1", "c2"] {
        let t = store.get_ticket(n).await.unwrap().unwrap();
        let i = State::ALL.iter().position(|s| *s == t.state).unwrap();
        want.by_state[i] += 1;
        if t.state.is_open() && t.owner_id.is_none() {
            want.unassigned += 1;
        }
    }
    assert_eq!(store.desk_counts().await.unwrap(), want);
}

fn deadline(due: jiff::Timestamp) -> Deadline {
    Deadline {
        minutes: 60,
        started: due - SignedDuration::from_hours(1),
        paused_minutes: 0,
        paused_since: None,
        near: due - SignedDuration::from_mins(15),
        due,
        met: None,
        near_sent: true,
        missed_sent: true,
    }
}

pub async fn tickets_asking_for_attention_come_most_pressing_first(store: Arc<dyn Store>) {
    let opened = t("2026-11-20T00:00:00Z");
    let now = t("2026-11-23T00:00:00Z");
    let mut plain = new_ticket("p1", "u1", "acme", opened);
    plain.ticket.state = State::Open;
    let mut overdue = new_ticket("p2", "u1", "acme", opened);
    // Both warnings sent: no longer on the due-time index, still on the desk.
    overdue.ticket.sla_clock = Some(SlaClock {
        first_response: Some(deadline(t("2026-11-21T00:00:00Z"))),
        ..SlaClock::default()
    });
    let mut urgent = new_ticket("p3", "u1", "acme", t("2026-11-22T00:00:00Z"));
    urgent.ticket.priority = URGENT.into();
    let mut timer = new_ticket("p4", "u1", "acme", opened);
    timer.ticket.state = State::WaitingCustomer;
    timer.ticket.timer = Some(Timer {
        kind: TimerKind::WaitingCustomer,
        due: t("2026-11-23T06:00:00Z"),
        remind_at: None,
    });
    let mut later = new_ticket("p5", "u1", "acme", opened);
    later.ticket.timer = Some(Timer {
        kind: TimerKind::WaitingCustomer,
        due: t("2026-12-10T00:00:00Z"),
        remind_at: None,
    });
    for n in [plain, overdue, urgent, timer, later] {
        store.create_ticket(n).await.unwrap();
    }
    let until = now + ATTENTION_AHEAD;
    let numbers = async |limit| {
        store
            .attention_tickets(until, limit)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.number)
            .collect::<Vec<_>>()
    };
    assert_eq!(numbers(10).await, ["p2", "p3", "p4"]);
    assert_eq!(numbers(2).await, ["p2", "p3"]);
    // Met, closed: off the desk.
    change(&store, "p2", |t| {
        if let Some(d) = t.sla_clock.as_mut().and_then(|c| c.first_response.as_mut()) {
            d.met = Some(now);
        }
    })
    .await;
    change(&store, "p3", |t| t.state = State::Closed).await;
    assert_eq!(numbers(10).await, ["p4"]);
}

pub async fn an_owners_open_tickets_are_listed_latest_first(store: Arc<dyn Store>) {
    let base = t("2026-11-01T00:00:00Z");
    for i in 0..5i64 {
        let number = format!("o{i}");
        let mut n = new_ticket(&number, "u1", "acme", base + SignedDuration::from_hours(i));
        n.ticket.owner_id = Some(if i == 4 { "staff2" } else { "staff1" }.into());
        store.create_ticket(n).await.unwrap();
    }
    change(&store, "o1", |t| t.state = State::Closed).await;
    let page = store.owned_open_tickets("staff1", 10).await.unwrap();
    let numbers: Vec<_> = page.items.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(numbers, ["o3", "o2", "o0"]);
    assert!(page.next.is_none());
    let page = store.owned_open_tickets("staff1", 2).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next.is_some(), "more than asked for");
    // Given away: the new owner's, no longer the old one's.
    change(&store, "o3", |t| t.owner_id = Some("staff2".into())).await;
    let of = async |owner| {
        store
            .owned_open_tickets(owner, 10)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|t| t.number)
            .collect::<Vec<_>>()
    };
    assert_eq!(of("staff1").await, ["o2", "o0"]);
    assert_eq!(of("staff2").await, ["o4", "o3"]);
}

pub async fn history_kept_once_per_key_is_added_once(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    store
        .create_ticket(new_ticket("h1", "u1", "acme", at))
        .await
        .unwrap();
    let viewed = |at| HistoryRecord {
        ticket: "h1".into(),
        at,
        actor_id: "staff1".into(),
        field: "viewed_internal".into(),
        from: None,
        to: None,
        reason: "ticket".into(),
    };
    let later = at + SignedDuration::from_mins(5);
    assert!(
        store
            .append_history_once(viewed(later), "view:staff1:1")
            .await
            .unwrap()
    );
    assert!(
        !store
            .append_history_once(
                viewed(later + SignedDuration::from_mins(1)),
                "view:staff1:1"
            )
            .await
            .unwrap(),
        "the same key again"
    );
    assert!(
        store
            .append_history_once(viewed(later), "view:staff2:1")
            .await
            .unwrap()
    );
    let history = store.history("h1").await.unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[0].field, "state", "oldest first");
    assert!(history[1..].iter().all(|h| h.field == "viewed_internal"));
}

pub async fn staff_who_turned_a_mail_on_are_found_by_it(store: Arc<dyn Store>) {
    let mut on = user("s1", "s1@netlink.example.jp", None);
    on.mails_on = vec!["created_staff".into()];
    store.create_user(on.clone()).await.unwrap();
    store
        .create_user(user("s2", "s2@netlink.example.jp", None))
        .await
        .unwrap();
    store
        .create_company(CompanyRecord {
            id: "acme".into(),
            name: "アクメ".into(),
            uses_groups: false,
            created_at: t("2026-11-01T00:00:00Z"),
        })
        .await
        .unwrap();
    store
        .create_user(user("c1", "c1@acme.example.jp", Some("acme")))
        .await
        .unwrap();
    assert_eq!(
        store.get_user("s1").await.unwrap().unwrap(),
        on,
        "stored whole"
    );
    let ids = async |kind| {
        store
            .staff_wanting_mail(kind)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("created_staff").await, ["s1"]);
    assert!(ids("reply_staff").await.is_empty());
    // Turned off again: no longer found; another turns it on.
    let mut off = on.clone();
    off.mails_on.clear();
    off.version += 1;
    store.update_user(off, on.version).await.unwrap();
    let mut s2 = store.get_user("s2").await.unwrap().unwrap();
    s2.mails_on = vec!["created_staff".into()];
    s2.version += 1;
    store.update_user(s2, 1).await.unwrap();
    assert_eq!(ids("created_staff").await, ["s2"]);
}
