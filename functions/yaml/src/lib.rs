//! YAML configuration and front matter read so that every error names its place: the
//! file, the line and the key. site-gen uses it for content, and the `madoguchi` crate
//! for `content/portal.yaml` on every host (the Lambda build must not pull in site-gen).

pub mod error;
pub mod fields;
pub mod localized;
pub mod yaml;

pub use error::ContentError;
pub use fields::{Fields, Origin};
pub use localized::{KNOWN_LANGUAGES, Localized};
