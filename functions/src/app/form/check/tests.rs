use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::app::PortalConfig;

fn config() -> PortalConfig {
    PortalConfig::example("http://x")
}

/// A form as a customer of the demo vendor fills it in correctly.
fn filled() -> OpenTicket {
    OpenTicket {
        subject: "  メールが送信できません  ".into(),
        body: "535 5.7.8 が返ります。\n".into(),
        product: Some("mail-gateway".into()),
        service: Some("technical-support".into()),
        ticket_type: Some("trouble".into()),
        fields: BTreeMap::from([
            ("contract_number".to_owned(), " NL-2026-012345 ".to_owned()),
            ("serial_number".to_owned(), "unknown".to_owned()),
            ("model".to_owned(), "mg-3000".to_owned()),
            ("impact".to_owned(), "some-users".to_owned()),
            ("firmware_version".to_owned(), "".to_owned()),
        ]),
        cc: "boss@acme.example.jp、 Boss@ACME.example.jp; it@acme.example.jp".into(),
        attachments: vec!["u1".into(), "u2".into(), "u1".into()],
        ..Default::default()
    }
}

fn failures(input: &OpenTicket) -> BTreeSet<(String, &'static str)> {
    let c = config();
    check(&c.form, &c.limits, input)
        .expect_err("the form has errors")
        .into_iter()
        .map(|e| (e.field, e.problem.code()))
        .collect()
}

fn set(items: &[(&str, &'static str)]) -> BTreeSet<(String, &'static str)> {
    items.iter().map(|(f, c)| ((*f).to_owned(), *c)).collect()
}

#[test]
fn a_correct_form_passes_trimmed_with_the_default_priority() {
    let c = config();
    let t = check(&c.form, &c.limits, &filled()).unwrap();
    assert_eq!(t.subject, "メールが送信できません");
    assert_eq!(t.body, "535 5.7.8 が返ります。");
    assert_eq!(t.priority, "normal");
    assert_eq!(t.product.as_deref(), Some("mail-gateway"));
    assert_eq!(t.fields["contract_number"], "NL-2026-012345");
    assert_eq!(t.fields["serial_number"], "unknown");
    assert!(
        !t.fields.contains_key("firmware_version"),
        "blank values are left out"
    );
    let cc: Vec<&str> = t.cc.iter().map(|e| e.as_str()).collect();
    assert_eq!(cc, ["boss@acme.example.jp", "it@acme.example.jp"]);
    assert_eq!(t.attachments, ["u1", "u2"]);
}

#[test]
fn every_failing_field_is_reported_at_once() {
    let mut input = OpenTicket {
        subject: " ".into(),
        body: "あ".repeat(100_001),
        product: Some("toaster".into()),
        service: Some("config-change".into()),
        sla: Some("yesterday".into()),
        ticket_type: None,
        priority: Some("asap".into()),
        cc: "ok@example.jp, nope, also bad@".into(),
        attachments: (0..11).map(|i| format!("u{i}")).collect(),
        ..Default::default()
    };
    input.fields.insert("colour".into(), "red".into());
    input
        .fields
        .insert("preferred_time".into(), "x".repeat(101));
    assert_eq!(
        failures(&input),
        set(&[
            ("subject", "required"),
            ("body", "too_long"),
            ("product", "not_an_option"),
            ("sla", "not_an_option"),
            ("ticket_type", "required"),
            ("priority", "not_an_option"),
            ("fields.colour", "unknown_field"),
            ("fields.preferred_time", "too_long"),
            ("cc", "invalid_email"),
            ("attachments", "too_many"),
        ])
    );
    let c = config();
    let errs = check(&c.form, &c.limits, &input).unwrap_err();
    let bad: Vec<_> = errs
        .iter()
        .filter_map(|e| match &e.problem {
            Problem::InvalidEmail { value } => Some(value.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(bad, ["nope", "also bad@"], "each wrong address is named");
}

#[test]
fn product_fields_are_required_only_for_their_products() {
    let mut input = filled();
    input.fields.remove("serial_number");
    assert_eq!(
        failures(&input),
        set(&[("fields.serial_number", "required")])
    );
    // The same ticket about a cloud service asks a tenant ID instead.
    input.product = Some("spamguard".into());
    input.fields.remove("model");
    assert_eq!(failures(&input), set(&[("fields.tenant_id", "required")]));
}

#[test]
fn a_field_of_another_product_or_service_is_not_applicable() {
    let mut input = filled();
    input.fields.insert("client_os".into(), "windows".into());
    input.service = Some("contract".into());
    assert_eq!(
        failures(&input),
        set(&[
            ("fields.client_os", "not_applicable"),
            ("fields.impact", "not_applicable"),
        ])
    );
}

#[test]
fn unknown_is_accepted_only_where_the_form_allows_it() {
    let mut input = filled();
    input.fields.insert("model".into(), "unknown".into());
    input
        .fields
        .insert("contract_number".into(), "unknown".into());
    assert_eq!(failures(&input), set(&[("fields.model", "not_an_option")]));
}

#[test]
fn service_levels_belong_to_their_service() {
    let with = |service: Option<&str>, sla: Option<&str>| {
        let mut t = OpenTicket {
            service: service.map(str::to_owned),
            sla: sla.map(str::to_owned),
            ..filled()
        };
        t.fields.remove("impact");
        t
    };
    let c = config();
    assert!(
        check(
            &c.form,
            &c.limits,
            &with(Some("config-change"), Some("express"))
        )
        .is_ok()
    );
    assert_eq!(
        failures(&with(Some("config-change"), None)),
        set(&[("sla", "required")])
    );
    assert_eq!(
        failures(&with(Some("technical-support"), Some("express"))),
        set(&[("sla", "not_applicable")])
    );
    assert_eq!(
        failures(&with(None, Some("express"))),
        set(&[("sla", "not_applicable")])
    );
    assert_eq!(
        failures(&with(Some("config-change"), Some("someday"))),
        set(&[("sla", "not_an_option")])
    );
    assert_eq!(
        failures(&with(Some("web-design"), Some("express"))),
        set(&[("service", "not_an_option")]),
        "an unknown service is reported once, not again through its SLA"
    );
    // A product that is not in the form selects no fields: only the product is reported.
    let mut input = filled();
    input.product = Some("toaster".into());
    input.fields.clear();
    assert_eq!(failures(&input), set(&[("product", "not_an_option")]));
}

#[test]
fn blank_choices_mean_nothing_was_chosen() {
    let mut input = OpenTicket {
        service: Some(" ".into()),
        sla: Some("".into()),
        priority: Some("".into()),
        ..filled()
    };
    input.fields.remove("impact");
    let c = config();
    let t = check(&c.form, &c.limits, &input).unwrap();
    assert_eq!(
        (t.service, t.sla, t.priority.as_str()),
        (None, None, "normal")
    );
}

#[test]
fn too_many_cc_addresses_are_refused() {
    let input = OpenTicket {
        cc: (0..=MAX_CC)
            .map(|i| format!("p{i}@example.jp"))
            .collect::<Vec<_>>()
            .join(","),
        ..filled()
    };
    assert_eq!(failures(&input), set(&[("cc", "too_many")]));
}

#[test]
fn a_reply_needs_a_body_and_at_most_the_attachment_limit() {
    let c = config();
    assert_eq!(
        check_reply(&c.limits, " ok ", &["a".into(), "a".into()]),
        Ok(("ok".to_owned(), vec!["a".to_owned()]))
    );
    let errs = check_reply(
        &c.limits,
        "",
        &(0..11).map(|i| i.to_string()).collect::<Vec<_>>(),
    )
    .unwrap_err();
    let codes: Vec<_> = errs
        .iter()
        .map(|e| (e.field.as_str(), e.problem.code()))
        .collect();
    assert_eq!(codes, [("body", "required"), ("attachments", "too_many")]);
}
