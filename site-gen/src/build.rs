//! One build: load and check the content, prepare every page, render them in parallel
//! straight to disk, then the feeds, the search indexes, the sitemap and the assets.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jiff::Timestamp;
use minijinja::Environment;
use rayon::prelude::*;

use crate::content::{self, Area, Content, NoticeKind, PageKind, Visibility};
use crate::error::{ContentError, ContentErrors};
use crate::feeds::{self, FeedItem, Window};
use crate::model::{self, Audience, Model, NoticeState};
use crate::output::Output;
use crate::prepare::prepare_all;
use crate::render::Renderer;
use crate::search::{self, IndexStats, SearchDoc};
use crate::templates;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub content: PathBuf,
    pub templates: PathBuf,
    pub out: PathBuf,
    pub members_out: PathBuf,
    /// Overrides `base_url` of site.yaml (e.g. for a local preview).
    pub base_url: Option<String>,
    /// The time the build treats as now (tests fix it); `None` for the clock.
    pub now: Option<Timestamp>,
    /// Print progress for large builds on a terminal.
    pub progress: bool,
}

impl BuildOptions {
    /// The defaults below a project folder: `content/`, `templates/`, `dist/site/`, `dist/members/`.
    pub fn in_dir(root: &Path) -> BuildOptions {
        BuildOptions {
            content: root.join("content"),
            templates: root.join("templates"),
            out: root.join("dist/site"),
            members_out: root.join("dist/members"),
            base_url: None,
            now: None,
            progress: false,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// HTML pages of the public site.
    pub pages: usize,
    /// HTML pages of the members output.
    pub members_pages: usize,
    /// Files in both outputs.
    pub files: usize,
    /// Files whose bytes changed in this build.
    pub changed: usize,
    pub public_index: IndexStats,
    pub members_index: IndexStats,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pages, {} members pages, {} files ({} changed), search index {} KB, in {:.2} s",
            self.pages,
            self.members_pages,
            self.files,
            self.changed,
            (self.public_index.bytes + self.members_index.bytes) / 1024,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Builds the site. Content errors come back as `ContentErrors` inside the error, all of them.
pub fn build(opts: &BuildOptions) -> Result<Summary> {
    build_cached(opts, &mut content::load::Cache::default())
}

/// A build that re-parses only the files changed since `cache` saw them (`watch`).
pub fn build_cached(opts: &BuildOptions, cache: &mut content::load::Cache) -> Result<Summary> {
    let (content, errors) = content::load::load_partial(&opts.content, cache)?;
    build_content(opts, content, errors)
}

/// The part of a build after loading. `load_errors` are reported together with the
/// link errors found while preparing the pages that did load; nothing is written then.
fn build_content(
    opts: &BuildOptions,
    mut content: Content,
    load_errors: Vec<ContentError>,
) -> Result<Summary> {
    let started = Instant::now();
    if let Some(base) = &opts.base_url {
        content.config.base_url = base.trim_end_matches('/').to_owned();
    }
    let strings = templates::load_strings(&opts.templates, &content.config.languages)
        .map_err(ContentErrors::sorted)?;
    let labels = strings.clone();
    let env = templates::environment(&opts.templates, strings, content.config.time_zone.clone())
        .map_err(ContentErrors::sorted)?;
    let portal_pages = templates::portal_pages(&env);
    let assets = list_assets(&opts.templates.join("assets"))?;
    // Besides the pages, Markdown may link the assets and the portal screens.
    let mut built_urls: Vec<String> = assets
        .iter()
        .map(|rel| format!("/assets/{}", rel.to_string_lossy().replace('\\', "/")))
        .collect();
    for lang in &content.config.languages {
        let lp = content.config.lang_prefix(lang);
        built_urls.extend(
            portal_pages
                .iter()
                .map(|page| format!("{lp}{}", model::portal_path(page))),
        );
    }

    let now = opts.now.unwrap_or_else(Timestamp::now);
    let model = Model::new(&content, now, &built_urls);
    let (prepared, mut errors) = prepare_all(&model);
    errors.extend(load_errors);
    if !errors.is_empty() {
        return Err(ContentErrors::sorted(errors).into());
    }
    let renderer = Renderer::new(&model, &prepared);
    let public = Output::new(&opts.out)?;
    let members = Output::new(&opts.members_out)?;

    // Every page to render, as (audience, job).
    let cfg = &content.config;
    let mut jobs: Vec<(Audience, Job)> = Vec::new();
    for lang in &cfg.languages {
        let tree = model.faq_tree(lang, |p| p.visibility == Visibility::Public);
        jobs.push((Audience::Public, Job::Home(lang.clone())));
        for key in tree.keys() {
            let has_items = tree
                .iter()
                .any(|(k, v)| (k == key || k.starts_with(&format!("{key}/"))) && !v.is_empty());
            if has_items || key == "faq" {
                jobs.push((Audience::Public, Job::FaqSection(lang.clone(), key.clone())));
            }
        }
        jobs.push((Audience::Public, Job::Notices(lang.clone(), None)));
        for k in NoticeKind::ALL {
            jobs.push((Audience::Public, Job::Notices(lang.clone(), Some(k))));
        }
        jobs.push((Audience::Public, Job::Status(lang.clone())));
        jobs.push((Audience::Public, Job::Manuals(lang.clone())));
        jobs.push((Audience::Public, Job::Search(lang.clone())));
        jobs.push((Audience::Public, Job::NotFound(lang.clone())));
        jobs.push((Audience::Members, Job::Search(lang.clone())));
        jobs.push((Audience::Members, Job::MembersIndex(lang.clone())));
        for page in &portal_pages {
            jobs.push((Audience::Public, Job::Portal(lang.clone(), page.clone())));
        }
    }
    for (i, p) in model.pages() {
        if p.is_section() {
            continue;
        }
        if let Some(aud) = Audience::of(p.visibility) {
            jobs.push((aud, Job::Page(i)));
        }
    }
    let trees: std::collections::HashMap<&str, _> = cfg
        .languages
        .iter()
        .map(|l| {
            (
                l.as_str(),
                model.faq_tree(l, |p| p.visibility == Visibility::Public),
            )
        })
        .collect();
    let related = renderer.related_faq();

    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let show_progress = opts.progress && total > 2000 && std::io::stderr().is_terminal();
    let counts: Vec<(Audience, usize)> = jobs
        .par_iter()
        .map(|(aud, job)| -> Result<(Audience, usize)> {
            let (template, ctx, url) = match job {
                Job::Home(l) => with_url(renderer.home(l), format!("{}/", cfg.lang_prefix(l))),
                Job::FaqSection(l, key) => with_url(
                    renderer.faq_section(l, key, &trees[l.as_str()]),
                    format!("{}/{key}/", cfg.lang_prefix(l)),
                ),
                Job::Notices(l, k) => {
                    let path = k
                        .map(|k| format!("/notices/{}/", k.as_str()))
                        .unwrap_or_else(|| "/notices/".into());
                    with_url(
                        renderer.notices(l, *k),
                        format!("{}{path}", cfg.lang_prefix(l)),
                    )
                }
                Job::Status(l) => with_url(
                    renderer.status(l),
                    format!("{}/status/", cfg.lang_prefix(l)),
                ),
                Job::Manuals(l) => with_url(
                    renderer.manuals(l),
                    format!("{}/manuals/", cfg.lang_prefix(l)),
                ),
                Job::Search(l) => with_url(
                    renderer.search(l, *aud),
                    format!("{}{}/search/", aud.prefix(), cfg.lang_prefix(l)),
                ),
                Job::NotFound(l) => with_url(
                    renderer.not_found(l),
                    format!("{}/404.html", cfg.lang_prefix(l)),
                ),
                Job::MembersIndex(l) => with_url(
                    renderer.members_index(l),
                    format!("/members{}/", cfg.lang_prefix(l)),
                ),
                Job::Page(i) => with_url(
                    renderer.page_view(*i, &related),
                    model.url(*i).unwrap_or_default().to_owned(),
                ),
                Job::Portal(l, page) => (
                    Cow::Owned(format!("portal/{page}.html")),
                    renderer.portal(l, page),
                    format!("{}{}", cfg.lang_prefix(l), model::portal_path(page)),
                ),
            };
            let html = render(&env, &template, ctx)
                .with_context(|| format!("cannot render {url} with templates/{template}"))?;
            let out = if *aud == Audience::Members {
                &members
            } else {
                &public
            };
            let local = url.strip_prefix(aud.prefix()).unwrap_or(&url);
            out.write(&Output::file_for(local), html.as_bytes())?;
            if let Job::Page(i) = job {
                copy_files(&content, *i, &prepared, out, local)?;
            }
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if show_progress && n.is_multiple_of(1000) {
                eprint!("\rsite-gen: rendered {n}/{total} pages");
            }
            Ok((*aud, 1))
        })
        .collect::<Result<_>>()?;
    if show_progress {
        eprintln!();
    }

    write_feeds(&model, &renderer, &public)?;
    let (public_index, members_index) =
        write_search(&model, &prepared, &labels, &public, &members)?;
    write_sitemap(&model, &public)?;
    write_documents(&model, &members)?;
    for rel in &assets {
        public.copy(
            &opts.templates.join("assets").join(rel),
            &Path::new("assets").join(rel),
        )?;
    }
    public.write(Path::new("robots.txt"), format!("User-agent: *\nAllow: /\nDisallow: /members/\nDisallow: /api/\n\nSitemap: {}/sitemap.xml\n", cfg.base_url).as_bytes())?;
    public.remove_stale()?;
    members.remove_stale()?;

    Ok(Summary {
        pages: counts.iter().filter(|c| c.0 == Audience::Public).count(),
        members_pages: counts.iter().filter(|c| c.0 == Audience::Members).count(),
        files: public.files_written() + members.files_written(),
        changed: public.changed.load(Ordering::Relaxed) + members.changed.load(Ordering::Relaxed),
        public_index,
        members_index,
        elapsed: started.elapsed(),
    })
}

enum Job {
    Home(String),
    FaqSection(String, String),
    Notices(String, Option<NoticeKind>),
    Status(String),
    Manuals(String),
    Search(String),
    NotFound(String),
    MembersIndex(String),
    Page(usize),
    /// A portal screen (language, name): a shell that the portal's JavaScript fills.
    Portal(String, String),
}

fn with_url(
    (t, v): (&'static str, minijinja::Value),
    url: String,
) -> (Cow<'static, str>, minijinja::Value, String) {
    (Cow::Borrowed(t), v, url)
}

fn render(env: &Environment<'_>, template: &str, ctx: minijinja::Value) -> Result<String> {
    let tmpl = env
        .get_template(template)
        .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    tmpl.render(ctx).map_err(|e| {
        let mut msg = format!("{e}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        anyhow::anyhow!(msg)
    })
}

/// Attachments and linked files, next to the page.
fn copy_files(
    content: &Content,
    i: usize,
    prepared: &[Option<crate::prepare::Prepared>],
    out: &Output,
    url: &str,
) -> Result<()> {
    let p = &content.pages[i];
    let folder = p.source.parent().unwrap_or(Path::new(""));
    let dir = Path::new(url.trim_start_matches('/'));
    let mut seen = HashSet::new();
    for a in &p.attachments {
        if seen.insert(folder.join(&a.name)) {
            out.copy(&content.dir.join(folder).join(&a.name), &dir.join(&a.name))?;
        }
    }
    if let Some(prep) = &prepared[i] {
        for f in &prep.files {
            if seen.insert(f.clone()) {
                let name = f.file_name().map(PathBuf::from).unwrap_or_default();
                out.copy(&content.dir.join(f), &dir.join(name))?;
            }
        }
    }
    Ok(())
}

fn list_assets(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if entry.file_type().is_file() {
            out.push(
                entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap_or(entry.path())
                    .to_path_buf(),
            );
        }
    }
    Ok(out)
}

fn write_feeds(model: &Model<'_>, r: &Renderer<'_>, out: &Output) -> Result<()> {
    let cfg = &model.content.config;
    let base = &cfg.base_url;
    for lang in &cfg.languages {
        let lp = cfg.lang_prefix(lang);
        let name = cfg.name.get(lang, &cfg.default_language);
        let summary = |i: usize| {
            r.prepared[i]
                .as_ref()
                .map(|p| p.summary.clone())
                .unwrap_or_default()
        };
        let public = |area: Area| {
            model.pages().filter(move |(i, p)| {
                p.area == area
                    && !p.is_section()
                    && &p.lang == lang
                    && p.visibility == Visibility::Public
                    && model.url(*i).is_some()
            })
        };
        let mut notices: Vec<FeedItem> = public(Area::Notices)
            .map(|(i, p)| {
                let published = p.date.unwrap_or(model.now);
                let latest = match &p.kind {
                    PageKind::Notice { updates, .. } => updates.first().map(|u| u.at),
                    _ => None,
                };
                let kind = match &p.kind {
                    PageKind::Notice { kind, .. } => kind.as_str(),
                    _ => "announcement",
                };
                FeedItem {
                    url: format!("{base}{}", model.url(i).unwrap_or_default()),
                    title: p.title.clone(),
                    published,
                    updated: [Some(published), p.updated, latest]
                        .into_iter()
                        .flatten()
                        .max()
                        .unwrap_or(published),
                    category: kind.to_owned(),
                    summary: summary(i),
                }
            })
            .collect();
        notices.sort_by_key(|n| std::cmp::Reverse(n.updated));
        notices.truncate(50);
        let title = format!(
            "{name} — {}",
            if lang == "ja" {
                "お知らせ"
            } else {
                "Notices"
            }
        );
        out.write(
            Path::new(&format!(
                "{}notices/atom.xml",
                lp.trim_start_matches('/').to_owned() + if lp.is_empty() { "" } else { "/" }
            )),
            feeds::atom(
                &title,
                &format!("{base}{lp}/notices/atom.xml"),
                &format!("{base}{lp}/notices/"),
                name,
                lang,
                &notices,
            )
            .as_bytes(),
        )?;

        let mut faq: Vec<FeedItem> = public(Area::Faq)
            .map(|(i, p)| {
                let published = p.date.unwrap_or(model.now);
                FeedItem {
                    url: format!("{base}{}", model.url(i).unwrap_or_default()),
                    title: p.title.clone(),
                    published,
                    updated: p.last_modified().unwrap_or(published),
                    category: model
                        .section_title(&format!("faq/{}", p.category_path().join("/")), lang),
                    summary: summary(i),
                }
            })
            .collect();
        faq.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.url.cmp(&b.url)));
        faq.truncate(50);
        let title = format!(
            "{name} — {}",
            if lang == "ja" {
                "FAQ 更新情報"
            } else {
                "FAQ updates"
            }
        );
        let dir = if lp.is_empty() {
            String::new()
        } else {
            format!("{}/", lp.trim_start_matches('/'))
        };
        out.write(
            Path::new(&format!("{dir}faq/atom.xml")),
            feeds::atom(
                &title,
                &format!("{base}{lp}/faq/atom.xml"),
                &format!("{base}{lp}/faq/"),
                name,
                lang,
                &faq,
            )
            .as_bytes(),
        )?;

        let host = base
            .split("://")
            .nth(1)
            .unwrap_or(base)
            .trim_end_matches('/');
        let windows: Vec<Window> = r
            .current_notices(lang)
            .into_iter()
            .filter_map(|i| {
                let p = &model.content.pages[i];
                let PageKind::Notice {
                    kind: NoticeKind::Maintenance,
                    status,
                    starts_at: Some(s),
                    ends_at: Some(e),
                    ..
                } = &p.kind
                else {
                    return None;
                };
                let _: NoticeState = model.notice_state(p);
                Some(Window {
                    uid: format!("{}@{host}", p.key.replace('/', "-")),
                    url: format!("{base}{}", model.url(i).unwrap_or_default()),
                    title: p.title.clone(),
                    description: summary(i),
                    starts_at: *s,
                    ends_at: *e,
                    stamp: p.last_modified().unwrap_or(*s),
                    cancelled: status.as_deref() == Some("cancelled"),
                })
            })
            .collect();
        let cal_name = format!(
            "{name} — {}",
            if lang == "ja" {
                "メンテナンス予定"
            } else {
                "Maintenance"
            }
        );
        out.write(
            Path::new(&format!("{dir}notices/maintenance.ics")),
            feeds::icalendar(&cal_name, &windows).as_bytes(),
        )?;
    }
    Ok(())
}

/// One index per language for the public pages, and one per language for the members'
/// pages (their search page queries both).
fn write_search(
    model: &Model<'_>,
    prepared: &[Option<crate::prepare::Prepared>],
    labels: &templates::Strings,
    public: &Output,
    members: &Output,
) -> Result<(IndexStats, IndexStats)> {
    let cfg = &model.content.config;
    let mut totals = (IndexStats::default(), IndexStats::default());
    for lang in &cfg.languages {
        let dir = PathBuf::from(format!(
            "{}search",
            cfg.lang_prefix(lang).trim_start_matches('/').to_owned()
                + if lang == &cfg.default_language {
                    ""
                } else {
                    "/"
                }
        ));
        for (aud, out) in [(Audience::Public, public), (Audience::Members, members)] {
            let mut idx: Vec<usize> = model
                .pages()
                .filter(|(i, p)| {
                    !p.is_section()
                        && !p.is_project_document()
                        && &p.lang == lang
                        && prepared[*i].is_some()
                        && Audience::of(p.visibility) == Some(aud)
                })
                .map(|(i, _)| i)
                .collect();
            idx.sort_by(|&a, &b| {
                let (pa, pb) = (&model.content.pages[a], &model.content.pages[b]);
                pb.last_modified().cmp(&pa.last_modified()).then(a.cmp(&b))
            });
            let docs: Vec<SearchDoc> = idx
                .into_iter()
                .filter_map(|i| {
                    let p = &model.content.pages[i];
                    let prep = prepared[i].as_ref()?;
                    let label = |key: &str| {
                        labels
                            .get(lang)
                            .and_then(|m| m.get(key))
                            .cloned()
                            .unwrap_or_else(|| key.to_owned())
                    };
                    let kind = match &p.kind {
                        PageKind::Faq { id, .. } => format!("FAQ #{id}"),
                        PageKind::Notice { kind, .. } => {
                            label(&format!("notices.kind.{}", kind.as_str()))
                        }
                        PageKind::Manual { form: true, .. } => label("search.kind.form"),
                        PageKind::Manual { .. } => label("search.kind.manual"),
                        _ => label("search.kind.page"),
                    };
                    Some(SearchDoc {
                        url: model.url(i)?.to_owned(),
                        title: p.title.clone(),
                        kind,
                        date: p.last_modified().map(|t| t.to_string()).unwrap_or_default(),
                        snippet: prep.summary.clone(),
                        terms: prep.terms.clone(),
                    })
                })
                .collect();
            let stats = search::write_index(out, &dir, docs)?;
            let t = if aud == Audience::Public {
                &mut totals.0
            } else {
                &mut totals.1
            };
            t.docs += stats.docs;
            t.terms += stats.terms;
            t.shards += stats.shards;
            t.bytes += stats.bytes;
        }
    }
    Ok(totals)
}

fn write_sitemap(model: &Model<'_>, out: &Output) -> Result<()> {
    let cfg = &model.content.config;
    let base = &cfg.base_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    for lang in &cfg.languages {
        let lp = cfg.lang_prefix(lang);
        for fixed in [
            "/",
            "/faq/",
            "/notices/",
            "/status/",
            "/manuals/",
            "/search/",
        ] {
            xml.push_str(&format!(
                "  <url><loc>{}</loc>",
                esc(&format!("{base}{lp}{fixed}"))
            ));
            for other in &cfg.languages {
                xml.push_str(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{other}\" href=\"{}\"/>",
                    esc(&format!("{base}{}{fixed}", cfg.lang_prefix(other)))
                ));
            }
            xml.push_str("</url>\n");
        }
    }
    for (i, p) in model.pages() {
        if p.visibility != Visibility::Public || p.is_section() && p.area != Area::Faq {
            continue;
        }
        let Some(url) = model.url(i) else { continue };
        xml.push_str(&format!(
            "  <url><loc>{}</loc>",
            esc(&format!("{base}{url}"))
        ));
        if let Some(t) = p.last_modified() {
            xml.push_str(&format!(
                "<lastmod>{}</lastmod>",
                t.strftime("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        for (lang, other) in model.translations(i) {
            if !other.starts_with("/members") {
                xml.push_str(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{lang}\" href=\"{}\"/>",
                    esc(&format!("{base}{other}"))
                ));
            }
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    out.write(Path::new("sitemap.xml"), xml.as_bytes())
}

/// The manifest of the project documents, `members/_documents.json`: the members'
/// router serves such a page only to the customers of its projects, and the portal
/// lists them. Written on every build (an empty list too), sorted by path, so that the
/// server can tell "no project documents" from "an output built before they existed".
fn write_documents(model: &Model<'_>, members: &Output) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        /// The URL path below `/members` (the page's folder; its attachments are below it).
        path: &'a str,
        lang: &'a str,
        /// Shared by a page and its translation.
        key: &'a str,
        title: &'a str,
        section: &'static str,
        date: Option<String>,
        updated: Option<String>,
        projects: &'a [String],
    }
    #[derive(serde::Serialize)]
    struct Manifest<'a> {
        version: u32,
        documents: Vec<Document<'a>>,
    }
    let mut documents: Vec<Document<'_>> = model
        .pages()
        .filter(|(_, p)| p.is_project_document())
        .filter_map(|(i, p)| {
            let url = model.url(i)?;
            Some(Document {
                path: url.strip_prefix(Audience::Members.prefix())?,
                lang: &p.lang,
                key: &p.key,
                title: &p.title,
                section: match p.area {
                    Area::Faq => "faq",
                    Area::Notices => "notices",
                    Area::Manuals => "manuals",
                    Area::Pages => "pages",
                },
                date: p.date.map(|t| t.to_string()),
                updated: p.last_modified().map(|t| t.to_string()),
                projects: &p.projects,
            })
        })
        .collect();
    documents.sort_by(|a, b| a.path.cmp(b.path));
    let json = serde_json::to_string_pretty(&Manifest {
        version: 1,
        documents,
    })
    .context("cannot write the project documents' manifest")?;
    members.write(
        Path::new(DOCUMENTS_MANIFEST),
        format!("{json}\n").as_bytes(),
    )
}

/// The manifest of the project documents, below the members output.
pub const DOCUMENTS_MANIFEST: &str = "_documents.json";

/// The content errors inside a build error, if that is what it is.
pub fn content_errors(e: &anyhow::Error) -> Option<&[ContentError]> {
    e.downcast_ref::<ContentErrors>().map(|c| c.0.as_slice())
}
