//! Who may see and do what, decided per object on the server (ASVS V4.2.1). Handlers
//! ask `may` and answer 404, not 403, when the answer is no, so that nobody learns
//! another company's ticket numbers.

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    /// The customer's company; staff have none.
    pub company_id: Option<String>,
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

impl Actor {
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Agent | Role::Admin)
    }
}

/// What access decisions need to know about a ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketAccess<'a> {
    pub requester_id: &'a str,
    pub company_id: &'a str,
}

/// Things one can do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// See the ticket, its public articles and download their attachments.
    View,
    /// Write a public article (customer reply, staff answer).
    Reply,
    /// Close it (customers close their own; staff any).
    Close,
    /// See and write internal notes.
    InternalNotes,
    /// Change state, priority and owner directly.
    Manage,
}

/// The one rule: staff may do everything to every ticket; a customer may view, reply to
/// and close the tickets of their own company (company-wide visibility, seed 000's
/// "company tickets"; finer roles and groups narrow this later), and nothing else.
pub fn may(actor: &Actor, verb: Verb, ticket: &TicketAccess<'_>) -> bool {
    if actor.is_staff() {
        return true;
    }
    let same_company = actor.company_id.as_deref() == Some(ticket.company_id);
    match verb {
        Verb::View | Verb::Reply | Verb::Close => same_company,
        Verb::InternalNotes | Verb::Manage => false,
    }
}

/// Whether an article is shown to `actor`: internal notes only to staff.
pub fn may_see_article(actor: &Actor, internal: bool) -> bool {
    !internal || actor.is_staff()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, company: Option<&str>) -> Actor {
        Actor {
            user_id: "u1".into(),
            role,
            company_id: company.map(str::to_owned),
        }
    }

    /// role × whose ticket × verb → allowed, written out as a table.
    #[test]
    fn the_access_matrix_allows_exactly_what_it_says() {
        use Verb::*;
        let own = TicketAccess {
            requester_id: "u1",
            company_id: "acme",
        };
        let colleague = TicketAccess {
            requester_id: "u2",
            company_id: "acme",
        };
        let other = TicketAccess {
            requester_id: "u9",
            company_id: "globex",
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
                    may(&actor(*role, company), verb, ticket),
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
        };
        assert!(!may(&actor(Role::Customer, None), Verb::View, &t));
    }

    #[test]
    fn internal_notes_are_for_staff_only() {
        assert!(!may_see_article(&actor(Role::Customer, Some("acme")), true));
        assert!(may_see_article(&actor(Role::Customer, Some("acme")), false));
        assert!(may_see_article(&actor(Role::Agent, None), true));
    }
}
