//! Self-registration against a maintenance contract (seed 002): the form's rules as one
//! pure check that names every wrong field at once.
//!
//! What the check cannot know, the use case must keep: whether the e-mail address or the
//! user ID already has an account is never said on the form (ASVS V2.5; the confirmation
//! mail to an existing address says so instead), so that the form cannot be used to
//! find out who has an account.

use std::fmt;

use crate::domain::account::{LoginId, parse_name};
use crate::domain::contract::parse_number;
use crate::domain::email::{Email, EmailError};
use crate::domain::password::PasswordPolicy;
use crate::domain::problem::{FieldError, Problem};
use crate::domain::public_suffix::registrable_domain;

/// The longest company or person name accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// The registration form as typed (seed 002's 新規ユーザー登録).
#[derive(Clone, Default)]
pub struct RegistrationInput {
    pub company_name: String,
    pub name: String,
    pub user_id: String,
    pub password: String,
    pub password_confirmation: String,
    /// Where the portal's mails go; in the maintenance e-mail's domain.
    pub email: String,
    /// One of the addresses on the support certificate (保守登録メール); used to find and
    /// check the contract, never written to.
    pub maintenance_email: String,
    pub contract_number: String,
    /// 個人情報の取り扱いに同意する.
    pub consent: bool,
}

/// The form after every rule passed: what the use case stores (after hashing the
/// password) and the contract it links the account to.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidRegistration {
    pub company_name: String,
    pub name: String,
    pub user_id: LoginId,
    /// To be hashed, never stored or logged as it is.
    pub password: String,
    pub email: Email,
    pub maintenance_email: Email,
    pub contract_number: String,
}

/// Passwords never reach a log through `{:?}`.
impl fmt::Debug for RegistrationInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationInput")
            .field("company_name", &self.company_name)
            .field("name", &self.name)
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("maintenance_email", &self.maintenance_email)
            .field("contract_number", &self.contract_number)
            .field("consent", &self.consent)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ValidRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidRegistration")
            .field("company_name", &self.company_name)
            .field("name", &self.name)
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("maintenance_email", &self.maintenance_email)
            .field("contract_number", &self.contract_number)
            .finish_non_exhaustive()
    }
}

/// Checks the form. `contract_emails` are the maintenance e-mails of the contract the
/// form names (`None`: there is no such contract); `policy` is the configured password
/// policy. Every wrong field is named, in the form's order.
///
/// An unknown contract and a maintenance e-mail the contract does not list give the
/// same error on `contract_number`, so that the form does not tell which contract
/// numbers exist.
pub fn check(
    input: &RegistrationInput,
    contract_emails: Option<&[Email]>,
    policy: &PasswordPolicy,
) -> Result<ValidRegistration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut field = |name: &str, problem: Problem| errors.push(FieldError::new(name, problem));

    let company_name = name_field(&input.company_name).map_err(|p| field("company_name", p));
    let person = name_field(&input.name).map_err(|p| field("name", p));
    let user_id = LoginId::parse(&input.user_id).map_err(|p| field("user_id", p));
    if input.password.is_empty() {
        field("password", Problem::Required);
    } else {
        for p in policy.check(&input.password, input.user_id.trim(), input.email.trim()) {
            field("password", p);
        }
    }
    if input.password_confirmation.is_empty() {
        field("password_confirmation", Problem::Required);
    } else if input.password_confirmation != input.password {
        field("password_confirmation", Problem::NotConfirmed);
    }
    let email = email_field(&input.email).map_err(|p| field("email", p));
    let maintenance =
        email_field(&input.maintenance_email).map_err(|p| field("maintenance_email", p));
    if let (Ok(e), Ok(m)) = (&email, &maintenance)
        && let Err(p) = match_domains(e.domain(), m.domain()).into_result()
    {
        field("email", p);
    }
    let contract_number =
        contract_field(&input.contract_number).map_err(|p| field("contract_number", p));
    if let (Ok(_), Ok(m)) = (&contract_number, &maintenance) {
        let listed = contract_emails.is_some_and(|list| {
            list.iter()
                .any(|c| c.as_str().eq_ignore_ascii_case(m.as_str()))
        });
        if !listed {
            field("contract_number", Problem::ContractNotMatched);
        }
    }
    if !input.consent {
        field("consent", Problem::Required);
    }

    match (
        company_name,
        person,
        user_id,
        email,
        maintenance,
        contract_number,
    ) {
        (Ok(company_name), Ok(name), Ok(user_id), Ok(email), Ok(maintenance_email), Ok(n))
            if errors.is_empty() =>
        {
            Ok(ValidRegistration {
                company_name,
                name,
                user_id,
                password: input.password.clone(),
                email,
                maintenance_email,
                contract_number: n,
            })
        }
        _ => Err(errors),
    }
}

fn name_field(s: &str) -> Result<String, Problem> {
    parse_name(s, MAX_NAME_CHARS).map_err(|_| {
        if s.trim().is_empty() {
            Problem::Required
        } else if s.trim().chars().count() > MAX_NAME_CHARS {
            Problem::TooLong {
                max: MAX_NAME_CHARS,
            }
        } else {
            Problem::InvalidCharacters
        }
    })
}

fn email_field(s: &str) -> Result<Email, Problem> {
    Email::parse(s).map_err(|e| match e {
        EmailError::Empty => Problem::Required,
        EmailError::TooLong => Problem::TooLong { max: 254 },
        EmailError::Invalid(value) => Problem::InvalidEmail { value },
    })
}

fn contract_field(s: &str) -> Result<String, Problem> {
    parse_number(s).map_err(|_| {
        if s.trim().is_empty() {
            Problem::Required
        } else if s.trim().chars().count() > 64 {
            Problem::TooLong { max: 64 }
        } else {
            Problem::InvalidCharacters
        }
    })
}

/// How the domain of the e-mail address stands to the maintenance e-mail's (seed 002's
/// FAQ on sub-domains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainMatch {
    /// The same domain (in any case).
    Same,
    /// `a@tokyo.example.co.jp` for `m@example.co.jp`: accepted.
    UserSubdomain,
    /// `a@example.co.jp` for `m@osaka.example.co.jp`: accepted.
    MaintenanceSubdomain,
    /// `a@tokyo.example.co.jp` for `m@osaka.example.co.jp`: both have sub-domains and
    /// they differ; refused, the user is asked to contact support.
    DifferentSubdomains,
    /// Different registrable domains (or no registrable domain at all): refused.
    Different,
}

impl DomainMatch {
    pub fn is_accepted(self) -> bool {
        matches!(
            self,
            DomainMatch::Same | DomainMatch::UserSubdomain | DomainMatch::MaintenanceSubdomain
        )
    }

    /// The problem to show on the `email` field when refused.
    pub fn into_result(self) -> Result<(), Problem> {
        match self {
            DomainMatch::DifferentSubdomains => Err(Problem::SubdomainMismatch),
            DomainMatch::Different => Err(Problem::DomainMismatch),
            _ => Ok(()),
        }
    }
}

/// Compares two e-mail domains (`example.co.jp`, not whole addresses), ignoring case.
/// "Sub-domain" means anything left of the registrable domain, which is found with the
/// bundled public-suffix list (`co.jp`, `ne.jp`, `tokyo.jp`, `*.lg.jp`, `co.uk` …).
/// Where both have sub-domains that differ, even when one is inside the other
/// (`a.b.example.co.jp` and `b.example.co.jp`), the seed's second case applies: refused.
pub fn match_domains(user: &str, maintenance: &str) -> DomainMatch {
    let user = user.trim().trim_end_matches('.').to_ascii_lowercase();
    let maintenance = maintenance
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let (Some(user_reg), Some(maint_reg)) =
        (registrable_domain(&user), registrable_domain(&maintenance))
    else {
        return DomainMatch::Different;
    };
    if user_reg != maint_reg {
        return DomainMatch::Different;
    }
    match (user == user_reg, maintenance == maint_reg) {
        _ if user == maintenance => DomainMatch::Same,
        (false, true) => DomainMatch::UserSubdomain,
        (true, false) => DomainMatch::MaintenanceSubdomain,
        _ => DomainMatch::DifferentSubdomains,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sub_domain_rule_of_seed_002() {
        use DomainMatch::*;
        #[rustfmt::skip]
        let cases: &[(&str, &str, DomainMatch)] = &[
            // user's domain               maintenance e-mail's domain
            ("example.co.jp",              "example.co.jp",              Same),
            ("Example.CO.JP",              "example.co.jp",              Same),
            ("tokyo.example.co.jp",        "TOKYO.example.co.jp",        Same),
            ("tokyo.example.co.jp",        "example.co.jp",              UserSubdomain),
            ("mail.tokyo.example.co.jp",   "example.co.jp",              UserSubdomain),
            ("example.co.jp",              "osaka.example.co.jp",        MaintenanceSubdomain),
            ("tokyo.example.co.jp",        "osaka.example.co.jp",        DifferentSubdomains),
            ("a.b.example.co.jp",          "b.example.co.jp",            DifferentSubdomains),
            ("example.co.jp",              "example.ne.jp",              Different),
            ("example.co.jp",              "other.co.jp",                Different),
            ("tokyo.example.co.jp",        "tokyo.other.co.jp",          Different),
            ("example.co.jp",              "example.com",                Different),
            // co.jp is not "the domain" of two companies, nor is a prefecture.
            ("co.jp",                      "co.jp",                      Different),
            ("a.tokyo.jp",                 "b.tokyo.jp",                 Different),
            ("example.tokyo.jp",           "example.osaka.jp",           Different),
            ("sales.example.tokyo.jp",     "example.tokyo.jp",           UserSubdomain),
            // The older geographic type is cut at the municipality: refused all the same.
            ("a.shibuya.tokyo.jp",         "b.shibuya.tokyo.jp",         DifferentSubdomains),
            ("example.jp",                 "support.example.jp",         MaintenanceSubdomain),
            ("lab.univ.ac.jp",             "univ.ac.jp",                 UserSubdomain),
            ("kikaku.city.yokohama.lg.jp", "city.yokohama.lg.jp",        UserSubdomain),
            ("city.yokohama.lg.jp",        "pref.kanagawa.lg.jp",        Different),
            ("example.co.uk",              "other.co.uk",                Different),
            ("mail.example.com",           "example.com",                UserSubdomain),
            // Internationalized names are compared in their xn-- form, as typed.
            ("xn--eckwd4c7c.co.jp",        "xn--eckwd4c7c.co.jp",        Same),
            ("tokyo.xn--eckwd4c7c.co.jp",  "xn--eckwd4c7c.co.jp",        UserSubdomain),
            ("xn--eckwd4c7c.co.jp",        "xn--zckzah.co.jp",           Different),
        ];
        for (user, maintenance, want) in cases {
            assert_eq!(
                match_domains(user, maintenance),
                *want,
                "{user} / {maintenance}"
            );
            let accepted = matches!(want, Same | UserSubdomain | MaintenanceSubdomain);
            assert_eq!(want.is_accepted(), accepted);
            assert_eq!(want.into_result().is_ok(), accepted);
        }
    }

    fn emails(list: &[&str]) -> Vec<Email> {
        list.iter().map(|e| Email::parse(e).unwrap()).collect()
    }

    fn form() -> RegistrationInput {
        RegistrationInput {
            company_name: "株式会社アクメ".into(),
            name: "山田 太郎".into(),
            user_id: "taro@tokyo.acme.co.jp".into(),
            password: "Kumo9Sora".into(),
            password_confirmation: "Kumo9Sora".into(),
            email: "taro@tokyo.acme.co.jp".into(),
            maintenance_email: "hosyu@acme.co.jp".into(),
            contract_number: "NL-2026-0001".into(),
            consent: true,
        }
    }

    fn contract() -> Vec<Email> {
        emails(&["dairiten@reseller.example.jp", "Hosyu@ACME.co.jp"])
    }

    /// The fields and codes of the errors, in order.
    fn refused(
        input: &RegistrationInput,
        contract: Option<&[Email]>,
    ) -> Vec<(String, &'static str)> {
        check(input, contract, &PasswordPolicy::default())
            .expect_err("the form is refused")
            .into_iter()
            .map(|e| (e.field, e.problem.code()))
            .collect()
    }

    fn pairs(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        list.iter().map(|(f, c)| ((*f).to_owned(), *c)).collect()
    }

    #[test]
    fn a_good_form_is_accepted_with_its_values_parsed() {
        let valid = check(&form(), Some(&contract()), &PasswordPolicy::default()).unwrap();
        assert_eq!(valid.user_id.as_str(), "taro@tokyo.acme.co.jp");
        assert_eq!(valid.email.as_str(), "taro@tokyo.acme.co.jp");
        assert_eq!(valid.maintenance_email.as_str(), "hosyu@acme.co.jp");
        assert_eq!(valid.contract_number, "NL-2026-0001");
        assert!(!format!("{valid:?}").contains("Kumo9Sora"), "{valid:?}");
        assert!(!format!("{:?}", form()).contains("Kumo9Sora"));
    }

    #[test]
    fn an_empty_form_names_every_required_field_at_once() {
        let empty = RegistrationInput::default();
        assert_eq!(
            refused(&empty, None),
            pairs(&[
                ("company_name", "required"),
                ("name", "required"),
                ("user_id", "required"),
                ("password", "required"),
                ("password_confirmation", "required"),
                ("email", "required"),
                ("maintenance_email", "required"),
                ("contract_number", "required"),
                ("consent", "required"),
            ])
        );
    }

    #[test]
    fn an_unknown_contract_and_an_unlisted_maintenance_e_mail_give_the_same_answer() {
        let unknown = refused(&form(), None);
        assert_eq!(
            unknown,
            pairs(&[("contract_number", "contract_not_matched")])
        );
        let other = emails(&["hosyu@globex.co.jp"]);
        assert_eq!(refused(&form(), Some(&other)), unknown);
    }

    #[test]
    fn the_e_mail_must_be_in_the_maintenance_e_mails_domain() {
        let mut f = form();
        f.email = "taro@gmail.com".into();
        assert_eq!(
            refused(&f, Some(&contract())),
            pairs(&[("email", "domain_mismatch")])
        );
    }

    #[test]
    fn different_sub_domains_on_both_sides_ask_the_user_to_contact_support() {
        let mut f = form();
        f.maintenance_email = "hosyu@osaka.acme.co.jp".into();
        let contract = emails(&["hosyu@osaka.acme.co.jp"]);
        assert_eq!(
            refused(&f, Some(&contract)),
            pairs(&[("email", "subdomain_mismatch")])
        );
    }

    #[test]
    fn a_sub_domain_on_one_side_only_is_accepted() {
        let mut f = form();
        f.email = "taro@acme.co.jp".into();
        f.maintenance_email = "hosyu@osaka.acme.co.jp".into();
        let contract = emails(&["hosyu@osaka.acme.co.jp"]);
        assert!(check(&f, Some(&contract), &PasswordPolicy::default()).is_ok());
    }

    #[test]
    fn each_password_clause_is_named_on_the_password_field() {
        for (password, code) in [
            ("Kumo9", "too_short"),
            ("kumo9sora", "needs_upper"),
            ("KUMO9SORA", "needs_lower"),
            ("KumoNoSora", "needs_digit"),
            ("Password1", "too_common"),
        ] {
            let mut f = form();
            f.password = password.into();
            f.password_confirmation = password.into();
            assert_eq!(
                refused(&f, Some(&contract())),
                pairs(&[("password", code)]),
                "{password}"
            );
        }
    }

    #[test]
    fn the_user_id_or_e_mail_as_password_is_refused() {
        let mut f = form();
        f.user_id = "Taro2026x".into();
        f.password = "tARO2026X".into();
        f.password_confirmation = f.password.clone();
        assert_eq!(
            refused(&f, Some(&contract())),
            pairs(&[("password", "too_common")])
        );
    }

    #[test]
    fn a_confirmation_that_differs_is_named() {
        let mut f = form();
        f.password_confirmation = "Kumo9Sorb".into();
        assert_eq!(
            refused(&f, Some(&contract())),
            pairs(&[("password_confirmation", "not_confirmed")])
        );
    }

    #[test]
    fn a_short_user_id_and_a_missing_consent_are_named() {
        let mut f = form();
        f.user_id = "ta".into();
        f.consent = false;
        assert_eq!(
            refused(&f, Some(&contract())),
            pairs(&[("user_id", "too_short"), ("consent", "required")])
        );
    }

    #[test]
    fn malformed_addresses_and_numbers_are_named_without_checking_the_contract() {
        let mut f = form();
        f.email = "taro".into();
        f.maintenance_email = "hosyu@".into();
        f.contract_number = "NL/2026".into();
        f.name = "山田\r\nBcc: x@y.jp".into();
        assert_eq!(
            refused(&f, None),
            pairs(&[
                ("name", "invalid_characters"),
                ("email", "invalid_email"),
                ("maintenance_email", "invalid_email"),
                ("contract_number", "invalid_characters"),
            ])
        );
    }

    #[test]
    fn the_policy_comes_from_the_configuration() {
        let mut f = form();
        f.password = "Kumo9s".into();
        f.password_confirmation = "Kumo9s".into();
        let seed_002 = PasswordPolicy {
            min_len: 6,
            ..PasswordPolicy::default()
        };
        assert!(check(&f, Some(&contract()), &seed_002).is_ok());
        assert_eq!(
            refused(&f, Some(&contract())),
            pairs(&[("password", "too_short")])
        );
    }
}
