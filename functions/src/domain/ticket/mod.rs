//! Tickets and their articles.

pub mod channel;
pub mod number;
pub mod sla;
pub mod state;

pub use channel::Channel;
pub use number::{NumberFormat, TicketNumber};
pub use sla::SlaClock;
pub use state::{Change, Event, State, StateError, Timer, TimerConfig, TimerKind};
