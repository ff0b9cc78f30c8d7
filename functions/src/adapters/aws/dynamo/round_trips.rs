//! Counts the requests a DynamoDB client sends, by operation: an SDK interceptor, so
//! every attempt that reaches the wire is counted (a retry is a round trip too).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;

/// A shared counter of round trips. Attach it to a client's configuration with
/// `config::Builder::interceptor(round_trips.clone())` (or build the store with
/// `DynamoStore::counting`), then read it before and after a use case.
#[derive(Debug, Clone, Default)]
pub struct RoundTrips(Arc<Counter>);

#[derive(Debug, Default)]
struct Counter {
    total: AtomicU64,
    by_operation: Mutex<BTreeMap<String, u64>>,
}

impl RoundTrips {
    pub fn new() -> RoundTrips {
        RoundTrips::default()
    }

    /// Requests sent so far.
    pub fn total(&self) -> u64 {
        self.0.total.load(Ordering::Relaxed)
    }

    /// Requests sent so far by operation (`GetItem`, `TransactWriteItems`, …).
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
        self.0
            .by_operation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.total.fetch_add(1, Ordering::Relaxed);
        // DynamoDB names the operation in the target header: `DynamoDB_20120810.GetItem`.
        let operation = context
            .request()
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_owned();
        *self
            .0
            .by_operation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(operation)
            .or_default() += 1;
        Ok(())
    }
}
