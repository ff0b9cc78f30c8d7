//! The site configuration, `content/site.yaml`: name, URL, languages, time zone, the
//! components of the status page, support hours and contact.

use std::path::Path;

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::error::ContentError;
use crate::fields::{Fields, Origin};
use crate::yaml;
pub use madoguchi_yaml::{KNOWN_LANGUAGES, Localized};

pub const CONFIG_FILE: &str = "site.yaml";

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub id: String,
    pub name: Localized,
    pub description: Localized,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub note: Localized,
}

#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub name: Localized,
    pub base_url: String,
    pub default_language: String,
    pub languages: Vec<String>,
    pub time_zone: TimeZone,
    pub time_zone_name: String,
    pub support_hours: Localized,
    pub contact: Contact,
    pub components: Vec<Component>,
}

impl SiteConfig {
    /// The URL prefix of a language: "" for the default one, "/en" for the others.
    pub fn lang_prefix(&self, lang: &str) -> String {
        if lang == self.default_language {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }

    /// Reads `site.yaml` from the content folder.
    pub fn load(content_dir: &Path) -> Result<SiteConfig, Vec<ContentError>> {
        let path = content_dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![ContentError {
                file: CONFIG_FILE.into(),
                line: 0,
                field: None,
                message: format!("cannot read the site configuration: {e}"),
            }]
        })?;
        Self::parse(Path::new(CONFIG_FILE), &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<SiteConfig, Vec<ContentError>> {
        let err = |line, message: String| {
            vec![ContentError {
                file: file.into(),
                line,
                field: None,
                message,
            }]
        };
        let node = match yaml::parse(text) {
            Ok(Some(node)) => node,
            Ok(None) => return Err(err(0, "the site configuration is empty".into())),
            Err(e) => return Err(err(e.line, format!("not valid YAML: {}", e.message))),
        };
        let mut errors = Vec::new();
        let origin = Origin {
            file,
            line_offset: 0,
        };
        let mut f = Fields::new(origin, String::new(), &node, &mut errors);

        let name = f.localized("name", true);
        let base_url = f
            .req_str("base_url")
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(u) = &base_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            let line = f.line();
            f.error_at(
                line,
                "base_url",
                format!("'{u}' must start with https:// or http://"),
            );
        }
        let languages: Vec<String> = {
            let list = f.str_list("languages");
            for (l, line) in &list {
                if !KNOWN_LANGUAGES.contains(&l.as_str()) {
                    f.error_at(
                        *line,
                        "languages",
                        format!(
                            "'{l}' is not a language madoguchi has UI text for ({})",
                            KNOWN_LANGUAGES.join(", ")
                        ),
                    );
                }
            }
            let list: Vec<String> = list.into_iter().map(|(l, _)| l).collect();
            if list.is_empty() {
                vec!["ja".to_owned(), "en".to_owned()]
            } else {
                list
            }
        };
        let default_language = f
            .str("default_language")
            .unwrap_or_else(|| languages[0].clone());
        if !languages.contains(&default_language) {
            let line = f.line();
            f.error_at(
                line,
                "default_language",
                format!("'{default_language}' is not in languages"),
            );
        }
        let time_zone_name = f
            .str("time_zone")
            .unwrap_or_else(|| "Asia/Tokyo".to_owned());
        let time_zone = match TimeZone::get(&time_zone_name) {
            Ok(tz) => tz,
            Err(_) => {
                let line = f.line();
                f.error_at(
                    line,
                    "time_zone",
                    format!("'{time_zone_name}' is not a known time zone (e.g. Asia/Tokyo)"),
                );
                TimeZone::UTC
            }
        };
        let support_hours = f.localized("support_hours", false);
        let contact = f
            .map("contact", |c| {
                Some(Contact {
                    phone: c.str("phone"),
                    email: c.str("email"),
                    note: c.localized("note", false),
                })
            })
            .unwrap_or(Contact {
                phone: None,
                email: None,
                note: Localized::default(),
            });
        let mut components: Vec<Component> = f.map_list("components", |c| {
            let id = c.req_str("id")?;
            Some(Component {
                id,
                name: c.localized("name", true),
                description: c.localized("description", false),
            })
        });
        let mut seen = std::collections::HashSet::new();
        components.retain(|c| seen.insert(c.id.clone()));
        f.finish(&[
            "name",
            "base_url",
            "default_language",
            "languages",
            "time_zone",
            "support_hours",
            "contact",
            "components",
        ]);

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SiteConfig {
            name,
            base_url: base_url.unwrap_or_default(),
            default_language,
            languages,
            time_zone,
            time_zone_name,
            support_hours,
            contact,
            components,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "name: {ja: 窓口, en: Desk}\nbase_url: https://x.example/\ncomponents:\n  - id: mail\n    name: メール\n";

    #[test]
    fn a_minimal_config_gets_defaults() {
        let c = SiteConfig::parse(Path::new("site.yaml"), GOOD).unwrap();
        assert_eq!(c.base_url, "https://x.example");
        assert_eq!(c.default_language, "ja");
        assert_eq!(c.languages, ["ja", "en"]);
        assert_eq!(c.time_zone_name, "Asia/Tokyo");
        assert_eq!(c.name.get("en", "ja"), "Desk");
        assert_eq!(c.components[0].name.get("en", "ja"), "メール");
        assert_eq!(c.lang_prefix("en"), "/en");
        assert_eq!(c.lang_prefix("ja"), "");
    }

    #[test]
    fn every_problem_is_listed_with_its_line() {
        let bad =
            "name: x\nbase_url: ftp://x\nlanguages: [ja, fr]\ntime_zone: Mars/Base\ncolour: red\n";
        let errs = SiteConfig::parse(Path::new("site.yaml"), bad).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter().any(|t| t.starts_with("site.yaml:")
                && t.contains("base_url: 'ftp://x' must start with https://")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("site.yaml:3: languages: 'fr'")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("time_zone: 'Mars/Base'")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("site.yaml:5: colour: is not a known key")),
            "{text:?}"
        );
    }
}
