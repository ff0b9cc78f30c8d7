//! The Lambda side of the portal: settings from the environment, the dependencies
//! built once per cold start, and the three handlers (the API, the outbox sender on
//! the table's stream, the scheduled sweep) as functions that tests call directly with
//! synthetic events. The binaries in `src/bin/lambda_*.rs` only wire them to the
//! runtime.

use std::sync::Arc;

use anyhow::Context;
use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use axum::Router;
use jiff::SignedDuration;

use crate::adapters::aws::s3::S3Blobs;
use crate::adapters::aws::ses::SesMailer;
use crate::app::auth::{JWT_KEYS_ENV, SigningKey, parse_signing_keys};
use crate::app::mail::MailComposer;
use crate::app::outbox::{self, Delivery, OutboxReport};
use crate::app::sweep::{self, SweepReport};
use crate::app::uploads::{self, UploadSweep};
use crate::app::{AppError, Deps, PortalConfig};
use crate::http::{ApiState, MemberPages, api_app};
use crate::ports::{Blobs, Mailer, Store, SystemClock};

/// Where attachments live in the private bucket.
pub const ATTACHMENTS_PREFIX: &str = "attachments/";
/// Where the customer-only pages (`dist/members`) are uploaded in the private bucket.
pub const MEMBERS_PREFIX: &str = "members/";

/// What the functions read from their environment (set by `infra/template.yaml`).
pub struct Settings {
    /// `MADOGUCHI_TABLE`: the DynamoDB table.
    pub table: String,
    /// `MADOGUCHI_BUCKET`: the private bucket of attachments and members' pages.
    pub bucket: String,
    /// `MADOGUCHI_SES_CONFIGURATION_SET` (optional).
    pub ses_configuration_set: Option<String>,
    /// `MADOGUCHI_BASE_URL`: the portal's public address, for links in mails and for
    /// `Secure` cookies.
    pub base_url: String,
    /// `MADOGUCHI_JWT_KEYS` (`kid:secret,…`), from Secrets Manager through the template.
    pub keys: Vec<SigningKey>,
}

impl Settings {
    /// Reads the settings; an error names the variable that is missing or wrong.
    pub fn from_env() -> anyhow::Result<Settings> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// As `from_env`, from any lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let need = |k: &str| {
            get(k)
                .filter(|v| !v.trim().is_empty())
                .with_context(|| format!("{k} is not set"))
        };
        let base_url = need("MADOGUCHI_BASE_URL")?;
        anyhow::ensure!(
            base_url.starts_with("https://") || base_url.starts_with("http://"),
            "MADOGUCHI_BASE_URL: expected an http(s):// address, got {base_url:?}"
        );
        Ok(Settings {
            table: need("MADOGUCHI_TABLE")?,
            bucket: need("MADOGUCHI_BUCKET")?,
            ses_configuration_set: get("MADOGUCHI_SES_CONFIGURATION_SET")
                .filter(|v| !v.trim().is_empty()),
            keys: parse_signing_keys(&need(JWT_KEYS_ENV)?).context(JWT_KEYS_ENV)?,
            base_url,
        })
    }
}

/// The use cases' dependencies on a given store and blob store, with the portal
/// configuration bundled into the binary at build time (`content/portal.yaml`).
pub fn deps(store: Arc<dyn Store>, blobs: Arc<dyn Blobs>, base_url: &str) -> anyhow::Result<Deps> {
    let config = PortalConfig::bundled()
        .map_err(|e| anyhow::anyhow!("the bundled portal configuration has errors:\n{e}"))?
        .with_base_url(base_url);
    let mail = MailComposer::new(config.name_in("ja"), &config.sender)?;
    Ok(Deps {
        store,
        blobs,
        clock: Arc::new(SystemClock),
        config: Arc::new(config),
        mail: Arc::new(mail),
    })
}

/// The SDK's configuration from the function's environment (region, role
/// credentials), loaded once per cold start.
pub async fn sdk_config() -> aws_config::SdkConfig {
    crate::adapters::aws::config().load().await
}

/// What every function builds once per cold start: settings, SDK configuration, the
/// S3 client, and the dependencies on the store `store` makes.
pub struct ColdStart {
    pub settings: Settings,
    pub sdk: aws_config::SdkConfig,
    pub s3: aws_sdk_s3::Client,
    pub deps: Deps,
}

/// Reads the settings, loads the SDK configuration and builds the dependencies; the
/// caller names the store (`DynamoStore` in the binaries).
pub async fn cold_start(
    store: impl FnOnce(&aws_config::SdkConfig, &Settings) -> Arc<dyn Store>,
) -> anyhow::Result<ColdStart> {
    let settings = Settings::from_env()?;
    let sdk = sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let deps = deps(
        store(&sdk, &settings),
        attachments(&s3, &settings),
        &settings.base_url,
    )?;
    Ok(ColdStart {
        settings,
        sdk,
        s3,
        deps,
    })
}

/// The cold start every bootstrap runs: the store on the deployment's DynamoDB table,
/// its list cursors signed with the deployment's key.
pub async fn cold_start_dynamo() -> anyhow::Result<ColdStart> {
    cold_start(|sdk, settings| {
        Arc::new(
            crate::adapters::aws::dynamo::DynamoStore::new(
                aws_sdk_dynamodb::Client::new(sdk),
                &settings.table,
            )
            .with_cursor_key(&cursor_key(settings)),
        )
    })
    .await
}

/// The secret that signs list cursors, the same in every function of a deployment:
/// derived from the JWT signing key (a hash with its own label, so neither reveals
/// the other).
pub fn cursor_key(settings: &Settings) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"madoguchi list cursor\0");
    if let Some(k) = settings.keys.first() {
        h.update(&k.secret);
    }
    h.finalize().to_vec()
}

/// The attachments' store: the `attachments/` prefix of the private bucket.
pub fn attachments(s3: &aws_sdk_s3::Client, settings: &Settings) -> Arc<dyn Blobs> {
    Arc::new(S3Blobs::new(
        s3.clone(),
        &settings.bucket,
        ATTACHMENTS_PREFIX,
    ))
}

/// The members' pages: the `members/` prefix of the private bucket, read after the
/// session check (see `MemberPages::Blobs` for why not CloudFront signed cookies).
pub fn members(s3: &aws_sdk_s3::Client, settings: &Settings) -> MemberPages {
    MemberPages::Blobs(Arc::new(S3Blobs::new(
        s3.clone(),
        &settings.bucket,
        MEMBERS_PREFIX,
    )))
}

/// The mailer: SES through the configuration set.
pub fn mailer(sdk: &aws_config::SdkConfig, settings: &Settings) -> SesMailer {
    SesMailer::new(
        aws_sdk_sesv2::Client::new(sdk),
        settings.ses_configuration_set.clone(),
    )
}

/// The API function's Router: the same API and members' pages as the local mode,
/// without the static site (S3 and CloudFront serve it).
pub fn api_router(
    deps: Deps,
    keys: Vec<SigningKey>,
    base_url: &str,
    members: MemberPages,
) -> Router {
    api_app(ApiState::new(deps, keys, base_url), members)
}

/// The mail id a stream record announces: an INSERT of an item whose `PK` starts with
/// `MAIL#`, the id in its `mail_id` attribute. Anything else is not for the sender
/// (the event source's filter lets none of it through; this is the second check).
pub fn announced_mail(record: &EventRecord) -> Option<String> {
    if record.event_name != "INSERT" {
        return None;
    }
    // The image as DynamoDB JSON: {"PK": {"S": "MAIL#…"}, "mail_id": {"S": "…"}}.
    let image = serde_json::to_value(&record.change.new_image).ok()?;
    let string = |name: &str| image.get(name)?.get("S")?.as_str().map(str::to_owned);
    string("PK")
        .filter(|pk| pk.starts_with("MAIL#"))
        .and_then(|_| string("mail_id"))
}

/// Sends the mails a batch of stream records announces, one after another, and
/// answers the records that failed (by sequence number) so that Lambda retries only
/// them, never the others: a record fails when the store could not be read or written
/// or when the mailer failed temporarily just now. On the retry the mail is waiting for
/// its backoff (`NotDue`) and the record succeeds; the sweep sends it when it is due.
/// A record seen twice finds its mail sent and sends nothing.
pub async fn deliver_stream(
    deps: &Deps,
    mailer: &dyn Mailer,
    event: DynamoDbEvent,
) -> DynamoDbEventResponse {
    let mut failed = Vec::new();
    for record in &event.records {
        let Some(id) = announced_mail(record) else {
            continue;
        };
        let ok = match outbox::deliver_id(deps, mailer, &id).await {
            Ok(Delivery::Retrying) => false,
            Ok(delivery) => {
                tracing::info!(mail = %id, ?delivery, "stream record handled");
                true
            }
            Err(e) => {
                tracing::error!(mail = %id, error = %e, "stream record failed");
                false
            }
        };
        if !ok {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            failed.push(failure);
        }
    }
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = failed;
    response
}

/// What one scheduled run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledReport {
    pub sweep: SweepReport,
    pub uploads: UploadSweep,
    pub outbox: OutboxReport,
}

/// New mails older than this without a send are taken to have lost their stream
/// record (Lambda's retries exhausted) and are sent by the schedule.
pub const STREAM_GRACE: SignedDuration = SignedDuration::from_mins(10);

/// The scheduled run: the timer sweep, pending uploads nobody claimed, and the mails
/// whose retry is due. Safe twice at once: every ticket change is a conditional write
/// on the version read (the second sweep's write is refused and counted as skipped),
/// an upload record is removed only if still there, and the template gives the
/// function a reserved concurrency of one so that two retries of one mail do not
/// overlap.
pub async fn scheduled(deps: &Deps, mailer: &dyn Mailer) -> Result<ScheduledReport, AppError> {
    let sweep = sweep::sweep(deps).await?;
    let uploads = uploads::sweep_uploads(deps, 500).await?;
    let outbox = outbox::deliver_retries(deps, mailer, STREAM_GRACE).await?;
    Ok(ScheduledReport {
        sweep,
        uploads,
        outbox,
    })
}

/// Logs for CloudWatch: JSON lines when the function's log format is JSON
/// (`AWS_LAMBDA_LOG_FORMAT`), plain lines otherwise; no colours and no time stamps
/// (CloudWatch adds its own); the level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`
/// (`info` when unset or not a level). A plain level, not `RUST_LOG` directives: the
/// directive parser brings a regular-expression engine into every bootstrap.
pub fn init_tracing() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.trim().parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let fmt = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .without_time()
        .with_target(false);
    if std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        fmt.json().init();
    } else {
        fmt.init();
    }
}

#[cfg(test)]
mod tests {
    /// The bootstraps carry the time zone database: the portal's time zone must resolve
    /// on a Lambda image without /usr/share/zoneinfo.
    #[test]
    fn the_time_zone_database_is_bundled() {
        let db = jiff::tz::TimeZoneDatabase::bundled();
        let tokyo = db
            .get("Asia/Tokyo")
            .expect("Asia/Tokyo in the bundled tzdb");
        let noon = jiff::civil::date(2026, 11, 23)
            .at(12, 0, 0, 0)
            .to_zoned(tokyo)
            .unwrap();
        assert_eq!(noon.offset().seconds(), 9 * 3600);
    }
}
