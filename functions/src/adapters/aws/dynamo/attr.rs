//! Items as attribute maps: small writers and a reader whose errors name the item and
//! the attribute (no serde layer: every attribute is written and read by name).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use crate::ports::store::StoreError;

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn boolean(v: bool) -> AttributeValue {
    AttributeValue::Bool(v)
}

/// Times are stored as microseconds since the epoch, like the SQLite store.
pub(super) fn time(t: Timestamp) -> AttributeValue {
    n(t.as_microsecond())
}

/// The `ttl` attribute: epoch seconds, as DynamoDB's time to live wants it.
pub(super) fn ttl(t: Timestamp) -> AttributeValue {
    n(t.as_second())
}

pub(super) fn strings(v: &[String]) -> AttributeValue {
    AttributeValue::L(v.iter().map(|x| s(x.as_str())).collect())
}

pub(super) fn string_map(v: &BTreeMap<String, String>) -> AttributeValue {
    AttributeValue::M(v.iter().map(|(k, x)| (k.clone(), s(x.as_str()))).collect())
}

pub(super) fn bytes(v: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(v))
}

/// A time as a sort-key part: zero-padded microseconds, so that string order is time
/// order (times before 1970 sort as 1970; the portal has none).
pub(super) fn order_key(t: Timestamp) -> String {
    format!("{:020}", t.as_microsecond().max(0))
}

/// `<time>#<id>`: a sort key that orders by time, then id.
pub(super) fn time_id(t: Timestamp, id: &str) -> String {
    format!("{}#{id}", order_key(t))
}

/// Builds an item attribute by attribute; `None` values are left out (DynamoDB has no
/// null worth storing, and a missing attribute keeps sparse indexes sparse).
#[derive(Debug, Default)]
pub(super) struct ItemBuilder(Item);

impl ItemBuilder {
    pub(super) fn keyed(pk: impl Into<String>, sk: impl Into<String>) -> ItemBuilder {
        ItemBuilder(Item::from([
            ("PK".to_owned(), s(pk)),
            ("SK".to_owned(), s(sk)),
        ]))
    }

    pub(super) fn set(mut self, name: &str, v: AttributeValue) -> ItemBuilder {
        self.0.insert(name.to_owned(), v);
        self
    }

    pub(super) fn opt(self, name: &str, v: Option<AttributeValue>) -> ItemBuilder {
        match v {
            Some(v) => self.set(name, v),
            None => self,
        }
    }

    /// Sets both key attributes of a GSI (`GSI1` → `GSI1PK`, `GSI1SK`).
    pub(super) fn index(self, gsi: &str, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.set(&format!("{gsi}PK"), s(pk))
            .set(&format!("{gsi}SK"), s(sk))
    }

    pub(super) fn build(self) -> Item {
        self.0
    }
}

/// The primary key of an item.
pub(super) fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    ItemBuilder::keyed(pk, sk).build()
}

/// An item that does not have the shape this adapter writes.
#[derive(Debug, thiserror::Error)]
#[error("{what} item: attribute {name}: {problem}")]
pub(super) struct BadItem {
    what: &'static str,
    name: String,
    problem: String,
}

/// Reads the attributes of one item; errors name the item kind and the attribute.
pub(super) struct Read<'a> {
    item: &'a Item,
    what: &'static str,
}

impl<'a> Read<'a> {
    pub(super) fn new(what: &'static str, item: &'a Item) -> Read<'a> {
        Read { item, what }
    }

    pub(super) fn bad(&self, name: &str, problem: impl Into<String>) -> StoreError {
        StoreError::unexpected(BadItem {
            what: self.what,
            name: name.to_owned(),
            problem: problem.into(),
        })
    }

    fn get(&self, name: &str) -> Option<&'a AttributeValue> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => None,
            Some(v) => Some(v),
        }
    }

    fn need(&self, name: &str) -> Result<&'a AttributeValue, StoreError> {
        self.get(name).ok_or_else(|| self.bad(name, "missing"))
    }

    pub(super) fn opt_s(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.get(name)
            .map(|v| {
                v.as_s()
                    .cloned()
                    .map_err(|_| self.bad(name, "not a string"))
            })
            .transpose()
    }

    pub(super) fn s(&self, name: &str) -> Result<String, StoreError> {
        self.opt_s(name)?.ok_or_else(|| self.bad(name, "missing"))
    }

    pub(super) fn opt_n<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.get(name)
            .map(|v| {
                v.as_n()
                    .map_err(|_| self.bad(name, "not a number"))
                    .and_then(|x| x.parse().map_err(|_| self.bad(name, format!("{x:?}"))))
            })
            .transpose()
    }

    pub(super) fn n<T: std::str::FromStr>(&self, name: &str) -> Result<T, StoreError> {
        self.opt_n(name)?.ok_or_else(|| self.bad(name, "missing"))
    }

    pub(super) fn opt_time(&self, name: &str) -> Result<Option<Timestamp>, StoreError> {
        self.opt_n::<i64>(name)?
            .map(|v| Timestamp::from_microsecond(v).map_err(|e| self.bad(name, e.to_string())))
            .transpose()
    }

    pub(super) fn time(&self, name: &str) -> Result<Timestamp, StoreError> {
        self.opt_time(name)?
            .ok_or_else(|| self.bad(name, "missing"))
    }

    pub(super) fn opt_boolean(&self, name: &str) -> Result<Option<bool>, StoreError> {
        self.get(name)
            .map(|v| {
                v.as_bool()
                    .copied()
                    .map_err(|_| self.bad(name, "not a boolean"))
            })
            .transpose()
    }

    pub(super) fn boolean(&self, name: &str) -> Result<bool, StoreError> {
        self.need(name)?
            .as_bool()
            .copied()
            .map_err(|_| self.bad(name, "not a boolean"))
    }

    pub(super) fn list(&self, name: &str) -> Result<&'a [AttributeValue], StoreError> {
        match self.get(name) {
            None => Ok(&[]),
            Some(v) => v
                .as_l()
                .map(Vec::as_slice)
                .map_err(|_| self.bad(name, "not a list")),
        }
    }

    pub(super) fn strings(&self, name: &str) -> Result<Vec<String>, StoreError> {
        self.list(name)?
            .iter()
            .map(|v| {
                v.as_s()
                    .cloned()
                    .map_err(|_| self.bad(name, "a list element is not a string"))
            })
            .collect()
    }

    pub(super) fn string_map(&self, name: &str) -> Result<BTreeMap<String, String>, StoreError> {
        let Some(v) = self.get(name) else {
            return Ok(BTreeMap::new());
        };
        let m = v.as_m().map_err(|_| self.bad(name, "not a map"))?;
        m.iter()
            .map(|(k, v)| match v.as_s() {
                Ok(x) => Ok((k.clone(), x.clone())),
                Err(_) => Err(self.bad(name, format!("{k} is not a string"))),
            })
            .collect()
    }

    pub(super) fn bytes(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        self.need(name)?
            .as_b()
            .map(|b| b.as_ref().to_vec())
            .map_err(|_| self.bad(name, "not binary"))
    }
}
