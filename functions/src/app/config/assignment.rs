//! `assignment:` of `portal.yaml`: the departments (staff teams with their own queue
//! and mail address) and the rules that give a new ticket its department and owner
//! (issue 6: "owner and assignment rules by customer company, contract or product").

use madoguchi_yaml::{Fields, Localized};

use crate::app::form::TicketForm;
use crate::domain::Email;
use crate::ports::TicketRecord;

/// A staff team whose queue a ticket can be in.
#[derive(Debug, Clone, PartialEq)]
pub struct Department {
    pub key: String,
    pub label: Localized,
    /// Where the department hears of its new tickets and of replies nobody owns
    /// (instead of `mail.support_address`); `None`: the support address.
    pub address: Option<Email>,
    /// Its staff, by login ID.
    pub members: Vec<Email>,
    /// Whether its members see only the tickets in its queue (and those of their other
    /// departments): `only_own_queue: true`.
    pub only_own_queue: bool,
}

/// What a rule matches: every list given must contain the ticket's value (an empty
/// list matches anything).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Match {
    pub companies: Vec<String>,
    pub products: Vec<String>,
    pub services: Vec<String>,
    pub ticket_types: Vec<String>,
    pub priorities: Vec<String>,
    /// Contract numbers (the `contract_number` field, as the customer typed it).
    pub contracts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub when: Match,
    pub department: Option<String>,
    /// A staff user's login ID (resolved when a ticket matches).
    pub owner: Option<Email>,
    /// The rule's line in the file, named in the ticket's history.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    pub departments: Vec<Department>,
    /// In order: the first rule that matches a new ticket decides.
    pub rules: Vec<Rule>,
}

impl Assignment {
    pub fn department(&self, key: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.key == key)
    }

    /// The queues a staff member (by login ID) is limited to: the departments they are
    /// a member of, if one of them sees only its own queue (`None`: every ticket).
    pub fn queues_of(&self, login: &str) -> Option<Vec<String>> {
        let member_of: Vec<&Department> = self
            .departments
            .iter()
            .filter(|d| {
                d.members
                    .iter()
                    .any(|m| m.as_str().eq_ignore_ascii_case(login))
            })
            .collect();
        member_of
            .iter()
            .any(|d| d.only_own_queue)
            .then(|| member_of.iter().map(|d| d.key.clone()).collect())
    }

    /// The first rule matching a new ticket, if any.
    pub fn rule_for(&self, t: &TicketRecord) -> Option<&Rule> {
        self.rules.iter().find(|r| r.when.matches(t))
    }
}

impl Match {
    pub fn matches(&self, t: &TicketRecord) -> bool {
        let within = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x == v))
        };
        within(&self.companies, Some(&t.company_id))
            && within(&self.products, t.product.as_deref())
            && within(&self.services, t.service.as_deref())
            && within(&self.ticket_types, t.ticket_type.as_deref())
            && within(&self.priorities, Some(&t.priority))
            && within(
                &self.contracts,
                t.fields
                    .get(crate::app::tickets::CONTRACT_FIELD)
                    .map(String::as_str),
            )
    }
}

pub const KEYS: &[&str] = &["departments", "rules"];

const RULE_KEYS: &[&str] = &[
    "companies",
    "products",
    "services",
    "ticket_types",
    "priorities",
    "contracts",
    "department",
    "owner",
];

/// Reads `assignment:`; `form` (when it read) checks the product, service, type and
/// priority keys the rules name.
pub fn read(f: &mut Fields<'_>, form: Option<&TicketForm>) -> Assignment {
    let departments = f.map_list_with(
        "departments",
        &["key", "label", "address", "members", "only_own_queue"],
        |d| {
            let key = d.req_str("key");
            let label = d.localized("label", true);
            let address = d.str("address").and_then(|a| match Email::parse(&a) {
                Ok(e) => Some(e),
                Err(_) => {
                    d.error_on("address", format!("'{a}' is not an e-mail address"));
                    None
                }
            });
            let mut members = Vec::new();
            for (m, line) in d.str_list("members") {
                match Email::parse(&m) {
                    Ok(e) => members.push(e),
                    Err(_) => d.error_at(
                        line,
                        "members",
                        format!("'{m}' is not a login ID (a staff user's e-mail address)"),
                    ),
                }
            }
            let only_own_queue = d.bool("only_own_queue").unwrap_or(false);
            if only_own_queue && members.is_empty() {
                d.error_on(
                    "only_own_queue",
                    "is true but the department has no members",
                );
            }
            Some(Department {
                key: key?,
                label,
                address,
                members,
                only_own_queue,
            })
        },
    );
    for (i, d) in departments.iter().enumerate() {
        if departments[..i].iter().any(|x| x.key == d.key) {
            f.error_on(
                "departments",
                format!("'{}' is used twice in departments", d.key),
            );
        }
    }
    let rules = f.map_list_with("rules", RULE_KEYS, |r| {
        let line = r.line();
        let list = |r: &mut Fields<'_>, key: &str, known: Option<Vec<&str>>| {
            let items = r.str_list(key);
            if let Some(known) = known {
                for (v, at) in &items {
                    if !known.contains(&v.as_str()) {
                        r.error_at(*at, key, format!("'{v}' is not one of the form's {key}"));
                    }
                }
            }
            items.into_iter().map(|(v, _)| v).collect::<Vec<_>>()
        };
        let keys = |pick: fn(&TicketForm) -> Vec<&str>| form.map(pick);
        let when = Match {
            companies: list(r, "companies", None),
            products: list(
                r,
                "products",
                keys(|f| f.products.iter().map(|p| p.key.as_str()).collect()),
            ),
            services: list(
                r,
                "services",
                keys(|f| f.services.iter().map(|s| s.key.as_str()).collect()),
            ),
            ticket_types: list(
                r,
                "ticket_types",
                keys(|f| f.ticket_types.iter().map(|t| t.key.as_str()).collect()),
            ),
            priorities: list(
                r,
                "priorities",
                keys(|f| f.priorities.iter().map(|p| p.key.as_str()).collect()),
            ),
            contracts: list(r, "contracts", None),
        };
        let department = r.str("department");
        if let Some(d) = &department
            && !departments.iter().any(|x| &x.key == d)
        {
            r.error_on("department", format!("'{d}' is not one of the departments"));
        }
        let owner = r.str("owner").and_then(|o| match Email::parse(&o) {
            Ok(e) => Some(e),
            Err(_) => {
                r.error_on(
                    "owner",
                    format!("'{o}' is not a login ID (a staff user's e-mail address)"),
                );
                None
            }
        });
        if department.is_none() && owner.is_none() && !r.has("owner") {
            r.error_on("department", "a rule needs a department, an owner or both");
        }
        Some(Rule {
            when,
            department,
            owner,
            line,
        })
    });
    Assignment { departments, rules }
}
