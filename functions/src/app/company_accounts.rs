//! Accounts managed by the customer's own admins (seed 004 §3.1): user admins and
//! inquiry admins list, add, edit and disable the accounts of their company, never
//! granting a role above their own (`CustomerRole::covers`). A new account gets an
//! invitation mail with a single-use, expiring link to choose a password. Every
//! decision is `domain::access::may_user`'s; an account the caller may not see is
//! `NotFound`, one they see but may not change in that way `Forbidden`.

use crate::app::accounts::{self, AddedUser, Credential, UserInput};
use crate::app::{AppError, Deps, FieldError, Problem};
use crate::domain::Email;
use crate::domain::access::{Actor, CustomerRole, Role, UserAccess, UserVerb, may_user};
use crate::domain::account::parse_lang;
use crate::ports::store::UserRecord;

/// The longest name, as for every account.
const MAX_NAME_CHARS: usize = accounts::MAX_NAME_CHARS;

fn access(u: &UserRecord) -> UserAccess<'_> {
    UserAccess {
        user_id: &u.id,
        company_id: u.company_id.as_deref(),
        role: u.role,
        customer_role: u.customer_role,
    }
}

/// The caller's company's accounts they may see, by name (none for a caller who
/// manages no accounts).
pub async fn list(deps: &Deps, actor: &Actor) -> Result<Vec<UserRecord>, AppError> {
    let Some(company) = actor.company_id.as_deref().filter(|_| !actor.is_staff()) else {
        return Err(AppError::Forbidden);
    };
    if !actor
        .customer_role
        .is_some_and(CustomerRole::manages_accounts)
    {
        return Err(AppError::Forbidden);
    }
    Ok(deps
        .store
        .list_users(Some(company))
        .await?
        .into_iter()
        .filter(|u| u.id == actor.user_id || may_user(actor, UserVerb::View, &access(u)))
        .collect())
}

/// The roles `actor` may grant (theirs and those below it), for the form.
pub fn grantable(actor: &Actor) -> Vec<CustomerRole> {
    match actor.customer_role {
        Some(own) if own.manages_accounts() && !actor.is_staff() => CustomerRole::ALL
            .into_iter()
            .filter(|r| own.covers(*r))
            .collect(),
        _ => Vec::new(),
    }
}

fn parse_role(s: &str) -> Result<CustomerRole, Problem> {
    CustomerRole::parse(s.trim()).ok_or(Problem::NotAnOption)
}

fn parse_person_name(s: &str) -> Result<String, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    if s.chars().any(char::is_control) {
        return Err(Problem::InvalidCharacters);
    }
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(Problem::TooLong {
            max: MAX_NAME_CHARS,
        });
    }
    Ok(s.to_owned())
}

fn parse_email(s: &str) -> Result<Email, Problem> {
    if s.trim().is_empty() {
        return Err(Problem::Required);
    }
    Email::parse(s).map_err(|_| Problem::InvalidEmail {
        value: s.trim().chars().filter(|c| !c.is_control()).collect(),
    })
}

/// A colleague as the account admin typed them.
#[derive(Debug, Clone, Default)]
pub struct NewColleague {
    pub email: String,
    pub name: String,
    pub customer_role: String,
    /// `ja` (default) or `en`: the language of the invitation and of their screens.
    pub lang: String,
}

/// Adds an account to the caller's company and mails it an invitation; every wrong
/// field at once; a role above the caller's own is `Forbidden`.
pub async fn invite(
    deps: &Deps,
    actor: &Actor,
    input: &NewColleague,
) -> Result<AddedUser, AppError> {
    let company = match actor.company_id.as_deref() {
        Some(c) if !actor.is_staff() => c.to_owned(),
        _ => return Err(AppError::Forbidden),
    };
    let mut errors = Vec::new();
    let mut check = |field: &str, r: Result<(), Problem>| {
        if let Err(p) = r {
            errors.push(FieldError::new(field, p));
        }
    };
    let email = parse_email(&input.email);
    check("email", email.as_ref().map(drop).map_err(Clone::clone));
    check("name", parse_person_name(&input.name).map(drop));
    let role = parse_role(&input.customer_role);
    check("customer_role", role.clone().map(drop));
    check(
        "lang",
        parse_lang(&input.lang)
            .map(drop)
            .map_err(|_| Problem::NotAnOption),
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (Ok(email), Ok(role)) = (email, role) else {
        return Err(AppError::Unexpected(anyhow::anyhow!("checked above")));
    };
    let new = UserAccess {
        user_id: "",
        company_id: Some(&company),
        role: Role::Customer,
        customer_role: Some(role),
    };
    if !may_user(actor, UserVerb::Create, &new) || !may_user(actor, UserVerb::GrantRole(role), &new)
    {
        return Err(AppError::Forbidden);
    }
    if deps.store.user_by_email(email.as_str()).await?.is_some() {
        return Err(AppError::invalid("email", Problem::Taken));
    }
    let input = UserInput {
        email: email.to_string(),
        name: input.name.clone(),
        role: Role::Customer.as_str().into(),
        company,
        customer_role: role.as_str().into(),
        // Staff, not customers, put accounts into groups.
        groups: String::new(),
        lang: input.lang.clone(),
        credential: Credential::invite(),
    };
    let valid = accounts::check_user(deps, &input, &deps.config.password_policy)
        .await?
        .map_err(crate::app::fields::first)?;
    let added = accounts::create_user(deps, valid).await?;
    tracing::info!(by = %actor.user_id, user = %added.user.id, role = role.as_str(), "account added by the company's admin");
    Ok(added)
}

/// A change to a colleague's account; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct ColleagueChange {
    pub name: Option<String>,
    pub lang: Option<String>,
    pub customer_role: Option<String>,
    pub disabled: Option<bool>,
}

/// Changes an account of the caller's company: name and language (`Edit`), role
/// (`GrantRole`, within the caller's own), disabled or enabled again (`Disable`, which
/// also ends the account's sessions). One's own account: name and language only.
pub async fn change(
    deps: &Deps,
    actor: &Actor,
    user_id: &str,
    change: &ColleagueChange,
) -> Result<UserRecord, AppError> {
    let target = deps
        .store
        .get_user(user_id)
        .await?
        .filter(|u| u.id == actor.user_id || may_user(actor, UserVerb::View, &access(u)))
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let name = match &change.name {
        Some(n) => match parse_person_name(n) {
            Ok(n) => Some(n),
            Err(p) => {
                errors.push(FieldError::new("name", p));
                None
            }
        },
        None => None,
    };
    let lang = match &change.lang {
        Some(l) => match parse_lang(l) {
            Ok(l) => Some(l),
            Err(_) => {
                errors.push(FieldError::new("lang", Problem::NotAnOption));
                None
            }
        },
        None => None,
    };
    let role = match &change.customer_role {
        Some(r) => match parse_role(r) {
            Ok(r) => Some(r),
            Err(p) => {
                errors.push(FieldError::new("customer_role", p));
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let a = access(&target);
    let allowed = ((name.is_none() && lang.is_none()) || may_user(actor, UserVerb::Edit, &a))
        && role.is_none_or(|r| {
            Some(r) == target.customer_role || may_user(actor, UserVerb::GrantRole(r), &a)
        })
        && change
            .disabled
            .is_none_or(|d| d == target.disabled || may_user(actor, UserVerb::Disable, &a));
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let disabling = change.disabled == Some(true) && !target.disabled;
    let updated = accounts::modify_user(deps, &target.id, |u| {
        if let Some(n) = &name {
            u.name = n.clone();
        }
        if let Some(l) = lang {
            u.lang = l.to_owned();
        }
        if let Some(r) = role {
            u.customer_role = Some(r);
        }
        if let Some(d) = change.disabled {
            u.disabled = d;
        }
    })
    .await?;
    if disabling {
        deps.store.revoke_user_sessions(&target.id, None).await?;
    }
    tracing::info!(by = %actor.user_id, user = %target.id, "account changed by the company's admin");
    Ok(updated)
}
