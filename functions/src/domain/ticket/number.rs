//! Ticket numbers: the date plus a daily sequence (2026112300001), as customers quote
//! them on the phone and in mail subjects. The sequence comes from an atomic counter in
//! the store; this module only formats and parses.

use std::fmt;

use jiff::civil::Date;

/// A ticket number as shown to people and used in URLs and mail subjects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber(String);

impl TicketNumber {
    /// Parses a number as a customer may type it (spaces and a leading '#' allowed).
    pub fn parse(s: &str) -> Option<TicketNumber> {
        let s = s.trim().trim_start_matches('#');
        (!s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .then(|| TicketNumber(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How numbers are made: an optional prefix, the date as `%Y%m%d`, then the day's
/// sequence padded to `digits` (configurable per vendor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    pub prefix: String,
    pub digits: usize,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            prefix: String::new(),
            digits: 5,
        }
    }
}

impl NumberFormat {
    /// The counter a day's numbers come from: one per day in the vendor's time zone.
    pub fn counter_key(&self, day: Date) -> String {
        format!("ticket-number#{}", day.strftime("%Y%m%d"))
    }

    /// The `seq`-th number of `day` (1-based). A sequence wider than `digits` still
    /// makes a unique number; it is just longer.
    pub fn format(&self, day: Date, seq: u64) -> TicketNumber {
        TicketNumber(format!(
            "{}{}{:0width$}",
            self.prefix,
            day.strftime("%Y%m%d"),
            seq,
            width = self.digits
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_date_plus_padded_sequence() {
        let f = NumberFormat::default();
        let day = Date::new(2026, 11, 23).unwrap();
        assert_eq!(f.format(day, 1).as_str(), "2026112300001");
        assert_eq!(f.format(day, 123_456).as_str(), "20261123123456");
        let f = NumberFormat {
            prefix: "NL-".into(),
            digits: 3,
        };
        assert_eq!(f.format(day, 7).as_str(), "NL-20261123007");
        assert_eq!(f.counter_key(day), "ticket-number#20261123");
    }

    #[test]
    fn typed_numbers_are_parsed_leniently_but_never_carry_markup() {
        assert_eq!(
            TicketNumber::parse(" #2026112300001 ").unwrap().as_str(),
            "2026112300001"
        );
        assert!(TicketNumber::parse("2026<script>").is_none());
        assert!(TicketNumber::parse("").is_none());
    }
}
