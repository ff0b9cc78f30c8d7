//! Demo data for `madoguchi serve --demo`: the vendor's staff, two customer companies
//! with their users (every customer role) and contracts (さくら物流 uses project groups:
//! two projects, each with its contract and group), and tickets in every state with replies from both
//! sides, written through the real use cases with the clock set back, so their times
//! spread over the last weeks. Seeding is idempotent: a store that already has the
//! demo is left as it is, and a store with other data is refused.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::app::accounts::{self, CompanyInput, Credential, UserInput};
use crate::app::contracts::{self, ContractInput};
use crate::app::projects::{self, ProjectInput};
use crate::app::sessions;
use crate::app::tickets::{self, OpenTicket, Reply};
use crate::app::{AppError, Deps};
use crate::domain::access::{Actor, CustomerRole, Role};
use crate::domain::ticket::State;
use crate::ports::FixedClock;
use crate::ports::store::{HistoryRecord, StoreError, TicketUpdate};

/// The demo's passwords: fixed so that the README can name them, long enough for the
/// 12-character policy, and useless anywhere but a demo.
pub const ADMIN_PASSWORD: &str = "demo-admin-2026";
pub const AGENT_PASSWORD: &str = "demo-agent-2026";
pub const CUSTOMER_PASSWORD: &str = "demo-customer-2026";

/// The demo admin is written last: if it exists, the demo is complete.
const ADMIN_EMAIL: &str = "kobayashi@netlink.example.jp";

/// A person of the demo.
struct Person {
    email: &'static str,
    name: &'static str,
    role: Role,
    company: Option<&'static str>,
    lang: &'static str,
}

const fn person(
    email: &'static str,
    name: &'static str,
    role: Role,
    company: Option<&'static str>,
    lang: &'static str,
) -> Person {
    Person {
        email,
        name,
        role,
        company,
        lang,
    }
}

const TOHOKU: &str = "tohoku-denki";
const SAKURA: &str = "sakura-logi";

const COMPANIES: &[(&str, &str)] = &[
    (TOHOKU, "東北電機工業株式会社"),
    (SAKURA, "さくら物流株式会社"),
];

/// さくら物流's projects (it uses groups): id, name, and the contract linked to it.
const SAKURA_NETWORK: &str = "sakura-network";
const SAKURA_ARCHIVE: &str = "sakura-archive";
const PROJECTS: &[(&str, &str, &str, &str)] = &[
    (SAKURA_NETWORK, SAKURA, "社内ネットワーク案件", "0215"),
    (SAKURA_ARCHIVE, SAKURA, "文書アーカイブ案件", "0216"),
];

/// Each customer's role and groups: 東北電機 has one account of every role and no
/// groups; さくら物流's accounts see only their groups' projects (and their own tickets).
const CUSTOMER_ACCESS: &[(&str, CustomerRole, &[&str])] = &[
    (
        "yamada@tohoku-denki.example.jp",
        CustomerRole::UserAdmin,
        &[],
    ),
    (
        "sato@tohoku-denki.example.jp",
        CustomerRole::ContractManager,
        &[],
    ),
    (
        "suzuki@tohoku-denki.example.jp",
        CustomerRole::InquiryAdmin,
        &[],
    ),
    (
        "e.carter@tohoku-denki.example.jp",
        CustomerRole::InquiryMember,
        &[],
    ),
    (
        "ito@sakura-logi.example.jp",
        CustomerRole::UserAdmin,
        &[SAKURA_NETWORK, SAKURA_ARCHIVE],
    ),
    (
        "watanabe@sakura-logi.example.jp",
        CustomerRole::InquiryAdmin,
        &[SAKURA_ARCHIVE],
    ),
    (
        "kato@sakura-logi.example.jp",
        CustomerRole::InquiryMember,
        &[SAKURA_NETWORK],
    ),
];

fn access_of(email: &str) -> Option<(CustomerRole, &'static [&'static str])> {
    CUSTOMER_ACCESS
        .iter()
        .find(|(e, _, _)| *e == email)
        .map(|(_, r, g)| (*r, *g))
}

/// Staff first, the admin last (see `ADMIN_EMAIL`).
const PEOPLE: &[Person] = &[
    person(
        "takahashi@netlink.example.jp",
        "高橋 健太",
        Role::Agent,
        None,
        "ja",
    ),
    person(
        "nakamura@netlink.example.jp",
        "中村 美咲",
        Role::Agent,
        None,
        "ja",
    ),
    person(
        "yamada@tohoku-denki.example.jp",
        "山田 太郎",
        Role::Customer,
        Some(TOHOKU),
        "ja",
    ),
    person(
        "sato@tohoku-denki.example.jp",
        "佐藤 花子",
        Role::Customer,
        Some(TOHOKU),
        "ja",
    ),
    person(
        "suzuki@tohoku-denki.example.jp",
        "鈴木 一郎",
        Role::Customer,
        Some(TOHOKU),
        "ja",
    ),
    person(
        "e.carter@tohoku-denki.example.jp",
        "Emily Carter",
        Role::Customer,
        Some(TOHOKU),
        "en",
    ),
    person(
        "ito@sakura-logi.example.jp",
        "伊藤 直樹",
        Role::Customer,
        Some(SAKURA),
        "ja",
    ),
    person(
        "watanabe@sakura-logi.example.jp",
        "渡辺 由美",
        Role::Customer,
        Some(SAKURA),
        "ja",
    ),
    person(
        "kato@sakura-logi.example.jp",
        "加藤 大輔",
        Role::Customer,
        Some(SAKURA),
        "ja",
    ),
    person(ADMIN_EMAIL, "小林 誠", Role::Admin, None, "ja"),
];

/// One login of the demo, as `serve --demo` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The customer's company name.
    pub company: Option<String>,
    /// The customer's role in the company.
    pub customer_role: Option<CustomerRole>,
    /// The projects whose groups the customer is in (when the company uses groups).
    pub groups: Vec<String>,
    pub password: &'static str,
}

/// What `seed` found or did.
#[derive(Debug, Clone)]
pub struct Demo {
    pub logins: Vec<DemoLogin>,
    /// The demo tickets' numbers (empty when the demo was already there).
    pub tickets: Vec<String>,
    /// False when the store already held the demo and nothing was written.
    pub seeded_now: bool,
}

/// Every demo login, admin first.
pub fn logins() -> Vec<DemoLogin> {
    let mut list: Vec<DemoLogin> = PEOPLE
        .iter()
        .map(|p| DemoLogin {
            email: p.email.into(),
            name: p.name.into(),
            role: p.role,
            company: p.company.and_then(|id| {
                COMPANIES
                    .iter()
                    .find(|(c, _)| *c == id)
                    .map(|(_, n)| (*n).to_owned())
            }),
            customer_role: access_of(p.email).map(|(r, _)| r),
            groups: access_of(p.email)
                .map(|(_, g)| g.iter().map(|s| (*s).to_owned()).collect())
                .unwrap_or_default(),
            password: match p.role {
                Role::Admin => ADMIN_PASSWORD,
                Role::Agent => AGENT_PASSWORD,
                Role::Customer => CUSTOMER_PASSWORD,
            },
        })
        .collect();
    list.sort_by_key(|l| match l.role {
        Role::Admin => 0,
        Role::Agent => 1,
        Role::Customer => 2,
    });
    list
}

/// A sample file for a demo article (a log excerpt, a screenshot's description).
#[derive(Debug, Clone, Copy)]
pub struct SampleFile {
    pub name: &'static str,
    pub content_type: &'static str,
    pub text: &'static str,
}

/// Uploads the sample files as `actor` would (through the Blobs port) and returns the
/// upload ids that `open_ticket` claims with the article.
pub async fn sample_attachments(
    deps: &Deps,
    actor: &Actor,
    files: &[SampleFile],
) -> Result<Vec<String>, AppError> {
    let mut ids = Vec::new();
    for f in files {
        let upload = crate::app::uploads::receive(
            deps,
            actor,
            f.name,
            crate::app::uploads::stream_of(f.text.as_bytes().to_vec()),
        )
        .await?;
        ids.push(upload.id);
    }
    Ok(ids)
}

/// The demo's products as the ticket form of `content/portal.yaml` names them, with the
/// fields that product asks for (required ones the customer does not know as "unknown").
fn form_fields(
    product: &str,
    given: &[(&str, &str)],
) -> (&'static str, std::collections::BTreeMap<String, String>) {
    let (key, allowed, required): (&str, &[&str], &[&str]) = match product {
        "NL Mail Gateway" => (
            "mail-gateway",
            &[
                "contract_number",
                "serial_number",
                "model",
                "firmware_version",
            ],
            &["contract_number", "serial_number"],
        ),
        "NL SpamGuard クラウド" => (
            "spamguard",
            &["contract_number", "tenant_id"],
            &["contract_number", "tenant_id"],
        ),
        "NL Archive" => (
            "archive",
            &["contract_number", "tenant_id"],
            &["contract_number", "tenant_id"],
        ),
        "NL Secure VPN" => (
            "secure-vpn",
            &["contract_number", "tenant_id", "client_os"],
            &["contract_number", "tenant_id"],
        ),
        _ => ("other", &[], &[]),
    };
    let mut fields = std::collections::BTreeMap::new();
    for (k, v) in given {
        let (k, v) = match (*k, *v) {
            ("os_version", v) => ("firmware_version", v),
            ("model", "MG-5000") => ("model", "mg-3000"),
            other => other,
        };
        if allowed.contains(&k) && (k != "model" || v.starts_with("mg-") || v.starts_with("er-")) {
            fields.insert(k.to_owned(), v.to_owned());
        }
    }
    for r in required {
        fields
            .entry((*r).to_owned())
            .or_insert_with(|| "unknown".to_owned());
    }
    (key, fields)
}

/// Fills an empty store with the demo and returns its logins; a store that already has
/// the demo is left unchanged. A store with other accounts is refused (`data` error).
pub async fn seed(deps: &Deps) -> Result<Demo, AppError> {
    if deps.store.user_by_email(ADMIN_EMAIL).await?.is_some() {
        return Ok(Demo {
            logins: logins(),
            tickets: Vec::new(),
            seeded_now: false,
        });
    }
    if !deps.store.list_companies().await?.is_empty()
        || !deps.store.list_users(None).await?.is_empty()
    {
        return Err(AppError::invalid(
            "data",
            crate::app::error::Problem::text(
                "holds companies or users but not the complete demo (real data, or an interrupted \
             --demo): use an empty data folder for the demo",
            ),
        ));
    }
    let now = deps.clock.now();
    let clock = Arc::new(FixedClock::new(now));
    let seeder = Seeder {
        deps: Deps {
            clock: clock.clone(),
            ..deps.clone()
        },
        clock,
        now,
        actors: HashMap::new(),
    };
    let tickets = seeder.run().await?;
    Ok(Demo {
        logins: logins(),
        tickets,
        seeded_now: true,
    })
}

struct Seeder {
    deps: Deps,
    clock: Arc<FixedClock>,
    now: Timestamp,
    actors: HashMap<&'static str, Actor>,
}

/// `days` days ago at `hh:mm` in the portal's time zone (business hours look real),
/// never later than a few minutes ago.
fn ago(deps: &Deps, now: Timestamp, days: i64, hh: i8, mm: i8) -> Timestamp {
    let tz = deps.config.time_zone.clone();
    let today: Date = now.to_zoned(tz.clone()).date();
    let at = today
        .checked_sub(days.days())
        .ok()
        .and_then(|d| {
            d.to_datetime(Time::new(hh, mm, 0, 0).unwrap_or_default())
                .to_zoned(tz)
                .ok()
        })
        .map(|z| z.timestamp())
        .unwrap_or(now);
    let latest = now.checked_sub(SignedDuration::from_mins(5)).unwrap_or(now);
    at.min(latest)
}

impl Seeder {
    fn at(&self, days: i64, hh: i8, mm: i8) {
        self.clock.set(ago(&self.deps, self.now, days, hh, mm));
    }

    fn actor(&self, email: &str) -> Result<&Actor, AppError> {
        self.actors
            .get(email)
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("the demo has no user {email}")))
    }

    async fn open(
        &self,
        key: &str,
        who: &str,
        form: OpenTicket,
        files: &[SampleFile],
    ) -> Result<String, AppError> {
        let attachments = sample_attachments(&self.deps, self.actor(who)?, files).await?;
        let t = tickets::open_ticket(
            &self.deps,
            self.actor(who)?,
            OpenTicket {
                attachments,
                idempotency_key: Some(format!("demo-{key}")),
                ..form
            },
        )
        .await?;
        Ok(t.number)
    }

    async fn reply(
        &self,
        who: &str,
        number: &str,
        body: &str,
        next: Option<State>,
    ) -> Result<(), AppError> {
        tickets::reply(
            &self.deps,
            self.actor(who)?,
            number,
            Reply {
                body: body.into(),
                next_state: next,
                ..Default::default()
            },
        )
        .await
        .map(drop)
    }

    async fn note(&self, who: &str, number: &str, body: &str) -> Result<(), AppError> {
        tickets::reply(
            &self.deps,
            self.actor(who)?,
            number,
            Reply {
                body: body.into(),
                internal: true,
                ..Default::default()
            },
        )
        .await
        .map(drop)
    }

    async fn set_state(&self, who: &str, number: &str, to: State) -> Result<(), AppError> {
        tickets::change_state(&self.deps, self.actor(who)?, number, to)
            .await
            .map(drop)
    }

    /// Marks `number` as the follow-up of `earlier`, recorded in its history.
    // The ticket use cases have no follow-up yet (the API's POST …/follow-up is being
    // written on main); when they do, open the follow-up through it instead.
    async fn link_follow_up(&self, who: &str, number: &str, earlier: &str) -> Result<(), AppError> {
        let store = &self.deps.store;
        for _ in 0..8 {
            let current = store.get_ticket(number).await?.ok_or(AppError::NotFound)?;
            let mut next = current.clone();
            next.linked_to = Some(earlier.to_owned());
            next.version = current.version + 1;
            let update = TicketUpdate {
                ticket: next,
                expected_version: current.version,
                article: None,
                history: vec![HistoryRecord {
                    ticket: number.to_owned(),
                    at: self.deps.clock.now(),
                    actor_id: self.actor(who)?.user_id.clone(),
                    field: "linked_to".into(),
                    from: None,
                    to: Some(earlier.to_owned()),
                    reason: "follow-up of a ticket closed past the reopen window".into(),
                }],
                mails: vec![],
                claimed_uploads: vec![],
                previous_state: Some(current.state),
                relies_on: vec![],
            };
            match store.update_ticket(update).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }

    async fn run(mut self) -> Result<Vec<String>, AppError> {
        // Accounts and contracts, some time before the first ticket.
        self.at(75, 10, 0);
        for (id, name) in COMPANIES {
            accounts::add_company(
                &self.deps,
                &CompanyInput {
                    id: (*id).into(),
                    name: (*name).into(),
                },
            )
            .await?;
        }
        let policy = self.deps.config.password_policy;
        let mut ids = Vec::new();
        for p in PEOPLE {
            let login = logins()
                .into_iter()
                .find(|l| l.email == p.email)
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no login for {}", p.email)))?;
            let added = accounts::add_user(
                &self.deps,
                &UserInput {
                    email: p.email.into(),
                    name: p.name.into(),
                    role: p.role.as_str().into(),
                    company: p.company.unwrap_or_default().into(),
                    customer_role: login
                        .customer_role
                        .map(|r| r.as_str().to_owned())
                        .unwrap_or_default(),
                    // Groups come after the projects, below.
                    groups: String::new(),
                    lang: p.lang.into(),
                    credential: Credential::Password(login.password.into()),
                },
                &policy,
            )
            .await?;
            ids.push((p.email, added.user.id));
        }
        self.contracts().await?;
        self.projects().await?;
        // Actors as a login would build them, now that roles and groups are stored.
        for (email, id) in ids {
            let user = self
                .deps
                .store
                .get_user(&id)
                .await?
                .ok_or(AppError::NotFound)?;
            self.actors
                .insert(email, sessions::actor_of(&self.deps, &user).await?);
        }
        self.tickets().await
    }

    /// Yearly contracts run from the first of a month about seven months ago.
    fn contract_start(&self) -> Date {
        let today = self.now.to_zoned(self.deps.config.time_zone.clone()).date();
        today
            .first_of_month()
            .checked_sub(7.months())
            .unwrap_or(today)
    }

    fn contract_number(&self, n: &str) -> String {
        format!("NL-{}-{n}", self.contract_start().year())
    }

    async fn contracts(&self) -> Result<(), AppError> {
        let start = self.contract_start();
        let end = start
            .checked_add(1.year())
            .and_then(|d| d.checked_sub(1.day()))
            .unwrap_or(start);
        #[rustfmt::skip]
        let list: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
            ("0101", TOHOKU, "NL Mail Gateway", "MG-5000", "MG5K-2403-00418", "平日9:00〜17:30 オンサイト保守", "it-admin@tohoku-denki.example.jp"),
            ("0102", TOHOKU, "NL SpamGuard クラウド", "SG-CLOUD-500", "SGC-77120", "ソフトウェア保守", "it-admin@tohoku-denki.example.jp"),
            ("0215", SAKURA, "NL Secure VPN", "ER-4800", "ER48-2311-02977", "24時間365日 オンサイト保守", "joushi@sakura-logi.example.jp; netops@sakura-logi.example.jp"),
            ("0216", SAKURA, "NL Archive", "AR-2TB", "ARC-55031", "ソフトウェア保守", "joushi@sakura-logi.example.jp"),
        ];
        // One contract that ended last month: the profile marks it expired.
        let lapsed_end = start
            .checked_add(6.months())
            .and_then(|d| d.checked_sub(1.day()))
            .unwrap_or(start);
        let lapsed_start = lapsed_end
            .checked_sub(1.year())
            .and_then(|d| d.checked_add(1.day()))
            .unwrap_or(lapsed_end);
        contracts::add_contract(
            &self.deps,
            &ContractInput {
                number: format!("NL-{}-0090", lapsed_start.year()),
                company: TOHOKU.into(),
                product: "NL Edge Router".into(),
                model: "ER-2400".into(),
                serial_number: "ER24-1907-00113".into(),
                starts_on: lapsed_start.to_string(),
                ends_on: lapsed_end.to_string(),
                service_type: "平日9:00〜17:30 オンサイト保守".into(),
                maintenance_emails: "it-admin@tohoku-denki.example.jp".into(),
                projects: String::new(),
            },
        )
        .await?;
        for (n, company, product, model, serial, service, emails) in list {
            contracts::add_contract(
                &self.deps,
                &ContractInput {
                    number: self.contract_number(n),
                    company: (*company).into(),
                    product: (*product).into(),
                    model: (*model).into(),
                    serial_number: (*serial).into(),
                    starts_on: start.to_string(),
                    ends_on: end.to_string(),
                    service_type: (*service).into(),
                    maintenance_emails: (*emails).into(),
                    projects: String::new(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// さくら物流's projects, their contracts and groups, and the company's switch.
    async fn projects(&self) -> Result<(), AppError> {
        for (id, company, name, contract) in PROJECTS {
            projects::add_project(
                &self.deps,
                &ProjectInput {
                    id: (*id).into(),
                    company: (*company).into(),
                    name: (*name).into(),
                    group_name: String::new(),
                },
            )
            .await?;
            projects::link_contract(&self.deps, &self.contract_number(contract), id).await?;
        }
        for (email, _, groups) in CUSTOMER_ACCESS {
            if !groups.is_empty() {
                projects::set_user_access(&self.deps, email, None, Some(&groups.join(","))).await?;
            }
        }
        projects::set_company_groups(&self.deps, SAKURA, true).await?;
        Ok(())
    }

    async fn tickets(&self) -> Result<Vec<String>, AppError> {
        const YAMADA: &str = "yamada@tohoku-denki.example.jp";
        const SATO: &str = "sato@tohoku-denki.example.jp";
        const SUZUKI: &str = "suzuki@tohoku-denki.example.jp";
        const CARTER: &str = "e.carter@tohoku-denki.example.jp";
        const ITO: &str = "ito@sakura-logi.example.jp";
        const WATANABE: &str = "watanabe@sakura-logi.example.jp";
        const KATO: &str = "kato@sakura-logi.example.jp";
        const TAKAHASHI: &str = "takahashi@netlink.example.jp";
        const NAKAMURA: &str = "nakamura@netlink.example.jp";
        let form =
            |subject: &str, body: &str, product: &str, priority: &str, fields: &[(&str, &str)]| {
                let (key, fields) = form_fields(product, fields);
                OpenTicket {
                    subject: subject.into(),
                    body: body.into(),
                    product: Some(key.into()),
                    priority: Some(priority.into()),
                    ticket_type: Some(
                        if subject.contains("方法") {
                            "question"
                        } else {
                            "trouble"
                        }
                        .into(),
                    ),
                    fields,
                    ..Default::default()
                }
            };
        let mg = self.contract_number("0101");
        let vpn_contract = self.contract_number("0215");
        let archive = self.contract_number("0216");
        let mut numbers = Vec::new();

        // Closed more than the reopen window ago (English), and its linked follow-up.
        self.at(52, 10, 20);
        let firmware = self
            .open(
                "firmware-upgrade",
                CARTER,
                form(
                    "Planning the upgrade of NL Mail Gateway to 3.2",
                    "Hello,\n\nWe plan to upgrade our **NL Mail Gateway MG-5000** from 3.1.4 to 3.2.1 next month.\n\n\
                     1. Can we upgrade directly, or do we need 3.1.5 first?\n\
                     2. How long is mail delivery interrupted during the upgrade?\n\n\
                     Best regards,\nEmily Carter (IT, Tohoku Denki)",
                    "NL Mail Gateway",
                    "normal",
                    &[("contract_number", mg.as_str()), ("serial_number", "MG5K-2403-00418"), ("model", "MG-5000"), ("os_version", "3.1.4")],
                ),
                &[],
            )
            .await?;
        self.at(51, 14, 5);
        self.reply(
            TAKAHASHI,
            &firmware,
            "Dear Ms. Carter,\n\nThank you for your inquiry.\n\n\
             1. A direct upgrade from 3.1.4 to 3.2.1 is supported; 3.1.5 is not needed.\n\
             2. The gateway restarts once: mail is queued by the sending servers and delivery pauses for **about 5 minutes**.\n\n\
             Please take a configuration backup first (*System → Backup*). See also the 3.2.1 release notes in the FAQ.\n\n\
             Kenta Takahashi, NetLink Support",
            Some(State::WaitingCustomer),
        )
        .await?;
        self.at(49, 9, 40);
        self.reply(
            CARTER,
            &firmware,
            "Thank you, that answers our questions. We will schedule the upgrade.",
            None,
        )
        .await?;
        self.at(48, 11, 0);
        self.set_state(TAKAHASHI, &firmware, State::Closed).await?;
        numbers.push(firmware.clone());

        self.at(3, 9, 15);
        let follow_up = self
            .open(
                "firmware-follow-up",
                CARTER,
                form(
                    "After the upgrade to 3.2.1: \"queue deferred\" warnings",
                    "Hello,\n\nFollowing up on our earlier ticket: we upgraded to 3.2.1 last weekend. Since then the dashboard shows \
                     warnings like this every few hours:\n\n```\nWARN queue: 12 messages deferred (421 4.7.0 try again later)\n```\n\n\
                     Mail is delivered in the end. Is this expected after the upgrade?",
                    "NL Mail Gateway",
                    "normal",
                    &[("contract_number", mg.as_str()), ("serial_number", "MG5K-2403-00418"), ("model", "MG-5000"), ("os_version", "3.2.1")],
                ),
                &[SampleFile {
                    name: "queue-warnings.txt",
                    content_type: "text/plain",
                    text: "2026-11-20 03:12 WARN queue: 12 messages deferred (421 4.7.0 try again later)\n",
                }],
            )
            .await?;
        self.link_follow_up(CARTER, &follow_up, &firmware).await?;
        self.at(3, 13, 30);
        self.reply(
            TAKAHASHI,
            &follow_up,
            "Dear Ms. Carter,\n\nThe `421 4.7.0` replies come from the receiving side, which throttles new connections. \
             3.2.1 opens more parallel connections by default. We are checking whether the limit of 20 per destination \
             should be lowered for your environment and will get back to you.",
            None,
        )
        .await?;
        numbers.push(follow_up);

        // Closed within the reopen window, by the customer.
        self.at(16, 10, 45);
        let quarantine = self
            .open(
                "quarantine-release",
                SATO,
                form(
                    "隔離されたメールを受信者に届ける方法",
                    "お世話になっております。東北電機工業の佐藤です。\n\n取引先からの請求書メールが **迷惑メールとして隔離** されていました。\n\
                     管理画面から受信者に届ける手順を教えてください。\n\n- 差出人: `billing@partner.example.com`\n- 件名: 11月分ご請求書のご送付",
                    "NL SpamGuard クラウド",
                    "normal",
                    &[],
                ),
                &[],
            )
            .await?;
        self.at(16, 13, 10);
        self.reply(
            NAKAMURA,
            &quarantine,
            "佐藤様\n\nお問い合わせありがとうございます。ネットリンク サポートの中村です。\n\n\
             隔離メールは次の手順で受信者に配送できます。\n\n1. 管理画面の **隔離管理** を開きます。\n2. 対象のメールにチェックを入れます。\n\
             3. **解放** をクリックすると、受信者に配送されます。\n\n同じ差出人が今後隔離されないよう、**許可リスト** への登録もご検討ください。\n\
             ご確認のほど、よろしくお願いいたします。",
            Some(State::WaitingCustomer),
        )
        .await?;
        self.at(15, 9, 30);
        tickets::reply(
            &self.deps,
            self.actor(SATO)?,
            &quarantine,
            Reply {
                body: "中村様\n\n手順どおりに解放でき、受信者にも届きました。許可リストにも登録しました。\nありがとうございました。".into(),
                next_state: Some(State::Closed),
                ..Default::default()
            },
        )
        .await?;
        numbers.push(quarantine);

        // Pending close: solved, waiting for the timer.
        self.at(12, 11, 20);
        let backup = self
            .open(
                "archive-backup",
                WATANABE,
                form(
                    "NL Archive の夜間バックアップが失敗する",
                    "さくら物流の渡辺です。\n\n数日前から NL Archive の夜間バックアップジョブが失敗し、管理者宛てに次のメールが届いています。\n\n\
                     ```\nBackup job 'nightly' failed: destination //nas01/archive-backup: disk quota exceeded\n```\n\n\
                     NAS の空き容量は 300 GB ほどあります。原因を調べていただけますか。",
                    "NL Archive",
                    "high",
                    &[("contract_number", archive.as_str()), ("serial_number", "ARC-55031")],
                ),
                &[SampleFile {
                    name: "backup-job.log",
                    content_type: "text/plain",
                    text: "02:00:01 start nightly\n02:41:17 error: disk quota exceeded (user arcbackup)\n",
                }],
            )
            .await?;
        self.at(12, 15, 0);
        self.note(
            TAKAHASHI,
            &backup,
            "社内メモ: エラーは NAS 全体ではなく **ユーザ単位のクォータ**（arcbackup）と思われる。先月の 3.0 更新で差分保持世代が 7 → 14 に増えた影響の可能性。",
        )
        .await?;
        self.at(12, 15, 20);
        self.reply(
            TAKAHASHI,
            &backup,
            "渡辺様\n\nご連絡ありがとうございます。ネットリンク サポートの高橋です。\n\n\
             エラーは NAS 全体の空き容量ではなく、バックアップ用ユーザ `arcbackup` に設定された **クォータ（容量制限）** によるものと考えられます。\n\
             お手数ですが、NAS 管理画面で `arcbackup` のクォータと使用量をご確認いただけますでしょうか。",
            Some(State::WaitingCustomer),
        )
        .await?;
        self.at(5, 10, 5);
        self.reply(
            WATANABE,
            &backup,
            "高橋様\n\nご指摘のとおり、`arcbackup` のクォータが 500 GB で上限に達していました。1 TB に拡張したところ、昨夜のバックアップは成功しました。",
            None,
        )
        .await?;
        self.at(2, 16, 40);
        self.reply(
            TAKAHASHI,
            &backup,
            "渡辺様\n\nご確認ありがとうございます。正常に完了したとのこと、安心いたしました。\n\
             保持世代を 14 にされている場合、今後 1 年で 800 GB 程度まで増える見込みです。定期的に使用量をご確認ください。\n\n\
             この件はクローズとさせていただきます。",
            Some(State::PendingClose),
        )
        .await?;
        numbers.push(backup);

        // Waiting for the customer.
        self.at(9, 14, 0);
        let certificate = self
            .open(
                "vpn-certificate",
                ITO,
                form(
                    "VPN ゲートウェイのサーバ証明書更新について",
                    "さくら物流 情報システム部の伊藤です。\n\nER-4800 の SSL サーバ証明書が **来月末で期限切れ** になります。\n\
                     新しい証明書は取得済みです。更新の手順と、作業中に VPN 接続が切れるかどうかを教えてください。",
                    "NL Secure VPN",
                    "normal",
                    &[("contract_number", vpn_contract.as_str()), ("serial_number", "ER48-2311-02977"), ("model", "ER-4800"), ("os_version", "4.8.2")],
                ),
                &[],
            )
            .await?;
        self.at(8, 10, 30);
        self.reply(
            NAKAMURA,
            &certificate,
            "伊藤様\n\nお問い合わせありがとうございます。更新手順は次のとおりです。\n\n\
             1. 管理画面 **システム → 証明書** で、新しい証明書と中間証明書をインポートします。\n\
             2. **VPN → 設定** で、使用する証明書を新しいものに切り替えて保存します。\n\n\
             切り替えの際に VPN サービスが再起動し、接続中のユーザは **一度切断** されます（1 分程度で再接続できます）。\n\n\
             中間証明書をお持ちでない場合は、取得元の認証局名をお知らせください。作業日時はお決まりでしょうか。",
            Some(State::WaitingCustomer),
        )
        .await?;
        numbers.push(certificate);

        // Open: picked up, a reply from each side and an internal note.
        self.at(4, 9, 50);
        let delay = self
            .open(
                "delivery-delay",
                YAMADA,
                form(
                    "特定ドメイン宛てのメールが 1 時間以上遅延する",
                    "いつもお世話になっております。東北電機工業の山田です。\n\n昨日の午後から、`example-shoji.co.jp` 宛てのメールだけが **1 時間以上遅れて** 届いています。\n\
                     他のドメイン宛ては問題ありません。\n\n- 発生時刻: 昨日 14 時ごろから\n- 影響: 社員約 40 名\n\n至急ご確認をお願いいたします。",
                    "NL Mail Gateway",
                    "high",
                    &[("contract_number", mg.as_str()), ("serial_number", "MG5K-2403-00418"), ("model", "MG-5000"), ("os_version", "3.2.1")],
                ),
                &[SampleFile {
                    name: "maillog-excerpt.txt",
                    content_type: "text/plain",
                    text: "status=deferred (connect to mx.example-shoji.co.jp[203.0.113.25]:25: Connection timed out)\n",
                }],
            )
            .await?;
        self.at(4, 10, 30);
        self.reply(
            TAKAHASHI,
            &delay,
            "山田様\n\nご連絡ありがとうございます。ネットリンク サポートの高橋です。\n\n\
             ゲートウェイのキューを確認したところ、`example-shoji.co.jp` の MX への接続がタイムアウトしており、再送待ちになっています。\n\
             先方のメールサーバ側の問題の可能性が高いため、引き続き調査いたします。",
            None,
        )
        .await?;
        self.at(4, 11, 0);
        self.note(
            TAKAHASHI,
            &delay,
            "社内メモ: 203.0.113.25 への 25 番ポートが弊社中継からも不通。先方の IP 制限変更の可能性。中村さんに中継サーバ側のログ確認を依頼済み。",
        )
        .await?;
        self.at(3, 16, 10);
        self.reply(
            YAMADA,
            &delay,
            "高橋様\n\n先方のシステム担当に確認したところ、先週ファイアウォールを更新したとのことでした。弊社の送信元 IP を伝えて、許可を依頼しています。",
            None,
        )
        .await?;
        numbers.push(delay);

        // Open and urgent, on the other company.
        self.at(2, 8, 40);
        let vpn = self
            .open(
                "vpn-disconnects",
                KATO,
                form(
                    "在宅勤務者の VPN 接続が 30 分ごとに切断される",
                    "さくら物流の加藤です。\n\n今週から、在宅勤務者の VPN が **約 30 分ごとに切断** されるとの報告が複数あります。\n\
                     クライアントには `IKE SA expired` と表示されます。業務に支障が出ているため、至急対応をお願いします。",
                    "NL Secure VPN",
                    "urgent",
                    &[("contract_number", vpn_contract.as_str()), ("serial_number", "ER48-2311-02977"), ("model", "ER-4800")],
                ),
                &[],
            )
            .await?;
        self.at(2, 9, 5);
        self.reply(
            NAKAMURA,
            &vpn,
            "加藤様\n\nご不便をおかけしております。ネットリンク サポートの中村です。\n\n\
             `IKE SA expired` は、鍵の再生成（リキー）が失敗したときに表示されます。ゲートウェイの IKE SA 有効期間が **1800 秒** に変更されていないかご確認いただけますか。\n\
             設定画面の **VPN → IPsec → フェーズ 1** に表示されます。",
            None,
        )
        .await?;
        numbers.push(vpn);

        // New: nobody has picked it up yet.
        self.at(0, 9, 5);
        let smtp_auth = self
            .open(
                "smtp-auth",
                SUZUKI,
                form(
                    "SMTP 認証エラー（535 5.7.8）でメールが送信できない",
                    "東北電機工業の鈴木です。\n\n本日朝から、一部の社員の Outlook でメール送信時に次のエラーが出ます。\n\n\
                     ```\n535 5.7.8 Error: authentication failed\n```\n\n受信は問題ありません。パスワードは変更していないとのことです。\n\
                     対象は 5 名ほどで、いずれも先週 PC を入れ替えた社員です。",
                    "NL Mail Gateway",
                    "high",
                    &[("contract_number", mg.as_str()), ("serial_number", "MG5K-2403-00418"), ("model", "MG-5000"), ("os_version", "3.2.1")],
                ),
                &[],
            )
            .await?;
        numbers.push(smtp_auth);
        Ok(numbers)
    }
}
