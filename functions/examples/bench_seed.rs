//! Fills a data folder with a benchmark's worth of tickets: `bench_seed DATA N`.
//! 20 companies of 5 customers each and one agent; N tickets spread over the last
//! year, each with one article, written through the Store port as the portal would.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use madoguchi::adapters::embedded::SqliteStore;
use madoguchi::app::auth::hash_password;
use madoguchi::domain::access::Role;
use madoguchi::domain::ticket::State;
use madoguchi::ports::store::*;

pub const PASSWORD: &str = "bench password 2026";

fn user(id: String, company: Option<String>, role: Role, hash: &str, at: Timestamp) -> UserRecord {
    UserRecord {
        customer_role: (role == Role::Customer)
            .then_some(madoguchi::domain::access::CustomerRole::UserAdmin),
        projects: Vec::new(),
        email: format!("{id}@bench.example.jp"),
        name: format!("利用者 {id}"),
        id,
        role,
        company_id: company,
        lang: "ja".into(),
        time_zone: "Asia/Tokyo".into(),
        page_size: 25,
        refresh_secs: 0,
        mails_off: Vec::new(),
        mails_on: Vec::new(),
        password_hash: Some(hash.to_owned()),
        disabled: false,
        mail_to: None,
        pending: false,
        created_at: at,
        version: 1,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(data), Some(n)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: bench_seed DATA_DIR TICKETS");
    };
    let n: u64 = n.parse()?;
    std::fs::create_dir_all(data)?;
    let store = Arc::new(SqliteStore::open(
        &std::path::Path::new(data).join("madoguchi.db"),
    )?);
    let now = Timestamp::now();
    let hash = hash_password(PASSWORD)?;
    store
        .create_user(user("agent".into(), None, Role::Agent, &hash, now))
        .await?;
    for c in 0..20 {
        let company = format!("c{c:02}");
        store
            .create_company(CompanyRecord {
                uses_groups: false,
                id: company.clone(),
                name: format!("ベンチ株式会社 {c:02}"),
                created_at: now,
            })
            .await?;
        for u in 0..5 {
            store
                .create_user(user(
                    format!("u{c:02}{u}"),
                    Some(company.clone()),
                    Role::Customer,
                    &hash,
                    now,
                ))
                .await?;
        }
    }
    let started = std::time::Instant::now();
    let states = [
        State::New,
        State::Open,
        State::WaitingCustomer,
        State::PendingClose,
        State::Closed,
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let store = store.clone();
        let at = now - SignedDuration::from_secs((n - i) as i64 * 300);
        let c = i % 20;
        let requester = format!("u{c:02}{}", (i / 20) % 5);
        let state = states[(i % 5) as usize];
        let number = format!("B{:012}", i + 1);
        tasks.spawn(async move {
            let ticket = TicketRecord {
                project_id: None,
                number: number.clone(),
                subject: format!("メール配送の遅延について その{i}"),
                requester_id: requester.clone(),
                company_id: format!("c{c:02}"),
                state,
                priority: "normal".into(),
                owner_id: None,
                service: None,
                sla: None,
                ticket_type: None,
                product: Some("NL Mail Gateway".into()),
                fields: BTreeMap::new(),
                cc: vec![],
                created_at: at,
                updated_at: at,
                closed_at: (state == State::Closed).then_some(at),
                timer: None,
                linked_to: None,
                preview: "昨日の夕方から社外宛てのメールが届くまでに30分ほどかかっています。".into(),
                article_count: 1,
                version: 1,
                contacts: Default::default(),
                sla_clock: None,
                channel: madoguchi::domain::ticket::Channel::Web,
                department: None,
                merged_into: None,
            };
            let article = ArticleRecord {
                ticket: number,
                seq: 1,
                author_id: requester.clone(),
                author_name: format!("利用者 {requester}"),
                internal: false,
                body_md: "昨日の夕方から社外宛てのメールが届くまでに30分ほどかかっています。\n\n- 対象: 全ユーザー\n- 発生: 11/22 17:00 頃から".into(),
                created_at: at,
                attachments: vec![],
                minutes: None,
                fields: Default::default(),
            };
            store
                .create_ticket(NewTicket {
                    ticket,
                    article,
                    history: vec![],
                    mails: vec![],
                    idempotency_key: None,
                    claimed_uploads: vec![],
                    number_from: None,
                })
                .await
        });
        if tasks.len() >= 64 {
            tasks.join_next().await.expect("a task")??;
        }
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    println!(
        "seeded {n} tickets in {:.1} s; logins: u000@bench.example.jp (customer of c00), agent@bench.example.jp; password: {PASSWORD}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
