//! Maintenance contracts (seed 002's contract list): added by staff or imported from
//! CSV, shown to customers of the company and (issue 5) checked at registration.

use crate::app::fields::{FieldError, FieldErrors, first};
use crate::app::{AppError, Deps};
use crate::domain::Email;
use crate::domain::account::CompanyId;
use crate::domain::contract::{check_period, parse_date, parse_number};
use crate::ports::store::{ContractRecord, StoreError};

/// The longest product, model, serial number or service type, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// A contract as typed; dates as `2026-04-01` or `2026/04/01`, maintenance e-mail
/// addresses separated by commas or semicolons.
#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    pub number: String,
    pub company: String,
    pub product: String,
    pub model: String,
    pub serial_number: String,
    pub starts_on: String,
    pub ends_on: String,
    pub service_type: String,
    pub maintenance_emails: String,
    /// Projects of the same company, separated by commas (may be empty).
    pub projects: String,
}

fn optional_text(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.chars().any(char::is_control) {
        return Err("must be one line without control characters".into());
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("is longer than {MAX_TEXT_CHARS} characters"));
    }
    Ok(s.to_owned())
}

fn required_text(s: &str) -> Result<String, String> {
    let s = optional_text(s)?;
    if s.is_empty() {
        return Err("is required".into());
    }
    Ok(s)
}

/// Checks a new contract: a number not taken, an existing company, a product, a period
/// that does not end before it starts, and valid addresses.
pub async fn check_contract(
    deps: &Deps,
    input: &ContractInput,
) -> Result<Result<ContractRecord, Vec<FieldError>>, AppError> {
    let mut errors = FieldErrors::new();
    let number = errors.check("number", parse_number(&input.number));
    if let Some(n) = &number
        && deps.store.get_contract(n).await?.is_some()
    {
        errors.add("number", format!("contract '{n}' already exists"));
    }
    let company = errors.check("company", CompanyId::parse(&input.company));
    if let Some(c) = &company
        && deps.store.get_company(c.as_str()).await?.is_none()
    {
        errors.add(
            "company",
            format!("no company has the id '{c}': add it first"),
        );
    }
    let product = errors.check("product", required_text(&input.product));
    let model = errors.check("model", optional_text(&input.model));
    let serial_number = errors.check("serial_number", optional_text(&input.serial_number));
    let service_type = errors.check("service_type", optional_text(&input.service_type));
    let starts_on = errors.check("starts_on", parse_date(&input.starts_on));
    let ends_on = errors.check("ends_on", parse_date(&input.ends_on));
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        errors.check("ends_on", check_period(s, e));
    }
    let emails = errors.check(
        "maintenance_emails",
        Email::parse_list(&input.maintenance_emails),
    );
    let projects = match &company {
        Some(c) => errors.check(
            "projects",
            crate::app::projects::check_projects(deps, c.as_str(), &input.projects).await?,
        ),
        None => None,
    };
    Ok(
        match (
            number,
            company,
            product,
            model,
            serial_number,
            service_type,
            starts_on,
            ends_on,
            emails,
            projects,
        ) {
            (
                Some(number),
                Some(company),
                Some(product),
                Some(model),
                Some(serial_number),
                Some(service_type),
                Some(starts_on),
                Some(ends_on),
                Some(emails),
                Some(project_ids),
            ) if errors.is_empty() => Ok(ContractRecord {
                number,
                company_id: company.to_string(),
                product,
                model,
                serial_number,
                starts_on,
                ends_on,
                service_type,
                maintenance_emails: emails.iter().map(ToString::to_string).collect(),
                project_ids,
                created_at: deps.clock.now(),
                version: 1,
            }),
            _ => Err(errors.into_vec()),
        },
    )
}

/// Writes a checked contract (`number` error if someone took it in between).
pub async fn create_contract(
    deps: &Deps,
    contract: ContractRecord,
) -> Result<ContractRecord, AppError> {
    match deps.store.create_contract(contract.clone()).await {
        Ok(()) => Ok(contract),
        Err(StoreError::Duplicate(_)) => Err(AppError::invalid(
            "number",
            crate::app::error::Problem::Taken,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn add_contract(deps: &Deps, input: &ContractInput) -> Result<ContractRecord, AppError> {
    let contract = check_contract(deps, input).await?.map_err(first)?;
    create_contract(deps, contract).await
}

/// The contracts `actor` may see, by number: every one for staff; for a customer their
/// company's, if their role sees contracts, within their groups' projects when the
/// company uses groups.
pub async fn visible_contracts(
    deps: &Deps,
    actor: &crate::domain::access::Actor,
) -> Result<Vec<ContractRecord>, AppError> {
    let all = if actor.is_staff() {
        deps.store.list_contracts(None).await?
    } else {
        match &actor.company_id {
            Some(c) if actor.customer_role.is_some_and(|r| r.sees_contracts()) => {
                deps.store.list_contracts(Some(c)).await?
            }
            _ => return Ok(Vec::new()),
        }
    };
    Ok(all
        .into_iter()
        .filter(|c| crate::app::projects::may_view_contract(actor, c))
        .collect())
}

/// A change to a contract: `None` leaves a value as it is. The number and the company
/// never change (a renewed contract is a new contract).
#[derive(Debug, Clone, Default)]
pub struct ContractChange {
    pub product: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub service_type: Option<String>,
    pub maintenance_emails: Option<String>,
    pub projects: Option<String>,
}

/// Checks every changed value (all wrong ones at once) and writes them conditionally on
/// the version read; `NotFound` for a number that does not exist.
pub async fn change_contract(
    deps: &Deps,
    number: &str,
    change: &ContractChange,
) -> Result<ContractRecord, AppError> {
    let current = deps
        .store
        .get_contract(number)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let mut next = current.clone();
    if let Some(v) = &change.product
        && let Some(v) = errors.check("product", required_text(v))
    {
        next.product = v;
    }
    if let Some(v) = &change.model
        && let Some(v) = errors.check("model", optional_text(v))
    {
        next.model = v;
    }
    if let Some(v) = &change.serial_number
        && let Some(v) = errors.check("serial_number", optional_text(v))
    {
        next.serial_number = v;
    }
    if let Some(v) = &change.service_type
        && let Some(v) = errors.check("service_type", optional_text(v))
    {
        next.service_type = v;
    }
    if let Some(v) = &change.starts_on
        && let Some(d) = errors.check("starts_on", parse_date(v))
    {
        next.starts_on = d;
    }
    if let Some(v) = &change.ends_on
        && let Some(d) = errors.check("ends_on", parse_date(v))
    {
        next.ends_on = d;
    }
    errors.check("ends_on", check_period(next.starts_on, next.ends_on));
    if let Some(v) = &change.maintenance_emails
        && let Some(list) = errors.check("maintenance_emails", Email::parse_list(v))
    {
        next.maintenance_emails = list.iter().map(ToString::to_string).collect();
    }
    if let Some(v) = &change.projects
        && let Some(ids) = errors.check(
            "projects",
            crate::app::projects::check_projects(deps, &current.company_id, v).await?,
        )
    {
        next.project_ids = ids;
    }
    if !errors.is_empty() {
        return Err(first(errors.into_vec()));
    }
    next.version = current.version + 1;
    match deps
        .store
        .update_contract(next.clone(), current.version)
        .await
    {
        Ok(()) => Ok(next),
        Err(StoreError::Conflict(_)) => Err(AppError::Busy),
        Err(e) => Err(e.into()),
    }
}

/// A company's contracts, or every contract, by number.
pub async fn contracts(
    deps: &Deps,
    company: Option<&str>,
) -> Result<Vec<ContractRecord>, AppError> {
    Ok(deps.store.list_contracts(company).await?)
}
