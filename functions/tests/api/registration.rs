//! Self-registration against a contract (seed 002) and the forgotten user ID, over HTTP:
//! every rule with its error, the confirmation link from the mail, its expiry and reuse,
//! the throttled re-sending, and answers that never tell whether an address has an
//! account.

use jiff::SignedDuration;
use madoguchi::app::contracts::{ContractInput, add_contract};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const GOOD_PASSWORD: &str = "雲の上の空は青い2026";

/// A contract of 株式会社アクメ (`acme`) listing one address at the company's domain and
/// one at its Osaka sub-domain.
async fn spawn_with_contract() -> TestApp {
    let app = spawn_app().await;
    add_contract(
        app.deps(),
        &ContractInput {
            number: "NL-2026-0001".into(),
            company: "acme".into(),
            product: "NL Mail Gateway".into(),
            model: "MG-5000".into(),
            serial_number: "MG5K-0001".into(),
            starts_on: "2026-04-01".into(),
            ends_on: "2027-03-31".into(),
            service_type: "平日9:00〜17:30 オンサイト保守".into(),
            maintenance_emails: "hosyu@acme.co.jp, net@osaka.acme.co.jp".into(),
            projects: String::new(),
        },
    )
    .await
    .unwrap();
    app
}

fn form(user_id: &str, email: &str) -> Value {
    json!({
        "company_name": "株式会社アクメ",
        "name": "鈴木 一郎",
        "user_id": user_id,
        "password": GOOD_PASSWORD,
        "password_confirmation": GOOD_PASSWORD,
        "email": email,
        "maintenance_email": "hosyu@acme.co.jp",
        "contract_number": "NL-2026-0001",
        "consent": true,
    })
}

fn with(mut form: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        form[k] = v.clone();
    }
    form
}

/// (field, code) of every error of a problem.
fn errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The token of the link to `path` in a mail body.
fn token_in(body: &str, path: &str) -> String {
    let at = body
        .find(&format!("{path}?token="))
        .unwrap_or_else(|| panic!("no {path} link in {body}"));
    body[at..]
        .split("token=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

fn mails_to<'a>(mails: &'a [Mail], to: &str) -> Vec<&'a Mail> {
    mails.iter().filter(|m| m.to == [to]).collect()
}

#[tokio::test]
async fn a_registration_is_confirmed_by_the_mailed_link_once_and_the_account_files_tickets() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    let (status, body) = c
        .post(
            "/api/v1/register",
            form("ichiro.suzuki", "ichiro@acme.co.jp"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // Provisional: the password does not log in yet.
    let (status, _) = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ichiro.suzuki", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let mails = app.mails().await;
    let confirm = mails_to(&mails, "ichiro@acme.co.jp");
    assert_eq!(confirm.len(), 1, "{mails:?}");
    assert!(
        confirm[0].subject.contains("仮登録"),
        "{}",
        confirm[0].subject
    );
    assert!(confirm[0].body.contains("ユーザーID: ichiro.suzuki"));
    assert!(confirm[0].body.contains("NL-2026-0001"));
    assert!(!confirm[0].body.contains(GOOD_PASSWORD));
    let token = token_in(&confirm[0].body, "/portal/register/");

    // A registration's link sets no password (and so opens nothing) on the reset page.
    let (status, _) = c
        .post(
            "/api/v1/auth/reset",
            json!({"token": token, "password": "まったく別の長いパスワード"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = c
        .post("/api/v1/register/confirm", json!({"token": token}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_id"], "ichiro.suzuki");

    // The link works once.
    let (status, body) = c
        .post("/api/v1/register/confirm", json!({"token": token}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors(&body),
        [("token".to_owned(), "invalid_token".to_owned())]
    );

    let mails = app.mails().await;
    let done = mails_to(&mails, "ichiro@acme.co.jp");
    assert_eq!(done.len(), 2, "{mails:?}");
    assert!(
        done.iter().any(|m| m.subject.contains("本登録完了")),
        "{done:?}"
    );

    // The account is in the contract's company, with the least privileged role.
    let mut me = app.login_with("ichiro.suzuki", GOOD_PASSWORD).await;
    let (status, body) = me.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["company"]["id"], "acme");
    assert_eq!(body["customer_role"], "inquiry_member");
    let number = me.open("登録後の最初の問い合わせ", "本文").await;
    // Mails about it go to the registered address, not the user ID.
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains(&number) && m.to == ["ichiro@acme.co.jp"]),
        "{mails:?}"
    );
}

/// What is wrong, the change to the good form, and the (field, code) errors expected.
type Case = (&'static str, Value, Vec<(&'static str, &'static str)>);

#[tokio::test]
async fn every_registration_rule_is_named_on_its_field_and_nothing_is_written() {
    let app = spawn_with_contract().await;
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("the e-mail in another domain",
         json!({"email": "ichiro@gmail.com"}), vec![("email", "domain_mismatch")]),
        ("both sub-domains, and different",
         json!({"email": "ichiro@tokyo.acme.co.jp", "maintenance_email": "net@osaka.acme.co.jp"}),
         vec![("email", "subdomain_mismatch")]),
        ("an unknown contract",
         json!({"contract_number": "NL-2026-9999"}), vec![("contract_number", "contract_not_matched")]),
        ("a maintenance e-mail the contract does not list",
         json!({"maintenance_email": "somebody@acme.co.jp"}), vec![("contract_number", "contract_not_matched")]),
        ("a password shorter than the policy's 12",
         json!({"password": "Kumo9Sora", "password_confirmation": "Kumo9Sora"}), vec![("password", "too_short")]),
        ("a common password",
         json!({"password": "password1234", "password_confirmation": "password1234"}), vec![("password", "too_common")]),
        ("the user ID as password",
         json!({"user_id": "ichiro-suzuki-2026", "password": "ichiro-suzuki-2026", "password_confirmation": "ichiro-suzuki-2026"}),
         vec![("password", "too_common")]),
        ("a confirmation that differs",
         json!({"password_confirmation": "雲の上の空は青い2027"}), vec![("password_confirmation", "not_confirmed")]),
        ("a two-character user ID and no consent",
         json!({"user_id": "ab", "consent": false}), vec![("user_id", "too_short"), ("consent", "required")]),
        ("a user ID taken (in any case)",
         json!({"user_id": "TARO@acme.example.jp"}), vec![("user_id", "taken")]),
        ("an empty form",
         json!({"company_name": "", "name": "", "user_id": "", "password": "", "password_confirmation": "",
                "email": "", "maintenance_email": "", "contract_number": "", "consent": false}),
         vec![("company_name", "required"), ("name", "required"), ("user_id", "required"),
              ("password", "required"), ("password_confirmation", "required"), ("email", "required"),
              ("maintenance_email", "required"), ("contract_number", "required"), ("consent", "required")]),
    ];
    let mut c = app.client();
    for (what, change, want) in cases {
        let (status, body) = c
            .post(
                "/api/v1/register",
                with(form("ichiro.suzuki", "ichiro@acme.co.jp"), change),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(errors(&body), want, "{what}: {body}");
        for e in body["errors"].as_array().unwrap() {
            assert!(
                !e["message"].as_str().unwrap_or("").is_empty(),
                "{what}: {e}"
            );
        }
    }
    assert!(app.mails().await.is_empty(), "a refused form mails nothing");
    assert!(
        app.deps()
            .store
            .user_by_email("ichiro.suzuki")
            .await
            .unwrap()
            .is_none()
    );

    // The messages speak the request's language and name the field.
    let mut en = app.client();
    en.lang = "en";
    let (_, body) = en
        .post(
            "/api/v1/register",
            with(
                form("ichiro.suzuki", "ichiro@tokyo.acme.co.jp"),
                json!({"maintenance_email": "net@osaka.acme.co.jp"}),
            ),
        )
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("contact support"), "{message}");
    let (_, body) = c
        .post(
            "/api/v1/register",
            with(
                form("ichiro.suzuki", "ichiro@gmail.com"),
                json!({"consent": false}),
            ),
        )
        .await;
    let messages: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("保守登録メール"), "{messages:?}");
    assert!(messages[1].contains("個人情報"), "{messages:?}");
}

#[tokio::test]
async fn a_sub_domain_on_one_side_only_is_accepted_either_way_round() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    // The user's address in a sub-domain of the maintenance e-mail's domain.
    let (status, body) = c
        .post(
            "/api/v1/register",
            form("tokyo-user", "ichiro@tokyo.acme.co.jp"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    // The maintenance e-mail in a sub-domain, the user's address at the company's domain.
    let (status, body) = c
        .post(
            "/api/v1/register",
            with(
                form("osaka-user", "jiro@acme.co.jp"),
                json!({"maintenance_email": "NET@osaka.acme.co.jp"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let mails = app.mails().await;
    assert_eq!(mails_to(&mails, "ichiro@tokyo.acme.co.jp").len(), 1);
    assert_eq!(mails_to(&mails, "jiro@acme.co.jp").len(), 1);
}

#[tokio::test]
async fn an_expired_link_is_refused_and_a_resent_one_opens_the_account() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    let (status, _) = c
        .post(
            "/api/v1/register",
            form("ichiro.suzuki", "ichiro@acme.co.jp"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let old = token_in(&app.mails().await[0].body, "/portal/register/");
    app.advance(SignedDuration::from_hours(25));
    let (status, body) = c
        .post("/api/v1/register/confirm", json!({"token": old}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors(&body),
        [("token".to_owned(), "invalid_token".to_owned())]
    );

    let (status, _) = c
        .post(
            "/api/v1/register/resend",
            json!({"user_id": "ichiro.suzuki"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let new = mails
        .iter()
        .map(|m| token_in(&m.body, "/portal/register/"))
        .find(|t| *t != old)
        .unwrap();
    let (status, body) = c
        .post("/api/v1/register/confirm", json!({"token": new}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.login_with("ichiro.suzuki", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn re_sending_is_throttled_alike_for_pending_and_unknown_user_ids() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    let (status, _) = c
        .post(
            "/api/v1/register",
            form("ichiro.suzuki", "ichiro@acme.co.jp"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    for user_id in ["ichiro.suzuki", "nobody-here", "taro@acme.example.jp"] {
        for _ in 0..3 {
            let (status, body) = c
                .post("/api/v1/register/resend", json!({"user_id": user_id}))
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{user_id}: {body}");
        }
        let (status, body) = c
            .post("/api/v1/register/resend", json!({"user_id": user_id}))
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{user_id}: {body}");
    }
    // One registration mail and three re-sent ones, all to the pending account; none to
    // an active account or an unknown ID.
    let mails = app.mails().await;
    assert_eq!(mails.len(), 4, "{mails:?}");
    assert!(mails.iter().all(|m| m.to == ["ichiro@acme.co.jp"]));
    // An hour later it works again.
    app.advance(SignedDuration::from_mins(61));
    let (status, _) = c
        .post(
            "/api/v1/register/resend",
            json!({"user_id": "ichiro.suzuki"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn an_address_already_registered_gets_the_same_answer_and_the_same_mail() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    let (status, _) = c
        .post("/api/v1/register", form("first-user", "shared@acme.co.jp"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = token_in(&app.mails().await[0].body, "/portal/register/");
    let (status, _) = c
        .post("/api/v1/register/confirm", json!({"token": token}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = app.mails().await.len();

    // The same address again and a fresh one: the same status, body and one mail each.
    let (s1, b1) = c
        .post("/api/v1/register", form("second-user", "shared@acme.co.jp"))
        .await;
    let (s2, b2) = c
        .post("/api/v1/register", form("third-user", "fresh@acme.co.jp"))
        .await;
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(s1, StatusCode::ACCEPTED);
    let mails = app.mails().await;
    assert_eq!(mails.len(), before + 2, "{mails:?}");
    let new = &mails[before..];
    assert!(new.iter().all(|m| m.subject.contains("仮登録")), "{new:?}");
}

#[tokio::test]
async fn a_forgotten_user_id_is_mailed_to_a_known_address_and_unknown_ones_get_the_same_answer() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    let mut en = app.client();
    en.lang = "en";
    let (status, _) = en
        .post(
            "/api/v1/register",
            with(
                form("ichiro.suzuki", "ichiro@acme.co.jp"),
                json!({"lang": "en"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = token_in(&app.mails().await[0].body, "/en/portal/register/");
    let (status, _) = en
        .post("/api/v1/register/confirm", json!({"token": token}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = app.mails().await.len();

    let (known, kb) = c
        .post(
            "/api/v1/auth/forgot-id",
            json!({"email": "ICHIRO@acme.co.jp"}),
        )
        .await;
    let (unknown, ub) = c
        .post(
            "/api/v1/auth/forgot-id",
            json!({"email": "nobody@acme.co.jp"}),
        )
        .await;
    assert_eq!(known, StatusCode::ACCEPTED);
    assert_eq!((known, kb), (unknown, ub));
    // A seeded account whose user ID is its address.
    let (status, _) = c
        .post(
            "/api/v1/auth/forgot-id",
            json!({"email": "taro@acme.example.jp"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let mails = app.mails().await;
    let new = &mails[before..];
    assert_eq!(new.len(), 2, "{new:?}");
    let ichiro = mails_to(new, "ichiro@acme.co.jp");
    assert_eq!(ichiro.len(), 1, "{new:?}");
    assert!(
        ichiro[0].subject.contains("user ID"),
        "{}",
        ichiro[0].subject
    );
    assert!(ichiro[0].body.contains("User ID: ichiro.suzuki"));
    let taro = mails_to(new, "taro@acme.example.jp");
    assert!(taro[0].body.contains("ユーザーID: taro@acme.example.jp"));

    // A malformed address is named; more than three requests an hour mail nothing more.
    let (status, body) = c
        .post("/api/v1/auth/forgot-id", json!({"email": "ichiro"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors(&body),
        [("email".to_owned(), "invalid_email".to_owned())]
    );
    for _ in 0..3 {
        let (status, _) = c
            .post(
                "/api/v1/auth/forgot-id",
                json!({"email": "ichiro@acme.co.jp"}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let after = app.mails().await;
    assert_eq!(after.len(), mails.len() + 2, "two more, then throttled");
}

#[tokio::test]
async fn registrations_from_one_address_are_throttled_after_ten_an_hour() {
    let app = spawn_with_contract().await;
    let mut c = app.client();
    for i in 0..10 {
        let (status, body) = c
            .post(
                "/api/v1/register",
                form(&format!("user-{i}"), &format!("user{i}@acme.co.jp")),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{i}: {body}");
    }
    // The eleventh is refused before its user ID is looked up or anything is written.
    let (status, body) = c
        .post("/api/v1/register", form("user-10", "user10@acme.co.jp"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, _) = c
        .post(
            "/api/v1/register",
            form("taro@acme.example.jp", "taro@acme.co.jp"),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        app.deps()
            .store
            .user_by_email("user-10")
            .await
            .unwrap()
            .is_none()
    );
    // A form with errors is still answered with them: it costs nothing.
    let (status, _) = c
        .post("/api/v1/register", form("user-10", "user10@gmail.com"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.advance(SignedDuration::from_mins(61));
    let (status, _) = c
        .post("/api/v1/register", form("user-10", "user10@acme.co.jp"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(app.mails().await.len(), 11);
}
