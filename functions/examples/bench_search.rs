//! The staff search benchmark on the embedded store: `bench_search DATA N [RUNS]`.
//! Seeds N tickets (if DATA has none) with Japanese subjects and bodies and two to four
//! replies or internal notes each, written through the Store port as the portal writes
//! them (so the search index is kept as in production), then times typical searches
//! (`SearchStore::search_tickets`, first page of 25) RUNS times each and prints one
//! tab-separated line per search: name, query, tickets found on the page, p50 and p95
//! in milliseconds.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use madoguchi::adapters::embedded::SqliteStore;
use madoguchi::domain::ticket::State;
use madoguchi::ports::search::{Equals, FilterField, SearchOrder, SearchQuery, TimeRange};
use madoguchi::ports::store::*;

/// Phrases the texts are made of, from common (every few tickets) to rare.
const TOPICS: &[&str] = &[
    "メールの送信が遅延しています",
    "ネットワーク障害が発生しました",
    "VPN に接続できません",
    "ファイアウォールの設定変更をお願いします",
    "迷惑メールの判定が厳しすぎます",
    "証明書の更新手順を教えてください",
    "管理画面にログインできません",
    "バックアップが失敗しました",
    "ライセンスの追加購入について",
    "ディスク容量が不足しています",
    "DNS の名前解決が遅いです",
    "SMTP AUTH error 535 が返ります",
    "プリンターから印刷できません",
    "ファームウェアのバージョンアップ予定",
    "請求書の再発行をお願いします",
    "無線 LAN が頻繁に切断されます",
];
const DETAILS: &[&str] = &[
    "昨日の夕方から発生しています。",
    "全ユーザーが対象です。",
    "一部の拠点のみで起きています。",
    "再起動しても改善しません。",
    "ログを添付します。ご確認ください。",
    "至急対応をお願いします。",
    "業務への影響は軽微です。",
    "Outbound queue keeps growing.",
];
const REPLIES: &[&str] = &[
    "ご連絡ありがとうございます。状況を確認いたします。",
    "ログを確認したところ、上流のサーバーで遅延が見られます。",
    "設定を変更しました。改善したかご確認ください。",
    "回線事業者に問い合わせ中です。",
    "社内メモ: 前回と同じ事象の可能性が高い。",
    "ファームウェアの既知の不具合に該当します。",
    "The relay timeout was raised to 120 seconds.",
];
const PRIORITIES: &[&str] = &["low", "normal", "normal", "high", "urgent"];
const TYPES: &[&str] = &["trouble", "question", "request"];
const PRODUCTS: &[&str] = &["NL Mail Gateway", "NL Firewall", "NL SpamGuard"];

/// A small deterministic generator (the same data on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    /// Skewed towards the start of a list: the first entries are the common ones.
    fn skewed<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let a = self.next(list.len());
        let b = self.next(list.len());
        list[a.min(b)]
    }
}

async fn seed(store: &Arc<SqliteStore>, n: u64) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let store = store.clone();
        let mut rng = Lcg(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66);
        let at = now - SignedDuration::from_secs((n - i) as i64 * 300);
        let c = i % 20;
        let requester = format!("u{c:02}{}", (i / 20) % 5);
        let number = format!("B{:012}", i + 1);
        let subject = format!("{} (その{i})", rng.skewed(TOPICS));
        let body = format!(
            "{}\n\n{}\n{}",
            rng.skewed(TOPICS),
            rng.skewed(DETAILS),
            rng.skewed(DETAILS)
        );
        let replies: Vec<(String, bool)> = (0..2 + rng.next(3))
            .map(|k| (rng.skewed(REPLIES).to_owned(), k % 2 == 1))
            .collect();
        let state = [
            State::New,
            State::Open,
            State::WaitingCustomer,
            State::PendingClose,
            State::Closed,
        ][rng.next(5)];
        let priority = PRIORITIES[rng.next(PRIORITIES.len())];
        let ticket_type = TYPES[rng.next(TYPES.len())];
        let product = PRODUCTS[rng.next(PRODUCTS.len())];
        let owner = (rng.next(3) > 0).then(|| format!("s{}", rng.next(4)));
        tasks.spawn(async move {
            let mut ticket = TicketRecord {
                project_id: None,
                number: number.clone(),
                subject,
                requester_id: requester.clone(),
                company_id: format!("c{c:02}"),
                state: State::New,
                priority: priority.into(),
                owner_id: None,
                service: None,
                sla: None,
                ticket_type: Some(ticket_type.into()),
                product: Some(product.into()),
                fields: BTreeMap::from([(
                    "contract_number".to_owned(),
                    format!("NL-{:06}", i % 5000),
                )]),
                cc: vec![],
                created_at: at,
                updated_at: at,
                closed_at: None,
                timer: None,
                linked_to: None,
                preview: body.chars().take(60).collect(),
                article_count: 1,
                version: 1,
                contacts: Default::default(),
                sla_clock: None,
                channel: madoguchi::domain::ticket::Channel::Web,
                department: None,
                merged_into: None,
            };
            let article = |seq: u32, body: &str, internal: bool, at: Timestamp| ArticleRecord {
                ticket: number.clone(),
                seq,
                author_id: requester.clone(),
                author_name: "利用者".into(),
                internal,
                body_md: body.to_owned(),
                created_at: at,
                attachments: vec![],
                minutes: None,
                fields: BTreeMap::new(),
            };
            store
                .create_ticket(NewTicket {
                    ticket: ticket.clone(),
                    article: article(1, &body, false, at),
                    history: vec![],
                    mails: vec![],
                    idempotency_key: None,
                    claimed_uploads: vec![],
                    number_from: None,
                })
                .await?;
            let count = replies.len();
            for (k, (text, internal)) in replies.into_iter().enumerate() {
                let at = at + SignedDuration::from_secs(60 * (k as i64 + 1));
                let expected_version = ticket.version;
                ticket.version += 1;
                ticket.article_count += 1;
                ticket.updated_at = at;
                if k + 1 == count {
                    ticket.state = state;
                    ticket.owner_id = owner.clone();
                    ticket.closed_at = (state == State::Closed).then_some(at);
                }
                store
                    .update_ticket(TicketUpdate {
                        ticket: ticket.clone(),
                        expected_version,
                        article: Some(article(ticket.article_count, &text, internal, at)),
                        history: vec![],
                        mails: vec![],
                        claimed_uploads: vec![],
                        previous_state: None,
                        relies_on: vec![],
                    })
                    .await?;
            }
            Ok::<_, StoreError>(())
        });
        if tasks.len() >= 64 {
            tasks.join_next().await.expect("a task")??;
        }
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    eprintln!(
        "seeded {n} tickets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn filter(field: FilterField, values: &[&str]) -> Equals {
    Equals {
        field,
        any_of: values.iter().map(|v| Some((*v).to_owned())).collect(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(data), Some(n)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: bench_search DATA_DIR TICKETS [RUNS]");
    };
    let n: u64 = n.parse()?;
    let runs: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(30);
    std::fs::create_dir_all(data)?;
    let path = std::path::Path::new(data).join("madoguchi.db");
    let fresh = !path.exists();
    let store = Arc::new(SqliteStore::open(&path)?);
    if fresh {
        seed(&store, n).await?;
    }
    let words = |q: &str| SearchQuery {
        terms: madoguchi_text::terms(q),
        limit: 25,
        ..SearchQuery::default()
    };
    let month = TimeRange {
        from: Some(Timestamp::now() - SignedDuration::from_hours(24 * 60)),
        to: None,
    };
    let searches: Vec<(&str, &str, SearchQuery)> = vec![
        ("one Japanese word", "q=遅延", words("遅延")),
        ("a less common word", "q=請求書", words("請求書")),
        ("two words", "q=メール 遅延", words("メール 遅延")),
        ("English words", "q=relay timeout", words("relay timeout")),
        (
            "words + filters",
            "q=障害, state=new,open, priority=high",
            SearchQuery {
                filters: vec![
                    filter(FilterField::State, &["new", "open"]),
                    filter(FilterField::Priority, &["high"]),
                ],
                ..words("障害")
            },
        ),
        (
            "filters only",
            "state=open, product=NL Firewall, owner=unassigned",
            SearchQuery {
                filters: vec![
                    filter(FilterField::State, &["open"]),
                    filter(FilterField::Product, &["NL Firewall"]),
                    Equals {
                        field: FilterField::Owner,
                        any_of: vec![None],
                    },
                ],
                limit: 25,
                ..SearchQuery::default()
            },
        ),
        (
            "filters + received range",
            "company=c03, received in the last 60 days",
            SearchQuery {
                filters: vec![filter(FilterField::Company, &["c03"])],
                received: month,
                limit: 25,
                ..SearchQuery::default()
            },
        ),
        (
            "word, newest first",
            "q=障害, order=newest",
            SearchQuery {
                order: SearchOrder::Newest,
                ..words("障害")
            },
        ),
    ];
    for (name, shown, q) in &searches {
        let mut times = Vec::with_capacity(runs);
        let mut found = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let page = store.search_tickets(q).await?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            found = page.items.len();
        }
        times.sort_by(f64::total_cmp);
        let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        println!("{name}\t{shown}\t{found}\t{:.1}\t{:.1}", at(0.5), at(0.95));
    }
    Ok(())
}
