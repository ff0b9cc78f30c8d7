//! The ticket form of `portal.yaml`: services with their SLA options, ticket types,
//! products, priorities and custom fields (seeds 000, 001, 002). `read` builds it from
//! the file, `check` checks a filled-in form against it, and `view` is what the portal
//! page draws the form from.

mod check;
mod read;

pub use check::{CheckedTicket, MAX_CC, cc_list, check, check_reply};

use madoguchi_yaml::Localized;
use serde::Serialize;

use crate::app::config::{DEFAULT_LANGUAGE, Limits};

/// The value a customer sends for a field they do not know (seed 002: 不明).
pub const UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, PartialEq)]
pub struct TicketForm {
    pub products: Vec<Product>,
    pub product_required: bool,
    pub services: Vec<Service>,
    pub service_required: bool,
    pub ticket_types: Vec<Choice>,
    pub ticket_type_required: bool,
    /// In the order the form lists them.
    pub priorities: Vec<Choice>,
    pub default_priority: String,
    pub fields: Vec<CustomField>,
}

/// One option of a choice: the key the API and the store use, and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub key: String,
    pub label: Localized,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub key: String,
    pub label: Localized,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub key: String,
    pub label: Localized,
    pub help: Localized,
    /// The service levels a customer may choose for this service (seed 000: only "web
    /// update" has them); empty when the service has none.
    pub slas: Vec<Sla>,
    pub sla_required: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    pub key: String,
    pub label: Localized,
    /// What it costs on top, as the vendor words it ("+3,000円").
    pub surcharge: Localized,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text { max_chars: usize },
    Select { options: Vec<Choice> },
}

/// A field of the vendor's own (contract number, serial number, OS version …).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomField {
    pub key: String,
    pub label: Localized,
    pub kind: FieldKind,
    pub required: bool,
    /// `"unknown"` is accepted (and satisfies `required`).
    pub unknown_allowed: bool,
    pub help: Localized,
    /// Only for these products (`None`: whatever the product, or none).
    pub products: Option<Vec<String>>,
    /// Only for these services (`None`: whatever the service, or none).
    pub services: Option<Vec<String>>,
}

impl CustomField {
    /// Whether the field is part of the form for this product and service.
    pub fn applies(&self, product: Option<&str>, service: Option<&str>) -> bool {
        let within = |list: &Option<Vec<String>>, chosen: Option<&str>| match list {
            None => true,
            Some(keys) => chosen.is_some_and(|c| keys.iter().any(|k| k == c)),
        };
        within(&self.products, product) && within(&self.services, service)
    }
}

impl TicketForm {
    pub fn product(&self, key: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.key == key)
    }

    pub fn service(&self, key: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&CustomField> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The form in `lang`, as `GET /api/v1/form` answers.
    pub fn view(&self, lang: &str, limits: &Limits) -> FormView {
        let text = |l: &Localized| l.get(lang, DEFAULT_LANGUAGE).to_owned();
        let opt_text = |l: &Localized| (!l.is_empty()).then(|| text(l));
        let choice = |c: &Choice| ChoiceView {
            key: c.key.clone(),
            label: text(&c.label),
        };
        FormView {
            products: self
                .products
                .iter()
                .map(|p| ProductView {
                    key: p.key.clone(),
                    label: text(&p.label),
                    fields: self
                        .fields
                        .iter()
                        .filter(|f| f.products.as_ref().is_some_and(|l| l.contains(&p.key)))
                        .map(|f| f.key.clone())
                        .collect(),
                })
                .collect(),
            product_required: self.product_required,
            services: self
                .services
                .iter()
                .map(|s| ServiceView {
                    key: s.key.clone(),
                    label: text(&s.label),
                    help: opt_text(&s.help),
                    slas: s
                        .slas
                        .iter()
                        .map(|x| SlaView {
                            key: x.key.clone(),
                            label: text(&x.label),
                            surcharge: opt_text(&x.surcharge),
                        })
                        .collect(),
                    sla_required: s.sla_required,
                })
                .collect(),
            service_required: self.service_required,
            ticket_types: self.ticket_types.iter().map(choice).collect(),
            ticket_type_required: self.ticket_type_required,
            priorities: self.priorities.iter().map(choice).collect(),
            default_priority: self.default_priority.clone(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldView {
                    key: f.key.clone(),
                    label: text(&f.label),
                    kind: match f.kind {
                        FieldKind::Text { .. } => "text",
                        FieldKind::Select { .. } => "select",
                    },
                    required: f.required,
                    unknown_allowed: f.unknown_allowed,
                    max_chars: match f.kind {
                        FieldKind::Text { max_chars } => Some(max_chars),
                        FieldKind::Select { .. } => None,
                    },
                    options: match &f.kind {
                        FieldKind::Select { options } => options.iter().map(choice).collect(),
                        FieldKind::Text { .. } => Vec::new(),
                    },
                    help: opt_text(&f.help),
                    products: f.products.clone(),
                    services: f.services.clone(),
                })
                .collect(),
            limits: LimitsView {
                max_attachment_bytes: limits.max_attachment_bytes,
                max_attachments: limits.max_attachments,
                max_subject_chars: limits.max_subject_chars,
                max_body_chars: limits.max_body_chars,
            },
        }
    }
}

/// The ticket form in one language (the API's `GET /api/v1/form`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FormView {
    pub services: Vec<ServiceView>,
    pub service_required: bool,
    pub ticket_types: Vec<ChoiceView>,
    pub ticket_type_required: bool,
    pub products: Vec<ProductView>,
    pub product_required: bool,
    pub priorities: Vec<ChoiceView>,
    pub default_priority: String,
    pub fields: Vec<FieldView>,
    pub limits: LimitsView,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChoiceView {
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProductView {
    pub key: String,
    pub label: String,
    /// The custom fields made for this product.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceView {
    pub key: String,
    pub label: String,
    pub help: Option<String>,
    pub slas: Vec<SlaView>,
    pub sla_required: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlaView {
    pub key: String,
    pub label: String,
    pub surcharge: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub required: bool,
    pub unknown_allowed: bool,
    pub max_chars: Option<usize>,
    pub options: Vec<ChoiceView>,
    pub help: Option<String>,
    pub products: Option<Vec<String>>,
    pub services: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LimitsView {
    pub max_attachment_bytes: u64,
    pub max_attachments: usize,
    pub max_subject_chars: usize,
    pub max_body_chars: usize,
}
