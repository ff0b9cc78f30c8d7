//! Use cases over the ports. Each takes who is acting and what they asked for, checks
//! it against the domain rules, and writes the change together with the mails it
//! causes (the outbox) in one store transaction.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod company_accounts;
pub mod config;
pub mod contracts;
pub mod dashboard;
pub mod demo;
pub mod documents;
pub mod error;
pub mod export;
pub mod fields;
pub mod form;
pub mod links;
pub mod mail;
pub mod markdown;
pub mod messages;
pub mod one_time;
pub mod outbox;
pub mod projects;
pub mod registration;
pub mod search;
pub mod searches;
pub mod secrets;
pub mod sessions;
pub mod sla;
pub mod sweep;
pub mod tickets;
pub mod uploads;

pub use config::PortalConfig;
pub use error::{AppError, FieldError, Problem};

use std::sync::Arc;

use crate::ports::{Blobs, Clock, Store};

/// What every use case works with, built once at start-up.
#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn Blobs>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<PortalConfig>,
    pub mail: Arc<mail::MailComposer>,
}
