//! The ticket state machine and its timers (DESIGN.md, seeds 000 and 001):
//! `new` (新規) → `open` (対応中) ⇄ `waiting_customer` (お客様確認中) → `pending_close`
//! (クローズ確認中) → `closed` (完了). Waiting for the customer with no reply becomes
//! pending close after 14 days, pending close becomes closed after 7 days, each with a
//! reminder before; a customer reply reopens; a follow-up on a closed ticket reopens it
//! within a window, after which a new, linked ticket is needed.
//!
//! Timers are data: `apply` returns the timer the ticket carries after the change, and
//! the sweep applies `Event::TimerDue` only when that timer's due time has passed, so
//! running it twice, or late, gives the same result as once.

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    New,
    Open,
    WaitingCustomer,
    PendingClose,
    Closed,
}

impl State {
    pub const ALL: [State; 5] = [
        State::New,
        State::Open,
        State::WaitingCustomer,
        State::PendingClose,
        State::Closed,
    ];

    /// The name in the API, the store and the UI string keys.
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Open => "open",
            State::WaitingCustomer => "waiting_customer",
            State::PendingClose => "pending_close",
            State::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// "Open" in the customer's All / Open / Closed filter (seed 000): everything not closed.
    pub fn is_open(self) -> bool {
        self != State::Closed
    }
}

/// What happened to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A public article from the customer (or one of their colleagues).
    CustomerReply,
    /// The customer closes the ticket (a button, or "next state: closed" in the reply form).
    CustomerClose,
    /// A public reply from staff, with the state chosen in the reply form, if any.
    StaffReply { next: Option<State> },
    /// An internal note: never changes the state.
    StaffNote,
    /// Staff set the state without writing to the customer.
    StaffSetState(State),
    /// The sweep found the ticket's timer due.
    TimerDue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    /// In waiting_customer: moves to pending_close when due.
    WaitingCustomer,
    /// In pending_close: closes when due.
    PendingClose,
}

impl TimerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::WaitingCustomer => "waiting_customer",
            TimerKind::PendingClose => "pending_close",
        }
    }

    pub fn parse(s: &str) -> Option<TimerKind> {
        [TimerKind::WaitingCustomer, TimerKind::PendingClose]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A pending auto-transition, stored on the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub kind: TimerKind,
    pub due: Timestamp,
    /// When the reminder mail goes out; `None` once it has been sent (or if none is wanted).
    pub remind_at: Option<Timestamp>,
}

/// The lengths, from the portal configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    pub waiting_customer: SignedDuration,
    pub pending_close: SignedDuration,
    /// How long before each auto-transition the customer is reminded.
    pub reminder_before: SignedDuration,
    /// How long after closing a follow-up still reopens the ticket.
    pub reopen_window: SignedDuration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        let days = |d: i64| SignedDuration::from_hours(24 * d);
        TimerConfig {
            waiting_customer: days(14),
            pending_close: days(7),
            reminder_before: days(2),
            reopen_window: days(30),
        }
    }
}

impl TimerConfig {
    /// The last moment a customer's reply reopens a ticket closed at `closed_at`.
    pub fn reopen_until(&self, closed_at: Timestamp) -> Timestamp {
        closed_at + self.reopen_window
    }

    /// Whether a customer's reply at `now` reopens a ticket closed at `closed_at` (a
    /// closed ticket with no closing time is treated as just closed).
    pub fn reopens(&self, closed_at: Option<Timestamp>, now: Timestamp) -> bool {
        closed_at.is_none_or(|c| now <= self.reopen_until(c))
    }
}

impl Timer {
    pub fn start(kind: TimerKind, now: Timestamp, cfg: &TimerConfig) -> Timer {
        let length = match kind {
            TimerKind::WaitingCustomer => cfg.waiting_customer,
            TimerKind::PendingClose => cfg.pending_close,
        };
        let due = now.saturating_add(length).unwrap_or(now);
        let remind = due.saturating_sub(cfg.reminder_before).unwrap_or(due);
        // A reminder only makes sense if it comes after now.
        Timer {
            kind,
            due,
            remind_at: (cfg.reminder_before.is_positive() && remind > now).then_some(remind),
        }
    }

    /// Whether the reminder should be sent now.
    pub fn reminder_due(&self, now: Timestamp) -> bool {
        self.remind_at.is_some_and(|r| r <= now) && now < self.due
    }

    /// The timer after its reminder was sent.
    pub fn reminded(self) -> Timer {
        Timer {
            remind_at: None,
            ..self
        }
    }
}

/// The outcome of an event: the new state and timer, and what to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub from: State,
    pub to: State,
    /// The timer the ticket carries afterwards (`None`: no auto-transition pending).
    pub timer: Option<Timer>,
    /// A closed ticket was opened again by a follow-up.
    pub reopened: bool,
}

impl Change {
    pub fn changed(&self) -> bool {
        self.from != self.to
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The customer must open a new ticket, which is linked to this one.
    #[error(
        "the ticket was closed more than {days} days ago: open a new ticket, which will be linked to this one"
    )]
    FollowUpTooLate { days: i64 },
    #[error("the ticket is already closed")]
    AlreadyClosed,
    #[error("a ticket cannot be set back to 'new'")]
    CannotSetNew,
    #[error("no timer of this ticket is due")]
    NotDue,
}

impl StateError {
    /// A stable code for programs (the API's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            StateError::FollowUpTooLate { .. } => "reopen_window_passed",
            StateError::AlreadyClosed => "already_closed",
            StateError::CannotSetNew => "cannot_set_new",
            StateError::NotDue => "not_due",
        }
    }

    /// The message in Japanese (`Display` is English).
    pub fn message_ja(&self) -> String {
        match self {
            StateError::FollowUpTooLate { days } => format!(
                "このお問い合わせはクローズから{days}日以上経過しています。新しいお問い合わせを作成してください(このお問い合わせと関連付けられます)"
            ),
            StateError::AlreadyClosed => "このお問い合わせは既にクローズされています".into(),
            StateError::CannotSetNew => "状態を「新規」に戻すことはできません".into(),
            StateError::NotDue => "期限に達したタイマーはありません".into(),
        }
    }
}

/// Entering `to` at `now` starts this timer, if any.
fn timer_for(to: State, now: Timestamp, cfg: &TimerConfig) -> Option<Timer> {
    match to {
        State::WaitingCustomer => Some(Timer::start(TimerKind::WaitingCustomer, now, cfg)),
        State::PendingClose => Some(Timer::start(TimerKind::PendingClose, now, cfg)),
        _ => None,
    }
}

/// Applies `event` to a ticket in `state` carrying `timer`, closed at `closed_at` if closed.
pub fn apply(
    state: State,
    timer: Option<Timer>,
    closed_at: Option<Timestamp>,
    event: Event,
    now: Timestamp,
    cfg: &TimerConfig,
) -> Result<Change, StateError> {
    // Staying in a waiting state keeps its running timer, unless staff chose the state
    // again with a new reply (a new question deserves a new waiting period); entering
    // a waiting state starts its timer.
    let restart = matches!(event, Event::StaffReply { next: Some(_) });
    let to_state = |to: State, reopened: bool| {
        let timer = if !restart
            && to == state
            && matches!(to, State::WaitingCustomer | State::PendingClose)
            && timer.is_some()
        {
            timer
        } else {
            timer_for(to, now, cfg)
        };
        Ok(Change {
            from: state,
            to,
            timer,
            reopened,
        })
    };
    match event {
        Event::StaffNote => Ok(Change {
            from: state,
            to: state,
            timer,
            reopened: false,
        }),
        Event::CustomerReply => match state {
            // Nobody has picked a new ticket up yet: it stays new.
            State::New => to_state(State::New, false),
            State::Open | State::WaitingCustomer | State::PendingClose => {
                to_state(State::Open, false)
            }
            State::Closed => {
                if cfg.reopens(closed_at, now) {
                    to_state(State::Open, true)
                } else {
                    Err(StateError::FollowUpTooLate {
                        days: cfg.reopen_window.as_hours() / 24,
                    })
                }
            }
        },
        Event::CustomerClose => match state {
            State::Closed => Err(StateError::AlreadyClosed),
            _ => to_state(State::Closed, false),
        },
        Event::StaffReply { next: None } => match state {
            State::New => to_state(State::Open, false),
            other => to_state(other, false),
        },
        Event::StaffReply {
            next: Some(State::New),
        }
        | Event::StaffSetState(State::New) => Err(StateError::CannotSetNew),
        Event::StaffReply { next: Some(to) } | Event::StaffSetState(to) => {
            to_state(to, state == State::Closed && to != State::Closed)
        }
        Event::TimerDue => match (state, timer) {
            (State::WaitingCustomer, Some(t))
                if t.kind == TimerKind::WaitingCustomer && t.due <= now =>
            {
                // The next timer counts from when this one was due, so a late sweep
                // does not give the customer extra days.
                Ok(Change {
                    from: state,
                    to: State::PendingClose,
                    timer: Some(Timer::start(TimerKind::PendingClose, t.due, cfg)),
                    reopened: false,
                })
            }
            (State::PendingClose, Some(t)) if t.kind == TimerKind::PendingClose && t.due <= now => {
                Ok(Change {
                    from: state,
                    to: State::Closed,
                    timer: None,
                    reopened: false,
                })
            }
            _ => Err(StateError::NotDue),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2026-11-23T01:00:00Z".parse().unwrap()
    }

    fn days(d: i64) -> SignedDuration {
        SignedDuration::from_hours(24 * d)
    }

    fn at(d: i64) -> Timestamp {
        t0().checked_add(days(d)).unwrap()
    }

    fn run(
        state: State,
        timer: Option<Timer>,
        event: Event,
        now: Timestamp,
    ) -> Result<Change, StateError> {
        apply(state, timer, None, event, now, &TimerConfig::default())
    }

    #[test]
    fn a_staff_reply_opens_a_new_ticket() {
        let c = run(State::New, None, Event::StaffReply { next: None }, t0()).unwrap();
        assert_eq!((c.from, c.to, c.timer), (State::New, State::Open, None));
    }

    #[test]
    fn a_customer_reply_to_a_new_ticket_keeps_it_new() {
        assert_eq!(
            run(State::New, None, Event::CustomerReply, t0())
                .unwrap()
                .to,
            State::New
        );
    }

    #[test]
    fn waiting_for_the_customer_starts_a_14_day_timer_with_a_reminder_2_days_before() {
        let c = run(
            State::Open,
            None,
            Event::StaffReply {
                next: Some(State::WaitingCustomer),
            },
            t0(),
        )
        .unwrap();
        assert_eq!(c.to, State::WaitingCustomer);
        let timer = c.timer.unwrap();
        assert_eq!(timer.kind, TimerKind::WaitingCustomer);
        assert_eq!(timer.due, at(14));
        assert_eq!(timer.remind_at, Some(at(12)));
        assert!(!timer.reminder_due(at(11)));
        assert!(timer.reminder_due(at(12)));
        assert!(!timer.reminded().reminder_due(at(13)));
    }

    #[test]
    fn pending_close_starts_a_7_day_timer() {
        let c = run(
            State::Open,
            None,
            Event::StaffSetState(State::PendingClose),
            t0(),
        )
        .unwrap();
        assert_eq!(c.timer.unwrap().due, at(7));
    }

    #[test]
    fn a_due_waiting_timer_moves_to_pending_close_counted_from_the_due_time() {
        let waiting = Timer::start(TimerKind::WaitingCustomer, t0(), &TimerConfig::default());
        assert_eq!(
            run(
                State::WaitingCustomer,
                Some(waiting),
                Event::TimerDue,
                at(13)
            ),
            Err(StateError::NotDue)
        );
        // The sweep ran a day late: the pending-close week still counts from day 14.
        let c = run(
            State::WaitingCustomer,
            Some(waiting),
            Event::TimerDue,
            at(15),
        )
        .unwrap();
        assert_eq!(c.to, State::PendingClose);
        assert_eq!(c.timer.unwrap().due, at(21));
        let closed = run(State::PendingClose, c.timer, Event::TimerDue, at(21)).unwrap();
        assert_eq!((closed.to, closed.timer), (State::Closed, None));
    }

    #[test]
    fn a_timer_applied_twice_changes_nothing_the_second_time() {
        let waiting = Timer::start(TimerKind::WaitingCustomer, t0(), &TimerConfig::default());
        let once = run(
            State::WaitingCustomer,
            Some(waiting),
            Event::TimerDue,
            at(14),
        )
        .unwrap();
        // The second sweep sees the state and timer the first one stored.
        assert_eq!(
            run(once.to, once.timer, Event::TimerDue, at(14)),
            Err(StateError::NotDue)
        );
    }

    #[test]
    fn a_stale_timer_of_another_kind_is_not_applied() {
        let waiting = Timer::start(TimerKind::WaitingCustomer, t0(), &TimerConfig::default());
        assert_eq!(
            run(State::PendingClose, Some(waiting), Event::TimerDue, at(30)),
            Err(StateError::NotDue)
        );
        assert_eq!(
            run(State::Open, Some(waiting), Event::TimerDue, at(30)),
            Err(StateError::NotDue)
        );
    }

    #[test]
    fn a_customer_reply_reopens_waiting_and_pending_tickets_and_clears_the_timer() {
        for from in [State::WaitingCustomer, State::PendingClose] {
            let timer = timer_for(from, t0(), &TimerConfig::default());
            let c = run(from, timer, Event::CustomerReply, at(1)).unwrap();
            assert_eq!(
                (c.to, c.timer, c.reopened),
                (State::Open, None, false),
                "{from:?}"
            );
        }
    }

    #[test]
    fn a_follow_up_reopens_a_closed_ticket_within_30_days_only() {
        let cfg = TimerConfig::default();
        let c = apply(
            State::Closed,
            None,
            Some(t0()),
            Event::CustomerReply,
            at(30),
            &cfg,
        )
        .unwrap();
        assert_eq!((c.to, c.reopened), (State::Open, true));
        let late = apply(
            State::Closed,
            None,
            Some(t0()),
            Event::CustomerReply,
            at(31),
            &cfg,
        );
        assert_eq!(late, Err(StateError::FollowUpTooLate { days: 30 }));
    }

    #[test]
    fn the_customer_may_close_any_open_ticket_but_not_twice() {
        for from in [
            State::New,
            State::Open,
            State::WaitingCustomer,
            State::PendingClose,
        ] {
            let c = run(
                from,
                timer_for(from, t0(), &TimerConfig::default()),
                Event::CustomerClose,
                t0(),
            )
            .unwrap();
            assert_eq!((c.to, c.timer), (State::Closed, None));
        }
        assert_eq!(
            run(State::Closed, None, Event::CustomerClose, t0()),
            Err(StateError::AlreadyClosed)
        );
    }

    #[test]
    fn an_internal_note_never_changes_state_or_timer() {
        for from in State::ALL {
            let timer = timer_for(from, t0(), &TimerConfig::default());
            let c = run(from, timer, Event::StaffNote, at(3)).unwrap();
            assert_eq!((c.to, c.timer, c.changed()), (from, timer, false));
        }
    }

    #[test]
    fn staff_can_set_any_state_but_new() {
        for to in [
            State::Open,
            State::WaitingCustomer,
            State::PendingClose,
            State::Closed,
        ] {
            assert_eq!(
                run(State::Open, None, Event::StaffSetState(to), t0())
                    .unwrap()
                    .to,
                to
            );
        }
        assert_eq!(
            run(State::Open, None, Event::StaffSetState(State::New), t0()),
            Err(StateError::CannotSetNew)
        );
        assert_eq!(
            run(
                State::Open,
                None,
                Event::StaffReply {
                    next: Some(State::New)
                },
                t0()
            ),
            Err(StateError::CannotSetNew)
        );
        let reopened = run(State::Closed, None, Event::StaffSetState(State::Open), t0()).unwrap();
        assert!(reopened.reopened);
    }

    #[test]
    fn replying_again_while_waiting_keeps_the_running_timer() {
        let timer = Timer::start(TimerKind::WaitingCustomer, t0(), &TimerConfig::default());
        let c = run(
            State::WaitingCustomer,
            Some(timer),
            Event::StaffReply { next: None },
            at(5),
        )
        .unwrap();
        assert_eq!(c.timer, Some(timer));
        // Choosing the state again in the reply form restarts it, as staff asked anew.
        let c = run(
            State::WaitingCustomer,
            Some(timer),
            Event::StaffReply {
                next: Some(State::WaitingCustomer),
            },
            at(5),
        )
        .unwrap();
        assert_eq!(c.timer.unwrap().due, at(19));
    }

    #[test]
    fn state_names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("deleted"), None);
    }
}
