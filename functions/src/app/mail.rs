//! Mails as complete RFC 5322 messages, in the recipient's language, from the
//! templates in `templates/mail/` (built into the binary, so Lambda needs no files).
//! The subject carries the ticket number and product (seed 002:
//! `[#2026112300001] product: subject`); lettre encodes Japanese headers (RFC 2047) and
//! refuses header injection, and control characters are removed before it sees them.

use jiff::Timestamp;
use lettre::message::{Mailbox, Message, header::ContentType};
use minijinja::{Environment, Value};

use crate::domain::Email;
use crate::domain::access::Role;
use crate::domain::ticket::State;
use crate::ports::OutboxMail;
use crate::ports::store::Contact;

/// The mails madoguchi sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Thank-you to the customer for a new ticket.
    CreatedCustomer,
    /// A new ticket, to the support team.
    CreatedStaff,
    /// Staff replied publicly, to the customer and CC.
    ReplyCustomer,
    /// The customer replied, to the owner or the team.
    ReplyStaff,
    /// The state changed without a reply (closed, auto-transitions), to the customer.
    StateChanged,
    /// Before an auto-transition, to the customer.
    Reminder,
    /// A new account's set-password link (not about a ticket).
    Invitation,
    /// A "forgot password" link (not about a ticket).
    PasswordReset,
    /// A self-registration's confirmation link (seed 002's 仮登録の確認メール).
    RegistrationConfirm,
    /// The account is open (seed 002's 本登録完了のメール).
    RegistrationComplete,
    /// "Forgot user ID": the user IDs registered with an address.
    UserIdReminder,
    /// An SLA target is near or missed, to the owner (else the team) with the team in CC.
    SlaEscalation,
    /// Staff assigned a ticket to someone else, to the new owner.
    Assigned,
    /// A customer's reply reopened a closed or pending-close ticket, to the owner (else
    /// the team); it carries the reply, in place of `ReplyStaff`.
    Reopened,
}

impl MailKind {
    /// The mails a user may turn off in their settings: a customer those about their
    /// tickets, staff those about tickets they own (a reopen or an SLA warning they turn
    /// off goes to the team's address instead). Mails about the account itself
    /// (invitations, password resets) always go.
    pub fn optional_for(role: Role) -> &'static [MailKind] {
        match role {
            Role::Customer => &[
                MailKind::CreatedCustomer,
                MailKind::ReplyCustomer,
                MailKind::StateChanged,
                MailKind::Reminder,
            ],
            Role::Agent | Role::Admin => &[
                MailKind::ReplyStaff,
                MailKind::Reopened,
                MailKind::Assigned,
                MailKind::SlaEscalation,
            ],
        }
    }

    /// The mails a user may turn on, off unless asked for: staff their own copy of the
    /// team's mail about each new ticket (`UserRecord::mails_on`).
    pub fn opt_in_for(role: Role) -> &'static [MailKind] {
        match role {
            Role::Customer => &[],
            Role::Agent | Role::Admin => &[MailKind::CreatedStaff],
        }
    }

    /// Every kind, for reading a name back (`parse`).
    const ALL: [MailKind; 14] = [
        MailKind::CreatedCustomer,
        MailKind::CreatedStaff,
        MailKind::ReplyCustomer,
        MailKind::ReplyStaff,
        MailKind::StateChanged,
        MailKind::Reminder,
        MailKind::Invitation,
        MailKind::PasswordReset,
        MailKind::RegistrationConfirm,
        MailKind::RegistrationComplete,
        MailKind::UserIdReminder,
        MailKind::SlaEscalation,
        MailKind::Assigned,
        MailKind::Reopened,
    ];

    pub fn parse(s: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether someone who turned `mails_off` off has this mail on (see
    /// `UserRecord::mails_off`).
    pub fn wanted_by(self, mails_off: &[String]) -> bool {
        !mails_off.iter().any(|k| k == self.name())
    }

    pub fn name(self) -> &'static str {
        match self {
            MailKind::CreatedCustomer => "created_customer",
            MailKind::CreatedStaff => "created_staff",
            MailKind::ReplyCustomer => "reply_customer",
            MailKind::ReplyStaff => "reply_staff",
            MailKind::StateChanged => "state_changed",
            MailKind::Reminder => "reminder",
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
            MailKind::RegistrationConfirm => "registration_confirm",
            MailKind::RegistrationComplete => "registration_complete",
            MailKind::UserIdReminder => "user_id_reminder",
            MailKind::SlaEscalation => "sla_escalation",
            MailKind::Assigned => "assigned",
            MailKind::Reopened => "reopened",
        }
    }
}

macro_rules! templates {
    ($($lang:literal / $name:literal),* $(,)?) => {
        &[$(($lang, $name, include_str!(concat!("../../../templates/mail/", $lang, "/", $name, ".txt")))),*]
    };
}

const TEMPLATES: &[(&str, &str, &str)] = templates!(
    "ja" / "created_customer",
    "ja" / "created_staff",
    "ja" / "reply_customer",
    "ja" / "reply_staff",
    "ja" / "state_changed",
    "ja" / "reminder",
    "en" / "created_customer",
    "en" / "created_staff",
    "en" / "reply_customer",
    "en" / "reply_staff",
    "en" / "state_changed",
    "en" / "reminder",
    "ja" / "invitation",
    "en" / "invitation",
    "ja" / "password_reset",
    "en" / "password_reset",
    "ja" / "registration_confirm",
    "en" / "registration_confirm",
    "ja" / "registration_complete",
    "en" / "registration_complete",
    "ja" / "user_id_reminder",
    "en" / "user_id_reminder",
    "ja" / "sla_escalation",
    "en" / "sla_escalation",
    "ja" / "assigned",
    "en" / "assigned",
    "ja" / "reopened",
    "en" / "reopened",
);

/// The label of a state in a language, as the portal shows it.
/// The same words as the portal's badges (`portal.state.*` in templates/i18n).
pub fn state_label(state: State, lang: &str) -> &'static str {
    match (state, lang) {
        (State::New, "ja") => "新規",
        (State::Open, "ja") => "対応中",
        (State::WaitingCustomer, "ja") => "お客様確認中",
        (State::PendingClose, "ja") => "クローズ確認中",
        (State::Closed, "ja") => "クローズ",
        (State::New, _) => "New",
        (State::Open, _) => "In progress",
        (State::WaitingCustomer, _) => "Waiting for you",
        (State::PendingClose, _) => "Pending close",
        (State::Closed, _) => "Closed",
    }
}

/// One mail to write.
pub struct Envelope<'a> {
    /// A stable id: the same cause gives the same id, so a retried write cannot queue
    /// a mail twice.
    pub id: String,
    pub kind: MailKind,
    pub lang: &'a str,
    pub to: Vec<(String, Email)>,
    pub cc: Vec<Email>,
    pub ticket_number: &'a str,
    pub product: Option<&'a str>,
    pub subject: &'a str,
    /// The template's variables.
    pub vars: Value,
}

pub struct MailComposer {
    env: Environment<'static>,
    sender: Mailbox,
    host: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail template {0}: {1}")]
    Template(String, String),
    #[error("mail {0}: {1}")]
    Build(String, String),
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

impl MailComposer {
    pub fn new(sender_name: &str, sender: &Email) -> Result<MailComposer, MailError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        for (lang, name, src) in TEMPLATES {
            env.add_template_owned(format!("{lang}/{name}"), *src)
                .map_err(|e| MailError::Template(format!("{lang}/{name}"), e.to_string()))?;
        }
        let address = sender
            .as_str()
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                MailError::Build("sender".into(), e.to_string())
            })?;
        Ok(MailComposer {
            env,
            sender: Mailbox::new(Some(clean(sender_name)), address),
            host: sender.domain().to_owned(),
        })
    }

    /// Renders and encodes one mail for the outbox.
    pub fn compose(
        &self,
        e: &Envelope<'_>,
        now: Timestamp,
        ticket: Option<&str>,
    ) -> Result<OutboxMail, MailError> {
        let lang = if e.lang == "en" { "en" } else { "ja" };
        let name = format!("{lang}/{}", e.kind.name());
        let text = self
            .env
            .get_template(&name)
            .and_then(|t| t.render(e.vars.clone()))
            .map_err(|err| MailError::Template(name.clone(), format!("{err:#}")))?;
        let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
        let product = e
            .product
            .map(|p| format!("{}: ", clean(p)))
            .unwrap_or_default();
        // Always the ticket's subject (seed 002); mails about an event add what happened.
        let topic = match e.kind {
            MailKind::ReplyCustomer | MailKind::ReplyStaff | MailKind::CreatedStaff => {
                clean(e.subject)
            }
            _ if e.subject.trim().is_empty() => clean(first),
            _ => format!("{} ({})", clean(e.subject), clean(first)),
        };
        // A mail about no ticket (an invitation) has no ticket number to prefix.
        let subject = if e.ticket_number.is_empty() {
            topic
        } else {
            format!("[#{}] {product}{topic}", e.ticket_number)
        };
        let build = |err: String| MailError::Build(name.clone(), err);
        let mut msg = Message::builder()
            .from(self.sender.clone())
            .subject(subject)
            .message_id(Some(format!("<{}@{}>", e.id, self.host)))
            .date(std::time::SystemTime::from(now))
            .header(ContentType::TEXT_PLAIN);
        let mut recipients = Vec::new();
        for (display, address) in &e.to {
            let mb = Mailbox::new(
                Some(clean(display)).filter(|d| !d.is_empty()),
                address
                    .as_str()
                    .parse()
                    .map_err(|x: lettre::address::AddressError| build(x.to_string()))?,
            );
            msg = msg.to(mb);
            recipients.push(address.to_string());
        }
        for address in &e.cc {
            msg = msg.cc(Mailbox::new(
                None,
                address
                    .as_str()
                    .parse()
                    .map_err(|x: lettre::address::AddressError| build(x.to_string()))?,
            ));
            recipients.push(address.to_string());
        }
        let message = msg
            .body(body.trim_start_matches('\n').to_owned())
            .map_err(|x| build(x.to_string()))?;
        Ok(OutboxMail {
            id: e.id.clone(),
            created_at: now,
            recipients,
            message: message.formatted(),
            attempts: 0,
            next_attempt_at: Some(now),
            sent_at: None,
            last_error: None,
            ticket: ticket.map(str::to_owned),
        })
    }
}

/// Builds and composes one mail about `t`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ticket_mail(
    deps: &crate::app::Deps,
    kind: MailKind,
    id: String,
    lang: &str,
    to: Vec<(String, Email)>,
    cc: Vec<Email>,
    t: &crate::ports::TicketRecord,
    vars: minijinja::Value,
    now: jiff::Timestamp,
) -> Result<OutboxMail, crate::app::AppError> {
    let envelope = Envelope {
        id,
        kind,
        lang,
        to,
        cc,
        ticket_number: &t.number,
        product: t
            .product
            .as_deref()
            .map(|k| deps.config.product_label(k, lang)),
        subject: &t.subject,
        vars,
    };
    deps.mail
        .compose(&envelope, now, Some(&t.number))
        .map_err(|e| crate::app::AppError::Unexpected(e.into()))
}

/// A time in a mail: the portal's zone, written as `lang` writes dates.
pub(crate) fn mail_time(zone: &jiff::tz::TimeZone, at: jiff::Timestamp, lang: &str) -> String {
    at.to_zoned(zone.clone())
        .strftime(if lang == "ja" {
            "%Y年%-m月%-d日 %H:%M"
        } else {
            "%b %-d, %Y %H:%M"
        })
        .to_string()
}

/// A mail's To (display name, address) and Cc.
pub type Addressees = (Vec<(String, Email)>, Vec<Email>);

/// Who gets a customer's mail about their ticket: the requester unless they turned
/// this kind off, and the ticket's CC addresses either way (they were asked for copies of
/// everything); `None` when that leaves nobody, and no mail is queued.
pub fn addressees(
    kind: MailKind,
    requester: &Contact,
    to: Email,
    cc: Vec<Email>,
) -> Option<Addressees> {
    if kind.wanted_by(&requester.mails_off) {
        return Some((vec![(requester.name.clone(), to)], cc));
    }
    let mut cc = cc.into_iter();
    let first = cc.next()?;
    Some((vec![(String::new(), first)], cc.collect()))
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_mail_kind_reads_back_from_its_name() {
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(MailKind::parse("no_such_mail"), None);
    }

    use super::*;
    use minijinja::context;

    fn composer() -> MailComposer {
        MailComposer::new(
            "ネットリンク サポート窓口",
            &Email::parse("noreply@netlink.example.jp").unwrap(),
        )
        .unwrap()
    }

    fn envelope(subject: &str) -> Envelope<'static> {
        Envelope {
            id: "2026112300001-1-created_customer".into(),
            kind: MailKind::CreatedCustomer,
            lang: "ja",
            to: vec![(
                "山田 太郎".into(),
                Email::parse("taro@acme.example.jp").unwrap(),
            )],
            cc: vec![Email::parse("boss@acme.example.jp").unwrap()],
            ticket_number: "2026112300001",
            product: Some("NL Mail Gateway"),
            subject: Box::leak(subject.to_owned().into_boxed_str()),
            vars: context! {
                site => "ネットリンク サポート窓口",
                url => "http://127.0.0.1:8080/portal/tickets/2026112300001",
                ticket => context! { number => "2026112300001", subject => subject, product => "NL Mail Gateway", requester_name => "山田 太郎" },
                article => context! { body => "メールが送信できません。", author => "山田 太郎" },
            },
        }
    }

    #[test]
    fn a_thank_you_mail_has_an_encoded_japanese_subject_with_number_and_product() {
        let mail = composer()
            .compose(
                &envelope("送信エラー"),
                "2026-11-23T01:00:00Z".parse().unwrap(),
                Some("2026112300001"),
            )
            .unwrap();
        let raw = String::from_utf8(mail.message.clone()).unwrap();
        assert!(raw.is_ascii(), "headers and body are transfer-encoded");
        assert!(
            raw.lines()
                .any(|l| l.starts_with("Subject: [#2026112300001] NL Mail Gateway: =?utf-8?")),
            "{raw}"
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(&mail.message)
            .unwrap();
        assert_eq!(
            parsed.subject(),
            Some("[#2026112300001] NL Mail Gateway: 送信エラー (お問い合わせを受け付けました)")
        );
        assert!(raw.contains("Message-ID: <2026112300001-1-created_customer@netlink.example.jp>"));
        assert_eq!(
            mail.recipients,
            ["taro@acme.example.jp", "boss@acme.example.jp"]
        );
    }

    #[test]
    fn line_breaks_in_a_subject_cannot_add_headers() {
        let mail = composer()
            .compose(
                &envelope("x\r\nBcc: evil@example.com"),
                "2026-11-23T01:00:00Z".parse().unwrap(),
                None,
            )
            .unwrap();
        let raw = String::from_utf8(mail.message).unwrap();
        assert!(
            !raw.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{raw}"
        );
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        let c = composer();
        for (lang, name, _) in TEMPLATES {
            let t = c.env.get_template(&format!("{lang}/{name}")).unwrap();
            let out = t
                .render(context! {
                    site => "S", url => "U", state => "対応中", state_key => "waiting_customer", days => 14, reopen_days => 30, due => "D",
                    ticket => context! { number => "N", subject => "件名", product => "P", requester_name => "R", company_name => "C", priority => "normal" },
                    article => context! { body => "B", author => "A" },
                    user => context! { name => "N", email => "E" }, company => "C", expires => "X",
                    from_state => "クローズ", assigned_by => "A",
                })
                .unwrap();
            assert!(out.contains('\n') && out.len() > 20, "{lang}/{name}");
        }
    }
}
