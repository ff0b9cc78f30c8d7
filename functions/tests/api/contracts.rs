//! Contracts over HTTP: admins add and change them, customers read what their role and
//! groups let them, and everybody else gets 403 (managing) or 404 (another's contract).

use madoguchi::app::projects::{self, ProjectInput};
use madoguchi::domain::access::CustomerRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn contract(number: &str, company: &str, ends_on: &str) -> Value {
    json!({"number": number, "company": company, "product": "Juniper", "model": "SSG-5-SH-BT",
           "serial_number": "S-0001", "starts_on": "2025/06/01", "ends_on": ends_on,
           "service_type": "平日9:00~17:00オンサイト保守", "maintenance_emails": ["net@acme.example.jp"]})
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_add_and_change_contracts_and_customers_see_theirs_with_expired_ones_marked() {
    let app = spawn_app().await;
    projects::add_project(
        app.deps(),
        &ProjectInput {
            id: "acme-net".into(),
            company: "acme".into(),
            name: "社内ネットワーク案件".into(),
            group_name: String::new(),
        },
    )
    .await
    .unwrap();
    let mut admin = app.login("admin@netlink.example.jp").await;

    // Every wrong field at once, in the caller's language.
    let (status, problem) = admin
        .post(
            "/api/v1/contracts",
            json!({"number": "", "company": "nobody", "product": "", "starts_on": "2026-02-30",
                   "ends_on": "tomorrow", "maintenance_emails": ["not-an-address"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        fields(&problem),
        [
            "number",
            "company",
            "product",
            "starts_on",
            "ends_on",
            "maintenance_emails"
        ]
    );
    let (status, c) = admin
        .post("/api/v1/contracts", contract("SD-1", "acme", "2027/05/31"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        (c["expired"].as_bool(), c["ends_on"].as_str()),
        (Some(false), Some("2027-05-31"))
    );
    assert_eq!(c["maintenance_emails"], json!(["net@acme.example.jp"]));
    let (status, c) = admin
        .post("/api/v1/contracts", contract("SD-0", "acme", "2026/05/31"))
        .await;
    assert_eq!(
        (status, c["expired"].as_bool()),
        (StatusCode::CREATED, Some(true))
    );
    let (status, problem) = admin
        .post("/api/v1/contracts", contract("SD-1", "acme", "2027/05/31"))
        .await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::BAD_REQUEST, vec!["number".to_owned()])
    );
    admin
        .post(
            "/api/v1/contracts",
            contract("GX-1", "globex", "2027/05/31"),
        )
        .await;

    // Linking to projects: only the company's own.
    let (status, problem) = admin
        .patch("/api/v1/contracts/SD-1", json!({"projects": ["globex-x"]}))
        .await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::BAD_REQUEST, vec!["projects".to_owned()])
    );
    let (status, c) = admin
        .patch(
            "/api/v1/contracts/SD-1",
            json!({"projects": ["acme-net"], "serial_number": "S-0002"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        (c["projects"].clone(), c["serial_number"].clone()),
        (json!(["acme-net"]), json!("S-0002"))
    );
    let (status, problem) = admin
        .patch("/api/v1/contracts/SD-1", json!({"ends_on": "2020-01-01"}))
        .await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::BAD_REQUEST, vec!["ends_on".to_owned()])
    );
    assert_eq!(
        admin.patch("/api/v1/contracts/NOPE", json!({})).await.0,
        StatusCode::NOT_FOUND
    );

    // Agents read every contract but manage none.
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (_, list) = agent.get("/api/v1/contracts?company=acme").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        agent
            .post("/api/v1/contracts", contract("SD-9", "acme", "2027/05/31"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        agent
            .patch("/api/v1/contracts/SD-1", json!({"model": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // A user admin sees the company's contracts, expired ones marked, without the
    // maintenance addresses; another company's is 404; managing is 403.
    let mut taro = app.login("taro@acme.example.jp").await;
    let (_, list) = taro.get("/api/v1/contracts").await;
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["SD-0", "SD-1"]);
    assert_eq!(list["items"][0]["expired"], true);
    assert_eq!(list["items"][1]["maintenance_emails"], json!([]));
    let (_, me) = taro.get("/api/v1/me").await;
    assert_eq!(
        (
            me["customer_role"].as_str(),
            me["can_see_contracts"].as_bool()
        ),
        (Some("user_admin"), Some(true))
    );
    assert_eq!(taro.get("/api/v1/contracts/SD-1").await.0, StatusCode::OK);
    assert_eq!(
        taro.get("/api/v1/contracts/GX-1").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        taro.get("/api/v1/contracts?company=globex").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "a customer's company filter is ignored: still their own"
    );
    assert_eq!(
        taro.post("/api/v1/contracts", contract("SD-9", "acme", "2027/05/31"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        taro.patch("/api/v1/contracts/SD-1", json!({"projects": []}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let mut jiro = app.login("jiro@globex.example.jp").await;
    assert_eq!(
        jiro.patch("/api/v1/contracts/SD-1", json!({"projects": []}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // An inquiry member sees none; in a company that uses groups, a contract manager
    // sees only the contracts of their groups' projects.
    projects::set_user_access(
        app.deps(),
        "hanako@acme.example.jp",
        Some(CustomerRole::InquiryMember),
        None,
    )
    .await
    .unwrap();
    let mut hanako = app.login("hanako@acme.example.jp").await;
    assert_eq!(hanako.get("/api/v1/contracts").await.1["items"], json!([]));
    assert_eq!(
        hanako.get("/api/v1/contracts/SD-1").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, me) = hanako.get("/api/v1/me").await;
    assert_eq!(me["can_see_contracts"], false);
    projects::set_user_access(
        app.deps(),
        "hanako@acme.example.jp",
        Some(CustomerRole::ContractManager),
        Some("acme-net"),
    )
    .await
    .unwrap();
    projects::set_company_groups(app.deps(), "acme", true)
        .await
        .unwrap();
    let mut hanako = app.login("hanako@acme.example.jp").await;
    let (_, list) = hanako.get("/api/v1/contracts").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["number"], "SD-1");
    assert_eq!(
        hanako.get("/api/v1/contracts/SD-0").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_customer_edits_their_profile_with_the_registration_rules() {
    let app = spawn_app().await;
    let mut admin = app.login("admin@netlink.example.jp").await;
    let mut c = contract("NL-2026-7001", "acme", "2099/12/31");
    c["maintenance_emails"] = json!(["net@tokyo.example.jp"]);
    let (status, body) = admin.post("/api/v1/contracts", c).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut taro = app.login("taro@acme.example.jp").await;
    // Each refusal names its field; nothing is changed by a refused request.
    for (profile, field, code) in [
        (json!({"name": " "}), "name", "required"),
        (
            json!({"mail_address": "taro@gmail.example.com"}),
            "mail_address",
            "domain_mismatch",
        ),
        (
            json!({"mail_address": "net@osaka.example.jp"}),
            "mail_address",
            "subdomain_mismatch",
        ),
        (
            json!({"mail_address": "not an address"}),
            "mail_address",
            "invalid_email",
        ),
    ] {
        let (status, body) = taro.patch("/api/v1/me/profile", profile.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{profile}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    // The maintenance e-mail's registrable domain (a sub-domain on one side only).
    let (status, me) = taro
        .patch(
            "/api/v1/me/profile",
            json!({"name": "山田 太郎(情報システム部)", "mail_address": "it-list@example.jp"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["name"], "山田 太郎(情報システム部)");
    assert_eq!(me["email"], "taro@acme.example.jp", "the user ID stays");
    assert_eq!(me["mail_address"], "it-list@example.jp");
    // Mails now go there.
    taro.open("回線が不安定です", "午後に切れます").await;
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains(&"it-list@example.jp".to_owned())),
        "the thank-you mail goes to the new address"
    );
    // Empty: back to the user ID.
    let (_, me) = taro
        .patch("/api/v1/me/profile", json!({"mail_address": ""}))
        .await;
    assert_eq!(me["mail_address"], "taro@acme.example.jp");
    // Staff change their name only.
    let (status, body) = admin
        .patch(
            "/api/v1/me/profile",
            json!({"mail_address": "x@netlink.example.jp"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "mail_address");
}
