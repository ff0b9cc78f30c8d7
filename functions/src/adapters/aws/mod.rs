//! The AWS adapters: the Store on one DynamoDB table, the Blobs on S3, the Mailer on
//! SES. Clients are built once (per process, per Lambda cold start) and shared.

pub mod dynamo;
pub mod s3;
pub mod ses;

/// The SDK configuration loader every client of madoguchi starts from: the latest
/// behaviour version and an HTTPS client on rustls with *ring*. The SDKs' own default
/// client would link AWS-LC (C, assembly) into every Lambda bootstrap for the same TLS;
/// *ring* is what the local mode's SMTP client uses already.
pub fn config() -> aws_config::ConfigLoader {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(
        aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https(),
    )
}

/// An error with its whole cause chain on one line: SDK errors say "service error" and
/// keep what the service said one level down.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}
