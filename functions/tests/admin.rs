//! Accounts, contracts, invitations, the CSV import, the demo seed and the
//! `madoguchi admin` command, on the embedded store with the clock moved by the tests.

use std::process::{Command, Stdio};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use madoguchi::adapters::embedded::SqliteStore;
use madoguchi::admin::import::{self, CsvError, ImportError, Kind};
use madoguchi::app::accounts::{self, CompanyInput, Credential, UserInput};
use madoguchi::app::auth::{PasswordPolicy, SigningKey, Tokens, verify_password};
use madoguchi::app::contracts::{self, ContractInput};
use madoguchi::app::mail::MailComposer;
use madoguchi::app::one_time::{hash_token, set_password_with_token};
use madoguchi::app::sessions::{self, Auth, SessionConfig};
use madoguchi::app::{AppError, Deps, PortalConfig, demo};
use madoguchi::domain::access::{Actor, Role};
use madoguchi::domain::ticket::State;
use madoguchi::ports::FixedClock;
use madoguchi::ports::store::*;

struct World {
    deps: Deps,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

fn t0() -> Timestamp {
    "2026-11-23T01:00:00Z".parse().unwrap()
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("madoguchi.db")).unwrap());
    let clock = Arc::new(FixedClock::new(t0()));
    let config = PortalConfig::example("https://support.example.jp");
    let mail = MailComposer::new(config.name_in("ja"), &config.sender).unwrap();
    World {
        deps: Deps {
            store,
            clock: clock.clone(),
            config: Arc::new(config),
            mail: Arc::new(mail),
            blobs: Arc::new(
                madoguchi::adapters::embedded::blob_dir::BlobDir::open(
                    &dir.path().join("attachments"),
                )
                .unwrap(),
            ),
        },
        clock,
        _dir: dir,
    }
}

/// The demo vendor's policy (pass phrases of 12+ characters), as `portal.yaml` sets it.
fn policy() -> PasswordPolicy {
    PortalConfig::bundled().unwrap().password_policy
}

async fn acme(w: &World) {
    accounts::add_company(
        &w.deps,
        &CompanyInput {
            id: "acme".into(),
            name: "アクメ株式会社".into(),
        },
    )
    .await
    .unwrap();
}

fn customer(email: &str, credential: Credential) -> UserInput {
    UserInput {
        email: email.into(),
        name: "山田 太郎".into(),
        role: "customer".into(),
        company: "acme".into(),
        customer_role: String::new(),
        groups: String::new(),
        lang: "ja".into(),
        credential,
    }
}

/// The unsent mails as (id, recipients, decoded subject, decoded body).
async fn outbox(w: &World) -> Vec<(String, Vec<String>, String, String)> {
    let far = t0()
        .checked_add(SignedDuration::from_hours(24 * 400))
        .unwrap();
    w.deps
        .store
        .due_mails(far, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.message)
                .unwrap();
            (
                m.id,
                m.recipients,
                parsed.subject().unwrap_or_default().to_owned(),
                parsed.body_text(0).unwrap_or_default().into_owned(),
            )
        })
        .collect()
}

fn token_in(body: &str) -> String {
    let at = body
        .find("/portal/reset/?token=")
        .expect("a set-password link")
        + "/portal/reset/?token=".len();
    body[at..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect()
}

fn invalid_field(r: Result<impl std::fmt::Debug, AppError>) -> String {
    match r {
        Err(AppError::Invalid(errors)) => errors[0].field.clone(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- accounts

#[tokio::test]
async fn a_customer_with_a_password_can_log_in_and_only_the_argon2id_hash_is_stored() {
    let w = world().await;
    acme(&w).await;
    let added = accounts::add_user(
        &w.deps,
        &customer(
            "Taro@ACME.example.jp",
            Credential::Password("窓口の長い日本語のパスフレーズ".into()),
        ),
        &policy(),
    )
    .await
    .unwrap();
    assert_eq!(
        added.user.email, "Taro@acme.example.jp",
        "the domain is lower-cased"
    );
    assert_eq!(added.user.company_id.as_deref(), Some("acme"));
    assert_eq!(added.user.role, Role::Customer);
    assert_eq!(added.invited_until, None);
    let stored = w
        .deps
        .store
        .user_by_email("taro@acme.example.jp")
        .await
        .unwrap()
        .unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(verify_password("窓口の長い日本語のパスフレーズ", &hash));
    assert!(
        outbox(&w).await.is_empty(),
        "no mail for a user with a password"
    );
}

#[tokio::test]
async fn wrong_users_are_refused_with_the_field_named() {
    let w = world().await;
    acme(&w).await;
    accounts::add_user(
        &w.deps,
        &customer("taro@acme.example.jp", Credential::NotYet),
        &policy(),
    )
    .await
    .unwrap();
    let staff = |company: &str| UserInput {
        role: "agent".into(),
        company: company.into(),
        ..customer("agent@netlink.example.jp", Credential::NotYet)
    };
    #[rustfmt::skip]
    let table: Vec<(&str, UserInput, &str)> = vec![
        ("unknown company", UserInput { company: "globex".into(), ..customer("a@acme.example.jp", Credential::NotYet) }, "company"),
        ("customer without company", UserInput { company: "".into(), ..customer("a@acme.example.jp", Credential::NotYet) }, "company"),
        ("staff with a company", staff("acme"), "company"),
        ("taken e-mail in another case", customer("TARO@acme.example.jp", Credential::NotYet), "email"),
        ("not an e-mail", customer("taro", Credential::NotYet), "email"),
        ("common password", customer("b@acme.example.jp", Credential::Password("password1234".into())), "password"),
        ("short password", customer("b@acme.example.jp", Credential::Password("short".into())), "password"),
        ("the login id as password", customer("longlogin@acme.example.jp", Credential::Password("longlogin@acme.example.jp".into())), "password"),
        ("unknown role", UserInput { role: "root".into(), ..customer("c@acme.example.jp", Credential::NotYet) }, "role"),
        ("unknown language", UserInput { lang: "fr".into(), ..customer("c@acme.example.jp", Credential::NotYet) }, "lang"),
        ("no name", UserInput { name: " ".into(), ..customer("c@acme.example.jp", Credential::NotYet) }, "name"),
        ("unknown customer role", UserInput { customer_role: "owner".into(), ..customer("c@acme.example.jp", Credential::NotYet) }, "customer_role"),
        ("staff with a customer role", UserInput { customer_role: "user_admin".into(), ..staff("") }, "customer_role"),
        ("a group that is no project of the company", UserInput { groups: "acme-net".into(), ..customer("c@acme.example.jp", Credential::NotYet) }, "groups"),
        ("staff in a group", UserInput { groups: "acme-net".into(), ..staff("") }, "groups"),
    ];
    for (case, input, field) in table {
        assert_eq!(
            invalid_field(accounts::add_user(&w.deps, &input, &policy()).await),
            field,
            "{case}"
        );
    }
    assert_eq!(
        w.deps.store.list_users(None).await.unwrap().len(),
        1,
        "nothing else was written"
    );
}

#[tokio::test]
async fn every_wrong_field_of_a_user_is_reported_at_once() {
    let w = world().await;
    let input = UserInput {
        email: "nope".into(),
        name: "".into(),
        role: "customer".into(),
        company: "missing".into(),
        customer_role: String::new(),
        groups: String::new(),
        lang: "de".into(),
        credential: Credential::NotYet,
    };
    let errors = accounts::check_user(&w.deps, &input, &policy())
        .await
        .unwrap()
        .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["email", "name", "company", "lang"]);
}

#[tokio::test]
async fn staff_users_have_no_company_and_the_role_asked_for() {
    let w = world().await;
    for (email, role) in [
        ("agent@netlink.example.jp", "agent"),
        ("admin@netlink.example.jp", "admin"),
    ] {
        let added = accounts::add_user(
            &w.deps,
            &UserInput {
                email: email.into(),
                name: "サポート 一郎".into(),
                role: role.into(),
                company: String::new(),
                customer_role: String::new(),
                groups: String::new(),
                lang: "ja".into(),
                credential: Credential::Password("staff pass phrase 2026".into()),
            },
            &policy(),
        )
        .await
        .unwrap();
        assert_eq!(added.user.role.as_str(), role);
        assert_eq!(added.user.company_id, None);
    }
}

#[tokio::test]
async fn an_invitation_mails_a_link_whose_token_sets_the_password_once() {
    let w = world().await;
    acme(&w).await;
    let added = accounts::add_user(
        &w.deps,
        &customer("taro@acme.example.jp", Credential::invite()),
        &policy(),
    )
    .await
    .unwrap();
    assert_eq!(added.user.password_hash, None);
    assert_eq!(
        added.invited_until,
        Some("2026-11-30T01:00:00Z".parse().unwrap()),
        "7 days"
    );

    let mails = outbox(&w).await;
    assert_eq!(mails.len(), 1);
    let (_, to, subject, body) = &mails[0];
    assert_eq!(to, &["taro@acme.example.jp"]);
    assert_eq!(subject, "ネットリンク サポート窓口 アカウント登録のご案内");
    assert!(
        body.contains("山田 太郎 様") && body.contains("アクメ株式会社"),
        "{body}"
    );
    assert!(
        body.contains("https://support.example.jp/portal/reset/?token="),
        "{body}"
    );
    assert!(
        body.contains("2026-11-30 10:00 JST"),
        "the expiry in the portal's time zone: {body}"
    );
    let token = token_in(body);
    assert_eq!(token.len(), 64);

    // Only the hash is stored.
    assert_eq!(w.deps.store.get_token(&token).await.unwrap(), None);
    let record = w
        .deps
        .store
        .get_token(&hash_token(&token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.purpose, TokenPurpose::Invite);
    assert_eq!(record.user_id, added.user.id);

    // A weak password is refused and the link still works.
    assert_eq!(
        invalid_field(set_password_with_token(&w.deps, &token, "password1234", &policy()).await),
        "password"
    );
    w.clock.advance(SignedDuration::from_hours(1));
    let user = set_password_with_token(&w.deps, &token, "a new long pass phrase", &policy())
        .await
        .unwrap();
    assert!(verify_password(
        "a new long pass phrase",
        user.password_hash.as_deref().unwrap()
    ));
    assert_eq!(
        invalid_field(
            set_password_with_token(&w.deps, &token, "another long phrase", &policy()).await
        ),
        "token",
        "a link works once"
    );
    let stored = w
        .deps
        .store
        .get_user(&added.user.id)
        .await
        .unwrap()
        .unwrap();
    assert!(verify_password(
        "a new long pass phrase",
        stored.password_hash.as_deref().unwrap()
    ));
}

#[tokio::test]
async fn a_reset_link_checks_the_new_password_against_the_configured_policy() {
    let mut w = world().await;
    // A vendor who keeps the default policy (upper, lower and a digit).
    let mut config = (*w.deps.config).clone();
    config.password_policy = PasswordPolicy::default();
    w.deps.config = Arc::new(config);
    acme(&w).await;
    accounts::add_user(
        &w.deps,
        &customer("taro@acme.example.jp", Credential::invite()),
        &policy(),
    )
    .await
    .unwrap();
    let token = token_in(&outbox(&w).await[0].3);
    let auth = Auth {
        tokens: Tokens::new(
            vec![SigningKey {
                kid: "k1".into(),
                secret: vec![7; 32],
            }],
            "madoguchi",
            "portal",
            600,
        ),
        config: SessionConfig::default(),
    };
    let refused = sessions::reset_password(&w.deps, &auth, &token, "a new long pass phrase").await;
    let codes: Vec<&str> = match &refused {
        Err(AppError::Invalid(errors)) => errors.iter().map(|e| e.problem.code()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    };
    assert_eq!(codes, ["needs_upper", "needs_digit"]);
    sessions::reset_password(&w.deps, &auth, &token, "Kumo9Sora-2026")
        .await
        .unwrap();
}

#[tokio::test]
async fn two_uses_of_one_invitation_at_once_set_one_password() {
    let w = world().await;
    acme(&w).await;
    accounts::add_user(
        &w.deps,
        &customer("taro@acme.example.jp", Credential::invite()),
        &policy(),
    )
    .await
    .unwrap();
    let token = token_in(&outbox(&w).await[0].3);
    let deps = Arc::new(w.deps.clone());
    let tasks: Vec<_> = ["first long pass phrase", "second long pass phrase"]
        .into_iter()
        .map(|p| {
            let (deps, token) = (deps.clone(), token.clone());
            tokio::spawn(async move { set_password_with_token(&deps, &token, p, &policy()).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Invalid(errors)) if errors[0].field == "token" => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn an_invitation_expires_after_seven_days_and_unknown_tokens_say_the_same() {
    let w = world().await;
    acme(&w).await;
    accounts::add_user(
        &w.deps,
        &customer("taro@acme.example.jp", Credential::invite()),
        &policy(),
    )
    .await
    .unwrap();
    let token = token_in(&outbox(&w).await[0].3);
    w.clock.advance(SignedDuration::from_hours(24 * 7));
    let expired = set_password_with_token(&w.deps, &token, "a new long pass phrase", &policy())
        .await
        .unwrap_err();
    let unknown = set_password_with_token(
        &w.deps,
        &"0".repeat(64),
        "a new long pass phrase",
        &policy(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        expired.to_string(),
        unknown.to_string(),
        "no hint which it was"
    );
    assert!(expired.to_string().starts_with("token: "), "{expired}");
}

#[tokio::test]
async fn an_english_speaking_user_is_invited_in_english() {
    let w = world().await;
    acme(&w).await;
    accounts::add_user(
        &w.deps,
        &UserInput {
            name: "Emily Carter".into(),
            lang: "en".into(),
            ..customer("emily@acme.example.jp", Credential::invite())
        },
        &policy(),
    )
    .await
    .unwrap();
    let (_, _, subject, body) = &outbox(&w).await[0];
    assert_eq!(subject, "Your NetLink Support account");
    assert!(body.starts_with("Dear Emily Carter,"), "{body}");
    assert!(body.contains("Login ID: emily@acme.example.jp"));
}

#[tokio::test]
async fn companies_need_a_slug_id_that_is_free() {
    let w = world().await;
    acme(&w).await;
    #[rustfmt::skip]
    let table = [
        ("acme", "別のアクメ", "id"),
        ("Acme Corp", "アクメ", "id"),
        ("globex", "", "name"),
    ];
    for (id, name, field) in table {
        let r = accounts::add_company(
            &w.deps,
            &CompanyInput {
                id: id.into(),
                name: name.into(),
            },
        )
        .await;
        assert_eq!(invalid_field(r), field, "{id}");
    }
    assert_eq!(accounts::companies(&w.deps).await.unwrap().len(), 1);
}

// ---------------------------------------------------------------- contracts

fn contract(number: &str) -> ContractInput {
    ContractInput {
        number: number.into(),
        company: "acme".into(),
        product: "NL Mail Gateway".into(),
        model: "MG-5000".into(),
        serial_number: "MG5K-0001".into(),
        starts_on: "2026/04/01".into(),
        ends_on: "2027-03-31".into(),
        service_type: "平日9:00~17:00オンサイト保守".into(),
        maintenance_emails: "it@acme.example.jp; ops@acme.example.jp".into(),
        projects: String::new(),
    }
}

#[tokio::test]
async fn a_contract_is_stored_with_its_period_and_maintenance_addresses() {
    let w = world().await;
    acme(&w).await;
    let c = contracts::add_contract(&w.deps, &contract("NL-2026-0001"))
        .await
        .unwrap();
    assert_eq!(c.starts_on, jiff::civil::date(2026, 4, 1));
    assert_eq!(
        c.maintenance_emails,
        ["it@acme.example.jp", "ops@acme.example.jp"]
    );
    assert_eq!(
        contracts::contracts(&w.deps, Some("acme")).await.unwrap(),
        vec![c]
    );
}

#[tokio::test]
async fn wrong_contracts_are_refused_with_the_field_named() {
    let w = world().await;
    acme(&w).await;
    contracts::add_contract(&w.deps, &contract("NL-1"))
        .await
        .unwrap();
    #[rustfmt::skip]
    let table: Vec<(&str, ContractInput, &str)> = vec![
        ("taken number", contract("NL-1"), "number"),
        ("unknown company", ContractInput { company: "globex".into(), ..contract("NL-2") }, "company"),
        ("no product", ContractInput { product: "".into(), ..contract("NL-2") }, "product"),
        ("ends before it starts", ContractInput { ends_on: "2026-03-31".into(), ..contract("NL-2") }, "ends_on"),
        ("no such day", ContractInput { starts_on: "2026-02-30".into(), ..contract("NL-2") }, "starts_on"),
        ("bad address", ContractInput { maintenance_emails: "it@acme, x".into(), ..contract("NL-2") }, "maintenance_emails"),
    ];
    for (case, input, field) in table {
        assert_eq!(
            invalid_field(contracts::add_contract(&w.deps, &input).await),
            field,
            "{case}"
        );
    }
    assert_eq!(contracts::contracts(&w.deps, None).await.unwrap().len(), 1);
}

// ---------------------------------------------------------------- CSV import

async fn import_csv(
    w: &World,
    kind: Kind,
    text: &str,
    dry_run: bool,
) -> Result<import::ImportReport, ImportError> {
    import::import_bytes(
        &w.deps,
        kind,
        "list.csv",
        text.as_bytes(),
        Credential::NotYet,
        dry_run,
    )
    .await
}

fn problems(r: Result<import::ImportReport, ImportError>) -> Vec<String> {
    match r {
        Err(ImportError::Invalid(errors)) => errors.iter().map(CsvError::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[tokio::test]
async fn importing_companies_with_a_bom_writes_every_row() {
    let w = world().await;
    let report = import_csv(
        &w,
        Kind::Companies,
        "\u{feff}id,name\r\nacme,アクメ株式会社\r\nglobex,\"Globex, Inc.\"\r\n,\r\n",
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.keys, ["acme", "globex"]);
    assert_eq!(report.rows, 2, "the empty row is skipped");
    let names: Vec<String> = accounts::companies(&w.deps)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Globex, Inc.", "アクメ株式会社"]);
}

#[tokio::test]
async fn a_csv_with_one_bad_row_among_good_ones_leaves_the_store_unchanged() {
    let w = world().await;
    acme(&w).await;
    let csv = "email,name,company,lang\n\
               taro@acme.example.jp,山田 太郎,acme,ja\n\
               hanako@acme.example.jp,佐藤 花子,acme,\n\
               jiro@acme.example.jp,鈴木 次郎,globex,ja\n\
               emily@acme.example.jp,Emily Carter,acme,en\n";
    let found = problems(import_csv(&w, Kind::Users, csv, false).await);
    assert_eq!(
        found,
        ["list.csv:4:3: company: no company has the id 'globex': add it first"]
    );
    assert_eq!(
        w.deps.store.list_users(None).await.unwrap(),
        vec![],
        "nothing was written"
    );
}

#[tokio::test]
async fn every_bad_row_is_listed_with_file_line_and_column() {
    let w = world().await;
    acme(&w).await;
    accounts::add_user(
        &w.deps,
        &customer("taken@acme.example.jp", Credential::NotYet),
        &policy(),
    )
    .await
    .unwrap();
    // Line 3 holds a quoted line break, so the rows after it start one line later.
    let csv = "email,name,company,role,lang\n\
               ok@acme.example.jp,良い 行,acme,,\n\
               note@acme.example.jp,\"二行の\n名前\",acme,,\n\
               bad-address,山田,acme,,\n\
               TAKEN@acme.example.jp,重複,acme,,\n\
               x@acme.example.jp,,acme,boss,fr\n\
               ok@acme.example.jp,同じ行,acme,,\n\
               staff@netlink.example.jp,スタッフ,acme,agent,\n";
    let found = problems(import_csv(&w, Kind::Users, csv, false).await);
    assert_eq!(
        found,
        [
            "list.csv:3:2: name: must be one line without control characters",
            "list.csv:5:1: email: 'bad-address' is not an e-mail address (name@example.jp)",
            "list.csv:6:1: email: a user with the e-mail TAKEN@acme.example.jp already exists",
            "list.csv:7:2: name: is required",
            "list.csv:7:4: role: 'boss' is not one of customer, agent, admin",
            "list.csv:7:5: lang: 'fr' is not one of ja, en",
            "list.csv:8:1: email: 'ok@acme.example.jp' is already on line 2 of this file",
            "list.csv:9:3: company: staff belong to no company: leave it empty",
        ]
    );
    assert_eq!(w.deps.store.list_users(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_header_row_is_checked_before_any_row() {
    let w = world().await;
    #[rustfmt::skip]
    let table: &[(Kind, &str, &[&str])] = &[
        (Kind::Companies, "id,nmae\nacme,x\n", &[
            "list.csv:1:2: nmae: is not a column of a company file (columns: id, name)",
            "list.csv:1: the column 'name' is missing",
        ]),
        (Kind::Users, "email,name,password\n", &[
            "list.csv:1:3: password: passwords are not imported: leave the column out and use --invite",
        ]),
        (Kind::Companies, "id,name,ID\n", &["list.csv:1:3: ID: is the column 'id' a second time"]),
    ];
    for (kind, csv, want) in table {
        assert_eq!(
            problems(import_csv(&w, *kind, csv, false).await),
            *want,
            "{csv}"
        );
    }
}

#[tokio::test]
async fn contracts_import_with_the_japanese_headers_of_the_contract_list() {
    let w = world().await;
    acme(&w).await;
    let csv = "契約番号,会社ID,種別,製品番号,シリアル,開始日,終了日,サービス種類,保守登録メール\n\
               SD-100001-H,acme,Juniper,SSG-5-SH-BT,S1,2014/06/01,2015/05/31,平日9:00~17:00オンサイト保守,net@acme.example.jp\n\
               SD-100002-H,acme,Juniper,NS-5GT-007,S2,2014/06/01,2015/05/31,ソフトウェア保守,\n";
    let report = import_csv(&w, Kind::Contracts, csv, false).await.unwrap();
    assert_eq!(report.keys, ["SD-100001-H", "SD-100002-H"]);
    let c = w
        .deps
        .store
        .get_contract("SD-100001-H")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.model, "SSG-5-SH-BT");
    assert_eq!(c.ends_on, jiff::civil::date(2015, 5, 31));
    assert_eq!(c.maintenance_emails, ["net@acme.example.jp"]);
}

#[tokio::test]
async fn duplicate_contract_numbers_in_the_file_or_the_store_are_errors() {
    let w = world().await;
    acme(&w).await;
    contracts::add_contract(&w.deps, &contract("NL-1"))
        .await
        .unwrap();
    let csv = "number,company,product,start,end\n\
               NL-1,acme,Mail,2026-04-01,2027-03-31\n\
               NL-2,acme,Mail,2026-04-01,2027-03-31\n\
               NL-2,acme,Mail,2026-04-01,2027-03-31\n\
               NL-3,acme,Mail,2026-04-01,2026-03-01\n\
               NL-3,globex,,2026-04-01,2027-03-31\n";
    assert_eq!(
        problems(import_csv(&w, Kind::Contracts, csv, false).await),
        [
            "list.csv:2:1: number: contract 'NL-1' already exists",
            "list.csv:4:1: number: 'NL-2' is already on line 3 of this file",
            "list.csv:5:5: end: 2026-03-01 is before the start 2026-04-01",
            "list.csv:6:1: number: 'NL-3' is already on line 5 of this file",
            "list.csv:6:2: company: no company has the id 'globex': add it first",
            "list.csv:6:3: product: is required",
        ]
    );
    assert_eq!(contracts::contracts(&w.deps, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn contracts_are_imported_with_their_projects_and_an_unknown_project_names_its_line() {
    let w = world().await;
    acme(&w).await;
    madoguchi::app::projects::add_project(
        &w.deps,
        &madoguchi::app::projects::ProjectInput {
            id: "acme-net".into(),
            company: "acme".into(),
            name: "社内ネットワーク案件".into(),
            group_name: String::new(),
        },
    )
    .await
    .unwrap();
    let csv = "number,company,product,start,end,案件\n\
               NL-1,acme,Mail,2026-04-01,2027-03-31,acme-net\n\
               NL-2,acme,Mail,2026-04-01,2027-03-31,acme-web\n";
    assert_eq!(
        problems(import_csv(&w, Kind::Contracts, csv, false).await),
        ["list.csv:3:6: 案件: 'acme-web' is not a project of company 'acme'"]
    );
    assert!(
        contracts::contracts(&w.deps, None)
            .await
            .unwrap()
            .is_empty()
    );
    let csv = "number,company,product,start,end,projects\nNL-1,acme,Mail,2026-04-01,2027-03-31,acme-net\n";
    import_csv(&w, Kind::Contracts, csv, false).await.unwrap();
    let c = w.deps.store.get_contract("NL-1").await.unwrap().unwrap();
    assert_eq!(c.project_ids, ["acme-net"]);
}

#[tokio::test]
async fn users_are_imported_with_their_role_and_groups() {
    let w = world().await;
    acme(&w).await;
    madoguchi::app::projects::add_project(
        &w.deps,
        &madoguchi::app::projects::ProjectInput {
            id: "acme-net".into(),
            company: "acme".into(),
            name: "社内ネットワーク案件".into(),
            group_name: String::new(),
        },
    )
    .await
    .unwrap();
    let csv = "メールアドレス,お名前,会社ID,アカウント種別,顧客案件グループ\n\
               a@acme.example.jp,一郎,acme,contract_manager,acme-net\n\
               b@acme.example.jp,二郎,acme,boss,acme-web\n";
    assert_eq!(
        problems(import_csv(&w, Kind::Users, csv, false).await),
        [
            "list.csv:3:4: アカウント種別: 'boss' is not one of user_admin, contract_manager, inquiry_admin, inquiry_member",
            "list.csv:3:5: 顧客案件グループ: 'acme-web' is not a project of company 'acme'",
        ]
    );
    let csv = "email,name,company,customer_role,groups\na@acme.example.jp,一郎,acme,contract_manager,acme-net\n";
    import_csv(&w, Kind::Users, csv, false).await.unwrap();
    let u = w
        .deps
        .store
        .user_by_email("a@acme.example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.customer_role, u.projects),
        (
            Some(madoguchi::domain::access::CustomerRole::ContractManager),
            vec!["acme-net".to_owned()]
        )
    );
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_writes_nothing() {
    let w = world().await;
    let report = import_csv(&w, Kind::Companies, "id,name\nacme,アクメ\n", true)
        .await
        .unwrap();
    assert!(!report.written);
    assert_eq!(report.keys, ["acme"]);
    assert!(accounts::companies(&w.deps).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_file_that_is_not_utf8_is_refused_with_the_line_of_the_first_bad_byte() {
    let w = world().await;
    // "アクメ" in Shift_JIS, as older Excel versions save CSV.
    let bytes = b"id,name\nacme,\x83\x41\x83\x4e\x83\x81\n";
    let r = import::import_bytes(
        &w.deps,
        Kind::Companies,
        "sjis.csv",
        bytes,
        Credential::NotYet,
        false,
    )
    .await;
    match r {
        Err(ImportError::Invalid(e)) => {
            assert_eq!(e.len(), 1);
            assert!(
                e[0].to_string()
                    .starts_with("sjis.csv:2: is not UTF-8 text"),
                "{}",
                e[0]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn importing_users_with_invitations_queues_one_mail_each() {
    let w = world().await;
    acme(&w).await;
    let csv = "email,name,company,lang\na@acme.example.jp,山田 太郎,acme,ja\nb@acme.example.jp,Bob,acme,en\n";
    import::import_bytes(
        &w.deps,
        Kind::Users,
        "u.csv",
        csv.as_bytes(),
        Credential::invite(),
        false,
    )
    .await
    .unwrap();
    let mails = outbox(&w).await;
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.2 == "Your NetLink Support account"));
}

// ---------------------------------------------------------------- demo

#[tokio::test]
async fn seeding_an_empty_store_gives_every_state_and_logins_that_work() {
    let w = world().await;
    let demo = demo::seed(&w.deps).await.unwrap();
    assert!(demo.seeded_now);
    assert_eq!(demo.logins[0].role, Role::Admin);
    assert_eq!(
        demo.logins.iter().filter(|l| l.role == Role::Agent).count(),
        2
    );
    assert!(demo.logins.iter().any(|l| l.name == "Emily Carter"));
    for login in &demo.logins {
        let user = w
            .deps
            .store
            .user_by_email(&login.email)
            .await
            .unwrap()
            .unwrap();
        assert!(
            verify_password(login.password, user.password_hash.as_deref().unwrap()),
            "{} cannot log in",
            login.email
        );
        assert!(login.password.chars().count() >= 12);
    }
    for company in ["tohoku-denki", "sakura-logi"] {
        let users = w.deps.store.list_users(Some(company)).await.unwrap();
        assert!((3..=4).contains(&users.len()), "{company}");
        assert!(
            !w.deps
                .store
                .list_contracts(Some(company))
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        w.deps
            .store
            .list_users(None)
            .await
            .unwrap()
            .iter()
            .any(|u| u.lang == "en")
    );

    let mut states = std::collections::BTreeSet::new();
    let (mut internal, mut staff_public, mut customer_replies) = (0, 0, 0);
    let mut linked = None;
    let mut past_window = 0;
    let mut times = Vec::new();
    for number in &demo.tickets {
        let t = w.deps.store.get_ticket(number).await.unwrap().unwrap();
        states.insert(t.state);
        times.push(t.created_at);
        if let Some(earlier) = &t.linked_to {
            linked = Some(earlier.clone());
        }
        if t.closed_at
            .is_some_and(|c| t0().duration_since(c) > SignedDuration::from_hours(24 * 30))
        {
            past_window += 1;
        }
        for a in w.deps.store.articles(number).await.unwrap() {
            let author = w.deps.store.get_user(&a.author_id).await.unwrap().unwrap();
            match (a.internal, author.role) {
                (true, _) => internal += 1,
                (false, Role::Customer) => customer_replies += 1,
                (false, _) => staff_public += 1,
            }
        }
    }
    assert_eq!(states.into_iter().collect::<Vec<_>>(), State::ALL.to_vec());
    assert!(internal >= 1 && staff_public >= 3 && customer_replies >= 5);
    assert_eq!(past_window, 1, "one ticket closed past the reopen window");
    let earlier = linked.expect("a follow-up linked to the old ticket");
    assert_eq!(
        w.deps
            .store
            .get_ticket(&earlier)
            .await
            .unwrap()
            .unwrap()
            .state,
        State::Closed
    );
    let oldest = times.iter().min().unwrap();
    assert!(
        t0().duration_since(*oldest) > SignedDuration::from_hours(24 * 40),
        "spread over weeks"
    );
    assert!(times.iter().all(|t| *t < t0()), "nothing in the future");
    // Open demo tickets may have SLA warnings due (the demo vendor has targets, and the
    // tickets are weeks old); those change no state.
    let due = w.deps.store.due_tickets(t0(), 100).await.unwrap();
    assert!(
        due.iter().all(|t| t
            .timer
            .is_none_or(|x| x.due > t0() && !x.reminder_due(t0()))),
        "no timer is due yet, so the first sweep keeps every state"
    );

    // A customer of one company does not see the other's tickets.
    let tohoku = demo
        .logins
        .iter()
        .find(|l| l.email.ends_with("tohoku-denki.example.jp"))
        .unwrap();
    let user = w
        .deps
        .store
        .user_by_email(&tohoku.email)
        .await
        .unwrap()
        .unwrap();
    let actor = Actor::new(user.id, Role::Customer, user.company_id);
    let (page, counts) = madoguchi::app::tickets::list(
        &w.deps,
        &actor,
        madoguchi::app::tickets::ListRequest {
            of: madoguchi::app::tickets::ListOf::Company,
            filter: ListFilter::All,
            oldest_first: false,
            keywords: String::new(),
            cursor: None,
            limit: 50,
            only_visible_to: None,
            state: None,
        },
    )
    .await
    .unwrap();
    assert!(page.items.iter().all(|t| t.company_id == "tohoku-denki"));
    assert!(counts.all() >= 3);
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let w = world().await;
    let first = demo::seed(&w.deps).await.unwrap();
    let count = |w: &World| {
        let store = w.deps.store.clone();
        async move {
            let page = store
                .list_tickets(&ListQuery {
                    scope: Scope::All,
                    filter: ListFilter::All,
                    oldest_first: false,
                    limit: 500,
                    cursor: None,
                })
                .await
                .unwrap();
            (
                store.list_users(None).await.unwrap().len(),
                store.list_companies().await.unwrap().len(),
                store.list_contracts(None).await.unwrap().len(),
                page.items.len(),
                store.due_mails(Timestamp::MAX, 1000).await.unwrap().len(),
            )
        }
    };
    let before = count(&w).await;
    w.clock.advance(SignedDuration::from_hours(24));
    let second = demo::seed(&w.deps).await.unwrap();
    assert!(!second.seeded_now);
    assert_eq!(second.logins, first.logins);
    assert_eq!(count(&w).await, before);
}

#[tokio::test]
async fn a_store_with_other_data_is_not_seeded() {
    let w = world().await;
    acme(&w).await;
    assert_eq!(invalid_field(demo::seed(&w.deps).await), "data");
    assert!(w.deps.store.list_users(None).await.unwrap().is_empty());
}

// ---------------------------------------------------------------- the command

fn madoguchi(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    cmd.arg("admin")
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "off");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_admin_command_adds_lists_and_imports_without_echoing_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("var");
    let (ok, out, err) = madoguchi(
        &data,
        &["company", "add", "--id", "acme", "--name", "アクメ株式会社"],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("acme  アクメ株式会社"), "{out}");
    assert!(data.join("madoguchi.db").is_file());

    let secret = "a very secret pass phrase";
    let (ok, out, err) = madoguchi(
        &data,
        &[
            "user",
            "add",
            "--email",
            "taro@acme.example.jp",
            "--name",
            "山田 太郎",
            "--company",
            "acme",
            "--password-stdin",
        ],
        Some(&format!("{secret}\n")),
    );
    assert!(ok, "{err}");
    assert!(!out.contains(secret) && !err.contains(secret));
    let (ok, _, err) = madoguchi(
        &data,
        &[
            "user",
            "add",
            "--email",
            "agent@netlink.example.jp",
            "--name",
            "高橋 健太",
            "--staff",
            "agent",
            "--invite",
        ],
        None,
    );
    assert!(ok, "{err}");

    let (ok, out, _) = madoguchi(&data, &["user", "list", "--json"], None);
    assert!(ok);
    let users: serde_json::Value = serde_json::from_str(&out).unwrap();
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert!(!out.contains("argon2"), "no hash in the output");
    let agent = users.iter().find(|u| u["role"] == "agent").unwrap();
    assert_eq!(agent["status"], "no password yet");
    assert_eq!(agent["company"], serde_json::Value::Null);

    // A bad row: every problem on stderr, exit status 1, nothing imported.
    let csv = dir.path().join("contracts.csv");
    std::fs::write(
        &csv,
        "number,company,product,start,end\nNL-1,acme,Mail,2026-04-01,2027-03-31\nNL-2,globex,Mail,2026-04-01,2027-03-31\n",
    )
    .unwrap();
    let (ok, _, err) = madoguchi(&data, &["import", "contracts", csv.to_str().unwrap()], None);
    assert!(!ok);
    assert!(
        err.contains("contracts.csv:3:2: company: no company has the id 'globex'"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let (_, out, _) = madoguchi(&data, &["contract", "list"], None);
    assert_eq!(out.trim(), "(none)");

    std::fs::write(
        &csv,
        "number,company,product,start,end\nNL-1,acme,Mail,2026-04-01,2027-03-31\n",
    )
    .unwrap();
    let (ok, out, err) = madoguchi(&data, &["import", "contracts", csv.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(out.contains("imported 1 contract(s): NL-1"), "{out}");
    let (_, out, _) = madoguchi(&data, &["contract", "list", "--company", "acme"], None);
    assert!(out.starts_with("NUMBER  COMPANY  PRODUCT"), "{out}");
    assert!(out.contains("NL-1    acme     Mail"), "{out}");

    // Field errors name the option.
    let (ok, _, err) = madoguchi(
        &data,
        &["company", "add", "--id", "Bad Id", "--name", ""],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("--id: 'Bad Id' may hold only") && err.contains("--name: is required"),
        "{err}"
    );
}
