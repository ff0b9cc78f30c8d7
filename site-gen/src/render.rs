//! The second pass: what each template is given. One function per kind of output page;
//! each returns the template name and its context.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp, ToSpan};
use minijinja::{Value, context};
use serde::Serialize;

use crate::content::{Area, NoticeKind, Page, PageKind, Visibility};
use crate::model::{Audience, Model, NoticeState};
use crate::prepare::Prepared;

/// Days of history on the status page.
pub const STATUS_DAYS: i64 = 90;

pub struct Renderer<'a> {
    pub model: &'a Model<'a>,
    pub prepared: &'a [Option<Prepared>],
    /// The banner of active notices per language, computed once: every page shows it.
    banners: HashMap<String, Value>,
}

fn iso(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

#[derive(Serialize, Clone, Debug)]
pub struct Crumb {
    pub title: String,
    pub url: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct Alternate {
    pub lang: String,
    pub url: String,
}

#[derive(Serialize, Clone, Debug)]
struct FaqRow {
    id: u64,
    title: String,
    url: String,
    date: String,
    updated: String,
    summary: String,
    category: String,
    customer: bool,
}

#[derive(Serialize, Clone, Debug)]
struct SectionRow {
    title: String,
    url: String,
    description: String,
    subcategories: usize,
    items: usize,
}

#[derive(Serialize, Clone, Debug)]
struct NoticeRow {
    title: String,
    url: String,
    kind: &'static str,
    status: String,
    impact: String,
    state: &'static str,
    date: String,
    starts_at: String,
    ends_at: String,
    components: Vec<String>,
    summary: String,
}

#[derive(Serialize, Clone, Debug)]
struct FileRow {
    name: String,
    url: String,
    size: u64,
}

#[derive(Serialize, Clone, Debug)]
struct ManualRow {
    title: String,
    url: String,
    product: String,
    version: String,
    date: String,
    form: bool,
    summary: String,
}

/// Rows go into templates through serde.
macro_rules! template_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(row: $t) -> Value {
                Value::from(minijinja::value::Serde(row))
            }
        }
    )*};
}
template_value!(
    Crumb, Alternate, FaqRow, SectionRow, NoticeRow, FileRow, ManualRow
);

fn state_name(s: NoticeState) -> &'static str {
    match s {
        NoticeState::Active => "active",
        NoticeState::Upcoming => "upcoming",
        NoticeState::Past => "past",
    }
}

impl<'a> Renderer<'a> {
    pub fn new(model: &'a Model<'a>, prepared: &'a [Option<Prepared>]) -> Renderer<'a> {
        let mut r = Renderer {
            model,
            prepared,
            banners: HashMap::new(),
        };
        for lang in &model.content.config.languages {
            let banner: Vec<NoticeRow> = r
                .current_notices(lang)
                .into_iter()
                .filter(|&i| model.notice_state(r.page(i)) == NoticeState::Active)
                .map(|i| r.notice_row(i, lang))
                .collect();
            r.banners.insert(lang.clone(), Value::from(banner));
        }
        r
    }

    fn page(&self, i: usize) -> &'a Page {
        &self.model.content.pages[i]
    }

    fn prep(&self, i: usize) -> Option<&'a Prepared> {
        self.prepared[i].as_ref()
    }

    fn abs(&self, url: &str) -> String {
        format!("{}{url}", self.model.content.config.base_url)
    }

    /// The context every page shares.
    pub fn base(
        &self,
        lang: &str,
        audience: Audience,
        url: &str,
        alternates: Vec<Alternate>,
    ) -> Value {
        let cfg = &self.model.content.config;
        let d = cfg.default_language.as_str();
        let lp = cfg.lang_prefix(lang);
        let banner = self.banners.get(lang).cloned().unwrap_or_default();
        let mut alts = alternates;
        if !alts.iter().any(|a| a.lang == lang) {
            alts.push(Alternate {
                lang: lang.to_owned(),
                url: url.to_owned(),
            });
        }
        alts.sort_by_key(|a| cfg.languages.iter().position(|l| *l == a.lang));
        context! {
            lang => lang,
            url => url,
            canonical => self.abs(url),
            alternates => alts,
            members => audience == Audience::Members,
            banner => banner,
            site => context! {
                name => cfg.name.get(lang, d),
                base_url => cfg.base_url.clone(),
                home => format!("{lp}/"),
                support_hours => cfg.support_hours.get(lang, d),
                phone => cfg.contact.phone.clone(),
                email => cfg.contact.email.clone(),
                contact_note => cfg.contact.note.get(lang, d),
                year => self.model.now.to_zoned(cfg.time_zone.clone()).year(),
                login => format!("{lp}/portal/login/"),
                prefix => lp,
                languages => cfg.languages.clone(),
            },
        }
    }

    /// Public notices for status and banners: one per notice, in `lang` where it is
    /// translated, else in the default language.
    pub fn current_notices(&self, lang: &str) -> Vec<usize> {
        let d = &self.model.content.config.default_language;
        let mut by_key: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, p) in self.model.pages() {
            if p.area == Area::Notices
                && !p.is_section()
                && p.visibility == Visibility::Public
                && (p.lang == lang || &p.lang == d)
            {
                match by_key.get(p.key.as_str()) {
                    Some(&j) if self.page(j).lang == lang => {}
                    _ => {
                        by_key.insert(&p.key, i);
                    }
                }
            }
        }
        let mut v: Vec<usize> = by_key.into_values().collect();
        v.sort_by_key(|&i| std::cmp::Reverse(self.page(i).date));
        v
    }

    fn component_names(&self, ids: &[String], lang: &str) -> Vec<String> {
        let cfg = &self.model.content.config;
        ids.iter()
            .filter_map(|id| cfg.component(id))
            .map(|c| c.name.get(lang, &cfg.default_language).to_owned())
            .collect()
    }

    fn notice_row(&self, i: usize, lang: &str) -> NoticeRow {
        let p = self.page(i);
        let (kind, status, impact, starts, ends, comps) = match &p.kind {
            PageKind::Notice {
                kind,
                status,
                impact,
                starts_at,
                ends_at,
                components,
                ..
            } => (
                kind.as_str(),
                status.clone().unwrap_or_default(),
                impact.clone(),
                *starts_at,
                *ends_at,
                components.as_slice(),
            ),
            _ => (
                "announcement",
                String::new(),
                String::new(),
                None,
                None,
                &[][..],
            ),
        };
        NoticeRow {
            title: p.title.clone(),
            url: self.model.url(i).unwrap_or_default().to_owned(),
            kind,
            status,
            impact,
            state: state_name(self.model.notice_state(p)),
            date: iso(p.date),
            starts_at: iso(starts),
            ends_at: iso(ends),
            components: self.component_names(comps, lang),
            summary: self.prep(i).map(|x| x.summary.clone()).unwrap_or_default(),
        }
    }

    fn faq_row(&self, i: usize) -> FaqRow {
        let p = self.page(i);
        let cat = p.category_path();
        let key = format!("faq/{}", cat.join("/"));
        FaqRow {
            id: p.faq_id().unwrap_or(0),
            title: p.title.clone(),
            url: self.model.url(i).unwrap_or_default().to_owned(),
            date: iso(p.date),
            updated: iso(p.last_modified()),
            summary: self.prep(i).map(|x| x.summary.clone()).unwrap_or_default(),
            category: self.model.section_title(&key, &p.lang),
            customer: p.visibility == Visibility::Customer,
        }
    }

    fn files(&self, i: usize) -> Vec<FileRow> {
        let base = self.model.url(i).unwrap_or_default();
        self.page(i)
            .attachments
            .iter()
            .map(|a| FileRow {
                name: a.name.clone(),
                url: format!("{base}{}", a.name),
                size: a.size,
            })
            .collect()
    }

    fn alternates(&self, i: usize) -> Vec<Alternate> {
        self.model
            .translations(i)
            .into_iter()
            .map(|(lang, url)| Alternate {
                lang: lang.to_owned(),
                url,
            })
            .collect()
    }

    fn breadcrumbs(&self, key: &str, lang: &str, prefix: &str) -> Vec<Crumb> {
        let lp = self.model.content.config.lang_prefix(lang);
        let mut crumbs = Vec::new();
        let mut acc = String::new();
        for part in key.split('/') {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(part);
            crumbs.push(Crumb {
                title: self.model.section_title(&acc, lang),
                url: format!("{prefix}{lp}/{acc}/"),
            });
        }
        crumbs
    }

    /// FAQ items of a language, public only, newest first by `field`.
    fn latest_faq(&self, lang: &str, by_update: bool, n: usize) -> Vec<FaqRow> {
        let mut items: Vec<usize> = self
            .model
            .pages()
            .filter(|(i, p)| {
                p.area == Area::Faq
                    && !p.is_section()
                    && p.lang == lang
                    && p.visibility == Visibility::Public
                    && self.model.url(*i).is_some()
            })
            .map(|(i, _)| i)
            .collect();
        let key = |i: &usize| {
            let p = self.page(*i);
            if by_update { p.last_modified() } else { p.date }
        };
        items.sort_by(|a, b| key(b).cmp(&key(a)).then(a.cmp(b)));
        items.truncate(n);
        items.into_iter().map(|i| self.faq_row(i)).collect()
    }

    /// Top-level FAQ categories and their counts.
    fn section_rows(
        &self,
        tree: &BTreeMap<String, Vec<usize>>,
        parent: &str,
        lang: &str,
    ) -> Vec<SectionRow> {
        let lp = self.model.content.config.lang_prefix(lang);
        let depth = parent.split('/').count() + 1;
        let mut rows: Vec<(i64, SectionRow)> = tree
            .keys()
            .filter(|k| k.starts_with(&format!("{parent}/")) && k.split('/').count() == depth)
            .map(|k| {
                let items: usize = tree
                    .iter()
                    .filter(|(kk, _)| *kk == k || kk.starts_with(&format!("{k}/")))
                    .map(|(_, v)| v.len())
                    .sum();
                let subcategories = tree
                    .keys()
                    .filter(|kk| {
                        kk.starts_with(&format!("{k}/")) && kk.split('/').count() == depth + 1
                    })
                    .count();
                let section = self.model.section(k, lang);
                (
                    section.map(|s| s.weight).unwrap_or(0),
                    SectionRow {
                        title: self.model.section_title(k, lang),
                        url: format!("{lp}/{k}/"),
                        description: section
                            .and_then(|s| s.description.clone())
                            .unwrap_or_default(),
                        subcategories,
                        items,
                    },
                )
            })
            .filter(|(_, r)| r.items > 0)
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.title.cmp(&b.1.title)));
        rows.into_iter().map(|(_, r)| r).collect()
    }

    pub fn home(&self, lang: &str) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        let notices: Vec<usize> = self.current_notices(lang);
        let rows = |f: &dyn Fn(&Page, NoticeState) -> bool, n: usize| -> Vec<NoticeRow> {
            notices
                .iter()
                .copied()
                .filter(|&i| f(self.page(i), self.model.notice_state(self.page(i))))
                .take(n)
                .map(|i| self.notice_row(i, lang))
                .collect()
        };
        let kind_of = |p: &Page| match &p.kind {
            PageKind::Notice { kind, .. } => Some(*kind),
            _ => None,
        };
        let incidents = rows(
            &|p, s| kind_of(p) == Some(NoticeKind::Incident) && s == NoticeState::Active,
            10,
        );
        let ongoing = rows(
            &|p, s| kind_of(p) == Some(NoticeKind::Maintenance) && s == NoticeState::Active,
            10,
        );
        let mut upcoming = rows(
            &|p, s| kind_of(p) == Some(NoticeKind::Maintenance) && s == NoticeState::Upcoming,
            10,
        );
        upcoming.sort_by(|a, b| a.starts_at.cmp(&b.starts_at));
        upcoming.truncate(5);
        let announcements = rows(&|p, _| kind_of(p) == Some(NoticeKind::Announcement), 5);
        let tree = self
            .model
            .faq_tree(lang, |p| p.visibility == Visibility::Public);
        let manuals = self
            .model
            .pages()
            .filter(|(i, p)| {
                p.area == Area::Manuals
                    && !p.is_section()
                    && p.lang == lang
                    && self.model.url(*i).is_some()
                    && p.visibility == Visibility::Public
            })
            .count();
        let ctx = context! {
            ..self.base(lang, Audience::Public, &format!("{lp}/"), self.home_alternates()),
            ..context! {
                incidents, ongoing, upcoming, announcements,
                categories => self.section_rows(&tree, "faq", lang),
                latest_faq => self.latest_faq(lang, false, 5),
                updated_faq => self.latest_faq(lang, true, 5),
                manuals_count => manuals,
            }
        };
        ("home.html", ctx)
    }

    fn home_alternates(&self) -> Vec<Alternate> {
        let cfg = &self.model.content.config;
        cfg.languages
            .iter()
            .map(|l| Alternate {
                lang: l.clone(),
                url: format!("{}/", cfg.lang_prefix(l)),
            })
            .collect()
    }

    fn fixed_alternates(&self, path: &str) -> Vec<Alternate> {
        let cfg = &self.model.content.config;
        cfg.languages
            .iter()
            .map(|l| Alternate {
                lang: l.clone(),
                url: format!("{}{path}", cfg.lang_prefix(l)),
            })
            .collect()
    }

    /// An FAQ folder: the root (`faq`) or a category at any depth.
    pub fn faq_section(
        &self,
        lang: &str,
        key: &str,
        tree: &BTreeMap<String, Vec<usize>>,
    ) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        let url = format!("{lp}/{key}/");
        let section = self.model.section(key, lang);
        let items: Vec<FaqRow> = tree
            .get(key)
            .map(|v| v.iter().map(|&i| self.faq_row(i)).collect())
            .unwrap_or_default();
        let total: usize = tree
            .iter()
            .filter(|(k, _)| *k == key || k.starts_with(&format!("{key}/")))
            .map(|(_, v)| v.len())
            .sum();
        let alternates = self.fixed_alternates(&format!("/{key}/"));
        let root = key == "faq";
        let ctx = context! {
            ..self.base(lang, Audience::Public, &url, alternates),
            ..context! {
                title => self.model.section_title(key, lang),
                description => section.and_then(|s| s.description.clone()),
                intro => section.and_then(|s| self.model.content.pages.iter().position(|p| std::ptr::eq(p, s))).and_then(|i| self.prep(i)).map(|p| p.html.clone()),
                breadcrumbs => self.breadcrumbs(key, lang, ""),
                subsections => self.section_rows(tree, key, lang),
                items, total, root,
                latest_faq => if root { self.latest_faq(lang, false, 10) } else { Vec::new() },
                updated_faq => if root { self.latest_faq(lang, true, 10) } else { Vec::new() },
            }
        };
        ("faq/section.html", ctx)
    }

    /// A content page (FAQ item, notice, manual, plain page) in its audience.
    pub fn page_view(
        &self,
        i: usize,
        related: &HashMap<usize, Vec<usize>>,
    ) -> (&'static str, Value) {
        let p = self.page(i);
        let url = self.model.url(i).unwrap_or_default().to_owned();
        let audience = Audience::of(p.visibility).unwrap_or(Audience::Public);
        let prep = self.prep(i);
        let html = prep.map(|x| x.html.clone()).unwrap_or_default();
        let base = self.base(&p.lang, audience, &url, self.alternates(i));
        let common = context! {
            title => p.title.clone(),
            description => p.description.clone().or_else(|| prep.map(|x| x.summary.clone())),
            html, date => iso(p.date), updated => iso(p.updated),
            attachments => self.files(i),
            customer => p.visibility == Visibility::Customer,
        };
        match &p.kind {
            PageKind::Faq { id, keywords, .. } => {
                let cat = p.category_path();
                let key = format!("faq/{}", cat.join("/"));
                let rel: Vec<FaqRow> = related
                    .get(&i)
                    .map(|v| v.iter().map(|&j| self.faq_row(j)).collect())
                    .unwrap_or_default();
                let crumbs = self.breadcrumbs(&key, &p.lang, "");
                (
                    "faq/item.html",
                    context! { ..base, ..common, ..context! {
                        id, keywords, breadcrumbs => crumbs, related => rel,
                        category => self.model.section_title(&key, &p.lang),
                        vote_url => format!("/api/v1/faq/{id}/votes"),
                    }},
                )
            }
            PageKind::Notice {
                kind,
                status,
                components,
                starts_at,
                ends_at,
                impact,
                updates,
            } => {
                let updates: Vec<Value> = updates
                    .iter()
                    .zip(prep.map(|x| x.updates_html.clone()).unwrap_or_default())
                    .map(|(u, html)| context! { at => u.at.to_string(), status => u.status.clone(), html })
                    .collect();
                (
                    "notices/notice.html",
                    context! { ..base, ..common, ..context! {
                        kind => kind.as_str(), status, impact, updates,
                        state => state_name(self.model.notice_state(p)),
                        starts_at => iso(*starts_at), ends_at => iso(*ends_at),
                        components => self.component_names(components, &p.lang),
                    }},
                )
            }
            PageKind::Manual {
                product,
                version,
                form,
                versions,
            } => {
                let base_url = url.clone();
                let versions: Vec<Value> = versions
                    .iter()
                    .map(|v| context! {
                        version => v.version.clone(), date => iso(v.date), notes => v.notes.clone(),
                        file => v.file.as_ref().map(|f| format!("{base_url}{f}")),
                    })
                    .collect();
                (
                    "manuals/manual.html",
                    context! { ..base, ..common, ..context! { product, version, form, versions }},
                )
            }
            PageKind::Plain | PageKind::Section => ("page.html", context! { ..base, ..common }),
        }
    }

    /// Related FAQ items: the same category first, then shared keywords; same language
    /// and only what the page's readers may see.
    pub fn related_faq(&self) -> HashMap<usize, Vec<usize>> {
        const N: usize = 5;
        let mut by_cat: HashMap<(&str, String), Vec<usize>> = HashMap::new();
        let mut by_kw: HashMap<(&str, String), Vec<usize>> = HashMap::new();
        let items: Vec<usize> = self
            .model
            .pages()
            .filter(|(i, p)| {
                p.faq_id().is_some() && !p.is_project_document() && self.model.url(*i).is_some()
            })
            .map(|(i, _)| i)
            .collect();
        for &i in &items {
            let p = self.page(i);
            by_cat
                .entry((&p.lang, p.category_path().join("/")))
                .or_default()
                .push(i);
            if let PageKind::Faq { keywords, .. } = &p.kind {
                for k in keywords {
                    by_kw
                        .entry((&p.lang, k.to_lowercase()))
                        .or_default()
                        .push(i);
                }
            }
        }
        let mut out = HashMap::new();
        for &i in &items {
            let p = self.page(i);
            let visible = |j: &usize| {
                *j != i
                    && (p.visibility == Visibility::Customer
                        || self.page(*j).visibility == Visibility::Public)
            };
            let mut rel: Vec<usize> = Vec::new();
            if let PageKind::Faq { keywords, .. } = &p.kind {
                for k in keywords {
                    for &j in by_kw
                        .get(&(p.lang.as_str(), k.to_lowercase()))
                        .into_iter()
                        .flatten()
                        .take(N * 4)
                    {
                        if visible(&j) && !rel.contains(&j) && rel.len() < N {
                            rel.push(j);
                        }
                    }
                }
            }
            for &j in by_cat
                .get(&(p.lang.as_str(), p.category_path().join("/")))
                .into_iter()
                .flatten()
                .take(N * 4)
            {
                if visible(&j) && !rel.contains(&j) && rel.len() < N {
                    rel.push(j);
                }
            }
            out.insert(i, rel);
        }
        out
    }

    /// The notice list, all kinds or one.
    pub fn notices(&self, lang: &str, only: Option<NoticeKind>) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        let path = match only {
            Some(k) => format!("/notices/{}/", k.as_str()),
            None => "/notices/".to_owned(),
        };
        let mut list: Vec<usize> = self
            .model
            .pages()
            .filter(|(i, p)| {
                p.area == Area::Notices
                    && !p.is_section()
                    && p.lang == lang
                    && p.visibility == Visibility::Public
                    && self.model.url(*i).is_some()
            })
            .filter(|(_, p)| {
                only.is_none()
                    || matches!(&p.kind, PageKind::Notice { kind, .. } if Some(*kind) == only)
            })
            .map(|(i, _)| i)
            .collect();
        list.sort_by_key(|&i| std::cmp::Reverse(self.page(i).date));
        let notices: Vec<NoticeRow> = list.into_iter().map(|i| self.notice_row(i, lang)).collect();
        let filters: Vec<Value> = std::iter::once((None, "/notices/".to_owned()))
            .chain(NoticeKind::ALL.iter().map(|k| (Some(k.as_str()), format!("/notices/{}/", k.as_str()))))
            .map(|(k, p)| context! { kind => k, url => format!("{lp}{p}"), active => k == only.map(|o| o.as_str()) })
            .collect();
        let ctx = context! {
            ..self.base(lang, Audience::Public, &format!("{lp}{path}"), self.fixed_alternates(&path)),
            ..context! { notices, filters, kind => only.map(|k| k.as_str()) }
        };
        ("notices/list.html", ctx)
    }

    /// Each component's state now and over the last 90 days, from incidents and maintenance.
    pub fn status(&self, lang: &str) -> (&'static str, Value) {
        let cfg = &self.model.content.config;
        let lp = cfg.lang_prefix(lang);
        let now = self.model.now;
        let tz = cfg.time_zone.clone();
        let today = now.to_zoned(tz.clone()).date();
        let notices = self.current_notices(lang);
        // (component, level, start, end, notice) for every incident and maintenance window.
        let mut spans: Vec<(&str, u8, Timestamp, Timestamp, usize)> = Vec::new();
        for &i in &notices {
            let p = self.page(i);
            let state = self.model.notice_state(p);
            let PageKind::Notice {
                kind,
                status,
                components,
                starts_at,
                ends_at,
                impact,
                updates,
            } = &p.kind
            else {
                continue;
            };
            let (level, start, end) = match kind {
                NoticeKind::Incident => {
                    let start = starts_at.or(p.date).unwrap_or(now);
                    let resolved = updates
                        .iter()
                        .find(|u| u.status == "resolved")
                        .map(|u| u.at);
                    let end = if state == NoticeState::Active {
                        now
                    } else {
                        ends_at.or(resolved).unwrap_or(start)
                    };
                    let level = match impact.as_str() {
                        "major" => 4,
                        "partial" => 3,
                        _ => 2,
                    };
                    (level, start, end)
                }
                NoticeKind::Maintenance
                    if status.as_deref() != Some("cancelled") && state != NoticeState::Upcoming =>
                {
                    let (Some(s), Some(e)) = (starts_at, ends_at) else {
                        continue;
                    };
                    (
                        1,
                        *s,
                        if state == NoticeState::Active {
                            now.max(*s)
                        } else {
                            *e
                        },
                    )
                }
                _ => continue,
            };
            for c in components {
                spans.push((c.as_str(), level, start, end, i));
            }
        }
        let level_name = |l: u8| {
            [
                "operational",
                "maintenance",
                "degraded",
                "partial_outage",
                "major_outage",
            ][l as usize]
        };
        let mut overall = 0u8;
        let components: Vec<Value> = cfg
            .components
            .iter()
            .map(|c| {
                let current = spans
                    .iter()
                    .filter(|s| s.0 == c.id && self.model.notice_state(self.page(s.4)) == NoticeState::Active)
                    .map(|s| s.1)
                    .max()
                    .unwrap_or(0);
                overall = overall.max(current);
                let days: Vec<Value> = (0..STATUS_DAYS)
                    .rev()
                    .map(|back| {
                        let day = today.checked_sub(back.days()).unwrap_or(today);
                        let start = tz.to_timestamp(day.to_datetime(jiff::civil::Time::midnight())).unwrap_or(now);
                        let end = start.checked_add(SignedDuration::from_hours(24)).unwrap_or(start);
                        let hits: Vec<&(&str, u8, Timestamp, Timestamp, usize)> =
                            spans.iter().filter(|s| s.0 == c.id && s.2 < end && s.3 >= start).collect();
                        let level = hits.iter().map(|s| s.1).max().unwrap_or(0);
                        let titles: Vec<String> = hits.iter().map(|s| self.page(s.4).title.clone()).collect();
                        context! { date => start.to_string(), level => level_name(level), notices => titles }
                    })
                    .collect();
                let uptime_days = days.iter().filter(|d| d.get_attr("level").map(|l| l.as_str() == Some("operational")).unwrap_or(true)).count();
                context! {
                    id => c.id.clone(), name => c.name.get(lang, &cfg.default_language),
                    description => c.description.get(lang, &cfg.default_language),
                    state => level_name(current), days, uptime_days,
                }
            })
            .collect();
        let since = now
            .checked_sub(SignedDuration::from_hours(24 * STATUS_DAYS))
            .unwrap_or(now);
        let mut history: Vec<usize> = spans.iter().filter(|s| s.3 >= since).map(|s| s.4).collect();
        history.sort_by_key(|&i| std::cmp::Reverse(self.page(i).date));
        history.dedup();
        let active: Vec<NoticeRow> = notices
            .iter()
            .copied()
            .filter(|&i| self.model.notice_state(self.page(i)) == NoticeState::Active)
            .map(|i| self.notice_row(i, lang))
            .collect();
        let upcoming: Vec<NoticeRow> = notices
            .iter()
            .copied()
            .filter(|&i| self.model.notice_state(self.page(i)) == NoticeState::Upcoming)
            .map(|i| self.notice_row(i, lang))
            .collect();
        let ctx = context! {
            ..self.base(lang, Audience::Public, &format!("{lp}/status/"), self.fixed_alternates("/status/")),
            ..context! {
                overall => level_name(overall), components, active, upcoming,
                history => history.into_iter().map(|i| self.notice_row(i, lang)).collect::<Vec<_>>(),
                days => STATUS_DAYS,
                now => now.to_string(),
            }
        };
        ("status.html", ctx)
    }

    pub fn manuals(&self, lang: &str) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        let mut rows: Vec<(i64, ManualRow)> = self
            .model
            .pages()
            .filter(|(i, p)| {
                p.area == Area::Manuals
                    && !p.is_section()
                    && p.lang == lang
                    && p.visibility == Visibility::Public
                    && self.model.url(*i).is_some()
            })
            .filter_map(|(i, p)| match &p.kind {
                PageKind::Manual {
                    product,
                    version,
                    form,
                    ..
                } => Some((
                    p.weight,
                    ManualRow {
                        title: p.title.clone(),
                        url: self.model.url(i).unwrap_or_default().to_owned(),
                        product: product.clone(),
                        version: version.clone().unwrap_or_default(),
                        date: iso(p.last_modified()),
                        form: *form,
                        summary: self.prep(i).map(|x| x.summary.clone()).unwrap_or_default(),
                    },
                )),
                _ => None,
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.1.form, &a.1.product, a.0, &a.1.title).cmp(&(
                b.1.form,
                &b.1.product,
                b.0,
                &b.1.title,
            ))
        });
        let mut products: Vec<(String, Vec<ManualRow>)> = Vec::new();
        let mut forms = Vec::new();
        for (_, r) in rows {
            if r.form {
                forms.push(r);
            } else if let Some(last) = products.last_mut().filter(|(p, _)| *p == r.product) {
                last.1.push(r);
            } else {
                products.push((r.product.clone(), vec![r]));
            }
        }
        let products: Vec<Value> = products
            .into_iter()
            .map(|(name, manuals)| context! { name, manuals })
            .collect();
        let ctx = context! {
            ..self.base(lang, Audience::Public, &format!("{lp}/manuals/"), self.fixed_alternates("/manuals/")),
            ..context! { products, forms }
        };
        ("manuals/list.html", ctx)
    }

    pub fn search(&self, lang: &str, audience: Audience) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        let mut indexes = vec![format!("{lp}/search/")];
        if audience == Audience::Members {
            indexes.push(format!("/members{lp}/search/"));
        }
        let url = format!("{}{lp}/search/", audience.prefix());
        let ctx = context! { ..self.base(lang, audience, &url, self.fixed_alternates("/search/")), ..context! { indexes } };
        ("search.html", ctx)
    }

    pub fn not_found(&self, lang: &str) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        (
            "404.html",
            self.base(
                lang,
                Audience::Public,
                &format!("{lp}/404.html"),
                Vec::new(),
            ),
        )
    }

    /// A portal screen: the page's shell in the site's layout; the portal's JavaScript
    /// fills it from the API. Its UI strings come from the `portal.` keys.
    pub fn portal(&self, lang: &str, page: &str) -> Value {
        let cfg = &self.model.content.config;
        let path = crate::model::portal_path(page);
        context! {
            ..self.base(lang, Audience::Public, &format!("{}{path}", cfg.lang_prefix(lang)), self.fixed_alternates(&path)),
            ..context! {
                page,
                time_zone => cfg.time_zone_name.clone(),
                portal_home => format!("{}/portal/", cfg.lang_prefix(lang)),
            }
        }
    }

    /// The members' home: every customer-only page of a language, by area, except the
    /// project documents (the portal lists those to whoever may read them).
    pub fn members_index(&self, lang: &str) -> (&'static str, Value) {
        let lp = self.model.content.config.lang_prefix(lang);
        let mine = |area: Area| -> Vec<usize> {
            self.model
                .pages()
                .filter(|(i, p)| {
                    p.area == area
                        && !p.is_section()
                        && p.lang == lang
                        && p.visibility == Visibility::Customer
                        && !p.is_project_document()
                        && self.model.url(*i).is_some()
                })
                .map(|(i, _)| i)
                .collect()
        };
        let faq: Vec<FaqRow> = mine(Area::Faq)
            .into_iter()
            .map(|i| self.faq_row(i))
            .collect();
        let notices: Vec<NoticeRow> = mine(Area::Notices)
            .into_iter()
            .map(|i| self.notice_row(i, lang))
            .collect();
        let manuals: Vec<Value> = mine(Area::Manuals)
            .into_iter()
            .chain(mine(Area::Pages))
            .map(|i| context! { title => self.page(i).title.clone(), url => self.model.url(i) })
            .collect();
        let ctx = context! {
            ..self.base(lang, Audience::Members, &format!("/members{lp}/"), self.fixed_alternates("/members/").into_iter().map(|mut a| { a.url = format!("/members{}", a.url.trim_start_matches("/members")); a }).collect()),
            ..context! { faq, notices, manuals }
        };
        ("members/index.html", ctx)
    }
}
