//! Custom fields of every type, staff-only fields, response fields, and inquiries staff
//! log for a customer by phone or e-mail (issue 6; seeds 003 and 004).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn codes(problem: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn staff_log_a_phone_inquiry_that_the_customer_sees_in_their_history() {
    let app = spawn_app().await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (status, customers) = agent.get("/api/v1/customers").await;
    assert_eq!(status, StatusCode::OK, "{customers}");
    let taro = customers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "taro@acme.example.jp")
        .unwrap_or_else(|| panic!("taro is a customer: {customers}"))
        .clone();
    assert_eq!(taro["company_name"], "株式会社アクメ");
    assert!(
        customers
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["email"] != "agent@netlink.example.jp"),
        "staff are not customers"
    );
    let taro_id = taro["id"].as_str().unwrap().to_owned();

    let inquiry = |channel: &str, on_behalf_of: Option<&str>| {
        json!({
            "subject": "電話: メールが遅延している", "body": "お電話で受付。午前から送信が遅延。",
            "product": "other", "ticket_type": "question",
            "channel": channel, "on_behalf_of": on_behalf_of,
            "fields": {"internal_memo": "折り返し希望 14時以降"}
        })
    };
    let (status, t) = agent
        .post("/api/v1/tickets", inquiry("phone", Some(&taro_id)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let number = t["ticket"]["number"].as_str().unwrap().to_owned();
    assert_eq!(t["ticket"]["channel"], "phone");
    assert_eq!(t["ticket"]["requester"]["id"], taro_id.as_str());
    assert_eq!(t["ticket"]["company"]["name"], "株式会社アクメ");
    assert_eq!(
        t["ticket"]["fields"]["internal_memo"],
        "折り返し希望 14時以降"
    );
    // The first article is the staff member's record of the call.
    assert_eq!(t["articles"][0]["from_staff"], true);

    // The customer finds it among their own tickets, with the channel, without the
    // staff-only field.
    let mut customer = app.login("taro@acme.example.jp").await;
    let (_, list) = customer.get("/api/v1/tickets?of=mine").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["number"] == number.as_str()),
        "{list}"
    );
    let (status, seen) = customer.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["ticket"]["channel"], "phone");
    assert!(seen["ticket"]["fields"].get("internal_memo").is_none());
    assert!(!seen.to_string().contains("折り返し希望"));
    // And is told by mail that it was registered.
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["taro@acme.example.jp"] && m.subject.contains(&number)),
        "the customer hears of it"
    );
    assert!(mails.iter().all(|m| !m.raw.contains("折り返し希望")));

    // The staff search finds inquiries by channel.
    let numbers = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|i| i["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, found) = agent.get("/api/v1/tickets/search?channel=phone").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(numbers(&found), std::slice::from_ref(&number));
    // Words of its custom fields are searchable too (staff search only).
    let (_, found) = agent
        .get("/api/v1/tickets/search?q=%E6%8A%98%E3%82%8A%E8%BF%94%E3%81%97")
        .await;
    assert_eq!(
        numbers(&found),
        std::slice::from_ref(&number),
        "折り返し, from the memo field"
    );
    let (_, found) = agent.get("/api/v1/tickets/search?channel=web").await;
    assert!(!numbers(&found).contains(&number));
    let (status, p) = agent.get("/api/v1/tickets/search?channel=fax").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "channel");

    // What may not be: customers logging for others or by phone, staff without a
    // customer or on the web, a staff account as the customer.
    let (status, p) = customer
        .post("/api/v1/tickets", inquiry("phone", None))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "channel");
    let (status, p) = customer
        .post("/api/v1/tickets", inquiry("web", Some(&taro_id)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "on_behalf_of");
    let (status, p) = agent.post("/api/v1/tickets", inquiry("phone", None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(codes(&p), pairs(&[("on_behalf_of", "required")]));
    let (status, p) = agent
        .post("/api/v1/tickets", inquiry("web", Some(&taro_id)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "channel");
    let (status, p) = agent
        .post("/api/v1/tickets", inquiry("fax", Some(&taro_id)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "channel");
    let (_, me) = agent.get("/api/v1/me").await;
    let agent_id = me["id"].as_str().unwrap().to_owned();
    let (status, p) = agent
        .post("/api/v1/tickets", inquiry("email", Some(&agent_id)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "on_behalf_of");
    assert_eq!(
        customer.get("/api/v1/customers").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn custom_fields_of_every_type_are_checked_stored_and_shown_by_audience() {
    let app = spawn_app().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let form = |fields: Value| {
        json!({
            "subject": "送信が遅延しています", "body": "午前から遅延。",
            "product": "mail-gateway", "service": "technical-support", "ticket_type": "trouble",
            "fields": fields
        })
    };
    let base = json!({"contract_number": "unknown", "serial_number": "unknown"});
    let with = |extra: Value| {
        let mut f = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            f[k] = v.clone();
        }
        f
    };
    // Every wrong value is named at once, in the reader's language.
    let (status, p) = customer
        .post(
            "/api/v1/tickets",
            form(with(json!({
                "occurred_on": "2026-02-30", "affected_users": "多数",
                "symptoms": "delayed,exploded", "internal_memo": "x"
            }))),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(
        codes(&p),
        pairs(&[
            ("fields.affected_users", "not_a_number"),
            ("fields.internal_memo", "unknown_field"),
            ("fields.occurred_on", "not_a_date"),
            ("fields.symptoms", "not_an_option"),
        ])
    );
    let messages = p.to_string();
    assert!(
        messages.contains("影響を受けている人数は数値で入力してください"),
        "{p}"
    );
    assert!(messages.contains("発生日は日付"), "{p}");

    let (status, t) = customer
        .post(
            "/api/v1/tickets",
            form(with(json!({
                "occurred_on": "2026/11/30", "affected_users": "１２",
                "symptoms": "delayed, not-sending"
            }))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let number = t["ticket"]["number"].as_str().unwrap().to_owned();
    let fields = &t["ticket"]["fields"];
    assert_eq!(fields["occurred_on"], "2026-11-30");
    assert_eq!(fields["affected_users"], "12");
    assert_eq!(fields["symptoms"], "not-sending,delayed");

    // Staff fill in and correct fields on the staff panel, staff-only ones included.
    let mut agent = app.login("agent@netlink.example.jp").await;
    let path = format!("/api/v1/tickets/{number}/fields");
    let (status, p) = agent
        .put(
            &path,
            json!({"fields": {"affected_users": "abc", "colour": "red"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        codes(&p),
        pairs(&[
            ("fields.affected_users", "not_a_number"),
            ("fields.colour", "unknown_field")
        ])
    );
    let (status, t) = agent
        .put(
            &path,
            json!({"fields": {"internal_memo": "VIP 顧客", "onsite_needed": "yes", "affected_users": "40", "symptoms": ""}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let fields = &t["ticket"]["fields"];
    assert_eq!(fields["internal_memo"], "VIP 顧客");
    assert_eq!(fields["onsite_needed"], "yes");
    assert_eq!(fields["affected_users"], "40");
    assert!(
        fields.get("symptoms").is_none(),
        "an empty value removes it"
    );
    // A required field may not be emptied.
    let (status, p) = agent
        .put(&path, json!({"fields": {"contract_number": ""}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(codes(&p), pairs(&[("fields.contract_number", "required")]));
    // Every change is in the history, with who made it.
    let history = app.deps().store.history(&number).await.unwrap();
    let changed: Vec<&str> = history
        .iter()
        .filter(|h| h.field.starts_with("fields."))
        .map(|h| h.field.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            "fields.affected_users",
            "fields.internal_memo",
            "fields.onsite_needed",
            "fields.symptoms"
        ]
    );
    assert!(history.iter().any(|h| h.field == "fields.affected_users"
        && h.from.as_deref() == Some("12")
        && h.to.as_deref() == Some("40")));

    // The customer sees their fields, never the staff's; they may not change fields.
    let (_, seen) = customer.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(seen["ticket"]["fields"]["affected_users"], "40");
    assert!(seen["ticket"]["fields"].get("internal_memo").is_none());
    assert!(seen["ticket"]["fields"].get("onsite_needed").is_none());
    assert!(!seen.to_string().contains("VIP"));
    let (status, _) = customer
        .put(&path, json!({"fields": {"affected_users": "1"}}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The customer's form has no staff-only field, of the response fields only theirs.
    let (_, f) = customer.get("/api/v1/form").await;
    assert!(!f.to_string().contains("internal_memo"));
    assert_eq!(f["response_fields"][0]["key"], "cause");
    assert_eq!(f["response_fields"].as_array().unwrap().len(), 1);
    let (_, f) = agent.get("/api/v1/form").await;
    assert!(f.to_string().contains("internal_memo"));
    assert_eq!(f["response_fields"][1]["key"], "cause");
}

#[tokio::test]
async fn response_fields_are_staff_input_and_customers_see_only_theirs() {
    let app = spawn_app().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let number = customer
        .open("ネットワークが遅い", "営業部だけ遅いです")
        .await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let articles = format!("/api/v1/tickets/{number}/articles");
    let (status, p) = agent
        .post(
            &articles,
            json!({"body": "確認しました。", "fields": {"due": "来週", "reason": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        codes(&p),
        pairs(&[
            ("response_fields.due", "not_a_date"),
            ("response_fields.reason", "unknown_field")
        ])
    );
    let (status, t) = agent
        .post(
            &articles,
            json!({"body": "ハブを交換してください。", "minutes": 60,
                   "fields": {"due": "2026-12-10", "cause": "ハブが旧式（10BASE-T規格）", "memo": "見積は営業経由 MEMO-SECRET"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let answer = &t["articles"][1];
    assert_eq!(answer["fields"]["due"], "2026-12-10");
    assert_eq!(answer["fields"]["memo"], "見積は営業経由 MEMO-SECRET");

    let (_, seen) = customer.get(&format!("/api/v1/tickets/{number}")).await;
    let answer = &seen["articles"][1];
    assert_eq!(
        answer["fields"],
        json!({"cause": "ハブが旧式（10BASE-T規格）"})
    );
    assert!(!seen.to_string().contains("MEMO-SECRET"));
    assert!(
        app.mails()
            .await
            .iter()
            .all(|m| !m.raw.contains("MEMO-SECRET"))
    );
    let (status, p) = customer
        .post(
            &articles,
            json!({"body": "了解です", "fields": {"cause": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "response_fields");
}
