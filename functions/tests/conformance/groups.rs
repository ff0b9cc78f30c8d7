//! Customer roles, project groups and the links that decide who sees what (seed 004):
//! stored as given, read back the same, and updated only from the version read.

use std::sync::Arc;

use madoguchi::domain::access::CustomerRole;
use madoguchi::ports::store::*;

use super::{company, contract, new_ticket, t, user};

pub fn project(id: &str, company: &str) -> ProjectRecord {
    ProjectRecord {
        id: id.into(),
        company_id: company.into(),
        name: format!("案件 {id}"),
        group_name: format!("案件 {id} グループ"),
        created_at: t("2026-11-01T00:00:00Z"),
    }
}

pub async fn a_customers_role_and_groups_are_stored_with_the_account(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    let mut u = user("u1", "taro@acme.example.jp", Some("acme"));
    u.customer_role = Some(CustomerRole::ContractManager);
    u.projects = vec!["acme-net".into(), "acme-web".into()];
    store.create_user(u.clone()).await.unwrap();
    assert_eq!(store.get_user("u1").await.unwrap(), Some(u.clone()));
    assert_eq!(
        store.user_by_email("TARO@acme.example.jp").await.unwrap(),
        Some(u.clone())
    );

    let mut next = u.clone();
    next.customer_role = Some(CustomerRole::InquiryMember);
    next.projects = vec![];
    next.version = 2;
    store.update_user(next.clone(), 1).await.unwrap();
    assert_eq!(store.list_users(Some("acme")).await.unwrap(), vec![next]);

    // Staff have no customer role.
    store
        .create_user(user("s1", "agent@vendor.jp", None))
        .await
        .unwrap();
    let staff = store.get_user("s1").await.unwrap().unwrap();
    assert_eq!((staff.customer_role, staff.projects.len()), (None, 0));
}

pub async fn a_companys_group_switch_is_stored_and_only_for_a_company_that_exists(
    store: Arc<dyn Store>,
) {
    company(&store, "acme").await;
    let mut c = store.get_company("acme").await.unwrap().unwrap();
    assert!(!c.uses_groups);
    c.uses_groups = true;
    store.update_company(c.clone()).await.unwrap();
    assert_eq!(store.get_company("acme").await.unwrap(), Some(c.clone()));
    assert!(store.list_companies().await.unwrap()[0].uses_groups);
    let ghost = CompanyRecord {
        id: "ghost".into(),
        ..c
    };
    assert!(matches!(
        store.update_company(ghost).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_company("ghost").await.unwrap(), None);
}

pub async fn projects_are_unique_and_listed_by_company(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    company(&store, "globex").await;
    for (id, c) in [
        ("acme-web", "acme"),
        ("acme-net", "acme"),
        ("globex-1", "globex"),
    ] {
        store.create_project(project(id, c)).await.unwrap();
    }
    assert!(matches!(
        store.create_project(project("acme-net", "globex")).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.get_project("acme-net").await.unwrap(),
        Some(project("acme-net", "acme")),
        "the duplicate changed nothing"
    );
    assert_eq!(store.get_project("nope").await.unwrap(), None);
    let ids = |v: Vec<ProjectRecord>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_projects("acme").await.unwrap()),
        ["acme-net", "acme-web"]
    );
    assert!(store.list_projects("nobody").await.unwrap().is_empty());
}

pub async fn contracts_keep_their_projects_and_updates_are_versioned(store: Arc<dyn Store>) {
    company(&store, "acme").await;
    store
        .create_contract(contract("NL-1", "acme"))
        .await
        .unwrap();
    let mut linked = contract("NL-1", "acme");
    linked.project_ids = vec!["acme-net".into(), "acme-web".into()];
    linked.version = 2;
    store.update_contract(linked.clone(), 1).await.unwrap();
    assert_eq!(
        store.get_contract("NL-1").await.unwrap(),
        Some(linked.clone())
    );
    // The same update again: the version read (1) is stale now.
    let mut stale = linked.clone();
    stale.project_ids = vec![];
    assert!(matches!(
        store.update_contract(stale, 1).await,
        Err(StoreError::Conflict(_))
    ));
    let mut missing = contract("NL-9", "acme");
    missing.version = 2;
    assert!(matches!(
        store.update_contract(missing, 1).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_contract("NL-9").await.unwrap(), None);
    assert_eq!(
        store.list_contracts(Some("acme")).await.unwrap(),
        vec![linked]
    );
}

pub async fn a_tickets_project_is_stored_and_changed_with_it(store: Arc<dyn Store>) {
    let at = t("2026-11-23T01:00:00Z");
    let mut new = new_ticket("n1", "u1", "acme", at);
    new.ticket.project_id = Some("acme-net".into());
    store.create_ticket(new).await.unwrap();
    let got = store.get_ticket("n1").await.unwrap().unwrap();
    assert_eq!(got.project_id.as_deref(), Some("acme-net"));
    let listed = store
        .list_tickets(&ListQuery {
            scope: Scope::Company("acme".into()),
            filter: ListFilter::All,
            oldest_first: false,
            limit: 10,
            cursor: None,
        })
        .await
        .unwrap();
    assert_eq!(listed.items, vec![got.clone()]);
    let mut moved = got;
    moved.project_id = None;
    moved.version = 2;
    store
        .update_ticket(TicketUpdate {
            ticket: moved,
            expected_version: 1,
            article: None,
            history: vec![],
            mails: vec![],
            claimed_uploads: vec![],
            previous_state: None,
            relies_on: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        store.get_ticket("n1").await.unwrap().unwrap().project_id,
        None
    );
}
