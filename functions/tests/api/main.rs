//! The API over real HTTP against the real server on a temporary data folder.

mod accounts;
mod audit;
mod contracts;
mod dashboard;
mod documents;
mod export;
mod fields;
mod groups;
mod helpers;
mod links;
mod registration;
mod search;

use helpers::*;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

#[tokio::test]
async fn login_sets_safe_cookies_and_me_names_the_user() {
    let app = spawn_app().await;
    let c = app.client();
    let res = c
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "TARO@acme.example.jp", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let find = |name: &str| {
        cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap()
            .clone()
    };
    assert!(find("mg_access=").contains("HttpOnly") && find("mg_access=").contains("SameSite=Lax"));
    assert!(
        find("mg_refresh=").contains("HttpOnly")
            && find("mg_refresh=").contains("Path=/api/v1/auth")
    );
    assert!(
        !find("mg_csrf=").contains("HttpOnly"),
        "the page's script reads it"
    );
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["name"], "山田 太郎");
    assert_eq!(me["company"]["name"], "株式会社アクメ");
    assert_eq!(me["settings"]["time_zone"], "Asia/Tokyo");
    assert!(me.get("password_hash").is_none());

    let mut c = app.login("taro@acme.example.jp").await;
    let (status, me) = c.get("/api/v1/me").await;
    assert_eq!((status, me["id"].as_str()), (StatusCode::OK, Some("taro")));
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let app = spawn_app().await;
    let mut c = app.client();
    let (s1, b1) = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "taro@acme.example.jp", "password": "wrong password here"}),
        )
        .await;
    let (s2, b2) = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "nobody@acme.example.jp", "password": "wrong password here"}),
        )
        .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(b1["code"], "unauthenticated");
    let (_, me) = c.get("/api/v1/me").await;
    assert_eq!(me["code"], "unauthenticated");
}

#[tokio::test]
async fn repeated_failures_are_throttled_until_the_delay_has_passed() {
    let app = spawn_app().await;
    let mut c = app.client();
    let wrong = json!({"email": "taro@acme.example.jp", "password": "not the password"});
    for _ in 0..5 {
        assert_eq!(
            c.post("/api/v1/auth/login", wrong.clone()).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password is refused until the delay has passed.
    let right = json!({"email": "taro@acme.example.jp", "password": PASSWORD});
    let (status, body) = c.post("/api/v1/auth/login", right.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "throttled");
    // Another account from the same address is not locked yet (its threshold is higher).
    let other = json!({"email": "hanako@acme.example.jp", "password": PASSWORD});
    assert_eq!(c.post("/api/v1/auth/login", other).await.0, StatusCode::OK);
    app.advance(SignedDuration::from_secs(31));
    assert_eq!(c.post("/api/v1/auth/login", right).await.0, StatusCode::OK);
}

#[tokio::test]
async fn throttled_answers_carry_retry_after_in_the_clients_language() {
    let app = spawn_app().await;
    let mut c = app.client();
    c.lang = "en";
    for _ in 0..5 {
        c.post(
            "/api/v1/auth/login",
            json!({"email": "jiro@globex.example.jp", "password": "x"}),
        )
        .await;
    }
    let res = c
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("accept-language", "en")
        .json(&json!({"email": "jiro@globex.example.jp", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "30");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["title"], "Too many failed attempts; please wait");
}

#[tokio::test]
async fn a_state_changing_request_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let good = c.csrf.clone();
    c.csrf = None;
    let (status, body) = c
        .post(
            "/api/v1/tickets",
            json!({"subject": "s", "body": "b", "product": "other", "ticket_type": "question"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf"))
    );
    c.csrf = Some("not-the-token".into());
    assert_eq!(
        c.post(
            "/api/v1/tickets",
            json!({"subject": "s", "body": "b", "product": "other", "ticket_type": "question"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    c.csrf = good;
    assert_eq!(
        c.post(
            "/api/v1/tickets",
            json!({"subject": "s", "body": "b", "product": "other", "ticket_type": "question"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    // Reading needs no token.
    c.csrf = None;
    assert_eq!(c.get("/api/v1/tickets").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_access_token_says_so_and_a_refresh_gives_a_new_one() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let old_refresh = c
        .http
        .post(format!("{}/api/v1/auth/refresh", app.base))
        .header("x-csrf-token", c.csrf.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(old_refresh.status(), StatusCode::OK);
    app.advance(SignedDuration::from_mins(11));
    let res = c
        .http
        .get(format!("{}/api/v1/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "token_expired");
    let (status, _) = c.post("/api/v1/auth/refresh", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c.get("/api/v1/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_refresh_token_used_twice_revokes_the_session() {
    let app = spawn_app().await;
    let c = app.client();
    let res = c
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "taro@acme.example.jp", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.starts_with(name))
            .map(|v| v.split(';').next().unwrap().to_owned())
            .unwrap()
    };
    let refresh1 = cookie(&res, "mg_refresh=");
    let csrf = cookie(&res, "mg_csrf=");
    let csrf_value = csrf["mg_csrf=".len()..].to_owned();
    let plain = reqwest::Client::new();
    let use_refresh = |r: String| {
        plain
            .post(format!("{}/api/v1/auth/refresh", app.base))
            .header("cookie", format!("{r}; {csrf}"))
            .header("x-csrf-token", csrf_value.clone())
            .send()
    };
    let res2 = use_refresh(refresh1.clone()).await.unwrap();
    assert_eq!(res2.status(), StatusCode::OK);
    let refresh2 = cookie(&res2, "mg_refresh=");
    assert_ne!(refresh1, refresh2, "the refresh token rotates");
    // The first token again: someone copied it. The session ends for both holders.
    assert_eq!(
        use_refresh(refresh1).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        use_refresh(refresh2).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // Without the CSRF header a refresh is refused outright.
    let res = plain
        .post(format!("{}/api/v1/auth/refresh", app.base))
        .header("cookie", format!("{}; {csrf}", cookie(&res, "mg_refresh=")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_tampered_or_foreign_token_is_refused() {
    let app = spawn_app().await;
    let plain = reqwest::Client::new();
    let res = plain
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "taro@acme.example.jp", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let access = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("mg_access="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()["mg_access=".len()..]
        .to_owned();
    let me = |token: String| {
        plain
            .get(format!("{}/api/v1/me", app.base))
            .header("cookie", format!("mg_access={token}"))
            .send()
    };
    assert_eq!(me(access.clone()).await.unwrap().status(), StatusCode::OK);
    // Make the payload claim another user: the signature no longer matches.
    let parts: Vec<&str> = access.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = String::from_utf8(engine.decode(parts[1]).unwrap()).unwrap();
    let forged = engine.encode(
        payload
            .replace("\"taro\"", "\"agent\"")
            .replace("customer", "admin"),
    );
    let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_eq!(
        me(tampered).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let none = format!(
        "{}.{}.",
        engine.encode(r#"{"alg":"none","typ":"JWT"}"#),
        forged
    );
    assert_eq!(me(none).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_and_clears_the_cookies() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let (status, _) = c.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.post("/api/v1/auth/refresh", json!({})).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    let mut phone = app.login("taro@acme.example.jp").await;
    let mut desk = app.login("taro@acme.example.jp").await;
    let (status, body) = desk
        .post(
            "/api/v1/me/password",
            json!({"current_password": "wrong", "new_password": "新しくて長いパスワードです"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("current_password"))
    );
    let (status, body) = desk
        .post(
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "password1234"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("new_password"))
    );
    let (status, _) = desk
        .post(
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "新しくて長いパスワードです"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The phone's session cannot be refreshed any more; the desk's can.
    assert_eq!(
        phone.post("/api/v1/auth/refresh", json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        desk.post("/api/v1/auth/refresh", json!({})).await.0,
        StatusCode::OK
    );
    let mut c = app.client();
    let (status, _) = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "taro@acme.example.jp", "password": "新しくて長いパスワードです"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn settings_are_validated_per_field_and_kept() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let (status, body) = c
        .patch(
            "/api/v1/me/settings",
            json!({"lang": "fr", "time_zone": "Mars/Olympus", "page_size": 7, "refresh_secs": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["lang", "time_zone", "page_size", "refresh_secs"]);
    let (status, me) = c
        .patch("/api/v1/me/settings", json!({"lang": "en", "time_zone": "Europe/London", "page_size": 50, "refresh_secs": 60}))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (_, me) = c.get("/api/v1/me").await;
    assert_eq!(
        me["settings"],
        json!({"lang": "en", "time_zone": "Europe/London", "page_size": 50, "refresh_secs": 60,
               "mails_off": [],
               "mails_optional": ["created_customer", "reply_customer", "state_changed", "reminder"],
               "mails_on": [], "mails_opt_in": []})
    );
}

#[tokio::test]
async fn staff_turn_their_own_new_ticket_mails_on_and_customers_cannot() {
    let app = spawn_app().await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (_, me) = agent.get("/api/v1/me").await;
    assert_eq!(me["settings"]["mails_opt_in"], json!(["created_staff"]));
    assert_eq!(
        me["settings"]["mails_optional"],
        json!(["reply_staff", "reopened", "assigned", "sla_escalation"])
    );
    let (status, me) = agent
        .patch(
            "/api/v1/me/settings",
            json!({"mails_on": ["created_staff"], "mails_off": ["assigned"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["settings"]["mails_on"], json!(["created_staff"]));
    let mut taro = app.login("taro@acme.example.jp").await;
    taro.open("新規の通知", "本文").await;
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["agent@netlink.example.jp"] && m.subject.contains("新規の通知")),
        "{mails:?}"
    );
    let (status, body) = taro
        .patch(
            "/api/v1/me/settings",
            json!({"mails_on": ["created_staff"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "mails_on");
}

#[tokio::test]
async fn mails_a_user_turned_off_are_not_sent_and_cc_addresses_still_hear() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    // Only the mails of one's own role can be turned off, never the account's own.
    for wrong in ["password_reset", "reply_staff", "no_such_mail"] {
        let (status, body) = taro
            .patch("/api/v1/me/settings", json!({"mails_off": [wrong]}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}: {body}");
        assert_eq!(body["errors"][0]["field"], "mails_off");
    }
    let (status, me) = taro
        .patch(
            "/api/v1/me/settings",
            json!({"mails_off": ["reply_customer", "created_customer", "reply_customer"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        me["settings"]["mails_off"],
        json!(["created_customer", "reply_customer"])
    );
    let quiet = taro.open("印刷できません", "プリンタが応答しません").await;
    let (status, copied) = taro
        .post(
            "/api/v1/tickets",
            json!({"subject": "VPN が切れます", "body": "毎朝切断されます", "cc": "boss@acme.example.jp",
                   "product": "other", "ticket_type": "question"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{copied}");
    let copied = copied["ticket"]["number"].as_str().unwrap().to_owned();
    let mut agent = app.login("agent@netlink.example.jp").await;
    for number in [&quiet, &copied] {
        let (status, _) = agent
            .post(
                &format!("/api/v1/tickets/{number}/articles"),
                json!({"body": "確認しました。"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mails = app.mails().await;
    let to_taro: Vec<&str> = mails
        .iter()
        .filter(|m| m.to.iter().any(|a| a == "taro@acme.example.jp"))
        .map(|m| m.subject.as_str())
        .collect();
    assert!(to_taro.is_empty(), "taro turned these off: {to_taro:?}");
    let to_boss: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.to.iter().any(|a| a == "boss@acme.example.jp"))
        .collect();
    assert_eq!(
        to_boss.len(),
        2,
        "the CC hears of the new ticket and the reply"
    );
    assert!(to_boss.iter().all(|m| m.subject.contains(&copied)));
    assert!(
        mails.iter().filter(|m| m.subject.contains(&quiet)).count() >= 1,
        "the team still hears of the new ticket"
    );
    // On again: the next reply reaches taro.
    let (status, _) = taro
        .patch("/api/v1/me/settings", json!({"mails_off": []}))
        .await;
    assert_eq!(status, StatusCode::OK);
    agent
        .post(
            &format!("/api/v1/tickets/{quiet}/articles"),
            json!({"body": "手順をお送りします。"}),
        )
        .await;
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|a| a == "taro@acme.example.jp") && m.subject.contains(&quiet)),
        "taro hears again"
    );
}

#[tokio::test]
async fn a_customer_opens_lists_views_replies_closes_and_reopens_a_ticket() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    // An empty subject is refused, naming the field, in the client's language.
    let (status, body) = c
        .post("/api/v1/tickets", json!({"subject": " ", "body": "本文"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "subject");
    let number = c
        .open(
            "メールが送信できません",
            "SMTP 認証エラーが出ます。\n\n- 件数: 多数",
        )
        .await;
    assert!(number.starts_with("20261123"), "{number}");

    let (status, list) = c.get("/api/v1/tickets?filter=open").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["counts"], json!({"all": 1, "open": 1, "closed": 0}));
    assert_eq!(list["items"][0]["number"], number.as_str());
    assert_eq!(list["items"][0]["requester_name"], "山田 太郎");
    assert_eq!(list["items"][0]["state"], "new");
    // Keyword search: a two-character Japanese word matches.
    let (_, found) = c.get("/api/v1/tickets?q=%E9%80%81%E4%BF%A1").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, none) = c.get("/api/v1/tickets?q=%E8%AB%8B%E6%B1%82").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    let (status, t) = c
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "追加情報です", "next_state": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["ticket"]["state"], "closed");
    assert_eq!(t["articles"].as_array().unwrap().len(), 2);
    assert!(t["ticket"]["reopen_until"].is_string());
    let (_, list) = c.get("/api/v1/tickets").await;
    assert_eq!(list["counts"], json!({"all": 1, "open": 0, "closed": 1}));

    // A follow-up within the window reopens it.
    app.advance(days(3));
    let (status, t) = c
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "再発しました"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(t["ticket"]["state"], "open");

    // The thank-you mail reached the customer, with the number and subject encoded.
    let mails = app.mails().await;
    let thanks = mails
        .iter()
        .find(|m| m.to.contains(&"taro@acme.example.jp".to_owned()))
        .unwrap();
    assert!(
        thanks.subject.contains(&format!("[#{number}]")),
        "{}",
        thanks.subject
    );
    assert!(
        thanks.subject.contains("メールが送信できません"),
        "{}",
        thanks.subject
    );
    let headers = thanks.raw.split("\r\n\r\n").next().unwrap();
    assert!(
        headers.is_ascii(),
        "the Japanese subject is MIME-encoded: {headers}"
    );
    assert!(headers.contains("=?utf-8?"), "{headers}");
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains(&"support@netlink.example.jp".to_owned()))
    );
}

#[tokio::test]
async fn a_late_follow_up_is_refused_and_opens_a_linked_ticket_instead() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let number = c.open("バックアップが失敗します", "毎晩失敗します").await;
    c.patch(
        &format!("/api/v1/tickets/{number}"),
        json!({"state": "closed"}),
    )
    .await;
    app.advance(days(31));
    // A month later the session has ended too: log in again.
    let mut c = app.login("taro@acme.example.jp").await;
    let (status, body) = c
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "また失敗しました"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "reopen_window_passed");
    let (_, t) = c.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(t["needs_follow_up"], true);
    let (status, new) = c
        .post(
            &format!("/api/v1/tickets/{number}/follow-up"),
            json!({"body": "また失敗しました"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{new}");
    assert_eq!(new["ticket"]["linked_to"], number.as_str());
    assert_eq!(new["ticket"]["subject"], "バックアップが失敗します");
}

#[tokio::test]
async fn staff_answer_and_note_and_the_customer_sees_only_the_answer() {
    let app = spawn_app().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let number = customer
        .open("証明書の更新について", "期限が近いです")
        .await;
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (status, list) = agent.get("/api/v1/tickets?of=all").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["company_name"], "株式会社アクメ");
    let (status, t) = agent
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "社内メモ: 更新手順を確認中 SECRET-NOTE", "internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let (status, t) = agent
        .post(&format!("/api/v1/tickets/{number}/articles"), json!({"body": "更新手順をお送りします。ご確認ください。", "next_state": "waiting_customer"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(t["ticket"]["state"], "waiting_customer");
    assert_eq!(
        t["articles"].as_array().unwrap().len(),
        3,
        "staff see the note"
    );
    let (_, staff) = agent.get("/api/v1/staff").await;
    let owner = staff[0]["id"].as_str().unwrap().to_owned();
    let (status, t) = agent
        .patch(
            &format!("/api/v1/tickets/{number}"),
            json!({"priority": "high", "owner_id": owner}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["ticket"]["priority"], "high");
    assert!(t["ticket"]["owner"]["name"].is_string());

    let (_, seen) = customer.get(&format!("/api/v1/tickets/{number}")).await;
    let articles = seen["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 2);
    assert!(articles.iter().all(|a| a["internal"] == false));
    assert_eq!(articles[1]["from_staff"], true);
    assert!(!seen.to_string().contains("SECRET-NOTE"));
    // Customers may not write notes, nor manage the ticket.
    let (status, _) = customer
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "x", "internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = customer
        .patch(
            &format!("/api/v1/tickets/{number}"),
            json!({"priority": "urgent"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(customer.get("/api/v1/staff").await.0, StatusCode::FORBIDDEN);

    let mails = app.mails().await;
    assert!(
        mails.iter().all(|m| !m.raw.contains("SECRET-NOTE")),
        "no mail carries the note"
    );
    let reply = mails
        .iter()
        .find(|m| m.body.contains("更新手順をお送りします"))
        .unwrap();
    assert_eq!(reply.to, ["taro@acme.example.jp"]);

    // Waiting for the customer for 14 days: pending close, then closed 7 days later.
    app.advance(days(14));
    app.sweep().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let (_, t) = customer.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(t["ticket"]["state"], "pending_close");
    app.advance(days(7));
    app.sweep().await;
    let mut customer = app.login("taro@acme.example.jp").await;
    let (_, t) = customer.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(t["ticket"]["state"], "closed");
}

#[tokio::test]
async fn another_companys_ticket_is_not_found_for_every_verb() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let number = taro.open("アクメ社の問い合わせ", "社外秘の内容").await;
    let mut jiro = app.login("jiro@globex.example.jp").await;
    let path = format!("/api/v1/tickets/{number}");
    assert_eq!(jiro.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        jiro.post(&format!("{path}/articles"), json!({"body": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        jiro.patch(&path, json!({"state": "closed"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        jiro.post(&format!("{path}/follow-up"), json!({"body": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The same answer as for a number that does not exist.
    let (_, missing) = jiro.get("/api/v1/tickets/2026112399999").await;
    let (_, other) = jiro.get(&path).await;
    assert_eq!(missing, other);
    let (_, list) = jiro.get("/api/v1/tickets?of=company").await;
    assert_eq!(list["counts"]["all"], 0);
    assert_eq!(
        jiro.get("/api/v1/tickets?of=all").await.0,
        StatusCode::FORBIDDEN
    );
    // A colleague of taro's sees it under company tickets, not under her own.
    let mut hanako = app.login("hanako@acme.example.jp").await;
    let (_, company) = hanako.get("/api/v1/tickets?of=company").await;
    assert_eq!(company["counts"]["all"], 1);
    let (_, mine) = hanako.get("/api/v1/tickets?of=mine").await;
    assert_eq!(mine["counts"]["all"], 0);
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_what_is_wrong_never_a_500() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let csrf = c.csrf.clone().unwrap();
    let raw = |body: &'static [u8], ct: &'static str| {
        c.http
            .post(format!("{}/api/v1/tickets", app.base))
            .header("content-type", ct)
            .header("x-csrf-token", csrf.clone())
            .body(body)
            .send()
    };
    for (body, ct) in [
        (&b"{not json"[..], "application/json"),
        (&br#"{"subject": 5, "body": "x"}"#[..], "application/json"),
        (&b"\xff\xfe"[..], "application/json"),
        (&br#"{"subject": "s", "body": "b"}"#[..], "text/plain"),
    ] {
        let res = raw(body, ct).await.unwrap();
        let status = res.status();
        assert!(status.is_client_error(), "{status} for {body:?}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: serde_json::Value = res.json().await.unwrap();
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
    }
    let huge = vec![b'a'; 2 * 1024 * 1024];
    let res = c
        .http
        .post(format!("{}/api/v1/tickets", app.base))
        .header("content-type", "application/json")
        .header("x-csrf-token", csrf.clone())
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (status, p) = c.get("/api/v1/tickets?filter=bogus").await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("filter"))
    );
}

#[tokio::test]
async fn script_in_a_body_is_inert_in_the_html() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let number = c
        .open(
            "<script>alert(1)</script>",
            "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))",
        )
        .await;
    let (_, t) = c.get(&format!("/api/v1/tickets/{number}")).await;
    let html = t["articles"][0]["body_html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("href=\"javascript:"), "{html}");
    assert_eq!(
        t["ticket"]["subject"], "<script>alert(1)</script>",
        "stored as text; the page escapes it"
    );
}

#[tokio::test]
async fn members_pages_need_a_login_and_portal_ticket_urls_serve_the_ticket_page() {
    let app = spawn_app().await;
    let mut anon = app.client();
    let res = anon
        .http
        .get(format!("{}/members/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/portal/login/?next=/members/");
    let res = anon
        .http
        .get(format!("{}/members/en/faq/", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/en/portal/login/")
    );
    let c = app.login("taro@acme.example.jp").await;
    let res = c
        .http
        .get(format!("{}/members/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let (status, _) = anon.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_the_server_answers() {
    let app = spawn_app().await;
    let mut c = app.client();
    let (status, doc) = c.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/auth/logout", "post"),
        ("/auth/forgot", "post"),
        ("/auth/reset", "post"),
        ("/me", "get"),
        ("/me/settings", "patch"),
        ("/me/password", "post"),
        ("/tickets", "get"),
        ("/tickets", "post"),
        ("/tickets/{number}", "get"),
        ("/tickets/{number}", "patch"),
        ("/tickets/{number}/articles", "post"),
        ("/tickets/{number}/follow-up", "post"),
        ("/preview", "post"),
        ("/form", "get"),
        ("/uploads", "post"),
        ("/uploads/{id}", "delete"),
        ("/tickets/{number}/attachments/{id}", "get"),
        ("/staff", "get"),
        ("/tickets/search", "get"),
        ("/companies", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    // Every documented path answers something other than the site's 404 page.
    for (path, item) in paths {
        let concrete = path
            .replace("{number}", "2026112300001")
            .replace("{id}", "x");
        for method in item.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = c
                .http
                .request(m, format!("{}/api/v1{concrete}", app.base))
                .send()
                .await
                .unwrap();
            assert_ne!(
                res.headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap()),
                Some("text/html; charset=utf-8"),
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn two_hundred_simultaneous_replies_over_http_are_all_kept_in_order() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let number = c.open("同時返信", "テスト").await;
    let csrf = c.csrf.clone().unwrap();
    let mut handles = Vec::new();
    for i in 0..200 {
        let http = c.http.clone();
        let url = format!("{}/api/v1/tickets/{number}/articles", app.base);
        let csrf = csrf.clone();
        handles.push(tokio::spawn(async move {
            http.post(url)
                .header("x-csrf-token", csrf)
                .json(&json!({"body": format!("返信 {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::CREATED);
    }
    let (_, t) = c.get(&format!("/api/v1/tickets/{number}")).await;
    let articles = t["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 201);
    let seqs: Vec<u64> = articles
        .iter()
        .map(|a| a["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=201).collect::<Vec<_>>());
}

pub(crate) fn reset_token(mail: &Mail) -> String {
    let at = mail.body.find("token=").expect("a reset link") + "token=".len();
    mail.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_ends_every_session() {
    let app = spawn_app().await;
    let mut old_session = app.login("taro@acme.example.jp").await;
    let mut c = app.client();
    // The same answer for an account that exists and one that does not.
    let (s1, b1) = c
        .post(
            "/api/v1/auth/forgot",
            json!({"email": "taro@acme.example.jp"}),
        )
        .await;
    let (s2, b2) = c
        .post(
            "/api/v1/auth/forgot",
            json!({"email": "nobody@acme.example.jp"}),
        )
        .await;
    assert_eq!((s1, &b1), (StatusCode::ACCEPTED, &b2));
    assert_eq!(s2, StatusCode::ACCEPTED);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "only the existing account gets a mail");
    let mail = &mails[0];
    assert_eq!(mail.to, ["taro@acme.example.jp"]);
    assert!(
        mail.subject.contains("パスワード再設定"),
        "{}",
        mail.subject
    );
    assert!(
        mail.body
            .contains(&format!("{}/portal/reset/?token=", app.base)),
        "{}",
        mail.body
    );
    let token = reset_token(mail);

    let (status, body) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password"))
    );
    let new_password = "再設定した新しいパスワード";
    let (status, _) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Once only.
    let (status, body) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": "もう一度別のパスワード"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("token"))
    );
    // The session from before the reset cannot be refreshed; the new password logs in.
    assert_eq!(
        old_session.post("/api/v1/auth/refresh", json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "taro@acme.example.jp", "password": new_password}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_reset_link_fails_and_requests_are_limited() {
    let app = spawn_app().await;
    let mut c = app.client();
    for _ in 0..5 {
        let (status, _) = c
            .post(
                "/api/v1/auth/forgot",
                json!({"email": "hanako@acme.example.jp"}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let mails = app.mails().await;
    assert_eq!(mails.len(), 3, "at most three reset mails an hour");
    let token = reset_token(&mails[0]);
    app.advance(SignedDuration::from_mins(61));
    let (status, body) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": "期限切れのあとのパスワード"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("token"))
    );
}

#[tokio::test]
async fn the_form_comes_from_the_configuration_and_every_wrong_field_is_named_at_once() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    let (status, form) = c.get("/api/v1/form").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["key"] == "mail-gateway")
    );
    let (status, body) = c
        .post(
            "/api/v1/tickets",
            json!({"subject": "", "body": "", "product": "mail-gateway", "ticket_type": "question",
                   "cc": "not-an-address", "fields": {"model": "no-such-model"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "subject",
        "body",
        "cc",
        "fields.contract_number",
        "fields.serial_number",
        "fields.model",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    c.lang = "en";
    let (_, body) = c
        .post(
            "/api/v1/tickets",
            json!({"subject": "", "body": "x", "product": "other", "ticket_type": "question"}),
        )
        .await;
    assert_eq!(body["errors"][0]["field"], "subject");
    assert!(
        body["errors"][0]["message"].as_str().unwrap().is_ascii(),
        "{body}"
    );
}

async fn upload(
    c: &Client,
    base: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let res = c
        .http
        .post(format!("{base}/api/v1/uploads"))
        .query(&[("name", name)])
        .header("x-csrf-token", c.csrf.clone().unwrap())
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or_default())
}

#[tokio::test]
async fn attachments_go_up_with_a_ticket_and_come_down_only_to_those_who_may_see_them() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let log = "2026-11-23 09:00 送信エラー 535 5.7.8\n"
        .repeat(1000)
        .into_bytes();
    let (status, up) = upload(&taro, &app.base, "障害ログ <script>.txt", log.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    assert!(!up["name"].as_str().unwrap().contains('<'), "{up}");
    let (status, spare) = upload(&taro, &app.base, "不要.txt", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    // Removed before sending.
    let res = taro
        .http
        .delete(format!(
            "{}/api/v1/uploads/{}",
            app.base,
            spare["id"].as_str().unwrap()
        ))
        .header("x-csrf-token", taro.csrf.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // An HTML file is stored so that it can never render in the portal.
    let (_, html) = upload(
        &taro,
        &app.base,
        "page.html",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(html["content_type"], "application/octet-stream");

    let (status, t) = taro
        .post(
            "/api/v1/tickets",
            json!({"subject": "ログを添付します", "body": "添付をご確認ください", "product": "other", "ticket_type": "trouble",
                   "attachments": [up["id"], html["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let number = t["ticket"]["number"].as_str().unwrap().to_owned();
    let files = t["articles"][0]["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2);
    let url = format!("{}{}", app.base, files[0]["url"].as_str().unwrap());
    let res = taro.http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().to_vec(), log, "byte for byte");
    // The same upload cannot be attached twice, nor by someone else.
    let (status, _) = taro
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "再送", "attachments": [up["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Another company's customer gets 404 for the file, like for the ticket.
    let jiro = app.login("jiro@globex.example.jp").await;
    assert_eq!(
        jiro.http.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // A file on an internal note is staff-only.
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (_, memo) = upload(&agent, &app.base, "社内メモ.txt", b"internal".to_vec()).await;
    let (status, t) = agent
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "メモ", "internal": true, "attachments": [memo["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let memo_url = format!(
        "{}{}",
        app.base,
        t["articles"][1]["attachments"][0]["url"].as_str().unwrap()
    );
    assert_eq!(
        agent.http.get(&memo_url).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        taro.http.get(&memo_url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (_, seen) = taro.get(&format!("/api/v1/tickets/{number}")).await;
    assert!(!seen.to_string().contains("社内メモ"));
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_keeps_nothing() {
    let app = spawn_app().await;
    let c = app.login("taro@acme.example.jp").await;
    let max = app.deps().config.limits.max_attachment_bytes;
    let (status, body) = upload(&c, &app.base, "big.bin", vec![0u8; max as usize + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "too_large");
    let kept: Vec<_> = walk(&app.data.path().join("attachments"));
    assert!(kept.iter().all(|(_, size)| *size < 1024), "{kept:?}");
}

fn walk(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push((p.clone(), e.metadata().map(|m| m.len()).unwrap_or(0)));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_repeated_list_shows_every_change_at_once_and_only_to_its_scope() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let mut hanako = app.login("hanako@acme.example.jp").await;
    let mut jiro = app.login("jiro@globex.example.jp").await;
    let list = "/api/v1/tickets?of=company&filter=all&limit=25";
    let first = taro.open("一覧キャッシュの確認", "最初の問い合わせ").await;
    // Asked twice (the second answer may come from the rendered-page cache): the same.
    let (_, a) = taro.get(list).await;
    let (_, b) = hanako.get(list).await;
    assert_eq!(a, b);
    assert_eq!(a["counts"]["all"], 1);
    // Another user of the company opens a ticket: both see it on the next request.
    let second = hanako.open("二件目の問い合わせ", "本文").await;
    let (_, a) = taro.get(list).await;
    assert_eq!(a["counts"]["all"], 2);
    assert_eq!(a["items"][0]["number"], second.as_str());
    // A change that moves no count (staff raise the priority) shows too.
    app.advance(SignedDuration::from_mins(1));
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (status, _) = agent
        .patch(
            &format!("/api/v1/tickets/{first}"),
            json!({"priority": "high"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, a) = taro.get(list).await;
    let row = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == first.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["priority"], "high");
    assert_eq!(
        a["items"][0]["number"],
        first.as_str(),
        "newest update first"
    );
    // The same query from another company never gets acme's page.
    let (_, other) = jiro.get(list).await;
    assert_eq!(other["counts"]["all"], 0);
    assert_eq!(other["items"], json!([]));
    // "Mine" is its own scope.
    let (_, mine) = taro.get("/api/v1/tickets?of=mine&limit=25").await;
    assert_eq!(mine["counts"]["all"], 1);
    let (_, staff) = agent.get("/api/v1/tickets?of=all&limit=25").await;
    assert_eq!(staff["counts"]["all"], 2);

    // Browsers take gzip: the same page, compressed; `q=0` refuses it.
    for i in 0..4 {
        hanako
            .open(
                &format!("圧縮の確認 {i}"),
                "一覧が一キロバイトを超えるように",
            )
            .await;
    }
    let (_, plain) = taro.get(list).await;
    assert!(plain.to_string().len() > 1024);
    let get = |encoding: &'static str| {
        taro.http
            .get(format!("{}{list}", taro.base))
            .header("accept-encoding", encoding)
            .send()
    };
    for _ in 0..2 {
        let res = get("br;q=1.0, gzip;q=0.8").await.unwrap();
        assert_eq!(res.headers()["content-encoding"], "gzip");
        assert_eq!(res.headers()["vary"], "accept-encoding");
        let gz = res.bytes().await.unwrap();
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json).unwrap();
        let unzipped: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(unzipped, plain);
    }
    let res = get("gzip;q=0, identity").await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, plain);
}

#[tokio::test]
async fn every_response_carries_its_own_request_id() {
    let app = spawn_app().await;
    let c = app.client();
    let mut ids = std::collections::HashSet::new();
    for path in ["/api/v1/me", "/api/v1/me", "/", "/api/v1/openapi.json"] {
        let res = c
            .http
            .get(format!("{}{path}", c.base))
            .send()
            .await
            .unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        let (prefix, n) = id.split_once('-').unwrap();
        assert!(
            prefix.len() == 8 && u64::from_str_radix(n, 16).is_ok(),
            "{id}"
        );
        assert!(ids.insert(id), "ids are unique");
    }
}

#[tokio::test]
async fn a_ticket_shows_its_sla_targets_in_business_time_and_the_staff_list_its_first_due_time() {
    let app = spawn_app().await;
    let mut c = app.login("taro@acme.example.jp").await;
    // Mon 2026-11-23 10:00 in Tokyo is 勤労感謝の日: the targets count from Tuesday 9:00.
    let number = c.open("SLA の確認", "本文").await;
    let (status, t) = c.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    let targets = &t["ticket"]["sla_targets"];
    assert_eq!(
        targets[0],
        json!({
            "target": "first_response", "target_minutes": 240,
            "near_at": "2026-11-24T03:12:00Z", "due_at": "2026-11-24T04:00:00Z",
            "met_at": null, "state": "ok", "breached": false, "business_minutes_left": 240
        })
    );
    assert_eq!(targets[1]["target"], "resolution");
    assert_eq!(targets.as_array().unwrap().len(), 2);

    // Staff see the first due time in their list; near and overdue are the client's to
    // decide from it.
    let mut staff = app.login("agent@netlink.example.jp").await;
    let (_, list) = staff.get("/api/v1/tickets?of=all").await;
    assert_eq!(
        list["items"][0]["sla_due"],
        json!({"target": "first_response", "near_at": "2026-11-24T03:12:00Z", "due_at": "2026-11-24T04:00:00Z"})
    );

    // Tuesday 12:30: near, with 30 business minutes left; a public reply meets it.
    app.advance(SignedDuration::from_mins(26 * 60 + 30));
    let (_, t) = c.get(&format!("/api/v1/tickets/{number}")).await;
    assert_eq!(t["ticket"]["sla_targets"][0]["state"], "near");
    assert_eq!(t["ticket"]["sla_targets"][0]["business_minutes_left"], 30);
    let (status, _) = staff
        .post(
            &format!("/api/v1/tickets/{number}/articles"),
            json!({"body": "確認します"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, t) = c.get(&format!("/api/v1/tickets/{number}")).await;
    let first = &t["ticket"]["sla_targets"][0];
    assert_eq!(
        (first["state"].as_str(), first["breached"].as_bool()),
        (Some("met"), Some(false))
    );
    assert_eq!(t["ticket"]["sla_targets"][1]["target"], "update");
}
