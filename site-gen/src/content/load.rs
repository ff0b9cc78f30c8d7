//! Reading the content folder: one walk, files parsed in parallel, attachments found on
//! disk, then the checks that need every page at once (FAQ ids, translations).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::{CONFIG_FILE, SiteConfig};
use crate::content::{Page, PageKind, parse_page};
use crate::error::{ContentError, ContentErrors};

/// All the content of a site, checked.
#[derive(Debug, Clone)]
pub struct Content {
    pub dir: PathBuf,
    pub config: SiteConfig,
    /// Every page but drafts, sorted by source path.
    pub pages: Vec<Page>,
}

type Parsed = Result<Page, Vec<ContentError>>;

/// Parsed files by path, kept between builds by `watch` so that only changed files are
/// parsed again.
#[derive(Default)]
pub struct Cache {
    files: HashMap<PathBuf, (SystemTime, u64, Parsed)>,
    config: Option<(SystemTime, u64)>,
}

/// Reads and parses one file, and finds its attachments on disk.
pub fn load_file(dir: &Path, rel: &Path, config: &SiteConfig) -> Parsed {
    let text = std::fs::read(dir.join(rel)).map_err(|e| {
        vec![ContentError {
            file: rel.to_path_buf(),
            line: 0,
            field: None,
            message: format!("cannot read: {e}"),
        }]
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        vec![ContentError {
            file: rel.to_path_buf(),
            line,
            field: None,
            message: "is not valid UTF-8 text".into(),
        }]
    })?;
    let mut page = parse_page(rel, &text, config)?;
    let folder = dir.join(rel.parent().unwrap_or(Path::new("")));
    let mut errors = Vec::new();
    for a in &mut page.attachments {
        match std::fs::metadata(folder.join(&a.name)) {
            Ok(m) if m.is_file() => a.size = m.len(),
            _ => errors.push(ContentError {
                file: rel.to_path_buf(),
                line: a.line,
                field: Some("attachments".into()),
                message: format!("'{}' does not exist next to the page", a.name),
            }),
        }
    }
    if errors.is_empty() {
        Ok(page)
    } else {
        Err(errors)
    }
}

fn stamp(path: &Path) -> (SystemTime, u64) {
    std::fs::metadata(path)
        .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
        .unwrap_or((SystemTime::UNIX_EPOCH, 0))
}

/// Loads and checks the whole content folder.
pub fn load(dir: &Path) -> Result<Content, ContentErrors> {
    load_cached(dir, &mut Cache::default())
}

/// As `load`, re-parsing only the files whose size or time changed since `cache` saw them.
pub fn load_cached(dir: &Path, cache: &mut Cache) -> Result<Content, ContentErrors> {
    let (content, errors) = load_inner(dir, cache)?;
    if errors.is_empty() {
        Ok(content)
    } else {
        Err(ContentErrors::sorted(errors))
    }
}

fn load_inner(
    dir: &Path,
    cache: &mut Cache,
) -> Result<(Content, Vec<ContentError>), ContentErrors> {
    let config = SiteConfig::load(dir).map_err(ContentErrors::sorted)?;
    let config_stamp = stamp(&dir.join(CONFIG_FILE));
    if cache.config != Some(config_stamp) {
        // Pages depend on the configuration (languages, components, time zone).
        cache.files.clear();
        cache.config = Some(config_stamp);
    }

    let mut files = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            ContentErrors(vec![ContentError {
                file: e.path().unwrap_or(dir).to_path_buf(),
                line: 0,
                field: None,
                message: format!("cannot read: {e}"),
            }])
        })?;
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.ends_with(".md") && !name.starts_with('.') {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .to_path_buf();
            files.push(rel);
        }
    }

    files.sort();
    let stale: Vec<&PathBuf> = files
        .iter()
        .filter(|rel| {
            cache.files.get(*rel).map(|(t, l, _)| (*t, *l)) != Some(stamp(&dir.join(rel)))
        })
        .collect();
    let fresh: Vec<(PathBuf, (SystemTime, u64, Parsed))> = stale
        .par_iter()
        .map(|rel| {
            let s = stamp(&dir.join(rel));
            ((*rel).clone(), (s.0, s.1, load_file(dir, rel, &config)))
        })
        .collect();
    cache.files.extend(fresh);
    cache.files.retain(|p, _| files.binary_search(p).is_ok());

    let mut errors = Vec::new();
    let mut pages = Vec::new();
    for rel in &files {
        match &cache.files[rel].2 {
            Ok(p) if !p.draft => pages.push(p.clone()),
            Ok(_) => {}
            Err(e) => errors.extend(e.iter().cloned()),
        }
    }
    errors.extend(check(&pages));
    Ok((
        Content {
            dir: dir.to_path_buf(),
            config,
            pages,
        },
        errors,
    ))
}

/// As `load_cached`, but every page that loaded is kept beside the errors, so that a
/// build can go on to find the broken links too and report everything at once. Fails
/// outright only when the site configuration itself cannot be read.
pub fn load_partial(
    dir: &Path,
    cache: &mut Cache,
) -> Result<(Content, Vec<ContentError>), ContentErrors> {
    load_inner(dir, cache)
}

/// The checks across pages: one file per page and language, FAQ ids unique, and a
/// translation carrying the same id as its original.
pub fn check(pages: &[Page]) -> Vec<ContentError> {
    let mut errors = Vec::new();
    let mut by_key: HashMap<(&str, &str), &Page> = HashMap::new();
    for p in pages {
        if let Some(other) = by_key.insert((&p.key, &p.lang), p) {
            errors.push(ContentError {
                file: p.source.clone(),
                line: 0,
                field: None,
                message: format!(
                    "is the same page in the same language as {}",
                    other.source.display()
                ),
            });
        }
    }
    let mut by_id: HashMap<u64, &Page> = HashMap::new();
    for p in pages {
        let PageKind::Faq { id, id_line, .. } = p.kind else {
            continue;
        };
        if id == 0 {
            continue;
        }
        match by_id.get(&id) {
            Some(first) if first.key != p.key => errors.push(ContentError {
                file: p.source.clone(),
                line: id_line,
                field: Some("id".into()),
                message: format!(
                    "FAQ number {id} is already used by {}",
                    first.source.display()
                ),
            }),
            _ => {
                by_id.entry(id).or_insert(p);
            }
        }
    }
    let mut id_of_key: HashMap<&str, (u64, &Page)> = HashMap::new();
    for p in pages {
        let PageKind::Faq { id, id_line, .. } = p.kind else {
            continue;
        };
        match id_of_key.get(p.key.as_str()) {
            Some((other_id, other)) if *other_id != id => errors.push(ContentError {
                file: p.source.clone(),
                line: id_line,
                field: Some("id".into()),
                message: format!(
                    "a translation carries the same FAQ number as its original ({other_id} in {})",
                    other.source.display()
                ),
            }),
            _ => {
                id_of_key.insert(&p.key, (id, p));
            }
        }
    }
    errors
}
