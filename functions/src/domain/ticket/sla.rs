//! A ticket's SLA clock (issue 6): the due times of its targets (first response, update,
//! resolution) in business time, what satisfies and what pauses each, and the points
//! where the team is warned (near: a share of the target's business time has passed;
//! missed: the due time has passed).
//!
//! What counts, as Zammad and Znuny count it:
//! - **first response** runs from the ticket's creation until the first public reply
//!   from staff (an internal note does not count);
//! - **update** runs while the ticket waits on staff after the first response: from a
//!   staff reply that leaves it open, or from a customer's reply, until the next public
//!   staff reply; it stops while the ticket waits for the customer or is closed;
//! - **resolution** runs from the creation until the ticket is closed, and pauses while
//!   the ticket waits for the customer (お客様確認中, クローズ確認中), as Zammad's
//!   pending states do: the business time paused moves its due time later.
//!
//! Each deadline stores its near and due instants, so the sweep decides with
//! timestamps alone, and whether each warning was sent, so none is sent twice.

use jiff::{SignedDuration, Timestamp};

use crate::domain::business_hours::Calendar;
use crate::domain::ticket::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    FirstResponse,
    Update,
    Resolution,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [
        TargetKind::FirstResponse,
        TargetKind::Update,
        TargetKind::Resolution,
    ];

    /// The name in the configuration, the API and the mails.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::FirstResponse => "first_response",
            TargetKind::Update => "update",
            TargetKind::Resolution => "resolution",
        }
    }

    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang) {
            (TargetKind::FirstResponse, "ja") => "初回回答",
            (TargetKind::Update, "ja") => "途中経過の連絡",
            (TargetKind::Resolution, "ja") => "解決",
            (TargetKind::FirstResponse, _) => "First response",
            (TargetKind::Update, _) => "Update",
            (TargetKind::Resolution, _) => "Resolution",
        }
    }
}

/// The business time each target allows; `None`: no such target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Targets {
    pub first_response: Option<SignedDuration>,
    pub update: Option<SignedDuration>,
    pub resolution: Option<SignedDuration>,
}

impl Targets {
    pub fn get(&self, kind: TargetKind) -> Option<SignedDuration> {
        match kind {
            TargetKind::FirstResponse => self.first_response,
            TargetKind::Update => self.update,
            TargetKind::Resolution => self.resolution,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Targets::default()
    }
}

/// The targets of one ticket with the calendar they count in.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub calendar: &'a Calendar,
    pub targets: Targets,
    /// The share of a target's business time after which the team is warned (1–99).
    pub escalate_at: u8,
}

/// One running or finished target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deadline {
    /// The business time allowed, in minutes.
    pub minutes: i64,
    /// When it started counting.
    pub started: Timestamp,
    /// Business minutes added by pauses (resolution only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub paused_minutes: i64,
    /// Since when it is paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<Timestamp>,
    /// When the team is warned that it is near.
    pub near: Timestamp,
    pub due: Timestamp,
    /// When it was satisfied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met: Option<Timestamp>,
    /// The warnings already written to the outbox.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub near_sent: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missed_sent: bool,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Where a deadline stands, as the API and the screens show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Running, before its near point.
    Ok,
    /// Running, past its near point.
    Near,
    /// Running, past its due time.
    Overdue,
    /// Paused while the ticket waits for the customer.
    Paused,
    /// Satisfied (in time or late: see `Deadline::breached`).
    Met,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Ok => "ok",
            Standing::Near => "near",
            Standing::Overdue => "overdue",
            Standing::Paused => "paused",
            Standing::Met => "met",
        }
    }
}

/// A warning the sweep sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Point {
    Near,
    Missed,
}

impl Point {
    pub fn as_str(self) -> &'static str {
        match self {
            Point::Near => "near",
            Point::Missed => "missed",
        }
    }
}

impl Deadline {
    fn start(started: Timestamp, target: SignedDuration, policy: &Policy<'_>) -> Option<Deadline> {
        let mut d = Deadline {
            minutes: target.as_mins(),
            started,
            paused_minutes: 0,
            paused_since: None,
            near: started,
            due: started,
            met: None,
            near_sent: false,
            missed_sent: false,
        };
        d.place(policy.calendar, policy.escalate_at)?;
        Some(d)
    }

    /// Computes the near and due instants from the start, the target and the pauses.
    fn place(&mut self, calendar: &Calendar, escalate_at: u8) -> Option<()> {
        let near = self.minutes * i64::from(escalate_at) / 100;
        self.near = calendar.add(
            self.started,
            SignedDuration::from_mins(near + self.paused_minutes),
        )?;
        self.due = calendar.add(
            self.started,
            SignedDuration::from_mins(self.minutes + self.paused_minutes),
        )?;
        Some(())
    }

    pub fn running(&self) -> bool {
        self.met.is_none() && self.paused_since.is_none()
    }

    /// Met after its due time, or running past it.
    pub fn breached(&self, now: Timestamp) -> bool {
        match self.met {
            Some(m) => m > self.due,
            None => self.paused_since.map_or(now, |p| p) > self.due,
        }
    }

    pub fn standing(&self, now: Timestamp) -> Standing {
        if self.met.is_some() {
            Standing::Met
        } else if self.paused_since.is_some() {
            Standing::Paused
        } else if now >= self.due {
            Standing::Overdue
        } else if now >= self.near {
            Standing::Near
        } else {
            Standing::Ok
        }
    }

    /// The business time left at `now` (negative when overdue; while paused, what was
    /// left when the pause began).
    pub fn left(&self, calendar: &Calendar, now: Timestamp) -> SignedDuration {
        calendar.between(self.paused_since.unwrap_or(now), self.due)
    }

    /// The next warning not yet sent, and when.
    fn next_point(&self) -> Option<Timestamp> {
        if !self.running() {
            None
        } else if !self.near_sent {
            Some(self.near)
        } else if !self.missed_sent {
            Some(self.due)
        } else {
            None
        }
    }
}

/// The deadlines a ticket carries; stored on the ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlaClock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<Deadline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<Deadline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Deadline>,
}

/// What happened to the ticket, as the clock sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaEvent {
    /// A public reply from staff (not an internal note).
    StaffReply,
    /// A public article from the customer.
    CustomerReply,
    /// Anything else that may have changed the state (a state set, a timer, a close).
    StateChanged,
}

impl SlaClock {
    /// The clock of a ticket opened at `created`; `None` when its policy has no target
    /// (or the calendar has no support hours, so nothing could ever be due).
    pub fn open(created: Timestamp, policy: &Policy<'_>) -> Option<SlaClock> {
        let clock = SlaClock {
            first_response: policy
                .targets
                .first_response
                .and_then(|t| Deadline::start(created, t, policy)),
            update: None,
            resolution: policy
                .targets
                .resolution
                .and_then(|t| Deadline::start(created, t, policy)),
        };
        (clock != SlaClock::default()).then_some(clock)
    }

    pub fn get(&self, kind: TargetKind) -> Option<&Deadline> {
        match kind {
            TargetKind::FirstResponse => self.first_response.as_ref(),
            TargetKind::Update => self.update.as_ref(),
            TargetKind::Resolution => self.resolution.as_ref(),
        }
    }

    fn get_mut(&mut self, kind: TargetKind) -> Option<&mut Deadline> {
        match kind {
            TargetKind::FirstResponse => self.first_response.as_mut(),
            TargetKind::Update => self.update.as_mut(),
            TargetKind::Resolution => self.resolution.as_mut(),
        }
    }

    /// The clock after `event` left the ticket in `state` at `now`.
    pub fn after(
        mut self,
        event: SlaEvent,
        state: State,
        now: Timestamp,
        policy: &Policy<'_>,
    ) -> SlaClock {
        let waits_on_staff = matches!(state, State::New | State::Open);
        if event == SlaEvent::StaffReply {
            for d in [self.first_response.as_mut(), self.update.as_mut()]
                .into_iter()
                .flatten()
            {
                if d.met.is_none() {
                    d.met = Some(now);
                }
            }
        }
        let responded = self.first_response.is_none_or(|d| d.met.is_some());
        let update_running = self.update.is_some_and(|d| d.met.is_none());
        self.update = if !waits_on_staff {
            // Waiting for the customer, or closed: no update is owed.
            self.update.filter(|d| d.met.is_some())
        } else if responded
            && !update_running
            && matches!(event, SlaEvent::StaffReply | SlaEvent::CustomerReply)
        {
            policy
                .targets
                .update
                .and_then(|t| Deadline::start(now, t, policy))
                .or(self.update)
        } else {
            self.update
        };
        if let Some(r) = self.resolution.as_mut() {
            match state {
                State::Closed => {
                    // Paused too, so that a reopening does not count the closed days.
                    r.met.get_or_insert(now);
                    r.paused_since.get_or_insert(now);
                }
                State::WaitingCustomer | State::PendingClose => {
                    r.met = None;
                    r.paused_since.get_or_insert(now);
                }
                State::New | State::Open => {
                    // Reopened after closing: it runs again from where it was.
                    r.met = None;
                    if let Some(since) = r.paused_since.take()
                        && since < r.due
                    {
                        r.paused_minutes += policy.calendar.between(since, now).as_mins();
                        let before = (r.near, r.due);
                        if r.place(policy.calendar, policy.escalate_at).is_some() {
                            // A point moved later may be warned about again.
                            r.near_sent &= r.near == before.0;
                            r.missed_sent &= r.due == before.1;
                        }
                    }
                }
            }
        }
        self
    }

    /// The clock with new targets (a priority changed), counted again from when each
    /// deadline started; a warning already sent is sent again only if its point moved.
    pub fn retarget(self, created: Timestamp, policy: &Policy<'_>) -> Option<SlaClock> {
        let keep = |old: Option<Deadline>, kind: TargetKind, start: Timestamp| {
            let target = policy.targets.get(kind)?;
            let mut d = Deadline::start(old.map_or(start, |o| o.started), target, policy)?;
            if let Some(o) = old {
                d.met = o.met;
                d.paused_since = o.paused_since;
                d.paused_minutes = o.paused_minutes;
                d.place(policy.calendar, policy.escalate_at)?;
                d.near_sent = o.near_sent && o.near == d.near;
                d.missed_sent = o.missed_sent && o.due == d.due;
            }
            Some(d)
        };
        let clock = SlaClock {
            first_response: keep(self.first_response, TargetKind::FirstResponse, created),
            update: self
                .update
                .and_then(|u| keep(Some(u), TargetKind::Update, u.started)),
            resolution: keep(self.resolution, TargetKind::Resolution, created),
        };
        (clock != SlaClock::default()).then_some(clock)
    }

    /// The earliest moment the sweep has a warning to send, if any.
    pub fn next_point(&self) -> Option<Timestamp> {
        TargetKind::ALL
            .iter()
            .filter_map(|k| self.get(*k)?.next_point())
            .min()
    }

    /// Marks the warnings due at `now` as sent and returns them. When the due time has
    /// passed too (a late sweep), only the miss is told: the near warning is moot.
    pub fn warnings_due(&mut self, now: Timestamp) -> Vec<(TargetKind, Point)> {
        let mut out = Vec::new();
        for kind in TargetKind::ALL {
            let Some(d) = self.get_mut(kind) else {
                continue;
            };
            if !d.running() {
                continue;
            }
            if !d.missed_sent && d.due <= now {
                d.missed_sent = true;
                d.near_sent = true;
                out.push((kind, Point::Missed));
            } else if !d.near_sent && d.near <= now {
                d.near_sent = true;
                out.push((kind, Point::Near));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::business_hours::Span;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    fn calendar() -> Calendar {
        let day = vec![Span::parse("09:00-17:30").unwrap()];
        let week = std::array::from_fn(|i| if i < 5 { day.clone() } else { vec![] });
        Calendar::new(
            TimeZone::get("Asia/Tokyo").unwrap(),
            week,
            [date(2026, 11, 23)],
        )
        .unwrap()
    }

    fn jst(s: &str) -> Timestamp {
        format!("{s}+09:00[Asia/Tokyo]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    fn h(n: i64) -> Option<SignedDuration> {
        Some(SignedDuration::from_hours(n))
    }

    fn policy(c: &Calendar) -> Policy<'_> {
        Policy {
            calendar: c,
            targets: Targets {
                first_response: h(4),
                update: h(8),
                resolution: h(16),
            },
            escalate_at: 75,
        }
    }

    #[test]
    fn no_targets_no_clock() {
        let c = calendar();
        let p = Policy {
            targets: Targets::default(),
            ..policy(&c)
        };
        assert_eq!(SlaClock::open(jst("2026-11-20T10:00"), &p), None);
    }

    #[test]
    fn a_ticket_opened_the_friday_before_a_holiday_is_due_on_tuesday() {
        let c = calendar();
        let clock = SlaClock::open(jst("2026-11-20T16:00"), &policy(&c)).unwrap();
        let first = clock.first_response.unwrap();
        // 75 % of 4 h = 3 h: 1.5 h on Friday, 1.5 h on Tuesday.
        assert_eq!(first.near, jst("2026-11-24T10:30"));
        assert_eq!(first.due, jst("2026-11-24T11:30"));
        assert_eq!(clock.next_point(), Some(jst("2026-11-24T10:30")));
        assert_eq!(first.standing(jst("2026-11-23T12:00")), Standing::Ok);
        assert_eq!(first.standing(jst("2026-11-24T10:30")), Standing::Near);
        assert_eq!(first.standing(jst("2026-11-24T11:30")), Standing::Overdue);
        assert_eq!(
            first.left(&c, jst("2026-11-23T12:00")),
            SignedDuration::from_mins(150)
        );
    }

    #[test]
    fn warnings_are_given_once_each_and_a_late_sweep_gives_only_the_miss() {
        let c = calendar();
        let mut clock = SlaClock::open(jst("2026-11-20T16:00"), &policy(&c)).unwrap();
        assert_eq!(clock.warnings_due(jst("2026-11-24T10:00")), vec![]);
        assert_eq!(
            clock.warnings_due(jst("2026-11-24T10:30")),
            vec![(TargetKind::FirstResponse, Point::Near)]
        );
        assert_eq!(clock.warnings_due(jst("2026-11-24T10:31")), vec![]);
        assert_eq!(
            clock.warnings_due(jst("2026-11-24T11:30")),
            vec![(TargetKind::FirstResponse, Point::Missed)]
        );
        assert_eq!(clock.warnings_due(jst("2026-11-24T12:00")), vec![]);

        let mut late = SlaClock::open(jst("2026-11-20T16:00"), &policy(&c)).unwrap();
        assert_eq!(
            late.warnings_due(jst("2026-11-25T09:00")),
            vec![(TargetKind::FirstResponse, Point::Missed)]
        );
    }

    #[test]
    fn a_staff_reply_meets_the_first_response_and_starts_the_update_target() {
        let c = calendar();
        let p = policy(&c);
        let clock = SlaClock::open(jst("2026-11-20T16:00"), &p).unwrap();
        let after = clock.after(
            SlaEvent::StaffReply,
            State::Open,
            jst("2026-11-24T09:30"),
            &p,
        );
        let first = after.first_response.unwrap();
        assert_eq!(first.standing(jst("2026-11-30T00:00")), Standing::Met);
        assert!(!first.breached(jst("2026-11-30T00:00")));
        // 8 business hours from 9:30 end exactly at closing.
        let update = after.update.unwrap();
        assert_eq!(update.due, jst("2026-11-24T17:30"));
        // Waiting for the customer: no update owed, resolution paused.
        let waiting = after.after(
            SlaEvent::StaffReply,
            State::WaitingCustomer,
            jst("2026-11-24T10:00"),
            &p,
        );
        assert!(waiting.update.unwrap().met.is_some());
        assert_eq!(
            waiting
                .resolution
                .unwrap()
                .standing(jst("2026-11-26T10:00")),
            Standing::Paused
        );
        assert_eq!(waiting.next_point(), None);
    }

    #[test]
    fn resolution_pauses_while_waiting_for_the_customer() {
        let c = calendar();
        let p = policy(&c);
        let clock = SlaClock::open(jst("2026-11-18T09:00"), &p).unwrap();
        assert_eq!(clock.resolution.unwrap().due, jst("2026-11-19T16:30"));
        let waiting = clock.after(
            SlaEvent::StaffReply,
            State::WaitingCustomer,
            jst("2026-11-18T10:00"),
            &p,
        );
        // The customer answers two business days later (Fri 20 10:00): resolution moves
        // by the 17 business hours paused.
        let back = waiting.after(
            SlaEvent::CustomerReply,
            State::Open,
            jst("2026-11-20T10:00"),
            &p,
        );
        let r = back.resolution.unwrap();
        assert_eq!(r.paused_minutes, 17 * 60);
        assert_eq!(r.due, jst("2026-11-24T16:30"));
        // The customer's reply starts the update target.
        assert_eq!(back.update.unwrap().due, jst("2026-11-24T09:30"));
        // Closing meets resolution; nothing more is warned about.
        let closed = back.after(
            SlaEvent::StateChanged,
            State::Closed,
            jst("2026-11-24T12:00"),
            &p,
        );
        assert_eq!(
            closed.resolution.unwrap().standing(jst("2026-11-24T12:00")),
            Standing::Met
        );
        assert_eq!(closed.next_point(), None);
        // Reopened the next morning: the closed business time does not count.
        let reopened = closed.after(
            SlaEvent::CustomerReply,
            State::Open,
            jst("2026-11-25T10:00"),
            &p,
        );
        let r = reopened.resolution.unwrap();
        assert_eq!(r.standing(jst("2026-11-25T10:00")), Standing::Ok);
        assert_eq!(r.due, jst("2026-11-25T14:30"));
    }

    #[test]
    fn an_internal_note_does_not_count_as_a_response() {
        let c = calendar();
        let p = policy(&c);
        let clock = SlaClock::open(jst("2026-11-18T09:00"), &p).unwrap();
        let after = clock.clone().after(
            SlaEvent::StateChanged,
            State::Open,
            jst("2026-11-18T10:00"),
            &p,
        );
        assert_eq!(after, clock);
    }

    #[test]
    fn a_new_priority_counts_again_from_creation_and_warns_again_only_if_moved() {
        let c = calendar();
        let p = policy(&c);
        let mut clock = SlaClock::open(jst("2026-11-18T09:00"), &p).unwrap();
        clock.warnings_due(jst("2026-11-18T12:00"));
        assert!(clock.first_response.unwrap().near_sent);
        let urgent = Policy {
            targets: Targets {
                first_response: h(1),
                update: None,
                resolution: h(16),
            },
            ..p
        };
        let again = clock.retarget(jst("2026-11-18T09:00"), &urgent).unwrap();
        let first = again.first_response.unwrap();
        assert_eq!(first.due, jst("2026-11-18T10:00"));
        assert!(!first.near_sent);
        assert_eq!(again.resolution.unwrap().due, jst("2026-11-19T16:30"));
    }

    #[test]
    fn the_clock_round_trips_as_json() {
        let c = calendar();
        let clock = SlaClock::open(jst("2026-11-18T09:00"), &policy(&c)).unwrap();
        let json = serde_json::to_string(&clock).unwrap();
        assert_eq!(serde_json::from_str::<SlaClock>(&json).unwrap(), clock);
    }
}
