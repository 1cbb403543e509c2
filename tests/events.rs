//! CloudTrail logs through the CLI: delivered log files and lookup-events output,
//! the --since/--until window, and bad files (a malformed record, a truncated
//! gzip) that fail the run without hiding what the other files show.
mod common;
use common::*;

use std::io::Write;
use std::path::Path;

const LOGS: &str = "examples/cloudtrail-logs";

fn findings(v: &serde_json::Value, rule: &str) -> Vec<serde_json::Value> {
    findings_of(v, rule).into_iter().cloned().collect()
}

fn stop_record(id: &str, time: &str, who: &str, instance: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.10","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/{who}","accountId":"111122223333","userName":"{who}"}},"eventTime":"{time}","eventSource":"ec2.amazonaws.com","eventName":"StopInstances","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.15.30","requestParameters":{{"instancesSet":{{"items":[{{"instanceId":"{instance}"}}]}},"force":false}},"responseElements":null,"eventID":"{id}","recipientAccountId":"111122223333"}}"#
    )
}

const NOISE: &str = r#"{"eventVersion":"1.10","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"},"eventTime":"2026-03-02T01:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetBucketAcl","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.1","userAgent":"aws-cli/2","requestParameters":{"bucketName":"b"},"eventID":"noise"}"#;

fn write_gz(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn gz_bytes(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

fn log_dir(root: &Path, day: &str) -> std::path::PathBuf {
    root.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03")
        .join(day)
}

fn check_json(args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = stopguard(&all);
    let v = json(&r.stdout);
    (r, v)
}

#[test]
fn example_logs_name_event_principal_address_and_record() {
    let (r, v) = check_json(&[
        LOGS,
        "examples/account/instances.json",
        "examples/account/instances-eu-west-1.json",
        "--data",
        "examples/data.yaml",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let evt1 = findings(&v, "EVT-001");
    let bob = evt1
        .iter()
        .find(|f| f["details"]["principal"] == "arn:aws:iam::111122223333:user/bob")
        .expect("bob's stop is reported");
    assert_eq!(bob["severity"], "high");
    assert_eq!(bob["resource"], bob["details"]["event_id"]);
    assert_eq!(bob["details"]["event_time"], "2026-03-02T02:14:09Z");
    assert_eq!(bob["details"]["source_ip"], "203.0.113.77");
    assert_eq!(bob["details"]["instance_ids"][0], "i-0b2e4d6f8a0c13572");
    assert!(bob["details"]["user_agent"]
        .as_str()
        .unwrap()
        .starts_with("aws-cli/"));
    let file = bob["file"].as_str().unwrap();
    assert!(
        file.contains("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/02/")
            && file.ends_with(".json.gz"),
        "{file}"
    );
    assert!(bob["details"]["record"].is_u64());
    // The on-call engineer's restart is context; their own stops are allowed.
    assert_eq!(
        bob["details"]["context"][0]["event_name"], "StartInstances",
        "{bob}"
    );
    assert!(!evt1
        .iter()
        .any(|f| f["details"]["principal"] == "arn:aws:iam::111122223333:role/ops-oncall"));
    // carol's stop comes from the lookup-events output.
    assert!(evt1.iter().any(|f| f["details"]["principal"]
        == "arn:aws:iam::111122223333:user/carol"
        && f["file"]
            .as_str()
            .unwrap()
            .ends_with("lookup-events-carol.json")));
    // Root, the critical instances, the probe burst, the foreign region.
    assert_eq!(findings(&v, "EVT-002").len(), 1);
    let critical: Vec<_> = findings(&v, "EVT-009")
        .iter()
        .map(|f| {
            f["details"]["critical_instance"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(critical.len(), 2, "{critical:?}");
    assert!(critical.contains(&"i-0f7a9b1d3f5b57916".to_string()));
    let bursts = findings(&v, "EVT-008");
    assert_eq!(bursts.len(), 2);
    assert!(bursts.iter().any(|f| f["resource"] == "192.0.2.45"));
    assert_eq!(findings(&v, "EVT-007").len(), 3);
    assert_eq!(findings(&v, "EVT-005").len(), 1);
    assert_eq!(findings(&v, "EVT-004").len(), 1);
    // The scheduler is exempt from MFA; bob and platform-automation are not.
    assert_eq!(findings(&v, "EVT-003").len(), 2);
}

#[test]
fn text_report_shows_the_log_file() {
    let r = stopguard(&["check", LOGS, "--data", "examples/data.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("EVT-002 [high] The root user must not stop, start or terminate instances"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(
        "    at examples/cloudtrail-logs/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/"
    ));
    assert!(r.stdout.contains("with the root user [event "));
}

#[test]
fn lookup_events_output_alone_and_on_stdin() {
    let (r, v) = check_json(&["examples/cloudtrail-logs/lookup-events-carol.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let evt1 = findings(&v, "EVT-001");
    assert_eq!(evt1.len(), 1);
    assert_eq!(evt1[0]["details"]["record"], 0);

    let text =
        std::fs::read(root().join("examples/cloudtrail-logs/lookup-events-carol.json")).unwrap();
    let r = stopguard_in(&root(), &["check", "--format", "json", "-"], Some(&text));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(findings(&json(&r.stdout), "EVT-001").len(), 1);
}

#[test]
fn since_and_until_bound_the_events_judged() {
    let count = |extra: &[&str]| {
        let mut args = vec![LOGS, "--data", "examples/data.yaml"];
        args.extend_from_slice(extra);
        let (r, v) = check_json(&args);
        assert!(r.code <= 1, "{}", r.stderr);
        let ids: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["details"]["event_time"].as_str().map(str::to_string))
            .collect();
        ids
    };
    let all = count(&[]);
    assert!(all.iter().any(|t| t.starts_with("2026-03-02")));
    assert!(all.iter().any(|t| t.starts_with("2026-03-03")));
    let day3 = count(&["--since", "2026-03-03"]);
    assert!(
        !day3.is_empty() && day3.iter().all(|t| t.starts_with("2026-03-03")),
        "{day3:?}"
    );
    let day2 = count(&["--until", "2026-03-02"]);
    assert!(
        !day2.is_empty() && day2.iter().all(|t| t.starts_with("2026-03-02")),
        "{day2:?}"
    );
    // A timestamp bound is exact to the second, and inclusive.
    let at = count(&[
        "--since",
        "2026-03-02T02:14:09Z",
        "--until",
        "2026-03-02T03:14:09+01:00",
    ]);
    assert!(
        !at.is_empty() && at.iter().all(|t| t == "2026-03-02T02:14:09Z"),
        "{at:?}"
    );

    let bad = stopguard(&["check", LOGS, "--since", "last tuesday"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("is not a time"), "{}", bad.stderr);
    let inverted = stopguard(&[
        "check",
        LOGS,
        "--since",
        "2026-03-03",
        "--until",
        "2026-03-02",
    ]);
    assert_eq!(inverted.code, 2);
    assert!(inverted.stderr.contains("--since is later than --until"));
}

#[test]
fn malformed_record_fails_the_run_but_other_files_are_judged() {
    let dir = tempfile::tempdir().unwrap();
    let good = log_dir(dir.path(), "02")
        .join("111122223333_CloudTrail_us-east-1_20260302T0100Z_good.json.gz");
    write_gz(
        &good,
        &format!(
            r#"{{"Records":[{NOISE},{}]}}"#,
            stop_record("good-1", "2026-03-02T01:02:03Z", "mallory", "i-1")
        ),
    );
    // Record 2 is cut short by a stray brace; record 0 and 1 are fine.
    let bad = log_dir(dir.path(), "02")
        .join("111122223333_CloudTrail_us-east-1_20260302T0200Z_bad.json.gz");
    write_gz(
        &bad,
        &format!(
            r#"{{"Records":[{},{NOISE},{{"eventID":"x","eventTime":}}]}}"#,
            stop_record("bad-0", "2026-03-02T02:00:00Z", "trent", "i-2")
        ),
    );
    let r = stopguard(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("_bad.json.gz"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("record 2: not valid JSON at line 1, column"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("stopguard::cloudtrail_log"),
        "{}",
        r.stderr
    );
    // The report is complete for what could be read, including the bad file's
    // records before the error.
    let v = json(&r.stdout);
    let ids: Vec<String> = findings(&v, "EVT-001")
        .iter()
        .map(|f| f["resource"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"good-1".to_string()), "{ids:?}");
    assert!(ids.contains(&"bad-0".to_string()), "{ids:?}");
}

#[test]
fn truncated_gzip_names_the_file_and_the_rest_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let good = log_dir(dir.path(), "02").join("a_good.json.gz");
    write_gz(
        &good,
        &format!(
            r#"{{"Records":[{}]}}"#,
            stop_record("good-1", "2026-03-02T01:02:03Z", "mallory", "i-1")
        ),
    );
    let records: Vec<String> = (0..200)
        .map(|i| stop_record(&format!("t-{i}"), "2026-03-02T03:00:00Z", "trent", "i-3"))
        .collect();
    let full = gz_bytes(&format!(r#"{{"Records":[{}]}}"#, records.join(",")));
    let truncated = log_dir(dir.path(), "02").join("b_truncated.json.gz");
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let r = stopguard(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("b_truncated.json.gz"), "{}", r.stderr);
    assert!(
        r.stderr.contains("gzip stream is truncated"),
        "{}",
        r.stderr
    );
    let v = json(&r.stdout);
    let evt1 = findings(&v, "EVT-001");
    assert!(evt1.iter().any(|f| f["resource"] == "good-1"));
    // What the truncated file held before the cut is still judged.
    assert!(evt1.iter().any(|f| f["resource"] == "t-0"));
}

#[test]
fn truncated_json_and_missing_time_are_errors_for_their_file_or_record() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    let text = format!(
        r#"{{"Records":[{}]}}"#,
        stop_record("c-0", "2026-03-02T03:00:00Z", "trent", "i-3")
    );
    std::fs::write(&cut, &text[..text.len() - 20]).unwrap();
    let untimed = dir.path().join("untimed.json");
    let no_time = stop_record("u-0", "X", "trent", "i-3").replace(r#""eventTime":"X","#, "");
    std::fs::write(
        &untimed,
        format!(
            r#"{{"Records":[{no_time},{}]}}"#,
            stop_record("u-1", "2026-03-02T03:00:00Z", "trent", "i-3")
        ),
    )
    .unwrap();
    let r = stopguard(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cut.json: the file ends inside record 0"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("untimed.json: record 0 has no eventTime"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("2 problems"), "{}", r.stderr);
    let v = json(&r.stdout);
    assert!(findings(&v, "EVT-001")
        .iter()
        .any(|f| f["resource"] == "u-1"));
}

#[test]
fn digest_files_are_recognised_and_add_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let digest = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/d.json.gz");
    write_gz(
        &digest,
        r#"{"awsAccountId":"111122223333","digestStartTime":"2026-03-02T00:00:00Z","logFiles":[]}"#,
    );
    let log = log_dir(dir.path(), "02").join("l.json.gz");
    write_gz(&log, &format!(r#"{{"Records":[{NOISE}]}}"#));
    let r = stopguard(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn input_shows_normalised_events() {
    let r = stopguard(&["input", LOGS]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    let events = v["cloudtrail_events"].as_array().unwrap();
    // Only instance-state calls and refusals are kept from the noise around them.
    assert!(events.iter().all(
        |e| e["name"].as_str().is_some_and(|n| n.ends_with("Instances"))
            || e["error_code"].is_string()
    ));
    let priya = events
        .iter()
        .find(|e| e["identity_arn"] == "arn:aws:sts::111122223333:assumed-role/ops-oncall/priya")
        .unwrap();
    assert_eq!(
        priya["principal"],
        "arn:aws:iam::111122223333:role/ops-oncall"
    );
    assert_eq!(priya["mfa"], true);
    assert_eq!(priya["identity_type"], "AssumedRole");
    let root = events.iter().find(|e| e["root"] == true).unwrap();
    assert_eq!(root["console"], true);
    assert!(root["epoch"].is_i64());
}

#[test]
fn an_event_in_two_inputs_is_judged_once() {
    let dir = tempfile::tempdir().unwrap();
    let record = stop_record("same-1", "2026-03-02T01:02:03Z", "mallory", "i-1");
    write_gz(
        &log_dir(dir.path(), "02").join("a.json.gz"),
        &format!(r#"{{"Records":[{record}]}}"#),
    );
    let lookup = serde_json::json!({"Events": [{"EventId": "same-1", "CloudTrailEvent": record}]});
    std::fs::write(dir.path().join("lookup.json"), lookup.to_string()).unwrap();
    let (r, v) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let evt1 = findings(&v, "EVT-001");
    assert_eq!(evt1.len(), 1, "{evt1:?}");
    assert!(evt1[0]["file"].as_str().unwrap().ends_with("a.json.gz"));
}
