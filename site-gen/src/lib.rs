//! site-gen builds madoguchi's public site (and the customer-only pages) from Markdown
//! with YAML front matter in `content/` and minijinja templates in `templates/`.

pub mod build;
pub mod config;
pub mod content;
pub mod error;
pub mod feeds;
pub mod fields;
pub mod markdown;
pub mod model;
pub mod output;
pub mod prepare;
pub mod render;
pub mod search;
pub mod templates;
pub mod watch;
pub mod yaml;

pub use build::{BuildOptions, Summary, build, content_errors};
pub use error::{ContentError, ContentErrors};
