//! Project documents: customer-only pages limited to projects (案件) by `projects:` in
//! their front matter, listed in the manifest site-gen writes beside the members' pages
//! (`_documents.json`). Who may read one is `domain::access::may_document`; this reads
//! the projects it needs from the store and says which request paths they cover.

use std::collections::HashMap;

use serde::Deserialize;

use crate::app::{AppError, Deps};
use crate::domain::access::{Actor, DocumentAccess, DocumentProject, may_document};
use crate::ports::store::ProjectRecord;

/// The manifest's name below the members' output (never served).
pub const MANIFEST: &str = "_documents.json";

/// One project document as site-gen lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DocumentEntry {
    /// The page's URL path below `/members` (a folder: its attachments are below it).
    pub path: String,
    pub lang: String,
    /// Shared by a page and its translation.
    pub key: String,
    pub title: String,
    /// faq, notices, manuals or pages.
    pub section: String,
    pub date: Option<String>,
    pub updated: Option<String>,
    pub projects: Vec<String>,
}

#[derive(Deserialize)]
struct ManifestFile {
    version: u32,
    documents: Vec<DocumentEntry>,
}

/// The project documents of one build, with each one's path cut into segments.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    documents: Vec<(Vec<String>, DocumentEntry)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not valid JSON of site-gen's format")]
    Json(#[from] serde_json::Error),
    #[error("the manifest has version {0}; this server reads version 1 (rebuild the site)")]
    Version(u32),
    #[error("the manifest lists '{0}', which is not a path below /members")]
    Path(String),
}

impl Manifest {
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let file: ManifestFile = serde_json::from_slice(bytes)?;
        if file.version != 1 {
            return Err(ManifestError::Version(file.version));
        }
        let documents = file
            .documents
            .into_iter()
            .map(|d| match segments(&d.path) {
                Some(s) if !s.is_empty() => Ok((s, d)),
                _ => Err(ManifestError::Path(d.path.clone())),
            })
            .collect::<Result<_, _>>()?;
        Ok(Manifest { documents })
    }

    pub fn documents(&self) -> impl Iterator<Item = &DocumentEntry> {
        self.documents.iter().map(|(_, d)| d)
    }

    /// The project document whose page or attachment `path` (below `/members`, as
    /// `segments` cut it) is. Compared without regard to ASCII case, so that a
    /// case-insensitive file system cannot serve a page past the check.
    pub fn covering(&self, path: &[String]) -> Option<&DocumentEntry> {
        self.documents
            .iter()
            .find(|(page, _)| {
                page.len() <= path.len()
                    && page
                        .iter()
                        .zip(path)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
            .map(|(_, d)| d)
    }
}

/// A request path below `/members` as the file server will read it: percent-decoded,
/// then cut at `/` without empty and `.` segments. `None` for what no file server
/// serves (`..`, bad escapes, invalid UTF-8, NUL).
pub fn segments(path: &str) -> Option<Vec<String>> {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(decoded).ok()?;
    if text.contains('\0') {
        return None;
    }
    let mut out = Vec::new();
    for seg in text.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => out.push(s.to_owned()),
        }
    }
    Some(out)
}

/// Whether a request path (as `segments` cut it) names the manifest itself.
pub fn is_manifest(path: &[String]) -> bool {
    matches!(path, [name] if name.eq_ignore_ascii_case(MANIFEST))
}

/// The projects of a document that exist, as the domain rule wants them.
fn known<'a>(
    doc: &DocumentEntry,
    projects: &'a HashMap<String, ProjectRecord>,
) -> Vec<DocumentProject<'a>> {
    doc.projects
        .iter()
        .filter_map(|id| projects.get(id))
        .map(|p| DocumentProject {
            project_id: &p.id,
            company_id: &p.company_id,
        })
        .collect()
}

/// Whether `actor` may read the project document `doc`. Reads the document's projects
/// (one or two items) for customers; staff need none.
pub async fn may_read(deps: &Deps, actor: &Actor, doc: &DocumentEntry) -> Result<bool, AppError> {
    let mut projects = HashMap::new();
    if !actor.is_staff() && actor.customer_role.is_some() {
        for id in &doc.projects {
            if let Some(p) = deps.store.get_project(id).await? {
                projects.insert(p.id.clone(), p);
            }
        }
    }
    Ok(may_document(
        actor,
        &DocumentAccess {
            projects: &known(doc, &projects),
        },
    ))
}

/// A project document in the caller's list.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleDocument {
    pub title: String,
    /// `/members/…/`.
    pub url: String,
    pub lang: String,
    pub section: String,
    pub updated: Option<String>,
    /// The document's projects the caller may see it through: (id, name).
    pub projects: Vec<(String, String)>,
}

/// The project documents `actor` may read, one per page in `lang` (the other language's
/// page when a document has none in `lang`), newest first. Customers cost one read (their
/// company's projects), staff one per project named in the manifest.
pub async fn visible_documents(
    deps: &Deps,
    actor: &Actor,
    manifest: &Manifest,
    lang: &str,
) -> Result<Vec<VisibleDocument>, AppError> {
    // One page per document key: in `lang` if there is one, else the first by path.
    let mut chosen: Vec<&DocumentEntry> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for d in manifest.documents() {
        match at.get(d.key.as_str()) {
            Some(&i) if chosen[i].lang != lang && d.lang == lang => chosen[i] = d,
            Some(_) => {}
            None => {
                at.insert(&d.key, chosen.len());
                chosen.push(d);
            }
        }
    }
    let mut projects: HashMap<String, ProjectRecord> = HashMap::new();
    if actor.is_staff() {
        for d in &chosen {
            for id in &d.projects {
                if !projects.contains_key(id)
                    && let Some(p) = deps.store.get_project(id).await?
                {
                    projects.insert(id.clone(), p);
                }
            }
        }
    } else if let (Some(company), Some(_)) = (&actor.company_id, actor.customer_role) {
        projects.extend(
            deps.store
                .list_projects(company)
                .await?
                .into_iter()
                .map(|p| (p.id.clone(), p)),
        );
    }
    let mut out: Vec<VisibleDocument> = chosen
        .into_iter()
        .filter_map(|d| {
            let all = known(d, &projects);
            if !may_document(actor, &DocumentAccess { projects: &all }) {
                return None;
            }
            let through = all
                .iter()
                .filter(|p| {
                    may_document(
                        actor,
                        &DocumentAccess {
                            projects: std::slice::from_ref(*p),
                        },
                    )
                })
                .map(|p| {
                    let name = projects
                        .get(p.project_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_default();
                    (p.project_id.to_owned(), name)
                })
                .collect();
            Some(VisibleDocument {
                title: d.title.clone(),
                url: format!("/members{}", d.path),
                lang: d.lang.clone(),
                section: d.section.clone(),
                updated: d.updated.clone(),
                projects: through,
            })
        })
        .collect();
    out.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.url.cmp(&b.url)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(p: &str) -> Vec<String> {
        segments(p).unwrap()
    }

    const JSON: &str = r#"{"version": 1, "documents": [
        {"path": "/manuals/net-design/", "lang": "ja", "key": "manuals/net-design", "title": "設計書",
         "section": "manuals", "date": null, "updated": "2026-11-04T15:00:00Z", "projects": ["acme-net"]}
    ]}"#;

    #[test]
    fn a_document_covers_its_page_and_the_files_in_its_folder_however_the_path_is_written() {
        let m = Manifest::parse(JSON.as_bytes()).unwrap();
        for path in [
            "/manuals/net-design/",
            "/manuals/net-design",
            "/manuals/net-design/index.html",
            "//manuals/./net-design/plan.pdf",
            "/manuals/net%2Ddesign/",
            "/manuals%2Fnet-design/",
            "/MANUALS/Net-Design/",
        ] {
            assert!(m.covering(&seg(path)).is_some(), "{path}");
        }
        for path in [
            "/manuals/",
            "/manuals/net-design-2/",
            "/en/manuals/net-design/",
            "/",
        ] {
            assert!(m.covering(&seg(path)).is_none(), "{path}");
        }
    }

    #[test]
    fn paths_no_file_server_would_serve_are_refused_and_the_manifest_is_named() {
        for bad in [
            "/a/../b",
            "/a/%2e%2e/b",
            "/a%zz",
            "/a%",
            "/a%+f",
            "/%ff",
            "/a%00",
        ] {
            assert_eq!(segments(bad), None, "{bad}");
        }
        assert!(is_manifest(&seg("/_documents.json")));
        assert!(is_manifest(&seg("//%5Fdocuments.json")));
        assert!(!is_manifest(&seg("/en/_documents.json")));
    }

    #[test]
    fn a_manifest_of_another_version_or_with_a_bad_path_is_refused() {
        assert!(matches!(
            Manifest::parse(br#"{"version": 2, "documents": []}"#),
            Err(ManifestError::Version(2))
        ));
        let bad = JSON.replace("/manuals/net-design/", "/../x/");
        assert!(matches!(
            Manifest::parse(bad.as_bytes()),
            Err(ManifestError::Path(_))
        ));
        assert!(Manifest::parse(b"[]").is_err());
    }
}
