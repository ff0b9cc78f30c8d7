//! Markdown to HTML (CommonMark + tables, footnotes, strikethrough, task lists), with
//! heading anchors, links checked and rewritten by the caller, and the plain text kept
//! for the search index and summaries.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// What the caller decided about one link destination.
pub enum Link {
    /// Leave it as written (external, `mailto:`, `#anchor`).
    Keep,
    /// Replace it with this URL.
    Url(String),
}

pub struct Rendered {
    pub html: String,
    /// The text without markup, words separated by spaces.
    pub text: String,
    /// Broken links and other problems: (file line, message).
    pub problems: Vec<(usize, String)>,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// An anchor for a heading: lower case, spaces to '-', letters (any script) and digits kept.
pub fn anchor(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_') && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "section".to_owned()
    } else {
        out
    }
}

/// Renders `md`, whose first line is line `first_line` of its file. `resolve` gets every
/// link and image destination.
pub fn render(
    md: &str,
    first_line: usize,
    resolve: &mut dyn FnMut(&str) -> Result<Link, String>,
) -> Rendered {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(md.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| first_line + line_starts.partition_point(|&s| s <= offset) - 1;

    let mut events: Vec<Event> = Vec::new();
    let mut problems = Vec::new();
    let mut text = String::with_capacity(md.len());
    // Index in `events` of the heading being read, and its text so far.
    let mut heading: Option<(usize, String)> = None;
    let mut used_anchors: Vec<String> = Vec::new();

    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite(&dest_url, resolve, &mut problems, line_of(range.start));
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite(&dest_url, resolve, &mut problems, line_of(range.start));
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Heading { .. }) => {
                heading = Some((events.len(), String::new()));
                event
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((at, words)) = heading.take()
                    && let Event::Start(Tag::Heading { id, .. }) = &mut events[at]
                    && id.is_none()
                {
                    let base = anchor(&words);
                    let mut candidate = base.clone();
                    let mut n = 1;
                    while used_anchors.contains(&candidate) {
                        candidate = format!("{base}-{n}");
                        n += 1;
                    }
                    used_anchors.push(candidate.clone());
                    *id = Some(CowStr::from(candidate));
                }
                let _: HeadingLevel = level;
                text.push(' ');
                event
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if let Some((_, words)) = &mut heading {
                    words.push_str(t);
                }
                text.push_str(t);
                event
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => {
                text.push(' ');
                event
            }
            other => other,
        };
        events.push(event);
    }
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Rendered {
        html: out,
        text,
        problems,
    }
}

fn rewrite<'a>(
    dest: &CowStr<'a>,
    resolve: &mut dyn FnMut(&str) -> Result<Link, String>,
    problems: &mut Vec<(usize, String)>,
    line: usize,
) -> CowStr<'a> {
    match resolve(dest) {
        Ok(Link::Keep) => dest.clone(),
        Ok(Link::Url(u)) => CowStr::from(u),
        Err(message) => {
            problems.push((line, message));
            dest.clone()
        }
    }
}

/// The first `chars` characters of `text`, cut at a character boundary, with '…' when cut.
pub fn summary(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().nth(chars).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(_: &str) -> Result<Link, String> {
        Ok(Link::Keep)
    }

    #[test]
    fn headings_get_unique_anchors_in_any_script() {
        let r = render("# 障害の確認\n\n## Step 1\n\n## Step 1\n", 1, &mut keep);
        assert!(r.html.contains(r#"<h1 id="障害の確認">"#), "{}", r.html);
        assert!(r.html.contains(r#"<h2 id="step-1">"#), "{}", r.html);
        assert!(r.html.contains(r#"<h2 id="step-1-1">"#), "{}", r.html);
    }

    #[test]
    fn tables_footnotes_strikethrough_and_task_lists_render() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ new[^1]\n\n[^1]: note\n\n- [x] done\n- [ ] todo\n";
        let r = render(md, 1, &mut keep);
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>old</del>"));
        assert!(r.html.contains("footnote-definition"));
        assert!(r.html.contains(r#"type="checkbox""#));
    }

    #[test]
    fn broken_links_are_reported_with_their_file_line() {
        let md = "intro\n\nsee [x](missing.md)\n";
        let r = render(md, 10, &mut |d: &str| {
            if d == "missing.md" {
                Err("no such page".into())
            } else {
                Ok(Link::Keep)
            }
        });
        assert_eq!(r.problems, [(12, "no such page".to_owned())]);
    }

    #[test]
    fn links_are_rewritten_and_text_is_kept() {
        let r = render("[設定](a.md) と `code`", 1, &mut |_: &str| {
            Ok(Link::Url("/faq/a/".into()))
        });
        assert!(r.html.contains(r#"href="/faq/a/""#), "{}", r.html);
        assert_eq!(r.text, "設定 と code");
    }

    #[test]
    fn summaries_cut_at_characters_not_bytes() {
        assert_eq!(summary("障害情報です", 2), "障害…");
        assert_eq!(summary("ab", 5), "ab");
    }
}
