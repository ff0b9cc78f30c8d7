//! The API function: the portal's Router (API and members' pages) under lambda_http,
//! behind API Gateway's HTTP API.

use madoguchi::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_tracing();
    let start = lambda::cold_start_dynamo().await?;
    let members = lambda::members(&start.s3, &start.settings);
    let router = lambda::api_router(
        start.deps,
        start.settings.keys,
        &start.settings.base_url,
        members,
    );
    lambda_http::run(router).await
}
