//! The project documents the caller may read (案件の資料): customer-only pages limited
//! to projects, listed from site-gen's manifest and filtered by `may_document`, for the
//! portal's list. The pages themselves are served by `members`.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppError;
use crate::app::documents::visible_documents;
use crate::http::ApiState;
use crate::http::lang::Lang;
use crate::http::members::DocumentIndex;
use crate::http::session::Session;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentProjectDto {
    pub id: String,
    /// The project's name (社内ネットワーク案件).
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    pub title: String,
    /// The page, below `/members/`.
    pub url: String,
    /// The page's language: the caller's, or the other one when the document has no
    /// page in the caller's.
    pub lang: String,
    /// faq, notices, manuals or pages.
    pub section: String,
    /// When the page was last changed (RFC 3339), if its front matter says.
    pub updated: Option<String>,
    /// The document's projects through which the caller may read it.
    pub projects: Vec<DocumentProjectDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentDto>,
}

/// The project documents the caller may read, newest first, in the language of
/// `Accept-Language`: staff every one; customers those of their company's projects
/// (their groups' projects when the company uses groups).
#[utoipa::path(get, path = "/documents", tag = "documents",
    responses((status = 200, body = DocumentList)))]
async fn list(
    State(state): State<ApiState>,
    Extension(index): Extension<DocumentIndex>,
    session: Session,
    lang: Lang,
) -> Result<Json<DocumentList>, AppError> {
    let manifest = index
        .manifest()
        .await
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?;
    let docs = visible_documents(&state.deps, &session.actor, &manifest, lang.as_str()).await?;
    Ok(Json(DocumentList {
        items: docs
            .into_iter()
            .map(|d| DocumentDto {
                title: d.title,
                url: d.url,
                lang: d.lang,
                section: d.section,
                updated: d.updated,
                projects: d
                    .projects
                    .into_iter()
                    .map(|(id, name)| DocumentProjectDto { id, name })
                    .collect(),
            })
            .collect(),
    }))
}
