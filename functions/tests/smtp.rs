//! The SMTP Mailer against a real SMTP server started by each test: a small one written
//! here on tokio, on a random port of 127.0.0.1, speaking enough ESMTP to accept mail
//! (EHLO, STARTTLS or TLS from the start with a certificate from a test CA, AUTH PLAIN,
//! MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT) and replying with the codes a test
//! asks for.

use std::sync::{Arc, Mutex};

use madoguchi::adapters::embedded::{EmlAndSmtp, MailDir, SmtpConfig, SmtpMailer, TlsMode};
use madoguchi::domain::Email;
use madoguchi::ports::mailer::{Mailer, SendError};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// One message as the server received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Received {
    auth: Option<String>,
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
    /// Whether the session was encrypted when the message came.
    tls: bool,
}

/// How the server answers.
#[derive(Clone, Default)]
struct Behavior {
    /// Advertise AUTH and record what the client sends.
    auth: bool,
    /// The reply to RCPT TO for this address (e.g. "550 5.1.1 no such user").
    reject_rcpt: Option<(&'static str, &'static str)>,
    /// The reply to the end of DATA instead of 250.
    reject_data: Option<&'static str>,
    /// Offer STARTTLS with this certificate, or (`implicit`) speak TLS from the start.
    tls: Option<TlsAcceptor>,
    implicit_tls: bool,
}

struct Server {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// Every command line the server read, as (encrypted?, line).
    commands: Arc<Mutex<Vec<(bool, String)>>>,
}

/// Removes the dot that the client put before every line starting with a dot.
fn unstuff(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len());
    let mut line_start = true;
    for &b in content {
        if line_start && b == b'.' {
            line_start = false;
            continue;
        }
        out.push(b);
        line_start = b == b'\n';
    }
    out
}

struct Session {
    behavior: Behavior,
    received: Arc<Mutex<Vec<Received>>>,
    commands: Arc<Mutex<Vec<(bool, String)>>>,
}

impl Session {
    /// Speaks SMTP on `stream` until QUIT or EOF; returns the stream when the client
    /// asked for STARTTLS, to be continued encrypted.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
        greet: bool,
        tls: bool,
    ) -> Option<S> {
        let mut io = BufReader::new(stream);
        let mut current = Received::default();
        if greet {
            io.write_all(b"220 test.local ESMTP ready\r\n").await.ok()?;
        }
        loop {
            let mut line = String::new();
            if io.read_line(&mut line).await.unwrap_or(0) == 0 {
                return None;
            }
            self.commands
                .lock()
                .unwrap()
                .push((tls, line.trim_end().to_owned()));
            let upper = line.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                let auth = if self.behavior.auth {
                    "250-AUTH PLAIN LOGIN\r\n"
                } else {
                    ""
                };
                let starttls = if self.behavior.tls.is_some() && !tls {
                    "250-STARTTLS\r\n"
                } else {
                    ""
                };
                format!("250-test.local\r\n250-8BITMIME\r\n{starttls}{auth}250 SMTPUTF8\r\n")
            } else if upper.starts_with("STARTTLS") && self.behavior.tls.is_some() && !tls {
                io.write_all(b"220 2.0.0 go ahead\r\n").await.ok()?;
                return Some(io.into_inner());
            } else if upper.starts_with("AUTH PLAIN ") {
                current.auth = Some(line[11..].trim().to_owned());
                "235 2.7.0 authenticated\r\n".into()
            } else if upper.starts_with("MAIL FROM:") {
                current.mail_from = line[10..].trim().to_owned();
                "250 2.1.0 ok\r\n".into()
            } else if upper.starts_with("RCPT TO:") {
                let rcpt = line[8..].trim().to_owned();
                match self.behavior.reject_rcpt {
                    Some((who, reply)) if rcpt.contains(who) => format!("{reply}\r\n"),
                    _ => {
                        current.rcpt_to.push(rcpt);
                        "250 2.1.5 ok\r\n".into()
                    }
                }
            } else if upper.starts_with("DATA") {
                io.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.ok()?;
                // Starts with a CRLF of its own so that an empty message still ends with
                // the whole terminator; the content is what comes before the
                // terminator's CRLF (which ends the last line).
                let mut raw = b"\r\n".to_vec();
                let mut byte = [0u8; 1];
                while !raw.ends_with(b"\r\n.\r\n") {
                    io.read_exact(&mut byte).await.ok()?;
                    raw.push(byte[0]);
                }
                let data = unstuff(&raw[2..raw.len() - 5]);
                match self.behavior.reject_data {
                    Some(reply) => format!("{reply}\r\n"),
                    None => {
                        current.data = data;
                        current.tls = tls;
                        self.received
                            .lock()
                            .unwrap()
                            .push(std::mem::take(&mut current));
                        "250 2.0.0 queued\r\n".into()
                    }
                }
            } else if upper.starts_with("RSET") {
                current = Received::default();
                "250 2.0.0 ok\r\n".into()
            } else if upper.starts_with("QUIT") {
                let _ = io.write_all(b"221 2.0.0 bye\r\n").await;
                return None;
            } else {
                "502 5.5.2 not implemented\r\n".into()
            };
            io.write_all(reply.as_bytes()).await.ok()?;
        }
    }
}

async fn start(behavior: Behavior) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let commands = Arc::new(Mutex::new(Vec::new()));
    let session = Arc::new(Session {
        behavior,
        received: received.clone(),
        commands: commands.clone(),
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let session = session.clone();
            tokio::spawn(async move {
                match (&session.behavior.tls, session.behavior.implicit_tls) {
                    (Some(acceptor), true) => {
                        if let Ok(tls) = acceptor.accept(stream).await {
                            session.run(tls, true, true).await;
                        }
                    }
                    (Some(acceptor), false) => {
                        if let Some(plain) = session.run(stream, true, false).await
                            && let Ok(tls) = acceptor.accept(plain).await
                        {
                            session.run(tls, false, true).await;
                        }
                    }
                    (None, _) => {
                        session.run(stream, true, false).await;
                    }
                }
            });
        }
    });
    Server {
        port,
        received,
        commands,
    }
}

/// A test CA, and a certificate for `localhost` signed by it: the server's acceptor
/// and the CA's PEM file for the client's `ca_file`.
fn test_pki(dir: &std::path::Path) -> (TlsAcceptor, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer, pki_types::PrivatePkcs8KeyDer};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "madoguchi test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    (TlsAcceptor::from(Arc::new(config)), ca_file)
}

fn sender() -> Email {
    Email::parse("noreply@netlink.example.jp").unwrap()
}

fn plain(port: u16) -> SmtpConfig {
    SmtpConfig {
        port: Some(port),
        tls: TlsMode::None,
        timeout_secs: 5,
        ..SmtpConfig::new("127.0.0.1")
    }
}

/// A message with lines that need dot-stuffing, and a composed Japanese one.
fn messages() -> Vec<Vec<u8>> {
    let raw = b"From: noreply@netlink.example.jp\r\nTo: taro@acme.example.jp\r\nSubject: dots\r\n\r\n.a line starting with a dot\r\n..two\r\n.\r\nend\r\n".to_vec();
    let config = madoguchi::app::PortalConfig::example("https://support.example.jp");
    let composer =
        madoguchi::app::mail::MailComposer::new(config.name_in("ja"), &config.sender).unwrap();
    let composed = composer
        .compose(
            &madoguchi::app::mail::Envelope {
                id: "2026112300001-1-created".into(),
                kind: madoguchi::app::mail::MailKind::CreatedCustomer,
                lang: "ja",
                to: vec![("山田 太郎".into(), Email::parse("taro@acme.example.jp").unwrap())],
                cc: vec![],
                ticket_number: "2026112300001",
                product: Some("NL Mail Gateway"),
                subject: "送信エラー",
                vars: minijinja::context! {
                    site => "ネットリンク サポート窓口", url => "https://support.example.jp/portal/tickets/2026112300001",
                    ticket => minijinja::context! { number => "2026112300001", subject => "送信エラー", product => "NL Mail Gateway", requester_name => "山田 太郎" },
                    article => minijinja::context! { body => "メールが送信できません。\n.\n535 5.7.8", author => "山田 太郎" },
                },
            },
            "2026-11-23T01:00:00Z".parse().unwrap(),
            Some("2026112300001"),
        )
        .unwrap();
    vec![raw, composed.message]
}

#[tokio::test]
async fn the_relay_receives_the_exact_bytes_and_envelope_of_each_mail() {
    let server = start(Behavior::default()).await;
    let mailer = SmtpMailer::new(&plain(server.port), None, &sender()).unwrap();
    let recipients = vec![
        "taro@acme.example.jp".to_owned(),
        "boss@acme.example.jp".to_owned(),
    ];
    for message in messages() {
        mailer.send("m1", &recipients, &message).await.unwrap();
    }
    let received = server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    for (got, sent) in received.iter().zip(messages()) {
        assert_eq!(
            got.data,
            sent,
            "byte for byte:\n{}",
            String::from_utf8_lossy(&got.data)
        );
        assert_eq!(got.mail_from, "<noreply@netlink.example.jp>");
        assert_eq!(
            got.rcpt_to,
            ["<taro@acme.example.jp>", "<boss@acme.example.jp>"]
        );
        assert_eq!(got.auth, None);
        assert!(!got.tls);
    }
}

#[tokio::test]
async fn the_login_comes_from_the_configuration_and_the_password_from_the_caller() {
    let server = start(Behavior {
        auth: true,
        ..Default::default()
    })
    .await;
    let config = SmtpConfig {
        username: Some("portal".into()),
        ..plain(server.port)
    };
    let mailer = SmtpMailer::new(&config, Some("relay secret 2026".into()), &sender()).unwrap();
    mailer
        .send("m1", &["taro@acme.example.jp".into()], &messages()[0])
        .await
        .unwrap();
    let received = server.received.lock().unwrap().clone();
    // base64 of "\0portal\0relay secret 2026"
    assert_eq!(
        received[0].auth.as_deref(),
        Some("AHBvcnRhbAByZWxheSBzZWNyZXQgMjAyNg==")
    );
}

#[tokio::test]
async fn four_hundred_replies_and_no_connection_are_temporary_five_hundred_replies_permanent() {
    #[rustfmt::skip]
    let table: Vec<(&str, Option<Behavior>, bool)> = vec![
        ("550 on RCPT", Some(Behavior { reject_rcpt: Some(("taro", "550 5.1.1 no such user")), ..Default::default() }), true),
        ("554 after DATA", Some(Behavior { reject_data: Some("554 5.7.1 rejected as spam"), ..Default::default() }), true),
        ("450 on RCPT", Some(Behavior { reject_rcpt: Some(("taro", "450 4.2.1 mailbox busy")), ..Default::default() }), false),
        ("421 after DATA", Some(Behavior { reject_data: Some("421 4.3.2 shutting down"), ..Default::default() }), false),
        ("no server listening", None, false),
    ];
    for (case, behavior, permanent) in table {
        let port = match behavior {
            Some(b) => start(b).await.port,
            None => {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            }
        };
        let mailer = SmtpMailer::new(&plain(port), None, &sender()).unwrap();
        let r = mailer
            .send("m1", &["taro@acme.example.jp".into()], &messages()[0])
            .await;
        match (r, permanent) {
            (Err(SendError::Permanent(_)), true) | (Err(SendError::Temporary(_)), false) => {}
            (other, _) => panic!("{case}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_eml_copy_is_written_even_when_the_relay_refuses_for_now() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(Behavior {
        reject_rcpt: Some(("taro", "451 4.3.0 try later")),
        ..Default::default()
    })
    .await;
    let both = EmlAndSmtp {
        copy: MailDir::new(dir.path()).unwrap(),
        smtp: SmtpMailer::new(&plain(server.port), None, &sender()).unwrap(),
    };
    let message = &messages()[1];
    let r = both
        .send(
            "2026112300001-1-created",
            &["taro@acme.example.jp".into()],
            message,
        )
        .await;
    assert!(matches!(r, Err(SendError::Temporary(_))), "{r:?}");
    assert_eq!(
        std::fs::read(dir.path().join("2026112300001-1-created.eml")).unwrap(),
        *message
    );

    let server = start(Behavior::default()).await;
    let both = EmlAndSmtp {
        copy: MailDir::new(dir.path()).unwrap(),
        smtp: SmtpMailer::new(&plain(server.port), None, &sender()).unwrap(),
    };
    both.send(
        "2026112300001-1-created",
        &["taro@acme.example.jp".into()],
        message,
    )
    .await
    .unwrap();
    assert_eq!(server.received.lock().unwrap()[0].data, *message);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "one copy, overwritten"
    );
}

#[tokio::test]
async fn the_outbox_worker_delivers_an_invitation_through_the_relay() {
    use madoguchi::adapters::embedded::SqliteStore;
    use madoguchi::app::accounts::{self, Credential, UserInput};
    use madoguchi::app::auth::PasswordPolicy;
    use madoguchi::app::outbox::deliver_due;
    use madoguchi::ports::FixedClock;

    let dir = tempfile::tempdir().unwrap();
    let config = madoguchi::app::PortalConfig::example("https://support.example.jp");
    let deps = madoguchi::app::Deps {
        store: Arc::new(SqliteStore::open(&dir.path().join("db")).unwrap()),
        clock: Arc::new(FixedClock::new("2026-11-23T01:00:00Z".parse().unwrap())),
        mail: Arc::new(
            madoguchi::app::mail::MailComposer::new(config.name_in("ja"), &config.sender).unwrap(),
        ),
        config: Arc::new(config),
        blobs: Arc::new(
            madoguchi::adapters::embedded::blob_dir::BlobDir::open(&dir.path().join("attachments"))
                .unwrap(),
        ),
    };
    accounts::add_user(
        &deps,
        &UserInput {
            email: "agent@netlink.example.jp".into(),
            name: "高橋 健太".into(),
            role: "agent".into(),
            credential: Credential::invite(),
            ..Default::default()
        },
        &PasswordPolicy::default(),
    )
    .await
    .unwrap();
    let queued = deps.store.due_mails(deps.clock.now(), 10).await.unwrap();
    let server = start(Behavior::default()).await;
    let mailer = SmtpMailer::new(&plain(server.port), None, &deps.config.sender).unwrap();
    let report = deliver_due(&deps, &mailer).await.unwrap();
    assert_eq!(report.sent, 1);
    let received = server.received.lock().unwrap().clone();
    assert_eq!(received[0].data, queued[0].message);
    assert_eq!(received[0].rcpt_to, ["<agent@netlink.example.jp>"]);
    assert!(
        deps.store
            .due_mails(deps.clock.now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn tls_config(port: u16, mode: TlsMode, ca_file: &std::path::Path) -> SmtpConfig {
    SmtpConfig {
        port: Some(port),
        tls: mode,
        username: Some("portal".into()),
        ca_file: Some(ca_file.to_owned()),
        timeout_secs: 5,
        ..SmtpConfig::new("localhost")
    }
}

#[tokio::test]
async fn starttls_and_tls_encrypt_before_the_password_and_the_mail_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (acceptor, ca_file) = test_pki(dir.path());
    for (mode, implicit) in [(TlsMode::Starttls, false), (TlsMode::Tls, true)] {
        let server = start(Behavior {
            auth: true,
            tls: Some(acceptor.clone()),
            implicit_tls: implicit,
            ..Default::default()
        })
        .await;
        let mailer = SmtpMailer::new(
            &tls_config(server.port, mode, &ca_file),
            Some("relay secret 2026".into()),
            &sender(),
        )
        .unwrap();
        let message = &messages()[1];
        mailer
            .send("m1", &["taro@acme.example.jp".into()], message)
            .await
            .unwrap();
        let received = server.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1, "{mode:?}");
        assert!(received[0].tls, "{mode:?}");
        assert_eq!(received[0].data, *message, "{mode:?}");
        assert_eq!(
            received[0].auth.as_deref(),
            Some("AHBvcnRhbAByZWxheSBzZWNyZXQgMjAyNg==")
        );
        let commands = server.commands.lock().unwrap().clone();
        assert!(
            commands
                .iter()
                .all(|(tls, line)| *tls || !(line.starts_with("AUTH") || line.starts_with("MAIL"))),
            "{mode:?}: nothing but EHLO and STARTTLS in clear text: {commands:?}"
        );
    }
}

#[tokio::test]
async fn a_relay_without_starttls_gets_neither_the_password_nor_the_mail() {
    let dir = tempfile::tempdir().unwrap();
    let (_, ca_file) = test_pki(dir.path());
    let server = start(Behavior {
        auth: true,
        ..Default::default()
    })
    .await;
    let mailer = SmtpMailer::new(
        &tls_config(server.port, TlsMode::Starttls, &ca_file),
        Some("relay secret 2026".into()),
        &sender(),
    )
    .unwrap();
    let r = mailer
        .send("m1", &["taro@acme.example.jp".into()], &messages()[0])
        .await;
    assert!(matches!(r, Err(SendError::Temporary(_))), "{r:?}");
    let commands = server.commands.lock().unwrap().clone();
    assert!(
        commands
            .iter()
            .all(|(_, l)| !l.starts_with("AUTH") && !l.starts_with("MAIL")),
        "{commands:?}"
    );
    assert!(server.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_certificate_from_an_unknown_authority_is_refused_for_now() {
    let dir = tempfile::tempdir().unwrap();
    let (acceptor, _) = test_pki(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (_, other_ca) = test_pki(other.path());
    let server = start(Behavior {
        tls: Some(acceptor),
        implicit_tls: true,
        ..Default::default()
    })
    .await;
    let config = SmtpConfig {
        username: None,
        ..tls_config(server.port, TlsMode::Tls, &other_ca)
    };
    let mailer = SmtpMailer::new(&config, None, &sender()).unwrap();
    let r = mailer
        .send("m1", &["taro@acme.example.jp".into()], &messages()[0])
        .await;
    assert!(
        matches!(&r, Err(SendError::Temporary(e)) if e.contains("certificate")),
        "{r:?}"
    );
    assert!(server.received.lock().unwrap().is_empty());
}
