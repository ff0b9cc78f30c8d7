//! Tickets and their articles.

pub mod number;
pub mod state;

pub use number::{NumberFormat, TicketNumber};
pub use state::{Change, Event, State, StateError, Timer, TimerConfig, TimerKind};
