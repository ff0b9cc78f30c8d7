//! The Store conformance suite on the DynamoDB store (on moto), and what is particular
//! to DynamoDB: the item layout the other AWS pieces rely on, the signed list cursor,
//! and the round trips each use case costs.
#![cfg(feature = "aws")]

#[allow(dead_code)]
mod conformance;
mod moto;

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use madoguchi::adapters::aws::dynamo::{DynamoStore, RoundTrips};
use madoguchi::adapters::embedded::BlobDir;
use madoguchi::app::mail::MailComposer;
use madoguchi::app::sweep::sweep;
use madoguchi::app::tickets::{self, ListOf, ListRequest, OpenTicket, Reply};
use madoguchi::app::{Deps, PortalConfig};
use madoguchi::domain::access::{Actor, Role};
use madoguchi::domain::ticket::State;
use madoguchi::ports::FixedClock;
use madoguchi::ports::search::{Equals, FilterField, SearchQuery};
use madoguchi::ports::store::*;

use conformance::t;

/// A store on a new table of the shared emulator, its client, and its round trips.
/// The table has no stream: moto keeps every stream record and copies them all in
/// every transaction (for its rollback), which made the 200 concurrent replies take
/// minutes and gigabytes; nothing here reads the stream.
async fn table() -> (DynamoStore, aws_sdk_dynamodb::Client, RoundTrips) {
    new_table(false).await
}

async fn new_table(stream: bool) -> (DynamoStore, aws_sdk_dynamodb::Client, RoundTrips) {
    let config = moto::moto().sdk_config().await;
    let name = moto::unique("t");
    let (store, round_trips) = DynamoStore::counting(&config, &name);
    if stream {
        store.create_table().await.unwrap();
    } else {
        store.create_table_without_stream().await.unwrap();
    }
    let client = aws_sdk_dynamodb::Client::new(&config);
    (
        store.with_cursor_key(b"the test deployment's cursor key"),
        client,
        round_trips,
    )
}

async fn dynamo() -> (Arc<dyn Store>, ()) {
    // moto copies the whole table for every transaction (its rollback) and keeps the
    // copies' garbage: 200 racing replies grew it past 18 GB. 25 still race.
    conformance::CONCURRENT_REPLIES.store(25, std::sync::atomic::Ordering::Relaxed);
    let (store, _, _) = table().await;
    (Arc::new(store), ())
}

conformance_tests!(dynamo);

async fn raw(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
    sk: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(table)
        .key("PK", AttributeValue::S(pk.into()))
        .key("SK", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn string<'a>(item: &'a std::collections::HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name)
        .unwrap_or_else(|| panic!("{name} is missing from {item:?}"))
        .as_s()
        .unwrap()
}

#[tokio::test]
async fn the_table_is_created_as_infra_defines_it() {
    let (store, client, _) = new_table(true).await;
    let t = client
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys: Vec<(&str, &str)> = t
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(keys, [("PK", "HASH"), ("SK", "RANGE")]);
    let mut gsis: Vec<(String, Vec<String>, Option<String>)> = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            (
                g.index_name().unwrap().to_owned(),
                g.key_schema()
                    .iter()
                    .map(|k| k.attribute_name().to_owned())
                    .collect(),
                g.projection()
                    .and_then(|p| p.projection_type())
                    .map(|p| p.as_str().to_owned()),
            )
        })
        .collect();
    gsis.sort();
    for (i, (name, keys, projection)) in gsis.iter().enumerate() {
        let n = i + 1;
        assert_eq!(name, &format!("GSI{n}"));
        assert_eq!(keys, &[format!("GSI{n}PK"), format!("GSI{n}SK")]);
        assert_eq!(projection.as_deref(), Some("ALL"));
    }
    assert_eq!(gsis.len(), 3);
    let stream = t.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type().map(|v| v.as_str()),
        Some("NEW_AND_OLD_IMAGES")
    );
    assert_eq!(
        t.billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(store.table())
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
}

fn new_ticket(number: &str, at: jiff::Timestamp) -> NewTicket {
    let mut ticket = conformance::ticket(number, "u1", "acme", at);
    ticket.timer = Some(madoguchi::domain::ticket::Timer {
        kind: madoguchi::domain::ticket::TimerKind::WaitingCustomer,
        due: t("2026-12-07T01:00:00Z"),
        remind_at: Some(t("2026-12-05T01:00:00Z")),
    });
    NewTicket {
        ticket,
        article: conformance::article(number, 1, false),
        history: vec![],
        mails: vec![conformance::mail(&format!("m-{number}"), number, at)],
        idempotency_key: Some(format!("key-{number}")),
        claimed_uploads: vec![],
        number_from: None,
    }
}

#[tokio::test]
async fn items_have_the_documented_keys_indexes_and_ttl() {
    let (store, client, _) = table().await;
    let table = store.table().to_owned();
    let at = t("2026-11-23T01:00:00Z");
    store
        .create_ticket(new_ticket("2026112300001", at))
        .await
        .unwrap();
    let pk = "TICKET#2026112300001";
    let order = format!("{:020}#2026112300001", at.as_microsecond());

    let meta = raw(&client, &table, pk, "META").await.unwrap();
    #[rustfmt::skip]
    let expected = [
        ("GSI1PK", "REQ#u1"), ("GSI1SK", order.as_str()),
        ("GSI2PK", "CO#acme"), ("GSI2SK", order.as_str()),
        ("GSI3PK", "ALL"), ("GSI3SK", order.as_str()),
        ("number", "2026112300001"), ("state", "new"),
    ];
    for (name, value) in expected {
        assert_eq!(string(&meta, name), value, "META {name}");
    }
    assert_eq!(meta["version"].as_n().unwrap(), "1");
    let bucket = raw(&client, &table, pk, "BUCKET").await.unwrap();
    for (name, value) in [
        ("GSI1PK", "REQ-OPEN#u1"),
        ("GSI2PK", "CO-OPEN#acme"),
        ("GSI3PK", "ALL-OPEN"),
    ] {
        assert_eq!(string(&bucket, name), value, "BUCKET {name}");
    }
    let due = raw(&client, &table, pk, "DUE").await.unwrap();
    assert_eq!(string(&due, "GSI3PK"), "TICKETDUE");
    assert_eq!(
        string(&due, "GSI3SK"),
        format!(
            "{:020}#2026112300001",
            t("2026-12-05T01:00:00Z").as_microsecond()
        ),
        "the reminder comes before the due time"
    );
    assert!(!due.contains_key("GSI1PK") && !due.contains_key("GSI2PK"));
    let article = raw(&client, &table, pk, "ART#0000000001").await.unwrap();
    let attachments = article["attachments"].as_l().unwrap();
    assert_eq!(
        attachments[0].as_m().unwrap()["blob_key"].as_s().unwrap(),
        "blobs/a1"
    );
    let idem = raw(&client, &table, "IDEM#key-2026112300001", "IDEM")
        .await
        .unwrap();
    assert_eq!(string(&idem, "ticket"), "2026112300001");
    for counter in ["COUNT#ALL", "COUNT#REQ#u1", "COUNT#CO#acme"] {
        let c = raw(&client, &table, counter, "COUNT").await.unwrap();
        assert_eq!(c["open"].as_n().unwrap(), "1", "{counter}");
    }

    // The outbox item the outbox Lambda picks from the stream.
    let mail = raw(&client, &table, "MAIL#m-2026112300001", "MAIL")
        .await
        .unwrap();
    assert_eq!(string(&mail, "mail_id"), "m-2026112300001");
    assert_eq!(string(&mail, "GSI3PK"), "MAILDUE");
    assert!(!mail.contains_key("sent_at"));
    assert!(store.mark_sent("m-2026112300001", at).await.unwrap());
    let mail = raw(&client, &table, "MAIL#m-2026112300001", "MAIL")
        .await
        .unwrap();
    assert!(mail.contains_key("sent_at"));
    assert!(
        !mail.contains_key("GSI3PK") && !mail.contains_key("GSI3SK"),
        "a sent mail leaves the due index"
    );

    // Closing moves the copy to the closed partitions; the timer's end removes the due copy.
    let mut closed = store.get_ticket("2026112300001").await.unwrap().unwrap();
    closed.state = State::Closed;
    closed.timer = None;
    closed.version = 2;
    store
        .update_ticket(TicketUpdate {
            ticket: closed,
            expected_version: 1,
            article: None,
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            previous_state: None,
            relies_on: vec![],
        })
        .await
        .unwrap();
    let bucket = raw(&client, &table, pk, "BUCKET").await.unwrap();
    assert_eq!(string(&bucket, "GSI2PK"), "CO-CLOSED#acme");
    assert!(raw(&client, &table, pk, "DUE").await.is_none());
    let c = raw(&client, &table, "COUNT#CO#acme", "COUNT")
        .await
        .unwrap();
    assert_eq!(
        (
            c["open"].as_n().unwrap().as_str(),
            c["closed"].as_n().unwrap().as_str()
        ),
        ("0", "1")
    );

    // Users, their e-mail guard, tokens with a TTL, sessions, uploads.
    store
        .create_company(CompanyRecord {
            uses_groups: false,
            id: "acme".into(),
            name: "アクメ".into(),
            created_at: at,
        })
        .await
        .unwrap();
    let mut u = conformance::user("u1", "Taro@Example.jp", Some("acme"));
    store.create_user(u.clone()).await.unwrap();
    let guard = raw(&client, &table, "EMAIL#taro@example.jp", "EMAIL")
        .await
        .unwrap();
    assert_eq!(string(&guard, "user_id"), "u1");
    let user = raw(&client, &table, "USER#u1", "USER").await.unwrap();
    assert_eq!(string(&user, "GSI1PK"), "USERS-OF#acme");
    assert_eq!(string(&user, "GSI2PK"), "USERS");
    // A new e-mail moves the guard item.
    u.email = "taro@new.example.jp".into();
    u.version = 2;
    store.update_user(u, 1).await.unwrap();
    assert!(
        raw(&client, &table, "EMAIL#taro@example.jp", "EMAIL")
            .await
            .is_none()
    );
    assert!(
        raw(&client, &table, "EMAIL#taro@new.example.jp", "EMAIL")
            .await
            .is_some()
    );
    assert_eq!(
        store
            .user_by_email("TARO@new.example.jp")
            .await
            .unwrap()
            .unwrap()
            .id,
        "u1"
    );

    let token = conformance::token("h1", "u1", TokenPurpose::Reset);
    store.create_token(token.clone(), vec![]).await.unwrap();
    let item = raw(&client, &table, "TOKEN#h1", "TOKEN").await.unwrap();
    assert_eq!(
        item["ttl"].as_n().unwrap(),
        &token.expires_at.as_second().to_string()
    );

    let upload = conformance::upload("up1", "u1", at);
    store.create_upload(upload).await.unwrap();
    let item = raw(&client, &table, "UPLOAD#up1", "UPLOAD").await.unwrap();
    assert_eq!(string(&item, "GSI1PK"), "UPLOADS-OF#u1");
    assert_eq!(string(&item, "GSI2PK"), "UPLOADS");
}

fn actor(id: &str, role: Role, company: Option<&str>) -> Actor {
    Actor::new(id, role, company.map(str::to_owned))
}

/// The ticket use cases' world (as in tests/tickets.rs) on a DynamoDB table.
async fn world() -> (Deps, RoundTrips, tempfile::TempDir) {
    let (store, _, round_trips) = table().await;
    let dir = tempfile::tempdir().unwrap();
    let config = PortalConfig::example("http://127.0.0.1:8080");
    let mail = MailComposer::new(config.name_in("ja"), &config.sender).unwrap();
    for id in ["acme", "globex"] {
        store
            .create_company(CompanyRecord {
                uses_groups: false,
                id: id.into(),
                name: id.into(),
                created_at: t("2026-11-23T01:00:00Z"),
            })
            .await
            .unwrap();
    }
    for (id, email, role, company) in [
        ("taro", "taro@acme.example.jp", Role::Customer, Some("acme")),
        ("agent", "ichiro@netlink.example.jp", Role::Agent, None),
    ] {
        let mut u = conformance::user(id, email, company);
        u.role = role;
        // Every mail on, so that the round trips below include addressing them.
        u.mails_off.clear();
        store.create_user(u).await.unwrap();
    }
    let deps = Deps {
        store: Arc::new(store),
        blobs: Arc::new(BlobDir::open(&dir.path().join("attachments")).unwrap()),
        clock: Arc::new(FixedClock::new(t("2026-11-23T01:00:00Z"))),
        config: Arc::new(config),
        mail: Arc::new(mail),
    };
    (deps, round_trips, dir)
}

fn form(subject: &str) -> OpenTicket {
    OpenTicket {
        subject: subject.into(),
        body: "メールが送信できません。".into(),
        product: Some("mail-gateway".into()),
        ticket_type: Some("trouble".into()),
        fields: BTreeMap::from([
            ("contract_number".to_owned(), "NL-2026-012345".to_owned()),
            ("serial_number".to_owned(), "unknown".to_owned()),
        ]),
        ..Default::default()
    }
}

/// The requests `f` sends, by operation.
async fn measure<T>(
    round_trips: &RoundTrips,
    f: impl std::future::Future<Output = T>,
) -> (T, BTreeMap<String, u64>) {
    let before = round_trips.by_operation();
    let out = f.await;
    let mut used = round_trips.by_operation();
    for (op, n) in before {
        if let Some(m) = used.get_mut(&op) {
            *m -= n;
        }
    }
    used.retain(|_, n| *n > 0);
    (out, used)
}

/// The round trips before the answer is decided: all but the BatchWriteItems that
/// apply a committed write's search index job (after its transaction; counted apart).
fn total(used: &BTreeMap<String, u64>) -> u64 {
    used.iter()
        .filter(|(op, _)| op.as_str() != "BatchWriteItem")
        .map(|(_, n)| n)
        .sum()
}

fn writes(used: &BTreeMap<String, u64>) -> u64 {
    used.iter()
        .filter(|(op, _)| {
            !matches!(
                op.as_str(),
                "GetItem" | "Query" | "BatchGetItem" | "BatchWriteItem"
            )
        })
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test]
async fn use_cases_take_few_round_trips() {
    let (deps, rt, _dir) = world().await;
    let taro = actor("taro", Role::Customer, Some("acme"));
    let agent = actor("agent", Role::Agent, None);
    let mut report = Vec::new();

    let (opened, used) = measure(&rt, tickets::open_ticket(&deps, &taro, form("送信エラー"))).await;
    let number = opened.unwrap().number;
    assert_eq!(
        (
            used.get("BatchGetItem"),
            used.get("Query"),
            used.get("TransactWriteItems"),
            total(&used)
        ),
        (Some(&1), Some(&1), Some(&1), 3),
        "a new ticket naming a contract: requester, company, contract and the day's \
         counter in one batch, beside it the Query of the staff who want new-ticket \
         mails; the ticket with its number's claim in one transaction ({used:?})"
    );
    report.push(("open_ticket", used));

    // With an idempotency key and an attachment: the same two.
    deps.store
        .create_upload(conformance::upload(
            "up1",
            "taro",
            t("2026-11-23T00:59:00Z"),
        ))
        .await
        .unwrap();
    let mut with_all = form("ログを添付します");
    with_all.idempotency_key = Some("k-1".into());
    with_all.attachments = vec!["up1".into()];
    let (opened, used) = measure(&rt, tickets::open_ticket(&deps, &taro, with_all.clone())).await;
    let first = opened.unwrap();
    assert_eq!(first.article_count, 1);
    assert_eq!(
        (writes(&used), total(&used)),
        (1, 3),
        "idempotency key and uploads are read in the same batch ({used:?})"
    );
    report.push(("open_ticket (key, attachment)", used));
    // Its retry reads the key and answers with the same ticket.
    let again = tickets::open_ticket(&deps, &taro, with_all).await.unwrap();
    assert_eq!(again.number, first.number);

    let reply = |body: &str, next_state| Reply {
        body: body.into(),
        next_state,
        ..Default::default()
    };
    let (r, used) = measure(
        &rt,
        tickets::reply(
            &deps,
            &agent,
            &number,
            reply("確認します。", Some(State::WaitingCustomer)),
        ),
    )
    .await;
    r.unwrap();
    assert_eq!(
        (writes(&used), total(&used)),
        (1, 2),
        "a staff reply: author and ticket in one batch, the mail addressed from the copies \
         on the ticket, which the one transaction checks ({used:?})"
    );
    report.push(("reply (staff, to waiting)", used));

    // After the customer changed their address, the copy is stale: the transaction is
    // refused, the people are read, and the mail goes to the new address.
    let mut u = deps.store.get_user("taro").await.unwrap().unwrap();
    u.mail_to = Some("yamada.t@acme.example.jp".into());
    u.version += 1;
    deps.store
        .update_user(u.clone(), u.version - 1)
        .await
        .unwrap();
    let (r, used) = measure(
        &rt,
        tickets::reply(&deps, &agent, &number, reply("追加で確認します。", None)),
    )
    .await;
    let after = r.unwrap();
    assert_eq!(
        after
            .contacts
            .requester
            .as_ref()
            .map(|c| c.address.as_str()),
        Some("yamada.t@acme.example.jp")
    );
    assert_eq!(
        (used.get("TransactWriteItems"), total(&used)),
        (Some(&2), 5),
        "a stale copy: the refused transaction, the ticket and the people read, the \
         transaction again ({used:?})"
    );
    report.push(("reply (staff, stale copy)", used));
    let to_new = deps
        .store
        .due_mails(t("2027-01-01T00:00:00Z"), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| {
            m.recipients
                .contains(&"yamada.t@acme.example.jp".to_owned())
        })
        .count();
    assert_eq!(to_new, 1, "the reply's mail went to the new address");
    let (r, used) = measure(
        &rt,
        tickets::reply(&deps, &agent, &number, reply("対応しました。", None)),
    )
    .await;
    r.unwrap();
    assert_eq!(total(&used), 2, "the copy is right again ({used:?})");

    let (r, used) = measure(
        &rt,
        tickets::reply(&deps, &taro, &number, reply("まだ送れません。", None)),
    )
    .await;
    r.unwrap();
    assert_eq!(
        writes(&used),
        1,
        "a customer reply: one transaction ({used:?})"
    );
    assert_eq!(
        (used.get("BatchGetItem"), total(&used)),
        (Some(&1), 2),
        "a customer reply: author, ticket and company in one batch, then the transaction \
         ({used:?})"
    );
    report.push(("reply (customer)", used));

    // Owned by staff: a customer's reply mails the owner, addressed from the copy that
    // the assignment took.
    let (r, used) = measure(
        &rt,
        tickets::manage(&deps, &agent, &number, None, Some("agent")),
    )
    .await;
    r.unwrap();
    assert_eq!(
        (used.get("TransactWriteItems"), total(&used)),
        (Some(&1), 3),
        "taking an unowned ticket: the owner and the actor in one batch, the ticket, and \
         one transaction (the owner change's history tells the store the ticket was \
         unowned, for the desk's unassigned count) ({used:?})"
    );
    report.push(("manage (take an unowned ticket)", used));
    let (r, used) = measure(
        &rt,
        tickets::manage(&deps, &agent, &number, Some("high"), None),
    )
    .await;
    r.unwrap();
    assert_eq!(
        total(&used),
        2,
        "a priority change: the ticket, one transaction ({used:?})"
    );
    report.push(("manage (priority)", used));
    let (r, used) = measure(
        &rt,
        tickets::reply(&deps, &taro, &number, reply("ログを送ります。", None)),
    )
    .await;
    r.unwrap();
    assert_eq!(
        (writes(&used), total(&used)),
        (1, 2),
        "a customer reply to an owned ticket ({used:?})"
    );
    report.push(("reply (customer, to the owner)", used));

    let (r, used) = measure(
        &rt,
        tickets::reply(
            &deps,
            &taro,
            &number,
            reply("解決しました。", Some(State::Closed)),
        ),
    )
    .await;
    r.unwrap();
    assert_eq!(
        (writes(&used), total(&used)),
        (1, 2),
        "a reply that closes moves the counters in its one transaction: the use case \
         tells the store the state it read ({used:?})"
    );
    report.push(("reply (customer closes)", used));

    for i in 0..30 {
        tickets::open_ticket(&deps, &taro, form(&format!("件名 {i}")))
            .await
            .unwrap();
    }
    let request = |cursor| ListRequest {
        of: ListOf::Company,
        filter: ListFilter::Open,
        oldest_first: false,
        keywords: String::new(),
        cursor,
        limit: 25,
        only_visible_to: None,
        state: None,
    };
    let (page, used) = measure(&rt, tickets::list(&deps, &taro, request(None))).await;
    let (page, counts) = page.unwrap();
    assert_eq!(page.items.len(), 25);
    assert_eq!((counts.open, counts.closed), (31, 1));
    assert_eq!(
        (used.get("Query"), used.get("GetItem"), total(&used)),
        (Some(&1), Some(&1), 2),
        "a list page: one Query, its counts one GetItem ({used:?})"
    );
    report.push(("list (page 1 + counts)", used));
    let (next, used) = measure(&rt, tickets::list(&deps, &taro, request(page.next))).await;
    assert_eq!(next.unwrap().0.items.len(), 6);
    assert_eq!(used.get("Query"), Some(&1), "{used:?}");
    report.push(("list (page 2 + counts)", used));

    // The staff dashboard: the desk's counts and three lists, sent at once.
    let (d, used) = measure(&rt, madoguchi::app::dashboard::dashboard(&deps, &agent)).await;
    let d = d.unwrap();
    assert_eq!(d.counts.of(State::New), 31);
    assert_eq!(d.mine.items.len(), 0, "the owned ticket was closed");
    assert_eq!(
        (used.get("GetItem"), used.get("Query"), total(&used)),
        (Some(&1), Some(&3), 4),
        "the dashboard: the staff scope's counter item, then the attention, recent and \
         owner Queries ({used:?})"
    );
    report.push(("dashboard", used));
    // Staff search: a Query per term of the words (in parallel), then one
    // BatchGetItem per 100 tickets that hold them all; filters alone page the staff
    // list (one Query per 200 tickets looked at).
    let words = |q: &str| SearchQuery {
        terms: madoguchi_text::terms(q),
        limit: 25,
        ..SearchQuery::default()
    };
    let (found, used) = measure(&rt, deps.store.search_tickets(&words("ログ"))).await;
    assert_eq!(found.unwrap().items.len(), 2);
    assert_eq!(
        (used.get("Query"), used.get("BatchGetItem"), total(&used)),
        (Some(&1), Some(&1), 2),
        "one word of one bigram: its postings, then its tickets ({used:?})"
    );
    report.push(("search (one word)", used));
    let (found, used) = measure(&rt, deps.store.search_tickets(&words("件名 送信"))).await;
    assert_eq!(found.unwrap().items.len(), 25);
    assert_eq!(
        (used.get("Query"), used.get("BatchGetItem")),
        (Some(&2), Some(&1)),
        "two words of a bigram each: a Query each, in parallel ({used:?})"
    );
    report.push(("search (two words)", used));
    let closed = SearchQuery {
        filters: vec![Equals {
            field: FilterField::State,
            any_of: vec![Some("closed".into())],
        }],
        limit: 25,
        ..SearchQuery::default()
    };
    let (found, used) = measure(&rt, deps.store.search_tickets(&closed)).await;
    assert_eq!(found.unwrap().items.len(), 1);
    assert_eq!(
        total(&used),
        1,
        "filters only: the closed tickets' list, one Query ({used:?})"
    );
    report.push(("search (filters only)", used));

    // The store calls themselves.
    let store = &deps.store;
    let (_, used) = measure(&rt, store.get_ticket(&number)).await;
    assert_eq!(total(&used), 1);
    report.push(("get_ticket", used));
    let (_, used) = measure(&rt, store.count_tickets(&Scope::All)).await;
    assert_eq!(total(&used), 1);
    report.push(("count_tickets", used));
    let (_, used) = measure(&rt, store.due_mails(deps.clock.now(), 100)).await;
    assert_eq!(total(&used), 1);
    report.push(("due_mails", used));
    let (_, used) = measure(&rt, store.user_by_email("taro@acme.example.jp")).await;
    assert_eq!(total(&used), 2);
    report.push(("user_by_email", used));

    println!("round trips per use case (moto):");
    for (name, used) in &report {
        println!("  {name:32} {:2}  {used:?}", total(used));
    }
}

/// Simultaneous new tickets on DynamoDB through the use case: each claims the day's
/// next number in its transaction, and the losers of a race take one from the counter's
/// atomic increment, so the numbers are distinct and without gaps.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_simultaneous_new_tickets_get_distinct_numbers() {
    let (deps, _rt, _dir) = world().await;
    let taro = actor("taro", Role::Customer, Some("acme"));
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let (deps, taro) = (deps.clone(), taro.clone());
            tokio::spawn(async move {
                tickets::open_ticket(&deps, &taro, form(&format!("同時 {i}")))
                    .await
                    .unwrap()
                    .number
            })
        })
        .collect();
    let mut numbers = std::collections::BTreeSet::new();
    for task in tasks {
        assert!(numbers.insert(task.await.unwrap()));
    }
    let expected: std::collections::BTreeSet<String> =
        (1..=100).map(|i| format!("20261123{i:05}")).collect();
    assert_eq!(numbers, expected);
    let counts = deps
        .store
        .count_tickets(&Scope::Company("acme".into()))
        .await
        .unwrap();
    assert_eq!(counts.open, 100);
}

#[tokio::test]
async fn a_tampered_or_foreign_cursor_is_not_followed() {
    let (store, client, _) = table().await;
    let at = t("2026-11-01T00:00:00Z");
    for i in 0..6 {
        let mut nt = new_ticket(&format!("n{i}"), at + jiff::SignedDuration::from_hours(i));
        nt.idempotency_key = None;
        nt.ticket.timer = None;
        store.create_ticket(nt).await.unwrap();
    }
    let query = |cursor: Option<String>| ListQuery {
        scope: Scope::Company("acme".into()),
        filter: ListFilter::All,
        oldest_first: false,
        limit: 2,
        cursor,
    };
    let numbers =
        |p: &Page<TicketRecord>| p.items.iter().map(|t| t.number.clone()).collect::<Vec<_>>();
    let first = store.list_tickets(&query(None)).await.unwrap();
    assert_eq!(numbers(&first), ["n5", "n4"]);
    let cursor = first.next.clone().unwrap();
    assert!(!cursor.contains("n4"), "the cursor is opaque: {cursor}");
    let second = store
        .list_tickets(&query(Some(cursor.clone())))
        .await
        .unwrap();
    assert_eq!(numbers(&second), ["n3", "n2"]);

    // The same position with the payload changed to point elsewhere, a cut signature,
    // a cursor another deployment signed, and SQLite's plain cursor: none is followed;
    // like the SQLite store with a cursor it cannot read, the list starts at the top.
    let (payload, tag) = cursor.split_once('.').unwrap();
    let mut bytes: Vec<u8> = payload.bytes().collect();
    bytes[3] ^= 1;
    let tampered = format!("{}.{tag}", String::from_utf8(bytes).unwrap());
    let other = DynamoStore::new(client, store.table()).with_cursor_key(b"another key");
    let foreign = other.cursor_after(&second.items[1]);
    let plain = format!("{}.n2", second.items[1].updated_at.as_microsecond());
    for bad in [tampered, format!("{payload}.{}", &tag[2..]), foreign, plain] {
        let page = store.list_tickets(&query(Some(bad.clone()))).await.unwrap();
        assert_eq!(numbers(&page), ["n5", "n4"], "{bad}");
    }
}

#[tokio::test]
async fn a_ticket_moved_to_another_company_is_counted_there() {
    let (store, _, _) = table().await;
    let at = t("2026-11-01T00:00:00Z");
    let mut nt = new_ticket("n1", at);
    nt.idempotency_key = None;
    store.create_ticket(nt).await.unwrap();
    let mut moved = store.get_ticket("n1").await.unwrap().unwrap();
    moved.company_id = "globex".into();
    moved.state = State::Closed;
    moved.version = 2;
    store
        .update_ticket(TicketUpdate {
            ticket: moved,
            expected_version: 1,
            article: None,
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            previous_state: None,
            relies_on: vec![],
        })
        .await
        .unwrap();
    let counts = |c: &str| {
        let store = &store;
        let scope = Scope::Company(c.into());
        async move { store.count_tickets(&scope).await.unwrap() }
    };
    let (acme, globex, all) = (
        counts("acme").await,
        counts("globex").await,
        store.count_tickets(&Scope::All).await.unwrap(),
    );
    assert_eq!((acme.open, acme.closed), (0, 0));
    assert!(
        acme.generation > 0,
        "acme's list changed when the ticket left it"
    );
    assert_eq!((globex.open, globex.closed), (0, 1));
    assert_eq!((all.open, all.closed), (0, 1));
    let listed = store
        .list_tickets(&ListQuery {
            scope: Scope::Company("globex".into()),
            filter: ListFilter::Closed,
            oldest_first: false,
            limit: 10,
            cursor: None,
        })
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

/// Project groups through the use cases on DynamoDB: a ticket's project inferred from
/// its contract, and a company list narrowed to the caller's groups, paged without gaps.
#[tokio::test]
async fn a_company_that_uses_groups_narrows_lists_on_dynamodb_too() {
    use madoguchi::app::contracts::{self, ContractInput};
    use madoguchi::app::projects::{self, ProjectInput};
    use madoguchi::domain::access::CustomerRole;
    let (deps, _rt, _dir) = world().await;
    for (id, contract) in [("acme-net", "NL-NET"), ("acme-web", "NL-WEB")] {
        projects::add_project(
            &deps,
            &ProjectInput {
                id: id.into(),
                company: "acme".into(),
                name: id.into(),
                group_name: String::new(),
            },
        )
        .await
        .unwrap();
        contracts::add_contract(
            &deps,
            &ContractInput {
                number: contract.into(),
                company: "acme".into(),
                product: "NL Mail Gateway".into(),
                starts_on: "2026-04-01".into(),
                ends_on: "2027-03-31".into(),
                projects: id.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    projects::set_company_groups(&deps, "acme", true)
        .await
        .unwrap();
    let user = deps.store.get_user("taro").await.unwrap().unwrap();
    let admin = madoguchi::app::sessions::actor_of(&deps, &user)
        .await
        .unwrap();
    assert!(admin.company_uses_groups && admin.projects.is_empty());
    // taro in both groups files 6 tickets per project; hanako is in acme-web only.
    let both = Actor {
        projects: vec!["acme-net".into(), "acme-web".into()],
        ..admin.clone()
    };
    for i in 0..12 {
        let contract = if i % 2 == 0 { "NL-NET" } else { "NL-WEB" };
        let mut f = form(&format!("件名 {i}"));
        f.fields.insert("contract_number".into(), contract.into());
        let t = tickets::open_ticket(&deps, &both, f).await.unwrap();
        assert_eq!(
            t.project_id.as_deref(),
            Some(if i % 2 == 0 { "acme-net" } else { "acme-web" })
        );
    }
    let hanako =
        Actor::customer("hanako", "acme", CustomerRole::InquiryMember).in_groups(["acme-web"]);
    let request = |cursor| ListRequest {
        of: ListOf::Company,
        filter: ListFilter::All,
        oldest_first: false,
        keywords: String::new(),
        cursor,
        limit: 4,
        only_visible_to: None,
        state: None,
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let (page, counts) = tickets::list(&deps, &hanako, request(cursor))
            .await
            .unwrap();
        assert_eq!((counts.open, counts.closed), (6, 0));
        seen.extend(page.items.into_iter().map(|t| t.project_id));
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 6, "every ticket of her group, once");
    assert!(seen.iter().all(|p| p.as_deref() == Some("acme-web")));
}

#[tokio::test]
async fn sla_deadlines_and_escalations_are_right_across_a_holiday_on_dynamodb() {
    let (mut deps, _rt, _dir) = world().await;
    let clock = Arc::new(FixedClock::new(t("2026-11-20T07:00:00Z")));
    deps.clock = clock.clone();
    let taro = actor("taro", Role::Customer, Some("acme"));
    // Fri 2026-11-20 16:00 in Tokyo; Mon 23 is 勤労感謝の日: due Tuesday 11:30 (02:30Z).
    let opened = tickets::open_ticket(&deps, &taro, form("祝日前"))
        .await
        .unwrap();
    let stored = deps
        .store
        .get_ticket(&opened.number)
        .await
        .unwrap()
        .unwrap();
    let first = stored.sla_clock.as_ref().unwrap().first_response.unwrap();
    assert_eq!(first.due, t("2026-11-24T02:30:00Z"));
    assert_eq!(first.near, t("2026-11-24T01:42:00Z"));
    let sla_mails = || async {
        deps.store
            .due_mails(t("2027-12-31T00:00:00Z"), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.id.contains("sla_escalation"))
            .count()
    };
    clock.set(t("2026-11-23T03:00:00Z"));
    assert_eq!(sweep(&deps).await.unwrap().escalated, 0, "the holiday");
    clock.set(t("2026-11-24T01:42:00Z"));
    let (a, b) = tokio::join!(sweep(&deps), sweep(&deps));
    assert_eq!(a.unwrap().escalated + b.unwrap().escalated, 1);
    clock.set(t("2026-11-24T02:30:00Z"));
    assert_eq!(sweep(&deps).await.unwrap().escalated, 1);
    assert_eq!(sweep(&deps).await.unwrap().escalated, 0);
    assert_eq!(sla_mails().await, 2);
    let after = deps
        .store
        .get_ticket(&opened.number)
        .await
        .unwrap()
        .unwrap();
    let first = after.sla_clock.unwrap().first_response.unwrap();
    assert!(first.near_sent && first.missed_sent);
}

/// A crash between a ticket's transaction and its index job's application leaves the
/// job (written in the transaction); the sweep's catch-up applies it, once.
#[tokio::test]
async fn an_index_job_left_behind_is_applied_by_the_catch_up() {
    let (store, client, _) = table().await;
    store
        .create_ticket(new_ticket("j1", t("2026-11-01T00:00:00Z")))
        .await
        .unwrap();
    let words = SearchQuery {
        terms: madoguchi_text::terms("孤立"),
        limit: 10,
        ..SearchQuery::default()
    };
    assert!(store.search_tickets(&words).await.unwrap().items.is_empty());
    // The job as the reply's transaction writes it, never applied.
    client
        .put_item()
        .table_name(store.table())
        .item("PK", AttributeValue::S("TICKET#j1".into()))
        .item("SK", AttributeValue::S("INDEXJOB#0000000002".into()))
        .item("GSI3PK", AttributeValue::S("INDEXJOBS".into()))
        .item(
            "GSI3SK",
            AttributeValue::S("00000000000000000001#j1#0000000002".into()),
        )
        .item("number", AttributeValue::S("j1".into()))
        .item("seq", AttributeValue::N("2".into()))
        .item(
            "terms",
            AttributeValue::M(std::collections::HashMap::from([(
                "孤立".to_owned(),
                AttributeValue::N("1".into()),
            )])),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(store.catch_up_search_index(100).await.unwrap(), 1);
    let found = store.search_tickets(&words).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].number, "j1");
    assert!(
        raw(&client, store.table(), "TICKET#j1", "INDEXJOB#0000000002")
            .await
            .is_none()
    );
    assert_eq!(store.catch_up_search_index(100).await.unwrap(), 0);
}

/// Tickets stored before the search index existed (here: their postings removed) are
/// indexed by the sweep's catch-up, oldest first, and then the catch-up only reads
/// where it stopped.
#[tokio::test]
async fn tickets_stored_before_the_index_are_indexed_by_the_catch_up() {
    let (store, client, _) = table().await;
    for i in 0..3 {
        let mut nt = new_ticket(&format!("old{i}"), t("2026-11-01T00:00:00Z"));
        nt.article.body_md = format!("古い障害の記録 {i}");
        store.create_ticket(nt).await.unwrap();
    }
    // As before the index: no posting items.
    let postings = client
        .scan()
        .table_name(store.table())
        .filter_expression("begins_with(PK, :term)")
        .expression_attribute_values(":term", AttributeValue::S("TERM#".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert!(!postings.is_empty());
    for p in postings {
        client
            .delete_item()
            .table_name(store.table())
            .key("PK", p["PK"].clone())
            .key("SK", p["SK"].clone())
            .send()
            .await
            .unwrap();
    }
    let words = SearchQuery {
        terms: madoguchi_text::terms("障害"),
        limit: 10,
        ..SearchQuery::default()
    };
    assert!(store.search_tickets(&words).await.unwrap().items.is_empty());
    assert_eq!(
        store.catch_up_search_index(100).await.unwrap(),
        0,
        "no jobs"
    );
    let found = store.search_tickets(&words).await.unwrap();
    assert_eq!(found.items.len(), 3);
    let marker = raw(&client, store.table(), "SEARCHBACKFILL", "SEARCHBACKFILL")
        .await
        .unwrap();
    assert_eq!(marker.get("done"), Some(&AttributeValue::Bool(true)));
}
