//! The review policy file: built-in defaults, user overrides without a rebuild, clear errors.

mod common;

use common::{Sandbox, text};
use oin_review::config::{BUILTIN_POLICY, PolicyFile, parse_toml, policy_from_text};
use std::path::Path;

#[test]
fn shipped_policy_file_holds_the_seed_defaults() {
    let shipped: PolicyFile = parse_toml(Path::new("data/policy.toml"), BUILTIN_POLICY).unwrap();
    assert_eq!(shipped, PolicyFile::default());
    let policy = policy_from_text(Path::new("data/policy.toml"), BUILTIN_POLICY).unwrap();
    assert_eq!(policy.sla.initial_review, 5 * 86_400);
    assert_eq!(policy.sla.qa_testing, 5 * 86_400);
    assert_eq!(policy.sla.final_review, 86_400);
    // US federal holidays are loaded: Thanksgiving 2026 is not a business day.
    assert!(
        !policy
            .sla
            .calendar
            .is_business_day(jiff::civil::date(2026, 11, 26))
    );
    assert!(
        policy
            .sla
            .calendar
            .is_business_day(jiff::civil::date(2026, 11, 25))
    );
}

#[test]
fn broken_policy_names_the_key_and_line() {
    let p = Path::new("policy.toml");
    let cases = [
        (
            "[sla]\ntime_zone = \"Mars/Olympus\"\n",
            "line 2: sla.time_zone: unknown time zone",
        ),
        (
            "[sla]\n\nworking_hours = \"9 to 5\"\n",
            "line 3: sla.working_hours",
        ),
        (
            "[sla.targets]\nqa_testing = \"five days\"\n",
            "line 2: sla.targets.qa_testing",
        ),
        (
            "[sla]\nholidays = [\"mars\"]\n",
            "no holiday calendar \"mars\"",
        ),
        ("[sla]\non_return = \"rewind\"\n", "line 2"),
        ("[sla]\ntargetz = {}\n", "unknown field `targetz`"),
        (
            "[freshness]\nvalid_hours = 10\nexpiring_hours = 12\n",
            "freshness.expiring_hours",
        ),
    ];
    for (text, expected) in cases {
        let err = policy_from_text(p, text).unwrap_err().to_string();
        assert!(err.starts_with("policy.toml: "), "{err}");
        assert!(err.contains(expected), "{text:?}: {err}");
    }
}

#[test]
fn a_user_policy_changes_behaviour_without_a_rebuild() {
    let sb = Sandbox::new();
    sb.import_samples();
    let args = [
        "--as-of",
        "2026-11-23T12:00:00Z",
        "show",
        "OIN-2026-0142",
        "--format",
        "json",
    ];
    let before: serde_json::Value = serde_json::from_str(&sb.ok(&args)).unwrap();
    assert_eq!(before["sla"]["current"]["due"], "2026-11-23T15:30:00Z");
    sb.write(
        "config/oin-review/policy.toml",
        "[sla]\ntargets = { initial_review = \"10 business days\" }\ntime_zone = \"America/Los_Angeles\"\n",
    );
    let after: serde_json::Value = serde_json::from_str(&sb.ok(&args)).unwrap();
    // Entered Mon 16 Nov 07:30 PST; ten business days in Los Angeles, skipping
    // Thanksgiving (Thu 26 Nov): due Tue 1 Dec 07:30 PST.
    assert_eq!(after["sla"]["current"]["due"], "2026-12-01T15:30:00Z");
    assert_eq!(after["sla"]["current"]["target_seconds"], 10 * 86_400);

    sb.write(
        "config/oin-review/policy.toml",
        "[sla]\nworking_hours = \"17:00-09:00\"\n",
    );
    let out = sb.run(&args);
    assert!(!out.status.success());
    let (_, err) = text(&out);
    assert!(
        err.contains("policy.toml: line 2: sla.working_hours"),
        "{err}"
    );
}

#[test]
fn user_holiday_calendars_load_from_the_config_dir() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.write(
        "config/oin-review/holidays/team.toml",
        "name = \"Team days\"\n[dates]\n2026-11-17 = \"Offsite\"\n2026-11-18 = \"Offsite\"\n",
    );
    sb.write(
        "config/oin-review/policy.toml",
        "[sla]\nholidays = [\"team\"]\n",
    );
    let s: serde_json::Value = serde_json::from_str(&sb.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "show",
        "OIN-2026-0142",
        "--format",
        "json",
    ]))
    .unwrap();
    // Mon 16 Nov 15:30 + 5 days, skipping the two offsite days (and not Thanksgiving):
    // 8.5h Mon, Thu 19, Fri 20, Mon 23, Tue 24, 15.5h Wed 25.
    assert_eq!(s["sla"]["current"]["due"], "2026-11-25T15:30:00Z");
    sb.write(
        "config/oin-review/holidays/team.toml",
        "[dates]\n2026-13-01 = \"x\"\n",
    );
    let out = sb.run(&["list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("\"2026-13-01\" is not a date"),
        "{}",
        text(&out).1
    );
}

#[test]
fn list_as_of_gives_due_instants_and_statuses() {
    let sb = Sandbox::new();
    sb.import_samples();
    let list: Vec<serde_json::Value> = serde_json::from_str(&sb.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "list",
        "--format",
        "json",
    ]))
    .unwrap();
    let sla = |id: &str| list.iter().find(|s| s["id"] == id).unwrap()["sla"].clone();
    assert_eq!(sla("OIN-2026-0142")["status"], "at_risk");
    assert_eq!(sla("OIN-2026-0142")["left"], "3h left");
    assert_eq!(sla("OIN-2026-0110")["status"], "on_track");
    assert_eq!(
        sla("OIN-2026-0110")["current"]["due"],
        "2026-11-30T18:00:00Z"
    );
    assert_eq!(sla("OIN-2026-0102")["status"], "breached");
    assert_eq!(sla("OIN-2026-0104")["status"], "paused");
    assert_eq!(
        sla("OIN-2026-0104")["current"]["due"],
        serde_json::Value::Null
    );
    let published = sla("OIN-2026-0108");
    assert_eq!(published["status"], serde_json::Value::Null);
    assert_eq!(published["clocks"][0]["status"], "stopped");
    // Breached first (most overdue first), paused after the running ones.
    let statuses: Vec<String> = list
        .iter()
        .map(|s| s["sla"]["status"].as_str().unwrap_or("none").to_string())
        .collect();
    let first_paused = statuses.iter().position(|s| s == "paused").unwrap();
    let last_running = statuses
        .iter()
        .rposition(|s| s == "on_track" || s == "at_risk")
        .unwrap();
    assert!(
        statuses[0] == "breached" && last_running < first_paused,
        "{statuses:?}"
    );
    // Earlier, before Acme entered review: no clock.
    let early: serde_json::Value = serde_json::from_str(&sb.ok(&[
        "--as-of",
        "2026-11-10T00:00:00Z",
        "show",
        "OIN-2026-0142",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(early["sla"]["clocks"], serde_json::json!([]));
    // Filter by SLA status.
    let breached: Vec<serde_json::Value> = serde_json::from_str(&sb.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "list",
        "--format",
        "json",
        "--sla",
        "breached",
    ]))
    .unwrap();
    assert!(!breached.is_empty());
    assert!(breached.iter().all(|s| s["sla"]["status"] == "breached"));
}

#[test]
fn promised_dates_show_beside_the_due() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.ok(&[
        "promise",
        "OIN-2026-0142",
        "--phase",
        "initial_review",
        "--date",
        "2026-11-24",
    ]);
    assert!(
        out.contains("initial review promised for 2026-11-24"),
        "{out}"
    );
    let show = sb.ok(&["--as-of", "2026-11-23T12:00:00Z", "show", "OIN-2026-0142"]);
    assert!(
        show.contains("due Mon 2026-11-23 15:30 UTC, promised to the ISV for 2026-11-24"),
        "{show}"
    );
    let bad = sb.run(&[
        "promise",
        "OIN-2026-0142",
        "--phase",
        "qa",
        "--date",
        "2026-11-24",
    ]);
    assert!(text(&bad).1.contains("unknown phase \"qa\""));
    let bad = sb.run(&[
        "promise",
        "NOPE",
        "--phase",
        "qa_testing",
        "--date",
        "2026-11-24",
    ]);
    assert!(text(&bad).1.contains("no submission \"NOPE\""));
}
