//! Staff ticket search over HTTP (`GET /api/v1/tickets/search`): words in subjects,
//! replies and internal notes (Japanese by bigrams, English by words), every filter,
//! ranking, paging, field errors in both languages, staff only, and the export of a
//! search result.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn numbers(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"))
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(c: &mut Client, query: &str) -> Vec<String> {
    let (status, body) = c.get(&format!("/api/v1/tickets/search?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    numbers(&body)
}

fn q(words: &str) -> String {
    format!("q={}", urlencode(words))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn reply(c: &mut Client, number: &str, body: &str, internal: bool) {
    let (status, t) = c
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": body, "internal": internal}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
}

#[tokio::test]
async fn staff_find_words_in_subjects_replies_and_internal_notes() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let mail = taro
        .open("メールが届かない", "昨日から受信できません")
        .await;
    let network = taro
        .open("ネットワーク障害", "社内から外に出られません")
        .await;
    let smtp = taro
        .open("Outbound mail bounces", "Every message comes back")
        .await;
    // The word is only in a public reply, or only in an internal note.
    reply(&mut agent, &mail, "配送に遅延が発生しています", false).await;
    reply(&mut agent, &smtp, "SMTP relay timeout, checking", true).await;

    assert_eq!(search(&mut agent, &q("遅延")).await, [mail.as_str()]);
    assert_eq!(search(&mut agent, &q("障害")).await, [network.as_str()]);
    assert_eq!(
        search(&mut agent, &q("relay TIMEOUT")).await,
        [smtp.as_str()]
    );
    assert_eq!(search(&mut agent, &q("smtp")).await, [smtp.as_str()]);
    // Every word must be there.
    assert_eq!(search(&mut agent, &q("遅延 受信")).await, [mail.as_str()]);
    assert!(search(&mut agent, &q("遅延 障害")).await.is_empty());
    assert!(search(&mut agent, &q("請求書")).await.is_empty());
    assert!(search(&mut agent, &q("invoice")).await.is_empty());
    // No words: every ticket, newest update first (the same moment here: the higher
    // number first).
    assert_eq!(search(&mut agent, "").await, [smtp, network, mail]);

    // The staff list's keywords search the same index (the note's words too).
    let (_, list) = agent
        .get(&format!("/api/v1/tickets?of=all&{}", q("relay")))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    // A customer's list keeps its keywords over subject and preview, never notes.
    let (_, mine) = taro
        .get(&format!("/api/v1/tickets?of=mine&{}", q("relay")))
        .await;
    assert_eq!(mine["items"], json!([]));
}

#[tokio::test]
async fn customers_may_not_search_and_strangers_must_log_in() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    taro.open("件名", "本文").await;
    let (status, body) = taro
        .get("/api/v1/tickets/search?q=%E4%BB%B6%E5%90%8D")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "forbidden");
    assert!(!body.to_string().contains("件名"));
    let (status, _) = app.client().get("/api/v1/tickets/search").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = taro.get("/api/v1/tickets/export?q=x").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_filter_narrows_the_search() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let mut jiro = app.login("jiro@globex.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (status, t) = taro
        .post(
            "/api/v1/tickets",
            json!({"subject": "ゲートウェイの障害", "body": "送信できません",
                   "product": "mail-gateway", "ticket_type": "trouble", "priority": "urgent",
                   "fields": {"contract_number": "NL-2026-000777", "serial_number": "SN-1",
                              "model": "mg-500", "firmware_version": "3.2.1"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let gateway = t["ticket"]["number"].as_str().unwrap().to_owned();
    app.advance(SignedDuration::from_hours(48));
    let question = jiro.open("使い方の質問", "設定方法を教えてください").await;
    app.advance(SignedDuration::from_hours(48));
    // The agent takes the gateway ticket and answers it (its last activity: now).
    let (status, body) = agent
        .patch(
            &format!("/api/v1/tickets/{gateway}"),
            json!({"owner_id": "agent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = agent
        .post(
            &format!("/api/v1/tickets/{gateway}/articles"),
            json!({"body": "ログをお送りください", "next_state": "waiting_customer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let both = [gateway.clone(), question.clone()];
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("state=waiting_customer", vec![gateway.clone()]),
        ("state=new,open", vec![question.clone()]),
        ("state=closed", vec![]),
        ("priority=urgent", vec![gateway.clone()]),
        ("priority=normal", vec![question.clone()]),
        ("type=question", vec![question.clone()]),
        ("company=globex", vec![question.clone()]),
        ("contract=NL-2026-000777", vec![gateway.clone()]),
        ("product=mail-gateway", vec![gateway.clone()]),
        ("requester=jiro", vec![question.clone()]),
        ("owner=me", vec![gateway.clone()]),
        ("owner=agent", vec![gateway.clone()]),
        ("owner=unassigned", vec![question.clone()]),
        ("owner=unassigned,me", both.to_vec()),
        // Received on 2026-11-25 (Tokyo): the question only.
        (
            "received_from=2026-11-25&received_to=2026-11-25",
            vec![question.clone()],
        ),
        ("received_to=2026-11-24", vec![gateway.clone()]),
        // Last activity on the 27th: the gateway ticket, changed then.
        ("updated_from=2026-11-27", vec![gateway.clone()]),
        ("updated_to=2026-11-26", vec![question.clone()]),
        // Words and filters together.
        (
            "state=waiting_customer&q=%E9%9A%9C%E5%AE%B3",
            vec![gateway.clone()],
        ),
        ("state=new&q=%E9%9A%9C%E5%AE%B3", vec![]),
        ("order=oldest", vec![question.clone(), gateway.clone()]),
    ];
    for (query, want) in cases {
        assert_eq!(search(&mut agent, query).await, want, "{query}");
    }
}

#[tokio::test]
async fn a_wrong_value_is_a_400_naming_the_field_in_japanese_and_english() {
    let app = spawn_app().await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let path = "/api/v1/tickets/search?state=open,done&priority=asap&received_from=2026-13-01\
                &updated_from=2026-12-10&updated_to=2026-12-01&order=random&limit=1000";
    let (status, body) = agent.get(path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "state",
            "priority",
            "received_from",
            "updated_to",
            "order",
            "limit"
        ]
    );
    let date = &body["errors"][2];
    assert_eq!(date["code"], "not_a_date");
    assert!(
        date["message"].as_str().unwrap().contains("受付日"),
        "{date}"
    );
    agent.lang = "en";
    let (_, body) = agent.get(path).await;
    let message = body["errors"][2]["message"].as_str().unwrap();
    assert!(
        message.is_ascii() && message.contains("Received from"),
        "{message}"
    );
}

#[tokio::test]
async fn more_matches_rank_first_then_newer_and_pages_join_up() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let once_old = taro.open("遅延について", "確認をお願いします").await;
    app.advance(SignedDuration::from_mins(1));
    let thrice = taro
        .open("遅延が続いています", "遅延です。まだ遅延しています")
        .await;
    app.advance(SignedDuration::from_mins(1));
    let once_new = taro.open("遅延の件", "よろしくお願いします").await;
    app.advance(SignedDuration::from_mins(1));
    taro.open("関係のない件", "本文").await;

    let ranked = search(&mut agent, &q("遅延")).await;
    assert_eq!(ranked, [thrice.clone(), once_new.clone(), once_old.clone()]);
    assert_eq!(
        search(&mut agent, &format!("{}&order=newest", q("遅延"))).await,
        [once_new.clone(), thrice.clone(), once_old.clone()]
    );

    // Pages of one, following `next`, give the same list.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "/api/v1/tickets/search?{}&limit=1&cursor={}",
                q("遅延"),
                urlencode(c)
            ),
            None => format!("/api/v1/tickets/search?{}&limit=1", q("遅延")),
        };
        let (status, body) = agent.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        paged.extend(numbers(&body));
        match body["next"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, ranked);

    // A reply that says it twice more moves the oldest to the top.
    reply(
        &mut agent,
        &once_old,
        "遅延の原因を調査中です。遅延は解消見込みです",
        false,
    )
    .await;
    assert_eq!(
        search(&mut agent, &q("遅延")).await,
        [once_old, thrice, once_new]
    );
}

#[tokio::test]
async fn the_export_holds_exactly_the_search_result() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let late = taro.open("配信の遅れ", "届きません").await;
    taro.open("別件", "本文").await;
    reply(&mut agent, &late, "遅延の調査メモ", true).await;

    let (status, headers, bytes) = fetch(
        &agent,
        &format!(
            "/api/v1/tickets/export?format=csv&{}&state=new,open",
            q("遅延")
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        headers.get("x-total-count").is_none(),
        "a search's size is not known ahead"
    );
    let text = String::from_utf8(bytes).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].contains(&late), "{text}");
    // A filter that excludes it exports the header alone.
    let (_, _, bytes) = fetch(
        &agent,
        &format!(
            "/api/v1/tickets/export?format=csv&{}&state=closed",
            q("遅延")
        ),
    )
    .await;
    assert_eq!(String::from_utf8(bytes).unwrap().lines().count(), 1);
}

#[tokio::test]
async fn the_openapi_document_names_every_search_parameter_for_the_search_and_the_export() {
    let app = spawn_app().await;
    let (_, doc) = app.client().get("/api/v1/openapi.json").await;
    for path in ["/tickets/search", "/tickets/export"] {
        let names: Vec<&str> = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("no parameters for {path}"))
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for want in [
            "q",
            "state",
            "priority",
            "type",
            "company",
            "contract",
            "product",
            "requester",
            "owner",
            "received_from",
            "received_to",
            "updated_from",
            "updated_to",
            "order",
        ] {
            assert!(names.contains(&want), "{path} lacks {want}: {names:?}");
        }
    }
}
