//! Maintenance contracts (seed 002): the number customers quote and the period a
//! contract covers.

use jiff::civil::Date;

/// A contract number or contract name as printed on the support certificate
/// (`NL-2026-0001`): one line, at most 64 characters, no surrounding spaces.
pub fn parse_number(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.chars().count() > 64 {
        return Err("is longer than 64 characters".into());
    }
    if s.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err("may not hold control characters or slashes".into());
    }
    Ok(s.to_owned())
}

/// A day as `2026-04-01` or `2026/04/01` (as Japanese certificates and Excel write it).
pub fn parse_date(s: &str) -> Result<Date, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    let normalized = s.replace('/', "-");
    let mut parts = normalized.split('-');
    let mut next = || parts.next().and_then(|p| p.parse::<i32>().ok());
    let (y, m, d) = (next(), next(), next());
    match (y, m, d, parts.next()) {
        (Some(y), Some(m), Some(d), None) if (1900..=9999).contains(&y) => {
            Date::new(y as i16, m as i8, d as i8)
                .map_err(|_| format!("'{s}' is not a day of the calendar"))
        }
        _ => Err(format!("'{s}' is not a date (2026-04-01)")),
    }
}

/// The period is valid if it ends on or after the day it starts.
pub fn check_period(starts_on: Date, ends_on: Date) -> Result<(), String> {
    if ends_on < starts_on {
        return Err(format!("{ends_on} is before the start {starts_on}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_take_dashes_or_slashes_and_must_exist() {
        let d = Date::new(2026, 4, 1).unwrap();
        assert_eq!(parse_date("2026-04-01"), Ok(d));
        assert_eq!(parse_date("2026/4/1"), Ok(d));
        for bad in [
            "",
            "2026-02-30",
            "01/04/2026",
            "2026-04",
            "tomorrow",
            "2026-04-01-01",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_period_may_not_end_before_it_starts() {
        let a = Date::new(2026, 4, 1).unwrap();
        let b = Date::new(2027, 3, 31).unwrap();
        assert!(check_period(a, b).is_ok());
        assert!(check_period(a, a).is_ok());
        assert!(check_period(b, a).is_err());
    }

    #[test]
    fn contract_numbers_are_one_line() {
        assert_eq!(parse_number(" NL-2026-0001 ").unwrap(), "NL-2026-0001");
        assert!(parse_number("").is_err());
        assert!(parse_number("a\nb").is_err());
        assert!(parse_number("a/b").is_err());
    }
}
