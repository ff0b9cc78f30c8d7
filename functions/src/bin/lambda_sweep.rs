//! The sweep function: on an EventBridge schedule, the timers, unclaimed uploads and
//! mail retries (`madoguchi::lambda::scheduled`).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use madoguchi::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let start = lambda::cold_start_dynamo().await?;
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
