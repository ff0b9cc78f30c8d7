//! Checking a filled-in ticket form against the vendor's form: every failing field is
//! reported at once, and what passes comes out trimmed and typed.

use std::collections::BTreeMap;

use super::{CustomField, TicketForm, UNKNOWN};
use crate::app::config::Limits;
use crate::app::error::{FieldError, Problem};
use crate::app::tickets::OpenTicket;
use crate::domain::Email;

/// More CC addresses than this on one ticket is a mistake or abuse.
pub const MAX_CC: usize = 20;

/// A new ticket whose every value the form accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedTicket {
    pub subject: String,
    pub body: String,
    pub priority: String,
    pub product: Option<String>,
    pub service: Option<String>,
    pub sla: Option<String>,
    pub ticket_type: Option<String>,
    /// Only fields that apply to the product and service, with a value.
    pub fields: BTreeMap<String, String>,
    pub cc: Vec<Email>,
    /// Upload ids, each once.
    pub attachments: Vec<String>,
}

/// A text input: trimmed, required, at most `max` characters.
pub fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, Problem::Required));
        None
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, Problem::TooLong { max }));
        None
    } else {
        Some(v.to_owned())
    }
}

/// A choice: `None` for nothing chosen (absent or blank, the form's "-").
fn chosen(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Every address of a comma-separated list, each wrong one reported.
pub fn cc_list(errors: &mut Vec<FieldError>, field: &str, value: &str) -> Vec<Email> {
    let mut out: Vec<Email> = Vec::new();
    for part in value
        .split([',', '、', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match Email::parse(part) {
            // Mailboxes differing only in case are one in practice.
            Ok(e)
                if !out
                    .iter()
                    .any(|o| o.as_str().eq_ignore_ascii_case(e.as_str())) =>
            {
                out.push(e)
            }
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new(
                field,
                Problem::InvalidEmail {
                    value: part.chars().filter(|c| !c.is_control()).take(100).collect(),
                },
            )),
        }
    }
    if out.len() > MAX_CC {
        errors.push(FieldError::new(field, Problem::TooMany { max: MAX_CC }));
    }
    out
}

/// A reply's body and attachments: `Ok((body, upload ids))` or every problem.
pub fn check_reply(
    limits: &Limits,
    body: &str,
    attachments: &[String],
) -> Result<(String, Vec<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let body = text(&mut errors, "body", body, limits.max_body_chars);
    let ids = attachment_ids(&mut errors, limits, attachments);
    match body {
        Some(body) if errors.is_empty() => Ok((body, ids)),
        _ => Err(errors),
    }
}

/// Upload ids, each once, at most as many as the limit.
fn attachment_ids(errors: &mut Vec<FieldError>, limits: &Limits, ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    if out.len() > limits.max_attachments {
        errors.push(FieldError::new(
            "attachments",
            Problem::TooMany {
                max: limits.max_attachments,
            },
        ));
    }
    out
}

/// The custom fields of a new ticket: each given one checked against its field (a
/// staff-only field is unknown to customers), each required one that applies present.
/// Only `staff` fill in staff-only fields, so only they must fill the required ones.
fn ticket_fields(
    form: &TicketForm,
    errors: &mut Vec<FieldError>,
    product: Option<&str>,
    service: Option<&str>,
    given: &BTreeMap<String, String>,
    staff: bool,
    require: bool,
) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for (key, value) in given {
        let name = format!("fields.{key}");
        let value = value.trim();
        let Some(field) = form.field(key).filter(|f| staff || !f.staff_only()) else {
            errors.push(FieldError::new(name, Problem::UnknownField));
            continue;
        };
        if value.is_empty() {
            continue;
        }
        if !field.applies(product, service) {
            errors.push(FieldError::new(name, Problem::NotApplicable).labelled(&field.label));
            continue;
        }
        if value == UNKNOWN && field.unknown_allowed {
            fields.insert(key.clone(), UNKNOWN.to_owned());
            continue;
        }
        keep_value(&mut fields, errors, field, name, value);
    }
    for field in &form.fields {
        let filled_in_by_them = staff || !field.staff_only();
        if require
            && field.required
            && filled_in_by_them
            && !fields.contains_key(&field.key)
            && field.applies(product, service)
            && !errors
                .iter()
                .any(|e| e.field == format!("fields.{}", field.key))
        {
            errors.push(
                FieldError::new(format!("fields.{}", field.key), Problem::Required)
                    .labelled(&field.label),
            );
        }
    }
    fields
}

/// `value` (trimmed, not empty) of `field`, stored in one spelling, or its problem
/// recorded under the input `name`; a value that means "nothing" (an unticked box) is
/// left out.
fn keep_value(
    fields: &mut BTreeMap<String, String>,
    errors: &mut Vec<FieldError>,
    field: &CustomField,
    name: String,
    value: &str,
) {
    match field.value(value) {
        Ok(v) if v.is_empty() => {}
        Ok(v) => {
            fields.insert(field.key.clone(), v);
        }
        Err(problem) => errors.push(FieldError::new(name, problem).labelled(&field.label)),
    }
}

/// Staff's change of a ticket's custom fields: `changes` maps keys to new values, an
/// empty value removes one. Returns the ticket's fields after the change, or every
/// problem. A field the configuration no longer has keeps its stored value and may only
/// be removed; a required field that applies may not be removed; nothing else about the
/// ticket is judged again (a field made required since it was opened stays empty until
/// someone fills it in), so a changed configuration never locks a ticket.
pub fn change_fields(
    form: &TicketForm,
    product: Option<&str>,
    service: Option<&str>,
    current: &BTreeMap<String, String>,
    changes: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = current.clone();
    for (key, value) in changes {
        let name = format!("fields.{key}");
        let value = value.trim();
        let Some(field) = form.field(key) else {
            if value.is_empty() && current.contains_key(key) {
                fields.remove(key);
            } else {
                errors.push(FieldError::new(name, Problem::UnknownField));
            }
            continue;
        };
        let error = |problem| FieldError::new(name.clone(), problem).labelled(&field.label);
        let checked = if value.is_empty() {
            Ok(String::new())
        } else if value == UNKNOWN && field.unknown_allowed {
            Ok(UNKNOWN.to_owned())
        } else if !field.applies(product, service) {
            Err(Problem::NotApplicable)
        } else {
            field.value(value)
        };
        match checked {
            Ok(v) if v.is_empty() => {
                if field.required && field.applies(product, service) && current.contains_key(key) {
                    errors.push(error(Problem::Required));
                } else {
                    fields.remove(key);
                }
            }
            Ok(v) => {
                fields.insert(key.clone(), v);
            }
            Err(problem) => errors.push(error(problem)),
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// The fields of a staff response (`response_fields:`), checked like a ticket's; the
/// input names are `response_fields.<key>`.
pub fn response_fields(
    form: &TicketForm,
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = BTreeMap::new();
    for (key, value) in given {
        let name = format!("response_fields.{key}");
        let value = value.trim();
        let Some(field) = form.response_field(key) else {
            errors.push(FieldError::new(name, Problem::UnknownField));
            continue;
        };
        if value.is_empty() {
            continue;
        }
        keep_value(&mut fields, &mut errors, field, name, value);
    }
    for field in &form.response_fields {
        let name = format!("response_fields.{}", field.key);
        if field.required
            && !fields.contains_key(&field.key)
            && !errors.iter().any(|e| e.field == name)
        {
            errors.push(FieldError::new(name, Problem::Required).labelled(&field.label));
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// Checks `input` against the form and the limits: `Ok` with the values to store, or
/// every field that is wrong.
pub fn check(
    form: &TicketForm,
    limits: &Limits,
    input: &OpenTicket,
    staff: bool,
) -> Result<CheckedTicket, Vec<FieldError>> {
    let mut errors = Vec::new();
    let subject = text(
        &mut errors,
        "subject",
        &input.subject,
        limits.max_subject_chars,
    );
    let body = text(&mut errors, "body", &input.body, limits.max_body_chars);

    let product = chosen(&input.product);
    match product {
        Some(p) if form.product(p).is_none() => {
            errors.push(FieldError::new("product", Problem::NotAnOption))
        }
        None if form.product_required => errors.push(FieldError::new("product", Problem::Required)),
        _ => {}
    }
    let service_key = chosen(&input.service);
    let service = service_key.and_then(|s| form.service(s));
    match service_key {
        Some(_) if service.is_none() => {
            errors.push(FieldError::new("service", Problem::NotAnOption))
        }
        None if form.service_required => errors.push(FieldError::new("service", Problem::Required)),
        _ => {}
    }
    let sla = chosen(&input.sla);
    match (sla, service) {
        (Some(_), Some(s)) if s.slas.is_empty() => {
            errors.push(FieldError::new("sla", Problem::NotApplicable))
        }
        (Some(x), Some(s)) if !s.slas.iter().any(|o| o.key == x) => {
            errors.push(FieldError::new("sla", Problem::NotAnOption))
        }
        // An SLA without a service: it belongs to none.
        (Some(_), None) if service_key.is_none() => {
            errors.push(FieldError::new("sla", Problem::NotApplicable))
        }
        (None, Some(s)) if s.sla_required => errors.push(FieldError::new("sla", Problem::Required)),
        _ => {}
    }
    let ticket_type = chosen(&input.ticket_type);
    match ticket_type {
        Some(t) if !form.ticket_types.iter().any(|x| x.key == t) => {
            errors.push(FieldError::new("ticket_type", Problem::NotAnOption))
        }
        None if form.ticket_type_required => {
            errors.push(FieldError::new("ticket_type", Problem::Required))
        }
        _ => {}
    }
    let priority = chosen(&input.priority).unwrap_or(&form.default_priority);
    if !form.priorities.iter().any(|p| p.key == priority) {
        errors.push(FieldError::new("priority", Problem::NotAnOption));
    }

    // A product or service that is not in the form cannot select fields either; the
    // fields are then judged as if none was chosen, and only the choice is reported.
    let product = product.filter(|p| form.product(p).is_some());
    let service_key = service.map(|s| s.key.as_str());
    let fields = ticket_fields(
        form,
        &mut errors,
        product,
        service_key,
        &input.fields,
        staff,
        // A follow-up carries the fields of the ticket it continues: a field made
        // required since then must not keep the customer from writing.
        input.linked_to.is_none(),
    );

    let cc = cc_list(&mut errors, "cc", &input.cc);

    let attachments = attachment_ids(&mut errors, limits, &input.attachments);

    match (subject, body) {
        (Some(subject), Some(body)) if errors.is_empty() => Ok(CheckedTicket {
            subject,
            body,
            priority: priority.to_owned(),
            product: product.map(str::to_owned),
            service: service_key.map(str::to_owned),
            sla: sla.map(str::to_owned),
            ticket_type: ticket_type.map(str::to_owned),
            fields,
            cc,
            attachments,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests;
