//! `infra/template.yaml` validates offline (cfn-lint, `sam validate --lint`) and
//! declares what the code expects: the table's keys and indexes, the stream the outbox
//! sender reads, and the environment `madoguchi::lambda::Settings` reads.
#![cfg(feature = "lambda")]

use std::path::PathBuf;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template_path() -> PathBuf {
    root().join("infra/template.yaml")
}

/// The template as YAML; CloudFormation's short tags (`!Ref`, `!Sub`) are read as
/// their plain values.
fn template() -> Yaml {
    let text = std::fs::read_to_string(template_path()).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn tool(name: &str) -> Command {
    let bin = root().join(".venv/bin").join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run tests/aws-tools (tests/run does)",
        bin.display()
    );
    let mut c = Command::new(bin);
    c.current_dir(root())
        .env("SAM_CLI_TELEMETRY", "0")
        .env("AWS_DEFAULT_REGION", "ap-northeast-1");
    c
}

fn assert_runs(mut c: Command) {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cfn_lint_finds_nothing() {
    let mut c = tool("cfn-lint");
    c.arg("infra/template.yaml");
    assert_runs(c);
}

#[test]
fn sam_validates_the_template_with_its_linter() {
    let mut c = tool("sam");
    c.args(["validate", "--lint", "-t", "infra/template.yaml"]);
    assert_runs(c);
}

fn str_of(y: &Yaml) -> &str {
    y.as_str().unwrap_or_else(|| panic!("not a string: {y:?}"))
}

/// `[{AttributeName: A, KeyType: HASH}, …]` as `[(A, HASH), …]`.
fn key_schema(y: &Yaml) -> Vec<(&str, &str)> {
    y.as_vec()
        .unwrap()
        .iter()
        .map(|k| (str_of(&k["AttributeName"]), str_of(&k["KeyType"])))
        .collect()
}

#[test]
fn the_table_has_the_keys_indexes_ttl_and_stream_the_store_uses() {
    let t = template();
    let table = &t["Resources"]["Table"];
    assert_eq!(str_of(&table["Type"]), "AWS::DynamoDB::Table");
    let p = &table["Properties"];
    assert_eq!(
        key_schema(&p["KeySchema"]),
        [("PK", "HASH"), ("SK", "RANGE")]
    );
    let mut indexes = Vec::new();
    for gsi in p["GlobalSecondaryIndexes"].as_vec().unwrap() {
        let name = str_of(&gsi["IndexName"]);
        assert_eq!(
            key_schema(&gsi["KeySchema"]),
            [
                (format!("{name}PK").as_str(), "HASH"),
                (format!("{name}SK").as_str(), "RANGE")
            ],
            "{name}"
        );
        assert_eq!(
            str_of(&gsi["Projection"]["ProjectionType"]),
            "ALL",
            "{name}"
        );
        indexes.push(name);
    }
    assert_eq!(indexes, ["GSI1", "GSI2", "GSI3"]);
    let attributes: Vec<(&str, &str)> = p["AttributeDefinitions"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|a| (str_of(&a["AttributeName"]), str_of(&a["AttributeType"])))
        .collect();
    let mut expected = vec![("PK", "S"), ("SK", "S")];
    let names: Vec<(String, String)> = (1..=3)
        .map(|i| (format!("GSI{i}PK"), format!("GSI{i}SK")))
        .collect();
    for (pk, sk) in &names {
        expected.push((pk.as_str(), "S"));
        expected.push((sk.as_str(), "S"));
    }
    assert_eq!(attributes, expected);
    assert_eq!(str_of(&p["BillingMode"]), "PAY_PER_REQUEST");
    assert_eq!(
        str_of(&p["TimeToLiveSpecification"]["AttributeName"]),
        "ttl"
    );
    assert_eq!(p["TimeToLiveSpecification"]["Enabled"], Yaml::Boolean(true));
    assert_eq!(
        str_of(&p["StreamSpecification"]["StreamViewType"]),
        "NEW_AND_OLD_IMAGES"
    );
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        Yaml::Boolean(true)
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"], Yaml::Boolean(true));
}

#[test]
fn the_outbox_sender_gets_only_new_mails_and_reports_failed_records_alone() {
    let t = template();
    let stream = &t["Resources"]["OutboxFunction"]["Properties"]["Events"]["Stream"];
    assert_eq!(str_of(&stream["Type"]), "DynamoDB");
    let p = &stream["Properties"];
    assert_eq!(
        p["FunctionResponseTypes"],
        Yaml::Array(vec![Yaml::String("ReportBatchItemFailures".into())])
    );
    assert_eq!(p["BisectBatchOnFunctionError"], Yaml::Boolean(true));
    assert!(!p["DestinationConfig"]["OnFailure"]["Destination"].is_badvalue());
    let pattern: serde_json::Value =
        serde_json::from_str(str_of(&p["FilterCriteria"]["Filters"][0]["Pattern"])).unwrap();
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    assert_eq!(
        pattern["dynamodb"]["Keys"]["PK"]["S"],
        serde_json::json!([{ "prefix": "MAIL#" }])
    );
}

#[test]
fn the_functions_are_arm64_on_al2023_and_get_every_setting_they_read() {
    let t = template();
    let f = &t["Globals"]["Function"];
    assert_eq!(str_of(&f["Runtime"]), "provided.al2023");
    assert_eq!(
        f["Architectures"],
        Yaml::Array(vec![Yaml::String("arm64".into())])
    );
    let vars = f["Environment"]["Variables"].as_hash().unwrap();
    let set: Vec<&str> = vars.keys().map(str_of).collect();
    // Every variable the settings need is set (values stand in for the resolved ones).
    let settings = madoguchi::lambda::Settings::from_lookup(|k| {
        set.contains(&k).then(|| match k {
            "MADOGUCHI_BASE_URL" => "https://support.example.jp".to_owned(),
            "MADOGUCHI_JWT_KEYS" => "k1:0123456789abcdef0123456789abcdef".to_owned(),
            _ => "x".to_owned(),
        })
    });
    assert!(settings.is_ok(), "{:#}", settings.err().unwrap());
    for function in ["ApiFunction", "OutboxFunction", "SweepFunction"] {
        let code = str_of(&t["Resources"][function]["Properties"]["CodeUri"]);
        assert!(code.starts_with("../target/lambda/"), "{function}: {code}");
    }
    assert_eq!(
        t["Resources"]["SweepFunction"]["Properties"]["ReservedConcurrentExecutions"],
        Yaml::Integer(1)
    );
}
