//! Staff exports over HTTP: the ticket list as CSV (UTF-8 with BOM, formula-like cells
//! neutralized) and Excel, and one ticket's report; each file read back with a parser
//! (the `csv` crate, calamine) and checked cell by cell.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// The tickets the tests export: one whose subject and fields a spreadsheet would
/// evaluate, one in plain Japanese with a select field and "unknown".
async fn tickets(taro: &mut Client) -> (String, String) {
    let (status, t) = taro
        .post(
            "/api/v1/tickets",
            json!({"subject": "=HYPERLINK(\"http://evil.example\",\"click\")", "body": "+1 本文",
                   "product": "mail-gateway", "ticket_type": "trouble", "priority": "urgent",
                   "fields": {"contract_number": "@SUM(A1:A2)", "serial_number": "-12",
                              "model": "mg-500", "firmware_version": "3.2.1"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let evil = t["ticket"]["number"].as_str().unwrap().to_owned();
    let (status, t) = taro
        .post(
            "/api/v1/tickets",
            json!({"subject": "メール配信の遅延について", "body": "昨日から遅延しています。",
                   "product": "mail-gateway", "ticket_type": "question",
                   "fields": {"contract_number": "unknown", "serial_number": "SN-1, \"A\"",
                              "model": "mg-3000", "firmware_version": ""}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    (evil, t["ticket"]["number"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_ticket_list_exports_as_csv_with_bom_and_neutralized_cells() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let (evil, plain) = tickets(&mut taro).await;
    let agent = app.login("agent@netlink.example.jp").await;

    let (status, headers, bytes) = fetch(&agent, "/api/v1/tickets/export?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("tickets-") && disposition.contains(".csv"));
    assert_eq!(headers["x-total-count"], "2");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with a byte-order mark"
    );

    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 3, "the header and two tickets");
    let header = &rows[0];
    assert_eq!(
        &header[..13],
        [
            "チケット番号",
            "件名",
            "状態",
            "優先度",
            "製品",
            "サービス",
            "種別",
            "依頼者",
            "会社",
            "担当者",
            "受付日時",
            "更新日時",
            "完了日時"
        ]
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Newest first, as the list.
    let (second, first) = (&rows[1], &rows[2]);
    assert_eq!(second[0], plain);
    assert_eq!(first[0], evil);
    assert_eq!(
        first[1], "'=HYPERLINK(\"http://evil.example\",\"click\")",
        "a formula is kept as text"
    );
    assert_eq!(first[col("保守契約番号")], "'@SUM(A1:A2)");
    assert_eq!(first[col("シリアル番号")], "'-12");
    assert_eq!(first[col("状態")], "新規");
    assert_eq!(first[col("優先度")], "緊急（業務が停止しています）");
    assert_eq!(first[col("製品")], "NL Mail Gateway");
    assert_eq!(first[col("種別")], "障害・不具合のご報告");
    assert_eq!(first[col("依頼者")], "山田 太郎");
    assert_eq!(first[col("会社")], "株式会社アクメ");
    assert_eq!(first[col("担当者")], "");
    assert_eq!(first[col("受付日時")], "2026-11-23 10:00");
    assert_eq!(first[col("完了日時")], "");
    assert_eq!(first[col("機種")], "NL Mail Gateway MG-500");
    assert_eq!(second[1], "メール配信の遅延について");
    assert_eq!(second[col("保守契約番号")], "不明");
    assert_eq!(
        second[col("シリアル番号")],
        "SN-1, \"A\"",
        "quoted, read back whole"
    );

    // In English, only the open ones, oldest first.
    let (status, _, bytes) = fetch(
        &agent,
        "/api/v1/tickets/export?format=csv&lang=en&filter=open&order=oldest",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Ticket number,Subject,State,Priority")
    );
    assert!(lines.next().unwrap().starts_with(&format!("{evil},")));
    assert!(text.contains("Maintenance contract number"));
    assert!(text.contains(",unknown,"));
}

#[tokio::test]
async fn the_ticket_list_exports_as_excel_with_text_cells_and_dates() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let (evil, plain) = tickets(&mut taro).await;
    let agent = app.login("agent@netlink.example.jp").await;

    let (status, headers, bytes) = fetch(&agent, "/api/v1/tickets/export?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        headers["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["チケット".to_owned()]);
    let sheet = book.worksheet_range("チケット").unwrap();
    assert_eq!(sheet.height(), 3);
    let cell = |r: usize, c: usize| sheet.get((r, c)).cloned().unwrap_or(Data::Empty);
    let header: Vec<String> = (0..sheet.width()).map(|c| cell(0, c).to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(cell(1, 0), Data::String(plain.clone()));
    assert_eq!(cell(2, 0), Data::String(evil.clone()));
    // Text cells hold the text as typed: a string, never a formula.
    assert_eq!(
        cell(2, 1),
        Data::String("=HYPERLINK(\"http://evil.example\",\"click\")".into())
    );
    assert_eq!(
        cell(2, col("保守契約番号")),
        Data::String("@SUM(A1:A2)".into())
    );
    let formulas = book.worksheet_formula("チケット").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas in the file"
    );
    // Times are Excel dates in the portal's time zone.
    match cell(2, col("受付日時")) {
        Data::DateTime(d) => {
            // Excel counts days from 1899-12-30: 2026-11-23 10:00 in Tokyo.
            let day: jiff::civil::Date = "2026-11-23".parse().unwrap();
            let days = (day - jiff::civil::date(1899, 12, 30)).get_days();
            assert!(
                (d.as_f64() - (f64::from(days) + 10.0 / 24.0)).abs() < 1e-6,
                "{d:?}"
            );
        }
        other => panic!("a date, not {other:?}"),
    }
    assert_eq!(cell(2, col("完了日時")), Data::Empty);
    assert_eq!(cell(1, col("保守契約番号")), Data::String("不明".into()));
}

#[tokio::test]
async fn a_tickets_report_has_its_fields_and_every_response() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let (_, number) = tickets(&mut taro).await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    for (body, internal) in [("社内確認中です。", true), ("=2+3 を確認しました。", false)]
    {
        let fields = if internal {
            json!({})
        } else {
            json!({"due": "2026-12-10", "cause": "ハブが旧式"})
        };
        let (status, _) = agent
            .post(
                &format!("/api/v1/tickets/{number}/articles"),
                json!({"body": body, "internal": internal, "fields": fields}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, headers, bytes) = fetch(&agent, &format!("/api/v1/tickets/{number}/report")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("ticket-{number}.xlsx"))
    );
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["概要".to_owned(), "対応履歴".to_owned()]
    );
    let summary = book.worksheet_range("概要").unwrap();
    let value_of = |label: &str| {
        (0..summary.height())
            .find(|r| summary.get((*r, 0)) == Some(&Data::String(label.into())))
            .and_then(|r| summary.get((r, 1)).cloned())
    };
    assert_eq!(value_of("チケット番号"), Some(Data::String(number.clone())));
    assert_eq!(
        value_of("件名"),
        Some(Data::String("メール配信の遅延について".into()))
    );
    assert_eq!(value_of("対応件数"), Some(Data::Float(3.0)));
    let log = book.worksheet_range("対応履歴").unwrap();
    assert_eq!(log.height(), 4, "the header and three responses");
    let row = |r: usize| -> Vec<String> {
        (0..log.width())
            .map(|c| log.get((r, c)).map(|d| d.to_string()).unwrap_or_default())
            .collect()
    };
    assert_eq!(row(0)[..5], ["No.", "日時", "投稿者", "種別", "本文"]);
    assert_eq!(
        row(1)[2..5],
        ["山田 太郎", "お客様", "昨日から遅延しています。"]
    );
    assert_eq!(row(2)[2..5], ["窓口 担当", "社内メモ", "社内確認中です。"]);
    assert_eq!(row(3)[2..5], ["窓口 担当", "回答", "=2+3 を確認しました。"]);
    assert!(
        matches!(log.get((3, 4)), Some(Data::String(_))),
        "text, not a formula"
    );
    // The response fields, one column each.
    let field = |name: &str| row(0).iter().position(|h| h == name).unwrap();
    assert_eq!(row(3)[field("対応期限")], "2026-12-10");
    assert_eq!(row(3)[field("原因/対策")], "ハブが旧式");
    assert_eq!(row(2)[field("原因/対策")], "");
    assert_eq!(value_of("受付方法"), Some(Data::String("Web".into())));

    // English labels on request.
    let (_, _, bytes) = fetch(&agent, &format!("/api/v1/tickets/{number}/report?lang=en")).await;
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["Summary".to_owned(), "Responses".to_owned()]
    );
}

#[tokio::test]
async fn exports_are_for_staff_and_check_their_parameters() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let (_, number) = tickets(&mut taro).await;
    for path in [
        "/api/v1/tickets/export".to_owned(),
        "/api/v1/tickets/export?format=xlsx&of=mine".to_owned(),
        format!("/api/v1/tickets/{number}/report"),
    ] {
        let (status, _, body) = fetch(&taro, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!String::from_utf8_lossy(&body).contains("遅延"), "{path}");
    }
    let anonymous = app.client();
    let (status, _, _) = fetch(&anonymous, "/api/v1/tickets/export").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut agent = app.login("agent@netlink.example.jp").await;
    for (query, field) in [
        ("format=pdf", "format"),
        ("lang=fr", "lang"),
        ("filter=some", "filter"),
        ("of=company", ""),
    ] {
        let (status, body) = agent.get(&format!("/api/v1/tickets/export?{query}")).await;
        if field.is_empty() {
            assert_eq!(status, StatusCode::FORBIDDEN, "{query}: {body}");
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{query}");
        }
    }
    let (status, _) = agent.get("/api/v1/tickets/2099010100001/report").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A list longer than the pages the export reads (200) comes out whole, each ticket
/// once, in the list's order, in both formats.
#[tokio::test]
async fn a_long_list_exports_every_ticket_once_in_order() {
    use madoguchi::app::tickets::{OpenTicket, open_ticket};
    use madoguchi::domain::access::{Actor, Role};
    let app = spawn_app().await;
    let taro = Actor::new("taro", Role::Customer, Some("acme".into()));
    let mut opened = Vec::new();
    for i in 0..450 {
        let t = open_ticket(
            app.deps(),
            &taro,
            OpenTicket {
                subject: format!("件名 {i}"),
                body: "本文".into(),
                product: Some("other".into()),
                ticket_type: Some("question".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        opened.push(t.number);
        app.advance(jiff::SignedDuration::from_secs(1));
    }
    let agent = app.login("agent@netlink.example.jp").await;
    let (_, headers, bytes) = fetch(&agent, "/api/v1/tickets/export?format=csv&order=oldest").await;
    assert_eq!(headers["x-total-count"], "450");
    let numbers: Vec<String> = csv::ReaderBuilder::new()
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    assert_eq!(numbers, opened);
    let (_, _, bytes) = fetch(&agent, "/api/v1/tickets/export?format=xlsx").await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("チケット").unwrap();
    let numbers: Vec<String> = (1..sheet.height())
        .map(|r| sheet.get((r, 0)).unwrap().to_string())
        .collect();
    opened.reverse();
    assert_eq!(numbers, opened, "newest first");
}

/// Seed 003's time spent per response: staff record it, see it per response and summed,
/// and find it in the report; customers can neither record nor see it.
#[tokio::test]
async fn minutes_spent_are_recorded_by_staff_summed_and_never_shown_to_customers() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let number = taro.open("VPN が切れます", "毎朝切断されます").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let path = format!("/api/v1/tickets/{number}/articles");
    for (body, internal, minutes) in [
        ("ログを確認", true, 25),
        ("設定を変更しました。", false, 40),
    ] {
        let (status, d) = agent
            .post(
                &path,
                json!({"body": body, "internal": internal, "minutes": minutes}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
    }
    for (minutes, why) in [(0, "zero"), (10_000, "too many")] {
        let (status, body) = agent
            .post(&path, json!({"body": "x", "minutes": minutes}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(body["errors"][0]["field"], "minutes");
    }
    let (status, body) = taro
        .post(&path, json!({"body": "まだ切れます", "minutes": 5}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["field"], "minutes");

    let (_, d) = agent.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(d["minutes_total"], 65);
    let minutes: Vec<_> = d["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["minutes"].clone())
        .collect();
    assert_eq!(minutes, [json!(null), json!(25), json!(40)]);
    let (_, d) = taro.get(&format!("/api/v1/tickets/{number}")).await;
    let text = d.to_string();
    assert!(d.get("minutes_total").is_none(), "{text}");
    assert!(
        !text.contains("\"minutes\""),
        "customers see no minutes: {text}"
    );

    let (_, _, bytes) = fetch(&agent, &format!("/api/v1/tickets/{number}/report")).await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let log = book.worksheet_range("対応履歴").unwrap();
    assert_eq!(
        log.get((0, 6)),
        Some(&Data::String("作業時間（分）".into()))
    );
    assert_eq!(log.get((2, 6)), Some(&Data::Float(25.0)));
    assert_eq!(log.get((3, 6)), Some(&Data::Float(40.0)));
    let summary = book.worksheet_range("概要").unwrap();
    let total = (0..summary.height())
        .find(|r| summary.get((*r, 0)) == Some(&Data::String("作業時間合計（分）".into())))
        .and_then(|r| summary.get((r, 1)).cloned());
    assert_eq!(total, Some(Data::Float(65.0)));
}
