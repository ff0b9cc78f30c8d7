//! The audit of staff looking at internal data, in the ticket's history for staff only.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn looks<'a>(detail: &'a Value, field: &str) -> Vec<&'a Value> {
    detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["field"] == field)
        .collect()
}

#[tokio::test]
async fn staff_views_of_internal_notes_are_recorded_once_an_hour_and_customers_never_see_them() {
    let app = spawn_app().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let mut admin = app.login("admin@netlink.example.jp").await;
    let number = customer.open("監査の確認", "本文").await;
    let path = format!("/api/v1/tickets/{number}");
    // Without internal notes a staff view is not recorded.
    let (_, d) = agent.get(&path).await;
    assert!(looks(&d, "viewed_internal").is_empty(), "{d}");
    let (status, _) = agent
        .post(
            &format!("{path}/articles"),
            json!({"body": "社内メモ", "internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    agent.get(&path).await;
    let (_, d) = agent.get(&path).await;
    let viewed = looks(&d, "viewed_internal");
    assert_eq!(viewed.len(), 1, "one record for views within the hour: {d}");
    assert_eq!(viewed[0]["actor"]["name"], "窓口 担当");
    admin.get(&path).await;
    app.advance(SignedDuration::from_mins(61));
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (_, d) = agent.get(&path).await;
    assert_eq!(
        looks(&d, "viewed_internal").len(),
        3,
        "another person, and the next hour: {d}"
    );
    // The report carries the notes: its download is recorded too.
    let (status, _, _) = fetch(&agent, &format!("{path}/report")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, d) = agent.get(&path).await;
    assert_eq!(looks(&d, "exported_report").len(), 1);
    // The rest of the history is there for staff: the state as opened.
    assert_eq!(d["history"][0]["field"], "state");
    // Customers get no history at all, and their views record nothing.
    let mut customer = app.login("taro@acme.example.jp").await;
    let (status, seen) = customer.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(seen.get("history").is_none(), "{seen}");
    let (_, d) = agent.get(&path).await;
    assert!(
        d["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["actor"]["id"] != "taro" || h["field"] == "state"),
        "{d}"
    );
}
