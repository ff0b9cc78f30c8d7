//! Ticket bodies: Markdown as people type it in a ticket (line breaks kept), rendered
//! with pulldown-cmark and then cleaned by ammonia, so that whatever a customer writes
//! the portal inserts only harmless HTML (stored XSS is the classic helpdesk hole).
//!
//! Raw HTML in the Markdown is shown as text, not passed through; images become plain
//! links, so that opening a ticket never loads anything from another host (a tracking
//! pixel would tell the sender when staff read it, and from where); links get
//! `rel="noopener noreferrer nofollow"` and only http, https and mailto survive.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// The tags pulldown-cmark makes from Markdown, and nothing else.
const TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(TAGS.iter().copied().collect())
            .generic_attributes(HashSet::new())
            .tag_attributes(
                [("a", ["href"].into()), ("ol", ["start"].into())]
                    .into_iter()
                    .collect(),
            )
            .url_schemes(
                ["http", "https", "mailto"]
                    .into_iter()
                    .collect::<HashSet<_>>(),
            )
            .link_rel(Some("noopener noreferrer nofollow"))
            .strip_comments(true);
        b
    })
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// A ticket body as safe HTML for `body_html` and the preview.
pub fn render(markdown: &str) -> String {
    // The URL of the image being turned into a link, until its alt text shows up.
    let mut image: Option<CowStr<'_>> = None;
    let events = Parser::new_ext(markdown, options()).flat_map(|event| match event {
        // Raw HTML is the writer's text, shown as typed.
        Event::Html(s) | Event::InlineHtml(s) => vec![Event::Text(s)],
        // Lines typed one under another stay so, as in a mail.
        Event::SoftBreak => vec![Event::HardBreak],
        Event::TaskListMarker(done) => vec![Event::Text(CowStr::Borrowed(if done {
            "☑ "
        } else {
            "☐ "
        }))],
        // An image is shown as a link to it, labelled with its alt text (or its URL).
        Event::Start(Tag::Image {
            dest_url, title, ..
        }) => {
            image = Some(dest_url.clone());
            vec![Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url,
                title,
                id: CowStr::Borrowed(""),
            })]
        }
        Event::End(TagEnd::Image) => match image.take() {
            Some(url) => vec![Event::Text(url), Event::End(TagEnd::Link)],
            None => vec![Event::End(TagEnd::Link)],
        },
        other => {
            if matches!(other, Event::Text(_) | Event::Code(_)) {
                image = None;
            }
            vec![other]
        }
    });
    let mut html_out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html_out, events);
    cleaner().clean(&html_out).to_string()
}

#[cfg(test)]
mod tests;
