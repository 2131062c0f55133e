//! ISV reminders: the seeds say nothing of them, so the rule is the team's policy (README,
//! "ISV reminders"; data/policy.toml `[reminders]`): an item the ISV holds (isv_review,
//! isv_fix_bugs) for 10 business days or more is idle; each idle period brings at most one
//! reminder to the escalation contact, threaded with the submission's emails; after 3 in
//! one stay the item is stale, for the lead. Business days are those of 002's SLA calendar
//! (US federal holidays by default: Veterans Day is Wed 2026-11-11).

mod common;

use common::{Sandbox, submission_json, text};
use jiff::{SignedDuration, Timestamp};
use oin_review::domain::ReviewState;
use oin_review::domain::reminders::{IdleRule, Reminder, ReminderPolicy};
use serde_json::{Value, json};

fn at_isv(id: &str, since: Timestamp, escalation: Option<&str>) -> Value {
    let mut s = submission_json(id, "isv_review");
    s["history"] = json!([
        {"to": "initial_review", "at": (since - SignedDuration::from_hours(30)).to_string(), "by": "isv"},
        {"from": "initial_review", "to": "isv_review", "at": since.to_string(), "by": "asha"}
    ]);
    s["escalation_contact"] = json!(escalation);
    s
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn idle_begins_after_ten_business_days_at_the_isv_and_the_query_says_so() {
    let sb = Sandbox::new();
    // At the ISV from Mon 2026-11-02 00:00: business days Nov 2-6, 9, 10, 12, 13 (the 11th
    // is Veterans Day) and 16 make ten at Tue 11-17 00:00.
    sb.import_values(&[
        at_isv("IDLE-1", "2026-11-02T00:00:00Z".parse().unwrap(), None),
        submission_json("BUSY-1", "initial_review"),
    ]);
    let idle_at = |t: &str| -> Vec<String> {
        let out = sb.ok(&[
            "list", "--as-of", t, "--query", "idle:yes", "--format", "json",
        ]);
        ids(&serde_json::from_str::<Vec<Value>>(&out).unwrap())
    };
    assert!(idle_at("2026-11-16T23:59:59Z").is_empty());
    assert_eq!(idle_at("2026-11-17T00:00:00Z"), ["IDLE-1"]);
    let not_idle = sb.ok(&[
        "list",
        "--as-of",
        "2026-11-17T00:00:00Z",
        "--query=-idle:yes",
        "--format",
        "json",
    ]);
    assert_eq!(
        ids(&serde_json::from_str::<Vec<Value>>(&not_idle).unwrap()),
        ["BUSY-1"]
    );
    let bad = sb.run(&["list", "--query", "idle:maybe"]);
    let (_, err) = text(&bad);
    assert!(
        !bad.status.success() && err.contains("idle:maybe") && err.contains("yes, no"),
        "{err}"
    );
}

#[test]
fn one_reminder_per_idle_period_then_stale() {
    let policy = common::builtin_policy();
    assert_eq!(policy.reminders, ReminderPolicy::default());
    let rule = IdleRule::new(&policy.sla.calendar, &policy.reminders);
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    let since = Some(t("2026-11-02T00:00:00Z"));
    let state = ReviewState::IsvFixBugs;
    assert_eq!(
        rule.reminder(state, since, &[], t("2026-11-16T12:00:00Z")),
        Reminder::NotIdle
    );
    assert_eq!(
        rule.reminder(state, since, &[], t("2026-11-17T00:00:00Z")),
        Reminder::Due { number: 1 }
    );
    // Reminded Tue 11-17 09:00: the next is due ten business days later, Wed 12-02 09:00
    // (Thanksgiving, Thu 11-26, does not count).
    let first = t("2026-11-17T09:00:00Z");
    assert_eq!(
        rule.reminder(state, since, &[first], t("2026-12-02T08:59:59Z")),
        Reminder::TooSoon { last: first }
    );
    assert_eq!(
        rule.reminder(state, since, &[first], t("2026-12-02T09:00:00Z")),
        Reminder::Due { number: 2 }
    );
    // A reminder from an earlier stay with the ISV does not count.
    let earlier = t("2026-10-01T09:00:00Z");
    assert_eq!(
        rule.reminder(state, since, &[earlier], t("2026-11-17T00:00:00Z")),
        Reminder::Due { number: 1 }
    );
    let three = [first, t("2026-12-02T09:00:00Z"), t("2026-12-16T09:00:00Z")];
    assert_eq!(
        rule.reminder(state, since, &three, t("2027-01-30T09:00:00Z")),
        Reminder::Stale { sent: 3 }
    );
    // Not held by the ISV: never idle.
    assert_eq!(
        rule.reminder(
            ReviewState::QaTesting,
            since,
            &[],
            t("2027-01-30T09:00:00Z")
        ),
        Reminder::NotIdle
    );
}

fn remind(sb: &Sandbox, extra: &[&str]) -> (bool, Value) {
    let mut args = vec!["remind", "--queue-only", "--format", "json"];
    args.extend_from_slice(extra);
    let out = sb.run(&args);
    let (stdout, stderr) = text(&out);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (out.status.success(), v)
}

fn outbox(sb: &Sandbox) -> Vec<Value> {
    serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap()
}

#[test]
fn remind_queues_one_threaded_reminder_per_idle_item_and_never_twice() {
    let sb = Sandbox::new();
    let now = common::now();
    let month_ago = now - SignedDuration::from_hours(24 * 30);
    sb.import_values(&[
        at_isv("R-IDLE", month_ago, Some("okta-escalations@isv.example")),
        at_isv("R-NOADDR", month_ago, None),
        at_isv(
            "R-FRESH",
            now - SignedDuration::from_hours(1),
            Some("okta@fresh.example"),
        ),
    ]);
    // The issue list went out when it moved; the reminder threads under it.
    sb.ok(&["mail", "send", "R-IDLE", "--queue-only"]);
    let issue_list = outbox(&sb)[0]["message_id"].as_str().unwrap().to_string();

    let (_, dry) = remind(&sb, &["--dry-run"]);
    assert_eq!(ids(dry["queued"].as_array().unwrap()), ["R-IDLE"]);
    assert_eq!(outbox(&sb).len(), 1, "a dry run queues nothing");

    let (ok, first) = remind(&sb, &[]);
    // R-NOADDR cannot be reminded: the run says why and exits 1.
    assert!(!ok);
    let queued = first["queued"].as_array().unwrap();
    assert_eq!(ids(queued), ["R-IDLE"]);
    assert_eq!(queued[0]["reminder"], 1);
    assert_eq!(queued[0]["of"], 3);
    assert_eq!(queued[0]["to"], json!(["okta-escalations@isv.example"]));
    let refused = first["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{first}");
    assert_eq!(refused[0]["id"], "R-NOADDR");
    assert!(
        refused[0]["reason"]
            .as_str()
            .unwrap()
            .contains("escalation"),
        "{first}"
    );
    let reminders: Vec<Value> = outbox(&sb)
        .into_iter()
        .filter(|e| e["kind"] == "reminder")
        .collect();
    assert_eq!(reminders.len(), 1);

    // At once again: reminded less than an idle period ago, nothing more.
    let (_, second) = remind(&sb, &[]);
    assert!(second["queued"].as_array().unwrap().is_empty(), "{second}");
    assert_eq!(ids(second["waiting"].as_array().unwrap()), ["R-IDLE"]);
    assert_eq!(
        outbox(&sb)
            .iter()
            .filter(|e| e["kind"] == "reminder")
            .count(),
        1
    );

    // Delivered: threaded under the issue list, to the escalation contact, no password.
    sb.ok(&["outbox", "flush"]);
    let dir = sb.path("data/oin-review/outbox-files");
    let eml = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|m| m.contains("reminder: waiting for your"))
        .expect("the reminder's .eml");
    assert!(eml.contains(&format!("In-Reply-To: {issue_list}")), "{eml}");
    assert!(eml.contains("To: okta-escalations@isv.example"), "{eml}");
    assert!(
        !eml.contains("pw-R-IDLE"),
        "the test password never appears"
    );
    let plain = eml.replace("=\r\n", "").replace("=\n", "");
    assert!(
        plain.contains("It has been waiting for your changes since"),
        "{plain}"
    );
}

#[test]
fn after_the_policy_s_reminders_the_item_is_stale_for_the_lead() {
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/policy.toml",
        "[reminders]\nstale_after_reminders = 1\n",
    );
    let month_ago = common::now() - SignedDuration::from_hours(24 * 30);
    sb.import_values(&[at_isv("R-STALE", month_ago, Some("okta@stale.example"))]);
    let (ok, first) = remind(&sb, &[]);
    assert!(ok, "{first}");
    assert_eq!(ids(first["queued"].as_array().unwrap()), ["R-STALE"]);
    let (ok, second) = remind(&sb, &[]);
    assert!(ok, "stale is for the lead, not an error: {second}");
    assert!(second["queued"].as_array().unwrap().is_empty());
    let stale = second["stale"].as_array().unwrap();
    assert_eq!(ids(stale), ["R-STALE"]);
    assert_eq!(stale[0]["reminders"], 1);
    let out = sb.ok(&["remind", "--dry-run"]);
    assert!(
        out.contains("STALE  R-STALE") && out.contains("1 reminders sent, no more will be"),
        "{out}"
    );
    // Nothing is closed: it is still with the ISV.
    let shown: Value =
        serde_json::from_str(&sb.ok(&["show", "R-STALE", "--format", "json"])).unwrap();
    assert_eq!(shown["state"], "isv_review");

    sb.write(
        "config/oin-review/policy.toml",
        "[reminders]\nisv_idle_business_days = 0\n",
    );
    let out = sb.run(&["remind", "--dry-run"]);
    let (_, err) = text(&out);
    assert!(
        !out.status.success()
            && err.contains("line 2: reminders.isv_idle_business_days: must be at least 1"),
        "{err}"
    );
}

#[test]
fn two_analysts_reminding_at_once_send_each_reminder_once() {
    let sb = Sandbox::new();
    let month_ago = common::now() - SignedDuration::from_hours(24 * 30);
    let subs: Vec<Value> = (0..30)
        .map(|i| at_isv(&format!("R-{i:03}"), month_ago, Some("okta@race.example")))
        .collect();
    sb.import_values(&subs);
    let runs: Vec<std::process::Child> = (0..2)
        .map(|_| {
            sb.cmd()
                .args(["remind", "--queue-only", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut queued = 0;
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        let v: Value = serde_json::from_str(&stdout).unwrap();
        queued += v["queued"].as_array().unwrap().len();
    }
    assert_eq!(queued, 30);
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    let most: i64 = c
        .query_row(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM outbox WHERE kind = 'reminder' GROUP BY submission_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(most, 1);
}

#[test]
fn switched_off_reminders_are_said_and_not_sent() {
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        "[mail.emails]\nreminder = false\n",
    );
    let month_ago = common::now() - SignedDuration::from_hours(24 * 30);
    sb.import_values(&[at_isv("R-OFF", month_ago, Some("okta@off.example"))]);
    let (ok, v) = remind(&sb, &[]);
    assert!(!ok);
    assert!(v["queued"].as_array().unwrap().is_empty());
    assert!(
        v["refused"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("[mail.emails] reminder = false"),
        "{v}"
    );
}

#[test]
fn the_console_marks_idle_items_and_remind_previews_then_queues_the_reminders() {
    use common::tmux::Tmux;
    use std::time::Duration;
    let wait = Duration::from_secs(10);
    let sb = Sandbox::new();
    let month_ago = common::now() - SignedDuration::from_hours(24 * 30);
    sb.import_values(&[
        at_isv("R-CON", month_ago, Some("okta@console.example")),
        at_isv(
            "R-NEW",
            common::now() - SignedDuration::from_hours(2),
            Some("okta@new.example"),
        ),
    ]);
    let t = Tmux::start(&sb, "remind", &[], &[], 130, 30);
    t.wait_for("Needs OIN", wait);
    t.keys(&["2"]);
    let s = t.wait_for("R-NEW", wait);
    assert!(s.contains("ISV to review 2 (~1 idle)"), "{s}");
    // The queue's rows, left of the side pane (whose title names the selected item).
    let row = |id: &str| {
        s.lines()
            .map(|l| l.split('│').next().unwrap_or(l))
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("no queue row for {id}: {s}"))
            .to_string()
    };
    let marked = row("R-CON");
    assert!(marked.contains("~R-CON"), "the idle mark: {marked}");
    let fresh = row("R-NEW");
    assert!(!fresh.contains("~R-NEW"), "{fresh}");
    t.keys(&[":"]);
    t.literal("remind");
    t.keys(&["Enter"]);
    let s = t.wait_for("reminders preview", wait);
    assert!(s.contains("queue 1 reminder(s)"), "{s}");
    assert!(s.contains("To: okta@console.example"), "{s}");
    t.keys(&["y"]);
    // Queued, then delivered by the console's mailer (whose message may come first).
    t.wait_until(
        "the reminder queued",
        |s| s.contains("queued 1 reminder(s)") || s.contains("mail: 1 sent"),
        wait,
    );
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", wait);
    let reminders: Vec<Value> = outbox(&sb)
        .into_iter()
        .filter(|e| e["kind"] == "reminder")
        .collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0]["submission_id"], "R-CON");
}

#[test]
fn a_second_reminder_says_which_it_is_and_counts_only_this_stay() {
    use oin_review::domain::notice::{EmailKind, notice};
    use oin_review::domain::{EmailRecord, OutboxStatus, QueueFacts, Review, Submission};
    let policy = common::builtin_policy();
    let since: Timestamp = "2026-11-02T00:00:00Z".parse().unwrap();
    let now: Timestamp = "2026-12-10T09:00:00Z".parse().unwrap();
    let mut sub: Submission =
        serde_json::from_value(at_isv("R-TWO", since, Some("okta@two.example"))).unwrap();
    let sent = |id: i64, at: &str| EmailRecord {
        id,
        submission_id: "R-TWO".into(),
        kind: EmailKind::Reminder,
        message_id: format!("<r{id}@okta.example>"),
        recipients: vec!["okta@two.example".into()],
        subject: "reminder".into(),
        status: OutboxStatus::Sent,
        attempts: 1,
        queued_at: at.parse().unwrap(),
        next_attempt_at: at.parse().unwrap(),
        sent_at: Some(at.parse().unwrap()),
        last_error: None,
        server_reply: None,
        analyst: "asha".into(),
        claimed_at: None,
        cancelled_at: None,
        cancelled_by: None,
        held_until: None,
        bounce: None,
    };
    // One from an earlier stay (before 11-02), one of this stay.
    sub.emails = vec![
        sent(1, "2026-10-01T09:00:00Z"),
        sent(2, "2026-11-17T09:00:00Z"),
    ];
    let review = Review::of(&sub, &policy, &QueueFacts::default(), now);
    let n = notice(
        &sub,
        EmailKind::Reminder,
        &review.issues,
        &review.assessment,
        &policy,
        now,
    )
    .unwrap();
    assert_eq!(n.reminder, Some(2));
    assert_eq!(n.waiting_since, Some("2026-11-02".parse().unwrap()));
    // 11-02 to 12-10 09:00: November's 21 weekdays less Veterans Day and Thanksgiving, 19;
    // Dec 1-4 and 7-9, 7 more: 26 business days, and 9 hours.
    assert_eq!(n.waiting.as_deref(), Some("26 business days and 9 hours"));
    let templates = oin_review::mail::Templates::from_dir(None).unwrap();
    let c = oin_review::mail::compose(&sub, &n, &[], now, &Default::default(), &templates).unwrap();
    assert!(
        c.plain.contains("This is reminder 2 about App R-TWO"),
        "{}",
        c.plain
    );
    assert!(
        c.plain.contains("since Monday, November 2, 2026"),
        "{}",
        c.plain
    );
}
