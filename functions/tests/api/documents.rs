//! Project documents over HTTP: customer-only pages limited to projects (`projects:` in
//! their front matter; the demo's two in `content/manuals/`), served and listed only to
//! staff and to the customers of those projects, everyone else getting the 404 of a
//! page that does not exist.

use madoguchi::app::projects::{self, ProjectInput};
use madoguchi::domain::access::CustomerRole;
use madoguchi::ports::store::UserRecord;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

const NETWORK: &str = "/members/manuals/sakura-network-design/";
const ARCHIVE: &str = "/members/manuals/sakura-archive-operations/";
const NETWORK_TITLE: &str = "社内ネットワーク構成図";

/// The content's project documents belong to projects `sakura-network` and
/// `sakura-archive`, here acme's; `noah` is an acme customer without a customer role.
async fn acme_projects(app: &TestApp) {
    let deps = app.deps();
    for (id, name) in [
        ("sakura-network", "社内ネットワーク案件"),
        ("sakura-archive", "文書アーカイブ案件"),
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
    }
    let taro = deps.store.get_user("taro").await.unwrap().unwrap();
    deps.store
        .create_user(UserRecord {
            id: "noah".into(),
            email: "noah@acme.example.jp".into(),
            customer_role: None,
            version: 1,
            ..taro
        })
        .await
        .unwrap();
}

/// Status and body of a members' page, as a browser would get it.
async fn page(c: &Client, path: &str) -> (StatusCode, Option<String>, String) {
    let (status, headers, body) = fetch(c, path).await;
    let kind = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, kind, String::from_utf8(body).unwrap())
}

/// The URLs of the caller's project documents.
async fn listed(c: &mut Client) -> Vec<String> {
    let (status, body) = c.get("/api/v1/documents").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["url"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts who reads what: each login's page answers and list, for both documents.
async fn check(app: &TestApp, cases: &[(&str, bool, bool)]) {
    let (missing_status, missing_type, missing_body) = {
        let c = app.login("admin@netlink.example.jp").await;
        page(&c, "/members/manuals/no-such-document/").await
    };
    assert_eq!(missing_status, StatusCode::NOT_FOUND);
    for (login, network, archive) in cases {
        let mut c = app.login(login).await;
        let list = listed(&mut c).await;
        for (path, allowed) in [(NETWORK, *network), (ARCHIVE, *archive)] {
            let (status, kind, body) = page(&c, path).await;
            if allowed {
                assert_eq!(status, StatusCode::OK, "{login} {path}");
                assert!(
                    list.contains(&path.to_owned()),
                    "{login} lists {path}: {list:?}"
                );
            } else {
                // Exactly the answer for a page that does not exist.
                assert_eq!(
                    (status, &kind, &body),
                    (missing_status, &missing_type, &missing_body),
                    "{login} {path}"
                );
                assert!(!list.contains(&path.to_owned()), "{login} lists {path}");
                // Nor through another spelling of the path.
                let folder = path.trim_end_matches('/');
                for other in [
                    folder.to_owned(),
                    format!("{folder}/index.html"),
                    format!("{}/", folder.replace("manuals/", "manuals%2F")),
                    format!("{}/", folder.replace("-", "%2D")),
                    path.replace("/members/", "/members//"),
                ] {
                    let (status, _, body) = page(&c, &other).await;
                    assert_eq!(status, StatusCode::NOT_FOUND, "{login} {other}");
                    assert!(!body.contains(NETWORK_TITLE), "{login} {other}");
                }
            }
        }
        assert_eq!(
            list.len(),
            [*network, *archive].iter().filter(|x| **x).count(),
            "{login}: {list:?}"
        );
    }
}

#[tokio::test]
async fn project_documents_are_read_and_listed_only_by_staff_and_the_customers_of_their_projects() {
    let app = spawn_app().await;
    acme_projects(&app).await;

    // acme does not use groups: every acme customer with a role reads both.
    check(
        &app,
        &[
            ("admin@netlink.example.jp", true, true),
            ("agent@netlink.example.jp", true, true),
            ("taro@acme.example.jp", true, true),
            ("hanako@acme.example.jp", true, true),
            ("jiro@globex.example.jp", false, false),
        ],
    )
    .await;

    // acme uses groups: taro is in the network project's group, hanako in the archive's.
    let deps = app.deps();
    projects::set_user_access(
        deps,
        "taro@acme.example.jp",
        Some(CustomerRole::UserAdmin),
        Some("sakura-network"),
    )
    .await
    .unwrap();
    projects::set_user_access(
        deps,
        "hanako@acme.example.jp",
        Some(CustomerRole::InquiryMember),
        Some("sakura-archive"),
    )
    .await
    .unwrap();
    projects::set_company_groups(deps, "acme", true)
        .await
        .unwrap();
    check(
        &app,
        &[
            ("admin@netlink.example.jp", true, true),
            ("taro@acme.example.jp", true, false),
            ("hanako@acme.example.jp", false, true),
            ("jiro@globex.example.jp", false, false),
        ],
    )
    .await;

    // A customer without a customer role gets no session for the members' pages at all.
    let mut noah = app.login("noah@acme.example.jp").await;
    let (status, _, body) = page(&noah, NETWORK).await;
    assert!(status.is_redirection(), "{status}");
    assert!(!body.contains(NETWORK_TITLE));
    let (status, _) = noah.get("/api/v1/documents").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_documents_list_names_the_projects_and_speaks_the_callers_language() {
    let app = spawn_app().await;
    acme_projects(&app).await;
    let mut taro = app.login("taro@acme.example.jp").await;
    let (status, body) = taro.get("/api/v1/documents").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    let network = items
        .iter()
        .find(|d| d["url"] == NETWORK)
        .unwrap_or_else(|| panic!("{body}"));
    assert!(network["title"].as_str().unwrap().contains(NETWORK_TITLE));
    assert_eq!(network["lang"], "ja");
    assert_eq!(network["section"], "manuals");
    assert_eq!(network["updated"], "2026-11-15T15:00:00Z");
    assert_eq!(
        network["projects"],
        serde_json::json!([{"id": "sakura-network", "name": "社内ネットワーク案件"}])
    );
    // Newest first: the network design (11-16) before the archive guide (11-02).
    assert_eq!(items[0]["url"], NETWORK);

    taro.lang = "en";
    let (_, body) = taro.get("/api/v1/documents").await;
    let urls: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "/members/en/manuals/sakura-network-design/",
            "/members/en/manuals/sakura-archive-operations/"
        ]
    );
    let (status, _, html) = page(&taro, "/members/en/manuals/sakura-network-design/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("office network"), "{html}");
}

#[tokio::test]
async fn the_manifest_is_never_served_and_the_members_home_lists_no_project_document() {
    let app = spawn_app().await;
    acme_projects(&app).await;
    let admin = app.login("admin@netlink.example.jp").await;
    for path in [
        "/members/_documents.json",
        "/members//_documents.json",
        "/members/%5Fdocuments.json",
        "/members/./_documents.json",
    ] {
        let (status, _, body) = page(&admin, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("sakura-network"), "{path}");
    }
    let taro = app.login("taro@acme.example.jp").await;
    let (status, _, home) = page(&taro, "/members/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home.contains("sakura-network-design"), "{home}");
    // Nor the members' search index.
    let (_, _, meta) = page(&taro, "/members/search/meta.json").await;
    assert!(!meta.contains(NETWORK_TITLE));
    let _: Value = serde_json::from_str(&meta).unwrap_or(Value::Null);
}
