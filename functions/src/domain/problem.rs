//! What can be wrong with one input field, as a stable code with parameters. The words
//! (Japanese and English) live in `app::messages`; the rules that find these problems
//! live here in `domain` (registration, passwords) and in `app` (forms, imports).

use madoguchi_yaml::Localized;

/// One thing wrong with one input: the field's JSON name (`subject`, `fields.serial`)
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
    /// The field's label when the vendor named it (custom fields); built-in inputs are
    /// labelled by `app::messages`.
    pub label: Option<Localized>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> FieldError {
        FieldError {
            field: field.into(),
            problem,
            label: None,
        }
    }

    pub fn labelled(mut self, label: &Localized) -> FieldError {
        self.label = Some(label.clone());
        self
    }
}

/// What can be wrong with an input. Each has a stable `code` for the API and a message
/// in each language in `app::messages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Empty or missing, but needed.
    Required,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    /// Not one of the choices the form offers.
    NotAnOption,
    /// A custom field the form does not have.
    UnknownField,
    /// A field or SLA that does not belong with the chosen product or service.
    NotApplicable,
    /// `value` is not an e-mail address (as typed, control characters removed).
    InvalidEmail {
        value: String,
    },
    TooMany {
        max: usize,
    },
    TooLarge {
        max_bytes: u64,
    },
    /// A password on the list of common ones, or the user ID or e-mail address itself.
    TooCommon,
    /// An upload id that does not exist (any more) or is not the caller's.
    UnknownUpload,
    /// A link or token that is unknown, used or expired.
    InvalidToken,
    /// The value is unique and already in use (an e-mail, a company id, a contract).
    Taken,
    /// Does not match what is stored (the current password).
    Mismatch,
    /// A new password without an upper-case letter (A–Z), when the policy asks for one.
    NeedsUpper,
    /// A new password without a lower-case letter (a–z), when the policy asks for one.
    NeedsLower,
    /// A new password without a digit (0–9), when the policy asks for one.
    NeedsDigit,
    /// The confirmation is not the same as the password typed above it.
    NotConfirmed,
    /// Characters the input may not hold (spaces or control characters in a user ID).
    InvalidCharacters,
    /// Self-registration: the contract number and the maintenance e-mail do not belong
    /// together. One answer for an unknown contract and for an address the contract does
    /// not list, so that the form cannot be used to find contract numbers.
    ContractNotMatched,
    /// Self-registration: the e-mail's domain is not the maintenance e-mail's (seed 002).
    DomainMismatch,
    /// Self-registration: both addresses have sub-domains and they differ; staff can
    /// register the account (seed 002: "contact support").
    SubdomainMismatch,
    /// Not a date written `YYYY-MM-DD` (a search's date range).
    InvalidDate,
    /// A rule without its own code, worded for people (admin and import checks).
    Other {
        ja: String,
        en: String,
    },
}

impl Problem {
    /// The code in the API's `errors[].code`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::TooShort { .. } => "too_short",
            Problem::NotAnOption => "not_an_option",
            Problem::UnknownField => "unknown_field",
            Problem::NotApplicable => "not_applicable",
            Problem::InvalidEmail { .. } => "invalid_email",
            Problem::TooMany { .. } => "too_many",
            Problem::TooLarge { .. } => "too_large",
            Problem::TooCommon => "too_common",
            Problem::UnknownUpload => "unknown_upload",
            Problem::InvalidToken => "invalid_token",
            Problem::Taken => "taken",
            Problem::Mismatch => "mismatch",
            Problem::NeedsUpper => "needs_upper",
            Problem::NeedsLower => "needs_lower",
            Problem::NeedsDigit => "needs_digit",
            Problem::NotConfirmed => "not_confirmed",
            Problem::InvalidCharacters => "invalid_characters",
            Problem::ContractNotMatched => "contract_not_matched",
            Problem::DomainMismatch => "domain_mismatch",
            Problem::SubdomainMismatch => "subdomain_mismatch",
            Problem::InvalidDate => "invalid_date",
            Problem::Other { .. } => "invalid",
        }
    }

    /// The parameters of the message, for clients that word it themselves.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        match self {
            Problem::TooLong { max } | Problem::TooMany { max } => {
                m.insert("max".into(), (*max).into());
            }
            Problem::TooShort { min } => {
                m.insert("min".into(), (*min).into());
            }
            Problem::InvalidEmail { value } => {
                m.insert("value".into(), value.clone().into());
            }
            Problem::TooLarge { max_bytes } => {
                m.insert("max_bytes".into(), (*max_bytes).into());
            }
            _ => {}
        }
        m
    }
}

impl Problem {
    /// A rule worded the same in both languages (admin messages in English).
    pub fn text(en: impl Into<String>) -> Problem {
        let en = en.into();
        Problem::Other { ja: en.clone(), en }
    }
}
