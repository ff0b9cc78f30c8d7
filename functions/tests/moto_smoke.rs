//! The emulator itself starts and answers DynamoDB, S3 and SESv2 (a check of the test
//! harness the AWS adapters' tests stand on).
#![cfg(feature = "aws")]

mod moto;

#[tokio::test]
async fn moto_answers_dynamodb_s3_and_sesv2() {
    let m = moto::moto();
    let config = m.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    ddb.list_tables().send().await.expect("DynamoDB answers");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = moto::unique("smoke");
    s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::ApNortheast1)
                .build(),
        )
        .send()
        .await
        .expect("S3 answers");
    let buckets = s3.list_buckets().send().await.unwrap();
    assert!(
        buckets
            .buckets()
            .iter()
            .any(|b| b.name() == Some(bucket.as_str()))
    );
    let ses = aws_sdk_sesv2::Client::new(&config);
    ses.list_email_identities()
        .send()
        .await
        .expect("SESv2 answers");
}
