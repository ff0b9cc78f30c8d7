//! The ticket use cases on the embedded store, with the clock moved by the tests:
//! opening, replying, internal notes, who sees what, timers and the outbox.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use madoguchi::adapters::embedded::{BlobDir, SqliteStore};
use madoguchi::app::mail::MailComposer;
use madoguchi::app::sweep::sweep;
use madoguchi::app::tickets::{self, ListOf, OpenTicket, Reply};
use madoguchi::app::{AppError, Deps, PortalConfig, messages, uploads};
use madoguchi::domain::access::{Actor, Role};
use madoguchi::domain::ticket::{State, StateError};
use madoguchi::ports::store::*;
use madoguchi::ports::{Blob, BlobKey, Clock, FixedClock};

struct World {
    deps: Deps,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

fn t0() -> Timestamp {
    "2026-11-23T01:00:00Z".parse().unwrap()
}

fn actor(id: &str, role: Role, company: Option<&str>) -> Actor {
    Actor::new(id, role, company.map(str::to_owned))
}

fn taro() -> Actor {
    actor("taro", Role::Customer, Some("acme"))
}
fn hanako() -> Actor {
    actor("hanako", Role::Customer, Some("acme"))
}
fn jiro() -> Actor {
    actor("jiro", Role::Customer, Some("globex"))
}
fn agent() -> Actor {
    actor("agent", Role::Agent, None)
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite")).unwrap());
    let blobs = Arc::new(BlobDir::open(&dir.path().join("attachments")).unwrap());
    let clock = Arc::new(FixedClock::new(t0()));
    let config = PortalConfig::example("http://127.0.0.1:8080");
    let mail = MailComposer::new(config.name_in("ja"), &config.sender).unwrap();
    for (id, name) in [("acme", "アクメ株式会社"), ("globex", "Globex Corp.")] {
        store
            .create_company(CompanyRecord {
                uses_groups: false,
                id: id.into(),
                name: name.into(),
                created_at: t0(),
            })
            .await
            .unwrap();
    }
    for (id, name, email, role, company, lang) in [
        (
            "taro",
            "山田 太郎",
            "taro@acme.example.jp",
            Role::Customer,
            Some("acme"),
            "ja",
        ),
        (
            "hanako",
            "佐藤 花子",
            "hanako@acme.example.jp",
            Role::Customer,
            Some("acme"),
            "ja",
        ),
        (
            "jiro",
            "Jiro Smith",
            "jiro@globex.example.com",
            Role::Customer,
            Some("globex"),
            "en",
        ),
        (
            "agent",
            "サポート 一郎",
            "ichiro@netlink.example.jp",
            Role::Agent,
            None,
            "ja",
        ),
    ] {
        store
            .create_user(UserRecord {
                customer_role: (role == Role::Customer)
                    .then_some(madoguchi::domain::access::CustomerRole::UserAdmin),
                projects: Vec::new(),
                id: id.into(),
                email: email.into(),
                name: name.into(),
                role,
                company_id: company.map(str::to_owned),
                lang: lang.into(),
                time_zone: "Asia/Tokyo".into(),
                page_size: 25,
                refresh_secs: 0,
                mails_off: Vec::new(),
                mails_on: Vec::new(),
                password_hash: None,
                disabled: false,
                mail_to: None,
                pending: false,
                created_at: t0(),
                version: 1,
            })
            .await
            .unwrap();
    }
    let deps = Deps {
        store,
        blobs,
        clock: clock.clone(),
        config: Arc::new(config),
        mail: Arc::new(mail),
    };
    World {
        deps,
        clock,
        _dir: dir,
    }
}

/// The demo vendor's form (content/portal.yaml) filled in for a mail gateway fault.
fn form(subject: &str) -> OpenTicket {
    OpenTicket {
        subject: subject.into(),
        body: "メールが送信できません。\n\nエラー: 535 5.7.8".into(),
        product: Some("mail-gateway".into()),
        ticket_type: Some("trouble".into()),
        fields: BTreeMap::from([
            ("contract_number".to_owned(), "NL-2026-012345".to_owned()),
            ("serial_number".to_owned(), "unknown".to_owned()),
        ]),
        cc: "boss@acme.example.jp".into(),
        ..Default::default()
    }
}

/// The unsent mails as (recipients, decoded subject, decoded body).
async fn outbox(w: &World) -> Vec<(Vec<String>, String, String)> {
    let far = t0()
        .checked_add(SignedDuration::from_hours(24 * 400))
        .unwrap();
    w.deps
        .store
        .due_mails(far, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.message)
                .expect("a valid RFC 5322 message");
            (
                m.recipients,
                parsed.subject().unwrap_or_default().to_owned(),
                parsed.body_text(0).unwrap_or_default().into_owned(),
            )
        })
        .collect()
}

fn days(d: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * d)
}

#[tokio::test]
async fn opening_a_ticket_numbers_it_by_date_and_queues_the_thank_you_and_team_mails() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("送信エラーについて"))
        .await
        .unwrap();
    assert_eq!(t.number, "2026112300001");
    assert_eq!(t.state, State::New);
    let second = tickets::open_ticket(&w.deps, &hanako(), form("二件目"))
        .await
        .unwrap();
    assert_eq!(second.number, "2026112300002");

    let mails = outbox(&w).await;
    let thanks = mails
        .iter()
        .find(|m| m.0.contains(&"taro@acme.example.jp".to_owned()))
        .unwrap();
    assert_eq!(
        thanks.1,
        "[#2026112300001] NL Mail Gateway: 送信エラーについて (お問い合わせを受け付けました)"
    );
    assert_eq!(
        thanks.0,
        ["taro@acme.example.jp", "boss@acme.example.jp"],
        "CC addresses get it too"
    );
    assert!(
        thanks.2.contains("山田 太郎 様")
            && thanks
                .2
                .contains("http://127.0.0.1:8080/portal/tickets/2026112300001")
    );
    let team = mails
        .iter()
        .find(|m| m.0 == ["support@netlink.example.jp"] && m.1.contains("2026112300001"))
        .unwrap();
    assert_eq!(
        team.1,
        "[#2026112300001] NL Mail Gateway: 送信エラーについて"
    );
    assert!(team.2.contains("アクメ株式会社"));
}

#[tokio::test]
async fn the_day_rolls_over_in_tokyo_not_utc() {
    let w = world().await;
    // 2026-11-23T15:30Z is already 11-24 00:30 in Tokyo.
    w.clock.set("2026-11-23T15:30:00Z".parse().unwrap());
    let t = tickets::open_ticket(&w.deps, &taro(), form("深夜"))
        .await
        .unwrap();
    assert_eq!(t.number, "2026112400001");
}

#[tokio::test]
async fn validation_names_the_field_and_writes_nothing() {
    let w = world().await;
    let cases = [
        (
            OpenTicket {
                subject: "  ".into(),
                ..form("")
            },
            "subject",
        ),
        (
            OpenTicket {
                body: "".into(),
                ..form("件名")
            },
            "body",
        ),
        (
            OpenTicket {
                cc: "boss@acme.example.jp, not-an-address".into(),
                ..form("件名")
            },
            "cc",
        ),
        (
            OpenTicket {
                priority: Some("asap".into()),
                ..form("件名")
            },
            "priority",
        ),
        (
            OpenTicket {
                subject: "あ".repeat(201),
                ..form("")
            },
            "subject",
        ),
    ];
    for (input, field) in cases {
        match tickets::open_ticket(&w.deps, &taro(), input).await {
            Err(AppError::Invalid(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, [field]);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(
        w.deps.store.count_tickets(&Scope::All).await.unwrap().all(),
        0
    );
    assert!(outbox(&w).await.is_empty());
}

#[tokio::test]
async fn the_same_idempotency_key_opens_one_ticket() {
    let w = world().await;
    let a = tickets::open_ticket(
        &w.deps,
        &taro(),
        OpenTicket {
            idempotency_key: Some("k1".into()),
            ..form("一回だけ")
        },
    )
    .await
    .unwrap();
    let b = tickets::open_ticket(
        &w.deps,
        &taro(),
        OpenTicket {
            idempotency_key: Some("k1".into()),
            ..form("一回だけ")
        },
    )
    .await
    .unwrap();
    assert_eq!(a.number, b.number);
    assert_eq!(
        w.deps.store.count_tickets(&Scope::All).await.unwrap().all(),
        1
    );
}

#[tokio::test]
async fn another_companys_customer_can_neither_see_nor_reply_and_gets_not_found() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("社外秘"))
        .await
        .unwrap();
    assert!(matches!(
        tickets::view(&w.deps, &jiro(), &t.number).await,
        Err(AppError::NotFound)
    ));
    let reply = Reply {
        body: "見せて".into(),
        ..Default::default()
    };
    assert!(matches!(
        tickets::reply(&w.deps, &jiro(), &t.number, reply).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        tickets::change_state(&w.deps, &jiro(), &t.number, State::Closed).await,
        Err(AppError::NotFound)
    ));
    // A colleague of the same company sees it (company tickets).
    assert_eq!(
        tickets::view(&w.deps, &hanako(), &t.number)
            .await
            .unwrap()
            .articles
            .len(),
        1
    );
    let (page, counts) = tickets::list(&w.deps, &jiro(), list_of(ListOf::Company))
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(counts.all(), 0);
    assert!(matches!(
        tickets::list(&w.deps, &taro(), list_of(ListOf::All)).await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test]
async fn internal_notes_never_reach_the_customer_or_their_mail() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("障害の件"))
        .await
        .unwrap();
    let before = outbox(&w).await.len();
    tickets::reply(
        &w.deps,
        &agent(),
        &t.number,
        Reply {
            body: "社内メモ: 顧客の設定ミスの可能性".into(),
            internal: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(outbox(&w).await.len(), before, "a note sends no mail");
    let customer_view = tickets::view(&w.deps, &taro(), &t.number).await.unwrap();
    assert!(
        customer_view
            .articles
            .iter()
            .all(|a| !a.internal && !a.body_md.contains("社内メモ"))
    );
    assert_eq!(
        tickets::view(&w.deps, &agent(), &t.number)
            .await
            .unwrap()
            .articles
            .len(),
        2
    );
    // And a customer cannot write one.
    let r = tickets::reply(
        &w.deps,
        &taro(),
        &t.number,
        Reply {
            body: "x".into(),
            internal: true,
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(r, Err(AppError::Forbidden)));
    // The note did not change the state or the list preview.
    let stored = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(stored.state, State::New);
    assert!(!stored.preview.contains("社内メモ"));
}

#[tokio::test]
async fn a_staff_reply_asking_the_customer_mails_them_and_the_timers_run_to_closed() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("設定の確認"))
        .await
        .unwrap();
    let reply = Reply {
        body: "ログをお送りください。".into(),
        next_state: Some(State::WaitingCustomer),
        ..Default::default()
    };
    let after = tickets::reply(&w.deps, &agent(), &t.number, reply)
        .await
        .unwrap();
    assert_eq!(after.state, State::WaitingCustomer);
    let mails = outbox(&w).await;
    let to_customer = mails
        .iter()
        .find(|m| m.1.contains("ログ") || m.2.contains("ログをお送りください"))
        .unwrap();
    assert_eq!(
        to_customer.1,
        "[#2026112300001] NL Mail Gateway: 設定の確認"
    );
    assert!(to_customer.2.contains("お客様確認中") && to_customer.2.contains("14 日間"));

    // Day 11: nothing due. Day 12: the reminder, once, even if the sweep runs twice.
    w.clock.set(t0().checked_add(days(11)).unwrap());
    assert_eq!(sweep(&w.deps).await.unwrap().reminded, 0);
    w.clock.set(t0().checked_add(days(12)).unwrap());
    assert_eq!(sweep(&w.deps).await.unwrap().reminded, 1);
    assert_eq!(sweep(&w.deps).await.unwrap().reminded, 0);
    assert_eq!(
        outbox(&w)
            .await
            .iter()
            .filter(|m| m.1.contains("ご確認のお願い"))
            .count(),
        1
    );

    // Day 14: pending close; day 21: closed; a late extra sweep changes nothing.
    w.clock.set(t0().checked_add(days(14)).unwrap());
    assert_eq!(sweep(&w.deps).await.unwrap().transitioned, 1);
    assert_eq!(
        w.deps
            .store
            .get_ticket(&t.number)
            .await
            .unwrap()
            .unwrap()
            .state,
        State::PendingClose
    );
    w.clock.set(t0().checked_add(days(25)).unwrap());
    let r = sweep(&w.deps).await.unwrap();
    assert_eq!(
        (r.reminded, r.transitioned),
        (0, 1),
        "the pending-close reminder is past due, so only the close happens"
    );
    let closed = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(closed.state, State::Closed);
    assert_eq!(sweep(&w.deps).await.unwrap(), Default::default());
    let history = w.deps.store.history(&t.number).await.unwrap();
    let states: Vec<&str> = history.iter().filter_map(|h| h.to.as_deref()).collect();
    assert_eq!(
        states,
        ["new", "waiting_customer", "pending_close", "closed"]
    );
    assert!(
        outbox(&w)
            .await
            .iter()
            .any(|m| m.1.contains("「クローズ」"))
    );
}

#[tokio::test]
async fn a_customer_reply_reopens_and_a_late_follow_up_is_refused() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("再開テスト"))
        .await
        .unwrap();
    tickets::reply(
        &w.deps,
        &agent(),
        &t.number,
        Reply {
            body: "解決しました".into(),
            next_state: Some(State::Closed),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.clock.advance(days(10));
    let reopened = tickets::reply(
        &w.deps,
        &taro(),
        &t.number,
        Reply {
            body: "再発しました".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(reopened.state, State::Open);
    // The team hears about the customer's reply.
    assert!(
        outbox(&w)
            .await
            .iter()
            .any(|m| m.0 == ["support@netlink.example.jp"] && m.2.contains("再発しました"))
    );
    // Closed by the customer from the reply form, then a follow-up 31 days later.
    tickets::reply(
        &w.deps,
        &taro(),
        &t.number,
        Reply {
            body: "解決しました".into(),
            next_state: Some(State::Closed),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.clock.advance(days(31));
    let late = tickets::reply(
        &w.deps,
        &taro(),
        &t.number,
        Reply {
            body: "また".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(
            late,
            Err(AppError::State(StateError::FollowUpTooLate { days: 30 }))
        ),
        "{late:?}"
    );
}

#[tokio::test]
async fn two_hundred_simultaneous_replies_are_all_kept_in_order() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("同時返信"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let deps = w.deps.clone();
            let number = t.number.clone();
            tokio::spawn(async move {
                let who = if i % 2 == 0 { taro() } else { agent() };
                tickets::reply(
                    &deps,
                    &who,
                    &number,
                    Reply {
                        body: format!("返信 {i}"),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let articles = w.deps.store.articles(&t.number).await.unwrap();
    assert_eq!(articles.len(), 201);
    assert!(
        articles
            .windows(2)
            .all(|p| p[0].seq + 1 == p[1].seq && p[0].created_at <= p[1].created_at)
    );
    let bodies: std::collections::HashSet<String> =
        articles.iter().map(|a| a.body_md.clone()).collect();
    assert_eq!(bodies.len(), 201);
    let _ = w.clock.now();
}

#[tokio::test]
async fn concurrent_new_tickets_never_share_a_number() {
    let w = world().await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let deps = w.deps.clone();
            tokio::spawn(async move {
                tickets::open_ticket(&deps, &taro(), form(&format!("同時 {i}")))
                    .await
                    .unwrap()
                    .number
            })
        })
        .collect();
    let mut numbers = std::collections::HashSet::new();
    for task in tasks {
        assert!(numbers.insert(task.await.unwrap()));
    }
    assert_eq!(numbers.len(), 100);
    assert!(numbers.contains("2026112300100"));
}

/// A Mailer that fails as told, then records what it was given.
struct Flaky {
    fail: std::sync::Mutex<Vec<madoguchi::ports::SendError>>,
    sent: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl madoguchi::ports::Mailer for Flaky {
    async fn send(
        &self,
        id: &str,
        _: &[String],
        _: &[u8],
    ) -> Result<(), madoguchi::ports::SendError> {
        if let Some(e) = self.fail.lock().unwrap().pop() {
            return Err(e);
        }
        self.sent.lock().unwrap().push(id.to_owned());
        Ok(())
    }
}

#[tokio::test]
async fn the_outbox_writes_eml_files_once_each() {
    use madoguchi::app::outbox::deliver_due;
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = madoguchi::adapters::embedded::MailDir::new(dir.path().join("mail")).unwrap();
    tickets::open_ticket(&w.deps, &taro(), form("メール送信テスト"))
        .await
        .unwrap();
    let r = deliver_due(&w.deps, &maildir).await.unwrap();
    assert_eq!(r.sent, 2);
    assert_eq!(
        deliver_due(&w.deps, &maildir).await.unwrap().sent,
        0,
        "nothing is sent twice"
    );
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.extension().unwrap() == "eml"));
    let subjects: Vec<String> = files
        .iter()
        .map(|f| {
            mail_parser::MessageParser::default()
                .parse(&std::fs::read(f).unwrap())
                .unwrap()
                .subject()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        subjects.contains(
            &"[#2026112300001] NL Mail Gateway: メール送信テスト (お問い合わせを受け付けました)"
                .to_owned()
        ),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn a_failing_sender_keeps_mails_for_retry_and_gives_up_on_permanent_errors() {
    use madoguchi::app::outbox::deliver_due;
    use madoguchi::ports::SendError;
    let w = world().await;
    tickets::open_ticket(&w.deps, &taro(), form("再送テスト"))
        .await
        .unwrap();
    let flaky = Flaky {
        fail: std::sync::Mutex::new(vec![
            SendError::Permanent("550 no such user".into()),
            SendError::Temporary("connection refused".into()),
        ]),
        sent: Default::default(),
    };
    let r = deliver_due(&w.deps, &flaky).await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 1));
    // Nothing is due until the backoff has passed; then the retried mail goes out.
    assert_eq!(
        deliver_due(&w.deps, &flaky).await.unwrap(),
        Default::default()
    );
    w.clock.advance(SignedDuration::from_mins(2));
    let r = deliver_due(&w.deps, &flaky).await.unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (1, 0, 0));
    w.clock.advance(SignedDuration::from_hours(48));
    assert_eq!(
        deliver_due(&w.deps, &flaky).await.unwrap(),
        Default::default(),
        "the permanent failure is not retried"
    );
    assert_eq!(flaky.sent.lock().unwrap().len(), 1);
    // The rejection is in the ticket's history, with the address and the reason.
    let number = w
        .deps
        .store
        .list_tickets(&madoguchi::ports::store::ListQuery {
            scope: madoguchi::ports::store::Scope::All,
            filter: ListFilter::All,
            oldest_first: false,
            limit: 1,
            cursor: None,
        })
        .await
        .unwrap()
        .items[0]
        .number
        .clone();
    let history = w.deps.store.history(&number).await.unwrap();
    let failed = history
        .iter()
        .find(|h| h.field == "mail")
        .expect("recorded");
    assert_eq!(failed.reason, "permanent: 550 no such user");
    assert!(
        failed.to.as_deref().unwrap().starts_with("failed: "),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_mail_sent_by_id_goes_out_once_and_a_given_up_one_is_left_alone() {
    use madoguchi::app::outbox::{Delivery, deliver_due, deliver_id};
    use madoguchi::ports::SendError;
    let w = world().await;
    tickets::open_ticket(&w.deps, &taro(), form("IDで送信"))
        .await
        .unwrap();
    let due = w.deps.store.due_mails(w.clock.now(), 10).await.unwrap();
    assert_eq!(due.len(), 2, "the thank-you and the team's mail");
    let flaky = Flaky {
        fail: std::sync::Mutex::new(vec![SendError::Temporary("421 busy".into())]),
        sent: Default::default(),
    };
    let id = &due[0].id;
    assert_eq!(
        deliver_id(&w.deps, &flaky, id).await.unwrap(),
        Delivery::Retrying
    );
    assert_eq!(
        deliver_id(&w.deps, &flaky, id).await.unwrap(),
        Delivery::NotDue,
        "not due again before the backoff"
    );
    assert!(flaky.sent.lock().unwrap().is_empty());
    w.clock.advance(SignedDuration::from_mins(2));
    assert_eq!(
        deliver_id(&w.deps, &flaky, id).await.unwrap(),
        Delivery::Sent
    );
    assert_eq!(
        deliver_id(&w.deps, &flaky, id).await.unwrap(),
        Delivery::AlreadySent
    );
    assert_eq!(
        deliver_id(&w.deps, &flaky, "no-such-mail").await.unwrap(),
        Delivery::AlreadySent
    );
    let r = deliver_due(&w.deps, &flaky).await.unwrap();
    assert_eq!(
        (r.sent, r.retrying, r.failed),
        (1, 0, 0),
        "only the other mail"
    );
    assert_eq!(flaky.sent.lock().unwrap().len(), 2);
}

fn list_of(of: ListOf) -> tickets::ListRequest {
    tickets::ListRequest {
        of,
        filter: ListFilter::All,
        oldest_first: false,
        keywords: String::new(),
        cursor: None,
        limit: 25,
        only_visible_to: None,
        state: None,
    }
}

#[tokio::test]
async fn every_wrong_field_of_the_form_is_reported_at_once_in_both_languages() {
    let w = world().await;
    let mut input = OpenTicket {
        subject: "".into(),
        product: Some("mail-gateway".into()),
        service: Some("config-change".into()),
        sla: Some("tomorrow".into()),
        cc: "nope".into(),
        ..form("")
    };
    input.fields.remove("serial_number");
    input.fields.insert("model".into(), "mg-9999".into());
    let Err(AppError::Invalid(errors)) = tickets::open_ticket(&w.deps, &taro(), input).await else {
        panic!("the form is wrong")
    };
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.problem.code()))
        .collect();
    assert_eq!(
        got,
        [
            ("subject", "required"),
            ("sla", "not_an_option"),
            ("fields.model", "not_an_option"),
            ("fields.serial_number", "required"),
            ("cc", "invalid_email"),
        ]
    );
    let ja: Vec<String> = errors.iter().map(|e| messages::render(e, "ja")).collect();
    assert_eq!(ja[0], "件名は必須です。");
    assert_eq!(ja[3], "シリアル番号は必須です。");
    assert_eq!(
        messages::render(&errors[4], "en"),
        "'nope' is not an e-mail address (name@example.com)."
    );
    assert_eq!(
        w.deps.store.count_tickets(&Scope::All).await.unwrap().all(),
        0
    );
}

// Attachments: uploaded first, attached by id, downloaded by those who see the ticket.

async fn upload(w: &World, who: &Actor, name: &str, bytes: &'static [u8]) -> UploadRecord {
    uploads::receive(&w.deps, who, name, uploads::stream_of(bytes))
        .await
        .unwrap()
}

async fn read_all(blob: Blob) -> Vec<u8> {
    blob.body.map(|c| c.unwrap().to_vec()).concat().await
}

#[tokio::test]
async fn an_attached_upload_is_downloaded_by_the_company_and_nobody_else() {
    let w = world().await;
    let up = upload(
        &w,
        &taro(),
        "../../設定\u{0}.conf",
        b"relay_host = mx.example.jp\n",
    )
    .await;
    assert_eq!(up.name, "設定.conf");
    assert_eq!(up.content_type, "text/plain; charset=utf-8");
    let t = tickets::open_ticket(
        &w.deps,
        &taro(),
        OpenTicket {
            attachments: vec![up.id.clone()],
            ..form("設定ファイルを添付します")
        },
    )
    .await
    .unwrap();
    assert!(
        uploads::pending(&w.deps, &taro()).await.unwrap().is_empty(),
        "no longer pending once attached"
    );
    let (att, blob) = uploads::open_attachment(&w.deps, &hanako(), &t.number, &up.id)
        .await
        .unwrap();
    assert_eq!((att.name.as_str(), att.size), ("設定.conf", 27));
    assert_eq!(read_all(blob).await, b"relay_host = mx.example.jp\n");
    assert!(matches!(
        uploads::open_attachment(&w.deps, &jiro(), &t.number, &up.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        uploads::open_attachment(&w.deps, &taro(), &t.number, "no-such-id").await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn an_internal_notes_attachment_is_not_found_for_customers() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("障害"))
        .await
        .unwrap();
    let up = upload(&w, &agent(), "調査メモ.txt", b"internal").await;
    tickets::reply(
        &w.deps,
        &agent(),
        &t.number,
        Reply {
            body: "社内メモ".into(),
            internal: true,
            attachments: vec![up.id.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        uploads::open_attachment(&w.deps, &agent(), &t.number, &up.id)
            .await
            .is_ok()
    );
    assert!(matches!(
        uploads::open_attachment(&w.deps, &taro(), &t.number, &up.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn only_the_uploader_may_attach_or_discard_an_upload() {
    let w = world().await;
    let up = upload(&w, &taro(), "log.txt", b"log").await;
    let r = tickets::open_ticket(
        &w.deps,
        &hanako(),
        OpenTicket {
            attachments: vec![up.id.clone()],
            ..form("他人のファイル")
        },
    )
    .await;
    match r {
        Err(AppError::Invalid(errors)) => {
            assert_eq!(errors[0].field, "attachments");
            assert_eq!(errors[0].problem.code(), "unknown_upload");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        uploads::discard(&w.deps, &hanako(), &up.id).await,
        Err(AppError::NotFound)
    ));
    uploads::discard(&w.deps, &taro(), &up.id).await.unwrap();
    assert!(matches!(
        uploads::discard(&w.deps, &taro(), &up.id).await,
        Err(AppError::NotFound)
    ));
    assert!(
        w.deps
            .blobs
            .get(&BlobKey::parse(&up.blob_key).unwrap())
            .await
            .unwrap()
            .is_none(),
        "the bytes went with it"
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_nothing_is_kept() {
    let mut w = world().await;
    let mut config = (*w.deps.config).clone();
    config.limits.max_attachment_bytes = 1024;
    w.deps.config = Arc::new(config);
    let r = uploads::receive(
        &w.deps,
        &taro(),
        "big.bin",
        uploads::stream_of(vec![0u8; 1025]),
    )
    .await;
    assert!(
        matches!(r, Err(AppError::TooLarge { max_bytes: 1024 })),
        "{r:?}"
    );
    assert!(uploads::pending(&w.deps, &taro()).await.unwrap().is_empty());
    let r = uploads::receive(&w.deps, &taro(), "empty.txt", uploads::stream_of(vec![])).await;
    assert!(
        matches!(&r, Err(AppError::Invalid(e)) if e[0].field == "file"),
        "{r:?}"
    );
}

#[tokio::test]
async fn html_and_svg_uploads_are_stored_as_downloads_only() {
    let w = world().await;
    let up = upload(
        &w,
        &taro(),
        "<img src=x onerror=alert(1)>.svg",
        b"<svg onload=alert(1)/>",
    )
    .await;
    assert_eq!(up.content_type, "application/octet-stream");
    assert!(
        !up.name.contains('<') && !up.name.contains('>'),
        "{}",
        up.name
    );
}

#[tokio::test]
async fn pending_uploads_are_swept_after_a_day_but_attached_ones_stay() {
    let w = world().await;
    let stale = upload(&w, &taro(), "stale.txt", b"old").await;
    let kept = upload(&w, &taro(), "kept.txt", b"kept").await;
    let t = tickets::open_ticket(
        &w.deps,
        &taro(),
        OpenTicket {
            attachments: vec![kept.id.clone()],
            ..form("添付あり")
        },
    )
    .await
    .unwrap();
    w.clock.advance(SignedDuration::from_hours(23));
    let fresh = upload(&w, &taro(), "fresh.txt", b"new").await;
    assert_eq!(
        uploads::sweep_uploads(&w.deps, 100).await.unwrap().removed,
        0
    );
    w.clock.advance(SignedDuration::from_hours(2));
    assert_eq!(
        uploads::sweep_uploads(&w.deps, 100).await.unwrap().removed,
        1
    );
    let left: Vec<String> = uploads::pending(&w.deps, &taro())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(left, [fresh.id]);
    assert!(
        w.deps
            .blobs
            .get(&BlobKey::parse(&stale.blob_key).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        uploads::open_attachment(&w.deps, &taro(), &t.number, &kept.id)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_retried_ticket_with_the_same_idempotency_key_keeps_its_attachments() {
    let w = world().await;
    let up = upload(&w, &taro(), "log.txt", b"log").await;
    let input = OpenTicket {
        attachments: vec![up.id.clone()],
        idempotency_key: Some("retry-1".into()),
        ..form("再送")
    };
    let a = tickets::open_ticket(&w.deps, &taro(), input.clone())
        .await
        .unwrap();
    let b = tickets::open_ticket(&w.deps, &taro(), input).await.unwrap();
    assert_eq!(a.number, b.number);
}

/// The ticket keeps copies of its people for its mails (`Contacts`); a change made
/// after the requester changed their address and language must not use the old copy.
#[tokio::test]
async fn a_reply_after_the_requester_changed_their_address_goes_to_the_new_one() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("宛先変更の確認"))
        .await
        .unwrap();
    let copy = t
        .contacts
        .requester
        .clone()
        .expect("a copy of the requester");
    assert_eq!(
        (copy.address.as_str(), copy.version),
        ("taro@acme.example.jp", 1)
    );
    assert_eq!(t.contacts.company_name.as_deref(), Some("アクメ株式会社"));

    let mut u = w.deps.store.get_user("taro").await.unwrap().unwrap();
    u.mail_to = Some("yamada.t@acme.example.jp".into());
    u.lang = "en".into();
    u.version = 2;
    w.deps.store.update_user(u, 1).await.unwrap();

    let reply = |body: &str| Reply {
        body: body.into(),
        ..Default::default()
    };
    let after = tickets::reply(&w.deps, &agent(), &t.number, reply("確認します。"))
        .await
        .unwrap();
    let mails = outbox(&w).await;
    let (to, _, body) = mails
        .iter()
        .find(|(_, _, body)| body.contains("確認します。"))
        .expect("the reply's mail");
    assert_eq!(
        to[0], "yamada.t@acme.example.jp",
        "the new address, then the CC: {to:?}"
    );
    assert!(body.contains("Dear 山田 太郎"), "in English now: {body}");
    // The copy was renewed with the change, for the next one.
    let renewed = after.contacts.requester.clone().unwrap();
    assert_eq!(
        (
            renewed.address.as_str(),
            renewed.lang.as_str(),
            renewed.version
        ),
        ("yamada.t@acme.example.jp", "en", 2)
    );
    let stored = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(stored.contacts, after.contacts);
}

fn jst(s: &str) -> Timestamp {
    format!("{s}+09:00[Asia/Tokyo]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

/// The SLA mails in the outbox, as (recipients, subject).
async fn sla_mails(w: &World) -> Vec<(Vec<String>, String)> {
    outbox(w)
        .await
        .into_iter()
        .filter(|m| m.1.contains("SLA"))
        .map(|m| (m.0, m.1))
        .collect()
}

#[tokio::test]
async fn a_ticket_opened_the_friday_before_a_holiday_is_due_on_tuesday_and_escalated_once_each() {
    let w = world().await;
    // Fri 2026-11-20 16:00; Mon 23 is 勤労感謝の日. Priority normal: first response 4h,
    // resolution 40h, warned at 80 %.
    w.clock.set(jst("2026-11-20T16:00"));
    let t = tickets::open_ticket(&w.deps, &taro(), form("祝日前の金曜日"))
        .await
        .unwrap();
    let clock = t.sla_clock.clone().expect("the demo vendor has targets");
    let first = clock.first_response.unwrap();
    assert_eq!(first.due, jst("2026-11-24T11:30"));
    assert_eq!(first.near, jst("2026-11-24T10:42"));
    assert_eq!(clock.resolution.unwrap().due, jst("2026-11-30T13:30"));
    assert_eq!(clock.update, None);

    // The holiday: nothing to tell.
    w.clock.set(jst("2026-11-23T12:00"));
    assert_eq!(sweep(&w.deps).await.unwrap().escalated, 0);
    // Tuesday 10:42: near, once, to the team (nobody owns the ticket), even when two
    // sweeps run at once.
    w.clock.set(jst("2026-11-24T10:42"));
    let (a, b) = tokio::join!(sweep(&w.deps), sweep(&w.deps));
    assert_eq!(a.unwrap().escalated + b.unwrap().escalated, 1);
    assert_eq!(sweep(&w.deps).await.unwrap().escalated, 0);
    let mails = sla_mails(&w).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, ["support@netlink.example.jp"]);
    assert!(
        mails[0].1.contains("【SLA期限間近】初回回答"),
        "{}",
        mails[0].1
    );

    // The owner is set; 11:30: missed, to the owner with the team in CC.
    tickets::manage(&w.deps, &agent(), &t.number, None, Some("agent"))
        .await
        .unwrap();
    w.clock.set(jst("2026-11-24T11:30"));
    assert_eq!(sweep(&w.deps).await.unwrap().escalated, 1);
    assert_eq!(sweep(&w.deps).await.unwrap().escalated, 0);
    let mails = sla_mails(&w).await;
    assert_eq!(mails.len(), 2);
    let missed = mails.iter().find(|m| m.1.contains("SLA超過")).unwrap();
    assert_eq!(
        missed.0,
        ["ichiro@netlink.example.jp", "support@netlink.example.jp"]
    );

    // An internal note is no response; a public reply is, and starts the update target.
    let note = Reply {
        body: "調査中".into(),
        internal: true,
        ..Default::default()
    };
    let noted = tickets::reply(&w.deps, &agent(), &t.number, note)
        .await
        .unwrap();
    assert_eq!(noted.sla_clock.unwrap().first_response.unwrap().met, None);
    w.clock.set(jst("2026-11-24T11:45"));
    let reply = Reply {
        body: "確認いたします".into(),
        ..Default::default()
    };
    let replied = tickets::reply(&w.deps, &agent(), &t.number, reply)
        .await
        .unwrap();
    let clock = replied.sla_clock.unwrap();
    assert_eq!(
        clock.first_response.unwrap().met,
        Some(jst("2026-11-24T11:45"))
    );
    assert_eq!(clock.update.unwrap().due, jst("2026-11-25T11:15"));
    w.clock.set(jst("2026-11-24T12:00"));
    assert_eq!(sweep(&w.deps).await.unwrap().escalated, 0);
    assert_eq!(sla_mails(&w).await.len(), 2);
}

#[tokio::test]
async fn a_staff_reply_in_time_meets_the_first_response_and_nothing_is_escalated() {
    let w = world().await;
    w.clock.set(jst("2026-11-20T16:00"));
    let t = tickets::open_ticket(&w.deps, &taro(), form("間に合う"))
        .await
        .unwrap();
    w.clock.set(jst("2026-11-24T09:30"));
    let reply = Reply {
        body: "回答です".into(),
        next_state: Some(State::WaitingCustomer),
        ..Default::default()
    };
    let replied = tickets::reply(&w.deps, &agent(), &t.number, reply)
        .await
        .unwrap();
    let clock = replied.sla_clock.unwrap();
    assert_eq!(
        clock.first_response.unwrap().met,
        Some(jst("2026-11-24T09:30"))
    );
    // Waiting for the customer: resolution paused, no update owed.
    assert!(clock.resolution.unwrap().paused_since.is_some());
    assert_eq!(clock.update, None);
    w.clock.set(jst("2026-12-01T12:00"));
    sweep(&w.deps).await.unwrap();
    assert!(sla_mails(&w).await.is_empty());
}

#[tokio::test]
async fn a_new_priority_counts_the_targets_again_from_the_tickets_creation() {
    let w = world().await;
    w.clock.set(jst("2026-11-20T16:00"));
    let t = tickets::open_ticket(&w.deps, &taro(), form("緊急に変更"))
        .await
        .unwrap();
    w.clock.set(jst("2026-11-20T16:10"));
    let urgent = tickets::manage(&w.deps, &agent(), &t.number, Some("urgent"), None)
        .await
        .unwrap();
    // Urgent: first response 1h from Friday 16:00, resolution 8h.
    let clock = urgent.sla_clock.unwrap();
    assert_eq!(clock.first_response.unwrap().due, jst("2026-11-20T17:00"));
    assert_eq!(clock.resolution.unwrap().due, jst("2026-11-24T15:30"));
    let stored = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(stored.next_due(), Some(jst("2026-11-20T16:48")));
}

#[tokio::test]
async fn without_an_sla_section_a_tickets_pending_warnings_pass_without_mails() {
    let mut w = world().await;
    w.clock.set(jst("2026-11-20T16:00"));
    let t = tickets::open_ticket(&w.deps, &taro(), form("対応目標の廃止"))
        .await
        .unwrap();
    // The vendor removes `sla:` from the file; the ticket keeps its clock.
    let mut config = (*w.deps.config).clone();
    config.sla = None;
    w.deps.config = Arc::new(config);
    w.clock.set(jst("2026-12-01T12:00"));
    assert_eq!(sweep(&w.deps).await.unwrap().escalated, 0);
    assert!(sla_mails(&w).await.is_empty());
    let stored = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(stored.next_due(), None, "it left the due-time index");
    assert!(stored.sla_clock.is_some());
}

/// A second staff member, reading English, with `mails_off`.
async fn add_staff(w: &World, id: &str, email: &str, lang: &str) -> Actor {
    let mut u = w.deps.store.get_user("agent").await.unwrap().unwrap();
    u.id = id.into();
    u.email = email.into();
    u.name = format!("Staff {id}");
    u.lang = lang.into();
    w.deps.store.create_user(u).await.unwrap();
    actor(id, Role::Agent, None)
}

async fn turn_off(w: &World, who: &Actor, kinds: &[&str]) {
    madoguchi::app::accounts::update_settings(
        &w.deps,
        who,
        madoguchi::app::accounts::SettingsChange {
            mails_off: Some(kinds.iter().map(|k| k.to_string()).collect()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// The unsent mails to `address`, as (subject, body).
async fn mails_to(w: &World, address: &str) -> Vec<(String, String)> {
    outbox(w)
        .await
        .into_iter()
        .filter(|m| m.0 == [address])
        .map(|m| (m.1, m.2))
        .collect()
}

#[tokio::test]
async fn assigning_a_ticket_mails_the_new_owner_in_their_language_unless_they_turned_it_off() {
    let w = world().await;
    let emma = add_staff(&w, "emma", "emma@netlink.example.jp", "en").await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("割り当てテスト"))
        .await
        .unwrap();
    tickets::manage(&w.deps, &agent(), &t.number, None, Some("emma"))
        .await
        .unwrap();
    let mails = mails_to(&w, "emma@netlink.example.jp").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].0.contains("Assigned to you"), "{}", mails[0].0);
    assert!(mails[0].0.contains(&t.number));
    assert!(
        mails[0].1.contains("サポート 一郎 made you the owner"),
        "{}",
        mails[0].1
    );
    // Taking a ticket oneself mails nobody; the same owner again changes nothing.
    tickets::manage(&w.deps, &agent(), &t.number, None, Some("agent"))
        .await
        .unwrap();
    assert!(mails_to(&w, "ichiro@netlink.example.jp").await.is_empty());
    // Turned off: given to emma again, no mail.
    turn_off(&w, &emma, &["assigned"]).await;
    tickets::manage(&w.deps, &agent(), &t.number, None, Some("emma"))
        .await
        .unwrap();
    assert_eq!(mails_to(&w, "emma@netlink.example.jp").await.len(), 1);
    let history = w.deps.store.history(&t.number).await.unwrap();
    let owners: Vec<_> = history
        .iter()
        .filter(|h| h.field == "owner")
        .map(|h| h.to.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        owners,
        ["emma", "agent", "emma"],
        "every assignment recorded"
    );
}

#[tokio::test]
async fn a_customer_reply_that_reopens_a_ticket_tells_the_owner_it_reopened_else_the_team() {
    let w = world().await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("再開の通知"))
        .await
        .unwrap();
    tickets::manage(&w.deps, &agent(), &t.number, None, Some("agent"))
        .await
        .unwrap();
    let close = |who: Actor| {
        let deps = w.deps.clone();
        let number = t.number.clone();
        async move {
            tickets::reply(
                &deps,
                &who,
                &number,
                Reply {
                    body: "解決しました".into(),
                    next_state: Some(State::Closed),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
    };
    let reopen = |body: &'static str| {
        let deps = w.deps.clone();
        let number = t.number.clone();
        async move {
            let t = tickets::reply(
                &deps,
                &taro(),
                &number,
                Reply {
                    body: body.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(t.state, State::Open);
        }
    };
    close(agent()).await;
    w.clock.advance(days(1));
    reopen("また止まりました").await;
    let to_owner = mails_to(&w, "ichiro@netlink.example.jp").await;
    assert_eq!(to_owner.len(), 1, "one mail, the reopen: {to_owner:?}");
    let (subject, body) = &to_owner[0];
    assert!(subject.contains("再開されました"), "{subject}");
    assert!(
        body.contains("「クローズ」だったチケットが「対応中」に戻りました"),
        "{body}"
    );
    assert!(body.contains("また止まりました"));
    // The owner turned reopens off: the team hears of it instead.
    turn_off(&w, &agent(), &["reopened"]).await;
    close(taro()).await;
    reopen("三度目です").await;
    let reopens = mails_to(&w, "ichiro@netlink.example.jp")
        .await
        .into_iter()
        .filter(|(s, _)| s.contains("再開されました"))
        .count();
    assert_eq!(
        reopens, 1,
        "(the customer's closing reply still reaches the owner)"
    );
    assert!(
        mails_to(&w, "support@netlink.example.jp")
            .await
            .iter()
            .any(|(s, b)| s.contains("再開されました") && b.contains("三度目です"))
    );
}

#[tokio::test]
async fn staff_may_turn_off_their_ticket_mails_and_customers_only_theirs() {
    let w = world().await;
    turn_off(
        &w,
        &agent(),
        &["reply_staff", "reopened", "assigned", "sla_escalation"],
    )
    .await;
    let u = w.deps.store.get_user("agent").await.unwrap().unwrap();
    assert_eq!(
        u.mails_off,
        ["assigned", "reopened", "reply_staff", "sla_escalation"]
    );
    let refused = madoguchi::app::accounts::update_settings(
        &w.deps,
        &taro(),
        madoguchi::app::accounts::SettingsChange {
            mails_off: Some(vec!["sla_escalation".into()]),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
}

#[tokio::test]
async fn staff_who_turned_new_ticket_mails_on_get_their_own_in_their_language() {
    let w = world().await;
    let emma = add_staff(&w, "emma", "emma@netlink.example.jp", "en").await;
    let t = tickets::open_ticket(&w.deps, &taro(), form("通知なし"))
        .await
        .unwrap();
    assert!(
        mails_to(&w, "emma@netlink.example.jp").await.is_empty(),
        "off unless asked for"
    );
    let on = |who: Actor, kinds: Vec<String>| {
        let deps = w.deps.clone();
        async move {
            madoguchi::app::accounts::update_settings(
                &deps,
                &who,
                madoguchi::app::accounts::SettingsChange {
                    mails_on: Some(kinds),
                    ..Default::default()
                },
            )
            .await
        }
    };
    on(emma.clone(), vec!["created_staff".into()])
        .await
        .unwrap();
    on(agent(), vec!["created_staff".into()]).await.unwrap();
    let second = tickets::open_ticket(&w.deps, &taro(), form("通知あり"))
        .await
        .unwrap();
    let to_emma = mails_to(&w, "emma@netlink.example.jp").await;
    assert_eq!(to_emma.len(), 1, "{to_emma:?}");
    assert!(to_emma[0].0.contains(&second.number));
    assert!(
        to_emma[0].1.contains("A new inquiry was filed"),
        "{}",
        to_emma[0].1
    );
    let to_agent = mails_to(&w, "ichiro@netlink.example.jp").await;
    assert_eq!(to_agent.len(), 1);
    assert!(to_agent[0].1.contains("新しいお問い合わせが登録されました"));
    // The team's mail is unchanged, once per ticket.
    let team = mails_to(&w, "support@netlink.example.jp").await;
    assert_eq!(team.len(), 2, "{t:?}");
    // Customers cannot turn it on; staff can turn it off again.
    assert!(matches!(
        on(taro(), vec!["created_staff".into()]).await,
        Err(AppError::Invalid(_))
    ));
    on(emma, vec![]).await.unwrap();
    tickets::open_ticket(&w.deps, &taro(), form("三件目"))
        .await
        .unwrap();
    assert_eq!(mails_to(&w, "emma@netlink.example.jp").await.len(), 1);
}

/// The assignment rules of `portal.yaml`, here with an owner for Acme's archive tickets.
#[tokio::test]
async fn assignment_rules_give_a_new_ticket_its_department_owner_and_mails() {
    use madoguchi::app::config::assignment::{Assignment, Department, Match, Rule};
    let mut w = world().await;
    let mut config = (*w.deps.config).clone();
    config.assignment = Assignment {
        departments: vec![Department {
            key: "cloud".into(),
            label: madoguchi_yaml::Localized::plain("クラウド"),
            address: Some(madoguchi::domain::Email::parse("cloud@netlink.example.jp").unwrap()),
            members: vec![],
            only_own_queue: false,
        }],
        rules: vec![
            Rule {
                when: Match {
                    companies: vec!["acme".into()],
                    products: vec!["archive".into()],
                    ..Match::default()
                },
                department: Some("cloud".into()),
                owner: Some(madoguchi::domain::Email::parse("ichiro@netlink.example.jp").unwrap()),
                line: 42,
            },
            Rule {
                when: Match {
                    products: vec!["archive".into()],
                    ..Match::default()
                },
                department: Some("cloud".into()),
                owner: None,
                line: 50,
            },
        ],
    };
    w.deps.config = Arc::new(config);
    let archive = |subject: &str| OpenTicket {
        subject: subject.into(),
        body: "アーカイブの検索が遅い".into(),
        product: Some("archive".into()),
        ticket_type: Some("trouble".into()),
        fields: BTreeMap::from([
            ("contract_number".to_owned(), "unknown".to_owned()),
            ("tenant_id".to_owned(), "unknown".to_owned()),
        ]),
        ..Default::default()
    };
    // Acme's archive ticket: the first rule, with its owner.
    let t = tickets::open_ticket(&w.deps, &taro(), archive("検索が遅い"))
        .await
        .unwrap();
    assert_eq!(t.department.as_deref(), Some("cloud"));
    assert_eq!(t.owner_id.as_deref(), Some("agent"));
    let stored = w.deps.store.get_ticket(&t.number).await.unwrap().unwrap();
    assert_eq!(stored.department.as_deref(), Some("cloud"));
    assert_eq!(
        stored.contacts.owner.as_ref().map(|o| o.user_id.as_str()),
        Some("agent")
    );
    let history = w.deps.store.history(&t.number).await.unwrap();
    assert!(history.iter().any(|h| h.field == "owner"
        && h.to.as_deref() == Some("agent")
        && h.reason.contains("line 42")));
    // Globex's: the second rule, the department only.
    let g = tickets::open_ticket(&w.deps, &jiro(), archive("Slow search"))
        .await
        .unwrap();
    assert_eq!(g.department.as_deref(), Some("cloud"));
    assert_eq!(g.owner_id, None);
    // No rule: no department, no owner.
    let m = tickets::open_ticket(&w.deps, &taro(), form("送信エラー"))
        .await
        .unwrap();
    assert_eq!((m.department, m.owner_id), (None, None));

    let mails = outbox(&w).await;
    let to_of = |number: &str| -> Vec<Vec<String>> {
        mails
            .iter()
            .filter(|(_, subject, _)| subject.contains(number))
            .map(|(to, _, _)| to.clone())
            .collect()
    };
    assert!(
        to_of(&t.number).contains(&vec![
            "cloud@netlink.example.jp".to_owned(),
            "ichiro@netlink.example.jp".to_owned()
        ]),
        "the department's address, the owner in CC: {:?}",
        to_of(&t.number)
    );
    assert!(
        to_of(&g.number).contains(&vec!["cloud@netlink.example.jp".to_owned()]),
        "{:?}",
        to_of(&g.number)
    );
    let support = w.deps.config.support_address.to_string();
    assert!(to_of(&m.number).contains(&vec![support]));

    // A customer's reply to the department's unowned ticket goes to the department.
    tickets::reply(
        &w.deps,
        &jiro(),
        &g.number,
        Reply {
            body: "Any news?".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mails = outbox(&w).await;
    assert!(
        mails
            .iter()
            .filter(|(_, subject, _)| subject.contains(&g.number))
            .filter(|(to, _, _)| to == &vec!["cloud@netlink.example.jp".to_owned()])
            .count()
            >= 2,
        "the reply went to the department too"
    );
}

/// A department that sees only its own queue: its members see, list, search and find on
/// their dashboard only its tickets; other staff still see every ticket.
#[tokio::test]
async fn staff_of_a_department_with_its_own_queue_see_only_its_tickets() {
    use madoguchi::app::config::assignment::{Assignment, Department, Match, Rule};
    let mut w = world().await;
    let mut config = (*w.deps.config).clone();
    let login = |s: &str| madoguchi::domain::Email::parse(s).unwrap();
    config.assignment = Assignment {
        departments: vec![Department {
            key: "cloud".into(),
            label: madoguchi_yaml::Localized::plain("クラウド"),
            address: None,
            members: vec![login("ichiro@netlink.example.jp")],
            only_own_queue: true,
        }],
        rules: vec![Rule {
            when: Match {
                products: vec!["archive".into()],
                ..Match::default()
            },
            department: Some("cloud".into()),
            owner: None,
            line: 7,
        }],
    };
    w.deps.config = Arc::new(config);
    let archive = OpenTicket {
        subject: "アーカイブの検索が遅延".into(),
        body: "検索に 30 秒かかります".into(),
        product: Some("archive".into()),
        ticket_type: Some("trouble".into()),
        fields: BTreeMap::from([
            ("contract_number".to_owned(), "unknown".to_owned()),
            ("tenant_id".to_owned(), "unknown".to_owned()),
        ]),
        ..Default::default()
    };
    let cloud = tickets::open_ticket(&w.deps, &taro(), archive)
        .await
        .unwrap();
    let other = tickets::open_ticket(&w.deps, &taro(), form("送信が遅延"))
        .await
        .unwrap();
    // The member's access, as a login builds it (and the token carries it).
    let user = w.deps.store.get_user("agent").await.unwrap().unwrap();
    let member = madoguchi::app::sessions::actor_of(&w.deps, &user)
        .await
        .unwrap();
    assert_eq!(member.queues, Some(vec!["cloud".to_owned()]));
    assert!(tickets::view(&w.deps, &member, &cloud.number).await.is_ok());
    assert!(matches!(
        tickets::view(&w.deps, &member, &other.number).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        tickets::manage(&w.deps, &member, &other.number, Some("high"), None).await,
        Err(AppError::NotFound)
    ));
    let (page, counts) = tickets::list(
        &w.deps,
        &member,
        tickets::ListRequest {
            of: ListOf::All,
            filter: ListFilter::All,
            oldest_first: false,
            keywords: String::new(),
            cursor: None,
            limit: 25,
            only_visible_to: None,
            state: None,
        },
    )
    .await
    .unwrap();
    let listed: Vec<&str> = page.items.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(listed, [cloud.number.as_str()]);
    assert_eq!(counts.all(), 1, "the counts are of what they see");
    // The search holds to the queue whatever it asks for.
    let search = |q: &str, department: Option<&str>| madoguchi::app::search::SearchInput {
        q: Some(q.into()),
        filters: department
            .map(|d| {
                (
                    madoguchi::ports::search::FilterField::Department,
                    d.to_owned(),
                )
            })
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let tz = w.deps.config.time_zone.clone();
    for input in [search("遅延", None), search("遅延", Some("none"))] {
        let query = madoguchi::app::search::query(&member, &tz, &input, 25).unwrap();
        let found = w.deps.store.search_tickets(&query).await.unwrap();
        assert!(
            found.items.iter().all(|t| t.number == cloud.number),
            "{:?}",
            found.items.iter().map(|t| &t.number).collect::<Vec<_>>()
        );
    }
    let d = madoguchi::app::dashboard::dashboard(&w.deps, &member)
        .await
        .unwrap();
    assert!(d.recent.iter().all(|t| t.number == cloud.number));
    // Staff of no such department still see everything.
    assert!(
        tickets::view(&w.deps, &agent(), &other.number)
            .await
            .is_ok()
    );
}
