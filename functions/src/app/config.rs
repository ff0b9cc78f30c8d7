//! The portal configuration, `content/portal.yaml`: the vendor's name, time zone, ticket
//! numbers, timers, mail, limits and the ticket form. `parse` is pure and reports every
//! problem with its file, line and key; `load` reads the file; `bundled` is the file
//! compiled into the binary, for hosts without the content folder (Lambda).

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::SignedDuration;
use jiff::tz::TimeZone;
use madoguchi_yaml::{ContentError, Fields, Localized, Origin, yaml};

use crate::app::auth::{MAX_PASSWORD_CHARS, PasswordPolicy};
use crate::app::form::{FormView, TicketForm};
use crate::domain::Email;
use crate::domain::business_hours::Calendar;
use crate::domain::ticket::{NumberFormat, TimerConfig};

pub mod assignment;
mod sla;
pub use sla::{SlaConfig, parse_business_time};

/// The file's name inside the content folder.
pub const CONFIG_FILE: &str = "portal.yaml";

/// Where the SMTP password comes from; it never goes in the file.
pub const SMTP_PASSWORD_ENV: &str = "MADOGUCHI_SMTP_PASSWORD";

/// The language used when a text has no translation, and for the team's mails.
pub const DEFAULT_LANGUAGE: &str = "ja";

/// The demo vendor's file, as committed.
const BUNDLED: &str = include_str!("../../../content/portal.yaml");

/// Where links in mails point when neither the file nor the server says.
const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// The portal's name, in mails and on the portal pages.
    pub name: Localized,
    /// Where the portal is reached, for links in mails (no trailing slash). The server
    /// overrides it with `with_base_url` when it knows better.
    pub base_url: String,
    pub time_zone: TimeZone,
    /// The IANA name of `time_zone` (`Asia/Tokyo`), for the API.
    pub time_zone_name: String,
    pub numbers: NumberFormat,
    pub timers: TimerConfig,
    /// The team's address: new tickets and customer replies are announced there.
    pub support_address: Email,
    /// The sender of every mail.
    pub sender: Email,
    /// How mail leaves the machine; `None`: the local outbox folder (or SES on AWS).
    pub smtp: Option<SmtpSettings>,
    pub password_policy: PasswordPolicy,
    pub limits: Limits,
    pub form: TicketForm,
    /// SLA targets in business hours; `None` when the file has no `sla:` (nothing is
    /// shown and nothing escalated).
    pub sla: Option<SlaConfig>,
    /// Departments and the rules that route new tickets to them and to owners (empty
    /// without `assignment:`).
    pub assignment: assignment::Assignment,
}

/// Sizes the server enforces on what customers send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest subject and body accepted, in characters.
    pub max_subject_chars: usize,
    pub max_body_chars: usize,
    /// The largest single attachment, in bytes.
    pub max_attachment_bytes: u64,
    /// Attachments on one ticket or reply.
    pub max_attachments: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_subject_chars: 200,
            max_body_chars: 100_000,
            max_attachment_bytes: 100 * MB,
            max_attachments: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or a test server.
    None,
}

impl SmtpTls {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// An SMTP relay; its password comes from `SMTP_PASSWORD_ENV` (see `Secrets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// A PEM file of extra root certificates, for a relay with a private CA.
    pub ca_file: Option<PathBuf>,
    /// How long to wait for the relay before trying again later.
    pub timeout_secs: u64,
}

/// A secret value: never printed, never in the file.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The secrets the configuration refers to, from the environment (locally) or from
/// Secrets Manager/SSM put into the environment (AWS).
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub smtp_password: Option<Secret>,
}

impl Secrets {
    pub fn from_env() -> Secrets {
        Secrets {
            smtp_password: std::env::var(SMTP_PASSWORD_ENV)
                .ok()
                .filter(|p| !p.is_empty())
                .map(Secret),
        }
    }
}

/// A secret the configuration needs but the environment lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} is set in {CONFIG_FILE}, so the environment variable {env} must hold the password")]
pub struct MissingSecret {
    pub key: &'static str,
    pub env: &'static str,
}

/// Every problem in the configuration file, each with its line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ContentError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the portal configuration",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ConfigErrors {}

impl PortalConfig {
    /// Reads and checks the configuration file; errors name `path` as given.
    pub fn load(path: &Path) -> Result<PortalConfig, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![ContentError {
                file: path.to_path_buf(),
                line: 0,
                field: None,
                message: format!("cannot read the portal configuration: {e}"),
            }])
        })?;
        PortalConfig::parse(path, &text)
    }

    /// The `content/portal.yaml` this binary was built with.
    pub fn bundled() -> Result<PortalConfig, ConfigErrors> {
        PortalConfig::parse(Path::new("content/portal.yaml"), BUNDLED)
    }

    /// The demo vendor's configuration at `base_url`, for the demo and tests.
    pub fn example(base_url: &str) -> PortalConfig {
        match PortalConfig::bundled() {
            Ok(c) => c.with_base_url(base_url),
            // A test checks the committed file; this only fires if someone broke it.
            Err(e) => panic!("content/portal.yaml is invalid:\n{e}"),
        }
    }

    pub fn with_base_url(mut self, base_url: &str) -> PortalConfig {
        self.base_url = base_url.trim_end_matches('/').to_owned();
        self
    }

    /// Checks the configuration against the secrets it needs (at start-up).
    pub fn check_secrets(&self, secrets: &Secrets) -> Result<(), MissingSecret> {
        match &self.smtp {
            Some(SmtpSettings {
                username: Some(_), ..
            }) if secrets.smtp_password.is_none() => Err(MissingSecret {
                key: "mail.smtp.username",
                env: SMTP_PASSWORD_ENV,
            }),
            _ => Ok(()),
        }
    }

    /// The portal's name in `lang`.
    pub fn name_in(&self, lang: &str) -> &str {
        self.name.get(lang, DEFAULT_LANGUAGE)
    }

    pub fn ticket_url(&self, number: &str) -> String {
        format!("{}/portal/tickets/{number}", self.base_url)
    }

    /// The ticket form as `GET /api/v1/form` answers it, in `lang`.
    pub fn form_view(&self, lang: &str, staff: bool) -> FormView {
        self.form.view(lang, &self.limits, staff)
    }

    /// Parses the text of the configuration file named `file`, reporting every problem.
    pub fn parse(file: &Path, text: &str) -> Result<PortalConfig, ConfigErrors> {
        let whole = |line, message: String| {
            ConfigErrors(vec![ContentError {
                file: file.to_path_buf(),
                line,
                field: None,
                message,
            }])
        };
        let node = match yaml::parse(text) {
            Ok(Some(node)) => node,
            Ok(None) => return Err(whole(0, "the portal configuration is empty".into())),
            Err(e) => return Err(whole(e.line, format!("not valid YAML: {}", e.message))),
        };
        let mut errors = Vec::new();
        let origin = Origin {
            file,
            line_offset: 0,
        };
        let mut f = Fields::new(origin, String::new(), &node, &mut errors);

        let name = f.localized("name", true);
        let base_url = f
            .str("base_url")
            .and_then(|u| url(&mut f, "base_url", u))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let time_zone_name = f
            .str("time_zone")
            .unwrap_or_else(|| "Asia/Tokyo".to_owned());
        let time_zone = TimeZone::get(&time_zone_name).unwrap_or_else(|_| {
            f.error_on(
                "time_zone",
                format!("'{time_zone_name}' is not a known time zone (e.g. Asia/Tokyo)"),
            );
            TimeZone::UTC
        });
        let numbers = f
            .map_with("ticket_numbers", &["prefix", "digits"], |n| {
                Some(read_numbers(n))
            })
            .unwrap_or_default();
        let timers = f
            .map_with("timers", TIMER_KEYS, |t| Some(read_timers(t)))
            .unwrap_or_default();
        let mail = f.map_with("mail", &["support_address", "sender", "smtp"], |m| {
            Some(read_mail(m))
        });
        if !f.has("mail") {
            f.error_on("mail", "is required but missing (support_address, sender)");
        }
        let password_policy = f
            .map_with("passwords", PASSWORD_KEYS, read_passwords)
            .unwrap_or_default();
        let limits = f
            .map_with("limits", LIMIT_KEYS, |l| Some(read_limits(l)))
            .unwrap_or_default();
        let form = f.map_with("ticket_form", TicketForm::KEYS, |t| {
            Some(TicketForm::read(t))
        });
        if !f.has("ticket_form") {
            f.error_on("ticket_form", "is required but missing");
        }
        let errors_before = f.errors.len();
        let week = f.node("business_hours").map(sla::keys_of).map(|keys| {
            f.map_with("business_hours", &[], |b| {
                Some(sla::read_business_hours(b, &keys))
            })
        });
        let holidays = f.str_list("holidays");
        let holidays = sla::read_holidays(holidays, &mut f);
        let calendar = week.flatten().and_then(|week| {
            match Calendar::new(time_zone.clone(), week, holidays) {
                Ok(c) if c.has_hours() => Some(c),
                Ok(_) if f.errors.len() > errors_before => None,
                Ok(_) => {
                    f.error_on("business_hours", "has no support hours on any day");
                    None
                }
                Err(e) => {
                    f.error_on("business_hours", e.to_string());
                    None
                }
            }
        });
        if f.has("sla") && !f.has("business_hours") {
            f.error_on(
                "sla",
                "SLA targets count in business hours: business_hours is required with sla",
            );
        }
        let sla = f.map_with("sla", sla::SLA_KEYS, |s| {
            sla::read_sla(s, calendar, form.as_ref())
        });
        let assignment = f
            .map_with("assignment", assignment::KEYS, |a| {
                Some(assignment::read(a, form.as_ref()))
            })
            .unwrap_or_default();
        f.finish(&[
            "name",
            "base_url",
            "time_zone",
            "ticket_numbers",
            "timers",
            "mail",
            "passwords",
            "limits",
            "ticket_form",
            "business_hours",
            "holidays",
            "sla",
            "assignment",
        ]);

        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(ConfigErrors(errors));
        }
        match (mail.flatten(), form) {
            (Some(mail), Some(form)) => Ok(PortalConfig {
                name,
                base_url,
                time_zone,
                time_zone_name,
                numbers,
                timers,
                support_address: mail.support_address,
                sender: mail.sender,
                smtp: mail.smtp,
                password_policy,
                limits,
                form,
                sla,
                assignment,
            }),
            // Every way of getting here recorded an error above.
            _ => Err(whole(0, "the portal configuration is incomplete".into())),
        }
    }

    /// The label of a product key in `lang` (the key itself if the form has no such product).
    pub fn product_label<'a>(&'a self, key: &'a str, lang: &str) -> &'a str {
        self.form
            .products
            .iter()
            .find(|p| p.key == key)
            .map_or(key, |p| p.label.get(lang, DEFAULT_LANGUAGE))
    }

    /// The team address of a ticket's queue: its department's, else the support address.
    pub fn team_address(&self, department: Option<&str>) -> Email {
        department
            .and_then(|d| self.assignment.department(d))
            .and_then(|d| d.address.clone())
            .unwrap_or_else(|| self.support_address.clone())
    }

    /// The label of a priority key in `lang` (the key itself if unknown).
    pub fn priority_label<'a>(&'a self, key: &'a str, lang: &str) -> &'a str {
        self.form
            .priorities
            .iter()
            .find(|p| p.key == key)
            .map_or(key, |p| p.label.get(lang, DEFAULT_LANGUAGE))
    }
}

const PASSWORD_KEYS: &[&str] = &[
    "min_length",
    "require_upper",
    "require_lower",
    "require_digit",
    "refuse_common",
];

/// `passwords:` — every key optional, each defaulting to `PasswordPolicy::default()`.
/// Every wrong key is recorded; the policy is then unused, as the file is refused.
fn read_passwords(p: &mut Fields<'_>) -> Option<PasswordPolicy> {
    let default = PasswordPolicy::default();
    let min_len = match p.int("min_length") {
        Some(n) => in_range(p, "min_length", n, 6, MAX_PASSWORD_CHARS as i64).map(|n| n as usize),
        None => Some(default.min_len),
    };
    let policy = PasswordPolicy {
        min_len: min_len.unwrap_or(default.min_len),
        require_upper: p.bool("require_upper").unwrap_or(default.require_upper),
        require_lower: p.bool("require_lower").unwrap_or(default.require_lower),
        require_digit: p.bool("require_digit").unwrap_or(default.require_digit),
        refuse_common: p.bool("refuse_common").unwrap_or(default.refuse_common),
    };
    min_len.map(|_| policy)
}

fn in_range(f: &mut Fields<'_>, key: &str, n: i64, min: i64, max: i64) -> Option<i64> {
    if (min..=max).contains(&n) {
        Some(n)
    } else {
        f.error_on(key, format!("{n} is not between {min} and {max}"));
        None
    }
}

fn url(f: &mut Fields<'_>, key: &str, u: String) -> Option<String> {
    let u = u.trim().trim_end_matches('/').to_owned();
    if u.starts_with("https://") || u.starts_with("http://") {
        Some(u)
    } else {
        f.error_on(key, format!("'{u}' must start with https:// or http://"));
        None
    }
}

fn read_numbers(n: &mut Fields<'_>) -> NumberFormat {
    let mut out = NumberFormat::default();
    if let Some(prefix) = n.str("prefix") {
        if prefix.len() <= 10
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            out.prefix = prefix;
        } else {
            n.error_on(
                "prefix",
                format!(
                    "'{prefix}' must be at most 10 letters, digits or '-' (numbers appear in URLs and mail subjects)"
                ),
            );
        }
    }
    if let Some(d) = n.int("digits").and_then(|d| in_range(n, "digits", d, 1, 9)) {
        out.digits = d as usize;
    }
    out
}

const TIMER_KEYS: &[&str] = &[
    "waiting_customer",
    "pending_close",
    "reminder_before",
    "reopen_window",
];

const LIMIT_KEYS: &[&str] = &[
    "max_subject_chars",
    "max_body_chars",
    "max_attachment_bytes",
    "max_attachments",
];

fn read_timers(t: &mut Fields<'_>) -> TimerConfig {
    let mut out = TimerConfig::default();
    for (key, slot) in [
        ("waiting_customer", &mut out.waiting_customer),
        ("pending_close", &mut out.pending_close),
        ("reminder_before", &mut out.reminder_before),
        ("reopen_window", &mut out.reopen_window),
    ] {
        if let Some(text) = t.str(key) {
            match parse_duration(&text) {
                Ok(d) => *slot = d,
                Err(msg) => t.error_on(key, msg),
            }
        }
    }
    for key in ["waiting_customer", "pending_close"] {
        let d = if key == "waiting_customer" {
            out.waiting_customer
        } else {
            out.pending_close
        };
        if t.has(key) && !d.is_positive() {
            t.error_on(key, "must be longer than 0");
        }
    }
    if t.has("reminder_before")
        && out.reminder_before >= out.waiting_customer.min(out.pending_close)
    {
        t.error_on(
            "reminder_before",
            "must be shorter than waiting_customer and pending_close (0d for no reminders)",
        );
    }
    out
}

struct Mail {
    support_address: Email,
    sender: Email,
    smtp: Option<SmtpSettings>,
}

fn read_mail(m: &mut Fields<'_>) -> Option<Mail> {
    let address = |m: &mut Fields<'_>, key: &str| {
        let text = m.req_str(key)?;
        Email::parse(&text)
            .map_err(|e| m.error_on(key, e.to_string()))
            .ok()
    };
    let support_address = address(m, "support_address");
    let sender = address(m, "sender");
    let smtp = m.map_with(
        "smtp",
        &["host", "port", "tls", "username", "ca_file", "timeout_secs"],
        |s| {
        let host = s.req_str("host");
        let tls = match s
            .choice("tls", &["starttls", "tls", "none"])
            .as_deref()
            .unwrap_or("starttls")
        {
            "tls" => SmtpTls::Tls,
            "none" => SmtpTls::None,
            _ => SmtpTls::StartTls,
        };
        let port = s
            .int("port")
            .and_then(|p| in_range(s, "port", p, 1, 65535))
            .map_or(tls.default_port(), |p| p as u16);
        let username = s.str("username").filter(|u| !u.trim().is_empty());
        let ca_file = s.str("ca_file").map(PathBuf::from);
        let timeout_secs = s
            .int("timeout_secs")
            .and_then(|t| in_range(s, "timeout_secs", t, 1, 600))
            .map_or(30, |t| t as u64);
        if s.node("password").is_some() {
            s.error_on(
                "password",
                format!(
                    "passwords never go in this file (it is committed): set {SMTP_PASSWORD_ENV} in the environment"
                ),
            );
        }
        Some(SmtpSettings {
            host: host?,
            port,
            tls,
            username,
            ca_file,
            timeout_secs,
        })
    },
    );
    Some(Mail {
        support_address: support_address?,
        sender: sender?,
        smtp,
    })
}

fn read_limits(l: &mut Fields<'_>) -> Limits {
    let mut out = Limits::default();
    for (key, slot, max) in [
        ("max_subject_chars", &mut out.max_subject_chars, 1_000),
        ("max_body_chars", &mut out.max_body_chars, 1_000_000),
        ("max_attachments", &mut out.max_attachments, 100),
    ] {
        if let Some(n) = l.int(key).and_then(|n| in_range(l, key, n, 1, max)) {
            *slot = n as usize;
        }
    }
    if let Some(text) = l.str("max_attachment_bytes") {
        match parse_size(&text) {
            // S3 takes one object of up to 5 GB in a single upload.
            Ok(n) if (1..=5 * GB).contains(&n) => out.max_attachment_bytes = n,
            Ok(_) => l.error_on(
                "max_attachment_bytes",
                "must be more than 0 and at most 5 GB",
            ),
            Err(msg) => l.error_on("max_attachment_bytes", msg),
        }
    }
    out
}

const MB: u64 = 1024 * 1024;
const GB: u64 = 1024 * MB;

/// `14d`, `36h`, `90m` (also `14 days`, `36 hours`, `90 minutes`).
pub fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let hours_per = match unit.trim() {
        "d" | "day" | "days" => Some(24),
        "h" | "hour" | "hours" => Some(1),
        "m" | "min" | "minute" | "minutes" => None,
        _ => return Err(format!("'{s}' is not a duration (write 14d, 36h or 90m)")),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (write 14d, 36h or 90m)"))?;
    if n > 3650 * 24 * 60 {
        return Err(format!("'{s}' is longer than ten years"));
    }
    Ok(match hours_per {
        Some(h) => SignedDuration::from_hours(n * h),
        None => SignedDuration::from_mins(n),
    })
}

/// `100 MB`, `512KB`, `2 GB` or a number of bytes. KB, MB and GB are 1024-based, as
/// file managers show sizes (KiB, MiB and GiB are taken too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let factor = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" | "KIB" => 1024,
        "MB" | "MIB" => MB,
        "GB" | "GIB" => GB,
        _ => {
            return Err(format!(
                "'{s}' is not a size (write 100 MB, 512 KB or 2 GB)"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("'{s}' is not a size (write 100 MB, 512 KB or 2 GB)"))
}

/// The path of the configuration inside a project folder.
pub fn path_in(root: &Path) -> PathBuf {
    root.join("content").join(CONFIG_FILE)
}

#[cfg(test)]
mod tests;
