//! A corpus of bad import files: malformed JSON at many positions, wrong types, huge values,
//! deep nesting, invalid UTF-8, NUL bytes, duplicate keys, timestamps out of range. Each is
//! refused with a short error naming the file and where, and the queue is left unchanged.

mod common;

use common::{SAMPLES, Sandbox, submission_json, text};
use serde_json::{Value, json};
use std::time::Instant;

/// The queue as `export --include-secrets` writes it, without the export time.
fn snapshot(sb: &Sandbox) -> Value {
    let mut v: Value = serde_json::from_str(&sb.ok(&["export", "--include-secrets"])).unwrap();
    v.as_object_mut().unwrap().remove("exported_at");
    v
}

fn one(mutate: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut s = submission_json("BAD-1", "initial_review");
    mutate(&mut s);
    serde_json::to_vec(&json!([s])).unwrap()
}

fn corpus() -> Vec<(String, Vec<u8>, &'static str)> {
    let mut c: Vec<(String, Vec<u8>, &'static str)> = Vec::new();
    // Malformed JSON: the samples file cut short at 40 places, and stray bytes.
    let bytes = SAMPLES.as_bytes();
    for k in 0..40 {
        let at = bytes.len() * k / 40;
        c.push((format!("cut-{at}.json"), bytes[..at].to_vec(), ""));
    }
    c.push((
        "trailing-comma.json".into(),
        b"[{\"id\": \"A-1\",}]".to_vec(),
        "1:15: key must be a string",
    ));
    c.push((
        "two-docs.json".into(),
        b"[] []".to_vec(),
        "trailing characters",
    ));
    c.push((
        "unclosed-string.json".into(),
        b"[{\"id\": \"A-1}]".to_vec(),
        "EOF",
    ));
    c.push((
        "bare-word.json".into(),
        b"submissions".to_vec(),
        "expected a JSON array",
    ));
    // Wrong types.
    c.push((
        "id-number.json".into(),
        one(|s| s["id"] = json!(42)),
        "[0].id",
    ));
    c.push((
        "protocols-string.json".into(),
        one(|s| s["protocols"] = json!("saml")),
        "[0].protocols",
    ));
    c.push((
        "history-object.json".into(),
        one(|s| s["history"] = json!({"to": "draft"})),
        "[0].history",
    ));
    c.push((
        "logo-negative.json".into(),
        one(|s| s["logo"] = json!({"file": "a.png", "format": "png", "bytes": -1})),
        "[0].logo.bytes",
    ));
    c.push((
        "logo-huge-number.json".into(),
        one(|s| {
            s["logo"] =
                json!({"file": "a.png", "format": "png", "bytes": 18446744073709551616u128 as f64})
        }),
        "[0].logo.bytes",
    ));
    c.push((
        "state-null.json".into(),
        one(|s| s["state"] = Value::Null),
        "[0].state",
    ));
    // Huge values.
    c.push((
        "description-10mb.json".into(),
        one(|s| s["description"] = json!("x".repeat(10 << 20))),
        "[0].description: 10485760 characters; at most 20000",
    ));
    c.push((
        "use-cases-100k.json".into(),
        one(|s| s["use_cases"] = json!(vec!["Single Sign-On"; 100_000])),
        "[0].use_cases: 100000 entries; at most 1000",
    ));
    // Deep nesting, at the top and inside a field.
    c.push((
        "deep-open.json".into(),
        "[".repeat(100_000).into_bytes(),
        ":1:100000: EOF while parsing a list",
    ));
    let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    c.push((
        "deep-closed.json".into(),
        closed.into_bytes(),
        "at [0][0]: invalid type: sequence, expected a string",
    ));
    let deep = format!(
        "[{{\"id\": \"A-1\", \"use_cases\": {}\"x\"{}}}]",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    c.push((
        "deep-field.json".into(),
        deep.into_bytes(),
        "at [0].use_cases[0]: invalid type: sequence, expected a string",
    ));
    // Invalid UTF-8 and NUL bytes.
    let mut bad_utf8 = one(|_| {});
    let i = bad_utf8.windows(5).position(|w| w == b"App B").unwrap();
    bad_utf8[i + 1] = 0xff;
    c.push(("latin1.json".into(), bad_utf8, "not valid UTF-8"));
    let mut nul = one(|_| {});
    nul[i + 1] = 0;
    c.push(("nul-in-string.json".into(), nul, "control character"));
    c.push((
        "nul-first.json".into(),
        b"\0[]".to_vec(),
        "expected a JSON array",
    ));
    // Duplicate keys, in a submission and at the top.
    let dup = String::from_utf8(one(|_| {})).unwrap().replacen(
        "\"app_name\":",
        "\"app_name\":\"First\",\"app_name\":",
        1,
    );
    c.push((
        "dup-field.json".into(),
        dup.into_bytes(),
        "duplicate field `app_name`",
    ));
    c.push((
        "dup-top.json".into(),
        format!(
            "{{\"submissions\": [], \"submissions\": {}}}",
            String::from_utf8(one(|_| {})).unwrap()
        )
        .into_bytes(),
        "key \"submissions\" appears twice",
    ));
    // Timestamps out of range or impossible.
    for (name, at, says) in [
        ("year-1.json", "0001-01-01T00:00:00Z", "out of range"),
        ("year-9999.json", "9999-12-30T00:00:00Z", "out of range"),
        (
            "year-99999.json",
            "99999-01-01T00:00:00Z",
            "[0].history[0].at",
        ),
        ("feb-30.json", "2026-02-30T09:00:00Z", "[0].history[0].at"),
        ("hour-25.json", "2026-11-23T25:00:00Z", "[0].history[0].at"),
        ("no-zone.json", "2026-11-23T09:00:00", "[0].history[0].at"),
    ] {
        c.push((
            name.into(),
            one(|s| s["history"][0]["at"] = json!(at)),
            says,
        ));
    }
    c.push((
        "promise-1900.json".into(),
        one(|s| s["promises"] = json!([{"phase": "initial_review", "date": "1900-01-01"}])),
        "[0].promises[0].date: 1900-01-01 is out of range",
    ));
    c
}

#[test]
fn every_bad_import_is_refused_clearly_and_changes_nothing() {
    let sb = Sandbox::new();
    sb.import_samples();
    let before = snapshot(&sb);
    let started = Instant::now();
    let corpus = corpus();
    let n = corpus.len();
    let mut wrong = Vec::new();
    for (name, bytes, says) in corpus {
        let f = sb.write(&name, &bytes);
        let out = sb.run(&["import", f.to_str().unwrap()]);
        let (_, err) = text(&out);
        let named = err.starts_with(&format!("oin-review: import: {}", f.display()));
        let short = err.lines().count() == 1 && err.len() < 600;
        if out.status.success() || !named || !short || !err.contains(says) {
            wrong.push(format!(
                "{name} (expected {says:?}): {}",
                &err[..err.len().min(600)]
            ));
        }
        std::fs::remove_file(&f).unwrap();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(snapshot(&sb) == before, "a refused import changes nothing");
    let took = started.elapsed();
    assert!(took.as_secs() < 60, "{n} refusals took {took:?}");
    eprintln!("{n} bad files refused in {took:?}");
}

#[test]
fn the_limits_leave_room_for_real_submissions() {
    let sb = Sandbox::new();
    let f = sb.write(
        "big-but-fine.json",
        one(|s| {
            s["description"] = json!("d".repeat(20_000));
            s["use_cases"] = json!(vec!["Single Sign-On"; 1_000]);
            s["history"][0]["at"] = json!("2000-01-01T00:00:00Z");
        }),
    );
    sb.ok(&["import", f.to_str().unwrap()]);
    let rows = sb.list_json();
    assert_eq!(rows.len(), 1);
}
