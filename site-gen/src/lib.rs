//! site-gen builds madoguchi's public site (and the customer-only pages) from Markdown
//! with YAML front matter in `content/` and minijinja templates in `templates/`.

pub mod build;
pub mod config;
pub mod content;
pub mod error;
pub mod feeds;
pub mod markdown;
pub mod model;
pub mod output;
pub mod prepare;
pub mod render;
pub mod search;
pub mod templates;
pub mod watch;

/// YAML with lines and the typed reader live in `madoguchi-yaml`, shared with the API.
pub use madoguchi_yaml::{fields, yaml};

pub use build::{BuildOptions, Summary, build, content_errors};
pub use error::{ContentError, ContentErrors};
