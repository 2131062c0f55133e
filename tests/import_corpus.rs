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

/// Where an error says the problem is, after the file's name.
#[derive(Debug)]
enum At {
    /// The file alone, with no line or column: an empty file, or one whose first
    /// character is neither `[` nor `{`.
    File,
    /// Line and column (1-based) of a character.
    Char(usize, usize),
    /// Line and column, and the JSON path of the value at fault.
    Value(usize, usize, &'static str),
}

impl At {
    /// What the error says between the file's name and the message.
    fn says(&self) -> String {
        match self {
            At::File => String::new(),
            At::Char(line, col) => format!(":{line}:{col}"),
            At::Value(line, col, path) => {
                assert!(!path.is_empty(), "a value's position names its path");
                format!(":{line}:{col}: at {path}")
            }
        }
    }
}

/// Line and column (1-based) of the byte at `offset` (the file's bytes are ASCII).
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (
        before.iter().filter(|&&b| b == b'\n').count() + 1,
        offset - line_start + 1,
    )
}

/// The offset of `needle`'s first occurrence in `bytes`.
fn find(bytes: &[u8], needle: &str) -> usize {
    bytes
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or_else(|| panic!("{needle:?} is in the file"))
}

/// The last character of `needle` (its first occurrence in `bytes`).
fn last_of(bytes: &[u8], needle: &str) -> (usize, usize) {
    line_col(bytes, find(bytes, needle) + needle.len() - 1)
}

/// The last character of the value after `key`: the one before the `,` or `}` ending it.
fn value_end(bytes: &[u8], key: &str) -> (usize, usize) {
    let start = find(bytes, key) + key.len();
    let len = bytes[start..]
        .iter()
        .position(|&b| b == b',' || b == b'}')
        .unwrap();
    line_col(bytes, start + len - 1)
}

/// Where a file cut short ends: its last line, at its last character (column 0 when that
/// line is empty, the file ending with a newline).
fn eof(bytes: &[u8]) -> (usize, usize) {
    let line_start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (
        bytes.iter().filter(|&&b| b == b'\n').count() + 1,
        bytes.len() - line_start,
    )
}

/// Each bad file, where its error must point, and how its message must begin.
fn corpus() -> Vec<(String, Vec<u8>, At, &'static str)> {
    let mut c: Vec<(String, Vec<u8>, At, &'static str)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, at: fn(&[u8]) -> At, says: &'static str| {
        let at = at(&bytes);
        c.push((name.to_string(), bytes, at, says));
    };
    // Malformed JSON: the samples file cut short at 40 places (where it ends is the error's
    // position; cut at 0 it is empty), and stray bytes.
    let bytes = SAMPLES.as_bytes();
    for k in 0..40 {
        let at = bytes.len() * k / 40;
        if at == 0 {
            add(
                "cut-0.json",
                Vec::new(),
                |_| At::File,
                "expected a JSON array, or an object {\"submissions\": [...]}",
            );
        } else {
            add(
                &format!("cut-{at}.json"),
                bytes[..at].to_vec(),
                |b| {
                    let (l, c) = eof(b);
                    At::Char(l, c)
                },
                "EOF while parsing a",
            );
        }
    }
    add(
        "trailing-comma.json",
        b"[{\"id\": \"A-1\",}]".to_vec(),
        |b| {
            let (l, c) = last_of(b, ",}");
            At::Char(l, c)
        },
        "key must be a string",
    );
    add(
        "two-docs.json",
        b"[] []".to_vec(),
        |b| {
            let (l, c) = last_of(b, "] [");
            At::Char(l, c)
        },
        "trailing characters",
    );
    add(
        "unclosed-string.json",
        b"[{\"id\": \"A-1}]".to_vec(),
        |b| {
            let (l, c) = eof(b);
            At::Char(l, c)
        },
        "EOF while parsing a string",
    );
    add(
        "bare-word.json",
        b"submissions".to_vec(),
        |_| At::File,
        "expected a JSON array, or an object {\"submissions\": [...]}",
    );
    // Wrong types: at the value's last character; a map or list where something else
    // belongs, at the character before it (the parser knows it by its first character,
    // which it has not read yet); a null where a state belongs, at its `n`.
    add(
        "id-number.json",
        one(|s| s["id"] = json!(42)),
        |b| {
            let (l, c) = value_end(b, "\"id\":");
            At::Value(l, c, "[0].id")
        },
        "invalid type: integer `42`, expected a string",
    );
    add(
        "protocols-string.json",
        one(|s| s["protocols"] = json!("saml")),
        |b| {
            let (l, c) = value_end(b, "\"protocols\":");
            At::Value(l, c, "[0].protocols")
        },
        "invalid type: string \"saml\", expected a sequence",
    );
    add(
        "history-object.json",
        one(|s| s["history"] = json!({"to": "draft"})),
        |b| {
            let (l, c) = last_of(b, "\"history\":");
            At::Value(l, c, "[0].history")
        },
        "invalid type: map, expected a sequence",
    );
    add(
        "logo-negative.json",
        one(|s| s["logo"] = json!({"file": "a.png", "format": "png", "bytes": -1})),
        |b| {
            let (l, c) = value_end(b, "\"bytes\":");
            At::Value(l, c, "[0].logo.bytes")
        },
        "invalid value: integer `-1`, expected u64",
    );
    add(
        "logo-huge-number.json",
        one(|s| {
            s["logo"] =
                json!({"file": "a.png", "format": "png", "bytes": 18446744073709551616u128 as f64})
        }),
        |b| {
            let (l, c) = value_end(b, "\"bytes\":");
            At::Value(l, c, "[0].logo.bytes")
        },
        "invalid type: floating point `1.8446744073709552e+19`, expected u64",
    );
    add(
        "state-null.json",
        one(|s| s["state"] = Value::Null),
        |b| {
            let (l, c) = last_of(b, "\"state\":n");
            At::Value(l, c, "[0].state")
        },
        "expected value",
    );
    // Huge values: at the submission (where it starts), with the field's path.
    add(
        "description-10mb.json",
        one(|s| s["description"] = json!("x".repeat(10 << 20))),
        |_| At::Value(1, 2, "[0].description"),
        "10485760 characters; at most 20000 are accepted",
    );
    add(
        "use-cases-100k.json",
        one(|s| s["use_cases"] = json!(vec!["Single Sign-On"; 100_000])),
        |_| At::Value(1, 2, "[0].use_cases"),
        "100000 entries; at most 1000 are accepted",
    );
    // Deep nesting, at the top and inside a field.
    add(
        "deep-open.json",
        "[".repeat(100_000).into_bytes(),
        |b| {
            let (l, c) = eof(b);
            assert_eq!((l, c), (1, 100_000));
            At::Char(l, c)
        },
        "EOF while parsing a list",
    );
    // A list for the submission: its first value, a list for the id, is at fault, and the
    // position is the character before it.
    let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    add(
        "deep-closed.json",
        closed.into_bytes(),
        |_| At::Value(1, 2, "[0][0]"),
        "invalid type: sequence, expected a string",
    );
    let deep = format!(
        "[{{\"id\": \"A-1\", \"use_cases\": {}\"x\"{}}}]",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    add(
        "deep-field.json",
        deep.into_bytes(),
        |b| {
            let (l, c) = last_of(b, "\"use_cases\": [");
            At::Value(l, c, "[0].use_cases[0]")
        },
        "invalid type: sequence, expected a string",
    );
    // Invalid UTF-8 (at the bad byte) and NUL bytes (at the character before it).
    let mut bad_utf8 = one(|_| {});
    let i = bad_utf8.windows(5).position(|w| w == b"App B").unwrap();
    bad_utf8[i + 1] = 0xff;
    assert_eq!(i + 1, 15);
    add(
        "latin1.json",
        bad_utf8,
        |b| {
            let (l, c) = line_col(b, 15);
            At::Char(l, c)
        },
        "not valid UTF-8 (byte 15); save the file as UTF-8",
    );
    let mut nul = one(|_| {});
    nul[i + 1] = 0;
    add(
        "nul-in-string.json",
        nul,
        |b| {
            let (l, c) = line_col(b, 14);
            At::Char(l, c)
        },
        "control character (\\u0000-\\u001F) found while parsing a string",
    );
    add(
        "nul-first.json",
        b"\0[]".to_vec(),
        |_| At::File,
        "expected a JSON array, or an object {\"submissions\": [...]}",
    );
    // Duplicate keys, in a submission (at the second key) and at the top (at the end of
    // the object holding both).
    let dup = String::from_utf8(one(|_| {})).unwrap().replacen(
        "\"app_name\":",
        "\"app_name\":\"First\",\"app_name\":",
        1,
    );
    add(
        "dup-field.json",
        dup.into_bytes(),
        |b| {
            let (l, c) = last_of(b, ",\"app_name\"");
            At::Value(l, c, "[0]")
        },
        "duplicate field `app_name`",
    );
    add(
        "dup-top.json",
        format!(
            "{{\"submissions\": [], \"submissions\": {}}}",
            String::from_utf8(one(|_| {})).unwrap()
        )
        .into_bytes(),
        |b| {
            let (l, c) = eof(b);
            At::Char(l, c)
        },
        "key \"submissions\" appears twice; keep one",
    );
    // Timestamps out of range (at the submission, with the path) or impossible (at the
    // value's last character).
    for (name, at, says) in [
        (
            "year-1.json",
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z is out of range",
        ),
        (
            "year-9999.json",
            "9999-12-30T00:00:00Z",
            "9999-12-30T00:00:00Z is out of range",
        ),
        (
            "year-99999.json",
            "99999-01-01T00:00:00Z",
            "failed to parse two digit integer as month",
        ),
        (
            "feb-30.json",
            "2026-02-30T09:00:00Z",
            "parsed date is not valid",
        ),
        (
            "hour-25.json",
            "2026-11-23T25:00:00Z",
            "failed to parse two digit integer as hour",
        ),
        (
            "no-zone.json",
            "2026-11-23T09:00:00",
            "failed to find offset component",
        ),
    ] {
        let in_range = !says.contains("out of range");
        add(
            name,
            one(|s| s["history"][0]["at"] = json!(at)),
            if in_range {
                |b| {
                    let (l, c) = value_end(b, "\"at\":");
                    At::Value(l, c, "[0].history[0].at")
                }
            } else {
                |_| At::Value(1, 2, "[0].history[0].at")
            },
            says,
        );
    }
    add(
        "promise-1900.json",
        one(|s| s["promises"] = json!([{"phase": "initial_review", "date": "1900-01-01"}])),
        |_| At::Value(1, 2, "[0].promises[0].date"),
        "1900-01-01 is out of range: dates from 2000-01-01 to 2099-12-31 are accepted",
    );
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
    assert_eq!(n, 67);
    let mut wrong = Vec::new();
    for (name, bytes, at, says) in corpus {
        assert!(!says.is_empty(), "{name}: say what the message begins with");
        if let At::Char(line, col) | At::Value(line, col, _) = at {
            assert!(line >= 1, "{name}: a real position");
            let end = bytes.split(|&b| b == b'\n').nth(line - 1).map(<[u8]>::len);
            assert!(
                end.is_some_and(|end| col <= end),
                "{name}: {at:?} is inside the file"
            );
        }
        let f = sb.write(&name, &bytes);
        let out = sb.run(&["import", f.to_str().unwrap()]);
        let (stdout, err) = text(&out);
        let prefix = format!("oin-review: import: {}{}: ", f.display(), at.says());
        let short = err.lines().count() == 1 && err.len() < 600;
        let right = err
            .strip_prefix(&prefix)
            .is_some_and(|message| message.starts_with(says));
        if out.status.success() || !stdout.is_empty() || !short || !right {
            wrong.push(format!(
                "{name} (expected {:?}): {}",
                format!("{prefix}{says}"),
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
