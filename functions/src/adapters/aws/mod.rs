//! The AWS adapters: the Store on one DynamoDB table, the Blobs on S3, the Mailer on
//! SES. Clients are built once (per process, per Lambda cold start) and shared.

pub mod dynamo;
pub mod s3;
pub mod ses;

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
