//! The AWS adapters: the Store on one DynamoDB table, the Blobs on S3, the Mailer on
//! SES. Clients are built once (per process, per Lambda cold start) and shared.

pub mod dynamo;
pub mod s3;
pub mod ses;
