use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<PortalConfig, ConfigErrors> {
    PortalConfig::parse(Path::new("content/portal.yaml"), text)
}

fn errors(text: &str) -> Vec<String> {
    parse(text)
        .expect_err("the file has errors")
        .0
        .iter()
        .map(|e| e.to_string())
        .collect()
}

const MINIMAL: &str = "name: 窓口\nmail:\n  support_address: support@example.jp\n  sender: noreply@example.jp\nticket_form: {}\n";

#[test]
fn the_committed_portal_yaml_is_valid_and_describes_the_demo_vendor() {
    let c = PortalConfig::bundled().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name_in("ja"), "ネットリンク サポート窓口");
    assert_eq!(c.name_in("en"), "NetLink Support");
    assert_eq!(c.base_url, "https://support.netlink.example.jp");
    assert_eq!(c.time_zone_name, "Asia/Tokyo");
    assert_eq!(c.timers, TimerConfig::default());
    assert_eq!(c.support_address.as_str(), "support@netlink.example.jp");
    assert_eq!(c.limits.max_attachment_bytes, 104_857_600);
    assert_eq!(c.limits.max_attachments, 10);
    // The demo vendor asks for pass phrases (ASVS V2.1.1, V2.1.9), not the default.
    assert_eq!(
        c.password_policy,
        PasswordPolicy {
            min_len: 12,
            require_upper: false,
            require_lower: false,
            require_digit: false,
            refuse_common: true,
        }
    );
    assert!(c.smtp.is_none());
    let form = &c.form;
    assert!(form.product_required);
    assert_eq!(c.product_label("spamguard", "ja"), "NL SpamGuard クラウド");
    assert_eq!(c.product_label("mail-gateway", "en"), "NL Mail Gateway");
    let change = form.service("config-change").unwrap();
    assert_eq!(
        change.slas.len(),
        4,
        "four service levels with surcharges, as in seed 000"
    );
    assert!(change.sla_required);
    assert_eq!(
        change.slas[3].surcharge.get("ja", "ja"),
        "+30,000円（税別）"
    );
    assert!(form.service("technical-support").unwrap().slas.is_empty());
    let contract = form.field("contract_number").unwrap();
    assert!(contract.required && contract.unknown_allowed, "seed 002");
    let serial = form.field("serial_number").unwrap();
    assert_eq!(
        serial.products.as_deref(),
        Some(&["mail-gateway".to_owned(), "edge-router".to_owned()][..])
    );
    assert!(serial.applies(Some("edge-router"), None));
    assert!(!serial.applies(Some("spamguard"), None));
    assert_eq!(
        form.field("impact").unwrap().services.as_deref(),
        Some(&["technical-support".to_owned()][..])
    );
    assert_eq!(form.default_priority, "normal");
}

#[test]
fn the_example_configuration_is_the_bundled_file_at_another_address() {
    let c = PortalConfig::example("http://127.0.0.1:9000/");
    assert_eq!(c.base_url, "http://127.0.0.1:9000");
    assert_eq!(
        c.ticket_url("2026112300001"),
        "http://127.0.0.1:9000/portal/tickets/2026112300001"
    );
}

#[test]
fn a_minimal_file_gets_every_default() {
    let c = parse(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.base_url, "http://127.0.0.1:8080");
    assert_eq!(c.time_zone_name, "Asia/Tokyo");
    assert_eq!(c.numbers, NumberFormat::default());
    assert_eq!(c.timers, TimerConfig::default());
    assert_eq!(c.limits, Limits::default());
    assert_eq!(c.password_policy, PasswordPolicy::default());
    let keys: Vec<&str> = c.form.priorities.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["low", "normal", "high", "urgent"]);
    assert_eq!(c.priority_label("urgent", "ja"), "緊急");
    assert_eq!(c.form.default_priority, "normal");
    assert!(c.form.products.is_empty() && !c.form.product_required);
}

#[test]
fn every_problem_is_listed_with_the_file_line_and_key() {
    let text = "\
name: { ja: 窓口, fr: Guichet }
base_url: ftp://x
time_zone: Mars/Olympus
ticket_numbers:
  prefix: NL/
  digits: 12
timers:
  waiting_customer: two weeks
  reminder_before: 30d
mail:
  support_address: not-an-address
passwords:
  min_length: 4
limits:
  max_attachment_bytes: 100 parsecs
  max_attachments: 0
colour: red
ticket_form:
  product_required: true
  priorities:
    - key: asap
      label: 至急
";
    assert_eq!(
        errors(text),
        [
            "content/portal.yaml:1: name.fr: 'fr' is not a language (ja, en)",
            "content/portal.yaml:2: base_url: 'ftp://x' must start with https:// or http://",
            "content/portal.yaml:3: time_zone: 'Mars/Olympus' is not a known time zone (e.g. Asia/Tokyo)",
            "content/portal.yaml:5: ticket_numbers.prefix: 'NL/' must be at most 10 letters, digits or '-' (numbers appear in URLs and mail subjects)",
            "content/portal.yaml:6: ticket_numbers.digits: 12 is not between 1 and 9",
            "content/portal.yaml:8: timers.waiting_customer: 'two weeks' is not a duration (write 14d, 36h or 90m)",
            "content/portal.yaml:9: timers.reminder_before: must be shorter than waiting_customer and pending_close (0d for no reminders)",
            "content/portal.yaml:11: mail.support_address: 'not-an-address' is not an e-mail address (name@example.jp)",
            "content/portal.yaml:11: mail.sender: is required but missing",
            "content/portal.yaml:13: passwords.min_length: 4 is not between 6 and 128",
            "content/portal.yaml:15: limits.max_attachment_bytes: '100 parsecs' is not a size (write 100 MB, 512 KB or 2 GB)",
            "content/portal.yaml:16: limits.max_attachments: 0 is not between 1 and 100",
            "content/portal.yaml:17: colour: is not a known key here (known keys: name, base_url, time_zone, ticket_numbers, timers, mail, passwords, limits, ticket_form, business_hours, holidays, sla, assignment)",
            "content/portal.yaml:19: ticket_form.product_required: is true but there are no products",
            "content/portal.yaml:21: ticket_form.priorities[0].key: 'asap' is not a priority madoguchi knows (low, normal, high, urgent)",
        ]
    );
}

#[test]
fn the_password_policy_takes_each_clause_or_its_default() {
    let c = parse(&format!(
        "{MINIMAL}passwords:\n  min_length: 6\n  require_digit: false\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.password_policy,
        PasswordPolicy {
            min_len: 6,
            require_digit: false,
            ..PasswordPolicy::default()
        }
    );
    assert_eq!(
        errors(&format!(
            "{MINIMAL}passwords:\n  min_length: 200\n  require_upper: yes\n  expires: 90d\n"
        )),
        [
            "content/portal.yaml:7: passwords.min_length: 200 is not between 6 and 128",
            "content/portal.yaml:8: passwords.require_upper: expected true or false, found 'yes'",
            "content/portal.yaml:9: passwords.expires: is not a known key here (known keys: min_length, require_upper, require_lower, require_digit, refuse_common)",
        ]
    );
}

#[test]
fn references_between_the_form_lists_are_checked() {
    let text = format!(
        "{}  products:
    - key: router
      label: Router
      fields: [serial, colour]
    - key: router
      label: Router again
  services:
    - key: web-update
      label: Web更新
      sla_required: true
  fields:
    - key: serial
      label: シリアル番号
      services: [hosting]
    - key: os
      label: OS
      type: select
    - key: Bad Key
      label: x
      options:
        - key: a
          label: A
",
        MINIMAL.replace("ticket_form: {}\n", "ticket_form:\n")
    );
    let errs = errors(&text);
    let want = [
        "content/portal.yaml:9: ticket_form.products[0].fields: 'colour' is not one of the fields",
        "content/portal.yaml:10: ticket_form.products[1].key: 'router' is used twice in products",
        "content/portal.yaml:15: ticket_form.services[0].sla_required: is true but the service has no slas",
        "content/portal.yaml:19: ticket_form.fields[0].services: 'hosting' is not one of the services",
        "content/portal.yaml:20: ticket_form.fields[1].options: a select field needs at least one option",
        "content/portal.yaml:23: ticket_form.fields[2].key: 'Bad Key' must be lower-case letters, digits, '_' or '-' (at most 40), starting with a letter or digit",
        "content/portal.yaml:26: ticket_form.fields[2].options: only a select or multi_select field has options (add type: select)",
    ];
    assert_eq!(errs, want);
}

#[test]
fn a_yaml_syntax_error_names_its_line() {
    let errs = errors("name: x\nmail: [a, b\nticket_form: {}\n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("content/portal.yaml:") && errs[0].contains("not valid YAML"),
        "{errs:?}"
    );
}

#[test]
fn an_smtp_password_in_the_file_is_refused_and_the_environment_named() {
    let text = MINIMAL.replace(
        "  sender: noreply@example.jp\n",
        "  sender: noreply@example.jp\n  smtp:\n    host: smtp.example.jp\n    username: portal\n    password: hunter2\n",
    );
    assert_eq!(
        errors(&text),
        [
            "content/portal.yaml:8: mail.smtp.password: passwords never go in this file (it is committed): set MADOGUCHI_SMTP_PASSWORD in the environment"
        ]
    );
}

#[test]
fn an_smtp_username_needs_the_password_from_the_environment() {
    let text = MINIMAL.replace(
        "  sender: noreply@example.jp\n",
        "  sender: noreply@example.jp\n  smtp:\n    host: smtp.example.jp\n    tls: tls\n    username: portal\n",
    );
    let c = parse(&text).unwrap();
    let smtp = c.smtp.clone().unwrap();
    assert_eq!((smtp.port, smtp.tls), (465, SmtpTls::Tls));
    assert_eq!((smtp.ca_file, smtp.timeout_secs), (None, 30));
    let missing = c.check_secrets(&Secrets::default()).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "mail.smtp.username is set in portal.yaml, so the environment variable MADOGUCHI_SMTP_PASSWORD must hold the password"
    );
    let secrets = Secrets {
        smtp_password: Some(Secret::new("s3cret")),
    };
    assert!(c.check_secrets(&secrets).is_ok());
    assert!(
        !format!("{secrets:?}").contains("s3cret"),
        "secrets never print"
    );
}

#[test]
fn durations_and_sizes_are_written_as_people_write_them() {
    assert_eq!(parse_duration("14d"), Ok(SignedDuration::from_hours(336)));
    assert_eq!(
        parse_duration("36 hours"),
        Ok(SignedDuration::from_hours(36))
    );
    assert_eq!(parse_duration("90m"), Ok(SignedDuration::from_mins(90)));
    assert_eq!(parse_duration("0d"), Ok(SignedDuration::ZERO));
    assert!(parse_duration("1w").is_err());
    assert!(parse_duration("-3d").is_err());
    assert_eq!(parse_size("100 MB"), Ok(104_857_600));
    assert_eq!(parse_size("512KiB"), Ok(524_288));
    assert_eq!(parse_size("1048576"), Ok(1_048_576));
    assert!(parse_size("1.5 GB").is_err());
    assert!(parse_size("99999999999 GB").is_err());
}

#[test]
fn the_form_view_is_what_the_api_contract_shows() {
    let c = PortalConfig::example("http://x");
    let en = serde_json::to_value(c.form_view("en", false)).unwrap();
    let change = en["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "config-change")
        .unwrap();
    assert_eq!(
        change["slas"][0]["label"],
        "Standard (within 5 business days)"
    );
    assert_eq!(change["slas"][1]["surcharge"], "+¥10,000 (excl. tax)");
    let mg = &en["products"][0];
    assert_eq!(mg["key"], "mail-gateway");
    assert_eq!(
        mg["fields"],
        serde_json::json!([
            "contract_number",
            "serial_number",
            "model",
            "firmware_version",
            "symptoms"
        ])
    );
    let serial = en["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "serial_number")
        .unwrap();
    assert_eq!(serial["type"], "text");
    assert_eq!(serial["required"], true);
    assert_eq!(serial["unknown_allowed"], true);
    assert_eq!(serial["label"], "Serial number");
    assert_eq!(serial["services"], serde_json::Value::Null);
    assert_eq!(en["limits"]["max_attachment_bytes"], 104_857_600);
    assert_eq!(en["default_priority"], "normal");
    let ja = serde_json::to_value(c.form_view("ja", false)).unwrap();
    assert_eq!(ja["fields"][0]["label"], "保守契約番号");
    // Customers get neither the staff-only fields nor the staff-only response fields.
    let keys = |v: &serde_json::Value, list: &str| -> Vec<String> {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!keys(&ja, "fields").contains(&"internal_memo".to_owned()));
    assert_eq!(keys(&ja, "response_fields"), ["cause"]);
    let staff = serde_json::to_value(c.form_view("ja", true)).unwrap();
    assert!(keys(&staff, "fields").contains(&"internal_memo".to_owned()));
    assert_eq!(keys(&staff, "response_fields"), ["due", "cause", "memo"]);
    let memo = staff["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "internal_memo")
        .unwrap();
    assert_eq!(memo["visible_to"], "staff");
    assert_eq!(memo["layout"], "full");
    assert_eq!(memo["type"], "textarea");
}

fn jst(s: &str) -> jiff::Timestamp {
    format!("{s}+09:00[Asia/Tokyo]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

#[test]
fn the_demo_vendor_counts_sla_targets_in_its_business_hours_and_holidays() {
    let c = PortalConfig::bundled().unwrap_or_else(|e| panic!("{e}"));
    let sla = c.sla.expect("the demo vendor has SLA targets");
    assert_eq!(sla.escalate_at, 80);
    let hours = |h| Some(SignedDuration::from_hours(h));
    let normal = sla.targets_for("normal", Some("technical-support"), None);
    assert_eq!(
        (normal.first_response, normal.update, normal.resolution),
        (hours(4), hours(8), hours(40))
    );
    // The service level overrides resolution only; the priority still sets the rest.
    let express = sla.targets_for("normal", Some("config-change"), Some("express"));
    assert_eq!(
        (express.first_response, express.resolution),
        (hours(4), hours(17))
    );
    let cal = &sla.calendar;
    // 勤労感謝の日 2026 and the year-end closure are closed; 2027-01-04 is open.
    assert!(!cal.is_open_at(jst("2026-11-23T10:00")));
    assert!(cal.is_open_at(jst("2026-11-24T10:00")));
    assert!(!cal.is_open_at(jst("2026-12-30T10:00")));
    assert!(!cal.is_open_at(jst("2027-01-01T10:00")));
    assert!(cal.is_open_at(jst("2027-01-04T10:00")));
    assert!(!cal.is_open_at(jst("2027-03-22T10:00")), "振替休日");
    assert!(!cal.is_open_at(jst("2026-11-24T17:30")));
}

#[test]
fn without_an_sla_section_there_are_no_targets() {
    assert!(parse(MINIMAL).unwrap().sla.is_none());
}

#[test]
fn business_hours_with_a_lunch_break_and_a_saturday_morning() {
    let c = parse(&format!(
        "{MINIMAL}business_hours:\n  mon-fri: \"09:00-12:00, 13:00-17:30\"\n  sat: \"09:00-12:00\"\nsla:\n  escalate_at: 50\n  targets:\n    - first_response: 1h30m\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let sla = c.sla.unwrap();
    assert_eq!(sla.escalate_at, 50);
    assert!(sla.calendar.is_open_at(jst("2026-11-21T11:00")), "Saturday");
    assert!(!sla.calendar.is_open_at(jst("2026-11-18T12:30")), "lunch");
    assert_eq!(
        sla.targets_for("low", None, None).first_response,
        Some(SignedDuration::from_mins(90))
    );
}

#[test]
fn sla_mistakes_name_their_line_and_key() {
    let text = format!(
        "{MINIMAL}business_hours:\n  mon-fry: \"09:00-17:30\"\n  sat: \"17:00-09:00\"\nholidays:\n  - 2026-11-31\n  - 2026-12-31..2026-12-29\nsla:\n  escalate_at: 120%\n  targets:\n    - priority: critical\n      first_response: 2d\n    - service: hosting\n      resolution: 4h\n    - sla: express\n      update: 1h\n    - priority: low\n"
    );
    assert_eq!(
        errors(&text),
        [
            "content/portal.yaml:7: business_hours.mon-fry: is not a day or a range of days (mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri)",
            "content/portal.yaml:8: business_hours.sat: '17:00-09:00': the start must come before the end",
            "content/portal.yaml:10: holidays: '2026-11-31' is not a date like 2026-11-23 or a range like 2026-12-29..2027-01-03",
            "content/portal.yaml:11: holidays: '2026-12-31..2026-12-29': a range must go forward and be at most a year long",
            "content/portal.yaml:13: sla.escalate_at: '120%' is not a share between 1% and 99%",
            "content/portal.yaml:15: sla.targets[0].priority: 'critical' is not a priority of the ticket form (low, normal, high, urgent)",
            "content/portal.yaml:16: sla.targets[0].first_response: '2d': write business hours (h) or minutes (m); a business day's length depends on business_hours, so 'd' is not taken",
            "content/portal.yaml:17: sla.targets[1].service: 'hosting' is not a service of the ticket form",
            "content/portal.yaml:19: sla.targets[2].sla: needs the service it belongs to (service: …)",
            "content/portal.yaml:21: sla.targets[3].first_response: an entry must set first_response, update or resolution",
        ]
    );
    assert_eq!(
        errors(&format!(
            "{MINIMAL}sla:\n  targets:\n    - first_response: 4h\n"
        )),
        [
            "content/portal.yaml:7: sla: SLA targets count in business hours: business_hours is required with sla"
        ]
    );
}

#[test]
fn business_times_are_hours_and_minutes() {
    assert_eq!(
        parse_business_time("1h30m"),
        Ok(SignedDuration::from_mins(90))
    );
    assert_eq!(parse_business_time("4h"), Ok(SignedDuration::from_hours(4)));
    for bad in ["", "0h", "h", "4", "4 hours", "-1h"] {
        assert!(parse_business_time(bad).is_err(), "{bad}");
    }
}

#[test]
fn custom_field_types_and_response_fields_are_checked_with_their_lines() {
    let text = format!(
        "{}  fields:
    - key: users
      label: 人数
      type: number
      min: 10
      max: 1
      decimals: 9
      max_chars: 3
    - key: when
      label: 日付
      type: datetime
    - key: tags
      label: タグ
      type: multi_select
      unknown_allowed: true
    - key: ok
      label: 確認
      type: checkbox
      visible_to: everyone
      layout: third
  response_fields:
    - key: due
      label: 対応期限
      type: date
      products: [router]
    - key: due
      label: again
",
        MINIMAL.replace("ticket_form: {}\n", "ticket_form:\n")
    );
    let errs = errors(&text);
    let want = [
        "content/portal.yaml:11: ticket_form.fields[0].max: 1 is less than min 10",
        "content/portal.yaml:12: ticket_form.fields[0].decimals: 9 is not between 0 and 6",
        "content/portal.yaml:13: ticket_form.fields[0].max_chars: applies to text and textarea fields only",
        "content/portal.yaml:16: ticket_form.fields[1].type: 'datetime' is not one of: text, textarea, number, date, select, multi_select, checkbox",
        "content/portal.yaml:17: ticket_form.fields[2].options: a multi_select field needs at least one option",
        "content/portal.yaml:20: ticket_form.fields[2].unknown_allowed: does not apply to a checkbox or multi_select",
        "content/portal.yaml:24: ticket_form.fields[3].visible_to: 'everyone' is not one of: customers, staff",
        "content/portal.yaml:25: ticket_form.fields[3].layout: 'third' is not one of: half, full",
        "content/portal.yaml:30: ticket_form.response_fields[0].products: does not apply to a response field",
        "content/portal.yaml:31: ticket_form.response_fields[1].key: 'due' is used twice in response_fields",
    ];
    assert_eq!(errs, want);
}

#[test]
fn assignment_rules_name_known_departments_and_form_keys() {
    let text = format!(
        "{}  products:
    - key: router
      label: Router
assignment:
  departments:
    - key: network
      label: ネットワーク
      address: not-an-address
  rules:
    - products: [router, switch]
      department: network
    - companies: [acme]
      department: sales
      owner: not a login
    - companies: [acme]
",
        MINIMAL.replace("ticket_form: {}\n", "ticket_form:\n")
    );
    let errs = errors(&text);
    let want = [
        "content/portal.yaml:13: assignment.departments[0].address: 'not-an-address' is not an e-mail address",
        "content/portal.yaml:15: assignment.rules[0].products: 'switch' is not one of the form's products",
        "content/portal.yaml:18: assignment.rules[1].department: 'sales' is not one of the departments",
        "content/portal.yaml:19: assignment.rules[1].owner: 'not a login' is not a login ID (a staff user's e-mail address)",
        "content/portal.yaml:20: assignment.rules[2].department: a rule needs a department, an owner or both",
    ];
    assert_eq!(errs, want);
    let ok = parse(&format!(
        "{MINIMAL}assignment:\n  departments:\n    - key: network\n      label: ネットワーク\n  rules:\n    - companies: [acme]\n      department: network\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.assignment.rules.len(), 1);
    assert_eq!(ok.assignment.rules[0].line, 11);
}

#[test]
fn a_department_that_sees_only_its_queue_needs_members_who_are_login_ids() {
    let text = format!(
        "{MINIMAL}assignment:\n  departments:\n    - key: network\n      label: ネットワーク\n      only_own_queue: true\n    - key: cloud\n      label: クラウド\n      members: [tanaka@netlink.example.jp, not an id]\n"
    );
    assert_eq!(
        errors(&text),
        [
            "content/portal.yaml:10: assignment.departments[0].only_own_queue: is true but the department has no members",
            "content/portal.yaml:13: assignment.departments[1].members: 'not an id' is not a login ID (a staff user's e-mail address)",
        ]
    );
    let ok = parse(&format!(
        "{MINIMAL}assignment:\n  departments:\n    - key: network\n      label: ネットワーク\n      members: [Tanaka@netlink.example.jp]\n      only_own_queue: true\n    - key: cloud\n      label: クラウド\n      members: [tanaka@netlink.example.jp]\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok.assignment.queues_of("tanaka@netlink.example.jp"),
        Some(vec!["network".to_owned(), "cloud".to_owned()])
    );
    assert_eq!(ok.assignment.queues_of("suzuki@netlink.example.jp"), None);
}
