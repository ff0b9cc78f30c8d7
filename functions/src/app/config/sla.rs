//! `business_hours:`, `holidays:` and `sla:` of the portal configuration: the calendar
//! SLA targets count in, and which targets apply to a ticket (by priority, service and
//! service level).

use jiff::SignedDuration;
use jiff::civil::Date;
use madoguchi_yaml::Fields;
use madoguchi_yaml::yaml::Value;

use crate::app::form::TicketForm;
use crate::domain::business_hours::{Calendar, DAY_NAMES, Span};
use crate::domain::ticket::sla::{Policy, TargetKind, Targets};

/// The SLA part of the configuration; absent when the file has no `sla:`.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaConfig {
    pub calendar: Calendar,
    /// The share of a target's business time after which the team is warned (1–99 %).
    pub escalate_at: u8,
    rules: Vec<Rule>,
}

/// One entry of `sla.targets`: the targets it sets for the tickets it selects.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    priority: Option<String>,
    service: Option<String>,
    sla: Option<String>,
    targets: Targets,
}

impl Rule {
    fn matches(&self, priority: &str, service: Option<&str>, sla: Option<&str>) -> bool {
        self.priority.as_deref().is_none_or(|p| p == priority)
            && self.service.as_deref().is_none_or(|s| Some(s) == service)
            && self.sla.as_deref().is_none_or(|s| Some(s) == sla)
    }

    /// The more specific rule wins: a service level over a service over a priority.
    fn weight(&self) -> u8 {
        4 * u8::from(self.sla.is_some())
            + 2 * u8::from(self.service.is_some())
            + u8::from(self.priority.is_some())
    }
}

impl SlaConfig {
    /// The targets of a ticket: each target from the most specific entry that sets it.
    pub fn targets_for(&self, priority: &str, service: Option<&str>, sla: Option<&str>) -> Targets {
        let mut rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(priority, service, sla))
            .collect();
        rules.sort_by_key(|r| std::cmp::Reverse(r.weight()));
        let pick = |kind| rules.iter().find_map(|r| r.targets.get(kind));
        Targets {
            first_response: pick(TargetKind::FirstResponse),
            update: pick(TargetKind::Update),
            resolution: pick(TargetKind::Resolution),
        }
    }

    pub fn policy(&self, priority: &str, service: Option<&str>, sla: Option<&str>) -> Policy<'_> {
        Policy {
            calendar: &self.calendar,
            targets: self.targets_for(priority, service, sla),
            escalate_at: self.escalate_at,
        }
    }
}

pub(super) const SLA_KEYS: &[&str] = &["escalate_at", "targets"];
const RULE_KEYS: &[&str] = &[
    "priority",
    "service",
    "sla",
    "first_response",
    "update",
    "resolution",
];

/// `business_hours:` — `mon-fri: "09:00-17:30"`, `sat: "09:00-12:00"`, several spans
/// separated by commas, `closed` for none; days not named are closed.
pub(super) fn read_business_hours(b: &mut Fields<'_>, keys: &[String]) -> [Vec<Span>; 7] {
    let mut week: [Vec<Span>; 7] = Default::default();
    let mut named = [false; 7];
    for key in keys {
        let Some(text) = b.str(key) else { continue };
        let days = match day_range(key) {
            Some(days) => days,
            None => {
                b.error_on(
                    key,
                    "is not a day or a range of days (mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri)",
                );
                continue;
            }
        };
        let mut spans = Vec::new();
        if text.trim() != "closed" {
            for part in text.split(',') {
                match Span::parse(part.trim()) {
                    Ok(s) => spans.push(s),
                    Err(msg) => b.error_on(key, msg),
                }
            }
        }
        for d in days {
            if named[d] {
                b.error_on(key, format!("names {} again", DAY_NAMES[d]));
            }
            named[d] = true;
            week[d] = spans.clone();
        }
    }
    week
}

/// `mon`, or `mon-fri` (the days from one to the other, Monday first).
fn day_range(key: &str) -> Option<std::ops::RangeInclusive<usize>> {
    let index = |d: &str| DAY_NAMES.iter().position(|n| *n == d.trim());
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (index(a)?, index(b)?);
            (a <= b).then_some(a..=b)
        }
        None => index(key).map(|d| d..=d),
    }
}

/// `holidays:` — dates (`2026-11-23`) and ranges (`2026-12-29..2027-01-03`).
pub(super) fn read_holidays(items: Vec<(String, usize)>, f: &mut Fields<'_>) -> Vec<Date> {
    let mut out = Vec::new();
    for (text, line) in items {
        let text = text.trim();
        let parsed = match text.split_once("..") {
            Some((a, b)) => a
                .trim()
                .parse::<Date>()
                .and_then(|a| Ok((a, b.trim().parse::<Date>()?))),
            None => text.parse::<Date>().map(|d| (d, d)),
        };
        match parsed {
            Ok((a, b)) if a <= b && b.since(a).is_ok_and(|s| s.get_days() <= 366) => {
                let mut d = a;
                while d <= b {
                    out.push(d);
                    match d.tomorrow() {
                        Ok(next) => d = next,
                        Err(_) => break,
                    }
                }
            }
            Ok(_) => f.error_at(
                line,
                "holidays",
                format!("'{text}': a range must go forward and be at most a year long"),
            ),
            Err(_) => f.error_at(
                line,
                "holidays",
                format!(
                    "'{text}' is not a date like 2026-11-23 or a range like 2026-12-29..2027-01-03"
                ),
            ),
        }
    }
    out
}

/// The keys of a map, in the file's order (`business_hours` has days for keys).
pub(super) fn keys_of(node: &madoguchi_yaml::yaml::Node) -> Vec<String> {
    match &node.value {
        Value::Map(entries) => entries.iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    }
}

/// `sla:` — needs the calendar and the form (to check the keys it names).
pub(super) fn read_sla(
    s: &mut Fields<'_>,
    calendar: Option<Calendar>,
    form: Option<&TicketForm>,
) -> Option<SlaConfig> {
    let escalate_at = match s.str("escalate_at") {
        Some(text) => {
            let n = text.trim().trim_end_matches('%').trim().parse::<u8>().ok();
            match n.filter(|n| (1..=99).contains(n)) {
                Some(n) => n,
                None => {
                    s.error_on(
                        "escalate_at",
                        format!("'{text}' is not a share between 1% and 99%"),
                    );
                    80
                }
            }
        }
        None => 80,
    };
    let mut rules: Vec<(Rule, usize)> = Vec::new();
    let line_of_targets = s.line();
    let read = s.map_list_with("targets", RULE_KEYS, |r| {
        let line = r.line();
        let priority = r.str("priority");
        let service = r.str("service");
        let sla = r.str("sla");
        if let Some(form) = form {
            if let Some(p) = &priority
                && !form.priorities.iter().any(|c| &c.key == p)
            {
                let known: Vec<&str> = form.priorities.iter().map(|c| c.key.as_str()).collect();
                r.error_on(
                    "priority",
                    format!(
                        "'{p}' is not a priority of the ticket form ({})",
                        known.join(", ")
                    ),
                );
            }
            match (&service, &sla) {
                (Some(key), _) if form.service(key).is_none() => r.error_on(
                    "service",
                    format!("'{key}' is not a service of the ticket form"),
                ),
                (Some(key), Some(level))
                    if !form
                        .service(key)
                        .is_some_and(|s| s.slas.iter().any(|l| &l.key == level)) =>
                {
                    r.error_on(
                        "sla",
                        format!("'{level}' is not a service level (slas) of the service '{key}'"),
                    );
                }
                (None, Some(_)) => {
                    r.error_on("sla", "needs the service it belongs to (service: …)")
                }
                _ => {}
            }
        }
        let mut targets = Targets::default();
        for kind in TargetKind::ALL {
            if let Some(text) = r.str(kind.as_str()) {
                match parse_business_time(&text) {
                    Ok(d) => match kind {
                        TargetKind::FirstResponse => targets.first_response = Some(d),
                        TargetKind::Update => targets.update = Some(d),
                        TargetKind::Resolution => targets.resolution = Some(d),
                    },
                    Err(msg) => r.error_on(kind.as_str(), msg),
                }
            }
        }
        if !TargetKind::ALL.iter().any(|k| r.has(k.as_str())) {
            let line = r.line();
            r.error_at(
                line,
                "first_response",
                "an entry must set first_response, update or resolution",
            );
        }
        Some((
            Rule {
                priority,
                service,
                sla,
                targets,
            },
            line,
        ))
    });
    for (rule, line) in read {
        if rules.iter().any(|(r, _)| {
            (&r.priority, &r.service, &r.sla) == (&rule.priority, &rule.service, &rule.sla)
        }) {
            s.error_at(
                line,
                "targets",
                "another entry above selects the same tickets (priority, service, sla)",
            );
        }
        rules.push((rule, line));
    }
    if !s.has("targets") {
        s.error_at(
            line_of_targets,
            "targets",
            "is required but missing (the targets per priority)",
        );
    }
    // Without business hours the caller reports the missing section.
    let calendar = calendar?;
    Some(SlaConfig {
        calendar,
        escalate_at,
        rules: rules.into_iter().map(|(r, _)| r).collect(),
    })
}

/// Business time: `4h`, `90m`, `1h30m` (business hours and minutes; no days, as a
/// business day's length is the vendor's own).
pub fn parse_business_time(text: &str) -> Result<SignedDuration, String> {
    let bad = || {
        format!(
            "'{text}' is not a business time (write business hours and minutes: 4h, 90m, 1h30m)"
        )
    };
    let mut rest = text.trim();
    let mut total = 0i64;
    let mut seen_any = false;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: i64 = rest[..split].parse().map_err(|_| bad())?;
        let unit = rest[split..].chars().next().ok_or_else(bad)?;
        total += match unit {
            'h' => n.checked_mul(60).ok_or_else(bad)?,
            'm' => n,
            'd' => {
                return Err(format!(
                    "'{text}': write business hours (h) or minutes (m); a business day's length depends on business_hours, so 'd' is not taken"
                ));
            }
            _ => return Err(bad()),
        };
        rest = rest[split + 1..].trim_start();
        seen_any = true;
    }
    if !seen_any || total <= 0 {
        return Err(bad());
    }
    if total > 10_000 * 60 {
        return Err(format!("'{text}' is longer than 10000 business hours"));
    }
    Ok(SignedDuration::from_mins(total))
}
