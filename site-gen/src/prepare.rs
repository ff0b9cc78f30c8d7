//! The first pass over the pages: Markdown to HTML with links checked, summaries and
//! search terms, all in parallel, before any template runs (lists need other pages'
//! summaries).

use std::path::PathBuf;

use rayon::prelude::*;

use crate::content::{Page, PageKind};
use crate::error::ContentError;
use crate::markdown::{self, Rendered};
use crate::model::Model;
use crate::search::{DocTerms, doc_terms};

/// A page ready for its template.
#[derive(Debug, Default)]
pub struct Prepared {
    pub html: String,
    /// HTML of each notice update, in the page's order (newest first).
    pub updates_html: Vec<String>,
    pub summary: String,
    pub terms: DocTerms,
    /// Files linked from the body, to copy next to the page (relative to content/).
    pub files: Vec<PathBuf>,
}

/// Characters of plain text in a summary.
pub const SUMMARY_CHARS: usize = 120;

/// Prepares every page that is built (public or members); `None` for internal ones.
pub fn prepare_all(model: &Model<'_>) -> (Vec<Option<Prepared>>, Vec<ContentError>) {
    let results: Vec<(Option<Prepared>, Vec<ContentError>)> = model
        .content
        .pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            if model.url(i).is_some() {
                prepare(model, i, p)
            } else {
                (None, Vec::new())
            }
        })
        .collect();
    let mut errors = Vec::new();
    let prepared = results
        .into_iter()
        .map(|(p, e)| {
            errors.extend(e);
            p
        })
        .collect();
    (prepared, errors)
}

fn prepare(model: &Model<'_>, i: usize, p: &Page) -> (Option<Prepared>, Vec<ContentError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut render = |md: &str, first_line: usize| -> Rendered {
        let r = markdown::render(md, first_line, &mut |dest: &str| {
            model.resolve_link(i, dest, &mut files)
        });
        for (line, message) in &r.problems {
            errors.push(ContentError {
                file: p.source.clone(),
                line: *line,
                field: None,
                message: message.clone(),
            });
        }
        r
    };
    let body = render(&p.body, p.body_line);
    let mut text = body.text;
    let mut updates_html = Vec::new();
    if let PageKind::Notice { updates, .. } = &p.kind {
        for u in updates {
            // An update's body sits in the front matter; its links are reported at its line.
            let r = render(&u.body, u.line);
            text.push(' ');
            text.push_str(&r.text);
            updates_html.push(r.html);
        }
    }
    let mut search_text = text.clone();
    if let PageKind::Faq { keywords, .. } = &p.kind {
        for k in keywords {
            search_text.push(' ');
            search_text.push_str(k);
        }
    }
    let summary = markdown::summary(p.description.as_deref().unwrap_or(&text), SUMMARY_CHARS);
    let terms = doc_terms(&p.title, &search_text);
    (
        Some(Prepared {
            html: body.html,
            updates_html,
            summary,
            terms,
            files,
        }),
        errors,
    )
}
