//! The settings the use cases need (from the portal configuration at start-up).

use jiff::tz::TimeZone;

use crate::domain::Email;
use crate::domain::ticket::{NumberFormat, TimerConfig};

#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// The portal's name in mails.
    pub name: String,
    /// Where the portal is reached, for links in mails (no trailing slash).
    pub base_url: String,
    pub time_zone: TimeZone,
    pub numbers: NumberFormat,
    pub timers: TimerConfig,
    /// The team's address: new tickets and customer replies are announced there.
    pub support_address: Email,
    /// The sender of every mail.
    pub sender: Email,
    /// The longest subject and body accepted, in characters.
    pub max_subject_chars: usize,
    pub max_body_chars: usize,
}

impl PortalConfig {
    /// Sensible values for a site at `base_url`, used by the demo and by tests.
    pub fn example(base_url: &str) -> PortalConfig {
        PortalConfig {
            name: "ネットリンク サポート窓口".into(),
            base_url: base_url.trim_end_matches('/').into(),
            time_zone: TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC),
            numbers: NumberFormat::default(),
            timers: TimerConfig::default(),
            support_address: Email::parse("support@netlink.example.jp").expect("valid address"),
            sender: Email::parse("noreply@netlink.example.jp").expect("valid address"),
            max_subject_chars: 200,
            max_body_chars: 100_000,
        }
    }

    pub fn ticket_url(&self, number: &str) -> String {
        format!("{}/portal/tickets/{number}", self.base_url)
    }
}
