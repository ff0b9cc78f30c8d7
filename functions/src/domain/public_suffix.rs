//! The registrable domain of a host name (`tokyo.example.co.jp` → `example.co.jp`), from
//! a short bundled list of public suffixes in the Public Suffix List's format.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("public-suffixes.txt");

struct Rules {
    /// `co.jp`: a suffix.
    exact: HashSet<&'static str>,
    /// `*.kobe.jp`, stored as `kobe.jp`: every label under it is a suffix.
    wildcard: HashSet<&'static str>,
    /// `!city.kobe.jp`: registrable although a wildcard covers it.
    exception: HashSet<&'static str>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut r = Rules {
            exact: HashSet::new(),
            wildcard: HashSet::new(),
            exception: HashSet::new(),
        };
        for rule in LIST
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
        {
            if let Some(parent) = rule.strip_prefix("*.") {
                r.wildcard.insert(parent);
            } else if let Some(name) = rule.strip_prefix('!') {
                r.exception.insert(name);
            } else {
                r.exact.insert(rule);
            }
        }
        r
    })
}

/// How many labels at the end of `labels` are the public suffix (at least one: an
/// unlisted top-level domain is a suffix by itself).
fn suffix_labels(labels: &[&str]) -> usize {
    let r = rules();
    let n = labels.len();
    let tail = |i: usize| labels[i..].join(".");
    if let Some(i) = (0..n).find(|&i| r.exception.contains(tail(i).as_str())) {
        return n - i - 1;
    }
    (0..n)
        .find(|&i| {
            r.exact.contains(tail(i).as_str())
                || (i + 1 < n && r.wildcard.contains(tail(i + 1).as_str()))
        })
        .map_or(1, |i| n - i)
}

/// The part of `host` one registers (the public suffix and one label more), lower-cased;
/// `None` when `host` is empty or itself a public suffix (`co.jp`). Labels are compared
/// as written: an internationalized name is expected in its `xn--` form.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let keep = suffix_labels(&labels) + 1;
    (labels.len() >= keep).then(|| labels[labels.len() - keep..].join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registrable_domain_keeps_one_label_above_the_public_suffix() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>)] = &[
            ("example.jp",                       Some("example.jp")),
            ("tokyo.example.jp",                 Some("example.jp")),
            ("example.co.jp",                    Some("example.co.jp")),
            ("a.b.example.co.jp",                Some("example.co.jp")),
            ("Sales.Example.NE.JP.",             Some("example.ne.jp")),
            ("lab.example.ac.jp",                Some("example.ac.jp")),
            ("x.example.or.jp",                  Some("example.or.jp")),
            ("www.mext.go.jp",                   Some("mext.go.jp")),
            ("school.ed.jp",                     Some("school.ed.jp")),
            ("city.yokohama.lg.jp",              Some("city.yokohama.lg.jp")),
            ("kikaku.city.yokohama.lg.jp",       Some("city.yokohama.lg.jp")),
            ("example.tokyo.jp",                 Some("example.tokyo.jp")),
            ("mail.example.osaka.jp",            Some("example.osaka.jp")),
            ("soumu.metro.tokyo.jp",             Some("metro.tokyo.jp")),
            // The older geographic type is cut at the municipality (see the list).
            ("example.shibuya.tokyo.jp",         Some("shibuya.tokyo.jp")),
            ("pref.osaka.jp",                    Some("pref.osaka.jp")),
            ("city.kobe.jp",                     Some("city.kobe.jp")),
            ("example.chuo.kobe.jp",             Some("example.chuo.kobe.jp")),
            ("mail.example.com",                 Some("example.com")),
            ("example.co.uk",                    Some("example.co.uk")),
            ("xn--eckwd4c7c.xn--zckzah",         Some("xn--eckwd4c7c.xn--zckzah")),
            ("tokyo.xn--eckwd4c7c.co.jp",        Some("xn--eckwd4c7c.co.jp")),
            ("co.jp",                            None),
            ("jp",                               None),
            ("tokyo.jp",                         None),
            ("chuo.kobe.jp",                     None),
            ("yokohama.lg.jp",                   None),
            ("",                                 None),
            ("a..example.jp",                    None),
        ];
        for (host, want) in cases {
            assert_eq!(registrable_domain(host).as_deref(), *want, "{host}");
        }
    }
}
