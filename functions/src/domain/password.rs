//! The rules a new password must meet (ASVS V2.1): a length, the character classes the
//! vendor asks for, not a common password, not the user's own ID or e-mail address.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::domain::problem::Problem;

/// The bundled list of common passwords; where it comes from is said at its top.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The longest password accepted: hashing cost grows with length, and 128 characters
/// are at most 512 bytes.
pub const MAX_CHARS: usize = 128;

/// What a new password must be, from the portal configuration (`passwords:` in
/// `portal.yaml`).
///
/// The default is the issue's: at least 8 characters with an upper-case letter, a
/// lower-case letter and a digit, and not a common password. Seed 002 asks for 6 with
/// the same classes; ASVS asks for 12 and no composition rules (V2.1.1, V2.1.9) — the
/// vendor chooses in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// The fewest characters (not bytes: a Japanese pass phrase counts its characters).
    pub min_len: usize,
    pub require_upper: bool,
    pub require_lower: bool,
    pub require_digit: bool,
    /// Refuse passwords on the bundled list (and runs of one character).
    pub refuse_common: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_len: 8,
            require_upper: true,
            require_lower: true,
            require_digit: true,
            refuse_common: true,
        }
    }
}

impl PasswordPolicy {
    /// Everything wrong with `password` for the account `user_id` / `email`, at once;
    /// empty when it is good. A password equal to the user ID or the e-mail address
    /// (in any case) is refused whatever the policy says.
    pub fn check(&self, password: &str, user_id: &str, email: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let n = password.chars().count();
        if n < self.min_len {
            problems.push(Problem::TooShort { min: self.min_len });
        }
        if n > MAX_CHARS {
            problems.push(Problem::TooLong { max: MAX_CHARS });
        }
        if self.require_upper && !password.chars().any(char::is_uppercase) {
            problems.push(Problem::NeedsUpper);
        }
        if self.require_lower && !password.chars().any(char::is_lowercase) {
            problems.push(Problem::NeedsLower);
        }
        if self.require_digit && !password.chars().any(|c| c.is_ascii_digit()) {
            problems.push(Problem::NeedsDigit);
        }
        let lower = password.to_lowercase();
        let own = [user_id, email]
            .iter()
            .any(|s| !s.trim().is_empty() && lower == s.trim().to_lowercase());
        if own || (self.refuse_common && is_common(&lower)) {
            problems.push(Problem::TooCommon);
        }
        problems
    }
}

/// Whether a lower-cased password is on the list, is a listed word with digits or signs
/// added ("password1234", "qwerty!!"), or is one character repeated.
fn is_common(lower: &str) -> bool {
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let listed = |w: &str| !w.is_empty() && common().contains(w);
    let one_char = lower.chars().all(|c| lower.starts_with(c));
    listed(lower) || listed(core) || one_char
}

fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> Vec<Problem> {
        PasswordPolicy::default().check(password, "taro", "taro@acme.example.jp")
    }

    #[test]
    fn the_default_policy_takes_eight_characters_with_upper_lower_and_a_digit() {
        assert_eq!(check("Kumo9Sora"), vec![]);
        assert_eq!(check("Kumo9"), vec![Problem::TooShort { min: 8 }]);
        assert_eq!(check("kumo9sora"), vec![Problem::NeedsUpper]);
        assert_eq!(check("KUMO9SORA"), vec![Problem::NeedsLower]);
        assert_eq!(check("KumoNoSora"), vec![Problem::NeedsDigit]);
    }

    #[test]
    fn every_broken_rule_is_named_at_once() {
        assert_eq!(
            check("くも"),
            vec![
                Problem::TooShort { min: 8 },
                Problem::NeedsUpper,
                Problem::NeedsLower,
                Problem::NeedsDigit,
            ]
        );
    }

    #[test]
    fn overlong_passwords_are_refused() {
        let long = format!("Aa1{}", "x".repeat(MAX_CHARS));
        assert_eq!(check(&long), vec![Problem::TooLong { max: MAX_CHARS }]);
    }

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        assert_eq!(check("Password1"), vec![Problem::TooCommon]);
        // Spelled in capitals, with signs added or as one repeated character, a listed
        // word is still the listed word.
        for bad in [
            "PASSWORD1",
            "Qwerty123!",
            "Iloveyou1",
            "Aaaaaaaa",
            "Madoguchi2026",
        ] {
            assert!(check(bad).contains(&Problem::TooCommon), "{bad}");
        }
    }

    #[test]
    fn the_list_is_bundled_and_holds_thousands_of_passwords() {
        assert!(common().len() > 5_000, "{}", common().len());
        assert!(common().contains("123456") && common().contains("dragon"));
        assert!(!common().iter().any(|w| w.starts_with('#')));
    }

    #[test]
    fn the_user_id_and_the_e_mail_address_are_refused_as_passwords() {
        let policy = PasswordPolicy {
            refuse_common: false,
            ..PasswordPolicy::default()
        };
        for own in ["Taro@Acme.example.jp1", "Yamada2026x"] {
            let problems = policy.check(own, "yamada2026X", "taro@acme.example.jp1");
            assert_eq!(problems, vec![Problem::TooCommon], "{own}");
        }
    }

    #[test]
    fn a_vendor_may_switch_every_clause_off_but_the_length() {
        let seed_002 = PasswordPolicy {
            min_len: 6,
            ..PasswordPolicy::default()
        };
        assert_eq!(seed_002.check("Kumo9s", "taro", ""), vec![]);
        let pass_phrases = PasswordPolicy {
            min_len: 12,
            require_upper: false,
            require_lower: false,
            require_digit: false,
            refuse_common: true,
        };
        assert_eq!(
            pass_phrases.check("窓口で長い日本語のパスフレーズ", "taro", ""),
            vec![]
        );
        assert_eq!(
            pass_phrases.check("password1234", "taro", ""),
            vec![Problem::TooCommon]
        );
        let lenient = PasswordPolicy {
            refuse_common: false,
            ..pass_phrases
        };
        assert_eq!(lenient.check("password1234", "taro", ""), vec![]);
    }
}
