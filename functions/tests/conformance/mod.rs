//! The Store conformance suite: every adapter must pass every check here. Each check
//! takes a fresh, empty store.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use madoguchi::domain::ticket::sla::Deadline;
use madoguchi::domain::ticket::{SlaClock, State, Timer, TimerConfig, TimerKind};
use madoguchi::ports::store::*;

mod desk;
mod groups;
mod registration;
pub use desk::*;
mod search;
pub use groups::*;
pub use registration::*;
pub use search::*;

pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn ticket(number: &str, requester: &str, company: &str, updated: Timestamp) -> TicketRecord {
    TicketRecord {
        project_id: None,
        number: number.into(),
        subject: format!("件名 {number}"),
        requester_id: requester.into(),
        company_id: company.into(),
        state: State::New,
        priority: "normal".into(),
        owner_id: None,
        service: None,
        sla: None,
        ticket_type: None,
        product: Some("NL Mail Gateway".into()),
        fields: BTreeMap::from([("serial".to_owned(), "unknown".to_owned())]),
        cc: vec!["cc@example.jp".into()],
        created_at: updated,
        updated_at: updated,
        closed_at: None,
        timer: None,
        linked_to: None,
        preview: "メールが送信できません".into(),
        article_count: 1,
        version: 1,
        contacts: Contacts {
            requester: Some(Contact {
                user_id: requester.into(),
                name: format!("利用者 {requester}"),
                address: format!("{requester}@example.jp"),
                lang: "ja".into(),
                mails_off: vec!["reminder".into()],
                version: 1,
            }),
            owner: None,
            company_name: Some(format!("会社 {company}")),
        },
        sla_clock: None,
        // Not the default, so that a store that drops it fails the round trip.
        channel: madoguchi::domain::ticket::Channel::Phone,
        department: Some("network".into()),
        merged_into: Some("2026112200009".into()),
    }
}

pub fn article(number: &str, seq: u32, internal: bool) -> ArticleRecord {
    ArticleRecord {
        ticket: number.into(),
        seq,
        author_id: "u1".into(),
        author_name: "山田 太郎".into(),
        internal,
        body_md: format!("本文 {seq}"),
        created_at: t("2026-11-23T01:00:00Z"),
        attachments: vec![AttachmentRecord {
            id: format!("a{seq}"),
            name: "ログ.txt".into(),
            size: 12,
            content_type: "text/plain".into(),
            blob_key: format!("blobs/a{seq}"),
        }],
        minutes: internal.then_some(15 * seq),
        fields: if seq % 2 == 1 {
            BTreeMap::from([
                ("cause".to_owned(), "ハブが旧式（10BASE-T）".to_owned()),
                ("due".to_owned(), "2026-12-01".to_owned()),
            ])
        } else {
            BTreeMap::new()
        },
    }
}

pub fn mail(id: &str, ticket: &str, at: Timestamp) -> OutboxMail {
    OutboxMail {
        id: id.into(),
        created_at: at,
        recipients: vec!["taro@example.jp".into()],
        message: b"Subject: test\r\n\r\nbody".to_vec(),
        attempts: 0,
        next_attempt_at: Some(at),
        sent_at: None,
        last_error: None,
        ticket: Some(ticket.into()),
    }
}

pub fn new_ticket(number: &str, requester: &str, company: &str, updated: Timestamp) -> NewTicket {
    NewTicket {
        ticket: ticket(number, requester, company, updated),
        article: article(number, 1, false),
        history: vec![HistoryRecord {
            ticket: number.into(),
            at: updated,
            actor_id: requester.into(),
            field: "state".into(),
            from: None,
            to: Some("new".into()),
            reason: "created".into(),
        }],
        mails: vec![mail(&format!("m-{number}"), number, updated)],
        idempotency_key: None,
        claimed_uploads: vec![],
        number_from: None,
    }
}

pub async fn sequences_count_up_from_one_per_key(store: Arc<dyn Store>) {
    assert_eq!(store.next_sequence("a").await.unwrap(), 1);
    assert_eq!(store.next_sequence("a").await.unwrap(), 2);
    assert_eq!(store.next_sequence("b").await.unwrap(), 1);
}

pub async fn concurrent_sequences_never_repeat(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.next_sequence("day").await.unwrap() })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for task in tasks {
        assert!(seen.insert(task.await.unwrap()));
    }
    assert_eq!(seen.len(), 200);
    assert_eq!(*seen.iter().max().unwrap(), 200);
}

pub async fn a_new_ticket_is_stored_with_its_article_history_and_mail(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let number = store
        .create_ticket(new_ticket("2026112300001", "u1", "acme", at))
        .await
        .unwrap();
    assert_eq!(number, "2026112300001");
    let got = store.get_ticket(&number).await.unwrap().unwrap();
    assert_eq!(got, ticket("2026112300001", "u1", "acme", at));
    assert_eq!(
        store.articles(&number).await.unwrap(),
        vec![article(&number, 1, false)]
    );
    assert_eq!(store.history(&number).await.unwrap().len(), 1);
    let due = store.due_mails(at, 10).await.unwrap();
    assert_eq!(due, vec![mail("m-2026112300001", &number, at)]);
    assert!(store.get_ticket("2026112399999").await.unwrap().is_none());
}

pub async fn a_duplicate_number_is_refused_and_nothing_of_it_is_written(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    store
        .create_ticket(new_ticket("n1", "u1", "acme", at))
        .await
        .unwrap();
    let mut dup = new_ticket("n1", "u2", "globex", at);
    dup.mails = vec![mail("m-dup", "n1", at)];
    dup.article.body_md = "二通目".into();
    assert!(matches!(
        store.create_ticket(dup).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.get_ticket("n1").await.unwrap().unwrap().requester_id,
        "u1"
    );
    assert_eq!(store.articles("n1").await.unwrap().len(), 1);
    let ids: Vec<String> = store
        .due_mails(at, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["m-n1"], "the refused ticket's mail was not written");
}

pub async fn the_same_idempotency_key_makes_one_ticket(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let mut a = new_ticket("n1", "u1", "acme", at);
    a.idempotency_key = Some("key-1".into());
    let mut b = new_ticket("n2", "u1", "acme", at);
    b.idempotency_key = Some("key-1".into());
    assert_eq!(store.create_ticket(a).await.unwrap(), "n1");
    assert_eq!(
        store.create_ticket(b).await.unwrap(),
        "n1",
        "the retry returns the first ticket"
    );
    assert!(store.get_ticket("n2").await.unwrap().is_none());
    assert_eq!(
        store.ticket_by_idempotency_key("key-1").await.unwrap(),
        Some("n1".to_owned())
    );
    assert_eq!(
        store.ticket_by_idempotency_key("key-2").await.unwrap(),
        None
    );
}

pub async fn an_update_with_a_stale_version_is_a_conflict_and_writes_nothing(
    store: Arc<dyn Store>,
) {
    let at = t("2026-11-23T01:00:00Z");
    store
        .create_ticket(new_ticket("n1", "u1", "acme", at))
        .await
        .unwrap();
    let mut t1 = store.get_ticket("n1").await.unwrap().unwrap();
    t1.state = State::Open;
    t1.version = 2;
    t1.article_count = 2;
    let update = TicketUpdate {
        ticket: t1.clone(),
        expected_version: 1,
        article: Some(article("n1", 2, false)),
        history: vec![],
        mails: vec![mail("m2", "n1", at)],
        claimed_uploads: vec![],
        previous_state: None,
        relies_on: vec![],
    };
    store.update_ticket(update.clone()).await.unwrap();
    // The same update again: the version read (1) is stale now.
    let mut stale = update;
    stale.article = Some(article("n1", 3, true));
    stale.mails = vec![mail("m3", "n1", at)];
    assert!(matches!(
        store.update_ticket(stale).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.articles("n1").await.unwrap().len(), 2);
    assert!(
        !store
            .due_mails(at, 10)
            .await
            .unwrap()
            .iter()
            .any(|m| m.id == "m3")
    );
    assert_eq!(
        store.get_ticket("n1").await.unwrap().unwrap().state,
        State::Open
    );
}

/// How many replies `concurrent_replies_are_all_kept_in_order` sends at once: 200, or
/// what an adapter's test binary sets (the DynamoDB emulator copies the whole table for
/// every transaction, so it takes fewer).
pub static CONCURRENT_REPLIES: std::sync::atomic::AtomicU32 =
    std::sync::atomic::AtomicU32::new(200);

pub async fn concurrent_replies_are_all_kept_in_order(store: Arc<dyn Store>) {
    let replies = CONCURRENT_REPLIES.load(std::sync::atomic::Ordering::Relaxed);
    let at = t("2026-11-23T01:00:00Z");
    store
        .create_ticket(new_ticket("n1", "u1", "acme", at))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..replies)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move {
                // The use case's loop: read, build the next article, write if unchanged.
                loop {
                    let current = s.get_ticket("n1").await.unwrap().unwrap();
                    let seq = current.article_count + 1;
                    let mut next = current.clone();
                    next.article_count = seq;
                    next.version += 1;
                    let mut a = article("n1", seq, false);
                    a.body_md = format!("reply {i}");
                    let update = TicketUpdate {
                        ticket: next,
                        expected_version: current.version,
                        article: Some(a),
                        history: vec![],
                        mails: vec![],
                        claimed_uploads: vec![],
                        previous_state: None,
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
    let articles = store.articles("n1").await.unwrap();
    assert_eq!(articles.len(), replies as usize + 1);
    assert!(
        articles
            .iter()
            .enumerate()
            .all(|(i, a)| a.seq as usize == i + 1),
        "sequence without gaps"
    );
    let bodies: std::collections::HashSet<&str> =
        articles[1..].iter().map(|a| a.body_md.as_str()).collect();
    assert_eq!(bodies.len(), replies as usize, "no reply lost");
}

pub async fn a_scopes_generation_changes_with_every_change_to_its_tickets(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let scopes = [
        Scope::All,
        Scope::Company("acme".into()),
        Scope::Requester("u1".into()),
        Scope::Company("globex".into()),
    ];
    let gens = async || {
        let mut g = Vec::new();
        for s in &scopes {
            g.push(store.count_tickets(s).await.unwrap().generation);
        }
        g
    };
    assert_eq!(gens().await, [0, 0, 0, 0], "no tickets yet");
    store
        .create_ticket(new_ticket("g1", "u1", "acme", at))
        .await
        .unwrap();
    let created = gens().await;
    assert!(created[..3].iter().all(|g| *g > 0), "{created:?}");
    assert_eq!(created[3], 0, "another company's list is untouched");
    assert_eq!(gens().await, created, "reading changes nothing");
    // A change that moves no count (the priority) and a reply both change it.
    let mut rec = store.get_ticket("g1").await.unwrap().unwrap();
    rec.priority = "high".into();
    rec.version += 1;
    store
        .update_ticket(TicketUpdate {
            ticket: rec.clone(),
            expected_version: rec.version - 1,
            article: None,
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            previous_state: None,
            relies_on: vec![],
        })
        .await
        .unwrap();
    let changed = gens().await;
    for i in 0..3 {
        assert!(changed[i] > created[i], "{changed:?} after {created:?}");
    }
    assert_eq!(changed[3], 0);
    rec.version += 1;
    rec.article_count += 1;
    store
        .update_ticket(TicketUpdate {
            ticket: rec.clone(),
            expected_version: rec.version - 1,
            article: Some(article("g1", 2, false)),
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            previous_state: None,
            relies_on: vec![],
        })
        .await
        .unwrap();
    let replied = gens().await;
    for i in 0..3 {
        assert!(replied[i] > changed[i], "{replied:?} after {changed:?}");
    }
    // A stale update writes nothing, so it changes nothing either.
    assert!(
        store
            .update_ticket(TicketUpdate {
                ticket: rec.clone(),
                expected_version: 1,
                article: None,
                history: vec![],
                mails: vec![],
                claimed_uploads: vec![],
                previous_state: None,
                relies_on: vec![],
            })
            .await
            .is_err()
    );
    assert_eq!(gens().await, replied);
}

pub async fn lists_are_scoped_filtered_and_paged_without_gaps(store: Arc<dyn Store>) {
    let base = t("2026-11-01T00:00:00Z");
    for i in 0..25u32 {
        let (requester, company) = match i % 3 {
            0 => ("u1", "acme"),
            1 => ("u2", "acme"),
            _ => ("u9", "globex"),
        };
        let at = base
            .checked_add(SignedDuration::from_hours(i as i64))
            .unwrap();
        store
            .create_ticket(new_ticket(&format!("n{i:02}"), requester, company, at))
            .await
            .unwrap();
    }
    // Close two of acme's.
    for n in ["n00", "n01"] {
        let mut rec = store.get_ticket(n).await.unwrap().unwrap();
        let v = rec.version;
        rec.state = State::Closed;
        rec.version += 1;
        store
            .update_ticket(TicketUpdate {
                ticket: rec,
                expected_version: v,
                article: None,
                history: vec![],
                mails: vec![],
                claimed_uploads: vec![],
                previous_state: None,
                relies_on: vec![],
            })
            .await
            .unwrap();
    }
    let counts = store
        .count_tickets(&Scope::Company("acme".into()))
        .await
        .unwrap();
    assert_eq!((counts.open, counts.closed, counts.all()), (15, 2, 17));
    assert_eq!(
        store
            .count_tickets(&Scope::Requester("u9".into()))
            .await
            .unwrap()
            .all(),
        8
    );
    assert_eq!(store.count_tickets(&Scope::All).await.unwrap().all(), 25);

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_tickets(&ListQuery {
                scope: Scope::Company("acme".into()),
                filter: ListFilter::Open,
                oldest_first: false,
                limit: 4,
                cursor: cursor.clone(),
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 4);
        assert!(
            page.items
                .iter()
                .all(|t| t.company_id == "acme" && t.state != State::Closed)
        );
        seen.extend(page.items.into_iter().map(|t| t.number));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 15);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest update first, no repeats");

    let mine = store
        .list_tickets(&ListQuery {
            scope: Scope::Requester("u1".into()),
            filter: ListFilter::Closed,
            oldest_first: true,
            limit: 50,
            cursor: None,
        })
        .await
        .unwrap();
    assert_eq!(
        mine.items
            .iter()
            .map(|t| t.number.as_str())
            .collect::<Vec<_>>(),
        ["n00"]
    );
    assert!(mine.next.is_none());
}

pub async fn due_tickets_are_those_whose_timer_or_reminder_has_come(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let cfg = TimerConfig::default();
    for (n, kind) in [
        ("w", Some(TimerKind::WaitingCustomer)),
        ("p", Some(TimerKind::PendingClose)),
        ("o", None),
    ] {
        let mut nt = new_ticket(n, "u1", "acme", at);
        nt.ticket.timer = kind.map(|k| Timer::start(k, at, &cfg));
        store.create_ticket(nt).await.unwrap();
    }
    let day = |d: i64| at.checked_add(SignedDuration::from_hours(24 * d)).unwrap();
    assert!(store.due_tickets(day(4), 10).await.unwrap().is_empty());
    // Pending close reminds on day 5 and is due on day 7; waiting reminds on day 12.
    let names = |v: Vec<TicketRecord>| v.into_iter().map(|t| t.number).collect::<Vec<_>>();
    assert_eq!(names(store.due_tickets(day(5), 10).await.unwrap()), ["p"]);
    assert_eq!(
        names(store.due_tickets(day(12), 10).await.unwrap()),
        ["p", "w"]
    );
}

/// A deadline started at `at`: near after `near` minutes, due after `due`.
fn deadline(at: Timestamp, near: i64, due: i64) -> Deadline {
    let after = |m: i64| at.checked_add(SignedDuration::from_mins(m)).unwrap();
    Deadline {
        minutes: due,
        started: at,
        paused_minutes: 0,
        paused_since: None,
        near: after(near),
        due: after(due),
        met: None,
        near_sent: false,
        missed_sent: false,
    }
}

pub async fn a_tickets_sla_clock_is_stored_and_its_next_warning_is_due(store: Arc<dyn Store>) {
    let at = t("2026-11-20T07:00:00Z");
    let mins = |m: i64| at.checked_add(SignedDuration::from_mins(m)).unwrap();
    let mut nt = new_ticket("s1", "u1", "acme", at);
    let mut resolution = deadline(at, 480, 600);
    resolution.paused_minutes = 30;
    resolution.paused_since = Some(mins(5));
    nt.ticket.sla_clock = Some(SlaClock {
        first_response: Some(deadline(at, 48, 60)),
        update: None,
        resolution: Some(resolution),
    });
    store.create_ticket(nt.clone()).await.unwrap();
    // Without a clock, a ticket is never due; stored before clocks, it reads as none.
    store
        .create_ticket(new_ticket("s2", "u1", "acme", at))
        .await
        .unwrap();
    let mut rec = store.get_ticket("s1").await.unwrap().unwrap();
    assert_eq!(rec.sla_clock, nt.ticket.sla_clock, "round trip");
    assert_eq!(
        store.get_ticket("s2").await.unwrap().unwrap().sla_clock,
        None
    );
    let names = |v: Vec<TicketRecord>| v.into_iter().map(|t| t.number).collect::<Vec<_>>();
    assert!(store.due_tickets(mins(47), 10).await.unwrap().is_empty());
    assert_eq!(
        names(store.due_tickets(mins(48), 10).await.unwrap()),
        ["s1"]
    );
    // Once the near warning is recorded, the miss is the next point.
    let update = |rec: &TicketRecord| TicketUpdate {
        ticket: rec.clone(),
        expected_version: rec.version - 1,
        article: None,
        history: vec![],
        mails: vec![],
        claimed_uploads: vec![],
        previous_state: None,
        relies_on: vec![],
    };
    let clock = rec.sla_clock.as_mut().unwrap();
    clock.first_response.as_mut().unwrap().near_sent = true;
    rec.version += 1;
    store.update_ticket(update(&rec)).await.unwrap();
    assert!(store.due_tickets(mins(59), 10).await.unwrap().is_empty());
    assert_eq!(
        names(store.due_tickets(mins(60), 10).await.unwrap()),
        ["s1"]
    );
    assert_eq!(store.get_ticket("s1").await.unwrap().unwrap(), rec);
    // Met: nothing is due any more.
    rec.sla_clock
        .as_mut()
        .unwrap()
        .first_response
        .as_mut()
        .unwrap()
        .met = Some(mins(50));
    rec.version += 1;
    store.update_ticket(update(&rec)).await.unwrap();
    assert!(
        store
            .due_tickets(mins(10_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_ticket("s1").await.unwrap().unwrap(), rec);
}

pub async fn the_outbox_marks_sent_once_and_reschedules_failures(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let mut nt = new_ticket("n1", "u1", "acme", at);
    nt.mails = vec![mail("m1", "n1", at), mail("m2", "n1", at)];
    store.create_ticket(nt).await.unwrap();
    assert_eq!(store.due_mails(at, 10).await.unwrap().len(), 2);
    assert!(store.mark_sent("m1", at).await.unwrap());
    assert!(
        !store.mark_sent("m1", at).await.unwrap(),
        "a second sender does not send it again"
    );
    let later = at.checked_add(SignedDuration::from_mins(5)).unwrap();
    store
        .mark_failed("m2", "connection refused", Some(later))
        .await
        .unwrap();
    assert!(store.due_mails(at, 10).await.unwrap().is_empty());
    let retry = store.due_mails(later, 10).await.unwrap();
    assert_eq!(
        (
            retry.len(),
            retry[0].attempts,
            retry[0].last_error.as_deref()
        ),
        (1, 1, Some("connection refused"))
    );
    store
        .mark_failed("m2", "550 no such user", None)
        .await
        .unwrap();
    let far = at
        .checked_add(SignedDuration::from_hours(24 * 365))
        .unwrap();
    assert!(
        store.due_mails(far, 10).await.unwrap().is_empty(),
        "a permanent failure is not retried"
    );
    let m2 = store.get_mail("m2").await.unwrap().expect("m2 is kept");
    assert_eq!(
        (
            m2.attempts,
            m2.sent_at,
            m2.last_error.as_deref(),
            m2.ticket.as_deref()
        ),
        (2, None, Some("550 no such user"), Some("n1"))
    );
    assert_eq!(m2.message, mail("m2", "n1", at).message);
    assert!(
        store
            .get_mail("m1")
            .await
            .unwrap()
            .unwrap()
            .sent_at
            .is_some()
    );
    assert!(store.get_mail("nope").await.unwrap().is_none());
    store
        .append_history(HistoryRecord {
            ticket: "n1".into(),
            at: later,
            actor_id: "system".into(),
            field: "mail".into(),
            from: None,
            to: Some("failed".into()),
            reason: "550 no such user".into(),
        })
        .await
        .unwrap();
    let history = store.history("n1").await.unwrap();
    assert_eq!(history.last().unwrap().reason, "550 no such user");
    assert_eq!(
        store.get_ticket("n1").await.unwrap().unwrap().version,
        1,
        "the ticket itself is unchanged"
    );
}

/// Both sides of a link between two tickets: written in one transaction, read back per
/// ticket, the tickets themselves unchanged.
pub async fn the_histories_of_two_tickets_are_written_together(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    for n in ["2026112300001", "2026112300002"] {
        store
            .create_ticket(new_ticket(n, "u1", "c1", at))
            .await
            .unwrap();
    }
    let linked_at = t("2026-11-23T02:00:00Z");
    let side = |ticket: &str, other: &str| HistoryRecord {
        ticket: ticket.into(),
        at: linked_at,
        actor_id: "agent".into(),
        field: "link".into(),
        from: None,
        to: Some(other.into()),
        reason: "linked by staff".into(),
    };
    store
        .record_history(vec![
            side("2026112300001", "2026112300002"),
            side("2026112300002", "2026112300001"),
        ])
        .await
        .unwrap();
    for (n, other) in [
        ("2026112300001", "2026112300002"),
        ("2026112300002", "2026112300001"),
    ] {
        let history = store.history(n).await.unwrap();
        assert_eq!(history.len(), 2, "{n}: opened, linked");
        assert_eq!(history[1], side(n, other));
        assert_eq!(store.get_ticket(n).await.unwrap().unwrap().version, 1);
    }
    store.record_history(vec![]).await.unwrap();
}

/// One `#[tokio::test]` per check for an adapter: `conformance_tests!(make_store)` where
/// `make_store()` returns `(Arc<dyn Store>, guard)` and the guard lives for the test.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make,
            sequences_count_up_from_one_per_key,
            concurrent_sequences_never_repeat,
            a_new_ticket_is_stored_with_its_article_history_and_mail,
            a_duplicate_number_is_refused_and_nothing_of_it_is_written,
            the_same_idempotency_key_makes_one_ticket,
            an_update_with_a_stale_version_is_a_conflict_and_writes_nothing,
            concurrent_replies_are_all_kept_in_order,
            lists_are_scoped_filtered_and_paged_without_gaps,
            a_scopes_generation_changes_with_every_change_to_its_tickets,
            due_tickets_are_those_whose_timer_or_reminder_has_come,
            the_outbox_marks_sent_once_and_reschedules_failures,
            users_are_unique_by_email_in_any_case,
            user_updates_are_versioned,
            a_refresh_rotates_once_and_a_revoked_session_cannot_rotate,
            revoking_a_users_sessions_keeps_the_named_one,
            failed_logins_count_up_within_the_window_and_start_again_after_it,
            contracts_are_unique_by_number_and_listed_by_company,
            a_user_with_an_invitation_is_written_with_its_token_and_mail_or_not_at_all,
            a_token_is_used_once_even_by_concurrent_callers,
            a_token_cannot_be_used_expired_or_for_another_purpose,
            a_stale_user_version_leaves_the_token_unused,
            pending_uploads_belong_to_their_owner_and_are_removed_once,
            old_pending_uploads_are_found_for_the_sweep,
            a_ticket_takes_its_uploads_in_the_same_transaction,
            a_reply_takes_its_uploads_in_the_same_transaction,
            a_customers_role_and_groups_are_stored_with_the_account,
            a_companys_group_switch_is_stored_and_only_for_a_company_that_exists,
            projects_are_unique_and_listed_by_company,
            contracts_keep_their_projects_and_updates_are_versioned,
            a_tickets_project_is_stored_and_changed_with_it,
            a_pending_account_keeps_its_mail_address_and_is_opened_with_its_completion_mail,
            a_token_used_without_a_user_still_writes_its_mails_only_when_used,
            mails_are_queued_alone_all_or_nothing,
            a_batch_read_finds_what_exists_and_leaves_out_the_rest,
            a_claimed_number_moves_its_counter_or_nothing_is_written,
            a_change_relying_on_a_stale_copy_writes_nothing,
            a_tickets_sla_clock_is_stored_and_its_next_warning_is_due,
            the_histories_of_two_tickets_are_written_together,
            saved_searches_belong_to_their_user,
            the_desk_counts_tickets_by_state_and_the_unassigned,
            concurrent_state_changes_keep_the_desk_counts_exact,
            tickets_asking_for_attention_come_most_pressing_first,
            an_owners_open_tickets_are_listed_latest_first,
            history_kept_once_per_key_is_added_once,
            staff_who_turned_a_mail_on_are_found_by_it,
            search_finds_every_word_in_subjects_replies_and_notes,
            search_filters_on_every_field_and_date,
            search_ranks_more_matches_first_then_newer_and_pages_without_gaps,
            a_state_change_moves_a_ticket_between_state_filters);
    };
    (@each $make:path, $($name:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let (store, _guard) = $make().await;
            conformance::$name(store).await;
        }
    )*};
}

pub fn user(id: &str, email: &str, company: Option<&str>) -> UserRecord {
    UserRecord {
        customer_role: company.map(|_| madoguchi::domain::access::CustomerRole::UserAdmin),
        projects: Vec::new(),
        id: id.into(),
        email: email.into(),
        name: format!("利用者 {id}"),
        role: if company.is_some() {
            madoguchi::domain::access::Role::Customer
        } else {
            madoguchi::domain::access::Role::Agent
        },
        company_id: company.map(str::to_owned),
        lang: "ja".into(),
        time_zone: "Asia/Tokyo".into(),
        page_size: 25,
        refresh_secs: 0,
        // Stored and read back like every other field (users are compared whole).
        mails_off: vec!["reply_customer".into(), "reminder".into()],
        mails_on: Vec::new(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        disabled: false,
        mail_to: None,
        pending: false,
        created_at: t("2026-11-01T00:00:00Z"),
        version: 1,
    }
}

pub async fn users_are_unique_by_email_in_any_case(store: Arc<dyn Store>) {
    let at = t("2026-11-01T00:00:00Z");
    store
        .create_company(CompanyRecord {
            uses_groups: false,
            id: "acme".into(),
            name: "アクメ株式会社".into(),
            created_at: at,
        })
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_company(CompanyRecord {
                uses_groups: false,
                id: "acme".into(),
                name: "x".into(),
                created_at: at
            })
            .await,
        Err(StoreError::Duplicate(_))
    ));
    store
        .create_user(user("u1", "Taro@Example.jp", Some("acme")))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_user(user("u2", "taro@example.JP", Some("acme")))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    let found = store
        .user_by_email(" TARO@example.jp ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "u1");
    assert_eq!(found, user("u1", "Taro@Example.jp", Some("acme")));
    store
        .create_user(user("s1", "agent@vendor.jp", None))
        .await
        .unwrap();
    assert_eq!(store.list_users(Some("acme")).await.unwrap().len(), 1);
    assert_eq!(store.list_users(None).await.unwrap().len(), 2);
    assert_eq!(
        store.list_companies().await.unwrap()[0].name,
        "アクメ株式会社"
    );
}

/// 株式会社アクメ and its customer u1.
async fn acme_with_u1(store: &Arc<dyn Store>, at: Timestamp) {
    store
        .create_company(CompanyRecord {
            id: "acme".into(),
            name: "株式会社アクメ".into(),
            created_at: at,
            uses_groups: false,
        })
        .await
        .unwrap();
    store
        .create_user(user("u1", "u1@acme.example.jp", Some("acme")))
        .await
        .unwrap();
}

pub async fn a_batch_read_finds_what_exists_and_leaves_out_the_rest(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    acme_with_u1(&store, at).await;
    let mut first = new_ticket("b1", "u1", "acme", at);
    first.idempotency_key = Some("key-b1".into());
    store.create_ticket(first).await.unwrap();
    store
        .create_contract(contract("C-1", "acme"))
        .await
        .unwrap();
    store
        .create_project(project("acme-net", "acme"))
        .await
        .unwrap();
    store.create_upload(upload("up1", "u1", at)).await.unwrap();
    store.next_sequence("day-1").await.unwrap();
    store.next_sequence("day-1").await.unwrap();
    let found = store
        .read_batch(BatchRead {
            users: vec!["u1".into(), "nobody".into(), "u1".into()],
            tickets: vec!["b1".into(), "b404".into()],
            companies: vec!["acme".into(), "globex".into()],
            contracts: vec!["C-1".into(), "C-404".into()],
            projects: vec!["acme-net".into(), "nowhere".into()],
            uploads: vec!["up1".into(), "up404".into()],
            sequences: vec!["day-1".into(), "day-2".into()],
            idempotency_keys: vec!["key-b1".into(), "key-404".into()],
        })
        .await
        .unwrap();
    assert_eq!(
        found.users,
        vec![user("u1", "u1@acme.example.jp", Some("acme"))]
    );
    assert_eq!(found.tickets, vec![ticket("b1", "u1", "acme", at)]);
    assert_eq!(found.companies.len(), 1);
    assert_eq!(found.company("acme").unwrap().name, "株式会社アクメ");
    assert!(found.user("nobody").is_none() && found.ticket("b404").is_none());
    assert_eq!(found.contracts, vec![contract("C-1", "acme")]);
    assert_eq!(found.projects, vec![project("acme-net", "acme")]);
    assert_eq!(found.uploads, vec![upload("up1", "u1", at)]);
    assert!(found.contract("C-404").is_none() && found.project("nowhere").is_none());
    assert!(found.upload("up404").is_none());
    // A counter never incremented reads as 0.
    assert_eq!((found.sequence("day-1"), found.sequence("day-2")), (2, 0));
    assert_eq!(found.sequences.len(), 1);
    assert_eq!(found.idempotent("key-b1"), Some("b1"));
    assert_eq!(found.idempotent("key-404"), None);
    // Nothing asked, nothing read.
    let none = store.read_batch(Default::default()).await.unwrap();
    assert!(none.users.is_empty() && none.tickets.is_empty() && none.companies.is_empty());
    assert!(none.sequences.is_empty() && none.idempotent.is_empty());
}

/// A ticket numbered from a counter value read earlier: the transaction moves the
/// counter one step, and refuses (writing nothing) when another ticket got there first.
pub async fn a_claimed_number_moves_its_counter_or_nothing_is_written(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let claimed = |number: &str, value: u64| {
        let mut new = new_ticket(number, "u1", "acme", at);
        new.number_from = Some(SequenceClaim {
            key: "day".into(),
            value,
        });
        new
    };
    assert_eq!(store.current_sequence("day").await.unwrap(), 0);
    // The first value of a counter that does not exist yet.
    store.create_ticket(claimed("n1", 1)).await.unwrap();
    assert_eq!(store.current_sequence("day").await.unwrap(), 1);
    // Someone else took 1 already (and 3 is not next): refused, nothing written.
    for (number, value) in [("n1-again", 1), ("n3", 3)] {
        assert!(
            matches!(
                store.create_ticket(claimed(number, value)).await,
                Err(StoreError::Conflict("sequence"))
            ),
            "{number} claimed {value}"
        );
        assert_eq!(store.get_ticket(number).await.unwrap(), None);
        assert!(store.articles(number).await.unwrap().is_empty());
        assert!(
            store
                .get_mail(&format!("m-{number}"))
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(store.current_sequence("day").await.unwrap(), 1);
    store.create_ticket(claimed("n2", 2)).await.unwrap();
    // The atomic increment goes on from the claimed value.
    assert_eq!(store.next_sequence("day").await.unwrap(), 3);
    assert_eq!(store.current_sequence("day").await.unwrap(), 3);
    // Many claims of the same value at once: exactly one wins.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let s = store.clone();
            let new = claimed(&format!("race-{i}"), 4);
            tokio::spawn(async move { s.create_ticket(new).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Conflict("sequence")) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.current_sequence("day").await.unwrap(), 4);
}

/// A ticket change whose mails were addressed from the copies on the ticket is written
/// only while the copies are right (`Contacts`, `Reliance`).
pub async fn a_change_relying_on_a_stale_copy_writes_nothing(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    acme_with_u1(&store, at).await;
    store
        .create_ticket(new_ticket("r1", "u1", "acme", at))
        .await
        .unwrap();
    let change = |version: u64, relies_on: Vec<Reliance>| {
        let mut next = ticket(
            "r1",
            "u1",
            "acme",
            at + SignedDuration::from_mins(version as i64),
        );
        next.version = version + 1;
        next.state = State::Open;
        TicketUpdate {
            ticket: next,
            expected_version: version,
            article: None,
            history: vec![],
            mails: vec![mail(&format!("m-r1-{version}"), "r1", at)],
            claimed_uploads: vec![],
            previous_state: None,
            relies_on,
        }
    };
    let user_at = |version| Reliance::User {
        id: "u1".into(),
        version,
    };
    let named = |name: &str| Reliance::CompanyName {
        id: "acme".into(),
        name: name.into(),
    };
    store
        .update_ticket(change(1, vec![user_at(1), named("株式会社アクメ")]))
        .await
        .unwrap();
    let mut u = store.get_user("u1").await.unwrap().unwrap();
    u.mail_to = Some("new-address@acme.example.jp".into());
    u.version = 2;
    store.update_user(u, 1).await.unwrap();
    let stale = [
        vec![user_at(1)],
        vec![user_at(2), named("アクメ")],
        vec![Reliance::User {
            id: "nobody".into(),
            version: 1,
        }],
    ];
    for relies_on in stale {
        let what = format!("{relies_on:?}");
        assert!(
            matches!(
                store.update_ticket(change(2, relies_on)).await,
                Err(StoreError::Conflict("contact"))
            ),
            "{what}"
        );
        assert_eq!(store.get_ticket("r1").await.unwrap().unwrap().version, 2);
        assert!(store.get_mail("m-r1-2").await.unwrap().is_none(), "{what}");
    }
    store
        .update_ticket(change(2, vec![user_at(2), named("株式会社アクメ")]))
        .await
        .unwrap();
    let stored = store.get_ticket("r1").await.unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.contacts, ticket("r1", "u1", "acme", at).contacts);
}

pub async fn user_updates_are_versioned(store: Arc<dyn Store>) {
    store
        .create_user(user("s1", "agent@vendor.jp", None))
        .await
        .unwrap();
    let mut u = store.get_user("s1").await.unwrap().unwrap();
    assert_eq!(u, user("s1", "agent@vendor.jp", None), "read back whole");
    u.lang = "en".into();
    u.mails_off = vec!["reply_staff".into()];
    u.version = 2;
    store.update_user(u.clone(), 1).await.unwrap();
    assert!(matches!(
        store.update_user(u.clone(), 1).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_user("s1").await.unwrap().unwrap(), u);
}

fn session(id: &str, user: &str, hash: &str) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        user_id: user.into(),
        refresh_hash: hash.into(),
        previous_hash: None,
        csrf: format!("csrf-{id}"),
        created_at: t("2026-11-23T00:00:00Z"),
        refreshed_at: t("2026-11-23T00:00:00Z"),
        expires_at: t("2026-12-23T00:00:00Z"),
        revoked: false,
    }
}

pub async fn a_refresh_rotates_once_and_a_revoked_session_cannot_rotate(store: Arc<dyn Store>) {
    store
        .create_session(session("s1", "u1", "h1"))
        .await
        .unwrap();
    assert!(matches!(
        store.create_session(session("s1", "u1", "hx")).await,
        Err(StoreError::Duplicate(_))
    ));
    let at = t("2026-11-24T00:00:00Z");
    let until = t("2026-12-24T00:00:00Z");
    // Two refreshes with the same token at once: exactly one wins.
    let (a, b) = tokio::join!(
        store.rotate_session("s1", "h1", "h2", at, until),
        store.rotate_session("s1", "h1", "h3", at, until)
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{a:?} {b:?}"
    );
    let s = store.get_session("s1").await.unwrap().unwrap();
    assert!(s.refresh_hash == "h2" || s.refresh_hash == "h3");
    assert_eq!(s.previous_hash.as_deref(), Some("h1"));
    assert_eq!(s.expires_at, until);
    assert_eq!(s.refreshed_at, at);
    let current = s.refresh_hash.clone();
    store.revoke_session("s1").await.unwrap();
    assert!(store.get_session("s1").await.unwrap().unwrap().revoked);
    assert!(matches!(
        store.rotate_session("s1", &current, "h4", at, until).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_session("nope").await.unwrap(), None);
    store.revoke_session("nope").await.unwrap();
}

pub async fn revoking_a_users_sessions_keeps_the_named_one(store: Arc<dyn Store>) {
    for (id, user) in [("a", "u1"), ("b", "u1"), ("c", "u1"), ("d", "u2")] {
        store.create_session(session(id, user, "h")).await.unwrap();
    }
    assert_eq!(
        store.revoke_user_sessions("u1", Some("b")).await.unwrap(),
        2
    );
    let revoked = |id: &'static str| {
        let store = store.clone();
        async move { store.get_session(id).await.unwrap().unwrap().revoked }
    };
    assert!(revoked("a").await && revoked("c").await);
    assert!(!revoked("b").await && !revoked("d").await);
    assert_eq!(store.revoke_user_sessions("u1", None).await.unwrap(), 1);
    assert!(revoked("b").await);
}

pub async fn failed_logins_count_up_within_the_window_and_start_again_after_it(
    store: Arc<dyn Store>,
) {
    let window = SignedDuration::from_hours(1);
    let t0 = t("2026-11-23T00:00:00Z");
    assert_eq!(store.throttle("acct:x").await.unwrap(), None);
    let mut handles = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store.record_failure("acct:x", t0, window).await.unwrap()
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let r = store.throttle("acct:x").await.unwrap().unwrap();
    assert_eq!(r.failures, 20, "concurrent failures are all counted");
    assert_eq!(r.first_at, t0);
    let later = t0 + SignedDuration::from_mins(30);
    assert_eq!(
        store
            .record_failure("acct:x", later, window)
            .await
            .unwrap()
            .failures,
        21
    );
    let much_later = later + SignedDuration::from_hours(2);
    let r = store
        .record_failure("acct:x", much_later, window)
        .await
        .unwrap();
    assert_eq!(
        (r.failures, r.first_at, r.last_at),
        (1, much_later, much_later)
    );
    assert_eq!(
        store.throttle("ip:y").await.unwrap(),
        None,
        "keys are separate"
    );
    store.clear_failures("acct:x").await.unwrap();
    assert_eq!(store.throttle("acct:x").await.unwrap(), None);
}

pub async fn company(store: &Arc<dyn Store>, id: &str) {
    store
        .create_company(CompanyRecord {
            uses_groups: false,
            id: id.into(),
            name: format!("会社 {id}"),
            created_at: t("2026-11-01T00:00:00Z"),
        })
        .await
        .unwrap();
}

pub fn contract(number: &str, company: &str) -> ContractRecord {
    ContractRecord {
        project_ids: Vec::new(),
        number: number.into(),
        company_id: company.into(),
        product: "NL Mail Gateway".into(),
        model: "MG-5000".into(),
        serial_number: "SN-0001".into(),
        starts_on: jiff::civil::date(2026, 4, 1),
        ends_on: jiff::civil::date(2027, 3, 31),
        service_type: "平日9:00~17:00オンサイト保守".into(),
        maintenance_emails: vec!["it@acme.example.jp".into(), "ops@acme.example.jp".into()],
        created_at: t("2026-11-01T00:00:00Z"),
        version: 1,
    }
}

pub async fn contracts_are_unique_by_number_and_listed_by_company(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    company(&store, "globex").await;
    store
        .create_contract(contract("NL-2", "acme"))
        .await
        .unwrap();
    store
        .create_contract(contract("NL-1", "acme"))
        .await
        .unwrap();
    store
        .create_contract(contract("NL-3", "globex"))
        .await
        .unwrap();
    let mut other = contract("NL-1", "globex");
    other.product = "別物".into();
    assert!(matches!(
        store.create_contract(other).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.get_contract("NL-1").await.unwrap(),
        Some(contract("NL-1", "acme")),
        "the duplicate changed nothing"
    );
    assert_eq!(store.get_contract("NL-9").await.unwrap(), None);
    let numbers = |v: Vec<ContractRecord>| v.into_iter().map(|c| c.number).collect::<Vec<_>>();
    assert_eq!(
        numbers(store.list_contracts(Some("acme")).await.unwrap()),
        ["NL-1", "NL-2"]
    );
    assert_eq!(
        numbers(store.list_contracts(None).await.unwrap()),
        ["NL-1", "NL-2", "NL-3"]
    );
    assert!(
        store
            .list_contracts(Some("nobody"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub fn token(hash: &str, user: &str, purpose: TokenPurpose) -> OneTimeTokenRecord {
    OneTimeTokenRecord {
        hash: hash.into(),
        purpose,
        user_id: user.into(),
        created_at: t("2026-11-01T00:00:00Z"),
        expires_at: t("2026-11-08T00:00:00Z"),
        used_at: None,
    }
}

fn invited(id: &str, email: &str, hash: &str) -> NewUser {
    let mut u = user(id, email, Some("acme"));
    u.password_hash = None;
    NewUser {
        user: u,
        token: Some(token(hash, id, TokenPurpose::Invite)),
        mails: vec![OutboxMail {
            ticket: None,
            ..mail(&format!("invite-{hash}"), "", t("2026-11-01T00:00:00Z"))
        }],
    }
}

pub async fn a_user_with_an_invitation_is_written_with_its_token_and_mail_or_not_at_all(
    store: Arc<dyn Store>,
) {
    company(&store, "acme").await;
    store
        .create_user_with(invited("u1", "taro@acme.example.jp", "h1"))
        .await
        .unwrap();
    assert_eq!(
        store.get_token("h1").await.unwrap(),
        Some(token("h1", "u1", TokenPurpose::Invite))
    );
    assert_eq!(
        store.get_user("u1").await.unwrap().unwrap().password_hash,
        None
    );
    let mails = store
        .due_mails(t("2026-11-02T00:00:00Z"), 10)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].id, "invite-h1");
    assert_eq!(mails[0].ticket, None);

    // Same e-mail in another case: nothing of the second user is written.
    assert!(matches!(
        store
            .create_user_with(invited("u2", "TARO@acme.example.jp", "h2"))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.get_user("u2").await.unwrap(), None);
    assert_eq!(store.get_token("h2").await.unwrap(), None);
    assert_eq!(
        store
            .due_mails(t("2026-11-02T00:00:00Z"), 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // A reset token for an existing user, with its mail.
    store
        .create_token(
            token("h3", "u1", TokenPurpose::Reset),
            vec![mail("reset-h3", "", t("2026-11-01T00:00:00Z"))],
        )
        .await
        .unwrap();
    assert_eq!(
        store.get_token("h3").await.unwrap().unwrap().purpose,
        TokenPurpose::Reset
    );
    assert_eq!(
        store
            .due_mails(t("2026-11-02T00:00:00Z"), 10)
            .await
            .unwrap()
            .len(),
        2
    );
}

pub async fn a_token_is_used_once_even_by_concurrent_callers(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    store
        .create_user_with(invited("u1", "taro@acme.example.jp", "h1"))
        .await
        .unwrap();
    let now = t("2026-11-02T00:00:00Z");
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut u = store.get_user("u1").await.unwrap().unwrap();
                let read = u.version;
                u.password_hash = Some(format!("hash-{i}"));
                u.version = read + 1;
                store
                    .consume_token("h1", TokenPurpose::Invite, now, Some((u, read)), vec![])
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(true) => winners += 1,
            Ok(false) | Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(winners, 1, "exactly one use wins");
    let stored = store.get_token("h1").await.unwrap().unwrap();
    assert_eq!(stored.used_at, Some(now));
    let u = store.get_user("u1").await.unwrap().unwrap();
    assert_eq!(u.version, 2, "the user was written once");
    assert!(u.password_hash.unwrap().starts_with("hash-"));
    assert!(
        !store
            .consume_token("h1", TokenPurpose::Invite, now, None, vec![])
            .await
            .unwrap(),
        "a used token stays used"
    );
}

pub async fn a_token_cannot_be_used_expired_or_for_another_purpose(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    store
        .create_user_with(invited("u1", "taro@acme.example.jp", "h1"))
        .await
        .unwrap();
    let before = t("2026-11-07T23:59:59Z");
    let at_expiry = t("2026-11-08T00:00:00Z");
    #[rustfmt::skip]
    let table: &[(&str, TokenPurpose, Timestamp, bool)] = &[
        ("nope", TokenPurpose::Invite, before,    false),
        ("h1",   TokenPurpose::Reset,  before,    false),
        ("h1",   TokenPurpose::Invite, at_expiry, false),
        ("h1",   TokenPurpose::Invite, before,    true),
        ("h1",   TokenPurpose::Invite, before,    false),
    ];
    for (hash, purpose, now, want) in table {
        assert_eq!(
            store
                .consume_token(hash, *purpose, *now, None, vec![])
                .await
                .unwrap(),
            *want,
            "{hash} {purpose:?} {now}"
        );
    }
}

pub async fn a_stale_user_version_leaves_the_token_unused(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    store
        .create_user_with(invited("u1", "taro@acme.example.jp", "h1"))
        .await
        .unwrap();
    let mut u = store.get_user("u1").await.unwrap().unwrap();
    let mut other = u.clone();
    other.lang = "en".into();
    other.version = 2;
    store.update_user(other, 1).await.unwrap();
    u.password_hash = Some("new".into());
    u.version = 2;
    let now = t("2026-11-02T00:00:00Z");
    assert!(matches!(
        store
            .consume_token("h1", TokenPurpose::Invite, now, Some((u, 1)), vec![])
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_token("h1").await.unwrap().unwrap().used_at, None);
    assert_eq!(
        store.get_user("u1").await.unwrap().unwrap().password_hash,
        None
    );
}

pub fn upload(id: &str, owner: &str, at: Timestamp) -> UploadRecord {
    UploadRecord {
        id: id.into(),
        owner_id: owner.into(),
        name: "障害ログ.txt".into(),
        size: 1234,
        content_type: "text/plain; charset=utf-8".into(),
        blob_key: format!("2026/11/{id}"),
        created_at: at,
    }
}

pub async fn pending_uploads_belong_to_their_owner_and_are_removed_once(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let later = at.checked_add(SignedDuration::from_mins(1)).unwrap();
    store.create_upload(upload("b", "u1", later)).await.unwrap();
    store.create_upload(upload("a", "u1", at)).await.unwrap();
    store.create_upload(upload("c", "u2", at)).await.unwrap();
    assert!(matches!(
        store.create_upload(upload("a", "u2", at)).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.get_upload("a").await.unwrap(),
        Some(upload("a", "u1", at))
    );
    let mine: Vec<String> = store
        .uploads_of("u1")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(mine, ["a", "b"], "oldest first, only the owner's");
    assert!(
        !store.delete_upload("a", "u2").await.unwrap(),
        "not u2's to remove"
    );
    assert!(store.delete_upload("a", "u1").await.unwrap());
    assert!(
        !store.delete_upload("a", "u1").await.unwrap(),
        "removed once"
    );
    assert_eq!(store.get_upload("a").await.unwrap(), None);
}

pub async fn old_pending_uploads_are_found_for_the_sweep(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    for i in 0..5 {
        let created = at.checked_add(SignedDuration::from_hours(i)).unwrap();
        store
            .create_upload(upload(&format!("u{i}"), "owner", created))
            .await
            .unwrap();
    }
    let cutoff = at.checked_add(SignedDuration::from_hours(3)).unwrap();
    let ids = |v: Vec<UploadRecord>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.uploads_created_before(cutoff, 10).await.unwrap()),
        ["u0", "u1", "u2"]
    );
    assert_eq!(
        ids(store.uploads_created_before(cutoff, 2).await.unwrap()),
        ["u0", "u1"]
    );
}

pub async fn a_ticket_takes_its_uploads_in_the_same_transaction(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    store.create_upload(upload("up1", "u1", at)).await.unwrap();
    store
        .create_upload(upload("theirs", "u2", at))
        .await
        .unwrap();
    let mut a = new_ticket("n1", "u1", "acme", at);
    a.claimed_uploads = vec!["up1".into()];
    store.create_ticket(a).await.unwrap();
    assert_eq!(
        store.get_upload("up1").await.unwrap(),
        None,
        "no longer pending"
    );

    // Taking it again, or taking someone else's, fails and writes nothing at all.
    for (number, claim) in [("n2", "up1"), ("n3", "theirs"), ("n4", "never")] {
        let mut b = new_ticket(number, "u1", "acme", at);
        b.claimed_uploads = vec![claim.into()];
        b.idempotency_key = Some(format!("key-{number}"));
        assert!(
            matches!(
                store.create_ticket(b).await,
                Err(StoreError::Conflict("upload"))
            ),
            "{claim}"
        );
        assert!(store.get_ticket(number).await.unwrap().is_none());
        assert!(store.articles(number).await.unwrap().is_empty());
        assert_eq!(
            store
                .ticket_by_idempotency_key(&format!("key-{number}"))
                .await
                .unwrap(),
            None,
            "the key is free for a corrected retry"
        );
    }
    assert!(store.get_upload("theirs").await.unwrap().is_some());
    let ids: Vec<String> = store
        .due_mails(at, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["m-n1"]);
}

pub async fn a_reply_takes_its_uploads_in_the_same_transaction(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    store
        .create_ticket(new_ticket("n1", "u1", "acme", at))
        .await
        .unwrap();
    store.create_upload(upload("up1", "u1", at)).await.unwrap();
    let reply = |claim: &str| {
        let current = ticket("n1", "u1", "acme", at);
        let mut next = current.clone();
        next.article_count = 2;
        next.version = 2;
        TicketUpdate {
            ticket: next,
            expected_version: 1,
            article: Some(article("n1", 2, false)),
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![claim.into()],
            previous_state: None,
            relies_on: vec![],
        }
    };
    assert!(matches!(
        store.update_ticket(reply("gone")).await,
        Err(StoreError::Conflict("upload"))
    ));
    assert_eq!(
        store.articles("n1").await.unwrap().len(),
        1,
        "nothing written"
    );
    assert_eq!(store.get_ticket("n1").await.unwrap().unwrap().version, 1);
    store.update_ticket(reply("up1")).await.unwrap();
    assert_eq!(store.articles("n1").await.unwrap().len(), 2);
    assert_eq!(store.get_upload("up1").await.unwrap(), None);
}

pub async fn saved_searches_belong_to_their_user(store: Arc<dyn Store>) {
    let search = |user: &str, id: &str, at: &str| SavedSearchRecord {
        user_id: user.into(),
        id: id.into(),
        name: format!("検索 {id}"),
        query: "state=open&q=%E9%9A%9C%E5%AE%B3".into(),
        created_at: t(at),
    };
    store
        .save_search(search("u1", "b", "2026-11-23T02:00:00Z"))
        .await
        .unwrap();
    store
        .save_search(search("u1", "a", "2026-11-23T03:00:00Z"))
        .await
        .unwrap();
    store
        .save_search(search("u2", "a", "2026-11-23T01:00:00Z"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .save_search(search("u1", "a", "2026-11-23T04:00:00Z"))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.saved_searches("u1").await.unwrap(),
        vec![
            search("u1", "b", "2026-11-23T02:00:00Z"),
            search("u1", "a", "2026-11-23T03:00:00Z")
        ]
    );
    assert!(!store.delete_search("u1", "zz").await.unwrap());
    assert!(store.delete_search("u1", "a").await.unwrap());
    assert!(!store.delete_search("u1", "a").await.unwrap());
    assert_eq!(store.saved_searches("u1").await.unwrap().len(), 1);
    assert_eq!(store.saved_searches("u2").await.unwrap().len(), 1);
}
