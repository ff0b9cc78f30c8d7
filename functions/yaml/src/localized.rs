//! Text in several languages: a plain string in the file is the same text in every
//! language, a map `{ja: …, en: …}` gives each its own.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::fields::Fields;
use crate::yaml::Value;

/// The languages madoguchi ships UI strings for.
pub const KNOWN_LANGUAGES: &[&str] = &["ja", "en"];

/// Text in each language; a plain string in the file is the same text in all of them.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    /// The text in `lang`, else in the default language, else any.
    pub fn get<'a>(&'a self, lang: &str, default: &str) -> &'a str {
        self.0
            .get(lang)
            .or_else(|| self.0.get(default))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The same text in every language.
    pub fn plain(text: impl Into<String>) -> Localized {
        Localized(BTreeMap::from([(String::new(), text.into())]))
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| v.trim().is_empty())
    }
}

impl Fields<'_> {
    /// A text that is either one string or a map of language → string.
    pub fn localized(&mut self, key: &str, required: bool) -> Localized {
        let Some(node) = self.node(key) else {
            if required {
                let line = self.line();
                self.error_at(line, key, "is required but missing");
            }
            return Localized::default();
        };
        match &node.value {
            // An empty-language entry is what `get` falls back to for every language.
            Value::Scalar(s, _) => Localized::plain(s.clone()),
            Value::Map(entries) => {
                let mut m = BTreeMap::new();
                for (lang, v) in entries {
                    match &v.value {
                        Value::Scalar(s, _) if KNOWN_LANGUAGES.contains(&lang.as_str()) => {
                            m.insert(lang.clone(), s.clone());
                        }
                        Value::Scalar(..) => {
                            let line = self.line_of(v);
                            self.error_at(
                                line,
                                &format!("{key}.{lang}"),
                                format!(
                                    "'{lang}' is not a language ({})",
                                    KNOWN_LANGUAGES.join(", ")
                                ),
                            );
                        }
                        _ => {
                            let line = self.line_of(v);
                            self.error_at(
                                line,
                                &format!("{key}.{lang}"),
                                format!("expected text, found {}", v.type_name()),
                            );
                        }
                    }
                }
                Localized(m)
            }
            Value::Seq(_) => {
                let line = self.line_of(node);
                self.error_at(
                    line,
                    key,
                    "expected text or a map {ja: …, en: …}, found a list",
                );
                Localized::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Origin;

    #[test]
    fn a_plain_string_is_every_language_and_a_map_each_its_own() {
        let node = crate::yaml::parse("a: 窓口\nb: {ja: 窓口, en: Desk}\nc: {fr: x}\n")
            .unwrap()
            .unwrap();
        let mut errors = Vec::new();
        let origin = Origin {
            file: Path::new("portal.yaml"),
            line_offset: 0,
        };
        let mut f = Fields::new(origin, String::new(), &node, &mut errors);
        assert_eq!(f.localized("a", true).get("en", "ja"), "窓口");
        let b = f.localized("b", true);
        assert_eq!((b.get("ja", "ja"), b.get("en", "ja")), ("窓口", "Desk"));
        f.localized("c", false);
        assert!(f.localized("d", true).is_empty());
        f.finish(&[]);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            text,
            [
                "portal.yaml:3: c.fr: 'fr' is not a language (ja, en)",
                "portal.yaml:1: d: is required but missing"
            ]
        );
    }
}
