//! The SMTP Mailer: hands the outbox's finished RFC 5322 bytes to a relay unchanged
//! (lettre's async SMTP client on tokio, TLS by rustls), and tells temporary failures
//! (4xx replies, no connection, timeouts) from permanent ones (5xx). `EmlAndSmtp` keeps
//! the local `.eml` copy as well.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;

use crate::adapters::embedded::MailDir;
use crate::domain::Email;
use crate::ports::mailer::{Mailer, SendError};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (a relay on this machine or a trusted network); port 25.
    None,
    /// Plain connect, then STARTTLS, required (no downgrade); port 587.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS); port 465.
    Tls,
}

impl TlsMode {
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        }
    }
}

/// The relay, as the portal configuration names it. The password is never in the
/// file: it comes from the environment variable `password_env`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults to the TLS mode's usual port.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    #[serde(default)]
    pub username: Option<String>,
    /// The environment variable holding the password.
    #[serde(default = "default_password_env")]
    pub password_env: String,
    /// A PEM file of extra root certificates (a relay with a private CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_password_env() -> String {
    "MADOGUCHI_SMTP_PASSWORD".into()
}

fn default_timeout_secs() -> u64 {
    30
}

impl SmtpConfig {
    /// A relay at `host` with the defaults: STARTTLS on 587, no login.
    pub fn new(host: &str) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            tls: TlsMode::default(),
            username: None,
            password_env: default_password_env(),
            ca_file: None,
            timeout_secs: default_timeout_secs(),
        }
    }

    /// The password from the environment variable the configuration names, if set.
    pub fn password_from_env(&self) -> Option<String> {
        std::env::var(&self.password_env)
            .ok()
            .filter(|p| !p.is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("smtp.host: is required")]
    NoHost,
    #[error(
        "smtp.username: a login over tls: none would send the password in clear text to {0}: use tls: starttls or tls"
    )]
    PasswordInClear(String),
    #[error("smtp.username: is set but the environment variable {0} holding the password is not")]
    NoPassword(String),
    #[error("smtp.ca_file: {0}: {1}")]
    CaFile(String, String),
    #[error("smtp: {0}")]
    Tls(String),
}

/// Sends through one relay. The envelope sender (MAIL FROM, where bounces go) is fixed;
/// the recipients are the outbox mail's.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SmtpMailer {
    /// Builds the client (no connection yet). `password` is the secret for
    /// `config.username`, usually `config.password_from_env()`.
    pub fn new(
        config: &SmtpConfig,
        password: Option<String>,
        envelope_from: &Email,
    ) -> Result<SmtpMailer, SmtpConfigError> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err(SmtpConfigError::NoHost);
        }
        let tls_parameters = || -> Result<TlsParameters, SmtpConfigError> {
            let mut builder = TlsParameters::builder(host.to_owned());
            if let Some(path) = &config.ca_file {
                let shown = path.display().to_string();
                let pem = std::fs::read(path)
                    .map_err(|e| SmtpConfigError::CaFile(shown.clone(), e.to_string()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| SmtpConfigError::CaFile(shown, e.to_string()))?;
                builder = builder.add_root_certificate(cert);
            }
            builder
                .build_rustls()
                .map_err(|e| SmtpConfigError::Tls(e.to_string()))
        };
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_parameters()?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.port.unwrap_or(config.tls.default_port()))
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        if let Some(user) = config.username.as_deref().filter(|u| !u.is_empty()) {
            if config.tls == TlsMode::None && !is_loopback(host) {
                return Err(SmtpConfigError::PasswordInClear(host.to_owned()));
            }
            let password =
                password.ok_or_else(|| SmtpConfigError::NoPassword(config.password_env.clone()))?;
            builder = builder.credentials(Credentials::new(user.to_owned(), password));
        }
        let from = envelope_from
            .as_str()
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                SmtpConfigError::Tls(format!("sender: {e}"))
            })?;
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
        })
    }
}

/// 4xx, no connection, timeouts and TLS trouble may pass; a 5xx reply will not.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    if e.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, id: &str, recipients: &[String], message: &[u8]) -> Result<(), SendError> {
        let to = recipients
            .iter()
            .map(|r| r.parse::<Address>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                SendError::Permanent(format!("mail {id}: a recipient is not an address: {e}"))
            })?;
        let envelope = Envelope::new(Some(self.from.clone()), to)
            .map_err(|e| SendError::Permanent(format!("mail {id}: {e}")))?;
        self.transport
            .send_raw(&envelope, message)
            .await
            .map(drop)
            .map_err(classify)
    }
}

/// Writes the `.eml` copy, then sends: the local folder keeps every mail as it was
/// handed over, and a failed send is retried by the outbox (the copy is overwritten
/// with the same bytes, not duplicated).
pub struct EmlAndSmtp {
    pub copy: MailDir,
    pub smtp: SmtpMailer,
}

#[async_trait]
impl Mailer for EmlAndSmtp {
    async fn send(&self, id: &str, recipients: &[String], message: &[u8]) -> Result<(), SendError> {
        self.copy.send(id, recipients, message).await?;
        self.smtp.send(id, recipients, message).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender() -> Email {
        Email::parse("noreply@netlink.example.jp").unwrap()
    }

    #[test]
    fn a_login_over_plain_text_is_refused_except_on_this_machine() {
        let mut config = SmtpConfig::new("smtp.example.jp");
        config.tls = TlsMode::None;
        config.username = Some("portal".into());
        assert!(matches!(
            SmtpMailer::new(&config, Some("secret".into()), &sender()),
            Err(SmtpConfigError::PasswordInClear(_))
        ));
        config.host = "127.0.0.1".into();
        assert!(SmtpMailer::new(&config, Some("secret".into()), &sender()).is_ok());
    }

    #[test]
    fn a_username_without_its_password_names_the_variable() {
        let mut config = SmtpConfig::new("smtp.example.jp");
        config.username = Some("portal".into());
        let err = SmtpMailer::new(&config, None, &sender()).err().unwrap();
        assert!(err.to_string().contains("MADOGUCHI_SMTP_PASSWORD"), "{err}");
    }

    #[test]
    fn the_configuration_reads_with_defaults_and_refuses_unknown_keys() {
        let c: SmtpConfig =
            serde_json::from_str(r#"{"host": "smtp.example.jp", "tls": "tls"}"#).unwrap();
        assert_eq!(c.tls.default_port(), 465);
        assert_eq!(c.password_env, "MADOGUCHI_SMTP_PASSWORD");
        assert!(serde_json::from_str::<SmtpConfig>(r#"{"host": "h", "password": "x"}"#).is_err());
    }
}
