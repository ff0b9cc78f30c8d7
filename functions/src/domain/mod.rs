//! Pure types and rules of the portal: tickets, their states, timers and SLA targets,
//! business hours, who may see and do what, how attachments are named and typed, what a
//! password and a self-registration must be. No I/O, no async, no storage types.

pub mod access;
pub mod account;
pub mod attachment;
pub mod business_hours;
pub mod contract;
pub mod email;
pub mod password;
pub mod problem;
pub mod public_suffix;
pub mod registration;
pub mod ticket;

pub use email::Email;
