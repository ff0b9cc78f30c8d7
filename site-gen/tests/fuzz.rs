//! Property tests: no front matter, Markdown or whole content tree makes the build
//! panic; bad input ends in errors that name a file.

mod common;

use std::path::Path;

use proptest::prelude::*;
use site_gen::config::SiteConfig;
use site_gen::content::parse_page;

fn config() -> SiteConfig {
    SiteConfig::parse(Path::new("site.yaml"), common::SITE_YAML).unwrap()
}

/// Front-matter-ish text: keys we know and don't, values of every shape, broken YAML.
fn front_matter() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("title"),
        Just("id"),
        Just("keywords"),
        Just("date"),
        Just("updated"),
        Just("visibility"),
        Just("kind"),
        Just("status"),
        Just("components"),
        Just("starts_at"),
        Just("ends_at"),
        Just("updates"),
        Just("attachments"),
        Just("weight"),
        Just("draft"),
        Just("lang"),
        Just("impact"),
        Just("product"),
        Just("versions"),
        Just("x"),
        Just("タイトル"),
    ];
    let value = prop_oneof![
        "[ -~]{0,12}",
        "\\PC{0,8}",
        Just("[a, b]".to_owned()),
        Just("{at: 2026-01-01, status: resolved, body: x}".to_owned()),
        Just("- {version: '1', file: a.pdf}".to_owned()),
        Just("2026-13-45".to_owned()),
        Just("-3".to_owned()),
        Just("\"unterminated".to_owned()),
        Just("&a *a".to_owned()),
        Just("".to_owned()),
    ];
    prop::collection::vec((key, value), 0..8).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect::<String>()
    })
}

fn markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,20}",
        Just("# 見出し\n".to_owned()),
        Just("| a | b |\n|---|---|\n| 1 |\n".to_owned()),
        Just("[x](missing.md)".to_owned()),
        Just("[y](/status/)".to_owned()),
        Just("[^1]\n\n[^1]: n\n".to_owned()),
        Just("- [ ] t\n".to_owned()),
        Just("```\ncode\n".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("![i](../../x.png)".to_owned()),
        Just("[z](../../../../etc/passwd)".to_owned()),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsing_any_front_matter_never_panics(fm in front_matter(), body in markdown(), area in prop_oneof![Just("faq/a/b"), Just("notices/n"), Just("manuals/m"), Just("pages/p")]) {
        let text = format!("---\n{fm}---\n{body}");
        match parse_page(Path::new(&format!("{area}.md")), &text, &config()) {
            Ok(page) => prop_assert!(!page.title.is_empty()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert_eq!(e.file, Path::new(&format!("{area}.md")).to_path_buf());
                }
            }
        }
    }

    #[test]
    fn rendering_any_markdown_never_panics(md in markdown(), raw in "\\PC{0,200}") {
        let mut keep = |_: &str| Ok(site_gen::markdown::Link::Keep);
        site_gen::markdown::render(&md, 1, &mut keep);
        site_gen::markdown::render(&raw, 1, &mut keep);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn building_a_site_of_random_pages_never_panics(pages in prop::collection::vec((front_matter(), markdown()), 1..5)) {
        let f = common::Fixture::empty();
        for (i, (fm, body)) in pages.iter().enumerate() {
            f.write(&format!("faq/c/p{i}.md"), &format!("---\n{fm}---\n{body}"));
        }
        match site_gen::build(&f.options()) {
            Ok(_) => {}
            Err(e) => {
                let errors = site_gen::content_errors(&e);
                prop_assert!(errors.is_some(), "not a content error: {e:#}");
                prop_assert!(errors.unwrap().iter().all(|e| e.file.to_string_lossy().starts_with("faq/c/p")));
            }
        }
    }
}
