//! Projects (案件) and their customer groups (seed 004 §3.2), and the customer roles
//! and group memberships of accounts: staff define a company's projects, link its
//! contracts to them, put accounts into the projects' groups and switch the company to
//! "uses groups"; from then on its accounts see only their groups' projects (and their
//! own tickets). Shared by `madoguchi admin`, the demo data and the staff API, which
//! lets only admins call the changing ones.

use crate::app::fields::{FieldError, FieldErrors, first};
use crate::app::{AppError, Deps, Problem};
use crate::domain::access::{
    Actor, ContractAccess, ContractVerb, CustomerRole, Role, may_contract,
};
use crate::domain::account::{CompanyId, parse_name};
use crate::ports::store::{BatchItems, CompanyRecord, ProjectRecord, StoreError, UserRecord};

/// The longest project or group name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A project as typed. An empty `group_name` becomes the project's name + グループ.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub id: String,
    pub company: String,
    pub name: String,
    pub group_name: String,
}

/// Checks a new project: an id (a slug, as company ids) not taken, an existing
/// company, a name.
pub async fn check_project(
    deps: &Deps,
    input: &ProjectInput,
) -> Result<Result<ProjectRecord, Vec<FieldError>>, AppError> {
    let mut errors = FieldErrors::new();
    let id = errors.check("id", CompanyId::parse(&input.id));
    if let Some(id) = &id
        && deps.store.get_project(id.as_str()).await?.is_some()
    {
        errors.add("id", format!("project '{id}' already exists"));
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
    let name = errors.check("name", parse_name(&input.name, MAX_NAME_CHARS));
    let group_name = if input.group_name.trim().is_empty() {
        name.as_ref().map(|n| format!("{n}グループ"))
    } else {
        errors.check("group_name", parse_name(&input.group_name, MAX_NAME_CHARS))
    };
    Ok(match (id, company, name, group_name) {
        (Some(id), Some(company), Some(name), Some(group_name)) if errors.is_empty() => {
            Ok(ProjectRecord {
                id: id.to_string(),
                company_id: company.to_string(),
                name,
                group_name,
                created_at: deps.clock.now(),
            })
        }
        _ => Err(errors.into_vec()),
    })
}

pub async fn add_project(deps: &Deps, input: &ProjectInput) -> Result<ProjectRecord, AppError> {
    let project = check_project(deps, input).await?.map_err(first)?;
    add_checked(deps, project).await
}

/// Writes a checked project (`id` error if someone took it in between).
pub async fn add_checked(deps: &Deps, project: ProjectRecord) -> Result<ProjectRecord, AppError> {
    match deps.store.create_project(project.clone()).await {
        Ok(()) => Ok(project),
        Err(StoreError::Duplicate(_)) => Err(AppError::invalid("id", Problem::Taken)),
        Err(e) => Err(e.into()),
    }
}

/// A company's projects, by id.
pub async fn projects(deps: &Deps, company: &str) -> Result<Vec<ProjectRecord>, AppError> {
    Ok(deps.store.list_projects(company).await?)
}

async fn company(deps: &Deps, id: &str) -> Result<CompanyRecord, AppError> {
    deps.store
        .get_company(id)
        .await?
        .ok_or_else(|| AppError::invalid("company", Problem::NotAnOption))
}

/// Switches a company's project groups on or off.
pub async fn set_company_groups(
    deps: &Deps,
    company_id: &str,
    on: bool,
) -> Result<CompanyRecord, AppError> {
    let mut c = company(deps, company_id).await?;
    c.uses_groups = on;
    deps.store.update_company(c.clone()).await?;
    Ok(c)
}

/// Project ids typed as a list (commas, semicolons, spaces or 、), each a project of
/// `company`; the message says which is not.
pub async fn check_projects(
    deps: &Deps,
    company: &str,
    text: &str,
) -> Result<Result<Vec<String>, String>, AppError> {
    let known = deps.store.list_projects(company).await?;
    let mut ids: Vec<String> = Vec::new();
    for id in text
        .split([',', ';', ' ', '\u{3001}'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !known.iter().any(|p| p.id == id) {
            return Ok(Err(format!(
                "'{id}' is not a project of company '{company}'"
            )));
        }
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(Ok(ids))
}

/// `check_projects` as the use cases' error against `field`.
pub async fn parse_projects(
    deps: &Deps,
    company: &str,
    field: &'static str,
    text: &str,
) -> Result<Vec<String>, AppError> {
    check_projects(deps, company, text)
        .await?
        .map_err(|e| first(vec![FieldError { field, message: e }]))
}

/// Staff set a customer account's role and groups (`None`: leave as is). Takes effect
/// at the account's next token refresh (at most one token lifetime).
pub async fn set_user_access(
    deps: &Deps,
    login: &str,
    role: Option<CustomerRole>,
    projects: Option<&str>,
) -> Result<UserRecord, AppError> {
    let user = deps
        .store
        .user_by_email(login)
        .await?
        .ok_or_else(|| AppError::invalid("email", Problem::NotAnOption))?;
    let Some(company) = user
        .company_id
        .clone()
        .filter(|_| user.role == Role::Customer)
    else {
        return Err(AppError::invalid(
            "email",
            Problem::Other {
                ja: "お客様のアカウントではありません".into(),
                en: "is not a customer account".into(),
            },
        ));
    };
    let groups = match projects {
        Some(text) => Some(parse_projects(deps, &company, "projects", text).await?),
        None => None,
    };
    crate::app::accounts::modify_user(deps, &user.id, |u| {
        if let Some(r) = role {
            u.customer_role = Some(r);
        }
        if let Some(g) = &groups {
            u.projects = g.clone();
        }
    })
    .await
}

/// Staff link a contract to projects of its company (replacing its links).
pub async fn link_contract(
    deps: &Deps,
    number: &str,
    projects: &str,
) -> Result<crate::ports::store::ContractRecord, AppError> {
    let contract = deps
        .store
        .get_contract(number.trim())
        .await?
        .ok_or_else(|| AppError::invalid("number", Problem::NotAnOption))?;
    let mut next = contract.clone();
    next.project_ids = parse_projects(deps, &contract.company_id, "projects", projects).await?;
    next.version = contract.version + 1;
    deps.store
        .update_contract(next.clone(), contract.version)
        .await?;
    Ok(next)
}

/// The projects `actor` may file tickets under and see: staff none (they file no
/// tickets), a customer their company's, or only their groups' when it uses groups.
pub async fn visible_projects(deps: &Deps, actor: &Actor) -> Result<Vec<ProjectRecord>, AppError> {
    let Some(company) = actor.company_id.as_deref().filter(|_| !actor.is_staff()) else {
        return Ok(Vec::new());
    };
    if actor.customer_role.is_none() {
        return Ok(Vec::new());
    }
    Ok(deps
        .store
        .list_projects(company)
        .await?
        .into_iter()
        .filter(|p| !actor.company_uses_groups || actor.projects.contains(&p.id))
        .collect())
}

/// The project a new ticket of `actor` is filed under: the one chosen on the form,
/// which must be one of `visible_projects`; else the first of the contract's projects
/// the actor may use, when `contract_number` names a contract the actor may see; else
/// none (the ticket is then visible to its requester and, in a company without
/// groups, to the whole company). `known` holds the chosen project and the contract,
/// read with the rest of what a new ticket needs (`project_reads`).
pub fn project_for_ticket(
    actor: &Actor,
    chosen: Option<&str>,
    contract_number: Option<&str>,
    known: &BatchItems,
) -> Result<Option<String>, AppError> {
    let (chosen, contract_number) = project_reads(chosen, contract_number);
    if let Some(p) = chosen {
        // One of `visible_projects`: the customer's company's, and one of their
        // groups' when the company uses groups.
        let company = actor.company_id.as_deref().filter(|_| !actor.is_staff());
        let visible = known.project(p).is_some_and(|project| {
            actor.customer_role.is_some()
                && company == Some(project.company_id.as_str())
                && (!actor.company_uses_groups || actor.projects.contains(&project.id))
        });
        return if visible {
            Ok(Some(p.to_owned()))
        } else {
            Err(AppError::invalid("project", Problem::NotAnOption))
        };
    }
    let Some(number) = contract_number else {
        return Ok(None);
    };
    if actor.is_staff() || actor.customer_role.is_none() {
        return Ok(None);
    }
    let Some(contract) = known.contract(number) else {
        return Ok(None);
    };
    // The contract must be the customer's company's (its role need not see contracts:
    // filing a ticket about one is not reading it). Its projects are then the company's
    // (links are checked when staff make them), so the rule of `visible_projects` needs
    // no list of them: any, or only the actor's groups' when the company uses groups.
    if actor.company_id.as_deref() != Some(contract.company_id.as_str()) {
        return Ok(None);
    }
    Ok(contract
        .project_ids
        .iter()
        .find(|p| !actor.company_uses_groups || actor.projects.contains(*p))
        .cloned())
}

/// What `project_for_ticket` needs read: the chosen project, or else the contract
/// (blank values are none).
pub fn project_reads<'a>(
    chosen: Option<&'a str>,
    contract_number: Option<&'a str>,
) -> (Option<&'a str>, Option<&'a str>) {
    let chosen = chosen.map(str::trim).filter(|p| !p.is_empty());
    let contract_number = contract_number
        .map(str::trim)
        .filter(|c| !c.is_empty() && chosen.is_none());
    (chosen, contract_number)
}

/// Whether `actor` may see `contract` (the domain rule with the contract's links).
pub fn may_view_contract(actor: &Actor, contract: &crate::ports::store::ContractRecord) -> bool {
    let projects: Vec<&str> = contract.project_ids.iter().map(String::as_str).collect();
    may_contract(
        actor,
        ContractVerb::View,
        &ContractAccess {
            company_id: &contract.company_id,
            project_ids: &projects,
        },
    )
}
