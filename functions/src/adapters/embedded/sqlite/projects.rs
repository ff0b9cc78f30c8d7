//! Projects (案件) and their customer groups on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, duplicate_as, from_micros, micros};
use crate::ports::store::{ProjectRecord, ProjectStore, StoreError};

const PROJECT_COLUMNS: &str = "id, company_id, name, group_name, created_at";

fn project_from_row(r: &Row<'_>) -> rusqlite::Result<ProjectRecord> {
    Ok(ProjectRecord {
        id: r.get(0)?,
        company_id: r.get(1)?,
        name: r.get(2)?,
        group_name: r.get(3)?,
        created_at: from_micros(r.get(4)?)?,
    })
}

#[async_trait]
impl ProjectStore for SqliteStore {
    async fn create_project(&self, p: ProjectRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO projects ({PROJECT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
                params![
                    p.id,
                    p.company_id,
                    p.name,
                    p.group_name,
                    micros(p.created_at)
                ],
            )
            .map(|_| ())
            .map_err(duplicate_as(format!("project {}", p.id)))
        })
        .await
    }

    async fn get_project(&self, id: &str) -> Result<Option<ProjectRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1"
            ))?
            .query_row(params![id], project_from_row)
            .optional()
        })
        .await
    }

    async fn list_projects(&self, company_id: &str) -> Result<Vec<ProjectRecord>, StoreError> {
        let company = company_id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE company_id = ?1 ORDER BY id"
            ))?
            .query_map(params![company], project_from_row)?
            .collect()
        })
        .await
    }
}
