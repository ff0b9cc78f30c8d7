//! Business time: a calendar of support hours per weekday and closed dates (holidays),
//! in the vendor's time zone, and arithmetic on it (the due time N business minutes
//! after an instant, the business time between two instants). SLA targets count in it.
//!
//! Every span is turned into instants through the time zone on its own civil date, so a
//! zone with daylight saving time gets the right length on the days it changes.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Minutes in a civil day; a span may end at `24:00`.
const DAY: u16 = 24 * 60;

/// How many days a computation walks without finding any support hours before it
/// gives up (a calendar whose every day is closed for this long has no business time).
const HORIZON_DAYS: usize = 3 * 366;

/// Support hours within one day, as minutes after midnight: `start` up to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    start: u16,
    end: u16,
}

impl Span {
    /// `start` before `end`, both within the day (`end` may be 24:00).
    pub fn new(start: u16, end: u16) -> Option<Span> {
        (start < end && end <= DAY).then_some(Span { start, end })
    }

    /// `09:00-17:30`.
    pub fn parse(text: &str) -> Result<Span, String> {
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("'{text}' is not a span like 09:00-17:30"))?;
        let (start, end) = (clock(a)?, clock(b)?);
        Span::new(start, end).ok_or_else(|| format!("'{text}': the start must come before the end"))
    }

    pub fn minutes(self) -> u16 {
        self.end - self.start
    }
}

/// `9:00`, `09:00` or `24:00` as minutes after midnight.
fn clock(text: &str) -> Result<u16, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not a time of day like 09:00");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h * 60 + m > DAY || m > 0 && h >= 24 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the support hours of {day} overlap ({a} and {b})")]
    Overlap {
        day: &'static str,
        a: String,
        b: String,
    },
}

/// When support works: hours per weekday, closed dates, in a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    tz: TimeZone,
    /// Monday first; an empty day is closed.
    week: [Vec<Span>; 7],
    closed: BTreeSet<Date>,
}

/// The names of the days, Monday first, as the configuration writes them.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(d: Weekday) -> usize {
    d.to_monday_zero_offset() as usize
}

impl Calendar {
    /// A calendar; each day's spans are sorted and must not overlap.
    pub fn new(
        tz: TimeZone,
        mut week: [Vec<Span>; 7],
        closed: impl IntoIterator<Item = Date>,
    ) -> Result<Calendar, CalendarError> {
        for (i, spans) in week.iter_mut().enumerate() {
            spans.sort();
            for w in spans.windows(2) {
                if w[1].start < w[0].end {
                    return Err(CalendarError::Overlap {
                        day: DAY_NAMES[i],
                        a: show(w[0]),
                        b: show(w[1]),
                    });
                }
            }
        }
        Ok(Calendar {
            tz,
            week,
            closed: closed.into_iter().collect(),
        })
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Whether the calendar has any support hours at all.
    pub fn has_hours(&self) -> bool {
        self.week.iter().any(|d| !d.is_empty())
    }

    /// The support hours of a date: none on a closed date.
    pub fn spans_on(&self, date: Date) -> &[Span] {
        if self.closed.contains(&date) {
            &[]
        } else {
            &self.week[day_index(date.weekday())]
        }
    }

    pub fn is_closed_date(&self, date: Date) -> bool {
        self.closed.contains(&date)
    }

    /// Whether `t` falls within support hours (a span's start is in, its end is out).
    pub fn is_open_at(&self, t: Timestamp) -> bool {
        let date = t.to_zoned(self.tz.clone()).date();
        self.intervals_on(date).any(|(a, b)| a <= t && t < b)
    }

    /// The instants of a date's spans.
    fn intervals_on(&self, date: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        self.spans_on(date)
            .iter()
            .filter_map(move |s| Some((self.instant(date, s.start)?, self.instant(date, s.end)?)))
            .filter(|(a, b)| a < b)
    }

    /// `minute` after the start of `date` on the wall clock, as an instant (a time in a
    /// daylight-saving gap moves forward, as jiff's "compatible" rule does).
    fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let (date, minute) = if minute >= DAY {
            (date.tomorrow().ok()?, minute - DAY)
        } else {
            (date, minute)
        };
        let civil = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        civil.to_zoned(self.tz.clone()).ok().map(|z| z.timestamp())
    }

    /// The instant when `length` of business time has passed after `start`: the due
    /// time of a target. A start outside support hours counts from the next opening;
    /// a due time that falls exactly at a closing is that closing, not the next
    /// opening. `None` when the calendar has no support hours within years.
    pub fn add(&self, start: Timestamp, length: SignedDuration) -> Option<Timestamp> {
        if !length.is_positive() {
            return Some(start);
        }
        let mut left = length;
        let mut date = start.to_zoned(self.tz.clone()).date();
        let mut idle = 0;
        while idle < HORIZON_DAYS {
            let mut any = false;
            for (a, b) in self.intervals_on(date) {
                if b <= start {
                    continue;
                }
                any = true;
                let from = a.max(start);
                let here = b.duration_since(from);
                if here >= left {
                    return from.checked_add(left).ok();
                }
                left -= here;
            }
            idle = if any { 0 } else { idle + 1 };
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The business time from `a` to `b` (negative when `b` is before `a`).
    pub fn between(&self, a: Timestamp, b: Timestamp) -> SignedDuration {
        if b < a {
            return -self.between(b, a);
        }
        let mut total = SignedDuration::ZERO;
        let mut date = a.to_zoned(self.tz.clone()).date();
        let last = b.to_zoned(self.tz.clone()).date();
        while date <= last {
            for (s, e) in self.intervals_on(date) {
                let (from, to) = (s.max(a), e.min(b));
                if from < to {
                    total += to.duration_since(from);
                }
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        total
    }
}

fn show(s: Span) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        s.start / 60,
        s.start % 60,
        s.end / 60,
        s.end % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn tokyo(spans: &[&str], closed: &[Date]) -> Calendar {
        let day: Vec<Span> = spans.iter().map(|s| Span::parse(s).unwrap()).collect();
        let week = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ];
        Calendar::new(
            TimeZone::get("Asia/Tokyo").unwrap(),
            week,
            closed.iter().copied(),
        )
        .unwrap()
    }

    /// 9:00–17:30 on weekdays, 勤労感謝の日 (Mon 2026-11-23) and the year end closed.
    fn vendor() -> Calendar {
        let mut closed = vec![date(2026, 11, 23)];
        let mut d = date(2026, 12, 29);
        while d <= date(2027, 1, 3) {
            closed.push(d);
            d = d.tomorrow().unwrap();
        }
        closed.push(date(2027, 1, 11)); // 成人の日
        tokyo(&["09:00-17:30"], &closed)
    }

    fn jst(s: &str) -> Timestamp {
        format!("{s}+09:00[Asia/Tokyo]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    #[test]
    fn a_target_within_the_day_is_due_the_same_day() {
        let c = vendor();
        assert_eq!(
            c.add(jst("2026-11-18T10:00"), hours(4)),
            Some(jst("2026-11-18T14:00"))
        );
    }

    #[test]
    fn a_target_that_ends_at_closing_is_due_at_closing_not_the_next_morning() {
        let c = vendor();
        assert_eq!(
            c.add(jst("2026-11-18T09:00"), mins(510)),
            Some(jst("2026-11-18T17:30"))
        );
        assert_eq!(
            c.add(jst("2026-11-18T09:00"), mins(511)),
            Some(jst("2026-11-19T09:01"))
        );
    }

    #[test]
    fn a_friday_afternoon_ticket_is_due_after_the_weekend() {
        let c = vendor();
        // Fri 2026-11-13 16:00: 1.5 h left that day, 2.5 h on Monday.
        assert_eq!(
            c.add(jst("2026-11-13T16:00"), hours(4)),
            Some(jst("2026-11-16T11:30"))
        );
    }

    #[test]
    fn the_friday_before_a_holiday_monday_is_due_on_tuesday() {
        let c = vendor();
        // Fri 2026-11-20 16:00; Sat, Sun and Mon 23 (勤労感謝の日) are closed.
        assert_eq!(
            c.add(jst("2026-11-20T16:00"), hours(4)),
            Some(jst("2026-11-24T11:30"))
        );
        assert_eq!(
            c.between(jst("2026-11-20T16:00"), jst("2026-11-24T11:30")),
            hours(4)
        );
    }

    #[test]
    fn a_start_on_a_holiday_counts_from_the_next_opening() {
        let c = vendor();
        assert_eq!(
            c.add(jst("2026-11-23T10:00"), hours(1)),
            Some(jst("2026-11-24T10:00"))
        );
        assert!(!c.is_open_at(jst("2026-11-23T10:00")));
    }

    #[test]
    fn a_start_before_opening_or_after_closing_counts_from_the_next_opening() {
        let c = vendor();
        assert_eq!(
            c.add(jst("2026-11-18T06:00"), hours(1)),
            Some(jst("2026-11-18T10:00"))
        );
        assert_eq!(
            c.add(jst("2026-11-18T20:00"), hours(1)),
            Some(jst("2026-11-19T10:00"))
        );
        assert_eq!(
            c.add(jst("2026-11-18T17:30"), hours(1)),
            Some(jst("2026-11-19T10:00"))
        );
    }

    #[test]
    fn the_year_end_closure_and_the_new_year_weekend_are_skipped() {
        let c = vendor();
        // Mon 2026-12-28 17:00: half an hour that day; 12/29–1/3 closed; Mon 1/4 opens.
        assert_eq!(
            c.add(jst("2026-12-28T17:00"), hours(2)),
            Some(jst("2027-01-04T10:30"))
        );
        // Two business days (17 h) from the last morning of the year: 12/28 and 1/4.
        assert_eq!(
            c.add(jst("2026-12-28T09:00"), mins(17 * 60)),
            Some(jst("2027-01-04T17:30"))
        );
        assert_eq!(
            c.add(jst("2026-12-28T09:00"), mins(18 * 60)),
            Some(jst("2027-01-05T10:00"))
        );
        assert_eq!(
            c.between(jst("2026-12-28T00:00"), jst("2027-01-05T00:00")),
            mins(2 * 510)
        );
    }

    #[test]
    fn a_lunch_break_is_not_business_time() {
        let c = tokyo(&["09:00-12:00", "13:00-17:30"], &[]);
        assert_eq!(
            c.add(jst("2026-11-18T11:00"), hours(2)),
            Some(jst("2026-11-18T14:00"))
        );
        assert!(!c.is_open_at(jst("2026-11-18T12:30")));
        assert!(c.is_open_at(jst("2026-11-18T13:00")));
        assert!(!c.is_open_at(jst("2026-11-18T17:30")));
        assert_eq!(
            c.between(jst("2026-11-18T11:00"), jst("2026-11-18T14:00")),
            hours(2)
        );
    }

    #[test]
    fn between_is_negative_backwards_and_zero_when_closed() {
        let c = vendor();
        let (a, b) = (jst("2026-11-18T10:00"), jst("2026-11-18T11:00"));
        assert_eq!(c.between(b, a), -hours(1));
        assert_eq!(
            c.between(jst("2026-11-21T00:00"), jst("2026-11-24T09:00")),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn a_calendar_without_hours_has_no_due_time() {
        let c = Calendar::new(TimeZone::UTC, Default::default(), []).unwrap();
        assert!(!c.has_hours());
        assert_eq!(c.add(jst("2026-11-18T10:00"), hours(1)), None);
    }

    #[test]
    fn a_day_open_around_the_clock_ends_at_midnight() {
        let mut week: [Vec<Span>; 7] = Default::default();
        week[5] = vec![Span::parse("00:00-24:00").unwrap()];
        let c = Calendar::new(TimeZone::get("Asia/Tokyo").unwrap(), week, []).unwrap();
        // Sat 2026-11-21 22:00 + 2 h is midnight; one more minute is the next Saturday.
        assert_eq!(
            c.add(jst("2026-11-21T22:00"), hours(2)),
            Some(jst("2026-11-22T00:00"))
        );
        assert_eq!(
            c.add(jst("2026-11-21T22:00"), mins(121)),
            Some(jst("2026-11-28T00:01"))
        );
    }

    #[test]
    fn hours_follow_the_wall_clock_across_a_daylight_saving_change() {
        // New York, Sun 2026-03-08: 02:00 jumps to 03:00; open 00:00–06:00 every day.
        let week: [Vec<Span>; 7] =
            std::array::from_fn(|_| vec![Span::parse("00:00-06:00").unwrap()]);
        let c = Calendar::new(TimeZone::get("America/New_York").unwrap(), week, []).unwrap();
        let z = |s: &str| {
            format!("{s}[America/New_York]")
                .parse::<jiff::Zoned>()
                .unwrap()
                .timestamp()
        };
        // That day has 5 real hours of support.
        assert_eq!(
            c.between(z("2026-03-08T00:00"), z("2026-03-09T00:00")),
            hours(5)
        );
        assert_eq!(
            c.add(z("2026-03-08T00:00"), hours(5)),
            Some(z("2026-03-08T06:00"))
        );
    }

    #[test]
    fn overlapping_spans_and_bad_times_are_refused() {
        let mut week: [Vec<Span>; 7] = Default::default();
        week[0] = vec![
            Span::parse("09:00-12:00").unwrap(),
            Span::parse("11:00-13:00").unwrap(),
        ];
        assert!(matches!(
            Calendar::new(TimeZone::UTC, week, []),
            Err(CalendarError::Overlap { day: "mon", .. })
        ));
        for bad in ["9-17", "17:00-09:00", "09:00-24:30", "09:60-10:00", "x"] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Span::parse("9:00-17:30").unwrap().minutes(), 510);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Adding business time and measuring it back gives the same length, and
            /// the due time is never before the start.
            #[test]
            fn add_and_between_agree(start_min in 0i64..(60 * 24 * 120), len in 1i64..(60 * 200)) {
                let c = vendor();
                let start = jst("2026-11-01T00:00").checked_add(mins(start_min)).unwrap();
                let due = c.add(start, mins(len)).unwrap();
                prop_assert!(due > start);
                prop_assert_eq!(c.between(start, due), mins(len));
                // The last moment before the due time is within hours.
                prop_assert!(c.is_open_at(due.checked_sub(SignedDuration::from_secs(1)).unwrap()));
            }
        }
    }
}
