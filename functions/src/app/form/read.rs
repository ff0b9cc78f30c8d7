//! Reading `ticket_form:` of `portal.yaml`, with every problem named by its line and
//! key, including references between the lists (a product naming a field that does not
//! exist, a field restricted to an unknown service).

use std::collections::HashSet;

use madoguchi_yaml::{Fields, Localized};

use super::{Audience, Choice, CustomField, FieldKind, Product, Service, Sla, TicketForm, Width};
use crate::app::tickets::PRIORITIES;

/// The priorities and their labels when the file lists none.
const DEFAULT_PRIORITIES: &[(&str, &str, &str)] = &[
    ("low", "低", "Low"),
    ("normal", "通常", "Normal"),
    ("high", "高", "High"),
    ("urgent", "緊急", "Urgent"),
];

/// A key as the API and the store see it: short, lower case, no spaces.
fn read_key(f: &mut Fields<'_>) -> Option<String> {
    let k = f.req_str("key")?;
    let ok = k.len() <= 40
        && k.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Some(k)
    } else {
        f.error_on(
            "key",
            format!(
                "'{k}' must be lower-case letters, digits, '_' or '-' (at most 40), starting with a letter or digit"
            ),
        );
        None
    }
}

/// Items of a list with the line each was written on, for errors found later.
struct Lined<T> {
    item: T,
    line: usize,
}

/// Reports keys used twice within one list.
fn unique<T>(f: &mut Fields<'_>, list: &str, items: &[Lined<T>], key: impl Fn(&T) -> &str) {
    let mut seen = HashSet::new();
    for (i, x) in items.iter().enumerate() {
        if !seen.insert(key(&x.item)) {
            f.error_at(
                x.line,
                &format!("{list}[{i}].key"),
                format!("'{}' is used twice in {list}", key(&x.item)),
            );
        }
    }
}

fn choices(f: &mut Fields<'_>, list: &str) -> Vec<Lined<Choice>> {
    let items = f.map_list_with(list, &["key", "label"], |c| {
        let line = c.line();
        let key = read_key(c);
        let label = c.localized("label", true);
        Some(Lined {
            item: Choice { key: key?, label },
            line,
        })
    });
    unique(f, list, &items, |c| &c.key);
    items
}

fn unlined<T>(items: Vec<Lined<T>>) -> Vec<T> {
    items.into_iter().map(|x| x.item).collect()
}

/// A custom field as written, before the products' `fields:` lists are folded in.
struct RawField {
    field: CustomField,
    products: Vec<(String, usize)>,
    services: Vec<(String, usize)>,
}

/// The keys a custom field may have (a response field has no `unknown_allowed`,
/// `products` or `services`).
const FIELD_KEYS: &[&str] = &[
    "key",
    "label",
    "type",
    "required",
    "unknown_allowed",
    "max_chars",
    "min",
    "max",
    "decimals",
    "options",
    "help",
    "products",
    "services",
    "visible_to",
    "layout",
];

/// A number bound (`min`, `max`), if given and a number.
fn bound(c: &mut Fields<'_>, key: &str) -> Option<f64> {
    let s = c.str(key)?;
    match s.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            c.error_on(key, format!("'{s}' is not a number"));
            None
        }
    }
}

fn read_field(c: &mut Fields<'_>) -> Option<RawField> {
    let key = read_key(c);
    let label = c.localized("label", true);
    let kind = c.choice("type", FieldKind::NAMES);
    let required = c.bool("required").unwrap_or(false);
    let unknown_allowed = c.bool("unknown_allowed").unwrap_or(false);
    let help = c.localized("help", false);
    let max_chars = c.int("max_chars");
    let kind_name = kind.as_deref().unwrap_or("text");
    let only = |c: &mut Fields<'_>, key: &str, types: &str, applies: bool| {
        if c.node(key).is_some() && !applies {
            c.error_on(key, format!("applies to {types} fields only"));
        }
    };
    let text_like = matches!(kind_name, "text" | "textarea");
    let number = kind_name == "number";
    let with_options = matches!(kind_name, "select" | "multi_select");
    only(c, "max_chars", "text and textarea", text_like);
    for k in ["min", "max", "decimals"] {
        only(c, k, "number", number);
    }
    if !with_options && c.node("options").is_some() {
        c.error_on(
            "options",
            "only a select or multi_select field has options (add type: select)",
        );
    }
    if unknown_allowed && matches!(kind_name, "checkbox" | "multi_select") {
        c.error_on(
            "unknown_allowed",
            "does not apply to a checkbox or multi_select",
        );
    }
    let kind = match kind_name {
        "select" | "multi_select" => {
            let options = unlined(choices(c, "options"));
            if options.is_empty() {
                c.error_on(
                    "options",
                    format!("a {kind_name} field needs at least one option"),
                );
            }
            if kind_name == "select" {
                FieldKind::Select { options }
            } else {
                FieldKind::MultiSelect { options }
            }
        }
        "number" => {
            let min = bound(c, "min");
            let max = bound(c, "max");
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                c.error_on("max", format!("{b} is less than min {a}"));
            }
            let decimals = match c.int("decimals") {
                Some(n) if (0..=6).contains(&n) => n as u8,
                Some(n) => {
                    c.error_on("decimals", format!("{n} is not between 0 and 6"));
                    0
                }
                None => 0,
            };
            FieldKind::Number { min, max, decimals }
        }
        "date" => FieldKind::Date,
        "checkbox" => FieldKind::Checkbox,
        _ => {
            let (default, most) = if kind_name == "textarea" {
                (2_000, 100_000)
            } else {
                (200, 10_000)
            };
            let max_chars = match max_chars {
                Some(n) if (1..=most).contains(&n) => n as usize,
                Some(n) => {
                    c.error_on("max_chars", format!("{n} is not between 1 and {most}"));
                    default as usize
                }
                None => default as usize,
            };
            if kind_name == "textarea" {
                FieldKind::Textarea { max_chars }
            } else {
                FieldKind::Text { max_chars }
            }
        }
    };
    let audience = match c.choice("visible_to", &["customers", "staff"]).as_deref() {
        Some("staff") => Audience::Staff,
        _ => Audience::Customers,
    };
    let width = match c.choice("layout", &["half", "full"]).as_deref() {
        Some("full") => Width::Full,
        Some(_) => Width::Half,
        // Several lines take the whole row unless told otherwise.
        None if kind_name == "textarea" => Width::Full,
        None => Width::Half,
    };
    let products = c.str_list("products");
    let services = c.str_list("services");
    Some(RawField {
        field: CustomField {
            key: key?,
            label,
            kind,
            required,
            unknown_allowed,
            help,
            products: None,
            services: None,
            audience,
            width,
        },
        products,
        services,
    })
}

impl TicketForm {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "products",
        "product_required",
        "services",
        "service_required",
        "ticket_types",
        "ticket_type_required",
        "priorities",
        "default_priority",
        "fields",
        "response_fields",
    ];

    /// Reads the `ticket_form:` map; problems go to `f`'s error list.
    pub(crate) fn read(f: &mut Fields<'_>) -> TicketForm {
        let products = f.map_list_with("products", &["key", "label", "fields"], |p| {
            let line = p.line();
            let key = read_key(p);
            let label = p.localized("label", true);
            let fields = p.str_list("fields");
            Some(Lined {
                item: (Product { key: key?, label }, fields),
                line,
            })
        });
        unique(f, "products", &products, |p| &p.0.key);

        let services = f.map_list_with(
            "services",
            &["key", "label", "help", "slas", "sla_required"],
            |s| {
                let line = s.line();
                let key = read_key(s);
                let label = s.localized("label", true);
                let help = s.localized("help", false);
                let slas = s.map_list_with("slas", &["key", "label", "surcharge"], |x| {
                    let line = x.line();
                    let key = read_key(x);
                    let label = x.localized("label", true);
                    let surcharge = x.localized("surcharge", false);
                    Some(Lined {
                        item: Sla {
                            key: key?,
                            label,
                            surcharge,
                        },
                        line,
                    })
                });
                unique(s, "slas", &slas, |x| &x.key);
                let sla_required = s.bool("sla_required").unwrap_or(false);
                if sla_required && slas.is_empty() {
                    s.error_on("sla_required", "is true but the service has no slas");
                }
                Some(Lined {
                    item: Service {
                        key: key?,
                        label,
                        help,
                        slas: unlined(slas),
                        sla_required,
                    },
                    line,
                })
            },
        );
        unique(f, "services", &services, |s| &s.key);

        let ticket_types = unlined(choices(f, "ticket_types"));

        let mut priorities = choices(f, "priorities");
        for (i, p) in priorities.iter().enumerate() {
            if !PRIORITIES.contains(&p.item.key.as_str()) {
                f.error_at(
                    p.line,
                    &format!("priorities[{i}].key"),
                    format!(
                        "'{}' is not a priority madoguchi knows ({})",
                        p.item.key,
                        PRIORITIES.join(", ")
                    ),
                );
            }
        }
        if !f.has("priorities") {
            priorities = DEFAULT_PRIORITIES
                .iter()
                .map(|(key, ja, en)| Lined {
                    item: Choice {
                        key: (*key).to_owned(),
                        label: Localized(
                            [
                                ("ja".to_owned(), (*ja).to_owned()),
                                ("en".to_owned(), (*en).to_owned()),
                            ]
                            .into(),
                        ),
                    },
                    line: 0,
                })
                .collect();
        }
        let priorities = unlined(priorities);
        let default_priority = match f.str("default_priority") {
            Some(p) if priorities.iter().any(|x| x.key == p) => p,
            Some(p) => {
                f.error_on(
                    "default_priority",
                    format!("'{p}' is not one of the priorities"),
                );
                p
            }
            None if priorities.iter().any(|x| x.key == "normal") => "normal".to_owned(),
            None => priorities
                .first()
                .map(|p| p.key.clone())
                .unwrap_or_default(),
        };
        if priorities.is_empty() {
            f.error_on("priorities", "needs at least one priority");
        }

        let raw = f.map_list_with("fields", FIELD_KEYS, |c| {
            let line = c.line();
            read_field(c).map(|item| Lined { item, line })
        });
        unique(f, "fields", &raw, |r| &r.field.key);

        let mut fields = Vec::new();
        for (i, r) in raw.into_iter().enumerate() {
            let RawField {
                mut field,
                products: only_products,
                services: only_services,
            } = r.item;
            for (p, line) in &only_products {
                if !products.iter().any(|x| x.item.0.key == *p) {
                    f.error_at(
                        *line,
                        &format!("fields[{i}].products"),
                        format!("'{p}' is not one of the products"),
                    );
                }
            }
            for (s, line) in &only_services {
                if !services.iter().any(|x| x.item.key == *s) {
                    f.error_at(
                        *line,
                        &format!("fields[{i}].services"),
                        format!("'{s}' is not one of the services"),
                    );
                }
            }
            // A product that lists the field makes it one of that product's fields.
            let mut restricted: Vec<String> = only_products.into_iter().map(|(p, _)| p).collect();
            for p in &products {
                if p.item.1.iter().any(|(k, _)| *k == field.key)
                    && !restricted.contains(&p.item.0.key)
                {
                    restricted.push(p.item.0.key.clone());
                }
            }
            field.products = (!restricted.is_empty()).then_some(restricted);
            field.services = (!only_services.is_empty())
                .then(|| only_services.into_iter().map(|(s, _)| s).collect());
            fields.push(field);
        }
        for (i, p) in products.iter().enumerate() {
            for (k, line) in &p.item.1 {
                if !fields.iter().any(|x: &CustomField| x.key == *k) {
                    f.error_at(
                        *line,
                        &format!("products[{i}].fields"),
                        format!("'{k}' is not one of the fields"),
                    );
                }
            }
        }

        let required = |f: &mut Fields<'_>, key: &str, list: &str, empty: bool| {
            let r = f.bool(key).unwrap_or(false);
            if r && empty {
                f.error_on(key, format!("is true but there are no {list}"));
            }
            r
        };
        let product_required = required(f, "product_required", "products", products.is_empty());
        let service_required = required(f, "service_required", "services", services.is_empty());
        let ticket_type_required = required(
            f,
            "ticket_type_required",
            "ticket_types",
            ticket_types.is_empty(),
        );

        let response_fields = f.map_list_with("response_fields", FIELD_KEYS, |c| {
            let line = c.line();
            for key in ["unknown_allowed", "products", "services"] {
                if c.node(key).is_some() {
                    c.error_on(key, "does not apply to a response field");
                }
            }
            read_field(c).map(|item| Lined {
                item: item.field,
                line,
            })
        });
        unique(f, "response_fields", &response_fields, |r| &r.key);
        let response_fields = unlined(response_fields);

        TicketForm {
            response_fields,
            products: products.into_iter().map(|p| p.item.0).collect(),
            product_required,
            services: unlined(services),
            service_required,
            ticket_types,
            ticket_type_required,
            priorities,
            default_priority,
            fields,
        }
    }
}
