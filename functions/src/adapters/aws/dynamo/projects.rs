//! Projects (案件) and their customer groups: one item each, listed per company.

use async_trait::async_trait;

use super::attr::{Item, ItemBuilder, Read, key, s, time};
use super::{DynamoStore, Query, expr};
use crate::ports::store::{ProjectRecord, ProjectStore, StoreError};

fn project_item(p: &ProjectRecord) -> Item {
    ItemBuilder::keyed(format!("PROJECT#{}", p.id), "PROJECT")
        .set("id", s(&p.id))
        .set("company_id", s(&p.company_id))
        .set("name", s(&p.name))
        .set("group_name", s(&p.group_name))
        .set("created_at", time(p.created_at))
        .index(
            "GSI1",
            format!("PROJECTS-OF#{}", p.company_id),
            p.id.as_str(),
        )
        .build()
}

pub(super) fn project_from(item: &Item) -> Result<ProjectRecord, StoreError> {
    let r = Read::new("project", item);
    Ok(ProjectRecord {
        id: r.s("id")?,
        company_id: r.s("company_id")?,
        name: r.s("name")?,
        group_name: r.s("group_name")?,
        created_at: r.time("created_at")?,
    })
}

#[async_trait]
impl ProjectStore for DynamoStore {
    async fn create_project(&self, project: ProjectRecord) -> Result<(), StoreError> {
        if self
            .put(
                project_item(&project),
                Some(expr("attribute_not_exists(#PK)")),
            )
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Duplicate(format!("project {}", project.id)))
        }
    }

    async fn get_project(&self, id: &str) -> Result<Option<ProjectRecord>, StoreError> {
        self.get(key(format!("PROJECT#{id}"), "PROJECT"))
            .await?
            .as_ref()
            .map(project_from)
            .transpose()
    }

    async fn list_projects(&self, company_id: &str) -> Result<Vec<ProjectRecord>, StoreError> {
        self.query_all(&Query::new(
            Some("GSI1"),
            format!("PROJECTS-OF#{company_id}"),
        ))
        .await?
        .iter()
        .map(project_from)
        .collect()
    }
}
