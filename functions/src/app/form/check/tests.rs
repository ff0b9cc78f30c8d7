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
    check(&c.form, &c.limits, input, false)
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
    let t = check(&c.form, &c.limits, &filled(), false).unwrap();
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
    let errs = check(&c.form, &c.limits, &input, false).unwrap_err();
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
            &with(Some("config-change"), Some("express")),
            false
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
    let t = check(&c.form, &c.limits, &input, false).unwrap();
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

/// A form with one field of every type, and response fields.
fn typed_form() -> TicketForm {
    let text = format!(
        "{}  fields:
    - key: users
      label: {{ ja: 人数, en: People }}
      type: number
      min: 0
      max: 1000
      decimals: 1
    - key: since
      label: 発生日
      type: date
    - key: tags
      label: 症状
      type: multi_select
      options:
        - {{ key: slow, label: 遅い }}
        - {{ key: down, label: 停止 }}
        - {{ key: spam, label: 迷惑メール }}
    - key: onsite
      label: 現地作業
      type: checkbox
      visible_to: staff
    - key: notes
      label: 詳細
      type: textarea
      max_chars: 10
      required: true
    - key: memo
      label: 社内メモ
      visible_to: staff
      required: true
  response_fields:
    - key: due
      label: 対応期限
      type: date
      visible_to: staff
    - key: cause
      label: 原因/対策
      type: textarea
      required: true
",
        "name: 窓口\nmail:\n  support_address: support@example.jp\n  sender: noreply@example.jp\nticket_form:\n"
    );
    PortalConfig::parse(std::path::Path::new("portal.yaml"), &text)
        .expect("the test form is valid")
        .form
}

fn typed(
    fields: &[(&str, &str)],
    staff: bool,
) -> Result<BTreeMap<String, String>, Vec<(String, &'static str)>> {
    let form = typed_form();
    let input = OpenTicket {
        subject: "件名".into(),
        body: "本文".into(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Default::default()
    };
    check(
        &form,
        &PortalConfig::example("http://x").limits,
        &input,
        staff,
    )
    .map(|t| t.fields)
    .map_err(|e| e.into_iter().map(|e| (e.field, e.problem.code())).collect())
}

#[test]
fn every_field_type_is_checked_and_stored_in_one_spelling() {
    let stored = typed(
        &[
            ("users", "０１２.５"),
            ("since", "2026/12/7"),
            ("tags", "spam, slow,spam"),
            ("notes", "二行の\n説明"),
        ],
        false,
    )
    .unwrap();
    assert_eq!(
        stored,
        BTreeMap::from([
            ("users".to_owned(), "12.5".to_owned()),
            ("since".to_owned(), "2026-12-07".to_owned()),
            // The options' order, each once.
            ("tags".to_owned(), "slow,spam".to_owned()),
            ("notes".to_owned(), "二行の\n説明".to_owned()),
        ])
    );
    let wrong = typed(
        &[
            ("users", "1,000.25"),
            ("since", "2026-02-30"),
            ("tags", "slow,fast"),
            ("notes", "十一文字の説明になります"),
        ],
        false,
    )
    .unwrap_err();
    assert_eq!(
        wrong,
        vec![
            ("fields.notes".to_owned(), "too_long"),
            ("fields.since".to_owned(), "not_a_date"),
            ("fields.tags".to_owned(), "not_an_option"),
            ("fields.users".to_owned(), "not_a_number"),
        ]
    );
    assert_eq!(
        typed(&[("users", "1001"), ("notes", "x")], false).unwrap_err(),
        vec![("fields.users".to_owned(), "out_of_range")]
    );
    assert_eq!(
        typed(&[("users", "-1"), ("notes", "x")], false).unwrap_err(),
        vec![("fields.users".to_owned(), "out_of_range")]
    );
    for not_a_number in ["abc", "1.", ".5", "1e3", "--1", "1.2.3"] {
        assert_eq!(
            typed(&[("users", not_a_number), ("notes", "x")], false).unwrap_err(),
            vec![("fields.users".to_owned(), "not_a_number")],
            "{not_a_number}"
        );
    }
}

#[test]
fn staff_only_fields_are_unknown_to_customers_and_required_only_of_staff() {
    // A customer may not set a staff field, and is not asked for the required one.
    assert_eq!(
        typed(&[("notes", "x"), ("onsite", "yes")], false).unwrap_err(),
        vec![("fields.onsite".to_owned(), "unknown_field")]
    );
    assert!(typed(&[("notes", "x")], false).is_ok());
    // Staff logging an inquiry fill them in; an unticked box stores nothing.
    assert_eq!(
        typed(&[("notes", "x")], true).unwrap_err(),
        vec![("fields.memo".to_owned(), "required")]
    );
    let stored = typed(
        &[("notes", "x"), ("memo", "至急"), ("onsite", "false")],
        true,
    )
    .unwrap();
    assert_eq!(stored.get("onsite"), None);
    assert_eq!(stored.get("memo").map(String::as_str), Some("至急"));
    let ticked = typed(&[("notes", "x"), ("memo", "m"), ("onsite", "on")], true).unwrap();
    assert_eq!(ticked.get("onsite").map(String::as_str), Some("yes"));
}

#[test]
fn visible_fields_hide_staff_fields_and_fields_the_form_no_longer_has() {
    let form = typed_form();
    let stored = BTreeMap::from([
        ("users".to_owned(), "3".to_owned()),
        ("memo".to_owned(), "社内".to_owned()),
        ("removed_since".to_owned(), "old".to_owned()),
    ]);
    let customer: Vec<_> = form
        .visible_fields(stored.clone(), false)
        .into_keys()
        .collect();
    assert_eq!(customer, vec!["users".to_owned()]);
    assert_eq!(form.visible_fields(stored.clone(), true), stored);
    let response = BTreeMap::from([
        ("due".to_owned(), "2026-12-01".to_owned()),
        ("cause".to_owned(), "ハブ".to_owned()),
    ]);
    let shown: Vec<_> = form
        .visible_response_fields(response, false)
        .into_keys()
        .collect();
    assert_eq!(shown, vec!["cause".to_owned()]);
}

#[test]
fn changing_fields_keeps_what_the_configuration_no_longer_has() {
    let form = typed_form();
    let current = BTreeMap::from([
        ("notes".to_owned(), "x".to_owned()),
        ("gone".to_owned(), "kept".to_owned()),
        ("tags".to_owned(), "down".to_owned()),
    ]);
    let change = |pairs: &[(&str, &str)]| {
        let changes = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        change_fields(&form, None, None, &current, &changes).map_err(|e| {
            e.into_iter()
                .map(|e| (e.field, e.problem.code()))
                .collect::<Vec<_>>()
        })
    };
    // A value of a field the form no longer has stays, and an edit of another field does
    // not ask for it again (nor for the required memo nobody filled in yet).
    let after = change(&[("users", "7")]).unwrap();
    assert_eq!(after.get("gone").map(String::as_str), Some("kept"));
    assert_eq!(after.get("users").map(String::as_str), Some("7"));
    // It may be removed, not set; a required field may not be emptied.
    assert_eq!(change(&[("gone", "")]).unwrap().get("gone"), None);
    assert_eq!(
        change(&[("gone", "new")]).unwrap_err(),
        vec![("fields.gone".to_owned(), "unknown_field")]
    );
    assert_eq!(
        change(&[("notes", "")]).unwrap_err(),
        vec![("fields.notes".to_owned(), "required")]
    );
    assert_eq!(change(&[("tags", "")]).unwrap().get("tags"), None);
}

#[test]
fn response_fields_are_checked_like_ticket_fields() {
    let form = typed_form();
    let given = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let ok = response_fields(
        &form,
        &given(&[("due", "2026-12-08"), ("cause", "ハブが旧式")]),
    )
    .unwrap();
    assert_eq!(ok.len(), 2);
    let codes = |r: Result<BTreeMap<String, String>, Vec<crate::app::error::FieldError>>| {
        r.unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem.code()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(response_fields(
            &form,
            &given(&[("due", "明日"), ("what", "x")])
        )),
        vec![
            ("response_fields.due".to_owned(), "not_a_date"),
            ("response_fields.what".to_owned(), "unknown_field"),
            ("response_fields.cause".to_owned(), "required"),
        ]
    );
}

#[test]
fn values_read_as_people_read_them() {
    let form = typed_form();
    let tags = form.field("tags").unwrap();
    assert_eq!(tags.display("slow,spam", "ja"), "遅い、迷惑メール");
    // An option removed from the configuration shows as stored.
    assert_eq!(tags.display("slow,gone", "en"), "遅い, gone");
    assert_eq!(form.field("onsite").unwrap().display("yes", "ja"), "はい");
}
