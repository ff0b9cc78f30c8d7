//! `madoguchi admin`: accounts, contracts and CSV imports on the local data folder,
//! for the vendor's operators. Every command goes through the same use cases as the
//! staff API; output is an aligned table, or JSON with `--json` for scripts.
//! Passwords are read from standard input only, and never printed or logged.

pub mod import;
pub mod table;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::adapters::embedded::SqliteStore;
use crate::app::accounts::{self, CompanyInput, Credential, UserInput};
use crate::app::contracts::{self, ContractInput};
use crate::app::fields::FieldError;
use crate::app::mail::MailComposer;
use crate::app::projects::{self, ProjectInput};
use crate::app::{Deps, PortalConfig};
use crate::ports::SystemClock;
use crate::ports::store::{CompanyRecord, ContractRecord, ProjectRecord, UserRecord};

use import::{ImportError, Kind};

/// The database file inside the data folder.
pub const DB_FILE: &str = "madoguchi.db";

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The data folder; the database is DIR/madoguchi.db.
    #[arg(long, global = true, value_name = "DIR", default_value = "var")]
    pub data: PathBuf,
    /// Where the portal is reached, for the links in invitation mails.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "MADOGUCHI_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub base_url: String,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Customer companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Customer and staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Maintenance contracts.
    #[command(subcommand)]
    Contract(ContractCommand),
    /// Projects (案件) of a company and their customer groups.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Add companies, users or contracts from a CSV file with a header row: every row
    /// is checked first, and nothing is written if any is wrong.
    Import {
        #[arg(value_enum)]
        kind: Kind,
        file: PathBuf,
        /// Check the file and show what would be added, without writing.
        #[arg(long)]
        dry_run: bool,
        /// Users: mail each one an invitation to choose a password.
        #[arg(long)]
        invite: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Add a customer company.
    Add {
        /// A short id: a-z, 0-9, '-' and '_' (used in CSV files and by --company).
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// List the companies.
    List,
    /// Switch project groups on (its accounts see only their groups' projects and their
    /// own tickets) or off.
    #[command(group(ArgGroup::new("switch").required(true).args(["on", "off"])))]
    Groups {
        #[arg(long)]
        id: String,
        #[arg(long)]
        on: bool,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Add a project (案件) to a company; it gets one customer group.
    Add {
        /// A short id, unique across companies: a-z, 0-9, '-' and '_'.
        #[arg(long)]
        id: String,
        #[arg(long)]
        company: String,
        #[arg(long)]
        name: String,
        /// The customer group's name (default: the project's name + グループ).
        #[arg(long, default_value = "")]
        group_name: String,
    },
    /// List a company's projects.
    List {
        #[arg(long)]
        company: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaffRole {
    Agent,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a customer user (--company) or a staff user (--staff), with a password read
    /// from standard input or an invitation mail.
    #[command(
        group(ArgGroup::new("who").required(true).args(["company", "staff"])),
        group(ArgGroup::new("how").required(true).args(["password_stdin", "invite"])),
    )]
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The customer's company id.
        #[arg(long, value_name = "ID")]
        company: Option<String>,
        /// A staff user: agent or admin.
        #[arg(long, value_enum, value_name = "ROLE")]
        staff: Option<StaffRole>,
        /// The customer's role: user_admin, contract_manager, inquiry_admin or
        /// inquiry_member (the default).
        #[arg(long, value_name = "ROLE", default_value = "")]
        customer_role: String,
        /// The projects whose groups the customer joins, comma-separated.
        #[arg(long, value_name = "IDS", default_value = "")]
        groups: String,
        #[arg(long, default_value = "ja", value_parser = ["ja", "en"])]
        lang: String,
        /// Read the password from the first line of standard input (pipe it in).
        #[arg(long)]
        password_stdin: bool,
        /// Mail an invitation with a link to choose a password (valid 7 days).
        #[arg(long)]
        invite: bool,
    },
    /// List the users, of one company or all.
    List {
        #[arg(long)]
        company: Option<String>,
    },
    /// Change a customer's role and/or groups (applies within 10 minutes: at their
    /// next token refresh).
    #[command(group(ArgGroup::new("what").required(true).multiple(true).args(["customer_role", "groups"])))]
    Access {
        #[arg(long)]
        email: String,
        /// user_admin, contract_manager, inquiry_admin or inquiry_member.
        #[arg(long, value_name = "ROLE")]
        customer_role: Option<String>,
        /// The projects whose groups the account belongs to, comma-separated ("" for none).
        #[arg(long, value_name = "IDS")]
        groups: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// Add a maintenance contract.
    Add {
        #[arg(long)]
        number: String,
        #[arg(long)]
        company: String,
        #[arg(long)]
        product: String,
        /// Product number or model.
        #[arg(long, default_value = "")]
        model: String,
        #[arg(long, default_value = "")]
        serial: String,
        /// First day covered: 2026-04-01.
        #[arg(long)]
        start: String,
        /// Last day covered: 2027-03-31.
        #[arg(long)]
        end: String,
        /// The service type as the certificate words it.
        #[arg(long, default_value = "")]
        service: String,
        /// Maintenance registration addresses, comma-separated.
        #[arg(long, default_value = "")]
        emails: String,
        /// Projects of the company the contract is linked to, comma-separated.
        #[arg(long, default_value = "")]
        projects: String,
    },
    /// List the contracts, of one company or all.
    List {
        #[arg(long)]
        company: Option<String>,
    },
    /// Link a contract to projects of its company (replacing its links; "" for none).
    Link {
        #[arg(long)]
        number: String,
        #[arg(long, value_name = "IDS")]
        projects: String,
    },
}

/// The use cases' dependencies on the data folder: the SQLite store at
/// `DIR/madoguchi.db` (created with its folder if missing), the system clock, and the
/// example portal settings with `base_url` for links.
pub fn local_deps(data: &Path, base_url: &str) -> Result<Deps> {
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data folder {}", data.display()))?;
    let db = data.join(DB_FILE);
    let store = SqliteStore::open(&db).with_context(|| format!("cannot open {}", db.display()))?;
    let config = PortalConfig::example(base_url);
    let mail = MailComposer::new(config.name_in("ja"), &config.sender)?;
    Ok(Deps {
        store: Arc::new(store),
        clock: Arc::new(SystemClock),
        config: Arc::new(config),
        mail: Arc::new(mail),
        blobs: Arc::new(
            crate::adapters::embedded::blob_dir::BlobDir::open(&data.join("attachments"))
                .with_context(|| format!("cannot create {}", data.join("attachments").display()))?,
        ),
    })
}

/// Runs one admin command and prints its result.
pub async fn run(args: AdminArgs) -> Result<()> {
    let deps = local_deps(&args.data, &args.base_url)?;
    let out = Output { json: args.json };
    match args.command {
        AdminCommand::Company(CompanyCommand::Add { id, name }) => {
            let input = CompanyInput { id, name };
            let company = accounts::check_company(&deps, &input)
                .await?
                .map_err(|e| invalid("company", e))?;
            let company = accounts::create_company(&deps, company).await?;
            out.companies(&[company], "added");
        }
        AdminCommand::Company(CompanyCommand::List) => {
            out.companies(&accounts::companies(&deps).await?, "");
        }
        AdminCommand::Company(CompanyCommand::Groups { id, on, off: _ }) => {
            let company = projects::set_company_groups(&deps, &id, on).await?;
            out.companies(&[company], "changed");
        }
        AdminCommand::Project(ProjectCommand::Add {
            id,
            company,
            name,
            group_name,
        }) => {
            let input = ProjectInput {
                id,
                company,
                name,
                group_name,
            };
            let project = projects::check_project(&deps, &input)
                .await?
                .map_err(|e| invalid("project", e))?;
            let project = projects::add_checked(&deps, project).await?;
            out.projects(&[project], "added");
        }
        AdminCommand::Project(ProjectCommand::List { company }) => {
            out.projects(&projects::projects(&deps, &company).await?, "");
        }
        AdminCommand::User(UserCommand::Access {
            email,
            customer_role,
            groups,
        }) => {
            let role = customer_role
                .as_deref()
                .map(accounts::parse_customer_role)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--customer-role: {e}"))?;
            let user = projects::set_user_access(&deps, &email, role, groups.as_deref()).await?;
            out.users(&[user], "changed");
        }
        AdminCommand::Contract(ContractCommand::Link {
            number,
            projects: ids,
        }) => {
            let contract = projects::link_contract(&deps, &number, &ids).await?;
            out.contracts(&[contract], "changed");
        }
        AdminCommand::User(UserCommand::Add {
            email,
            name,
            company,
            staff,
            customer_role,
            groups,
            lang,
            password_stdin,
            invite: _,
        }) => {
            let credential = if password_stdin {
                Credential::Password(read_password()?)
            } else {
                Credential::invite()
            };
            let role = match staff {
                Some(StaffRole::Agent) => "agent",
                Some(StaffRole::Admin) => "admin",
                None => "customer",
            };
            let input = UserInput {
                email,
                name,
                role: role.into(),
                company: company.unwrap_or_default(),
                customer_role,
                groups,
                lang,
                credential,
            };
            let valid = accounts::check_user(&deps, &input, &deps.config.password_policy)
                .await?
                .map_err(|e| invalid("user", e))?;
            let added = accounts::create_user(&deps, valid).await?;
            out.users(std::slice::from_ref(&added.user), "added");
            if let (Some(until), false) = (added.invited_until, out.json) {
                println!(
                    "invitation to {} queued in the outbox; its link works until {}",
                    added.user.email,
                    until
                        .to_zoned(deps.config.time_zone.clone())
                        .strftime("%Y-%m-%d %H:%M %Z")
                );
            }
        }
        AdminCommand::User(UserCommand::List { company }) => {
            out.users(&accounts::users(&deps, company.as_deref()).await?, "");
        }
        AdminCommand::Contract(ContractCommand::Add {
            number,
            company,
            product,
            model,
            serial,
            start,
            end,
            service,
            emails,
            projects,
        }) => {
            let input = ContractInput {
                number,
                company,
                product,
                model,
                serial_number: serial,
                starts_on: start,
                ends_on: end,
                service_type: service,
                maintenance_emails: emails,
                projects,
            };
            let contract = contracts::check_contract(&deps, &input)
                .await?
                .map_err(|e| invalid("contract", e))?;
            let contract = contracts::create_contract(&deps, contract).await?;
            out.contracts(&[contract], "added");
        }
        AdminCommand::Contract(ContractCommand::List { company }) => {
            out.contracts(&contracts::contracts(&deps, company.as_deref()).await?, "");
        }
        AdminCommand::Import {
            kind,
            file,
            dry_run,
            invite,
        } => {
            let credential = if invite {
                Credential::invite()
            } else {
                Credential::NotYet
            };
            match import::import(&deps, kind, &file, credential, dry_run).await {
                Ok(report) => out.import(&report),
                Err(ImportError::Invalid(errors)) => {
                    if out.json {
                        let list: Vec<_> = errors
                            .iter()
                            .map(|e| json!({"file": e.file, "line": e.line, "column": e.column, "header": e.header, "message": e.message}))
                            .collect();
                        println!("{}", json!({"imported": 0, "errors": list}));
                    } else {
                        for e in &errors {
                            eprintln!("{e}");
                        }
                    }
                    bail!(
                        "{} problem(s) in {}; nothing was imported",
                        errors.len(),
                        file.display()
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Every field error of one input, as one error for the top level to print.
fn invalid(what: &str, errors: Vec<FieldError>) -> anyhow::Error {
    let list: Vec<String> = errors
        .iter()
        .map(|e| format!("  --{}: {}", e.field.replace('_', "-"), e.message))
        .collect();
    anyhow::anyhow!("the {what} was not added:\n{}", list.join("\n"))
}

/// The first line of standard input, which must not be a terminal: a typed password
/// would be shown on the screen and kept in the scrollback.
fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!(
            "--password-stdin reads the password from a pipe, not the keyboard: \
             printf '%s' \"$PASSWORD\" | madoguchi admin user add ... --password-stdin"
        );
    }
    let mut text = String::new();
    stdin
        .lock()
        .take(4096)
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    let password = text.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        bail!("--password-stdin: standard input was empty");
    }
    Ok(password)
}

/// Prints records as a table or as JSON.
struct Output {
    json: bool,
}

fn day(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

impl Output {
    fn print(&self, value: serde_json::Value, header: &[&str], rows: Vec<Vec<String>>, verb: &str) {
        if self.json {
            println!("{value}");
            return;
        }
        if !verb.is_empty() {
            println!("{verb}:");
        }
        if rows.is_empty() {
            println!("(none)");
        } else {
            print!("{}", table::render(header, &rows));
        }
    }

    fn companies(&self, list: &[CompanyRecord], verb: &str) {
        let value = json!(
            list.iter()
                .map(
                    |c| json!({"id": c.id, "name": c.name, "uses_groups": c.uses_groups,
                    "created_at": c.created_at.to_string()})
                )
                .collect::<Vec<_>>()
        );
        let rows = list
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    c.name.clone(),
                    if c.uses_groups { "yes" } else { "no" }.into(),
                    day(c.created_at),
                ]
            })
            .collect();
        self.print(value, &["ID", "NAME", "GROUPS", "CREATED"], rows, verb);
    }

    fn projects(&self, list: &[ProjectRecord], verb: &str) {
        let value = json!(
            list.iter()
                .map(
                    |p| json!({"id": p.id, "company": p.company_id, "name": p.name,
                    "group_name": p.group_name, "created_at": p.created_at.to_string()})
                )
                .collect::<Vec<_>>()
        );
        let rows = list
            .iter()
            .map(|p| {
                vec![
                    p.id.clone(),
                    p.company_id.clone(),
                    p.name.clone(),
                    p.group_name.clone(),
                    day(p.created_at),
                ]
            })
            .collect();
        self.print(
            value,
            &["ID", "COMPANY", "NAME", "GROUP", "CREATED"],
            rows,
            verb,
        );
    }

    fn users(&self, list: &[UserRecord], verb: &str) {
        let status = |u: &UserRecord| {
            if u.disabled {
                "disabled"
            } else if u.password_hash.is_some() {
                "active"
            } else {
                "no password yet"
            }
        };
        // Never the password hash.
        let value = json!(
            list.iter()
                .map(|u| json!({"id": u.id, "email": u.email, "name": u.name, "role": u.role.as_str(),
                    "company": u.company_id, "customer_role": u.customer_role.map(|r| r.as_str()),
                    "groups": u.projects, "lang": u.lang, "status": status(u), "created_at": u.created_at.to_string()}))
                .collect::<Vec<_>>()
        );
        let rows = list
            .iter()
            .map(|u| {
                vec![
                    u.email.clone(),
                    u.name.clone(),
                    u.role.as_str().into(),
                    u.company_id.clone().unwrap_or_else(|| "-".into()),
                    u.customer_role.map_or("-", |r| r.as_str()).into(),
                    if u.projects.is_empty() {
                        "-".into()
                    } else {
                        u.projects.join(",")
                    },
                    u.lang.clone(),
                    status(u).into(),
                    day(u.created_at),
                ]
            })
            .collect();
        self.print(
            value,
            &[
                "EMAIL",
                "NAME",
                "ROLE",
                "COMPANY",
                "CUSTOMER ROLE",
                "GROUPS",
                "LANG",
                "STATUS",
                "CREATED",
            ],
            rows,
            verb,
        );
    }

    fn contracts(&self, list: &[ContractRecord], verb: &str) {
        let value = json!(
            list.iter()
                .map(|c| json!({"number": c.number, "company": c.company_id, "product": c.product, "model": c.model,
                    "serial_number": c.serial_number, "starts_on": c.starts_on.to_string(), "ends_on": c.ends_on.to_string(),
                    "service_type": c.service_type, "maintenance_emails": c.maintenance_emails,
                    "projects": c.project_ids}))
                .collect::<Vec<_>>()
        );
        let rows = list
            .iter()
            .map(|c| {
                vec![
                    c.number.clone(),
                    c.company_id.clone(),
                    c.product.clone(),
                    c.model.clone(),
                    c.serial_number.clone(),
                    c.starts_on.to_string(),
                    c.ends_on.to_string(),
                    c.service_type.clone(),
                    c.maintenance_emails.join(", "),
                    c.project_ids.join(","),
                ]
            })
            .collect();
        self.print(
            value,
            &[
                "NUMBER", "COMPANY", "PRODUCT", "MODEL", "SERIAL", "START", "END", "SERVICE",
                "EMAILS", "PROJECTS",
            ],
            rows,
            verb,
        );
    }

    fn import(&self, r: &import::ImportReport) {
        if self.json {
            println!(
                "{}",
                json!({"file": r.file, "kind": r.kind.noun(), "rows": r.rows, "dry_run": !r.written,
                       "imported": if r.written { r.keys.len() } else { 0 }, "keys": r.keys})
            );
        } else if r.written {
            println!(
                "{}: imported {} {}(s): {}",
                r.file,
                r.keys.len(),
                r.kind.noun(),
                r.keys.join(", ")
            );
        } else {
            println!(
                "{}: {} row(s) are valid; nothing written (--dry-run): {}",
                r.file,
                r.keys.len(),
                r.keys.join(", ")
            );
        }
    }
}
