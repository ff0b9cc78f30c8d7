//! The Mailer port on SES (v2 SendEmail with raw content): the exact RFC 5322 bytes the
//! outbox holds (the same as a local `.eml`), sent to the envelope recipients (To and
//! CC) through the portal's configuration set, so bounces, complaints and deliveries
//! reach its event destinations.
//!
//! SES has no idempotency key: a crash between SES accepting a mail and the outbox
//! marking it sent sends it again on the next attempt (at least once, as the port says
//! "where the adapter can prevent it").

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

use crate::adapters::aws::error_chain;
use crate::ports::mailer::{Mailer, SendError};

#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> SesMailer {
        SesMailer {
            client,
            configuration_set,
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, id: &str, recipients: &[String], message: &[u8]) -> Result<(), SendError> {
        if recipients.is_empty() {
            return Err(SendError::Permanent("the mail has no recipients".into()));
        }
        let content = EmailContent::builder()
            .raw(
                RawMessage::builder()
                    .data(Blob::new(message))
                    .build()
                    .map_err(|e| SendError::Permanent(e.to_string()))?,
            )
            .build();
        let out = self
            .client
            .send_email()
            .content(content)
            // For raw content the destination is the envelope: To and CC (Bcc would
            // be here too, never in the headers).
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(recipients.to_vec()))
                    .build(),
            )
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(classify)?;
        tracing::info!(
            mail = id,
            ses_message_id = out.message_id().unwrap_or("-"),
            "sent through SES"
        );
        Ok(())
    }
}

/// What the outbox should do about a failed SendEmail: try again (throttling, quotas,
/// paused sending, 5xx, network, and anything unknown, so that a misconfiguration an
/// operator can fix loses no mail) or record it for good (the message or an address
/// is refused, the sender is not verified).
fn classify(e: SdkError<SendEmailError>) -> SendError {
    let detail = error_chain(&e);
    let Some(service) = e.as_service_error() else {
        return SendError::Temporary(detail);
    };
    match service {
        SendEmailError::MessageRejected(_)
        | SendEmailError::MailFromDomainNotVerifiedException(_)
        | SendEmailError::BadRequestException(_) => SendError::Permanent(detail),
        _ => SendError::Temporary(detail),
    }
}
