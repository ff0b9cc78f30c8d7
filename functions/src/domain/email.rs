//! An e-mail address, parsed once at the boundary and trusted inside.

use std::fmt;

/// A syntactically valid address, lower-cased in its domain. Header-unsafe characters
/// (CR, LF, commas, angle brackets) can never be inside one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is empty")]
    Empty,
    #[error("is longer than 254 characters")]
    TooLong,
    #[error("'{0}' is not an e-mail address (name@example.jp)")]
    Invalid(String),
}

impl Email {
    pub fn parse(s: &str) -> Result<Email, EmailError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let invalid = || EmailError::Invalid(s.chars().filter(|c| !c.is_control()).collect());
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// A comma-separated CC list (seed 002): every address checked, duplicates dropped.
    pub fn parse_list(s: &str) -> Result<Vec<Email>, EmailError> {
        let mut out: Vec<Email> = Vec::new();
        for part in s
            .split([',', '、', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let e = Email::parse(part)?;
            if !out.contains(&e) {
                out.push(e);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_normal_address_parses_with_its_domain_lower_cased() {
        let e = Email::parse(" Taro.Yamada@Example.CO.JP ").unwrap();
        assert_eq!(e.as_str(), "Taro.Yamada@example.co.jp");
        assert_eq!(e.domain(), "example.co.jp");
    }

    #[test]
    fn header_injection_and_malformed_addresses_are_refused() {
        for bad in [
            "a@b",
            "a@@b.jp",
            "a b@c.jp",
            "a@c.jp\r\nBcc: x@y.jp",
            "<a@b.jp>",
            "a@-b.jp",
            ".a@b.jp",
            "a..b@c.jp",
            "山田@example.jp",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
    }

    #[test]
    fn cc_lists_split_on_commas_and_japanese_commas_and_drop_duplicates() {
        let list = Email::parse_list("a@x.jp, b@x.jp、a@x.jp").unwrap();
        assert_eq!(list.len(), 2);
        assert!(
            matches!(Email::parse_list("a@x.jp, nope"), Err(EmailError::Invalid(s)) if s == "nope")
        );
    }
}
