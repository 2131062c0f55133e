//! Internal notes: stored append-only with author and time, shown in `show` and the
//! detail, never in any email; `@name` fills the attention set until that analyst acts.

mod common;

use common::{Sandbox, submission_json, text};
use serde_json::{Value, json};

fn show(sb: &Sandbox, id: &str) -> Value {
    serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap()
}

#[test]
fn notes_are_kept_in_order_with_author_and_time_and_shown_in_show_and_its_history() {
    let sb = Sandbox::new();
    sb.import_samples();
    let me = oin_review::identity::current_analyst();
    let out = sb.ok(&[
        "note",
        "add",
        "oin-2026-0142",
        "Logo",
        "looks",
        "stretched;",
        "@bea",
        "agrees?",
    ]);
    assert!(
        out.contains(
            "OIN-2026-0142: note 1 added (internal, never emailed); in the attention set of bea"
        ),
        "{out}"
    );
    sb.ok(&[
        "note",
        "add",
        "OIN-2026-0142",
        "Asked the ISV for a 512px logo.",
    ]);
    let s = show(&sb, "OIN-2026-0142");
    let notes = s["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["text"], "Logo looks stretched; @bea agrees?");
    assert_eq!(notes[0]["author"], me.as_str());
    assert!(notes[0]["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(s["attention"], json!(["bea"]));
    let listed: Vec<Value> =
        serde_json::from_str(&sb.ok(&["note", "list", "OIN-2026-0142", "--format", "json"]))
            .unwrap();
    assert_eq!(listed.len(), 2);
    let text_out = sb.ok(&["show", "OIN-2026-0142"]);
    assert!(
        text_out.contains("note (internal): Asked the ISV for a 512px logo."),
        "{text_out}"
    );
    assert!(text_out.contains("attention         bea"), "{text_out}");

    // Append-only: the database refuses to change or remove a note.
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    let e = c.execute("UPDATE notes SET text = 'x'", []).unwrap_err();
    assert!(e.to_string().contains("notes are append-only"), "{e}");
    assert!(c.execute("DELETE FROM notes", []).is_err());

    for (args, says) in [
        (vec!["note", "add", "OIN-2026-0142", "   "], "an empty note"),
        (
            vec!["note", "add", "NOPE-1", "hello"],
            "no submission \"NOPE-1\"",
        ),
    ] {
        let out = sb.run(&args);
        assert!(!out.status.success());
        assert!(text(&out).1.contains(says), "{args:?}: {}", text(&out).1);
    }
}

#[test]
fn a_mention_stays_in_the_attention_set_until_that_analyst_moves_claims_or_notes() {
    let sb = Sandbox::new();
    sb.import_samples();
    let me = oin_review::identity::current_analyst();
    let policy = std::sync::Arc::new(
        oin_review::config::policy_from_text(
            std::path::Path::new("built in"),
            oin_review::config::BUILTIN_POLICY,
        )
        .unwrap(),
    );
    let mention = |id: &str| {
        // A colleague (bea) mentions the analyst running these commands.
        let mut store = oin_review::store::Store::open(
            &sb.db(),
            &oin_review::store::OpenOptions {
                policy: Some(policy.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        store
            .add_note(
                id,
                "bea",
                common::now(),
                &format!("@{me} please look"),
                std::slice::from_ref(&me),
            )
            .unwrap()
            .unwrap();
    };
    let attention = |id: &str| show(&sb, id)["attention"].clone();
    for (id, act) in [
        ("OIN-2026-0142", vec!["claim", "OIN-2026-0142"]),
        (
            "OIN-2026-0116",
            vec!["move", "--to", "isv_review", "OIN-2026-0116"],
        ),
        (
            "OIN-2026-0131",
            vec!["note", "add", "OIN-2026-0131", "on it"],
        ),
    ] {
        mention(id);
        assert_eq!(attention(id), json!([me.as_str()]), "{id}");
        sb.ok(&act);
        assert_eq!(attention(id), json!([]), "{id}: {act:?} is acting on it");
    }
}

#[test]
fn no_note_reaches_any_email_of_any_kind() {
    let sb = Sandbox::new();
    let mut s = submission_json("N-1", "draft");
    s["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[s]);
    let secret = "INTERNAL-NOTE-7731 the ISV must not read this";
    sb.ok(&["note", "add", "N-1", secret]);
    sb.ok(&[
        "finding",
        "add",
        "N-1",
        "--severity",
        "blocker",
        "Fix the logo.",
    ]);
    let moves = [
        "initial_review", // received
        "qa_testing",     // qa_started
        "isv_fix_bugs",   // issues
        "final_review",   // final_review
        "published",      // published
    ];
    for (i, to) in moves.iter().enumerate() {
        sb.ok(&["note", "add", "N-1", &format!("{secret} (round {i})")]);
        let out = sb.run(&[
            "mail",
            "send",
            "N-1",
            "--move-to",
            to,
            "--force",
            "--reason",
            "every kind of email",
        ]);
        assert!(out.status.success(), "{to}: {}", text(&out).1);
    }
    // A reminder needs an item the ISV has held for weeks: N-2, with notes of its own.
    let month_ago = common::now() - jiff::SignedDuration::from_hours(24 * 30);
    let mut idle = submission_json("N-2", "isv_review");
    idle["escalation_contact"] = json!("dev@isv.example");
    idle["history"] = json!([{"to": "isv_review", "at": month_ago.to_string(), "by": "asha"}]);
    sb.import_values(&[idle]);
    sb.ok(&["note", "add", "N-2", &format!("{secret} (idle)")]);
    sb.ok(&["remind"]);
    let outbox: Vec<Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    let mut kinds: Vec<&str> = outbox.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "final_review",
            "issues",
            "published",
            "qa_started",
            "received",
            "reminder"
        ]
    );
    let dir = sb.path("data/oin-review/outbox-files");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 6, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("INTERNAL-NOTE-7731"),
            "{}: {text}",
            f.display()
        );
        // Nor in any transfer encoding of the body.
        let decoded = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        for part in [decoded.body_text(0), decoded.body_html(0)]
            .into_iter()
            .flatten()
        {
            assert!(!part.contains("INTERNAL-NOTE-7731"), "{}", f.display());
        }
    }
    // The queued previews in the outbox hold none either.
    for e in &outbox {
        let id = e["id"].as_i64().unwrap().to_string();
        let shown = sb.ok(&["outbox", "show", &id]);
        assert!(!shown.contains("INTERNAL-NOTE-7731"));
    }
}

#[test]
fn a_mention_or_an_assignee_not_on_the_team_is_refused_with_the_closest_names() {
    let sb = Sandbox::new();
    sb.import_samples();
    // The sandbox's [team] names carla and asha; a typo is refused, and nothing is kept.
    let out = sb.run(&["note", "add", "OIN-2026-0142", "ask @carlaa and @asah"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "not on the team: @carlaa (closest: carla); @asah (closest: asha, ana); the note was not added"
        ),
        "{err}"
    );
    assert_eq!(
        sb.ok(&["note", "list", "OIN-2026-0142"]).trim(),
        "OIN-2026-0142: no notes"
    );
    let out = sb.run(&["assign", "--to", "carlaa", "OIN-2026-0142"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("assign: carlaa is not on the team (closest: carla); nothing was assigned (--new-analyst assigns to a new name)"),
        "{err}"
    );
    // A new colleague on purpose; and whoever has acted in the queue is on the team after.
    sb.ok(&["assign", "--to", "fatima", "--new-analyst", "OIN-2026-0142"]);
    sb.ok(&["note", "add", "OIN-2026-0142", "@carla checked"]);
    let me = sb.ok(&["note", "list", "OIN-2026-0142"]);
    assert!(me.contains("@carla checked"), "{me}");
    // The note's author (this OS user) acted: a note mentioning them is accepted.
    let author = me
        .lines()
        .find(|l| l.contains("@carla checked"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    sb.ok(&["note", "add", "OIN-2026-0142", &format!("thanks @{author}")]);
    // Without [team] in the config, an analyst who holds a submission (the samples assign
    // some to asha) is on the team; a name nobody has is not.
    sb.write("config/oin-review/config.toml", "");
    sb.ok(&["note", "add", "OIN-2026-0142", "over to @asha"]);
    let out = sb.run(&["note", "add", "OIN-2026-0142", "over to @bea"]);
    assert!(!out.status.success());
}
