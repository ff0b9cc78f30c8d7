//! Pure types and rules of the portal: tickets, their states and timers, and who may
//! see and do what. No I/O, no async, no storage types.

pub mod access;
pub mod account;
pub mod contract;
pub mod email;
pub mod ticket;

pub use email::Email;
