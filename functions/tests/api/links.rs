//! Related tickets and merging a duplicate (issue 6).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn staff_link_related_tickets_and_merge_a_duplicate() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let a = taro
        .open("VPN がつながらない", "朝から接続できません")
        .await;
    let b = taro.open("VPN 接続不可（再送）", "先ほどの件です").await;
    let mut jiro = app.login("jiro@globex.example.jp").await;
    let c = jiro.open("Globex の件", "別会社").await;
    let mut agent = app.login("agent@netlink.example.jp").await;

    // A link shows on both tickets, once however often it is made.
    for _ in 0..2 {
        let (status, t) = agent
            .post(&format!("/api/v1/tickets/{a}/links"), json!({"number": b}))
            .await;
        assert_eq!(status, StatusCode::OK, "{t}");
        assert_eq!(
            t["links"],
            json!([{"number": b, "kind": "related", "subject": "VPN 接続不可（再送）", "state": "new"}])
        );
    }
    let (_, tb) = agent.get(&format!("/api/v1/tickets/{b}")).await;
    assert_eq!(tb["links"][0]["number"], a.as_str());
    // Customers do not see links; they may not make them.
    let (_, seen) = taro.get(&format!("/api/v1/tickets/{a}")).await;
    assert_eq!(seen["links"], json!([]));
    let (status, _) = taro
        .post(&format!("/api/v1/tickets/{a}/links"), json!({"number": b}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, p) = agent
        .post(
            &format!("/api/v1/tickets/{a}/links"),
            json!({"number": "2099010100001"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "number");
    let (status, p) = agent
        .post(&format!("/api/v1/tickets/{a}/links"), json!({"number": a}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    // Unlinked on both sides.
    let (status, t) = agent
        .delete(&format!("/api/v1/tickets/{a}/links/{b}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["links"], json!([]));
    let (_, tb) = agent.get(&format!("/api/v1/tickets/{b}")).await;
    assert_eq!(tb["links"], json!([]));

    // Merging: only within the company (and project).
    let (status, p) = agent
        .post(&format!("/api/v1/tickets/{b}/merge"), json!({"into": c}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "into");
    let (status, _) = taro
        .post(&format!("/api/v1/tickets/{b}/merge"), json!({"into": a}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, t) = agent
        .post(&format!("/api/v1/tickets/{b}/merge"), json!({"into": a}))
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["ticket"]["state"], "closed");
    assert_eq!(t["ticket"]["merged_into"], a.as_str());
    assert_eq!(t["links"][0]["kind"], "merged_into");
    let (_, ta) = agent.get(&format!("/api/v1/tickets/{a}")).await;
    assert_eq!(
        ta["links"],
        json!([{"number": b, "kind": "merged_from", "subject": "VPN 接続不可（再送）", "state": "closed"}])
    );
    let history = app.deps().store.history(&a).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.field == "merged_from" && h.to.as_deref() == Some(b.as_str()))
    );
    // A merge cannot be unlinked, nor done twice.
    let (status, _) = agent
        .delete(&format!("/api/v1/tickets/{a}/links/{b}"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = agent
        .post(&format!("/api/v1/tickets/{b}/merge"), json!({"into": a}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The customer reads where the duplicate went and replies there.
    let (_, seen) = taro.get(&format!("/api/v1/tickets/{b}")).await;
    assert_eq!(seen["ticket"]["merged_into"], a.as_str());
    let last = seen["articles"].as_array().unwrap().last().unwrap().clone();
    assert!(last["body_html"].as_str().unwrap().contains(&a), "{last}");
    assert_eq!(last["internal"], false);
    let (status, p) = taro
        .post(
            &format!("/api/v1/tickets/{b}/articles"),
            json!({"body": "まだつながりません"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p.to_string().contains(&a), "{p}");
    let (status, _) = taro
        .post(
            &format!("/api/v1/tickets/{a}/articles"),
            json!({"body": "まだつながりません"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn staff_save_searches_of_their_own() {
    let app = spawn_app().await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (status, list) = agent.get("/api/v1/me/searches").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([]));
    let (status, saved) = agent
        .post(
            "/api/v1/me/searches",
            json!({"name": "未割り当ての障害", "query": "?state=open&owner=none&q=%E9%9A%9C%E5%AE%B3"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["query"], "state=open&owner=none&q=%E9%9A%9C%E5%AE%B3");
    // Every wrong field at once; a name once per user, in any case.
    let (status, p) = agent
        .post("/api/v1/me/searches", json!({"name": "", "query": "<x>=1"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "query"]);
    let (status, p) = agent
        .post(
            "/api/v1/me/searches",
            json!({"name": "未割り当ての障害", "query": "state=open"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["code"], "taken");
    // Another staff user has their own list; customers have none.
    let mut admin = app.login("admin@netlink.example.jp").await;
    assert_eq!(admin.get("/api/v1/me/searches").await.1, json!([]));
    let id = saved["id"].as_str().unwrap().to_owned();
    let (status, _) = admin.delete(&format!("/api/v1/me/searches/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not theirs");
    let mut taro = app.login("taro@acme.example.jp").await;
    assert_eq!(
        taro.get("/api/v1/me/searches").await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = agent.delete(&format!("/api/v1/me/searches/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(agent.get("/api/v1/me/searches").await.1, json!([]));
}

#[tokio::test]
async fn the_assignment_rules_put_tickets_in_department_queues_staff_can_search() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    // The demo's rules: Edge Router tickets go to the network team.
    let (status, t) = taro
        .post(
            "/api/v1/tickets",
            json!({"subject": "ルーターが再起動を繰り返す", "body": "朝から数回", "product": "edge-router",
                   "ticket_type": "trouble", "fields": {"contract_number": "unknown", "serial_number": "unknown"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let router = t["ticket"]["number"].as_str().unwrap().to_owned();
    assert!(
        t["ticket"].get("department").is_none(),
        "customers do not see queues"
    );
    let other = taro.open("その他の質問", "請求書について").await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (_, seen) = agent.get(&format!("/api/v1/tickets/{router}")).await;
    assert_eq!(seen["ticket"]["department"], "network");
    let numbers = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|i| i["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, found) = agent.get("/api/v1/tickets/search?department=network").await;
    assert_eq!(numbers(&found), std::slice::from_ref(&router));
    let (_, found) = agent.get("/api/v1/tickets/search?department=none").await;
    assert!(numbers(&found).contains(&other) && !numbers(&found).contains(&router));
    // The team hears of it at its own address.
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains(&"network@netlink.example.jp".to_owned())
                && m.subject.contains(&router)),
        "the network team's address gets the new-ticket mail"
    );
    let (_, form) = agent.get("/api/v1/form").await;
    assert_eq!(form["departments"][0]["key"], "network");
}
