//! The site as it will be built: every page's URL and audience, the FAQ category tree,
//! notices by kind and state, and the link resolution that Markdown rendering uses.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use jiff::Timestamp;

use crate::content::{Area, Content, NoticeKind, Page, PageKind, Visibility};
use crate::markdown::Link;

/// The two outputs: the public site, and the pages only logged-in customers may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    Public,
    Members,
}

impl Audience {
    /// Where a page with this visibility is built, if anywhere.
    pub fn of(v: Visibility) -> Option<Audience> {
        match v {
            Visibility::Public => Some(Audience::Public),
            Visibility::Customer => Some(Audience::Members),
            Visibility::Internal => None,
        }
    }

    /// The URL prefix the API serves the members output under.
    pub fn prefix(self) -> &'static str {
        match self {
            Audience::Public => "",
            Audience::Members => "/members",
        }
    }
}

/// The current state of a notice at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    /// An incident not yet resolved, or a maintenance under way.
    Active,
    /// A maintenance still to come.
    Upcoming,
    Past,
}

pub struct Model<'a> {
    pub content: &'a Content,
    pub now: Timestamp,
    /// URL of every built page, by index in `content.pages`.
    pub urls: Vec<Option<String>>,
    by_source: HashMap<&'a Path, usize>,
    /// Every URL path a link may point at.
    pub known: HashSet<String>,
    /// Section (`_index`) pages by (key, lang).
    sections: HashMap<(&'a str, &'a str), usize>,
    /// Pages sharing (area, key, is-section): a page and its translations.
    siblings: HashMap<(Area, &'a str, bool), Vec<usize>>,
}

impl<'a> Model<'a> {
    /// `built_urls`: what the build writes besides the pages (assets, portal screens),
    /// so that Markdown may link it.
    pub fn new(content: &'a Content, now: Timestamp, built_urls: &[String]) -> Model<'a> {
        let cfg = &content.config;
        let mut urls = Vec::with_capacity(content.pages.len());
        let mut known = HashSet::new();
        let mut sections = HashMap::new();
        for (i, p) in content.pages.iter().enumerate() {
            let url = Audience::of(p.visibility)
                .map(|aud| format!("{}{}{}", aud.prefix(), cfg.lang_prefix(&p.lang), path_of(p)));
            if let Some(u) = &url {
                known.insert(u.clone());
                for a in &p.attachments {
                    known.insert(format!("{u}{}", a.name));
                }
            }
            if p.is_section() {
                sections.insert((p.key.as_str(), p.lang.as_str()), i);
            }
            urls.push(url);
        }
        for lang in &cfg.languages {
            let lp = cfg.lang_prefix(lang);
            for fixed in FIXED_PATHS {
                known.insert(format!("{lp}{fixed}"));
            }
            for k in NoticeKind::ALL {
                known.insert(format!("{lp}/notices/{}/", k.as_str()));
            }
            known.insert(format!("/members{lp}/"));
            known.insert(format!("/members{lp}/search/"));
        }
        known.extend(built_urls.iter().cloned());
        let by_source = content
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.source.as_path(), i))
            .collect();
        let mut siblings: HashMap<(Area, &str, bool), Vec<usize>> = HashMap::new();
        for (i, p) in content.pages.iter().enumerate() {
            siblings
                .entry((p.area, p.key.as_str(), p.is_section()))
                .or_default()
                .push(i);
        }
        Model {
            content,
            now,
            urls,
            by_source,
            known,
            sections,
            siblings,
        }
    }

    pub fn pages(&self) -> impl Iterator<Item = (usize, &'a Page)> {
        self.content.pages.iter().enumerate()
    }

    pub fn url(&self, i: usize) -> Option<&str> {
        self.urls[i].as_deref()
    }

    /// The page's other languages, with their URLs (same key, also built).
    pub fn translations(&self, i: usize) -> Vec<(&'a str, String)> {
        let p = &self.content.pages[i];
        self.siblings
            .get(&(p.area, p.key.as_str(), p.is_section()))
            .into_iter()
            .flatten()
            .filter(|&&j| j != i)
            // A project document is the translation only of a page of the same projects:
            // a language switch must not point anyone at it, or it at a shared page.
            .filter(|&&j| self.content.pages[j].projects == p.projects)
            .filter_map(|&j| Some((self.content.pages[j].lang.as_str(), self.urls[j].clone()?)))
            .collect()
    }

    /// The section page for a folder key in a language, falling back to the default language.
    pub fn section(&self, key: &str, lang: &str) -> Option<&'a Page> {
        let cfg = &self.content.config;
        self.sections
            .get(&(key, lang))
            .or_else(|| self.sections.get(&(key, cfg.default_language.as_str())))
            .map(|&i| &self.content.pages[i])
    }

    /// The title of a folder: its section's title, else the folder name.
    pub fn section_title(&self, key: &str, lang: &str) -> String {
        self.section(key, lang)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| key.rsplit('/').next().unwrap_or(key).to_owned())
    }

    /// Where a notice stands now.
    pub fn notice_state(&self, p: &Page) -> NoticeState {
        let PageKind::Notice {
            kind,
            status,
            starts_at,
            ends_at,
            ..
        } = &p.kind
        else {
            return NoticeState::Past;
        };
        let status = status.as_deref().unwrap_or("");
        match kind {
            NoticeKind::Incident if status != "resolved" => NoticeState::Active,
            NoticeKind::Maintenance => match status {
                "in_progress" => NoticeState::Active,
                "scheduled" => match (starts_at, ends_at) {
                    (Some(s), Some(e)) if *s <= self.now && self.now < *e => NoticeState::Active,
                    (_, Some(e)) if *e <= self.now => NoticeState::Past,
                    _ => NoticeState::Upcoming,
                },
                _ => NoticeState::Past,
            },
            _ => NoticeState::Past,
        }
    }

    /// Resolves a link written in page `i`: `.md` paths to page URLs, files next to the
    /// page to their copies, site paths checked. `files` collects the files to copy.
    pub fn resolve_link(
        &self,
        i: usize,
        dest: &str,
        files: &mut Vec<PathBuf>,
    ) -> Result<Link, String> {
        let page = &self.content.pages[i];
        if dest.is_empty()
            || dest.starts_with('#')
            || dest.contains("://")
            || dest.starts_with("mailto:")
            || dest.starts_with("tel:")
            || dest.starts_with("//")
        {
            return Ok(Link::Keep);
        }
        let (path, fragment) = match dest.find(['#', '?']) {
            Some(at) => dest.split_at(at),
            None => (dest, ""),
        };
        if path.is_empty() {
            return Ok(Link::Keep);
        }
        if path.starts_with('/') {
            let normalized = if path.ends_with('/')
                || path.rsplit('/').next().is_some_and(|l| l.contains('.'))
            {
                path.to_owned()
            } else {
                format!("{path}/")
            };
            return if self.known.contains(&normalized) {
                Ok(Link::Url(format!("{normalized}{fragment}")))
            } else {
                Err(format!(
                    "links to '{path}', which is not a page or file of this site"
                ))
            };
        }
        let folder = page.source.parent().unwrap_or(Path::new(""));
        let Some(target) = normalize(&folder.join(path)) else {
            return Err(format!(
                "links to '{path}', which is outside the content folder"
            ));
        };
        if path.ends_with(".md") {
            let Some(&j) = self.by_source.get(target.as_path()) else {
                // A page that exists but did not load has its own errors reported.
                if self.content.dir.join(&target).is_file() {
                    return Ok(Link::Keep);
                }
                return Err(format!(
                    "links to '{path}', but there is no page {}",
                    target.display()
                ));
            };
            let other = &self.content.pages[j];
            if other.is_project_document() && other.projects != page.projects {
                return Err(format!(
                    "links to '{path}', which only the customers of its projects ({}) may read: link it only from pages of the same projects",
                    other.projects.join(", ")
                ));
            }
            return match &self.urls[j] {
                Some(u) => Ok(Link::Url(format!("{u}{fragment}"))),
                None => Err(format!(
                    "links to '{path}', which is an internal page and is not published"
                )),
            };
        }
        if self.content.dir.join(&target).is_file() {
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(target);
            let base = self.urls[i].clone().unwrap_or_default();
            Ok(Link::Url(format!("{base}{name}{fragment}")))
        } else {
            Err(format!(
                "links to '{path}', but there is no file {}",
                target.display()
            ))
        }
    }

    /// The FAQ folders (section keys) with the items directly in each, for one language
    /// and audience, items ordered by weight then FAQ number.
    pub fn faq_tree(
        &self,
        lang: &str,
        visible: impl Fn(&Page) -> bool,
    ) -> BTreeMap<String, Vec<usize>> {
        let mut tree: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.pages() {
            if p.area == Area::Faq
                && !p.is_section()
                && p.lang == lang
                && self.urls[i].is_some()
                && visible(p)
            {
                let mut key = String::from("faq");
                for part in p.category_path() {
                    tree.entry(key.clone()).or_default();
                    key.push('/');
                    key.push_str(part);
                }
                tree.entry(key).or_default().push(i);
            }
        }
        tree.entry("faq".to_owned()).or_default();
        for items in tree.values_mut() {
            items.sort_by_key(|&i| (self.content.pages[i].weight, self.content.pages[i].faq_id()));
        }
        tree
    }
}

/// The site paths that exist in every language apart from the pages.
pub const FIXED_PATHS: &[&str] = &[
    "/",
    "/faq/",
    "/notices/",
    "/status/",
    "/manuals/",
    "/search/",
    "/notices/atom.xml",
    "/faq/atom.xml",
    "/notices/maintenance.ics",
];

/// The path of a portal screen below its language prefix: the ticket list (`index`) at
/// `/portal/`, every other screen in its own folder (`/portal/login/`).
pub fn portal_path(page: &str) -> String {
    if page == "index" {
        "/portal/".to_owned()
    } else {
        format!("/portal/{page}/")
    }
}

/// The path of a page below its language prefix.
pub fn path_of(p: &Page) -> String {
    let rest = p.key.split_once('/').map(|(_, r)| r).unwrap_or("");
    match (p.area, p.is_section()) {
        (Area::Faq, _) => format!("/{}/", p.key),
        (Area::Notices, true) => "/notices/".to_owned(),
        (Area::Manuals, true) => "/manuals/".to_owned(),
        (Area::Pages, true) => "/".to_owned(),
        (Area::Notices, false) => format!("/notices/{rest}/"),
        (Area::Manuals, false) => format!("/manuals/{rest}/"),
        (Area::Pages, false) => format!("/{rest}/"),
    }
}

/// `a/b/../c` to `a/c`; `None` if it climbs out of the root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_parents_and_refuses_escapes() {
        assert_eq!(
            normalize(Path::new("faq/a/../b/x.md")),
            Some(PathBuf::from("faq/b/x.md"))
        );
        assert_eq!(normalize(Path::new("faq/../../x")), None);
    }
}
