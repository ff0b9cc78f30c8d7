//! Typed reading of a YAML map with errors that name the key and its line: every key
//! read is marked, and `finish` reports the keys nobody asked for.

use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::error::ContentError;
use crate::yaml::{Node, Value};

/// Where the map sits: the file, and how many lines precede the YAML text in it.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a Path,
    pub line_offset: usize,
}

pub struct Fields<'a> {
    origin: Origin<'a>,
    /// Prefix of field names for nested maps (`updates[1].`).
    prefix: String,
    entries: &'a [(String, Node)],
    used: Vec<bool>,
    line: usize,
    pub errors: &'a mut Vec<ContentError>,
}

impl<'a> Fields<'a> {
    /// A reader over `node`, which must be a map (an error is recorded otherwise).
    pub fn new(
        origin: Origin<'a>,
        prefix: String,
        node: &'a Node,
        errors: &'a mut Vec<ContentError>,
    ) -> Fields<'a> {
        let entries: &'a [(String, Node)] = match &node.value {
            Value::Map(entries) => entries,
            _ => {
                errors.push(ContentError {
                    file: origin.file.to_path_buf(),
                    line: origin.line_offset + node.line,
                    field: (!prefix.is_empty()).then(|| prefix.trim_end_matches('.').to_owned()),
                    message: format!("expected a map of keys, found {}", node.type_name()),
                });
                &[]
            }
        };
        Fields {
            origin,
            prefix,
            used: vec![false; entries.len()],
            entries,
            line: node.line,
            errors,
        }
    }

    /// The line of the map itself (for errors about a missing key).
    pub fn line(&self) -> usize {
        self.origin.line_offset + self.line
    }

    pub fn file(&self) -> &Path {
        self.origin.file
    }

    pub fn error_at(&mut self, line: usize, key: &str, message: impl Into<String>) {
        self.errors.push(ContentError {
            file: self.origin.file.to_path_buf(),
            line,
            field: Some(format!("{}{key}", self.prefix)),
            message: message.into(),
        });
    }

    /// The line of a key's value in the file.
    pub fn line_of(&self, node: &Node) -> usize {
        self.origin.line_offset + node.line
    }

    /// The raw node of a key, marked as used; `None` when absent or null.
    pub fn node(&mut self, key: &str) -> Option<&'a Node> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        self.used[i] = true;
        let node = &self.entries[i].1;
        (!node.is_null()).then_some(node)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, n)| k == key && !n.is_null())
    }

    fn missing(&mut self, key: &str) {
        let line = self.line();
        self.error_at(line, key, "is required but missing");
    }

    /// Text of a scalar key (numbers are taken as their text: `version: 3.2`).
    pub fn str(&mut self, key: &str) -> Option<String> {
        let node = self.node(key)?;
        match &node.value {
            Value::Scalar(s, _) => Some(s.clone()),
            _ => {
                let line = self.line_of(node);
                self.error_at(
                    line,
                    key,
                    format!("expected text, found {}", node.type_name()),
                );
                None
            }
        }
    }

    pub fn req_str(&mut self, key: &str) -> Option<String> {
        if !self.has(key) {
            self.node(key);
            self.missing(key);
            return None;
        }
        let s = self.str(key)?;
        if s.trim().is_empty() {
            let line = self.line();
            self.error_at(line, key, "must not be empty");
            return None;
        }
        Some(s)
    }

    pub fn int(&mut self, key: &str) -> Option<i64> {
        let node = self.node(key)?;
        match &node.value {
            Value::Scalar(s, true) if s.parse::<i64>().is_ok() => s.parse().ok(),
            _ => {
                let line = self.line_of(node);
                self.error_at(
                    line,
                    key,
                    format!("expected a whole number, found {}", describe(node)),
                );
                None
            }
        }
    }

    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let node = self.node(key)?;
        match &node.value {
            Value::Scalar(s, true) if matches!(s.as_str(), "true" | "True" | "TRUE") => Some(true),
            Value::Scalar(s, true) if matches!(s.as_str(), "false" | "False" | "FALSE") => {
                Some(false)
            }
            _ => {
                let line = self.line_of(node);
                self.error_at(
                    line,
                    key,
                    format!("expected true or false, found {}", describe(node)),
                );
                None
            }
        }
    }

    /// One of `allowed`, with an error listing them otherwise.
    pub fn choice(&mut self, key: &str, allowed: &[&str]) -> Option<String> {
        let node = self.node(key)?;
        let s = self.str(key)?;
        if allowed.contains(&s.as_str()) {
            Some(s)
        } else {
            let line = self.line_of(node);
            self.error_at(
                line,
                key,
                format!("'{s}' is not one of: {}", allowed.join(", ")),
            );
            None
        }
    }

    /// A list of texts; a single text is taken as a list of one.
    pub fn str_list(&mut self, key: &str) -> Vec<(String, usize)> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        match &node.value {
            Value::Scalar(s, _) => vec![(s.clone(), self.line_of(node))],
            Value::Seq(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match &item.value {
                        Value::Scalar(s, _) if !item.is_null() => {
                            out.push((s.clone(), self.line_of(item)))
                        }
                        _ => {
                            let line = self.line_of(item);
                            self.error_at(
                                line,
                                &format!("{key}[{i}]"),
                                format!("expected text, found {}", item.type_name()),
                            );
                        }
                    }
                }
                out
            }
            Value::Map(_) => {
                let line = self.line_of(node);
                self.error_at(line, key, "expected a list, found a map");
                Vec::new()
            }
        }
    }

    /// A point in time; dates and times without a zone are in `tz`.
    pub fn time(&mut self, key: &str, tz: &TimeZone) -> Option<Timestamp> {
        let node = self.node(key)?;
        let s = self.str(key)?;
        match parse_time(&s, tz) {
            Ok(t) => Some(t),
            Err(msg) => {
                let line = self.line_of(node);
                self.error_at(line, key, msg);
                None
            }
        }
    }

    pub fn req_time(&mut self, key: &str, tz: &TimeZone) -> Option<Timestamp> {
        if !self.has(key) {
            self.node(key);
            self.missing(key);
            return None;
        }
        self.time(key, tz)
    }

    /// Reads each map of a list with `read`, giving it a reader whose errors name
    /// `key[i].field`.
    pub fn map_list<T>(
        &mut self,
        key: &str,
        read: impl FnMut(&mut Fields<'_>) -> Option<T>,
    ) -> Vec<T> {
        self.map_list_with(key, &[], read)
    }

    /// `map_list`, naming the keys each map knows when one is not.
    pub fn map_list_with<T>(
        &mut self,
        key: &str,
        known: &[&str],
        mut read: impl FnMut(&mut Fields<'_>) -> Option<T>,
    ) -> Vec<T> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        let Value::Seq(items) = &node.value else {
            let line = self.line_of(node);
            self.error_at(
                line,
                key,
                format!("expected a list, found {}", node.type_name()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let prefix = format!("{}{key}[{i}].", self.prefix);
            let mut sub = Fields::new(self.origin, prefix, item, self.errors);
            if let Some(v) = read(&mut sub) {
                out.push(v);
            }
            sub.finish(known);
        }
        out
    }

    /// A reader for a nested map under `key`.
    pub fn map<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> Option<T> {
        self.map_with(key, &[], read)
    }

    /// `map`, naming the keys the nested map knows when one is not.
    pub fn map_with<T>(
        &mut self,
        key: &str,
        known: &[&str],
        read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> Option<T> {
        let node = self.node(key)?;
        let prefix = format!("{}{key}.", self.prefix);
        let mut sub = Fields::new(self.origin, prefix, node, self.errors);
        let v = read(&mut sub);
        sub.finish(known);
        v
    }

    /// Records a problem with `key`: on its value's line when it is there, else on the
    /// line of the map.
    pub fn error_on(&mut self, key: &str, message: impl Into<String>) {
        let line = match self.entries.iter().find(|(k, _)| k == key) {
            Some((_, node)) => self.line_of(node),
            None => self.line(),
        };
        self.error_at(line, key, message);
    }

    /// Reports every key that was not read. `hint` lists the keys this kind of page
    /// knows, for the message.
    pub fn finish(self, hint: &[&str]) {
        for (i, (key, node)) in self.entries.iter().enumerate() {
            if !self.used[i] {
                let mut msg = "is not a known key".to_owned();
                if !hint.is_empty() {
                    msg.push_str(&format!(" here (known keys: {})", hint.join(", ")));
                }
                self.errors.push(ContentError {
                    file: self.origin.file.to_path_buf(),
                    line: self.origin.line_offset + node.line,
                    field: Some(format!("{}{key}", self.prefix)),
                    message: msg,
                });
            }
        }
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Scalar(s, _) if !node.is_null() => format!("'{s}'"),
        _ => node.type_name().to_owned(),
    }
}

/// `2026-11-20`, `2026-11-20 10:00`, `2026-11-20T10:00:00` (in `tz`), or with a zone:
/// `2026-11-20T01:00:00Z`, `2026-11-20T10:00:00+09:00`.
pub fn parse_time(s: &str, tz: &TimeZone) -> Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    // A bare date is midnight; jiff's Date parser would also accept a date-time and
    // drop its time, so the date-time form is tried first.
    let civil = s.parse::<jiff::civil::DateTime>().or_else(|_| {
        if s.len() == 10 {
            s.parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        } else {
            s.parse::<jiff::civil::DateTime>()
        }
    });
    civil
        .and_then(|dt| tz.to_timestamp(dt))
        .map_err(|_| format!("'{s}' is not a date or time (write 2026-11-20, 2026-11-20 10:00 or 2026-11-20T10:00:00+09:00)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn tokyo() -> TimeZone {
        TimeZone::get("Asia/Tokyo").unwrap()
    }

    #[test]
    fn times_without_a_zone_are_in_the_site_zone() {
        let a = parse_time("2026-11-20 10:00", &tokyo()).unwrap();
        let b = parse_time("2026-11-20T01:00:00Z", &tokyo()).unwrap();
        assert_eq!(a, b);
        let d = parse_time("2026-11-20", &tokyo()).unwrap();
        assert_eq!(d, parse_time("2026-11-19T15:00:00Z", &tokyo()).unwrap());
    }

    #[test]
    fn a_bad_time_says_what_to_write() {
        let err = parse_time("next tuesday", &tokyo()).unwrap_err();
        assert!(err.contains("2026-11-20"), "{err}");
    }

    #[test]
    fn unknown_and_wrongly_typed_keys_are_reported_with_lines() {
        let node = yaml::parse("title: a\nid: abc\ntags: [x]\n")
            .unwrap()
            .unwrap();
        let mut errors = Vec::new();
        let origin = Origin {
            file: Path::new("faq/x.md"),
            line_offset: 1,
        };
        let mut f = Fields::new(origin, String::new(), &node, &mut errors);
        assert_eq!(f.req_str("title").as_deref(), Some("a"));
        assert_eq!(f.int("id"), None);
        f.finish(&["title", "id"]);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            text[0],
            "faq/x.md:3: id: expected a whole number, found 'abc'"
        );
        assert!(
            text[1].starts_with("faq/x.md:4: tags: is not a known key"),
            "{}",
            text[1]
        );
    }

    #[test]
    fn nested_lists_of_maps_name_the_index() {
        let node = yaml::parse("updates:\n  - at: 2026-11-20\n    status: x\n    extra: 1\n")
            .unwrap()
            .unwrap();
        let mut errors = Vec::new();
        let origin = Origin {
            file: Path::new("n.md"),
            line_offset: 1,
        };
        let mut f = Fields::new(origin, String::new(), &node, &mut errors);
        let got = f.map_list("updates", |u| u.choice("status", &["resolved"]));
        assert!(got.is_empty());
        f.finish(&[]);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            text.contains(&"n.md:4: updates[0].status: 'x' is not one of: resolved".to_owned()),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("n.md:3: updates[0].at: is not a known key")),
            "{text:?}"
        );
    }
}
