//! Pure types and rules of the portal: tickets, their states and timers, who may see and
//! do what, and how attachments are named and typed. No I/O, no async, no storage types.

pub mod access;
pub mod account;
pub mod attachment;
pub mod contract;
pub mod email;
pub mod ticket;

pub use email::Email;
