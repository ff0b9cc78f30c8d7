//! The sweep function: on an EventBridge schedule, the timers, unclaimed uploads and
//! mail retries (`madoguchi::lambda::scheduled`).

use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use madoguchi::adapters::aws::dynamo::DynamoStore;
use madoguchi::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let start = lambda::cold_start(|sdk, settings| {
        Arc::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table)
                .with_cursor_key(&lambda::cursor_key(settings)),
        )
    })
    .await?;
    let mailer = lambda::mailer(&start.sdk, &start.settings);
    let deps = &start.deps;
    lambda_runtime::run(service_fn(|_: LambdaEvent<EventBridgeEvent>| {
        let mailer = &mailer;
        async move {
            let report = lambda::scheduled(deps, mailer).await?;
            tracing::info!(?report, "scheduled run");
            Ok::<_, lambda_runtime::Error>(())
        }
    }))
    .await
}
