//! The content model: pages and sections read from `content/`, before rendering.

pub mod load;
mod page;

pub use load::{Content, load, load_file};
pub use page::{parse_page, split_front_matter};

use std::path::PathBuf;

use jiff::Timestamp;

/// Who may read a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Visibility {
    /// Anyone: built into the public site.
    Public,
    /// Logged-in customers: built into the members output, never the public one.
    Customer,
    /// Staff only: not built for the public or for customers.
    Internal,
}

impl Visibility {
    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "customer" => Some(Visibility::Customer),
            "internal" => Some(Visibility::Internal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Maintenance,
    Incident,
    Announcement,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::Maintenance,
        NoticeKind::Incident,
        NoticeKind::Announcement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Maintenance => "maintenance",
            NoticeKind::Incident => "incident",
            NoticeKind::Announcement => "announcement",
        }
    }

    /// The statuses a notice of this kind may have; the first is where it starts.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            NoticeKind::Maintenance => &["scheduled", "in_progress", "completed", "cancelled"],
            NoticeKind::Incident => &["investigating", "identified", "monitoring", "resolved"],
            NoticeKind::Announcement => &[],
        }
    }
}

/// An attachment next to a page (a PDF manual, a form).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// The file name as written, relative to the page's folder.
    pub name: String,
    /// Size in bytes, filled in when the file is found.
    pub size: u64,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoticeUpdate {
    pub at: Timestamp,
    pub status: String,
    pub body: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManualVersion {
    pub version: String,
    pub date: Option<Timestamp>,
    pub notes: String,
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageKind {
    Faq {
        id: u64,
        id_line: usize,
        keywords: Vec<String>,
    },
    Notice {
        kind: NoticeKind,
        status: Option<String>,
        components: Vec<String>,
        starts_at: Option<Timestamp>,
        ends_at: Option<Timestamp>,
        impact: String,
        /// Newest first.
        updates: Vec<NoticeUpdate>,
    },
    Manual {
        product: String,
        version: Option<String>,
        form: bool,
        /// Newest first.
        versions: Vec<ManualVersion>,
    },
    Plain,
    /// `_index.md`: the title and description of the folder it is in.
    Section,
}

/// The content types, given by the top folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    Faq,
    Notices,
    Manuals,
    Pages,
}

impl Area {
    pub fn from_dir(s: &str) -> Option<Area> {
        match s {
            "faq" => Some(Area::Faq),
            "notices" => Some(Area::Notices),
            "manuals" => Some(Area::Manuals),
            "pages" => Some(Area::Pages),
            _ => None,
        }
    }
}

/// One Markdown file of content.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Relative to the content folder: `faq/mail/settings/smtp-auth.en.md`.
    pub source: PathBuf,
    pub area: Area,
    /// The path shared by a page and its translations, without language or `.md`:
    /// `faq/mail/settings/smtp-auth`; for a section, its folder (`faq/mail`).
    pub key: String,
    pub lang: String,
    pub title: String,
    pub description: Option<String>,
    pub visibility: Visibility,
    /// The projects (案件) a customer-only page is limited to (`projects:`); empty for
    /// every other page. Such a page is built into the members output but served only to
    /// the projects' customers, so it stays out of everything the members share.
    pub projects: Vec<String>,
    pub date: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub weight: i64,
    pub draft: bool,
    pub attachments: Vec<Attachment>,
    pub kind: PageKind,
    /// The Markdown after the front matter, and the file line it starts on.
    pub body: String,
    pub body_line: usize,
}

impl Page {
    pub fn is_section(&self) -> bool {
        matches!(self.kind, PageKind::Section)
    }

    pub fn faq_id(&self) -> Option<u64> {
        match self.kind {
            PageKind::Faq { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The folders between the area and the page: the FAQ category path.
    pub fn category_path(&self) -> Vec<&str> {
        let mut parts: Vec<&str> = self.key.split('/').skip(1).collect();
        if !self.is_section() {
            parts.pop();
        }
        parts
    }

    /// A customer-only page limited to projects: left out of every listing, index and
    /// feed that readers of different companies share.
    pub fn is_project_document(&self) -> bool {
        !self.projects.is_empty()
    }

    /// The newest of `updated` and `date`.
    pub fn last_modified(&self) -> Option<Timestamp> {
        self.updated.or(self.date)
    }
}
