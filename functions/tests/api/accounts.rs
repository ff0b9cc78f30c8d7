//! Accounts managed by the customer's own admins (seed 004): within their company and
//! their role, with an invitation mail whose link sets the password once.

use madoguchi::app::projects;
use madoguchi::domain::access::CustomerRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::reset_token;

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn set_role(app: &TestApp, email: &str, role: CustomerRole) {
    projects::set_user_access(app.deps(), email, Some(role), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_inquiry_admin_invites_a_colleague_within_their_role_and_never_above_it() {
    let app = spawn_app().await;
    set_role(&app, "hanako@acme.example.jp", CustomerRole::InquiryAdmin).await;
    let mut hanako = app.login("hanako@acme.example.jp").await;

    let (status, list) = hanako.get("/api/v1/company/users").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let emails: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["hanako@acme.example.jp", "taro@acme.example.jp"]);
    assert_eq!(
        list["grantable"],
        json!(["inquiry_admin", "inquiry_member"])
    );

    // Every wrong field at once, in Japanese.
    let (status, problem) = hanako
        .post(
            "/api/v1/company/users",
            json!({"email": "not-an-address", "name": " ", "customer_role": "owner"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&problem), ["email", "name", "customer_role"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("メールアドレス"),
        "{problem}"
    );
    // Above her own role: refused, nothing written.
    for role in ["user_admin", "contract_manager"] {
        let (status, _) = hanako
            .post(
                "/api/v1/company/users",
                json!({"email": "saburo@acme.example.jp", "name": "田中 三郎", "customer_role": role}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    assert!(
        app.deps()
            .store
            .user_by_email("saburo@acme.example.jp")
            .await
            .unwrap()
            .is_none()
    );
    let (status, _) = hanako
        .post(
            "/api/v1/company/users",
            json!({"email": "TARO@acme.example.jp", "name": "山田 太郎", "customer_role": "inquiry_member"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a taken e-mail");

    let (status, added) = hanako
        .post(
            "/api/v1/company/users",
            json!({"email": "saburo@acme.example.jp", "name": "田中 三郎", "customer_role": "inquiry_member", "lang": "en"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        (added["status"].as_str(), added["customer_role"].as_str()),
        (Some("invited"), Some("inquiry_member"))
    );
    let saburo_id = added["id"].as_str().unwrap().to_owned();

    // The invitation, in the new account's language, sets the password once.
    let mails = app.mails().await;
    let mail = mails
        .iter()
        .find(|m| m.to == ["saburo@acme.example.jp"])
        .expect("an invitation");
    assert!(mail.subject.contains("account"), "{}", mail.subject);
    let token = reset_token(mail);
    let mut c = app.client();
    let password = "招待で決めた新しいパスワード";
    let (status, _) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": password}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": "二度目は使えないパスワード"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the link works once");
    let (status, me) = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "saburo@acme.example.jp", "password": password}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["customer_role"], "inquiry_member");
    assert_eq!(me["company"]["id"], "acme");

    // Escalation attempts: a role above hers, her own role, an account above hers.
    let saburo = format!("/api/v1/company/users/{saburo_id}");
    assert_eq!(
        hanako
            .patch(&saburo, json!({"customer_role": "contract_manager"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        hanako
            .patch(
                "/api/v1/company/users/hanako",
                json!({"customer_role": "user_admin"})
            )
            .await
            .0,
        StatusCode::FORBIDDEN,
        "nobody changes their own role"
    );
    assert_eq!(
        hanako
            .patch("/api/v1/company/users/hanako", json!({"disabled": true}))
            .await
            .0,
        StatusCode::FORBIDDEN,
        "nor disables themselves"
    );
    assert_eq!(
        hanako
            .patch("/api/v1/company/users/taro", json!({"disabled": true}))
            .await
            .0,
        StatusCode::FORBIDDEN,
        "a user admin is above an inquiry admin"
    );
    let (status, me) = hanako
        .patch(
            "/api/v1/company/users/hanako",
            json!({"name": "佐藤 はな子"}),
        )
        .await;
    assert_eq!(
        (status, me["name"].as_str()),
        (StatusCode::OK, Some("佐藤 はな子"))
    );

    // Within her role: rename, promote to her own role, disable (which ends his sessions).
    let (status, u) = hanako
        .patch(
            &saburo,
            json!({"name": "田中 三郎太", "customer_role": "inquiry_admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{u}");
    assert_eq!(u["customer_role"], "inquiry_admin");
    let mut saburo_session = app.login_with("saburo@acme.example.jp", password).await;
    let (status, u) = hanako.patch(&saburo, json!({"disabled": true})).await;
    assert_eq!(
        (status, u["status"].as_str()),
        (StatusCode::OK, Some("disabled"))
    );
    assert_eq!(
        saburo_session
            .post("/api/v1/auth/refresh", json!({}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .client()
        .post(
            "/api/v1/auth/login",
            json!({"email": "saburo@acme.example.jp", "password": password}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, u) = hanako.patch(&saburo, json!({"disabled": false})).await;
    assert_eq!(
        (status, u["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );

    // Another company's admin: 404 for every account of acme, and sees only globex.
    let mut jiro = app.login("jiro@globex.example.jp").await;
    assert_eq!(
        jiro.patch(&saburo, json!({"name": "x"})).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = jiro.get("/api/v1/company/users").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["email"].as_str().unwrap().ends_with("globex.example.jp"))
    );
    // Roles that manage no accounts, and staff, have no company account list.
    set_role(
        &app,
        "emma@globex.example.jp",
        CustomerRole::ContractManager,
    )
    .await;
    let mut emma = app.login("emma@globex.example.jp").await;
    assert_eq!(
        emma.get("/api/v1/company/users").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        emma.post(
            "/api/v1/company/users",
            json!({"email": "x@globex.example.jp", "name": "x", "customer_role": "inquiry_member"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let mut agent = app.login("agent@netlink.example.jp").await;
    assert_eq!(
        agent.get("/api/v1/company/users").await.0,
        StatusCode::FORBIDDEN
    );
}
