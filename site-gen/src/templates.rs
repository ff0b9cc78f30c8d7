//! The template environment, built once per build: every template under `templates/`
//! parsed up front, the UI strings of each language, and the filters the templates use
//! for dates and sizes in the site's time zone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};
use walkdir::WalkDir;

use crate::error::ContentError;
use crate::yaml::{self, Value};

/// UI strings: language → key → text.
pub type Strings = HashMap<String, HashMap<String, String>>;

/// Reads `templates/i18n/<lang>.yaml` for each language and checks that every language
/// has every key.
pub fn load_strings(templates: &Path, languages: &[String]) -> Result<Strings, Vec<ContentError>> {
    let mut errors = Vec::new();
    let mut strings: Strings = HashMap::new();
    let mut lines: HashMap<(String, String), usize> = HashMap::new();
    for lang in languages {
        let rel = PathBuf::from(format!("i18n/{lang}.yaml"));
        let err = |line, message: String| ContentError {
            file: Path::new("templates").join(&rel),
            line,
            field: None,
            message,
        };
        let text = match std::fs::read_to_string(templates.join(&rel)) {
            Ok(t) => t,
            Err(e) => {
                errors.push(err(
                    0,
                    format!("cannot read the UI strings for '{lang}': {e}"),
                ));
                continue;
            }
        };
        let map = strings.entry(lang.clone()).or_default();
        match yaml::parse(&text) {
            Ok(Some(node)) => {
                if let Value::Map(entries) = node.value {
                    for (k, v) in entries {
                        match v.value {
                            Value::Scalar(s, _) => {
                                lines.insert((lang.clone(), k.clone()), v.line);
                                map.insert(k, s);
                            }
                            _ => errors.push(err(v.line, format!("'{k}' must be text"))),
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(err(e.line, format!("not valid YAML: {}", e.message))),
        }
    }
    for a in languages {
        for b in languages {
            let (Some(ma), Some(mb)) = (strings.get(a), strings.get(b)) else {
                continue;
            };
            let mut missing: Vec<&String> = ma.keys().filter(|k| !mb.contains_key(*k)).collect();
            missing.sort();
            for k in missing {
                let line = lines.get(&(a.clone(), k.clone())).copied().unwrap_or(0);
                errors.push(ContentError {
                    file: PathBuf::from(format!("templates/i18n/{a}.yaml")),
                    line,
                    field: Some(k.clone()),
                    message: format!("has no translation in templates/i18n/{b}.yaml"),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(strings)
    } else {
        Err(errors)
    }
}

/// Builds the environment with every `.html`, `.xml` and `.txt` template below `dir`
/// (except `assets/`) added by its relative path.
pub fn environment(
    dir: &Path,
    strings: Strings,
    tz: TimeZone,
) -> Result<Environment<'static>, Vec<ContentError>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let mut errors = Vec::new();
    for entry in WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(dir) else {
            continue;
        };
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        if !entry.file_type().is_file()
            || rel_s.starts_with("assets/")
            || rel_s.starts_with("mail/")
        {
            continue;
        }
        if !(rel_s.ends_with(".html") || rel_s.ends_with(".xml") || rel_s.ends_with(".txt")) {
            continue;
        }
        match std::fs::read_to_string(path) {
            Ok(src) => {
                if let Err(e) = env.add_template_owned(rel_s.clone(), src) {
                    errors.push(ContentError {
                        file: Path::new("templates").join(rel),
                        line: e.line().unwrap_or(0),
                        field: None,
                        message: format!(
                            "template error: {}",
                            e.detail().unwrap_or(&e.to_string())
                        ),
                    });
                }
            }
            Err(e) => errors.push(ContentError {
                file: Path::new("templates").join(rel),
                line: 0,
                field: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    env.set_formatter(html_formatter);
    let strings = Arc::new(strings);
    let all = Arc::clone(&strings);
    env.add_function(
        "t",
        move |state: &State, key: &str| -> Result<String, Error> {
            let lang = current_lang(state);
            strings
                .get(&lang)
                .and_then(|m| m.get(key))
                .cloned()
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::UndefinedError,
                        format!("no UI string '{key}' for '{lang}' in templates/i18n/"),
                    )
                })
        },
    );
    // The strings of a group (`portal.`) as a map, for scripts that need them.
    env.add_function("strings", move |state: &State, prefix: &str| {
        let lang = current_lang(state);
        let mut group: Vec<(&str, &str)> = all
            .get(&lang)
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        group.sort_unstable();
        minijinja::Value::from_pairs(group)
    });
    let zone = tz.clone();
    env.add_filter("date", move |state: &State, iso: &str| {
        format_time(iso, &zone, &current_lang(state), false)
    });
    let zone = tz.clone();
    env.add_filter("datetime", move |state: &State, iso: &str| {
        format_time(iso, &zone, &current_lang(state), true)
    });
    let zone = tz;
    env.add_filter("day", move |iso: &str| -> Result<String, Error> {
        let t = parse_iso(iso)?;
        Ok(t.to_zoned(zone.clone()).strftime("%Y-%m-%d").to_string())
    });
    env.add_filter("filesize", |bytes: u64| filesize(bytes));
    Ok(env)
}

/// The portal screens: every `portal/<name>.html` template except the `_`-prefixed
/// layouts and macros, by name. `index` is the ticket list.
pub fn portal_pages(env: &Environment<'_>) -> Vec<String> {
    let mut pages: Vec<String> = env
        .templates()
        .filter_map(|(name, _)| name.strip_prefix("portal/")?.strip_suffix(".html"))
        .filter(|name| !name.starts_with('_') && !name.contains('/'))
        .map(str::to_owned)
        .collect();
    pages.sort();
    pages
}

/// Escapes text for HTML like the default formatter, but leaves `/` alone: minijinja
/// writes it as `&#x2f;`, which bloats every URL in the output for no safety gain.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut State,
    value: &minijinja::Value,
) -> Result<(), Error> {
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(s)) if !value.is_safe() => {
            let mut last = 0;
            for (i, b) in s.bytes().enumerate() {
                let rep = match b {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    b'\'' => "&#x27;",
                    _ => continue,
                };
                out.write_str(&s[last..i])
                    .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))?;
                out.write_str(rep)
                    .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))?;
                last = i + 1;
            }
            out.write_str(&s[last..])
                .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn current_lang(state: &State) -> String {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "ja".to_owned())
}

fn parse_iso(iso: &str) -> Result<Timestamp, Error> {
    iso.parse::<Timestamp>().map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("'{iso}' is not a time: {e}"),
        )
    })
}

/// A time for people: `2026年11月23日 10:00` or `Nov 23, 2026 10:00 JST`.
pub fn format_time(iso: &str, tz: &TimeZone, lang: &str, with_time: bool) -> Result<String, Error> {
    let z = parse_iso(iso)?.to_zoned(tz.clone());
    let s = match (lang, with_time) {
        ("ja", false) => z.strftime("%Y年%-m月%-d日").to_string(),
        ("ja", true) => z.strftime("%Y年%-m月%-d日 %H:%M").to_string(),
        (_, false) => z.strftime("%b %-d, %Y").to_string(),
        (_, true) => z.strftime("%b %-d, %Y %H:%M %Z").to_string(),
    };
    Ok(s)
}

/// `2.4 MB`, `120 KB`, `512 B`.
pub fn filesize(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else if b >= KB {
        format!("{:.0} KB", (b / KB).ceil())
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_read_like_a_file_manager() {
        assert_eq!(filesize(512), "512 B");
        assert_eq!(filesize(120 * 1024), "120 KB");
        assert_eq!(filesize(2_516_582), "2.4 MB");
    }

    #[test]
    fn times_are_shown_in_the_site_zone_and_language() {
        let tz = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            format_time("2026-11-23T01:00:00Z", &tz, "ja", true).unwrap(),
            "2026年11月23日 10:00"
        );
        assert_eq!(
            format_time("2026-11-23T01:00:00Z", &tz, "en", false).unwrap(),
            "Nov 23, 2026"
        );
        assert_eq!(
            format_time("2026-11-23T01:00:00Z", &tz, "en", true).unwrap(),
            "Nov 23, 2026 10:00 JST"
        );
    }
}
