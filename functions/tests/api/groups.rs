//! Customer roles and project groups over HTTP: what a customer of a company that uses
//! groups sees, files and is offered, and that staff changes apply at the next refresh.

use madoguchi::app::contracts::{self, ContractInput};
use madoguchi::app::projects::{self, ProjectInput};
use madoguchi::domain::access::CustomerRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// acme uses groups: projects acme-net (contract NL-NET, taro's group) and acme-web
/// (contract NL-WEB, hanako's group); taro is a user admin, hanako an inquiry member.
async fn acme_with_groups(app: &TestApp) {
    let deps = app.deps();
    for (id, name, contract) in [
        ("acme-net", "社内ネットワーク案件", "NL-NET"),
        ("acme-web", "Web サービス案件", "NL-WEB"),
    ] {
        projects::add_project(
            deps,
            &ProjectInput {
                id: id.into(),
                company: "acme".into(),
                name: name.into(),
                group_name: String::new(),
            },
        )
        .await
        .unwrap();
        contracts::add_contract(
            deps,
            &ContractInput {
                number: contract.into(),
                company: "acme".into(),
                product: "NL Archive".into(),
                model: "AR-2TB".into(),
                serial_number: format!("SN-{contract}"),
                starts_on: "2026-04-01".into(),
                ends_on: "2027-03-31".into(),
                service_type: "ソフトウェア保守".into(),
                maintenance_emails: "it@acme.example.jp".into(),
                projects: String::new(),
            },
        )
        .await
        .unwrap();
        projects::link_contract(deps, contract, id).await.unwrap();
    }
    projects::set_user_access(
        deps,
        "taro@acme.example.jp",
        Some(CustomerRole::UserAdmin),
        Some("acme-net"),
    )
    .await
    .unwrap();
    projects::set_user_access(
        deps,
        "hanako@acme.example.jp",
        Some(CustomerRole::InquiryMember),
        Some("acme-web"),
    )
    .await
    .unwrap();
    projects::set_company_groups(deps, "acme", true)
        .await
        .unwrap();
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

fn numbers(list: &Value) -> Vec<String> {
    ids(&list["items"], "number")
}

fn archive_ticket(subject: &str, contract: &str) -> Value {
    json!({"subject": subject, "body": "本文", "product": "archive", "ticket_type": "trouble",
           "fields": {"contract_number": contract, "tenant_id": "unknown"}})
}

#[tokio::test]
async fn a_company_that_uses_groups_shows_each_account_only_its_groups_projects_and_its_own_tickets()
 {
    let app = spawn_app().await;
    acme_with_groups(&app).await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let mut hanako = app.login("hanako@acme.example.jp").await;

    // The form offers each their groups' projects; contracts only to roles that see them.
    let (_, form) = taro.get("/api/v1/form").await;
    assert_eq!(ids(&form["projects"], "id"), ["acme-net"]);
    assert_eq!(ids(&form["contracts"], "number"), ["NL-NET"]);
    assert_eq!(form["contracts"][0]["expired"], false);
    let (_, form) = hanako.get("/api/v1/form").await;
    assert_eq!(ids(&form["projects"], "id"), ["acme-web"]);
    assert_eq!(
        form["contracts"],
        json!([]),
        "an inquiry member sees no contracts"
    );

    // The project comes from the contract number, or from the form.
    let (status, net) = taro
        .post("/api/v1/tickets", archive_ticket("NET の障害", "NL-NET"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{net}");
    assert_eq!(net["ticket"]["project"], "acme-net");
    let mut web = archive_ticket("WEB の障害", "unknown");
    web["project"] = json!("acme-web");
    let (status, web) = hanako.post("/api/v1/tickets", web).await;
    assert_eq!(status, StatusCode::CREATED, "{web}");
    assert_eq!(web["ticket"]["project"], "acme-web");
    // Outside one's groups a project cannot be chosen; a contract outside them files the
    // ticket under no project (it stays the requester's own).
    let mut outside = archive_ticket("他の案件", "unknown");
    outside["project"] = json!("acme-net");
    let (status, problem) = hanako.post("/api/v1/tickets", outside).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["field"], "project");
    let (status, own) = hanako
        .post(
            "/api/v1/tickets",
            archive_ticket("契約だけ他の案件", "NL-NET"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(own["ticket"]["project"], Value::Null);

    let net = net["ticket"]["number"].as_str().unwrap().to_owned();
    let web = web["ticket"]["number"].as_str().unwrap().to_owned();
    let own = own["ticket"]["number"].as_str().unwrap().to_owned();
    // Company lists and counts follow the groups (and are not served from another's cache).
    for _ in 0..2 {
        let (_, list) = taro.get("/api/v1/tickets?of=company").await;
        assert_eq!(numbers(&list), [net.as_str()]);
        assert_eq!(list["counts"]["all"], 1);
        let (_, list) = hanako.get("/api/v1/tickets?of=company").await;
        assert_eq!(numbers(&list), [own.clone(), web.clone()]);
        assert_eq!(list["counts"]["open"], 2);
    }
    let (_, search) = hanako.get("/api/v1/tickets?of=company&q=障害").await;
    assert_eq!(numbers(&search), [web.as_str()]);
    // Every verb on a ticket outside one's groups is 404, as for another company's.
    for (who, number) in [(&mut taro, &web), (&mut hanako, &net)] {
        let path = format!("/api/v1/tickets/{number}");
        assert_eq!(who.get(&path).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            who.post(&format!("{path}/articles"), json!({"body": "x"}))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            who.patch(&path, json!({"state": "closed"})).await.0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        taro.get(&format!("/api/v1/tickets/{own}")).await.0,
        StatusCode::NOT_FOUND,
        "a ticket under no project is its requester's alone"
    );
    // Staff see everything.
    let mut agent = app.login("agent@netlink.example.jp").await;
    let (_, all) = agent.get("/api/v1/tickets?of=all").await;
    assert_eq!(all["counts"]["all"], 3);

    // Staff switch groups off: at their next refresh both see the whole company.
    projects::set_company_groups(app.deps(), "acme", false)
        .await
        .unwrap();
    app.advance(jiff::SignedDuration::from_mins(11));
    let (_, list) = taro.get("/api/v1/tickets?of=company").await;
    assert_eq!(list["counts"]["all"], 3);
    assert_eq!(
        taro.get(&format!("/api/v1/tickets/{web}")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_contract_manager_is_offered_the_companys_contracts_and_others_none() {
    let app = spawn_app().await;
    acme_with_groups(&app).await;
    projects::set_company_groups(app.deps(), "acme", false)
        .await
        .unwrap();
    projects::set_user_access(
        app.deps(),
        "hanako@acme.example.jp",
        Some(CustomerRole::ContractManager),
        None,
    )
    .await
    .unwrap();
    let mut hanako = app.login("hanako@acme.example.jp").await;
    let (_, form) = hanako.get("/api/v1/form").await;
    assert_eq!(ids(&form["contracts"], "number"), ["NL-NET", "NL-WEB"]);
    assert_eq!(ids(&form["projects"], "id"), ["acme-net", "acme-web"]);
    let mut jiro = app.login("jiro@globex.example.jp").await;
    let (_, form) = jiro.get("/api/v1/form").await;
    assert_eq!(form["contracts"], json!([]), "another company's contracts");
    assert_eq!(form["projects"], json!([]));
    // A project of another company cannot be chosen.
    let mut t = archive_ticket("他社の案件", "unknown");
    t["project"] = json!("acme-net");
    let (status, problem) = jiro.post("/api/v1/tickets", t).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["field"], "project");
}

#[tokio::test]
async fn admin_staff_define_projects_and_groups_over_the_api_and_nobody_else_does() {
    let app = spawn_app().await;
    let mut admin = app.login("admin@netlink.example.jp").await;
    let (status, p) = admin
        .post(
            "/api/v1/companies/acme/projects",
            json!({"id": "acme-net", "name": "社内ネットワーク案件"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["group_name"], "社内ネットワーク案件グループ");
    let (status, problem) = admin
        .post(
            "/api/v1/companies/acme/projects",
            json!({"id": "Acme Net", "name": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["field"], "id");
    let (_, list) = admin.get("/api/v1/companies/acme/projects").await;
    assert_eq!(ids(&list["items"], "id"), ["acme-net"]);
    let (status, access) = admin
        .patch(
            "/api/v1/users/taro/access",
            json!({"customer_role": "inquiry_member", "groups": ["acme-net"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{access}");
    assert_eq!(access["groups"], json!(["acme-net"]));
    let (status, _) = admin
        .patch("/api/v1/users/taro/access", json!({"groups": ["globex-x"]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another company's project");
    let (status, _) = admin
        .patch(
            "/api/v1/users/agent/access",
            json!({"customer_role": "user_admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "staff have no customer role");
    let (status, c) = admin
        .patch("/api/v1/companies/acme", json!({"uses_groups": true}))
        .await;
    assert_eq!(
        (status, c["uses_groups"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert_eq!(
        admin
            .patch("/api/v1/companies/nobody", json!({"uses_groups": true}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let mut taro = app.login("taro@acme.example.jp").await;
    let (_, me) = taro.get("/api/v1/me").await;
    assert_eq!(me["customer_role"], "inquiry_member");
    let (_, form) = taro.get("/api/v1/form").await;
    assert_eq!(ids(&form["projects"], "id"), ["acme-net"]);
    // Customers and agents manage none of it, not even their own access.
    let mut agent = app.login("agent@netlink.example.jp").await;
    for who in [&mut taro, &mut agent] {
        assert_eq!(
            who.post(
                "/api/v1/companies/acme/projects",
                json!({"id": "acme-web", "name": "x"})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            who.patch("/api/v1/companies/acme", json!({"uses_groups": false}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            who.patch(
                "/api/v1/users/taro/access",
                json!({"customer_role": "user_admin"})
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_customer_token_from_before_roles_asks_for_a_refresh_which_brings_the_role() {
    let app = spawn_app().await;
    let mut taro = app.login("taro@acme.example.jp").await;
    // A token as the server issued them before roles: the same key, no role claim.
    let keys = madoguchi::local::signing_keys(app.data.path()).unwrap();
    let tokens = madoguchi::app::auth::Tokens::new(keys, "madoguchi", "portal", 600);
    let old = madoguchi::domain::access::Actor {
        customer_role: None,
        ..madoguchi::domain::access::Actor::new(
            "taro",
            madoguchi::domain::access::Role::Customer,
            Some("acme".into()),
        )
    };
    let token = tokens
        .issue(&old, ("s-old", "csrf-old"), t0().as_second())
        .unwrap();
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/tickets", app.base))
        .header("cookie", format!("mg_access={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "token_expired");
    // The portal's client refreshes on that answer and goes on with the role.
    let (status, _) = taro.get("/api/v1/tickets?of=company").await;
    assert_eq!(status, StatusCode::OK);
}
