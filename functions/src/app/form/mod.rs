//! The ticket form of `portal.yaml`: services with their SLA options, ticket types,
//! products, priorities and custom fields (seeds 000, 001, 002). `read` builds it from
//! the file, `check` checks a filled-in form against it, and `view` is what the portal
//! page draws the form from.

mod check;
mod read;

pub use check::{
    CheckedTicket, MAX_CC, cc_list, change_fields, check, check_reply, response_fields,
};

use std::collections::BTreeMap;

use madoguchi_yaml::Localized;
use serde::Serialize;

use crate::app::config::{DEFAULT_LANGUAGE, Limits};
use crate::app::error::Problem;

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
    /// Fields of a staff response (seed 003's 対応期限, 原因/対策, メモ), in order.
    pub response_fields: Vec<CustomField>,
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

/// What a custom field holds, and so which input the form draws for it. Every value is
/// stored as text (`TicketRecord::fields`): a number in plain decimal digits, a date as
/// `YYYY-MM-DD`, a multi-select's option keys joined by `,` in the options' order, a
/// ticked checkbox as `yes` (unticked: absent).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text {
        max_chars: usize,
    },
    /// Several lines.
    Textarea {
        max_chars: usize,
    },
    /// A decimal number within optional bounds, with at most `decimals` digits after
    /// the point.
    Number {
        min: Option<f64>,
        max: Option<f64>,
        decimals: u8,
    },
    Date,
    Select {
        options: Vec<Choice>,
    },
    MultiSelect {
        options: Vec<Choice>,
    },
    Checkbox,
}

impl FieldKind {
    /// The name of the type in `portal.yaml` and the API.
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::Textarea { .. } => "textarea",
            FieldKind::Number { .. } => "number",
            FieldKind::Date => "date",
            FieldKind::Select { .. } => "select",
            FieldKind::MultiSelect { .. } => "multi_select",
            FieldKind::Checkbox => "checkbox",
        }
    }

    pub const NAMES: &'static [&'static str] = &[
        "text",
        "textarea",
        "number",
        "date",
        "select",
        "multi_select",
        "checkbox",
    ];

    fn options(&self) -> &[Choice] {
        match self {
            FieldKind::Select { options } | FieldKind::MultiSelect { options } => options,
            _ => &[],
        }
    }
}

/// Who sees and fills in a field (`visible_to:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// On the customer's form and ticket page (and the staff's).
    Customers,
    /// Staff only: never shown to customers, never accepted from them (seed 003's
    /// ※非公開 fields).
    Staff,
}

/// How wide a field is drawn in the form's two columns (seed 003's layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Half,
    Full,
}

impl Width {
    pub fn name(self) -> &'static str {
        match self {
            Width::Half => "half",
            Width::Full => "full",
        }
    }
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
    pub audience: Audience,
    pub width: Width,
}

impl CustomField {
    pub fn staff_only(&self) -> bool {
        self.audience == Audience::Staff
    }

    /// `value` (trimmed, not empty) as stored, or what is wrong with it. Full-width
    /// digits and signs (what a Japanese input method types) are read as ASCII.
    pub fn value(&self, value: &str) -> Result<String, Problem> {
        match &self.kind {
            FieldKind::Text { max_chars } | FieldKind::Textarea { max_chars } => {
                if value.chars().count() > *max_chars {
                    Err(Problem::TooLong { max: *max_chars })
                } else {
                    Ok(value.to_owned())
                }
            }
            FieldKind::Number { min, max, decimals } => {
                let ascii = half_width(value).replace([',', ' '], "");
                let (int, frac) = ascii.split_once('.').unwrap_or((&ascii, ""));
                let digits = int.strip_prefix('-').unwrap_or(int);
                let well_formed = !digits.is_empty()
                    && digits.chars().all(|c| c.is_ascii_digit())
                    && frac.chars().all(|c| c.is_ascii_digit())
                    && !(ascii.contains('.') && frac.is_empty());
                let n: f64 = match ascii.parse() {
                    Ok(n) if well_formed && frac.len() <= *decimals as usize => n,
                    _ => return Err(Problem::NotANumber),
                };
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    return Err(Problem::OutOfRange {
                        min: min.map(number_text),
                        max: max.map(number_text),
                    });
                }
                // One spelling per number: no leading zeros, no "-0".
                let int = digits.trim_start_matches('0');
                let int = if int.is_empty() { "0" } else { int };
                let sign = if n < 0.0 { "-" } else { "" };
                Ok(if frac.is_empty() {
                    format!("{sign}{int}")
                } else {
                    format!("{sign}{int}.{frac}")
                })
            }
            FieldKind::Date => {
                let ascii = half_width(value).replace('/', "-");
                let mut parts = ascii.splitn(3, '-');
                let mut next = || parts.next().and_then(|p| p.parse::<i16>().ok());
                match (next(), next(), next()) {
                    (Some(y), Some(m), Some(d)) if (1900..=2999).contains(&y) => {
                        jiff::civil::Date::new(y, m as i8, d as i8)
                            .map(|d| d.to_string())
                            .map_err(|_| Problem::NotADate)
                    }
                    _ => Err(Problem::NotADate),
                }
            }
            FieldKind::Select { options } => options
                .iter()
                .find(|o| o.key == value)
                .map(|o| o.key.clone())
                .ok_or(Problem::NotAnOption),
            FieldKind::MultiSelect { options } => {
                let chosen: Vec<&str> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .collect();
                if chosen.iter().any(|k| !options.iter().any(|o| o.key == *k)) {
                    return Err(Problem::NotAnOption);
                }
                Ok(options
                    .iter()
                    .filter(|o| chosen.contains(&o.key.as_str()))
                    .map(|o| o.key.as_str())
                    .collect::<Vec<_>>()
                    .join(","))
            }
            FieldKind::Checkbox => match value.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" | "1" => Ok("yes".into()),
                // Unticked: the value is removed (see `check`).
                "no" | "false" | "off" | "0" => Ok(String::new()),
                _ => Err(Problem::NotAnOption),
            },
        }
    }

    /// A stored value as people read it in `lang`: option labels, はい/yes, 不明/unknown.
    /// A value the field's current options do not know (the config changed) shows as
    /// stored.
    pub fn display(&self, value: &str, lang: &str) -> String {
        let ja = lang == "ja";
        if value == UNKNOWN {
            return if ja { "不明" } else { "unknown" }.to_owned();
        }
        let label = |k: &str| {
            self.kind
                .options()
                .iter()
                .find(|o| o.key == k)
                .map_or(k, |o| o.label.get(lang, DEFAULT_LANGUAGE))
                .to_owned()
        };
        match &self.kind {
            FieldKind::Select { .. } => label(value),
            FieldKind::MultiSelect { .. } => value
                .split(',')
                .map(label)
                .collect::<Vec<_>>()
                .join(if ja { "、" } else { ", " }),
            FieldKind::Checkbox if value == "yes" => if ja { "はい" } else { "yes" }.to_owned(),
            _ => value.to_owned(),
        }
    }
}

/// Stored field values a reader may see: staff all; customers those whose field (by
/// `field_of`) is configured and not staff-only.
fn visible<'a>(
    mut fields: BTreeMap<String, String>,
    staff: bool,
    field_of: impl Fn(&str) -> Option<&'a CustomField>,
) -> BTreeMap<String, String> {
    if !staff {
        fields.retain(|k, _| field_of(k).is_some_and(|f| !f.staff_only()));
    }
    fields
}

/// Full-width digits and number signs (０-９, －, ．, ，, ／) as ASCII.
fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | '−' => '-',
            '．' => '.',
            '，' => ',',
            '／' => '/',
            c => c,
        })
        .collect()
}

/// A bound as written in a message (`10`, not `10.0`).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
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

    /// A ticket's stored fields as its reader may see them: staff every one (also those
    /// the configuration no longer has), customers only the fields configured as
    /// visible to them (a field removed from the configuration is hidden from them, as
    /// nobody can tell any more whether it was meant for them).
    pub fn visible_fields(
        &self,
        fields: BTreeMap<String, String>,
        staff: bool,
    ) -> BTreeMap<String, String> {
        visible(fields, staff, |k| self.field(k))
    }

    /// A response's fields as its reader may see them (as `visible_fields`).
    pub fn visible_response_fields(
        &self,
        fields: BTreeMap<String, String>,
        staff: bool,
    ) -> BTreeMap<String, String> {
        visible(fields, staff, |k| self.response_field(k))
    }

    pub fn response_field(&self, key: &str) -> Option<&CustomField> {
        self.response_fields.iter().find(|f| f.key == key)
    }

    /// The form in `lang`, as `GET /api/v1/form` answers: for customers without the
    /// staff-only fields (ticket and response fields), for `staff` with them.
    pub fn view(&self, lang: &str, limits: &Limits, staff: bool) -> FormView {
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
                        .filter(|f| staff || !f.staff_only())
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
                .filter(|f| staff || !f.staff_only())
                .map(|f| f.view(lang))
                .collect(),
            // Customers get the labels of those they see on answers.
            response_fields: self
                .response_fields
                .iter()
                .filter(|f| staff || !f.staff_only())
                .map(|f| f.view(lang))
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
    /// The fields of a staff response (customers get those visible to them, for the
    /// labels on answers; only staff fill them in).
    pub response_fields: Vec<FieldView>,
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
    /// text, textarea, number, date, select, multi_select or checkbox.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub required: bool,
    pub unknown_allowed: bool,
    pub max_chars: Option<usize>,
    /// A number field's bounds and decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    pub options: Vec<ChoiceView>,
    pub help: Option<String>,
    pub products: Option<Vec<String>>,
    pub services: Option<Vec<String>>,
    /// `customers` or `staff` (staff-only: never shown to customers).
    pub visible_to: &'static str,
    /// `half` (one of two columns) or `full` (the whole row).
    pub layout: &'static str,
}

impl CustomField {
    fn view(&self, lang: &str) -> FieldView {
        let text = |l: &Localized| l.get(lang, DEFAULT_LANGUAGE).to_owned();
        let (min, max, decimals) = match self.kind {
            FieldKind::Number { min, max, decimals } => (min, max, Some(decimals)),
            _ => (None, None, None),
        };
        FieldView {
            key: self.key.clone(),
            label: text(&self.label),
            kind: self.kind.name(),
            required: self.required,
            unknown_allowed: self.unknown_allowed,
            max_chars: match self.kind {
                FieldKind::Text { max_chars } | FieldKind::Textarea { max_chars } => {
                    Some(max_chars)
                }
                _ => None,
            },
            min,
            max,
            decimals,
            options: self
                .kind
                .options()
                .iter()
                .map(|c| ChoiceView {
                    key: c.key.clone(),
                    label: text(&c.label),
                })
                .collect(),
            help: (!self.help.is_empty()).then(|| text(&self.help)),
            products: self.products.clone(),
            services: self.services.clone(),
            visible_to: match self.audience {
                Audience::Customers => "customers",
                Audience::Staff => "staff",
            },
            layout: self.width.name(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LimitsView {
    pub max_attachment_bytes: u64,
    pub max_attachments: usize,
    pub max_subject_chars: usize,
    pub max_body_chars: usize,
}
