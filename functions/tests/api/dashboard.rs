//! The staff dashboard: counts by state linking to the list of each state, the
//! tickets to handle first, the latest updated and the user's own.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::days;
use crate::helpers::*;

fn numbers(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect()
}

fn count_of<'a>(d: &'a Value, state: &str) -> &'a Value {
    &d["counts"]["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == state)
        .unwrap()["count"]
}

#[tokio::test]
async fn the_dashboard_counts_every_state_and_puts_overdue_and_urgent_tickets_first() {
    let app = spawn_app().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let late = customer
        .open("プリンタが動かない", "朝から印刷できません")
        .await;
    let waiting = customer.open("VPN の設定", "手順を教えてください").await;
    let owned = customer
        .open("メールが届かない", "昨日から届きません")
        .await;
    let (status, _) = agent
        .patch(
            &format!("/api/v1/tickets/{owned}"),
            json!({"owner_id": "agent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A month later every first response is overdue; one ticket then waits for the
    // customer (its targets pause), and a new urgent ticket comes in.
    app.advance(days(30));
    let mut customer = app.login("taro@acme.example.jp").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (status, body) = agent
        .post(
            &format!("/api/v1/tickets/{waiting}/articles"),
            json!({"body": "手順をお送りします", "next_state": "waiting_customer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let urgent = customer
        .open("サーバが停止しました", "至急お願いします")
        .await;
    let (status, _) = agent
        .patch(
            &format!("/api/v1/tickets/{urgent}"),
            json!({"priority": "urgent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, d) = agent.get("/api/v1/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(count_of(&d, "new"), 3, "{d}");
    assert_eq!(count_of(&d, "waiting_customer"), 1);
    assert_eq!(count_of(&d, "closed"), 0);
    assert_eq!(
        d["counts"]["states"].as_array().unwrap().len(),
        5,
        "every state, even with none"
    );
    assert_eq!(d["counts"]["open"], 4);
    assert_eq!(d["counts"]["unassigned"], 3);
    assert_eq!(d["counts"]["mine"], 1);
    // Overdue first (the earliest due first), then urgent; the paused one is not pressing.
    let first = &d["handle_first"];
    assert_eq!(
        numbers(first),
        [late.as_str(), owned.as_str(), urgent.as_str()]
    );
    let reasons: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["overdue", "overdue", "urgent"]);
    assert_eq!(first[0]["requester_name"], "山田 太郎");
    assert_eq!(numbers(&d["mine"]), [owned.as_str()]);
    assert_eq!(d["mine_more"], false);
    assert_eq!(
        numbers(&d["recent"])[..2],
        [urgent.as_str(), waiting.as_str()]
    );

    // Each count links to the list of its state.
    let (status, list) = agent
        .get("/api/v1/tickets?of=all&state=waiting_customer")
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(numbers(&list["items"]), [waiting.as_str()]);
    let (_, list) = agent.get("/api/v1/tickets?of=all&state=new").await;
    assert_eq!(numbers(&list["items"]).len(), 3);
    let (status, body) = agent.get("/api/v1/tickets?of=all&state=done").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "state");
}

#[tokio::test]
async fn customers_may_not_see_the_dashboard() {
    let app = spawn_app().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    customer.open("件名", "本文").await;
    let (status, _) = customer.get("/api/v1/dashboard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.client().get("/api/v1/dashboard").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
