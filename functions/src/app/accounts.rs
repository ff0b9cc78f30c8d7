//! Accounts: companies, and customer and staff users created with a password or an
//! invitation. Shared by `madoguchi admin`, the CSV import, the demo data and (later)
//! the staff API, which must let only admins call them.
//!
//! Each use case is split in two: `check_*` reads the input and the store and returns
//! every wrong field at once; `create_*` writes what was checked. `add_*` does both for
//! callers that take one record at a time; the CSV import checks every row first and
//! writes only when all are good.

use jiff::{SignedDuration, Timestamp};

use crate::app::auth::{PasswordPolicy, check_new_password, hash_password};
use crate::app::fields::{FieldError, FieldErrors, first};
use crate::app::mail::MailKind;
use crate::app::one_time::{self, INVITE_TTL};
use crate::app::{AppError, Deps};
use crate::domain::Email;
use crate::domain::access::{Actor, CustomerRole, Role};
use crate::domain::account::{CompanyId, parse_lang, parse_name};
use crate::ports::store::{
    CompanyRecord, NewUser, OutboxMail, StoreError, TokenPurpose, UserRecord,
};

/// The longest name of a person or company, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Settings a new user starts with (changed later on the settings screen).
pub(crate) const PAGE_SIZE: u32 = 25;
pub(crate) const REFRESH_SECS: u32 = 60;

/// A company as typed.
#[derive(Debug, Clone, Default)]
pub struct CompanyInput {
    pub id: String,
    pub name: String,
}

/// Checks a new company: a valid id that is not taken, and a name.
pub async fn check_company(
    deps: &Deps,
    input: &CompanyInput,
) -> Result<Result<CompanyRecord, Vec<FieldError>>, AppError> {
    let mut errors = FieldErrors::new();
    let id = errors.check("id", CompanyId::parse(&input.id));
    let name = errors.check("name", parse_name(&input.name, MAX_NAME_CHARS));
    if let Some(id) = &id
        && deps.store.get_company(id.as_str()).await?.is_some()
    {
        errors.add("id", format!("company '{id}' already exists"));
    }
    Ok(match (id, name) {
        (Some(id), Some(name)) if errors.is_empty() => Ok(CompanyRecord {
            id: id.to_string(),
            name,
            uses_groups: false,
            created_at: deps.clock.now(),
        }),
        _ => Err(errors.into_vec()),
    })
}

/// Writes a checked company (`id` error if someone took the id in between).
pub async fn create_company(
    deps: &Deps,
    company: CompanyRecord,
) -> Result<CompanyRecord, AppError> {
    match deps.store.create_company(company.clone()).await {
        Ok(()) => Ok(company),
        Err(StoreError::Duplicate(_)) => {
            Err(AppError::invalid("id", crate::app::error::Problem::Taken))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_company(deps: &Deps, input: &CompanyInput) -> Result<CompanyRecord, AppError> {
    let company = check_company(deps, input).await?.map_err(first)?;
    create_company(deps, company).await
}

/// Every company, by name.
pub async fn companies(deps: &Deps) -> Result<Vec<CompanyRecord>, AppError> {
    Ok(deps.store.list_companies().await?)
}

/// How a new user gets in.
#[derive(Clone, Default)]
pub enum Credential {
    /// A password chosen by the admin (checked against the policy, stored as argon2id).
    Password(String),
    /// A mail with a single-use link to choose a password, valid for this long.
    Invite(SignedDuration),
    /// No way in yet: a later invitation or "forgot password" opens the account.
    #[default]
    NotYet,
}

impl Credential {
    /// An invitation valid for the default 7 days.
    pub fn invite() -> Credential {
        Credential::Invite(INVITE_TTL)
    }
}

// Never print a password, not even in a debug log.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Password(_) => f.write_str("Password(***)"),
            Credential::Invite(ttl) => write!(f, "Invite({ttl:?})"),
            Credential::NotYet => f.write_str("NotYet"),
        }
    }
}

/// A user as typed. `role` is `customer` (then `company` is required), `agent` or
/// `admin` (then `company` must be empty); `lang` is `ja` (default) or `en`.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub email: String,
    pub name: String,
    pub role: String,
    pub company: String,
    /// A customer's role in their company (`user_admin`, `contract_manager`,
    /// `inquiry_admin`, `inquiry_member`); empty means `inquiry_member`, the least.
    pub customer_role: String,
    /// A customer's groups: projects of their company, separated by commas.
    pub groups: String,
    pub lang: String,
    pub credential: Credential,
}

/// A customer role as typed; empty is the least, `inquiry_member`.
pub fn parse_customer_role(s: &str) -> Result<CustomerRole, String> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Ok(CustomerRole::InquiryMember);
    }
    CustomerRole::parse(&s).ok_or_else(|| {
        format!(
            "'{s}' is not one of {}",
            CustomerRole::ALL.map(CustomerRole::as_str).join(", ")
        )
    })
}

/// A checked user, ready to write.
#[derive(Debug, Clone)]
pub struct ValidUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub company: Option<CompanyRecord>,
    /// `None` for staff.
    pub customer_role: Option<CustomerRole>,
    /// The projects whose groups a customer joins.
    pub projects: Vec<String>,
    pub lang: &'static str,
    /// The argon2id hash of a chosen password.
    password_hash: Option<String>,
    invite: Option<SignedDuration>,
}

/// Checks a new user: the e-mail is valid and not taken (in any case), the role is
/// known, a customer's company exists and staff have none, the language is known and a
/// chosen password meets the policy.
pub async fn check_user(
    deps: &Deps,
    input: &UserInput,
    policy: &PasswordPolicy,
) -> Result<Result<ValidUser, Vec<FieldError>>, AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    if let Some(e) = &email
        && deps.store.user_by_email(e.as_str()).await?.is_some()
    {
        errors.add(
            "email",
            format!("a user with the e-mail {e} already exists"),
        );
    }
    let name = errors.check("name", parse_name(&input.name, MAX_NAME_CHARS));
    let role = errors.check(
        "role",
        Role::parse(input.role.trim().to_ascii_lowercase().as_str()).ok_or_else(|| {
            format!(
                "'{}' is not one of customer, agent, admin",
                input.role.trim()
            )
        }),
    );
    let company_text = input.company.trim();
    let company = match role {
        Some(Role::Customer) => match errors.check("company", CompanyId::parse(company_text)) {
            Some(id) => {
                let found = deps.store.get_company(id.as_str()).await?;
                if found.is_none() {
                    errors.add(
                        "company",
                        format!("no company has the id '{id}': add it first"),
                    );
                }
                found
            }
            None => None,
        },
        Some(Role::Agent | Role::Admin) => {
            if !company_text.is_empty() {
                errors.add("company", "staff belong to no company: leave it empty");
            }
            None
        }
        None => None,
    };
    let customer_role = match role {
        Some(Role::Customer) => {
            errors.check("customer_role", parse_customer_role(&input.customer_role))
        }
        _ => {
            if !input.customer_role.trim().is_empty() {
                errors.add(
                    "customer_role",
                    "staff have no customer role: leave it empty",
                );
            }
            None
        }
    };
    let projects = match (&company, input.groups.trim().is_empty()) {
        (_, true) => Some(Vec::new()),
        (Some(c), false) => errors.check(
            "groups",
            crate::app::projects::check_projects(deps, &c.id, &input.groups).await?,
        ),
        (None, false) => {
            if role.is_some_and(|r| r != Role::Customer) {
                errors.add("groups", "staff belong to no group: leave it empty");
            }
            None
        }
    };
    let lang = errors.check("lang", parse_lang(&input.lang));
    let mut password_hash = None;
    let mut invite = None;
    match &input.credential {
        Credential::Password(p) => {
            let login = email.as_ref().map_or(input.email.trim(), |e| e.as_str());
            match check_new_password(p, login, policy) {
                Err(AppError::Invalid(problems)) => {
                    for e in problems {
                        errors.add("password", crate::app::messages::render(&e, "en"));
                    }
                }
                Err(other) => return Err(other),
                // Hashing costs time: only for an input that is otherwise good.
                Ok(()) if errors.is_empty() => password_hash = Some(hash_password(p)?),
                Ok(()) => {}
            }
        }
        Credential::Invite(ttl) => invite = Some(*ttl),
        Credential::NotYet => {}
    }
    Ok(match (email, name, role, lang, projects) {
        (Some(email), Some(name), Some(role), Some(lang), Some(projects)) if errors.is_empty() => {
            Ok(ValidUser {
                email,
                name,
                role,
                company,
                customer_role,
                projects,
                lang,
                password_hash,
                invite,
            })
        }
        _ => Err(errors.into_vec()),
    })
}

/// A user just written.
#[derive(Debug, Clone)]
pub struct AddedUser {
    pub user: UserRecord,
    /// Until when the invitation mailed to them works, if one was.
    pub invited_until: Option<Timestamp>,
}

/// Writes a checked user; with an invitation, its token and mail go in the same write.
pub async fn create_user(deps: &Deps, valid: ValidUser) -> Result<AddedUser, AppError> {
    let now = deps.clock.now();
    let user = UserRecord {
        id: format!("u-{}", crate::app::secrets::random_hex(8)?),
        email: valid.email.to_string(),
        name: valid.name.clone(),
        role: valid.role,
        company_id: valid.company.as_ref().map(|c| c.id.clone()),
        customer_role: valid.customer_role,
        projects: valid.projects.clone(),
        lang: valid.lang.to_owned(),
        time_zone: deps
            .config
            .time_zone
            .iana_name()
            .unwrap_or("Asia/Tokyo")
            .to_owned(),
        page_size: PAGE_SIZE,
        refresh_secs: REFRESH_SECS,
        mails_off: Vec::new(),
        mails_on: Vec::new(),
        password_hash: valid.password_hash.clone(),
        disabled: false,
        mail_to: None,
        pending: false,
        created_at: now,
        version: 1,
    };
    let (token, mails, invited_until) = match valid.invite {
        Some(ttl) => {
            let (token, record) = one_time::new_token(TokenPurpose::Invite, &user.id, now, ttl)?;
            let mail = invitation_mail(
                deps,
                &user,
                valid.company.as_ref(),
                &token,
                &record.hash,
                record.expires_at,
            )?;
            let until = record.expires_at;
            (Some(record), vec![mail], Some(until))
        }
        None => (None, vec![], None),
    };
    match deps
        .store
        .create_user_with(NewUser {
            user: user.clone(),
            token,
            mails,
        })
        .await
    {
        Ok(()) => Ok(AddedUser {
            user,
            invited_until,
        }),
        Err(StoreError::Duplicate(_)) => Err(AppError::invalid(
            "email",
            crate::app::error::Problem::Taken,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn add_user(
    deps: &Deps,
    input: &UserInput,
    policy: &PasswordPolicy,
) -> Result<AddedUser, AppError> {
    let valid = check_user(deps, input, policy).await?.map_err(first)?;
    create_user(deps, valid).await
}

/// Users of a company, or every user, by name.
pub async fn users(deps: &Deps, company: Option<&str>) -> Result<Vec<UserRecord>, AppError> {
    Ok(deps.store.list_users(company).await?)
}

/// The invitation in the user's language, with the link that carries the token.
fn invitation_mail(
    deps: &Deps,
    user: &UserRecord,
    company: Option<&CompanyRecord>,
    token: &str,
    token_hash: &str,
    expires_at: Timestamp,
) -> Result<OutboxMail, AppError> {
    one_time::link_mail(
        deps,
        MailKind::Invitation,
        user,
        (token, token_hash, expires_at),
        company.map(|c| c.name.as_str()).unwrap_or_default(),
    )
}

/// Applies `change` to the stored user and writes it conditionally on the version it
/// read, reading again when someone else wrote first.
pub async fn modify_user(
    deps: &Deps,
    user_id: &str,
    change: impl Fn(&mut UserRecord),
) -> Result<UserRecord, AppError> {
    for _ in 0..8 {
        let user = deps
            .store
            .get_user(user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut next = user.clone();
        change(&mut next);
        next.version = user.version + 1;
        match deps.store.update_user(next.clone(), user.version).await {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

/// Tickets per list page a user may choose.
pub const PAGE_SIZES: &[u32] = &[10, 25, 50, 100];
/// List refresh intervals in seconds a user may choose (0 is off).
pub const REFRESH_CHOICES: &[u32] = &[0, 30, 60, 300];

/// A change of personal settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub lang: Option<String>,
    pub time_zone: Option<String>,
    pub page_size: Option<u32>,
    pub refresh_secs: Option<u32>,
    /// The mails to turn off (kind names); the rest of `MailKind::optional_for` is on.
    pub mails_off: Option<Vec<String>>,
    /// The mails to turn on (kind names); the rest of `MailKind::opt_in_for` is off.
    pub mails_on: Option<Vec<String>>,
}

/// Checks every setting (all wrong ones at once) and stores them.
pub async fn update_settings(
    deps: &Deps,
    actor: &Actor,
    change: SettingsChange,
) -> Result<UserRecord, AppError> {
    use crate::app::error::{FieldError as Wrong, Problem};
    let mut errors = Vec::new();
    let mut bad = |field: &str, ja: String, en: String| {
        errors.push(Wrong::new(field, Problem::Other { ja, en }));
    };
    if let Some(l) = &change.lang
        && !["ja", "en"].contains(&l.as_str())
    {
        bad(
            "lang",
            "ja か en を選んでください".into(),
            "Choose ja or en".into(),
        );
    }
    if let Some(tz) = &change.time_zone
        && jiff::tz::TimeZone::get(tz).is_err()
    {
        bad(
            "time_zone",
            format!("「{tz}」はタイムゾーンとして認識できません"),
            format!("'{tz}' is not a known time zone"),
        );
    }
    if let Some(n) = change.page_size
        && !PAGE_SIZES.contains(&n)
    {
        bad(
            "page_size",
            "10, 25, 50, 100 から選んでください".into(),
            "Choose 10, 25, 50 or 100".into(),
        );
    }
    if let Some(n) = change.refresh_secs
        && !REFRESH_CHOICES.contains(&n)
    {
        bad(
            "refresh_secs",
            "0, 30, 60, 300 から選んでください".into(),
            "Choose 0, 30, 60 or 300".into(),
        );
    }
    if let Some(off) = &change.mails_off {
        let optional = MailKind::optional_for(actor.role);
        if let Some(k) = off
            .iter()
            .find(|k| MailKind::parse(k).is_none_or(|kind| !optional.contains(&kind)))
        {
            bad(
                "mails_off",
                format!("「{k}」は止められるメールではありません"),
                format!("'{k}' is not a mail you can turn off"),
            );
        }
    }
    if let Some(on) = &change.mails_on {
        let opt_in = MailKind::opt_in_for(actor.role);
        if let Some(k) = on
            .iter()
            .find(|k| MailKind::parse(k).is_none_or(|kind| !opt_in.contains(&kind)))
        {
            bad(
                "mails_on",
                format!("「{k}」は受け取りを選べるメールではありません"),
                format!("'{k}' is not a mail you can turn on"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    modify_user(deps, &actor.user_id, |u| {
        if let Some(on) = &change.mails_on {
            let mut on = on.clone();
            on.sort();
            on.dedup();
            u.mails_on = on;
        }
        if let Some(off) = &change.mails_off {
            let mut off = off.clone();
            off.sort();
            off.dedup();
            u.mails_off = off;
        }
        if let Some(l) = &change.lang {
            u.lang = l.clone();
        }
        if let Some(tz) = &change.time_zone {
            u.time_zone = tz.clone();
        }
        if let Some(n) = change.page_size {
            u.page_size = n;
        }
        if let Some(n) = change.refresh_secs {
            u.refresh_secs = n;
        }
    })
    .await
}

/// A change of one's own profile; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub name: Option<String>,
    /// The address mails go to (the login ID stays); empty means the login ID again.
    pub email: Option<String>,
}

/// Names are at most this many characters.
const NAME_MAX: usize = 100;

/// Changes one's own name and mail address, with the rules of self-registration (seed
/// 002): a customer's mail address must be in the domain of a maintenance e-mail
/// registered on one of the company's contracts (a sub-domain on one side only is
/// accepted, different sub-domains are not). Staff change their name only; their
/// address is the admins' to change.
pub async fn update_profile(
    deps: &Deps,
    user_id: &str,
    change: ProfileChange,
) -> Result<UserRecord, AppError> {
    use crate::app::error::{FieldError as Wrong, Problem};
    use crate::domain::registration::{DomainMatch, match_domains};
    let user = deps
        .store
        .get_user(user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let name = match &change.name {
        Some(n) => match parse_name(n, NAME_MAX) {
            Ok(n) => Some(n),
            Err(_) if n.trim().is_empty() => {
                errors.push(Wrong::new("name", Problem::Required));
                None
            }
            Err(_) => {
                errors.push(Wrong::new("name", Problem::TooLong { max: NAME_MAX }));
                None
            }
        },
        None => None,
    };
    // Some(None): back to the login ID; Some(Some(a)): a separate address.
    let mut mail_to: Option<Option<String>> = None;
    if let Some(raw) = change.email.as_deref().map(str::trim) {
        if user.role != Role::Customer {
            errors.push(Wrong::new(
                "mail_address",
                Problem::Other {
                    ja: "スタッフのメールアドレスは管理者が変更します".into(),
                    en: "Staff addresses are changed by an admin".into(),
                },
            ));
        } else if raw.is_empty() || raw.eq_ignore_ascii_case(&user.email) {
            mail_to = Some(None);
        } else {
            match Email::parse(raw) {
                Err(_) => errors.push(Wrong::new(
                    "mail_address",
                    Problem::InvalidEmail {
                        value: raw.to_owned(),
                    },
                )),
                Ok(address) => {
                    // Accepted by any maintenance e-mail of the company's contracts; else
                    // the closest refusal (different sub-domains) or a different domain.
                    let company = user.company_id.as_deref().unwrap_or_default();
                    let matches: Vec<DomainMatch> = deps
                        .store
                        .list_contracts(Some(company))
                        .await?
                        .iter()
                        .flat_map(|c| &c.maintenance_emails)
                        .map(|m| {
                            match_domains(
                                address.domain(),
                                m.rsplit('@').next().unwrap_or_default(),
                            )
                        })
                        .collect();
                    let best = matches
                        .iter()
                        .copied()
                        .find(|m| m.is_accepted())
                        .or_else(|| {
                            matches
                                .iter()
                                .copied()
                                .find(|m| *m == DomainMatch::DifferentSubdomains)
                        })
                        .unwrap_or(DomainMatch::Different);
                    match best.into_result() {
                        Ok(()) => mail_to = Some(Some(address.to_string())),
                        Err(p) => errors.push(Wrong::new("mail_address", p)),
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    modify_user(deps, user_id, |u| {
        if let Some(n) = &name {
            u.name = n.clone();
        }
        if let Some(m) = &mail_to {
            u.mail_to = m.clone();
        }
    })
    .await
}
