//! Accounts: company ids and the languages a user can choose, parsed once at the
//! boundary (CLI, CSV, API) and trusted inside.

use std::fmt;

use crate::domain::problem::Problem;

/// A company's id: short, stable, typed by staff (`acme`, `tohoku-denki`), used in
/// CSV files and URLs. Lower-case ASCII letters, digits, `-` and `_`, starting with a
/// letter or digit, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompanyId(String);

impl CompanyId {
    pub fn parse(s: &str) -> Result<CompanyId, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.len() > 64 {
            return Err("is longer than 64 characters".into());
        }
        let ok_first = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let ok_rest = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok_first || !ok_rest {
            return Err(format!(
                "'{}' may hold only a-z, 0-9, '-' and '_', starting with a letter or digit",
                s.chars().filter(|c| !c.is_control()).collect::<String>()
            ));
        }
        Ok(CompanyId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The user ID a person logs in with (seed 002's ユーザーID): at least 3 characters, at
/// most 254, without spaces or control characters. An e-mail address is recommended
/// (it is what the portal suggests), but any such name will do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginId(String);

impl LoginId {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 254;

    pub fn parse(s: &str) -> Result<LoginId, Problem> {
        let s = s.trim();
        let n = s.chars().count();
        if n == 0 {
            return Err(Problem::Required);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Problem::InvalidCharacters);
        }
        if n < Self::MIN_CHARS {
            return Err(Problem::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        if n > Self::MAX_CHARS {
            return Err(Problem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(LoginId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The languages of the portal's screens and mails.
pub const LANGS: &[&str] = &["ja", "en"];

/// `ja` or `en` (any case); empty means the default, `ja`.
pub fn parse_lang(s: &str) -> Result<&'static str, String> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Ok("ja");
    }
    LANGS
        .iter()
        .find(|l| **l == s)
        .copied()
        .ok_or_else(|| format!("'{s}' is not one of {}", LANGS.join(", ")))
}

/// A person's or company's display name: required, one line, at most `max` characters.
pub fn parse_name(s: &str, max: usize) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.chars().any(char::is_control) {
        return Err("must be one line without control characters".into());
    }
    if s.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_ids_are_short_lower_case_slugs() {
        for good in ["acme", "tohoku-denki", "a1_b2", "7eleven"] {
            assert_eq!(CompanyId::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "Acme",
            "-acme",
            "株式会社",
            "a b",
            "a/b",
            &"x".repeat(65),
        ] {
            assert!(CompanyId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn user_ids_have_three_characters_and_no_spaces() {
        assert_eq!(LoginId::parse(" abc ").unwrap().as_str(), "abc");
        assert_eq!(
            LoginId::parse("taro@acme.example.jp").unwrap().as_str(),
            "taro@acme.example.jp"
        );
        assert!(LoginId::parse("山田太").is_ok());
        assert_eq!(LoginId::parse("ab"), Err(Problem::TooShort { min: 3 }));
        assert_eq!(LoginId::parse("  "), Err(Problem::Required));
        assert_eq!(LoginId::parse("a b c"), Err(Problem::InvalidCharacters));
        assert_eq!(LoginId::parse("ab\nc"), Err(Problem::InvalidCharacters));
        assert_eq!(
            LoginId::parse(&"x".repeat(255)),
            Err(Problem::TooLong { max: 254 })
        );
    }

    #[test]
    fn languages_default_to_japanese_and_refuse_others() {
        assert_eq!(parse_lang(""), Ok("ja"));
        assert_eq!(parse_lang(" EN "), Ok("en"));
        assert!(parse_lang("fr").unwrap_err().contains("ja, en"));
    }

    #[test]
    fn names_are_one_line_and_bounded() {
        assert_eq!(parse_name(" 山田 太郎 ", 10).unwrap(), "山田 太郎");
        assert!(parse_name("a\nBcc: x", 100).is_err());
        assert!(parse_name("  ", 100).is_err());
        assert!(parse_name("長い名前です", 3).is_err());
    }
}
