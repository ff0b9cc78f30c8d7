//! The outbox function: sends the mails announced on the table's stream, answering
//! the records that failed so that only they are retried.

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{LambdaEvent, service_fn};
use madoguchi::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let start = lambda::cold_start_dynamo().await?;
    let mailer = lambda::mailer(&start.sdk, &start.settings);
    let deps = &start.deps;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| {
        let mailer = &mailer;
        async move {
            Ok::<_, lambda_runtime::Error>(
                lambda::deliver_stream(deps, mailer, event.payload).await,
            )
        }
    }))
    .await
}
