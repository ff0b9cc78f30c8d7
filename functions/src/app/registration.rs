//! Self-registration against a maintenance contract (seed 002): the form checked by
//! `domain::registration`, a pending account with a confirmation link, the account
//! opened by the link with a completion mail, the link sent again on request, and the
//! forgotten user ID mailed to its address.
//!
//! The e-mail address (where mails go) is not unique: seed 002 suggests a mailing list
//! shared by colleagues. So the form never looks an address up, and its answer cannot
//! tell whether an address has an account. The user ID is the unique login name, and a
//! taken one is named on the form (seed 002: 登録時にエラーとなります).

use jiff::{SignedDuration, Timestamp};
use minijinja::context;

use crate::app::auth::hash_password;
use crate::app::mail::{Envelope, MailKind};
use crate::app::one_time::{hash_token, new_token};
use crate::app::{AppError, Deps, Problem};
use crate::domain::Email;
use crate::domain::access::{CustomerRole, Role};
use crate::domain::registration::{self, RegistrationInput, ValidRegistration};
use crate::ports::store::{NewUser, OutboxMail, StoreError, TokenPurpose, UserRecord};

/// How long a confirmation link works.
pub const CONFIRM_TTL: SignedDuration = SignedDuration::from_hours(24);
/// Confirmation mails sent again per user ID per hour.
pub const RESENDS_PER_HOUR: u32 = 3;
/// "Forgot user ID" mails per address per hour; further requests are answered the same
/// and send nothing.
const REMINDERS_PER_HOUR: u32 = 3;
/// Registrations that pass the form's rules, per client address per hour: each costs a
/// password hash and a mail, and each tells whether a user ID is taken.
pub const REGISTRATIONS_PER_HOUR: u32 = 10;
const HOUR: SignedDuration = SignedDuration::from_hours(1);

/// The role a self-registered account gets: the least privileged (seed 004's 問合せメンバ),
/// since the form proves only that the person is in the contract's mail domain; the
/// company's user admin raises it.
pub const SELF_REGISTERED_ROLE: CustomerRole = CustomerRole::InquiryMember;

/// Checks the form against the contract and the password policy and, if every rule
/// passes, writes a pending account in the contract's company together with its
/// confirmation token and mail (one transaction). Errors name their fields. More than
/// `REGISTRATIONS_PER_HOUR` good forms from one `client` address in an hour are refused
/// (429) before the user ID is looked up.
pub async fn register(
    deps: &Deps,
    input: &RegistrationInput,
    lang: &str,
    client: &str,
) -> Result<(), AppError> {
    let contract = match crate::domain::contract::parse_number(&input.contract_number) {
        Ok(number) => deps.store.get_contract(&number).await?,
        Err(_) => None,
    };
    let listed: Option<Vec<Email>> = contract.as_ref().map(|c| {
        c.maintenance_emails
            .iter()
            .filter_map(|e| Email::parse(e).ok())
            .collect()
    });
    let valid = registration::check(input, listed.as_deref(), &deps.config.password_policy)
        .map_err(AppError::Invalid)?;
    let Some(contract) = contract else {
        return Err(AppError::invalid(
            "contract_number",
            Problem::ContractNotMatched,
        ));
    };
    throttle(
        deps,
        &format!("register-from:{client}"),
        REGISTRATIONS_PER_HOUR,
    )
    .await?;
    if deps
        .store
        .user_by_email(valid.user_id.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::invalid("user_id", Problem::Taken));
    }
    let password = valid.password.clone();
    let phc = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))??;
    let now = deps.clock.now();
    let user = pending_user(deps, &valid, &contract.company_id, lang, phc, now)?;
    let (token, record) = new_token(TokenPurpose::Register, &user.id, now, CONFIRM_TTL)?;
    let mail = confirmation_mail(
        deps,
        &user,
        &valid,
        (&token, &record.hash, record.expires_at),
    )?;
    match deps
        .store
        .create_user_with(NewUser {
            user,
            token: Some(record),
            mails: vec![mail],
        })
        .await
    {
        Ok(()) => Ok(()),
        // Someone took the user ID in between.
        Err(StoreError::Duplicate(_)) => Err(AppError::invalid("user_id", Problem::Taken)),
        Err(e) => Err(e.into()),
    }
}

fn pending_user(
    deps: &Deps,
    valid: &ValidRegistration,
    company_id: &str,
    lang: &str,
    password_hash: String,
    now: Timestamp,
) -> Result<UserRecord, AppError> {
    let login = valid.user_id.as_str();
    let mail_to =
        (!login.eq_ignore_ascii_case(valid.email.as_str())).then(|| valid.email.to_string());
    Ok(UserRecord {
        id: format!("u-{}", crate::app::secrets::random_hex(8)?),
        email: login.to_owned(),
        name: valid.name.clone(),
        role: Role::Customer,
        company_id: Some(company_id.to_owned()),
        customer_role: Some(SELF_REGISTERED_ROLE),
        projects: vec![],
        lang: if lang == "en" { "en" } else { "ja" }.to_owned(),
        time_zone: deps
            .config
            .time_zone
            .iana_name()
            .unwrap_or("Asia/Tokyo")
            .to_owned(),
        page_size: crate::app::accounts::PAGE_SIZE,
        refresh_secs: crate::app::accounts::REFRESH_SECS,
        mails_off: Vec::new(),
        mails_on: Vec::new(),
        password_hash: Some(password_hash),
        disabled: true,
        mail_to,
        pending: true,
        created_at: now,
        version: 1,
    })
}

/// The page a confirmation link opens (in the user's language); its script posts the
/// token, so a mail scanner that follows links does not use it up.
pub fn confirm_url(deps: &Deps, lang: &str, token: &str) -> String {
    let prefix = if lang == "en" { "/en" } else { "" };
    format!(
        "{}{prefix}/portal/register/?token={token}",
        deps.config.base_url
    )
}

fn login_url(deps: &Deps, lang: &str) -> String {
    let prefix = if lang == "en" { "/en" } else { "" };
    format!("{}{prefix}/portal/login/", deps.config.base_url)
}

fn to_user(user: &UserRecord) -> Result<Vec<(String, Email)>, AppError> {
    let to = Email::parse(user.mail_address())
        .map_err(|e| AppError::invalid("email", Problem::text(e.to_string())))?;
    Ok(vec![(user.name.clone(), to)])
}

fn confirmation_mail(
    deps: &Deps,
    user: &UserRecord,
    valid: &ValidRegistration,
    (token, token_hash, expires_at): (&str, &str, Timestamp),
) -> Result<OutboxMail, AppError> {
    account_mail(
        deps,
        MailKind::RegistrationConfirm,
        user,
        &token_hash[..16],
        context! {
            url => confirm_url(deps, &user.lang, token),
            expires => expires_at
                .to_zoned(deps.config.time_zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string(),
            company => &valid.company_name,
            contract => &valid.contract_number,
        },
    )
}

fn account_mail(
    deps: &Deps,
    kind: MailKind,
    user: &UserRecord,
    id: &str,
    vars: minijinja::Value,
) -> Result<OutboxMail, AppError> {
    let envelope = Envelope {
        id: format!("{}-{id}", kind.name()),
        kind,
        lang: &user.lang,
        to: to_user(user)?,
        cc: vec![],
        ticket_number: "",
        product: None,
        subject: "",
        vars: context! {
            site => deps.config.name_in(&user.lang),
            user => context! { name => &user.name, login => &user.email },
            ..vars
        },
    };
    deps.mail
        .compose(&envelope, deps.clock.now(), None)
        .map_err(|e| AppError::Unexpected(e.into()))
}

/// Opens the pending account a confirmation link names: uses the link (once, before it
/// expires), enables the account and queues the completion mail, all in one
/// transaction. A link that is unknown, used or expired is an error on `token`.
pub async fn confirm(deps: &Deps, token: &str) -> Result<UserRecord, AppError> {
    let invalid = || AppError::invalid("token", Problem::InvalidToken);
    let hash = hash_token(token);
    for _ in 0..8 {
        let now = deps.clock.now();
        let record = match deps.store.get_token(&hash).await? {
            Some(r)
                if r.purpose == TokenPurpose::Register
                    && r.used_at.is_none()
                    && r.expires_at > now =>
            {
                r
            }
            _ => return Err(invalid()),
        };
        let user = match deps.store.get_user(&record.user_id).await? {
            Some(u) if u.pending => u,
            _ => return Err(invalid()),
        };
        let mut next = user.clone();
        next.pending = false;
        next.disabled = false;
        next.version = user.version + 1;
        let company = match &user.company_id {
            Some(c) => deps.store.get_company(c).await?.map(|c| c.name),
            None => None,
        };
        let mail = account_mail(
            deps,
            MailKind::RegistrationComplete,
            &next,
            &hash[..16],
            context! {
                url => login_url(deps, &next.lang),
                company => company.unwrap_or_default(),
            },
        )?;
        match deps
            .store
            .consume_token(
                &hash,
                TokenPurpose::Register,
                now,
                Some((next.clone(), user.version)),
                vec![mail],
            )
            .await
        {
            Ok(true) => return Ok(next),
            Ok(false) => return Err(invalid()),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Busy)
}

/// Sends the confirmation link of a pending account again (a new link; the old one
/// keeps working until it expires). The answer is the same whether or not the user ID
/// is a pending account; more than `RESENDS_PER_HOUR` requests for one user ID in an
/// hour are refused (429) whatever it is, so the refusal tells nothing either.
pub async fn resend(deps: &Deps, user_id: &str) -> Result<(), AppError> {
    let login = crate::domain::account::LoginId::parse(user_id)
        .map_err(|p| AppError::invalid("user_id", p))?;
    let key = format!("register-resend:{}", login.as_str().to_lowercase());
    throttle(deps, &key, RESENDS_PER_HOUR).await?;
    let now = deps.clock.now();
    let Some(user) = deps.store.user_by_email(login.as_str()).await? else {
        return Ok(());
    };
    if !user.pending {
        return Ok(());
    }
    let (token, record) = new_token(TokenPurpose::Register, &user.id, now, CONFIRM_TTL)?;
    let company = match &user.company_id {
        Some(c) => deps.store.get_company(c).await?.map(|c| c.name),
        None => None,
    };
    let mail = account_mail(
        deps,
        MailKind::RegistrationConfirm,
        &user,
        &record.hash[..16],
        context! {
            url => confirm_url(deps, &user.lang, &token),
            expires => record.expires_at
                .to_zoned(deps.config.time_zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string(),
            company => company.unwrap_or_default(),
        },
    )?;
    deps.store.create_token(record, vec![mail]).await?;
    Ok(())
}

/// Counts one more request under `key`; more than `per_hour` in the hour since the first
/// is `Throttled` until that hour ends.
async fn throttle(deps: &Deps, key: &str, per_hour: u32) -> Result<(), AppError> {
    let now = deps.clock.now();
    let count = deps.store.record_failure(key, now, HOUR).await?;
    if count.failures <= per_hour {
        return Ok(());
    }
    let until = count.first_at.saturating_add(HOUR).unwrap_or(now);
    Err(AppError::Throttled {
        retry_after_secs: until.duration_since(now).as_secs().max(1) as u64,
    })
}

/// "Forgot user ID" (seed 002): mails every user ID registered with `email` to that
/// address, in the language of the first account. The caller answers the same whether
/// or not any is; a malformed address is named on `email`.
///
/// Accounts are found by reading the user list: neither store has an index on the mail
/// address yet (a port method with one is the next step if lists grow large).
pub async fn forgot_user_id(deps: &Deps, email: &str) -> Result<(), AppError> {
    let address = Email::parse(email).map_err(|e| {
        AppError::invalid(
            "email",
            match e {
                crate::domain::email::EmailError::Empty => Problem::Required,
                crate::domain::email::EmailError::TooLong => Problem::TooLong { max: 254 },
                crate::domain::email::EmailError::Invalid(value) => Problem::InvalidEmail { value },
            },
        )
    })?;
    let now = deps.clock.now();
    let key = format!("forgot-id:{}", address.as_str().to_lowercase());
    let count = deps.store.record_failure(&key, now, HOUR).await?;
    if count.failures > REMINDERS_PER_HOUR {
        tracing::info!("user ID reminders throttled");
        return Ok(());
    }
    let accounts: Vec<UserRecord> = deps
        .store
        .list_users(None)
        .await?
        .into_iter()
        .filter(|u| {
            !u.pending && !u.disabled && u.mail_address().eq_ignore_ascii_case(address.as_str())
        })
        .collect();
    let Some(first) = accounts.first() else {
        return Ok(());
    };
    let logins: Vec<String> = accounts.iter().map(|u| u.email.clone()).collect();
    let id = crate::app::secrets::random_hex(8)?;
    let mail = account_mail(
        deps,
        MailKind::UserIdReminder,
        first,
        &id,
        context! {
            url => login_url(deps, &first.lang),
            email => address.as_str(),
            logins,
        },
    )?;
    deps.store.queue_mails(vec![mail]).await?;
    Ok(())
}
