//! Building whole fixture sites: what lands where, what never does, and every error.

mod common;

use common::{Fixture, sample};
use site_gen::{build, content_errors};

fn errors_of(f: &Fixture) -> Vec<String> {
    let err = build(&f.options()).expect_err("the build should fail");
    content_errors(&err)
        .unwrap_or_else(|| panic!("not a content error: {err:#}"))
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn the_sample_site_builds_every_kind_of_page() {
    let f = sample();
    let summary = build(&f.options()).unwrap();
    for rel in [
        "index.html",
        "en/index.html",
        "faq/index.html",
        "faq/mail/index.html",
        "faq/mail/trouble/index.html",
        "faq/mail/trouble/delay/index.html",
        "faq/mail/trouble/delay/guide.pdf",
        "en/faq/mail/trouble/delay/index.html",
        "notices/index.html",
        "notices/incident/index.html",
        "notices/maintenance/index.html",
        "notices/incident/index.html",
        "status/index.html",
        "manuals/index.html",
        "manuals/guide/index.html",
        "manuals/guide/guide.pdf",
        "contact/index.html",
        "search/index.html",
        "search/meta.json",
        "404.html",
        "en/404.html",
        "sitemap.xml",
        "robots.txt",
        "notices/atom.xml",
        "faq/atom.xml",
        "notices/maintenance.ics",
        "assets/site.css",
        "assets/search.js",
    ] {
        assert!(f.out(rel).is_file(), "{rel} is missing");
    }
    assert!(summary.pages > 20, "{summary}");
}

#[test]
fn an_faq_item_shows_number_breadcrumbs_keywords_attachments_and_related_items() {
    let f = sample();
    build(&f.options()).unwrap();
    let html = f.read("faq/mail/trouble/delay/index.html");
    assert!(html.contains(r#"<html lang="ja">"#));
    assert!(html.contains(r#"class="faq-id">1001<"#), "FAQ number");
    assert!(
        html.contains(r#"href="/faq/mail/">メール</a>"#),
        "breadcrumb to the category"
    );
    assert!(
        html.contains(r#"href="/faq/mail/trouble/">トラブルシューティング</a>"#),
        "breadcrumb to the sub-category"
    );
    assert!(
        html.contains("遅延") && html.contains("/search/?q="),
        "keywords link to search"
    );
    assert!(
        html.contains(r#"href="/faq/mail/trouble/delay/guide.pdf""#) && html.contains("(13 B)"),
        "attachment with size"
    );
    assert!(
        html.contains(r#"href="/faq/mail/trouble/auth/""#),
        "the .md link became the page URL, and auth is related"
    );
    assert!(html.contains(r#"data-vote-url="/api/v1/faq/1001/votes""#));
    assert!(
        html.contains(
            r#"hreflang="en" href="https://support.example.jp/en/faq/mail/trouble/delay/""#
        ),
        "alternate language"
    );
    assert!(html.contains(
        r#"<link rel="canonical" href="https://support.example.jp/faq/mail/trouble/delay/">"#
    ));
    assert!(html.contains(r#"<h2 id="症状">"#), "heading anchor");
    let en = f.read("en/faq/mail/trouble/delay/index.html");
    assert!(
        en.contains(r#"<html lang="en">"#) && en.contains("Was this FAQ item helpful?"),
        "English UI strings"
    );
    assert!(en.contains(r#"href="/en/faq/mail/trouble/auth/""#));
}

#[test]
fn category_pages_count_public_items_only() {
    let f = sample();
    build(&f.options()).unwrap();
    let html = f.read("faq/index.html");
    // mail has 2 public Japanese items (the customer and internal ones are not counted) and 1 sub-category.
    assert!(html.contains(r#"<td><a href="/faq/mail/">メール</a></td><td>メールについて</td><td class="num">1</td><td class="num">2</td>"#), "{html}");
}

#[test]
fn customer_and_internal_pages_never_reach_the_public_output() {
    let f = sample();
    build(&f.options()).unwrap();
    let public = f.all_public_text();
    for token in [
        "CUSTOMERONLYTOKEN",
        "顧客限定パッチ手順",
        "CUSTOMERNOTICETOKEN",
        "顧客向け通知",
        "INTERNALONLYTOKEN",
        "スタッフ向け覚え書き",
    ] {
        assert!(
            !public.contains(token),
            "{token} leaked into the public site"
        );
    }
    assert!(!f.out("faq/mail/trouble/secret-fix").exists());
    // The public search index has no term that only the customer page has.
    let shard_terms: Vec<String> = std::fs::read_dir(f.out("search"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bin"))
        .flat_map(|e| site_gen::search::read_shard(&std::fs::read(e.path()).unwrap()).into_keys())
        .collect();
    assert!(
        !shard_terms.iter().any(|t| t == "customeronlytoken"),
        "customer term in the public index"
    );
    assert!(shard_terms.iter().any(|t| t == "遅延"));

    // Customer pages go to the members output with their own index; internal ones nowhere.
    let members =
        std::fs::read_to_string(f.members("faq/mail/trouble/secret-fix/index.html")).unwrap();
    assert!(members.contains("CUSTOMERONLYTOKEN"));
    assert!(f.members("notices/customer-notice/index.html").is_file());
    assert!(f.members("search/meta.json").is_file());
    assert!(!f.members("faq/mail/trouble/staff-memo").exists());
    let index = std::fs::read_to_string(f.members("index.html")).unwrap();
    assert!(index.contains("顧客限定パッチ手順"));
}

#[test]
fn the_atom_feeds_parse_and_hold_only_public_entries() {
    let f = sample();
    build(&f.options()).unwrap();
    let notices = feed_rs::parser::parse(f.read("notices/atom.xml").as_bytes()).unwrap();
    let titles: Vec<String> = notices
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert_eq!(notices.entries.len(), 3, "{titles:?}");
    assert!(titles.contains(&"メール中継の障害".to_owned()));
    assert!(!titles.iter().any(|t| t.contains("顧客")));
    assert_eq!(
        notices.entries[0].links[0].href,
        "https://support.example.jp/notices/mail-outage/"
    );
    let faq = feed_rs::parser::parse(f.read("faq/atom.xml").as_bytes()).unwrap();
    assert_eq!(faq.entries.len(), 2);
    let en = feed_rs::parser::parse(f.read("en/faq/atom.xml").as_bytes()).unwrap();
    assert_eq!(en.entries.len(), 2);
}

#[test]
fn the_icalendar_feed_parses_with_the_maintenance_window_in_utc() {
    let f = sample();
    build(&f.options()).unwrap();
    let ics = f.read("notices/maintenance.ics");
    let mut reader = ical::IcalParser::new(ics.as_bytes());
    let cal = reader
        .next()
        .expect("one calendar")
        .expect("valid iCalendar");
    assert_eq!(cal.events.len(), 1);
    let prop = |name: &str| {
        cal.events[0]
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    assert_eq!(prop("SUMMARY"), "VPN メンテナンス");
    assert_eq!(prop("DTSTART"), "20261211T160000Z");
    assert_eq!(prop("DTEND"), "20261211T200000Z");
    assert_eq!(prop("URL"), "https://support.example.jp/notices/maint/");
    assert!(prop("UID").ends_with("@support.example.jp"));
}

#[test]
fn the_status_page_derives_component_states_from_notices() {
    let f = sample();
    build(&f.options()).unwrap();
    let html = f.read("status/index.html");
    assert!(
        html.contains(r#"class="overall overall-major_outage""#),
        "an unresolved major incident"
    );
    assert!(
        html.contains("メール</h3>\n        <span class=\"state state-major_outage\""),
        "{html}"
    );
    assert!(
        html.contains("VPN</h3>\n        <span class=\"state state-operational\""),
        "maintenance is upcoming, not active"
    );
    assert_eq!(
        html.matches(r#"class="day day-"#).count(),
        2 * 90,
        "90 days per component"
    );
    // The banner shows the active incident on every page.
    assert!(f.read("contact/index.html").contains(r#"class="banner""#));
}

#[test]
fn the_sitemap_lists_public_pages_with_alternates_and_robots_points_to_it() {
    let f = sample();
    build(&f.options()).unwrap();
    let sitemap = f.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://support.example.jp/faq/mail/trouble/delay/</loc>"));
    assert!(
        sitemap.contains(
            r#"hreflang="en" href="https://support.example.jp/en/faq/mail/trouble/delay/""#
        )
    );
    assert!(
        !sitemap.contains("secret-fix")
            && !sitemap.contains("staff-memo")
            && !sitemap.contains("customer-notice")
    );
    assert!(
        f.read("robots.txt")
            .contains("Sitemap: https://support.example.jp/sitemap.xml")
    );
}

#[test]
fn every_content_error_is_listed_with_file_line_and_field() {
    let f = sample();
    f.write("faq/mail/trouble/dup.md", "---\ntitle: 重複\nid: 1001\ndate: 2026-01-01\n---\n本文\n")
        .write("faq/mail/trouble/bad.md", "---\ntitle: 不正\nid: 2001\ntags: [x]\nupdated: yesterday\n---\n本文\n")
        .write("faq/mail/trouble/notitle.md", "---\nid: 2002\n---\n本文\n")
        .write("faq/mail/trouble/links.md", "---\ntitle: リンク\nid: 2003\n---\n本文\n\n[a](missing.md)\n\n[b](/nowhere/)\n\n[c](nofile.pdf)\n\n[d](staff-memo.md)\n")
        .write("notices/bad.md", "---\ntitle: x\nkind: incident\ndate: 2026-11-01\nstatus: investigating\ncomponents: [mail, dns]\n---\n");
    let e = errors_of(&f);
    let expect = [
        "faq/mail/trouble/dup.md:3: id: FAQ number 1001 is already used by faq/mail/trouble/delay.",
        "faq/mail/trouble/bad.md:4: tags: is not a known key here",
        "faq/mail/trouble/bad.md:5: updated: 'yesterday' is not a date or time",
        "faq/mail/trouble/notitle.md:2: title: is required but missing",
        "faq/mail/trouble/links.md:7: links to 'missing.md', but there is no page faq/mail/trouble/missing.md",
        "faq/mail/trouble/links.md:9: links to '/nowhere/', which is not a page or file of this site",
        "faq/mail/trouble/links.md:11: links to 'nofile.pdf', but there is no file faq/mail/trouble/nofile.pdf",
        "faq/mail/trouble/links.md:13: links to 'staff-memo.md', which is an internal page and is not published",
        "notices/bad.md:6: components: 'dns' is not a component in site.yaml",
    ];
    for want in expect {
        assert!(
            e.iter().any(|got| got.starts_with(want)),
            "missing «{want}» in:\n{}",
            e.join("\n")
        );
    }
}

#[test]
fn a_second_build_rewrites_nothing_and_a_deleted_page_disappears() {
    let f = sample();
    build(&f.options()).unwrap();
    let again = build(&f.options()).unwrap();
    assert_eq!(again.changed, 0, "{again}");
    std::fs::remove_file(f.content().join("faq/mail/trouble/auth.md")).unwrap();
    std::fs::write(
        f.content().join("faq/mail/trouble/delay.md"),
        "---\ntitle: メール送信の遅延障害について\nid: 1001\ndate: 2026-04-01\n---\n本文\n",
    )
    .unwrap();
    build(&f.options()).unwrap();
    assert!(
        !f.out("faq/mail/trouble/auth/index.html").exists(),
        "stale page removed"
    );
    assert!(f.out("en/faq/mail/trouble/auth/index.html").exists());
}

#[test]
fn the_watch_cache_reparses_only_changed_files() {
    let f = sample();
    let mut cache = site_gen::content::load::Cache::default();
    let first = site_gen::content::load::load_cached(&f.content(), &mut cache).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    f.write(
        "faq/mail/trouble/auth.md",
        "---\ntitle: 変更後のタイトル\nid: 1002\ndate: 2026-05-01\n---\n変更\n",
    );
    let second = site_gen::content::load::load_cached(&f.content(), &mut cache).unwrap();
    assert_eq!(first.pages.len(), second.pages.len());
    assert!(second.pages.iter().any(|p| p.title == "変更後のタイトル"));
}

#[test]
fn the_shipped_content_builds_without_errors() {
    let root = common::project_root();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = site_gen::BuildOptions::in_dir(&root);
    opts.out = dir.path().join("site");
    opts.members_out = dir.path().join("members");
    let summary = build(&opts).unwrap_or_else(|e| match content_errors(&e) {
        Some(errs) => panic!(
            "{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
        None => panic!("{e:#}"),
    });
    assert!(summary.pages >= 100, "{summary}");
    assert!(summary.members_pages >= 6, "{summary}");
}

const PORTAL_SCREENS: [&str; 9] = [
    "",
    "login/",
    "new/",
    "ticket/",
    "settings/",
    "forgot/",
    "reset/",
    "register/",
    "forgot-id/",
];

#[test]
fn the_portal_screens_are_built_in_every_language_with_the_site_layout() {
    let f = sample();
    build(&f.options()).unwrap();
    for (lang, lp, other, other_lp) in [("ja", "", "en", "/en"), ("en", "/en", "ja", "")] {
        let dir = lp.trim_start_matches('/');
        for screen in PORTAL_SCREENS {
            let rel = format!(
                "{dir}{}portal/{screen}index.html",
                if dir.is_empty() { "" } else { "/" }
            );
            let html = f.read(&rel);
            assert!(
                html.contains(&format!(r#"<html lang="{lang}">"#)),
                "{rel}: language"
            );
            assert!(
                html.contains(r#"<meta name="robots" content="noindex, nofollow">"#),
                "{rel}: kept out of search engines"
            );
            assert!(
                html.contains(&format!(
                    r#"href="{other_lp}/portal/{screen}" hreflang="{other}""#
                )),
                "{rel}: the language switch leads to the same screen"
            );
            assert!(
                html.contains(r#"class="banner""#),
                "{rel}: the incident banner"
            );
            assert!(html.contains(r#"<script type="module" src="/assets/portal.js"></script>"#));
            assert!(html.contains(r#"<script type="application/json" id="portal-strings">"#));
            assert!(html.contains(&format!(r#"data-prefix="{lp}""#)), "{rel}");
        }
        let login = f.read(&format!(
            "{dir}{}portal/login/index.html",
            if dir.is_empty() { "" } else { "/" }
        ));
        assert!(
            login.contains(&format!(r#"href="{lp}/portal/forgot/""#)),
            "forgotten password link"
        );
        for link in ["/portal/register/", "/portal/forgot-id/"] {
            assert!(
                login.contains(&format!(r#"href="{lp}{link}""#)),
                "the login page links {link}"
            );
        }
        assert!(login.contains(r#"autocomplete="current-password""#));
        let list = f.read(&format!(
            "{dir}{}portal/index.html",
            if dir.is_empty() { "" } else { "/" }
        ));
        for link in ["/portal/new/", "/portal/settings/"] {
            assert!(
                list.contains(&format!(r#"href="{lp}{link}""#)),
                "portal menu: {link}"
            );
        }
        assert!(
            list.contains(&format!(r#"href="/members{lp}/""#)),
            "the members' pages"
        );
    }
    assert!(f.read("portal/login/index.html").contains("お客様ログイン"));
    assert!(
        f.read("en/portal/login/index.html")
            .contains("Customer login")
    );
    // The strings the scripts use, in the page's language.
    assert!(
        f.read("portal/index.html")
            .contains(r#""portal.state.waiting_customer": "お客様確認中""#)
    );
    assert!(
        f.read("en/portal/index.html")
            .contains(r#""portal.state.waiting_customer": "Waiting for you""#)
    );
}

#[test]
fn the_public_header_links_the_portal_login_of_its_language() {
    let f = sample();
    build(&f.options()).unwrap();
    assert!(
        f.read("index.html")
            .contains(r#"<a class="button" href="/portal/login/">お客様ログイン</a>"#)
    );
    assert!(
        f.read("en/faq/index.html")
            .contains(r#"<a class="button" href="/en/portal/login/">"#)
    );
}

#[test]
fn the_portal_screens_are_in_neither_the_sitemap_nor_the_search_index() {
    let f = sample();
    build(&f.options()).unwrap();
    assert!(!f.read("sitemap.xml").contains("/portal/"));
    for dir in ["search", "en/search"] {
        for e in std::fs::read_dir(f.out(dir))
            .unwrap()
            .filter_map(Result::ok)
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                let text = std::fs::read_to_string(e.path()).unwrap();
                assert!(
                    !text.contains("/portal/"),
                    "{dir}/{name} lists a portal screen"
                );
            }
        }
    }
}

#[test]
fn markdown_may_link_the_portal_screens() {
    let f = sample();
    f.write(
        "pages/help.md",
        "---\ntitle: ヘルプ\n---\n[ログイン](/portal/login/)、[新規チケット](/portal/new/)、[English](/en/portal/)\n",
    );
    build(&f.options()).unwrap();
    assert!(f.read("help/index.html").contains(r#"href="/portal/new/""#));
}

/// The CSP allows no inline script, style or event handler: every script is a file or
/// a JSON data block.
#[test]
fn no_page_has_inline_script_style_or_event_handlers() {
    let f = sample();
    build(&f.options()).unwrap();
    for e in walkdir::WalkDir::new(f.out(""))
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.path().extension().is_none_or(|x| x != "html") {
            continue;
        }
        let html = std::fs::read_to_string(e.path()).unwrap();
        let page = e.path().display();
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap_or(tag.len())];
            assert!(
                open.contains(" src=") || open.contains(r#"type="application/json""#),
                "{page}: inline script <script{open}>"
            );
        }
        assert!(!html.contains("<style"), "{page}: a style element");
        assert!(!html.contains(" style=\""), "{page}: a style attribute");
        for handler in [
            " onclick=",
            " onload=",
            " onsubmit=",
            " onchange=",
            " oninput=",
        ] {
            assert!(!html.contains(handler), "{page}: an inline handler");
        }
    }
}

/// The scripts name their strings without the `portal.` prefix; each must exist (the
/// build checks that ja and en have the same keys).
#[test]
fn every_string_the_portal_scripts_use_exists() {
    let root = common::project_root().join("templates");
    let ja = std::fs::read_to_string(root.join("i18n/ja.yaml")).unwrap();
    let keys: std::collections::HashSet<&str> = ja
        .lines()
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim()))
        .collect();
    let mut used = Vec::new();
    for e in walkdir::WalkDir::new(root.join("assets"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.path().extension().is_none_or(|x| x != "js") {
            continue;
        }
        let js = std::fs::read_to_string(e.path()).unwrap();
        for call in ["t(\"", "flashNext(\""] {
            for (at, _) in js.match_indices(call) {
                // `t(` itself, not the end of `split(` or `set(`.
                let before = js[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == '.' {
                    continue;
                }
                let rest = &js[at + call.len()..];
                let key = &rest[..rest.find('"').unwrap_or(0)];
                used.push((e.path().display().to_string(), format!("portal.{key}")));
            }
        }
    }
    assert!(used.len() > 50, "found {} uses", used.len());
    for (file, key) in used {
        assert!(
            keys.contains(key.as_str()),
            "{file}: '{key}' is not in templates/i18n/ja.yaml"
        );
    }
}

/// The sample site plus project documents (customer pages limited to projects): an FAQ
/// item sharing a keyword and a category with the customer-only item, a manual in two
/// languages, and a notice of two projects.
fn with_project_documents() -> common::Fixture {
    let f = sample();
    f.write(
        "faq/mail/trouble/net-patch.md",
        "---\ntitle: 案件限定パッチ\nid: 1005\nkeywords: [遅延]\nvisibility: customer\nprojects: [acme-net]\ndate: 2026-11-01\nattachments: [net-plan.pdf]\n---\nPROJECTONLYTOKEN の手順です。\n",
    )
    .write(
        "manuals/net-design.md",
        "---\ntitle: ネットワーク設計書\nproduct: NL Edge Router\nvisibility: customer\nprojects: acme-net\ndate: 2026-10-01\nupdated: 2026-11-05\n---\nPROJECTDESIGNTOKEN\n",
    )
    .write(
        "manuals/net-design.en.md",
        "---\ntitle: Network design\nproduct: NL Edge Router\nvisibility: customer\nprojects: [acme-net]\ndate: 2026-10-01\n---\nPROJECTDESIGNTOKEN\n",
    )
    .write(
        "notices/project-window.md",
        "---\ntitle: 案件向け作業のお知らせ\nkind: announcement\nvisibility: customer\nprojects: [acme-web, acme-net]\ndate: 2026-11-18\n---\nPROJECTNOTICETOKEN\n",
    );
    std::fs::write(
        f.content().join("faq/mail/trouble/net-plan.pdf"),
        b"%PDF-1.4 plan",
    )
    .unwrap();
    f
}

#[test]
fn project_documents_are_built_for_members_but_left_out_of_everything_shared() {
    let f = with_project_documents();
    build(&f.options()).unwrap();
    let titles = [
        "案件限定パッチ",
        "ネットワーク設計書",
        "Network design",
        "案件向け作業のお知らせ",
    ];
    let tokens = [
        "PROJECTONLYTOKEN",
        "PROJECTDESIGNTOKEN",
        "PROJECTNOTICETOKEN",
    ];

    // The pages themselves are in the members output, with their attachments.
    let page = std::fs::read_to_string(f.members("faq/mail/trouble/net-patch/index.html")).unwrap();
    assert!(page.contains("PROJECTONLYTOKEN"));
    assert!(
        f.members("faq/mail/trouble/net-patch/net-plan.pdf")
            .is_file()
    );
    assert!(f.members("manuals/net-design/index.html").is_file());
    assert!(f.members("en/manuals/net-design/index.html").is_file());
    assert!(f.members("notices/project-window/index.html").is_file());

    // Nothing of them in the public site (pages, feeds, sitemap, search, lists).
    let public = f.all_public_text();
    for t in titles.iter().chain(&tokens) {
        assert!(!public.contains(t), "{t} leaked into the public site");
    }

    // The members' home lists the shared customer pages but no project document.
    for rel in ["index.html", "en/index.html"] {
        let index = std::fs::read_to_string(f.members(rel)).unwrap();
        for t in titles {
            assert!(!index.contains(t), "{t} is listed on the members' {rel}");
        }
        assert!(
            !index.contains("net-design") && !index.contains("net-patch"),
            "{rel}"
        );
    }
    let shared = std::fs::read_to_string(f.members("index.html")).unwrap();
    assert!(shared.contains("顧客限定パッチ手順"));

    // The members' search index (shared by every company) has none of their terms.
    let mut terms: Vec<String> = Vec::new();
    for dir in [f.members("search"), f.members("en/search")] {
        terms.extend(
            std::fs::read_dir(dir)
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".bin"))
                .flat_map(|e| {
                    site_gen::search::read_shard(&std::fs::read(e.path()).unwrap()).into_keys()
                }),
        );
    }
    assert!(
        terms.iter().any(|t| t == "customeronlytoken"),
        "the index was read"
    );
    for t in tokens {
        assert!(
            !terms.contains(&t.to_lowercase()),
            "{t} is in the members' search index"
        );
    }
    for dir in [f.members("search"), f.members("en/search")] {
        for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
            for t in titles {
                assert!(!text.contains(t), "{t} in {}", e.path().display());
            }
        }
    }

    // Related items: the customer-only item of the same category and keyword does not
    // point at the project document, and the public one neither.
    for html in [
        std::fs::read_to_string(f.members("faq/mail/trouble/secret-fix/index.html")).unwrap(),
        f.read("faq/mail/trouble/delay/index.html"),
    ] {
        assert!(!html.contains("案件限定パッチ") && !html.contains("net-patch"));
    }
    // The project manual's language switch points at its translation of the same projects.
    let ja = std::fs::read_to_string(f.members("manuals/net-design/index.html")).unwrap();
    assert!(
        ja.contains("/members/en/manuals/net-design/"),
        "no alternate"
    );
}

#[test]
fn the_documents_manifest_lists_each_project_document_with_its_projects_sorted_by_path() {
    let f = with_project_documents();
    build(&f.options()).unwrap();
    let first = std::fs::read(f.members("_documents.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({
            "version": 1,
            "documents": [
                {
                    "path": "/en/manuals/net-design/", "lang": "en", "key": "manuals/net-design",
                    "title": "Network design", "section": "manuals",
                    "date": "2026-09-30T15:00:00Z", "updated": "2026-09-30T15:00:00Z",
                    "projects": ["acme-net"]
                },
                {
                    "path": "/faq/mail/trouble/net-patch/", "lang": "ja",
                    "key": "faq/mail/trouble/net-patch", "title": "案件限定パッチ", "section": "faq",
                    "date": "2026-10-31T15:00:00Z", "updated": "2026-10-31T15:00:00Z",
                    "projects": ["acme-net"]
                },
                {
                    "path": "/manuals/net-design/", "lang": "ja", "key": "manuals/net-design",
                    "title": "ネットワーク設計書", "section": "manuals",
                    "date": "2026-09-30T15:00:00Z", "updated": "2026-11-04T15:00:00Z",
                    "projects": ["acme-net"]
                },
                {
                    "path": "/notices/project-window/", "lang": "ja", "key": "notices/project-window",
                    "title": "案件向け作業のお知らせ", "section": "notices",
                    "date": "2026-11-17T15:00:00Z", "updated": "2026-11-17T15:00:00Z",
                    "projects": ["acme-web", "acme-net"]
                }
            ]
        })
    );
    // Deterministic: a second build writes the same bytes.
    build(&f.options()).unwrap();
    assert_eq!(std::fs::read(f.members("_documents.json")).unwrap(), first);

    // A site without project documents still has the manifest, empty.
    let plain = sample();
    build(&plain.options()).unwrap();
    let empty: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.members("_documents.json")).unwrap()).unwrap();
    assert_eq!(empty, serde_json::json!({"version": 1, "documents": []}));
}

#[test]
fn a_project_document_is_linked_only_from_pages_of_the_same_projects() {
    let f = with_project_documents();
    f.write(
        "pages/contact.md",
        "---\ntitle: お問い合わせ\n---\n[設計書](../manuals/net-design.md)\n",
    );
    let e = errors_of(&f);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("pages/contact.md:")
            && e[0].contains("links to '../manuals/net-design.md', which only the customers of its projects (acme-net) may read"),
        "{e:?}"
    );
}

#[test]
fn projects_on_a_public_page_stop_the_build_naming_the_file_and_line() {
    let f = sample();
    f.write(
        "manuals/open.md",
        "---\ntitle: 公開資料\nproduct: X\nprojects: [acme-net]\n---\n本文\n",
    );
    assert_eq!(
        errors_of(&f),
        [
            "manuals/open.md:4: projects: only a page with 'visibility: customer' can be limited to projects (this one is public)"
        ]
    );
}
