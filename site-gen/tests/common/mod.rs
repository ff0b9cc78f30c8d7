//! Fixture sites for the integration tests: a small content tree written into a temp
//! folder, built with the project's real templates.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use site_gen::BuildOptions;

pub const SITE_YAML: &str = "name: {ja: テスト窓口, en: Test Desk}\nbase_url: https://support.example.jp\ncomponents:\n  - id: mail\n    name: {ja: メール, en: Mail}\n  - id: vpn\n    name: VPN\n";

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// An empty site with site.yaml only.
    pub fn empty() -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        f.write("site.yaml", SITE_YAML);
        f
    }

    pub fn content(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.content().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            content: self.content(),
            templates: templates_dir(),
            out: self.dir.path().join("out/site"),
            members_out: self.dir.path().join("out/members"),
            base_url: None,
            now: Some("2026-11-23T03:00:00Z".parse().unwrap()),
            progress: false,
        }
    }

    pub fn out(&self, rel: &str) -> PathBuf {
        self.dir.path().join("out/site").join(rel)
    }

    pub fn members(&self, rel: &str) -> PathBuf {
        self.dir.path().join("out/members").join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Every file of the public output, concatenated (for "appears nowhere" checks).
    pub fn all_public_text(&self) -> String {
        let mut all = String::new();
        for e in walkdir::WalkDir::new(self.dir.path().join("out/site"))
            .into_iter()
            .filter_map(Result::ok)
        {
            if e.file_type().is_file() {
                let bytes = std::fs::read(e.path()).unwrap();
                all.push_str(&String::from_utf8_lossy(&bytes));
                all.push('\n');
            }
        }
        all
    }
}

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn templates_dir() -> PathBuf {
    project_root().join("templates")
}

/// A small but complete site: FAQ in two languages, all three visibilities, notices
/// of every kind, a manual with an attachment, and a plain page.
pub fn sample() -> Fixture {
    let f = Fixture::empty();
    f.write("faq/_index.md", "---\ntitle: よくあるご質問\n---\n")
        .write("faq/mail/_index.md", "---\ntitle: メール\ndescription: メールについて\n---\n")
        .write("faq/mail/_index.en.md", "---\ntitle: Mail\n---\n")
        .write("faq/mail/trouble/_index.md", "---\ntitle: トラブルシューティング\n---\n")
        .write(
            "faq/mail/trouble/delay.md",
            "---\ntitle: メール送信の遅延障害について\nid: 1001\nkeywords: [遅延, 送信]\ndate: 2026-04-01\nupdated: 2026-10-01\nattachments: [guide.pdf]\n---\n## 症状\n\nメールの送信に時間がかかります。[認証](auth.md)も確認してください。\n",
        )
        .write(
            "faq/mail/trouble/delay.en.md",
            "---\ntitle: Mail delivery delay\nid: 1001\nkeywords: [delay]\ndate: 2026-04-01\n---\nDelivery is slow. See [auth](auth.en.md).\n",
        )
        .write("faq/mail/trouble/auth.md", "---\ntitle: SMTP 認証エラー 535\nid: 1002\nkeywords: [SMTP, 認証]\ndate: 2026-05-01\n---\nSMTP AUTH に失敗します。\n")
        .write("faq/mail/trouble/auth.en.md", "---\ntitle: SMTP authentication error 535\nid: 1002\ndate: 2026-05-01\n---\nSMTP AUTH fails.\n")
        .write(
            "faq/mail/trouble/secret-fix.md",
            "---\ntitle: 顧客限定パッチ手順\nid: 1003\nvisibility: customer\ndate: 2026-06-01\n---\nCUSTOMERONLYTOKEN のパッチを適用します。\n",
        )
        .write(
            "faq/mail/trouble/staff-memo.md",
            "---\ntitle: スタッフ向け覚え書き\nid: 1004\nvisibility: internal\ndate: 2026-06-01\n---\nINTERNALONLYTOKEN 社内向け。\n",
        )
        .write(
            "notices/mail-outage.md",
            "---\ntitle: メール中継の障害\nkind: incident\ndate: 2026-11-22T09:00:00+09:00\nstatus: monitoring\nimpact: major\ncomponents: [mail]\nupdates:\n  - {at: 2026-11-22T09:00:00+09:00, status: investigating, body: 調査しています。}\n  - {at: 2026-11-22T11:00:00+09:00, status: monitoring, body: 復旧を確認中です。}\n---\nメール中継で障害が発生しています。\n",
        )
        .write(
            "notices/maint.md",
            "---\ntitle: VPN メンテナンス\nkind: maintenance\ndate: 2026-11-20\nstatus: scheduled\ncomponents: [vpn]\nstarts_at: 2026-12-12 01:00\nends_at: 2026-12-12 05:00\n---\nVPN を停止します。\n",
        )
        .write("notices/holiday.md", "---\ntitle: 年末年始休業のお知らせ\nkind: announcement\ndate: 2026-11-16\n---\n休業します。\n")
        .write(
            "notices/customer-notice.md",
            "---\ntitle: 顧客向け通知\nkind: announcement\ndate: 2026-11-10\nvisibility: customer\n---\nCUSTOMERNOTICETOKEN\n",
        )
        .write(
            "manuals/guide.md",
            "---\ntitle: 管理者マニュアル\nproduct: NL Mail Gateway\nversion: '3.2'\ndate: 2026-09-01\nattachments: [guide.pdf]\nversions:\n  - {version: '3.2', date: 2026-09-01, notes: 改訂, file: guide.pdf}\n---\n最新版です。\n",
        )
        .write("pages/contact.md", "---\ntitle: お問い合わせ\n---\n[稼働状況](/status/) をご確認ください。\n");
    std::fs::write(
        f.content().join("faq/mail/trouble/guide.pdf"),
        b"%PDF-1.4 test",
    )
    .unwrap();
    std::fs::write(f.content().join("manuals/guide.pdf"), b"%PDF-1.4 manual").unwrap();
    f
}
