//! Feeds: Atom for notices and for FAQ changes, and an iCalendar (RFC 5545) feed of
//! maintenance windows that calendar applications subscribe to.

use atom_syndication::{Content as AtomContent, Entry, Feed, FixedDateTime, Link, Person, Text};
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event as IcalEvent, EventLike, EventStatus};
use jiff::Timestamp;

/// One entry of a feed, already in the words of its language.
pub struct FeedItem {
    /// Absolute URL.
    pub url: String,
    pub title: String,
    pub published: Timestamp,
    pub updated: Timestamp,
    /// A category label (the notice kind, the FAQ category).
    pub category: String,
    pub summary: String,
}

fn fixed(t: Timestamp) -> FixedDateTime {
    utc(t).fixed_offset()
}

fn utc(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.as_second(), 0).unwrap_or_default()
}

/// An Atom feed. `self_url` and `site_url` are absolute.
pub fn atom(
    title: &str,
    self_url: &str,
    site_url: &str,
    author: &str,
    lang: &str,
    items: &[FeedItem],
) -> String {
    let mut feed = Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(self_url);
    feed.set_lang(Some(lang.to_owned()));
    let updated = items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    feed.set_updated(fixed(updated));
    let mut me = Link::default();
    me.set_href(self_url);
    me.set_rel("self");
    me.set_mime_type(Some("application/atom+xml".to_owned()));
    let mut alt = Link::default();
    alt.set_href(site_url);
    alt.set_rel("alternate");
    feed.set_links(vec![me, alt]);
    let mut person = Person::default();
    person.set_name(author);
    feed.set_authors(vec![person]);
    let entries = items
        .iter()
        .map(|item| {
            let mut e = Entry::default();
            e.set_id(item.url.clone());
            e.set_title(Text::plain(item.title.clone()));
            e.set_updated(fixed(item.updated));
            e.set_published(Some(fixed(item.published)));
            let mut link = Link::default();
            link.set_href(item.url.clone());
            link.set_rel("alternate");
            e.set_links(vec![link]);
            let mut cat = atom_syndication::Category::default();
            cat.set_term(item.category.clone());
            e.set_categories(vec![cat]);
            let mut content = AtomContent::default();
            content.set_content_type(Some("text".to_owned()));
            content.set_value(Some(item.summary.clone()));
            e.set_summary(Some(Text::plain(item.summary.clone())));
            e
        })
        .collect::<Vec<_>>();
    feed.set_entries(entries);
    feed.to_string()
}

/// One maintenance window.
pub struct Window {
    pub uid: String,
    pub url: String,
    pub title: String,
    pub description: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub stamp: Timestamp,
    pub cancelled: bool,
}

/// An iCalendar feed of maintenance windows (times in UTC, which every client converts).
pub fn icalendar(name: &str, windows: &[Window]) -> String {
    let mut cal = Calendar::new();
    cal.name(name);
    for w in windows {
        let mut ev = IcalEvent::new();
        ev.uid(&w.uid)
            .summary(&w.title)
            .description(&w.description)
            .url(&w.url)
            .starts(utc(w.starts_at))
            .ends(utc(w.ends_at))
            .timestamp(utc(w.stamp))
            .status(if w.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        cal.push(ev.done());
    }
    cal.done().to_string()
}
