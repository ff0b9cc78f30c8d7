//! Parsing one content file: front matter, language, type and body. Pure: no I/O.

use std::path::Path;

use crate::config::SiteConfig;
use crate::content::{
    Area, Attachment, ManualVersion, NoticeKind, NoticeUpdate, Page, PageKind, Visibility,
};
use crate::error::ContentError;
use crate::fields::{Fields, Origin};
use crate::yaml;

const COMMON: &[&str] = &[
    "title",
    "lang",
    "visibility",
    "date",
    "updated",
    "weight",
    "draft",
    "description",
    "projects",
];
const FAQ: &[&str] = &["id", "keywords", "attachments"];
const NOTICE: &[&str] = &[
    "kind",
    "components",
    "status",
    "starts_at",
    "ends_at",
    "impact",
    "updates",
];
const MANUAL: &[&str] = &["product", "version", "kind", "attachments", "versions"];
const IMPACTS: &[&str] = &["major", "partial", "minor"];

/// Splits `---` front matter from the body. Returns the YAML, the body, and the
/// 1-based line the body starts on.
pub fn split_front_matter(text: &str) -> Result<(&str, &str, usize), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or(
            "the file must start with front matter: a line '---', YAML keys, and a closing '---'",
        )?;
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed == "---" || trimmed == "..." {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Ok((yaml, body, i + 3));
        }
        offset += line.len();
    }
    Err("the front matter is not closed: add a line '---' after the last key".into())
}

fn err(file: &Path, line: usize, field: Option<&str>, message: impl Into<String>) -> ContentError {
    ContentError {
        file: file.to_path_buf(),
        line,
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

/// What the path says: area, translation key, language from a `.en.md` suffix, and
/// whether it is a section's `_index`.
fn read_path(
    rel: &Path,
    cfg: &SiteConfig,
) -> Result<(Area, String, Option<String>, bool), ContentError> {
    let rel_str = rel.to_string_lossy().replace('\\', "/");
    let Some(stem) = rel_str.strip_suffix(".md") else {
        return Err(err(
            rel,
            0,
            None,
            "content pages are Markdown files ending in .md",
        ));
    };
    let (stem, lang) = match stem.rsplit_once('.') {
        Some((s, l)) if cfg.languages.iter().any(|x| x == l) => (s.to_owned(), Some(l.to_owned())),
        Some((_, l)) if l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()) => {
            return Err(err(
                rel,
                0,
                None,
                format!(
                    "'.{l}.md': '{l}' is not one of the site's languages ({})",
                    cfg.languages.join(", ")
                ),
            ));
        }
        _ => (stem.to_owned(), None),
    };
    let mut parts: Vec<&str> = stem.split('/').collect();
    let area_dir = parts[0];
    let Some(area) = Area::from_dir(area_dir).filter(|_| parts.len() > 1) else {
        return Err(err(
            rel,
            0,
            None,
            "content lives in faq/, notices/, manuals/ or pages/",
        ));
    };
    let section = parts.last() == Some(&"_index");
    if section {
        parts.pop();
    }
    for part in parts.iter().skip(1) {
        if part.is_empty()
            || !part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(err(
                rel,
                0,
                None,
                format!(
                    "'{part}': file and folder names become URLs, so use lower-case letters, digits, '-' and '_' only"
                ),
            ));
        }
    }
    // Names the site's own pages use at the same level.
    let reserved: &[&str] = match area {
        Area::Notices => &["maintenance", "incident", "announcement"],
        Area::Pages => &[
            "faq", "notices", "status", "manuals", "search", "members", "assets", "portal", "api",
            "en", "ja",
        ],
        _ => &[],
    };
    if !section && parts.len() == 2 && reserved.contains(&parts[1]) {
        return Err(err(
            rel,
            0,
            None,
            format!(
                "'{}' is a name the site uses for its own page at that address: rename the file",
                parts[1]
            ),
        ));
    }
    if area != Area::Faq && parts.len() > 2 {
        return Err(err(
            rel,
            0,
            None,
            format!("{area_dir}/ has no sub-folders: put the file directly in {area_dir}/"),
        ));
    }
    Ok((area, parts.join("/"), lang, section))
}

/// Parses one content file. `rel` is its path relative to the content folder.
pub fn parse_page(rel: &Path, text: &str, cfg: &SiteConfig) -> Result<Page, Vec<ContentError>> {
    let (area, key, path_lang, section) = read_path(rel, cfg).map_err(|e| vec![e])?;
    let (yaml_text, body, body_line) =
        split_front_matter(text).map_err(|m| vec![err(rel, 1, None, m)])?;
    let node = match yaml::parse(yaml_text) {
        Ok(Some(node)) => node,
        Ok(None) => {
            return Err(vec![err(
                rel,
                1,
                Some("title"),
                "is required but missing (the front matter is empty)",
            )]);
        }
        Err(e) => {
            return Err(vec![err(
                rel,
                e.line + 1,
                None,
                format!("the front matter is not valid YAML: {}", e.message),
            )]);
        }
    };
    let tz = &cfg.time_zone;
    let mut errors = Vec::new();
    let origin = Origin {
        file: rel,
        line_offset: 1,
    };
    let mut f = Fields::new(origin, String::new(), &node, &mut errors);

    let title = f.req_str("title").unwrap_or_default();
    let lang_choices: Vec<&str> = cfg.languages.iter().map(String::as_str).collect();
    let fm_lang = f.choice("lang", &lang_choices);
    let lang = match (path_lang, fm_lang) {
        (Some(p), Some(l)) if p != l => {
            let line = f.line();
            f.error_at(
                line,
                "lang",
                format!("says '{l}' but the file name says '{p}'"),
            );
            p
        }
        (Some(p), _) => p,
        (None, Some(l)) => l,
        (None, None) => cfg.default_language.clone(),
    };
    let visibility = f
        .choice("visibility", &["public", "customer", "internal"])
        .and_then(|v| Visibility::parse(&v))
        .unwrap_or(Visibility::Public);
    let date = f.time("date", tz);
    let updated = f.time("updated", tz);
    let weight = f.int("weight").unwrap_or(0);
    let draft = f.bool("draft").unwrap_or(false);
    let description = f.str("description");
    let projects = read_projects(&mut f, visibility, section);

    let mut attachments = Vec::new();
    let mut read_attachments = |f: &mut Fields<'_>| {
        for (name, line) in f.str_list("attachments") {
            if name.contains("..") || name.starts_with('/') || name.contains('\\') {
                f.error_at(
                    line,
                    "attachments",
                    format!(
                        "'{name}' must be a file next to the page (no '..' or '/' at the start)"
                    ),
                );
            } else {
                attachments.push(Attachment {
                    name,
                    size: 0,
                    line,
                });
            }
        }
    };

    let (kind, hint): (PageKind, Vec<&str>) = if section {
        (PageKind::Section, COMMON.to_vec())
    } else {
        match area {
            Area::Faq => {
                let id_line = f
                    .node("id")
                    .map(|n| f.line_of(n))
                    .unwrap_or_else(|| f.line());
                let id = match f.node("id") {
                    None => {
                        let line = f.line();
                        f.error_at(
                            line,
                            "id",
                            "is required but missing (the FAQ number, e.g. 100101)",
                        );
                        0
                    }
                    Some(_) => match f.int("id") {
                        Some(id) if id > 0 => id as u64,
                        Some(id) => {
                            let line = f.line();
                            f.error_at(line, "id", format!("{id} is not a positive number"));
                            0
                        }
                        None => 0,
                    },
                };
                let keywords = f.str_list("keywords").into_iter().map(|(k, _)| k).collect();
                read_attachments(&mut f);
                (
                    PageKind::Faq {
                        id,
                        id_line,
                        keywords,
                    },
                    [COMMON, FAQ].concat(),
                )
            }
            Area::Notices => (
                read_notice(&mut f, tz, &cfg.components),
                [COMMON, NOTICE].concat(),
            ),
            Area::Manuals => {
                let product = f.req_str("product").unwrap_or_default();
                let version = f.str("version");
                let form = f.choice("kind", &["manual", "form"]).as_deref() == Some("form");
                read_attachments(&mut f);
                let versions = f.map_list("versions", |v| {
                    Some(ManualVersion {
                        version: v.req_str("version")?,
                        date: v.time("date", tz),
                        notes: v.str("notes").unwrap_or_default(),
                        file: v.str("file"),
                    })
                });
                (
                    PageKind::Manual {
                        product,
                        version,
                        form,
                        versions,
                    },
                    [COMMON, MANUAL].concat(),
                )
            }
            Area::Pages => (PageKind::Plain, COMMON.to_vec()),
        }
    };
    // Files named in `versions` must be among the attachments.
    if let PageKind::Manual { versions, .. } = &kind {
        for v in versions {
            if let Some(file) = &v.file
                && !attachments.iter().any(|a| &a.name == file)
            {
                let line = f.line();
                f.error_at(
                    line,
                    "versions",
                    format!(
                        "version {} names file '{file}', which is not in attachments",
                        v.version
                    ),
                );
            }
        }
    }
    let map_line = f.line();
    f.finish(&hint);

    if date.is_none()
        && matches!(kind, PageKind::Notice { .. })
        && !errors.iter().any(|e| e.field.as_deref() == Some("date"))
    {
        errors.push(err(
            rel,
            map_line,
            Some("date"),
            "is required for a notice (when it was published)",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Page {
        source: rel.to_path_buf(),
        area,
        key,
        lang,
        title,
        description,
        visibility,
        projects,
        date,
        updated,
        weight,
        draft,
        attachments,
        kind,
        body: body.to_owned(),
        body_line,
    })
}

/// `projects`: the projects (案件) a customer-only page is limited to, as a list of
/// project ids or one id. Only the customers of those projects may read the page, so it
/// needs `visibility: customer` and is a page, not a section.
fn read_projects(f: &mut Fields<'_>, visibility: Visibility, section: bool) -> Vec<String> {
    let Some(node) = f.node("projects") else {
        return Vec::new();
    };
    let line = f.line_of(node);
    let written = f.str_list("projects");
    if matches!(&node.value, crate::yaml::Value::Seq(items) if items.is_empty()) {
        f.error_at(
            line,
            "projects",
            "must name at least one project id (or leave the key out)",
        );
        return Vec::new();
    }
    if section {
        f.error_at(
            line,
            "projects",
            "a section (_index) cannot be limited to projects: set projects on its pages",
        );
        return Vec::new();
    }
    if visibility != Visibility::Customer {
        let now = match visibility {
            Visibility::Public => "public",
            Visibility::Customer => "customer",
            Visibility::Internal => "internal",
        };
        f.error_at(
            line,
            "projects",
            format!(
                "only a page with 'visibility: customer' can be limited to projects (this one is {now})"
            ),
        );
        return Vec::new();
    }
    let mut projects: Vec<String> = Vec::new();
    for (id, at) in written {
        let id = id.trim().to_owned();
        let slug = id
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !slug {
            f.error_at(
                at,
                "projects",
                format!(
                    "'{id}' is not a project id (a-z, 0-9, '-' and '_', starting with a letter or digit, as `madoguchi admin project list` shows them)"
                ),
            );
        } else if !projects.contains(&id) {
            projects.push(id);
        }
    }
    projects
}

fn read_notice(
    f: &mut Fields<'_>,
    tz: &jiff::tz::TimeZone,
    components: &[crate::config::Component],
) -> PageKind {
    let kind = match f.node("kind") {
        None => {
            let line = f.line();
            f.error_at(
                line,
                "kind",
                "is required but missing (maintenance, incident or announcement)",
            );
            NoticeKind::Announcement
        }
        Some(_) => match f
            .choice("kind", &["maintenance", "incident", "announcement"])
            .as_deref()
        {
            Some("maintenance") => NoticeKind::Maintenance,
            Some("incident") => NoticeKind::Incident,
            _ => NoticeKind::Announcement,
        },
    };
    let statuses = kind.statuses();
    let status = if kind == NoticeKind::Announcement {
        if let Some(node) = f.node("status") {
            let line = f.line_of(node);
            f.error_at(line, "status", "an announcement has no status");
        }
        None
    } else if !f.has("status") {
        f.node("status");
        let line = f.line();
        f.error_at(
            line,
            "status",
            format!(
                "is required for a {} notice ({})",
                kind.as_str(),
                statuses.join(", ")
            ),
        );
        None
    } else {
        f.choice("status", statuses)
    };
    let mut component_ids = Vec::new();
    for (c, line) in f.str_list("components") {
        if components.iter().any(|k| k.id == c) {
            component_ids.push(c);
        } else {
            let known: Vec<&str> = components.iter().map(|k| k.id.as_str()).collect();
            f.error_at(
                line,
                "components",
                format!(
                    "'{c}' is not a component in site.yaml ({})",
                    known.join(", ")
                ),
            );
        }
    }
    let (starts_at, ends_at) = if kind == NoticeKind::Maintenance {
        (f.req_time("starts_at", tz), f.req_time("ends_at", tz))
    } else {
        (f.time("starts_at", tz), f.time("ends_at", tz))
    };
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e < s
    {
        let line = f.line();
        f.error_at(line, "ends_at", "is before starts_at");
    }
    let impact = if kind == NoticeKind::Incident {
        f.choice("impact", IMPACTS)
            .unwrap_or_else(|| "partial".to_owned())
    } else {
        if let Some(node) = f.node("impact") {
            let line = f.line_of(node);
            f.error_at(line, "impact", "only an incident has an impact");
        }
        String::new()
    };
    let mut updates = f.map_list("updates", |u| {
        let line = u.line();
        let at = u.req_time("at", tz);
        let status = if kind == NoticeKind::Announcement {
            u.str("status")
        } else {
            u.choice("status", statuses)
        };
        let body = u.req_str("body");
        Some(NoticeUpdate {
            at: at?,
            status: status.unwrap_or_default(),
            body: body?,
            line,
        })
    });
    updates.sort_by_key(|u| std::cmp::Reverse(u.at));
    PageKind::Notice {
        kind,
        status,
        components: component_ids,
        starts_at,
        ends_at,
        impact,
        updates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SiteConfig {
        SiteConfig::parse(
            Path::new("site.yaml"),
            "name: x\nbase_url: https://x.example\ncomponents:\n  - id: mail\n    name: Mail\n",
        )
        .unwrap()
    }

    fn errors(path: &str, text: &str) -> Vec<String> {
        parse_page(Path::new(path), text, &cfg())
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_faq_item_is_read_with_its_category_and_language() {
        let p = parse_page(
            Path::new("faq/mail/settings/smtp-auth.en.md"),
            "---\ntitle: SMTP auth\nid: 1001\nkeywords: [SMTP, 535]\ndate: 2026-04-01\n---\nBody\n",
            &cfg(),
        )
        .unwrap();
        assert_eq!(p.lang, "en");
        assert_eq!(p.key, "faq/mail/settings/smtp-auth");
        assert_eq!(p.category_path(), ["mail", "settings"]);
        assert_eq!(p.faq_id(), Some(1001));
        assert_eq!(p.body, "Body\n");
        assert_eq!(p.body_line, 7);
        assert_eq!(p.visibility, Visibility::Public);
    }

    #[test]
    fn front_matter_must_open_and_close() {
        assert_eq!(
            split_front_matter("no front matter").unwrap_err(),
            "the file must start with front matter: a line '---', YAML keys, and a closing '---'"
        );
        assert!(
            split_front_matter("---\ntitle: x\n")
                .unwrap_err()
                .contains("not closed")
        );
    }

    #[test]
    fn a_missing_title_and_id_are_named() {
        let e = errors("faq/a/b.md", "---\nkeywords: [x]\n---\n");
        assert!(
            e.contains(&"faq/a/b.md:2: title: is required but missing".to_owned()),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|x| x.starts_with("faq/a/b.md:2: id: is required")),
            "{e:?}"
        );
    }

    #[test]
    fn an_unknown_key_names_its_line_and_the_known_keys() {
        let e = errors("faq/a/b.md", "---\ntitle: t\nid: 5\ntags: [x]\n---\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("faq/a/b.md:4: tags: is not a known key here (known keys: title,"),
            "{e:?}"
        );
    }

    #[test]
    fn wrong_types_are_named() {
        let e = errors(
            "faq/a/b.md",
            "---\ntitle: [a, b]\nid: x\ndraft: maybe\nweight: 1.5\nvisibility: secret\n---\n",
        );
        assert!(
            e.contains(&"faq/a/b.md:2: title: expected text, found a list".to_owned()),
            "{e:?}"
        );
        assert!(
            e.contains(&"faq/a/b.md:3: id: expected a whole number, found 'x'".to_owned()),
            "{e:?}"
        );
        assert!(
            e.contains(&"faq/a/b.md:4: draft: expected true or false, found 'maybe'".to_owned()),
            "{e:?}"
        );
        assert!(
            e.contains(&"faq/a/b.md:5: weight: expected a whole number, found '1.5'".to_owned()),
            "{e:?}"
        );
        assert!(
            e.contains(
                &"faq/a/b.md:6: visibility: 'secret' is not one of: public, customer, internal"
                    .to_owned()
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_yaml_syntax_error_names_the_file_line() {
        let e = errors("pages/a.md", "---\ntitle: a\nx: [1, 2\n---\n");
        assert!(e[0].starts_with("pages/a.md:"), "{e:?}");
        assert!(e[0].contains("not valid YAML"), "{e:?}");
    }

    #[test]
    fn notices_check_kind_status_components_and_times() {
        let e = errors(
            "notices/m.md",
            "---\ntitle: m\nkind: maintenance\ndate: 2026-11-01\nstatus: resolved\ncomponents: [mail, dns]\nstarts_at: 2026-11-02 10:00\n---\n",
        );
        assert!(e.contains(&"notices/m.md:5: status: 'resolved' is not one of: scheduled, in_progress, completed, cancelled".to_owned()), "{e:?}");
        assert!(
            e.contains(
                &"notices/m.md:6: components: 'dns' is not a component in site.yaml (mail)"
                    .to_owned()
            ),
            "{e:?}"
        );
        assert!(
            e.iter().any(|x| x.contains("ends_at: is required")),
            "{e:?}"
        );
    }

    #[test]
    fn an_announcement_has_no_status_and_updates_sort_newest_first() {
        let e = errors(
            "notices/a.md",
            "---\ntitle: a\nkind: announcement\ndate: 2026-11-01\nstatus: resolved\n---\n",
        );
        assert_eq!(e, ["notices/a.md:5: status: an announcement has no status"]);
        let p = parse_page(
            Path::new("notices/i.md"),
            "---\ntitle: i\nkind: incident\ndate: 2026-11-01\nstatus: resolved\nupdates:\n  - {at: 2026-11-01 10:00, status: investigating, body: a}\n  - {at: 2026-11-01 12:00, status: resolved, body: b}\n---\n",
            &cfg(),
        )
        .unwrap();
        let PageKind::Notice {
            updates, impact, ..
        } = p.kind
        else {
            panic!()
        };
        assert_eq!(updates[0].body, "b");
        assert_eq!(impact, "partial");
    }

    #[test]
    fn file_names_and_languages_are_checked() {
        assert!(
            errors("faq/Mail/x.md", "---\ntitle: t\nid: 1\n---\n")[0]
                .contains("'Mail': file and folder names become URLs")
        );
        assert!(
            errors("faq/a/x.fr.md", "---\ntitle: t\nid: 1\n---\n")[0]
                .contains("'fr' is not one of the site's languages")
        );
        assert!(errors("blog/x.md", "---\ntitle: t\n---\n")[0].contains("content lives in faq/"));
        assert!(
            errors("notices/incident.md", "---\ntitle: t\n---\n")[0]
                .contains("'incident' is a name the site uses")
        );
        assert!(
            errors("pages/status.en.md", "---\ntitle: t\n---\n")[0]
                .contains("'status' is a name the site uses")
        );
        let e = errors("pages/x.en.md", "---\ntitle: t\nlang: ja\n---\n");
        assert!(
            e[0].contains("lang: says 'ja' but the file name says 'en'"),
            "{e:?}"
        );
    }

    #[test]
    fn projects_limit_a_customer_page_and_take_a_list_or_one_id() {
        let p = parse_page(
            Path::new("manuals/net-design.md"),
            "---\ntitle: 設計書\nproduct: P\nvisibility: customer\nprojects: [acme-net, acme-web, acme-net]\n---\n",
            &cfg(),
        )
        .unwrap();
        assert_eq!(p.projects, ["acme-net", "acme-web"]);
        let one = parse_page(
            Path::new("pages/runbook.md"),
            "---\ntitle: 手順書\nvisibility: customer\nprojects: acme-net\n---\n",
            &cfg(),
        )
        .unwrap();
        assert_eq!(one.projects, ["acme-net"]);
        let none = parse_page(
            Path::new("pages/x.md"),
            "---\ntitle: x\nvisibility: customer\n---\n",
            &cfg(),
        )
        .unwrap();
        assert!(none.projects.is_empty());
    }

    #[test]
    fn projects_outside_customer_pages_and_bad_project_values_are_named_with_their_line() {
        assert_eq!(
            errors("pages/a.md", "---\ntitle: a\nprojects: [acme-net]\n---\n"),
            [
                "pages/a.md:3: projects: only a page with 'visibility: customer' can be limited to projects (this one is public)"
            ]
        );
        assert_eq!(
            errors(
                "pages/a.md",
                "---\ntitle: a\nvisibility: internal\nprojects: acme-net\n---\n"
            ),
            [
                "pages/a.md:4: projects: only a page with 'visibility: customer' can be limited to projects (this one is internal)"
            ]
        );
        assert_eq!(
            errors(
                "pages/a.md",
                "---\ntitle: a\nvisibility: customer\nprojects: []\n---\n"
            ),
            ["pages/a.md:4: projects: must name at least one project id (or leave the key out)"]
        );
        let e = errors(
            "pages/a.md",
            "---\ntitle: a\nvisibility: customer\nprojects:\n  - acme-net\n  - {id: x}\n  - P-001\n---\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(
            e[0],
            "pages/a.md:6: projects[1]: expected text, found a map"
        );
        assert!(
            e[1].starts_with("pages/a.md:7: projects: 'P-001' is not a project id (a-z, 0-9,"),
            "{e:?}"
        );
        assert_eq!(
            errors(
                "pages/a.md",
                "---\ntitle: a\nvisibility: customer\nprojects: {a: b}\n---\n"
            ),
            ["pages/a.md:4: projects: expected a list, found a map"]
        );
        assert_eq!(
            errors(
                "faq/a/_index.md",
                "---\ntitle: a\nvisibility: customer\nprojects: [acme-net]\n---\n"
            ),
            [
                "faq/a/_index.md:4: projects: a section (_index) cannot be limited to projects: set projects on its pages"
            ]
        );
    }

    #[test]
    fn a_manual_version_must_name_an_attachment() {
        let e = errors(
            "manuals/g.md",
            "---\ntitle: g\nproduct: P\nattachments: [a.pdf]\nversions:\n  - {version: '2', file: b.pdf}\n---\n",
        );
        assert!(
            e[0].contains("versions: version 2 names file 'b.pdf', which is not in attachments"),
            "{e:?}"
        );
    }
}
