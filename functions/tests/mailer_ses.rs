//! The SES mailer against moto: the outbox's exact bytes go out as a raw message to
//! every envelope recipient (To and CC) from a verified sender; a sender SES refuses is
//! a permanent failure, an unreachable SES a temporary one.
#![cfg(feature = "aws")]

mod moto;

use madoguchi::adapters::aws::ses::SesMailer;
use madoguchi::ports::{Mailer, SendError};
use serde_json::Value;

async fn ses() -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(&moto::moto().sdk_config().await)
}

/// A mail as the outbox holds it (headers already encoded by the composer).
fn message(from: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?44K144Od44O844OI?= <{from}>\r\n\
         To: taro@acme.example.jp\r\n\
         Cc: boss@acme.example.jp\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{subject}@support.example.jp>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         44GK5ZWP44GE5ZCI44KP44Gb44KS5Y+X44GR5LuY44GR44G+44GX44Gf44CC\r\n"
    )
    .into_bytes()
}

/// What moto keeps of the raw messages it was given.
async fn sent_messages() -> Vec<Value> {
    let url = format!("{}/moto-api/data.json", moto::moto().endpoint);
    let data: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_mail_goes_out_raw_to_to_and_cc_from_a_verified_sender() {
    let client = ses().await;
    let sender = "support@netlink.example.jp";
    client
        .create_email_identity()
        .email_identity(sender)
        .send()
        .await
        .unwrap();
    let mailer = SesMailer::new(client, Some("madoguchi".into()));
    let bytes = message(sender, "ses-raw-1");
    mailer
        .send(
            "mail-1",
            &[
                "taro@acme.example.jp".to_owned(),
                "boss@acme.example.jp".to_owned(),
            ],
            &bytes,
        )
        .await
        .unwrap();
    let sent = sent_messages().await;
    let ours = sent
        .iter()
        .find(|m| {
            m["raw_data"]
                .as_str()
                .is_some_and(|r| r.contains("ses-raw-1"))
        })
        .unwrap_or_else(|| panic!("not among moto's messages: {sent:#?}"));
    assert_eq!(
        ours["raw_data"].as_str().unwrap().as_bytes(),
        &bytes[..],
        "the exact bytes"
    );
    let destinations: Vec<&str> = ours["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for to in ["taro@acme.example.jp", "boss@acme.example.jp"] {
        assert!(destinations.contains(&to), "{to} in {destinations:?}");
    }
}

#[tokio::test]
async fn a_sender_that_is_not_verified_fails_for_good() {
    let mailer = SesMailer::new(ses().await, None);
    let r = mailer
        .send(
            "mail-2",
            &["taro@acme.example.jp".to_owned()],
            &message("nobody@unverified.example.com", "ses-raw-2"),
        )
        .await;
    assert!(matches!(r, Err(SendError::Permanent(_))), "{r:?}");
}

#[tokio::test]
async fn an_unreachable_ses_is_a_temporary_failure() {
    // A port nothing listens on (the emulator's, once the listener is gone, is not
    // certain): bind one and drop it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = madoguchi::adapters::aws::config()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region(aws_config::Region::new(moto::REGION))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&config), None);
    let r = mailer
        .send(
            "mail-3",
            &["taro@acme.example.jp".to_owned()],
            &message("support@netlink.example.jp", "ses-raw-3"),
        )
        .await;
    assert!(matches!(r, Err(SendError::Temporary(_))), "{r:?}");
}
