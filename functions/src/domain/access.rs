//! Who may see and do what, decided per object on the server (ASVS V4.2.1). Handlers
//! ask one of the `may_*` functions and answer 404, not 403, when the answer is no, so
//! that nobody learns another company's ticket numbers. Every function says no unless a
//! rule below says yes.
//!
//! **Staff** (`Role`): agents and admins see and work every ticket, attachment and
//! contract and see every account; only admins manage contracts and accounts (companies,
//! users, groups and settings are admin work).
//!
//! **Customers** have one of four roles in their company (`CustomerRole`, seed 004 §3.1):
//!
//! | role             | tickets | quotes, contracts, invoices | add accounts |
//! |------------------|---------|-----------------------------|--------------|
//! | user admin       | yes     | yes                         | yes          |
//! | contract manager | yes     | yes                         | no           |
//! | inquiry admin    | yes     | no                          | yes          |
//! | inquiry member   | yes     | no                          | no           |
//!
//! - *Tickets:* every role sees the company's tickets, not only its own: seed 004 gives
//!   all four roles 問い合わせ対応 and narrows what they see only by project groups, never
//!   by role. Customers view, reply to and close what they see; internal notes and
//!   managing (state, priority, owner) are staff work.
//! - *Project groups* (案件, seed 004 §3.2): staff define projects for a company and link
//!   contracts (and tickets) to them; each project has one customer group, and an account
//!   may belong to several. When the company uses groups, its accounts see only the
//!   tickets and contracts of their groups' projects ("アクセス制御後は案件内の情報のみの
//!   閲覧"), whatever their role; a ticket they opened themselves stays theirs to see even
//!   outside those projects (it was theirs before it was filed under a project).
//! - *Attachments* follow the ticket and the article: whoever may view the ticket may
//!   download the attachments of the articles they may see (internal notes: staff).
//! - *Contracts* (and the quotes and invoices that will hang on them): user admins and
//!   contract managers view their company's, within their groups' projects when the
//!   company uses groups; no customer manages them.
//! - *Project documents* (customer-only pages limited to projects by their front
//!   matter): staff read them all; a customer of any role reads those of their company's
//!   projects, only their groups' projects when the company uses groups.
//! - *Accounts:* everybody views and edits their own account (profile) but never
//!   disables it or changes its role. User admins and inquiry admins view the accounts
//!   of their own company and add, edit and disable those whose role is within their own
//!   (`CustomerRole::covers`), and grant only roles within their own. Groups do not
//!   narrow account management: staff, not customers, put accounts into groups.

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    /// The customer's company; staff have none.
    pub company_id: Option<String>,
    /// The customer's role in their company (seed 004); `None` for staff. A customer
    /// without one may do nothing beyond their own profile.
    pub customer_role: Option<CustomerRole>,
    /// Whether the customer's company restricts its accounts to their groups' projects.
    pub company_uses_groups: bool,
    /// The projects whose customer groups the account belongs to. A project has exactly
    /// one customer group, so the project's id names the group too.
    pub projects: Vec<String>,
    /// Staff of departments that see only their own queues: those departments (a ticket
    /// in none of them is not theirs to see). `None`: every ticket, as staff always did.
    pub queues: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A person at a customer company.
    Customer,
    /// Support staff.
    Agent,
    /// Staff who also manage accounts and settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Customer, Role::Agent, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A customer account's role in its company (seed 004 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomerRole {
    /// ユーザー管理者: everything, and adds accounts.
    UserAdmin,
    /// 契約担当者: tickets and contracts; adds no accounts.
    ContractManager,
    /// 問い合わせ管理者: tickets, and adds accounts; no contracts.
    InquiryAdmin,
    /// 問い合わせ担当者: tickets only.
    InquiryMember,
}

impl CustomerRole {
    pub const ALL: [CustomerRole; 4] = [
        CustomerRole::UserAdmin,
        CustomerRole::ContractManager,
        CustomerRole::InquiryAdmin,
        CustomerRole::InquiryMember,
    ];

    /// The stable id in the store, the API and CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerRole::UserAdmin => "user_admin",
            CustomerRole::ContractManager => "contract_manager",
            CustomerRole::InquiryAdmin => "inquiry_admin",
            CustomerRole::InquiryMember => "inquiry_member",
        }
    }

    pub fn parse(s: &str) -> Option<CustomerRole> {
        CustomerRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Sees quotes, contracts and invoices (見積・契約情報参照).
    pub fn sees_contracts(self) -> bool {
        matches!(
            self,
            CustomerRole::UserAdmin | CustomerRole::ContractManager
        )
    }

    /// Adds, edits and disables accounts of the company (アカウント追加).
    pub fn manages_accounts(self) -> bool {
        matches!(self, CustomerRole::UserAdmin | CustomerRole::InquiryAdmin)
    }

    /// Whether `other` is within this role: every right `other` has, this one has too.
    /// The order is partial: a user admin covers every role; a contract manager and an
    /// inquiry admin cover themselves and the inquiry member, not each other. An account
    /// manager may grant, and manage the holders of, only roles their own covers — an
    /// inquiry admin can never make anybody a contract manager or a user admin.
    pub fn covers(self, other: CustomerRole) -> bool {
        (self.sees_contracts() || !other.sees_contracts())
            && (self.manages_accounts() || !other.manages_accounts())
    }
}

impl Actor {
    /// Today's actors: staff, or a customer with company-wide rights and no project
    /// groups (a user admin), as every account was before roles and groups existed.
    pub fn new(user_id: impl Into<String>, role: Role, company_id: Option<String>) -> Actor {
        Actor {
            user_id: user_id.into(),
            role,
            customer_role: (role == Role::Customer).then_some(CustomerRole::UserAdmin),
            company_id,
            company_uses_groups: false,
            projects: Vec::new(),
            queues: None,
        }
    }

    /// A customer of `company_id` with `role`, in a company without project groups.
    pub fn customer(
        user_id: impl Into<String>,
        company_id: impl Into<String>,
        role: CustomerRole,
    ) -> Actor {
        Actor {
            customer_role: Some(role),
            ..Actor::new(user_id, Role::Customer, Some(company_id.into()))
        }
    }

    /// The same customer in a company that uses project groups, as a member of the
    /// groups of `projects` (none: they see only their own tickets).
    pub fn in_groups<S: Into<String>>(self, projects: impl IntoIterator<Item = S>) -> Actor {
        Actor {
            company_uses_groups: true,
            projects: projects.into_iter().map(Into::into).collect(),
            ..self
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Agent | Role::Admin)
    }

    /// The customer role of a customer with a company (`None` for staff and for
    /// customers missing either, who then may do nothing with company data).
    fn customer_in(&self, company_id: &str) -> Option<CustomerRole> {
        let own = self.role == Role::Customer
            && self
                .company_id
                .as_deref()
                .is_some_and(|c| !c.is_empty() && c == company_id);
        own.then_some(self.customer_role).flatten()
    }

    /// Whether a staff member sees tickets of `department`: all, unless they belong to
    /// departments that see only their own queues.
    pub fn in_queue(&self, department: Option<&str>) -> bool {
        match &self.queues {
            None => true,
            Some(own) => department.is_some_and(|d| own.iter().any(|q| q == d)),
        }
    }

    /// Whether the groups let this customer see data of `project` (`None`: none).
    fn in_project(&self, project: Option<&str>) -> bool {
        !self.company_uses_groups || project.is_some_and(|p| self.projects.iter().any(|m| m == p))
    }
}

/// What access decisions need to know about a ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketAccess<'a> {
    pub requester_id: &'a str,
    pub company_id: &'a str,
    /// The project (案件) the ticket is filed under, if any.
    pub project_id: Option<&'a str>,
    /// The department whose queue the ticket is in, if any.
    pub department: Option<&'a str>,
}

/// Things one can do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// See the ticket and its public articles.
    View,
    /// Write a public article (customer reply, staff answer).
    Reply,
    /// Close it.
    Close,
    /// See and write internal notes.
    InternalNotes,
    /// Change state, priority and owner directly.
    Manage,
}

impl Verb {
    pub const ALL: [Verb; 5] = [
        Verb::View,
        Verb::Reply,
        Verb::Close,
        Verb::InternalNotes,
        Verb::Manage,
    ];
}

/// Staff may do everything to every ticket; a customer may view, reply to and close the
/// tickets they see (see the module's doc), and nothing else.
pub fn may_ticket(actor: &Actor, verb: Verb, ticket: &TicketAccess<'_>) -> bool {
    if actor.is_staff() {
        return actor.in_queue(ticket.department);
    }
    match verb {
        Verb::View | Verb::Reply | Verb::Close => sees_ticket(actor, ticket),
        Verb::InternalNotes | Verb::Manage => false,
    }
}

fn sees_ticket(actor: &Actor, ticket: &TicketAccess<'_>) -> bool {
    actor.customer_in(ticket.company_id).is_some()
        && (ticket.requester_id == actor.user_id || actor.in_project(ticket.project_id))
}

/// Whether an article is shown to `actor`: internal notes only to staff.
pub fn may_see_article(actor: &Actor, internal: bool) -> bool {
    !internal || actor.is_staff()
}

/// An attachment: the ticket it belongs to, and whether its article is an internal note.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentAccess<'a> {
    pub ticket: TicketAccess<'a>,
    pub internal: bool,
}

/// Things one can do to an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachmentVerb {
    Download,
}

/// Downloading follows the ticket (`View`) and the article (`may_see_article`).
pub fn may_attachment(actor: &Actor, verb: AttachmentVerb, file: &AttachmentAccess<'_>) -> bool {
    match verb {
        AttachmentVerb::Download => {
            may_ticket(actor, Verb::View, &file.ticket) && may_see_article(actor, file.internal)
        }
    }
}

/// What access decisions need to know about a contract.
#[derive(Debug, Clone, Copy)]
pub struct ContractAccess<'a> {
    pub company_id: &'a str,
    /// The projects the contract is linked to (a project may have several contracts,
    /// a contract may serve several projects).
    pub project_ids: &'a [&'a str],
}

/// Things one can do to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractVerb {
    View,
    /// Create, change, link to projects, end.
    Manage,
}

impl ContractVerb {
    pub const ALL: [ContractVerb; 2] = [ContractVerb::View, ContractVerb::Manage];
}

/// Staff view every contract and admins manage them; user admins and contract managers
/// view their company's, within their groups' projects when the company uses groups.
pub fn may_contract(actor: &Actor, verb: ContractVerb, contract: &ContractAccess<'_>) -> bool {
    match (actor.role, verb) {
        (Role::Admin, _) | (Role::Agent, ContractVerb::View) => true,
        (Role::Agent, ContractVerb::Manage) => false,
        (Role::Customer, ContractVerb::View) => {
            actor
                .customer_in(contract.company_id)
                .is_some_and(CustomerRole::sees_contracts)
                && (!actor.company_uses_groups
                    || contract
                        .project_ids
                        .iter()
                        .any(|p| actor.in_project(Some(p))))
        }
        (Role::Customer, ContractVerb::Manage) => false,
    }
}

/// A project a document is limited to, with the company the project belongs to (from
/// the store: the page names only the project).
#[derive(Debug, Clone, Copy)]
pub struct DocumentProject<'a> {
    pub project_id: &'a str,
    pub company_id: &'a str,
}

/// What access decisions need to know about a project document (a customer-only page
/// limited to projects by its front matter): its projects that exist.
#[derive(Debug, Clone, Copy)]
pub struct DocumentAccess<'a> {
    pub projects: &'a [DocumentProject<'a>],
}

/// Staff read every project document; a customer with a role reads one when one of its
/// projects is their company's and, when the company uses groups, they are in that
/// project's group. A document of no known project is staff-only.
pub fn may_document(actor: &Actor, doc: &DocumentAccess<'_>) -> bool {
    actor.is_staff()
        || doc.projects.iter().any(|p| {
            actor.customer_in(p.company_id).is_some() && actor.in_project(Some(p.project_id))
        })
}

/// What access decisions need to know about an account (the one to be created, for
/// `Create`).
#[derive(Debug, Clone, Copy)]
pub struct UserAccess<'a> {
    pub user_id: &'a str,
    /// The account's company; staff have none.
    pub company_id: Option<&'a str>,
    pub role: Role,
    /// The account's customer role; `None` for staff.
    pub customer_role: Option<CustomerRole>,
}

/// Things one can do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserVerb {
    View,
    Create,
    /// Name, language, e-mail address (not the role).
    Edit,
    Disable,
    /// Give the account this customer role.
    GrantRole(CustomerRole),
}

impl UserVerb {
    pub const ALL: [UserVerb; 8] = [
        UserVerb::View,
        UserVerb::Create,
        UserVerb::Edit,
        UserVerb::Disable,
        UserVerb::GrantRole(CustomerRole::UserAdmin),
        UserVerb::GrantRole(CustomerRole::ContractManager),
        UserVerb::GrantRole(CustomerRole::InquiryAdmin),
        UserVerb::GrantRole(CustomerRole::InquiryMember),
    ];
}

/// Companies, their projects and groups switch: admin staff only.
pub fn may_manage_companies(actor: &Actor) -> bool {
    actor.role == Role::Admin
}

/// See the module's doc: admins do everything to other accounts, agents view them,
/// account managers of a company handle the accounts within their role, and everybody
/// views and edits their own.
pub fn may_user(actor: &Actor, verb: UserVerb, user: &UserAccess<'_>) -> bool {
    if user.user_id == actor.user_id {
        return matches!(verb, UserVerb::View | UserVerb::Edit);
    }
    let grant = matches!(verb, UserVerb::GrantRole(_));
    match actor.role {
        // Customer roles are for customer accounts only.
        Role::Admin => !grant || user.role == Role::Customer,
        Role::Agent => verb == UserVerb::View,
        Role::Customer => {
            let Some(own) = user
                .company_id
                .filter(|_| user.role == Role::Customer)
                .and_then(|c| actor.customer_in(c))
                .filter(|r| r.manages_accounts())
            else {
                return false;
            };
            let within = user.customer_role.is_some_and(|r| own.covers(r));
            match verb {
                UserVerb::View => true,
                UserVerb::Create | UserVerb::Edit | UserVerb::Disable => within,
                UserVerb::GrantRole(r) => within && own.covers(r),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerRole::*;

    fn actor(role: Role, company: Option<&str>) -> Actor {
        Actor::new("u1", role, company.map(str::to_owned))
    }

    /// Today's customers (`Actor::new`): company-wide, as before roles and groups.
    #[test]
    fn the_access_matrix_allows_exactly_what_it_says() {
        use Verb::*;
        let own = TicketAccess {
            requester_id: "u1",
            company_id: "acme",
            project_id: None,
            department: None,
        };
        let colleague = TicketAccess {
            requester_id: "u2",
            company_id: "acme",
            project_id: Some("p1"),
            department: None,
        };
        let other = TicketAccess {
            requester_id: "u9",
            company_id: "globex",
            project_id: None,
            department: None,
        };
        #[rustfmt::skip]
        let table: &[(Role, &TicketAccess, [bool; 5])] = &[
            //                                    View   Reply  Close  Notes  Manage
            (Role::Customer, &own,               [true,  true,  true,  false, false]),
            (Role::Customer, &colleague,         [true,  true,  true,  false, false]),
            (Role::Customer, &other,             [false, false, false, false, false]),
            (Role::Agent,    &other,             [true,  true,  true,  true,  true ]),
            (Role::Admin,    &other,             [true,  true,  true,  true,  true ]),
        ];
        for (role, ticket, expected) in table {
            let company = (*role == Role::Customer).then_some("acme");
            for (verb, want) in [View, Reply, Close, InternalNotes, Manage]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(
                    may_ticket(&actor(*role, company), verb, ticket),
                    *want,
                    "{role:?} {verb:?} {ticket:?}"
                );
            }
        }
    }

    #[test]
    fn a_customer_without_a_company_sees_no_ticket() {
        let t = TicketAccess {
            requester_id: "u1",
            company_id: "",
            project_id: None,
            department: None,
        };
        assert!(!may_ticket(&actor(Role::Customer, None), Verb::View, &t));
        assert!(!may_ticket(
            &actor(Role::Customer, Some("")),
            Verb::View,
            &t
        ));
    }

    #[test]
    fn internal_notes_are_for_staff_only() {
        assert!(!may_see_article(&actor(Role::Customer, Some("acme")), true));
        assert!(may_see_article(&actor(Role::Customer, Some("acme")), false));
        assert!(may_see_article(&actor(Role::Agent, None), true));
    }

    #[test]
    fn role_ids_are_stable_snake_case() {
        for r in CustomerRole::ALL {
            assert_eq!(CustomerRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(CustomerRole::parse("user_admin"), Some(UserAdmin));
        assert_eq!(CustomerRole::parse("inquiry_member"), Some(InquiryMember));
        assert_eq!(CustomerRole::parse("UserAdmin"), None);
        assert_eq!(CustomerRole::parse("admin"), None);
    }

    /// The partial order of "never above their own", written out.
    #[test]
    fn roles_cover_exactly_the_roles_with_fewer_rights() {
        #[rustfmt::skip]
        let table: &[(CustomerRole, [bool; 4])] = &[
            //                  covers: UserAdmin ContractMgr InquiryAdmin InquiryMember
            (UserAdmin,               [true,     true,       true,        true ]),
            (ContractManager,         [false,    true,       false,       true ]),
            (InquiryAdmin,            [false,    false,      true,        true ]),
            (InquiryMember,           [false,    false,      false,       true ]),
        ];
        for (role, row) in table {
            for (other, want) in CustomerRole::ALL.into_iter().zip(row) {
                assert_eq!(role.covers(other), *want, "{role:?} covers {other:?}");
            }
        }
    }

    // ---- The matrix: role × group × company × object × verb ----

    /// Who asks: the four customer roles (of `acme`, which uses groups, in project p1's
    /// group) and the two staff roles.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Who {
        UA,
        CM,
        IA,
        IM,
        Agent,
        Admin,
    }

    const WHO: [Who; 6] = [Who::UA, Who::CM, Who::IA, Who::IM, Who::Agent, Who::Admin];

    /// What is asked about. `Note` is an attachment of an internal note.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Object {
        Ticket,
        File,
        Note,
        Contract,
        User,
    }

    const OBJECTS: [Object; 5] = [
        Object::Ticket,
        Object::File,
        Object::Note,
        Object::Contract,
        Object::User,
    ];

    /// The verbs of each object, in the order of the table's letters.
    fn verbs(object: Object) -> usize {
        match object {
            Object::Ticket => Verb::ALL.len(),
            Object::File | Object::Note => 1,
            Object::Contract => ContractVerb::ALL.len(),
            Object::User => UserVerb::ALL.len(),
        }
    }

    fn who(w: Who) -> Actor {
        let customer = |role| Actor::customer("u1", "acme", role).in_groups(["p1"]);
        match w {
            Who::UA => customer(UserAdmin),
            Who::CM => customer(ContractManager),
            Who::IA => customer(InquiryAdmin),
            Who::IM => customer(InquiryMember),
            Who::Agent => Actor::new("s1", Role::Agent, None),
            Who::Admin => Actor::new("s2", Role::Admin, None),
        }
    }

    /// Each verb of `object` in group `project` of `company`, asked by `actor`: the
    /// ticket is a colleague's, the account an inquiry member's.
    fn answers(actor: &Actor, object: Object, company: &str, project: &str) -> Vec<bool> {
        let ticket = TicketAccess {
            requester_id: "u2",
            company_id: company,
            project_id: Some(project),
            department: None,
        };
        let projects = [project];
        let contract = ContractAccess {
            company_id: company,
            project_ids: &projects,
        };
        let user = UserAccess {
            user_id: "u3",
            company_id: Some(company),
            role: Role::Customer,
            customer_role: Some(InquiryMember),
        };
        let file = |internal| {
            vec![may_attachment(
                actor,
                AttachmentVerb::Download,
                &AttachmentAccess { ticket, internal },
            )]
        };
        match object {
            Object::Ticket => Verb::ALL
                .into_iter()
                .map(|v| may_ticket(actor, v, &ticket))
                .collect(),
            Object::File => file(false),
            Object::Note => file(true),
            Object::Contract => ContractVerb::ALL
                .into_iter()
                .map(|v| may_contract(actor, v, &contract))
                .collect(),
            Object::User => UserVerb::ALL
                .into_iter()
                .map(|v| may_user(actor, v, &user))
                .collect(),
        }
    }

    /// The access matrix. Letters: `Y` allowed, `-` refused, one per verb:
    /// - Ticket:   View Reply Close InternalNotes Manage
    /// - File:     Download (an attachment of a public article)
    /// - Note:     Download (an attachment of an internal note)
    /// - Contract: View Manage
    /// - User:     View Create Edit Disable Grant(UA) Grant(CM) Grant(IA) Grant(IM)
    ///
    /// Columns: the object in the asker's group (project p1) or another (p2), of the
    /// asker's company (acme) or another (globex). Staff have neither.
    #[test]
    fn the_role_group_company_matrix_allows_exactly_what_it_says() {
        use Object::*;
        #[rustfmt::skip]
        let table: &[(Who, Object, [&str; 4])] = &[
            //                    own group    other group  own group    other group
            //                    own company  own company  other co.    other co.
            (Who::UA,    Ticket,   ["YYY--",    "-----",     "-----",     "-----"   ]),
            (Who::UA,    File,     ["Y",        "-",         "-",         "-"       ]),
            (Who::UA,    Note,     ["-",        "-",         "-",         "-"       ]),
            (Who::UA,    Contract, ["Y-",       "--",        "--",        "--"      ]),
            (Who::UA,    User,     ["YYYYYYYY", "YYYYYYYY",  "--------",  "--------"]),
            (Who::CM,    Ticket,   ["YYY--",    "-----",     "-----",     "-----"   ]),
            (Who::CM,    File,     ["Y",        "-",         "-",         "-"       ]),
            (Who::CM,    Note,     ["-",        "-",         "-",         "-"       ]),
            (Who::CM,    Contract, ["Y-",       "--",        "--",        "--"      ]),
            (Who::CM,    User,     ["--------", "--------",  "--------",  "--------"]),
            (Who::IA,    Ticket,   ["YYY--",    "-----",     "-----",     "-----"   ]),
            (Who::IA,    File,     ["Y",        "-",         "-",         "-"       ]),
            (Who::IA,    Note,     ["-",        "-",         "-",         "-"       ]),
            (Who::IA,    Contract, ["--",       "--",        "--",        "--"      ]),
            (Who::IA,    User,     ["YYYY--YY", "YYYY--YY",  "--------",  "--------"]),
            (Who::IM,    Ticket,   ["YYY--",    "-----",     "-----",     "-----"   ]),
            (Who::IM,    File,     ["Y",        "-",         "-",         "-"       ]),
            (Who::IM,    Note,     ["-",        "-",         "-",         "-"       ]),
            (Who::IM,    Contract, ["--",       "--",        "--",        "--"      ]),
            (Who::IM,    User,     ["--------", "--------",  "--------",  "--------"]),
            (Who::Agent, Ticket,   ["YYYYY",    "YYYYY",     "YYYYY",     "YYYYY"   ]),
            (Who::Agent, File,     ["Y",        "Y",         "Y",         "Y"       ]),
            (Who::Agent, Note,     ["Y",        "Y",         "Y",         "Y"       ]),
            (Who::Agent, Contract, ["Y-",       "Y-",        "Y-",        "Y-"      ]),
            (Who::Agent, User,     ["Y-------", "Y-------",  "Y-------",  "Y-------"]),
            (Who::Admin, Ticket,   ["YYYYY",    "YYYYY",     "YYYYY",     "YYYYY"   ]),
            (Who::Admin, File,     ["Y",        "Y",         "Y",         "Y"       ]),
            (Who::Admin, Note,     ["Y",        "Y",         "Y",         "Y"       ]),
            (Who::Admin, Contract, ["YY",       "YY",        "YY",        "YY"      ]),
            (Who::Admin, User,     ["YYYYYYYY", "YYYYYYYY",  "YYYYYYYY",  "YYYYYYYY"]),
        ];
        const PLACES: [(&str, &str); 4] = [
            ("p1", "acme"),
            ("p2", "acme"),
            ("p1", "globex"),
            ("p2", "globex"),
        ];

        // No silent gaps: every asker with every object once, a letter for every verb.
        for w in WHO {
            for o in OBJECTS {
                let rows: Vec<_> = table.iter().filter(|r| r.0 == w && r.1 == o).collect();
                assert_eq!(rows.len(), 1, "{w:?} × {o:?} must be in the table once");
                for cell in rows[0].2 {
                    assert_eq!(cell.len(), verbs(o), "{w:?} × {o:?}: {cell:?}");
                    assert!(cell.chars().all(|c| c == 'Y' || c == '-'), "{cell:?}");
                }
            }
        }
        assert_eq!(table.len(), WHO.len() * OBJECTS.len());

        let (mut unexpected_allows, mut unexpected_denies) = (Vec::new(), Vec::new());
        let mut decisions = 0;
        for (w, object, cells) in table {
            let actor = who(*w);
            for (cell, (project, company)) in cells.iter().zip(PLACES) {
                let got = answers(&actor, *object, company, project);
                for (i, (want, got)) in cell.chars().map(|c| c == 'Y').zip(got).enumerate() {
                    decisions += 1;
                    let at = format!("{w:?} {object:?} verb #{i} in {project}/{company}");
                    match (want, got) {
                        (false, true) => unexpected_allows.push(at),
                        (true, false) => unexpected_denies.push(at),
                        _ => {}
                    }
                }
            }
        }
        assert_eq!(decisions, 6 * 4 * (5 + 1 + 1 + 2 + 8));
        assert_eq!(unexpected_allows, Vec::<String>::new(), "unexpected allows");
        assert_eq!(unexpected_denies, Vec::<String>::new(), "unexpected denies");
    }

    #[test]
    fn without_groups_every_customer_role_sees_the_company_tickets_and_its_contract_roles_the_contracts()
     {
        let colleague = TicketAccess {
            requester_id: "u2",
            company_id: "acme",
            project_id: Some("p9"),
            department: None,
        };
        let unfiled = TicketAccess {
            project_id: None,
            department: None,
            ..colleague
        };
        let contract = ContractAccess {
            company_id: "acme",
            project_ids: &[],
        };
        for role in CustomerRole::ALL {
            let a = Actor::customer("u1", "acme", role);
            assert!(may_ticket(&a, Verb::View, &colleague), "{role:?}");
            assert!(may_ticket(&a, Verb::Reply, &unfiled), "{role:?}");
            assert_eq!(
                may_contract(&a, ContractVerb::View, &contract),
                role.sees_contracts(),
                "{role:?}"
            );
        }
    }

    #[test]
    fn with_groups_a_customer_sees_their_own_tickets_anywhere_and_others_only_in_their_projects() {
        let a = Actor::customer("u1", "acme", InquiryMember).in_groups(["p1", "p3"]);
        let t = |requester, project| TicketAccess {
            requester_id: requester,
            company_id: "acme",
            project_id: project,
            department: None,
        };
        assert!(may_ticket(&a, Verb::View, &t("u1", None)));
        assert!(may_ticket(&a, Verb::Close, &t("u1", Some("p2"))));
        assert!(may_ticket(&a, Verb::View, &t("u2", Some("p3"))));
        assert!(!may_ticket(&a, Verb::View, &t("u2", Some("p2"))));
        assert!(!may_ticket(&a, Verb::View, &t("u2", None)));
        let nowhere = Actor::customer("u1", "acme", UserAdmin).in_groups(Vec::<String>::new());
        assert!(!may_ticket(&nowhere, Verb::View, &t("u2", Some("p1"))));
        assert!(may_ticket(&nowhere, Verb::View, &t("u1", Some("p1"))));
        // Their own ticket in another company (moved accounts) stays closed.
        let elsewhere = TicketAccess {
            company_id: "globex",
            ..t("u1", None)
        };
        assert!(!may_ticket(&a, Verb::View, &elsewhere));
    }

    #[test]
    fn a_contract_of_several_projects_is_seen_from_any_of_them() {
        let a = Actor::customer("u1", "acme", ContractManager).in_groups(["p2"]);
        let linked = |ids| ContractAccess {
            company_id: "acme",
            project_ids: ids,
        };
        assert!(may_contract(&a, ContractVerb::View, &linked(&["p1", "p2"])));
        assert!(!may_contract(&a, ContractVerb::View, &linked(&["p1"])));
        assert!(!may_contract(&a, ContractVerb::View, &linked(&[])));
        assert!(!may_contract(&a, ContractVerb::Manage, &linked(&["p2"])));
    }

    #[test]
    fn a_project_document_is_read_by_staff_and_the_project_company_within_its_groups() {
        let of = |project_id, company_id| DocumentProject {
            project_id,
            company_id,
        };
        let net = [of("p1", "acme")];
        let doc = DocumentAccess { projects: &net };
        let staff = [
            Actor::new("s1", Role::Agent, None),
            Actor::new("s2", Role::Admin, None),
        ];
        for a in &staff {
            assert!(may_document(a, &doc), "{a:?}");
            assert!(may_document(a, &DocumentAccess { projects: &[] }), "{a:?}");
        }
        #[rustfmt::skip]
        let table: &[(&str, Actor, bool)] = &[
            ("in the project's group", Actor::customer("u1", "acme", InquiryMember).in_groups(["p1"]), true),
            ("in another group of the company", Actor::customer("u1", "acme", UserAdmin).in_groups(["p2"]), false),
            ("in no group", Actor::customer("u1", "acme", UserAdmin).in_groups(Vec::<String>::new()), false),
            ("company without groups", Actor::customer("u1", "acme", InquiryMember), true),
            ("other company", Actor::customer("u1", "globex", UserAdmin), false),
            ("other company, same project id in its groups", Actor::customer("u1", "globex", UserAdmin).in_groups(["p1"]), false),
            ("no customer role", Actor { customer_role: None, ..Actor::customer("u1", "acme", UserAdmin) }, false),
            ("no company", Actor { company_id: None, ..Actor::customer("u1", "acme", UserAdmin) }, false),
        ];
        for (case, actor, want) in table {
            assert_eq!(may_document(actor, &doc), *want, "{case}");
        }
        // Every customer role reads the same documents: groups narrow, roles do not.
        for role in CustomerRole::ALL {
            assert!(
                may_document(&Actor::customer("u1", "acme", role), &doc),
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_document_of_several_projects_is_read_from_any_of_them_and_one_of_no_known_project_by_staff_only()
     {
        let two = [
            DocumentProject {
                project_id: "p1",
                company_id: "acme",
            },
            DocumentProject {
                project_id: "g1",
                company_id: "globex",
            },
        ];
        let doc = DocumentAccess { projects: &two };
        assert!(may_document(
            &Actor::customer("u1", "acme", InquiryMember).in_groups(["p1"]),
            &doc
        ));
        assert!(may_document(
            &Actor::customer("u2", "globex", InquiryMember),
            &doc
        ));
        assert!(!may_document(
            &Actor::customer("u3", "initech", UserAdmin),
            &doc
        ));
        let unknown = DocumentAccess { projects: &[] };
        assert!(!may_document(
            &Actor::customer("u1", "acme", UserAdmin),
            &unknown
        ));
    }

    #[test]
    fn account_managers_never_act_above_their_own_role() {
        let account = |role| UserAccess {
            user_id: "u2",
            company_id: Some("acme"),
            role: Role::Customer,
            customer_role: Some(role),
        };
        // (manager, the account's role) → may create, edit and disable it.
        #[rustfmt::skip]
        let table: &[(CustomerRole, [bool; 4])] = &[
            //                  account: UserAdmin ContractMgr InquiryAdmin InquiryMember
            (UserAdmin,                 [true,     true,       true,        true ]),
            (InquiryAdmin,              [false,    false,      true,        true ]),
        ];
        for (manager, row) in table {
            let a = Actor::customer("u1", "acme", *manager);
            for (role, want) in CustomerRole::ALL.into_iter().zip(row) {
                for verb in [UserVerb::Create, UserVerb::Edit, UserVerb::Disable] {
                    assert_eq!(
                        may_user(&a, verb, &account(role)),
                        *want,
                        "{manager:?} {verb:?} {role:?}"
                    );
                }
                // Seeing the account list is not acting on it.
                assert!(may_user(&a, UserVerb::View, &account(role)));
            }
        }
        // An inquiry admin may not demote a user admin, even to a role it may grant.
        let ia = Actor::customer("u1", "acme", InquiryAdmin);
        let grant_im = UserVerb::GrantRole(InquiryMember);
        assert!(!may_user(&ia, grant_im, &account(UserAdmin)));
        assert!(may_user(&ia, grant_im, &account(InquiryAdmin)));
    }

    #[test]
    fn nobody_raises_or_disables_their_own_account_but_everybody_edits_it() {
        for a in [
            Actor::customer("u1", "acme", UserAdmin),
            Actor::customer("u1", "acme", InquiryMember),
            Actor::new("u1", Role::Admin, None),
        ] {
            let me = UserAccess {
                user_id: "u1",
                company_id: a.company_id.as_deref(),
                role: a.role,
                customer_role: a.customer_role,
            };
            assert!(may_user(&a, UserVerb::View, &me));
            assert!(may_user(&a, UserVerb::Edit, &me));
            assert!(!may_user(&a, UserVerb::Disable, &me));
            for r in CustomerRole::ALL {
                assert!(!may_user(&a, UserVerb::GrantRole(r), &me), "{a:?} {r:?}");
            }
        }
    }

    #[test]
    fn customers_never_touch_staff_accounts_and_a_missing_role_allows_nothing() {
        let agent = UserAccess {
            user_id: "s1",
            company_id: None,
            role: Role::Agent,
            customer_role: None,
        };
        let ua = Actor::customer("u1", "acme", UserAdmin);
        for verb in UserVerb::ALL {
            assert!(!may_user(&ua, verb, &agent), "{verb:?}");
        }
        // Not even an admin gives a staff account a customer role.
        let admin = Actor::new("s2", Role::Admin, None);
        assert!(may_user(&admin, UserVerb::Disable, &agent));
        assert!(!may_user(
            &admin,
            UserVerb::GrantRole(InquiryMember),
            &agent
        ));
        let no_role = Actor {
            customer_role: None,
            ..Actor::customer("u1", "acme", UserAdmin)
        };
        let colleague = UserAccess {
            user_id: "u2",
            company_id: Some("acme"),
            role: Role::Customer,
            customer_role: Some(InquiryMember),
        };
        let ticket = TicketAccess {
            requester_id: "u1",
            company_id: "acme",
            project_id: None,
            department: None,
        };
        let contract = ContractAccess {
            company_id: "acme",
            project_ids: &[],
        };
        assert!(!may_ticket(&no_role, Verb::View, &ticket));
        assert!(!may_contract(&no_role, ContractVerb::View, &contract));
        for verb in UserVerb::ALL {
            assert!(!may_user(&no_role, verb, &colleague), "{verb:?}");
        }
        // An account without a customer role is above everybody's.
        let unknown = UserAccess {
            customer_role: None,
            ..colleague
        };
        assert!(!may_user(&ua, UserVerb::Disable, &unknown));
    }

    #[test]
    fn todays_customers_act_as_user_admins_without_groups() {
        let a = actor(Role::Customer, Some("acme"));
        assert_eq!(a.customer_role, Some(UserAdmin));
        assert!(!a.company_uses_groups && a.projects.is_empty());
        assert_eq!(actor(Role::Agent, None).customer_role, None);
    }

    #[test]
    fn staff_limited_to_their_queues_see_only_those_tickets() {
        let t = |department| TicketAccess {
            requester_id: "u1",
            company_id: "acme",
            project_id: None,
            department,
        };
        let everyone = Actor::new("s1", Role::Agent, None);
        let limited = Actor {
            queues: Some(vec!["network".into(), "cloud".into()]),
            ..Actor::new("s2", Role::Agent, None)
        };
        for verb in [Verb::View, Verb::Reply, Verb::InternalNotes, Verb::Manage] {
            assert!(may_ticket(&everyone, verb, &t(None)));
            assert!(may_ticket(&limited, verb, &t(Some("cloud"))));
            assert!(!may_ticket(&limited, verb, &t(Some("sales"))));
            assert!(
                !may_ticket(&limited, verb, &t(None)),
                "a ticket in no queue"
            );
        }
    }
}
