//! The API function: the portal's Router (API and members' pages) under lambda_http,
//! behind API Gateway's HTTP API.

use std::sync::Arc;

use madoguchi::adapters::aws::dynamo::DynamoStore;
use madoguchi::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_tracing();
    let start = lambda::cold_start(|sdk, settings| {
        Arc::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table)
                .with_cursor_key(&lambda::cursor_key(settings)),
        )
    })
    .await?;
    let members = lambda::members(&start.s3, &start.settings);
    let router = lambda::api_router(
        start.deps,
        start.settings.keys,
        &start.settings.base_url,
        members,
    );
    lambda_http::run(router).await
}
