//! Staff search (issue 6): every store finds the same tickets for the same words and
//! filters, ranks them alike and pages them without gaps, and keeps its index with
//! every write (a reply adds its words, a state change moves a ticket between filters).

use std::sync::Arc;

use jiff::Timestamp;
use madoguchi::domain::ticket::State;
use madoguchi::ports::search::{Equals, FilterField, SearchOrder, SearchQuery, TimeRange};
use madoguchi::ports::store::*;

use super::{article, new_ticket, t};

/// A ticket whose subject and first article are given.
async fn open(
    store: &Arc<dyn Store>,
    number: &str,
    at: Timestamp,
    subject: &str,
    body: &str,
    edit: impl FnOnce(&mut TicketRecord),
) {
    let mut new = new_ticket(number, "u1", "acme", at);
    new.ticket.subject = subject.into();
    new.article.body_md = body.into();
    edit(&mut new.ticket);
    store.create_ticket(new).await.unwrap();
}

/// Adds an article (a reply or an internal note) and applies `edit`, at `at`.
async fn respond(
    store: &Arc<dyn Store>,
    number: &str,
    at: Timestamp,
    body: &str,
    internal: bool,
    edit: impl FnOnce(&mut TicketRecord),
) {
    let mut ticket = store.get_ticket(number).await.unwrap().unwrap();
    let expected_version = ticket.version;
    let previous_state = ticket.state;
    ticket.version += 1;
    if !body.is_empty() {
        ticket.article_count += 1;
    }
    ticket.updated_at = at;
    edit(&mut ticket);
    let mut a = article(number, ticket.article_count, internal);
    a.body_md = body.into();
    a.created_at = at;
    store
        .update_ticket(TicketUpdate {
            ticket,
            expected_version,
            article: (!body.is_empty()).then_some(a),
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            previous_state: Some(previous_state),
            relies_on: vec![],
        })
        .await
        .unwrap();
}

fn words(q: &str) -> SearchQuery {
    SearchQuery {
        terms: madoguchi_text::terms(q),
        limit: 50,
        ..SearchQuery::default()
    }
}

fn only(field: FilterField, values: &[Option<&str>]) -> SearchQuery {
    SearchQuery {
        filters: vec![Equals {
            field,
            any_of: values.iter().map(|v| v.map(str::to_owned)).collect(),
        }],
        limit: 50,
        ..SearchQuery::default()
    }
}

async fn found(store: &Arc<dyn Store>, q: &SearchQuery) -> Vec<String> {
    store
        .search_tickets(q)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.number)
        .collect()
}

pub async fn search_finds_every_word_in_subjects_replies_and_notes(store: Arc<dyn Store>) {
    open(
        &store,
        "s1",
        t("2026-11-01T01:00:00Z"),
        "メール送信の障害",
        "昨日からメールが送れません",
        |_| {},
    )
    .await;
    open(
        &store,
        "s2",
        t("2026-11-02T01:00:00Z"),
        "SMTP timeout on the gateway",
        "Outbound mail fails with a timeout",
        |_| {},
    )
    .await;
    open(
        &store,
        "s3",
        t("2026-11-03T01:00:00Z"),
        "VPN につながらない",
        "接続できません",
        |_| {},
    )
    .await;
    // A public reply and an internal note add their words.
    respond(
        &store,
        "s1",
        t("2026-11-04T01:00:00Z"),
        "配送に遅延が出ています",
        false,
        |_| {},
    )
    .await;
    respond(
        &store,
        "s3",
        t("2026-11-05T01:00:00Z"),
        "社内メモ: ルーターの設定を確認",
        true,
        |_| {},
    )
    .await;

    assert_eq!(found(&store, &words("遅延")).await, ["s1"]);
    assert_eq!(found(&store, &words("障害")).await, ["s1"]);
    assert_eq!(found(&store, &words("ルーター")).await, ["s3"]);
    assert_eq!(found(&store, &words("smtp TIMEOUT")).await, ["s2"]);
    // Every word must match.
    assert_eq!(found(&store, &words("障害 遅延")).await, ["s1"]);
    assert!(found(&store, &words("障害 VPN")).await.is_empty());
    assert!(found(&store, &words("請求書")).await.is_empty());
    assert!(found(&store, &words("smtpx")).await.is_empty());
    // Full-width letters are the same word.
    assert_eq!(found(&store, &words("ＶＰＮ")).await, ["s3"]);
}

pub async fn search_filters_on_every_field_and_date(store: Arc<dyn Store>) {
    open(
        &store,
        "f1",
        t("2026-11-01T01:00:00Z"),
        "一件目",
        "本文",
        |t| {
            t.priority = "high".into();
            t.ticket_type = Some("incident".into());
            t.product = Some("NL Mail Gateway".into());
            t.fields.insert("contract_number".into(), "C-100".into());
            t.owner_id = Some("s1".into());
        },
    )
    .await;
    let mut other = new_ticket("f2", "u2", "globex", t("2026-11-10T01:00:00Z"));
    other.ticket.subject = "二件目".into();
    other.ticket.priority = "low".into();
    other.ticket.ticket_type = Some("question".into());
    other.ticket.product = Some("NL Firewall".into());
    store.create_ticket(other).await.unwrap();
    // f1 is answered later, and closed.
    respond(&store, "f1", t("2026-11-20T01:00:00Z"), "", false, |t| {
        t.state = State::Closed;
        t.closed_at = Some(t.updated_at);
    })
    .await;

    use FilterField as F;
    let cases: Vec<(SearchQuery, Vec<&str>)> = vec![
        (only(F::State, &[Some("closed")]), vec!["f1"]),
        (only(F::State, &[Some("new"), Some("open")]), vec!["f2"]),
        (only(F::Priority, &[Some("high")]), vec!["f1"]),
        (only(F::TicketType, &[Some("question")]), vec!["f2"]),
        (only(F::Company, &[Some("globex")]), vec!["f2"]),
        (only(F::Contract, &[Some("C-100")]), vec!["f1"]),
        (only(F::Product, &[Some("NL Mail Gateway")]), vec!["f1"]),
        (only(F::Requester, &[Some("u2")]), vec!["f2"]),
        (only(F::Owner, &[Some("s1")]), vec!["f1"]),
        (only(F::Owner, &[None]), vec!["f2"]),
        (only(F::Owner, &[None, Some("s1")]), vec!["f2", "f1"]),
        (only(F::Priority, &[Some("urgent")]), vec![]),
        (SearchQuery::default(), vec!["f2", "f1"]),
    ];
    for (mut q, want) in cases {
        q.limit = 50;
        q.order = SearchOrder::Oldest;
        assert_eq!(found(&store, &q).await, want, "{:?}", q.filters);
    }
    let received = SearchQuery {
        received: TimeRange {
            from: Some(t("2026-11-05T00:00:00Z")),
            to: None,
        },
        limit: 50,
        ..SearchQuery::default()
    };
    assert_eq!(found(&store, &received).await, ["f2"]);
    let updated = SearchQuery {
        updated: TimeRange {
            from: Some(t("2026-11-15T00:00:00Z")),
            to: Some(t("2026-11-21T00:00:00Z")),
        },
        limit: 50,
        ..SearchQuery::default()
    };
    assert_eq!(found(&store, &updated).await, ["f1"]);
    // Words and filters together.
    let mut both = words("一件目");
    both.filters = only(F::Company, &[Some("acme")]).filters;
    assert_eq!(found(&store, &both).await, ["f1"]);
    both.filters = only(F::Company, &[Some("globex")]).filters;
    assert!(found(&store, &both).await.is_empty());
}

pub async fn search_ranks_more_matches_first_then_newer_and_pages_without_gaps(
    store: Arc<dyn Store>,
) {
    // r1..r6: r3 says 遅延 three times, r5 twice, the others once; r6 not at all.
    let times = [1, 2, 3, 4, 5, 6];
    for i in times {
        let body = match i {
            3 => "遅延 遅延 遅延",
            5 => "遅延と遅延",
            6 => "関係のない本文",
            _ => "遅延しています",
        };
        open(
            &store,
            &format!("r{i}"),
            t(&format!("2026-11-0{i}T01:00:00Z")),
            "お問い合わせ",
            body,
            |_| {},
        )
        .await;
    }
    let all = found(&store, &words("遅延")).await;
    assert_eq!(all, ["r3", "r5", "r4", "r2", "r1"]);
    // Newest first when asked, whatever the matches.
    let mut newest = words("遅延");
    newest.order = SearchOrder::Newest;
    assert_eq!(found(&store, &newest).await, ["r5", "r4", "r3", "r2", "r1"]);
    let mut oldest = words("遅延");
    oldest.order = SearchOrder::Oldest;
    assert_eq!(found(&store, &oldest).await, ["r1", "r2", "r3", "r4", "r5"]);

    // Pages of two, in every order, with and without words, join up to the whole.
    for mut q in [
        words("遅延"),
        newest,
        oldest,
        SearchQuery::default(),
        only(FilterField::State, &[Some("new")]),
    ] {
        q.limit = 50;
        let whole = found(&store, &q).await;
        q.limit = 2;
        let mut paged = Vec::new();
        loop {
            let page = store.search_tickets(&q).await.unwrap();
            assert!(page.items.len() <= 2);
            paged.extend(page.items.into_iter().map(|t| t.number));
            match page.next {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(paged, whole);
    }
    // A reply that says it again moves r1 up.
    respond(
        &store,
        "r1",
        t("2026-11-07T01:00:00Z"),
        "まだ遅延があります。遅延は解消していません",
        false,
        |_| {},
    )
    .await;
    assert_eq!(
        found(&store, &words("遅延")).await,
        ["r1", "r3", "r5", "r4", "r2"]
    );
}

pub async fn a_state_change_moves_a_ticket_between_state_filters(store: Arc<dyn Store>) {
    open(
        &store,
        "m1",
        t("2026-11-01T01:00:00Z"),
        "印刷できない",
        "プリンターが止まりました",
        |_| {},
    )
    .await;
    let open_states = only(
        FilterField::State,
        &[Some("new"), Some("open"), Some("waiting_customer")],
    );
    let mut closed = only(FilterField::State, &[Some("closed")]);
    assert_eq!(found(&store, &open_states).await, ["m1"]);
    assert!(found(&store, &closed).await.is_empty());
    respond(&store, "m1", t("2026-11-02T01:00:00Z"), "", false, |t| {
        t.state = State::Closed;
        t.closed_at = Some(t.updated_at);
    })
    .await;
    assert!(found(&store, &open_states).await.is_empty());
    assert_eq!(found(&store, &closed).await, ["m1"]);
    closed.terms = madoguchi_text::terms("プリンター");
    assert_eq!(found(&store, &closed).await, ["m1"]);
    // Nothing was left for the sweep.
    assert_eq!(store.catch_up_search_index(100).await.unwrap(), 0);
}
