//! Plan, then commit (issue 25): what the workflow plans is what it commits, item by item,
//! pinned to ids and row versions; a change since the plan is refused with who made it,
//! never replaced. Driven through the workflow the CLI and the console both call, on a real
//! queue of the sample submissions.

mod common;

use oin_review::config::EmailSwitches;
use oin_review::domain::ReviewState;
use oin_review::workflow::{MoveAsk, MoveItem, MoveRefused};

fn now() -> jiff::Timestamp {
    common::now()
}

fn ask(ids: &[&str], to: ReviewState) -> MoveAsk {
    MoveAsk::new(ids.iter().map(|id| MoveItem::new(*id)).collect(), to)
}

#[test]
fn a_commit_refuses_an_item_changed_since_its_plan_and_names_who_changed_it() {
    let (sb, mut ben) = common::sample_workflow(EmailSwitches::default());
    let plan = ben
        .plan(
            &ask(&["OIN-2026-0116"], ReviewState::IsvReview),
            "ben",
            now(),
        )
        .unwrap();
    assert_eq!(plan.going().count(), 1);
    assert_eq!(
        plan.items[0].item.expected_version,
        Some(1),
        "pinned as read"
    );
    // A colleague moves it between the plan and the commit.
    let mut carla = common::workflow_with(&sb, EmailSwitches::default());
    let theirs = carla
        .plan(
            &ask(&["OIN-2026-0116"], ReviewState::IsvFixBugs),
            "carla",
            now(),
        )
        .unwrap();
    assert!(
        theirs.going().next().is_none(),
        "initial review cannot go to fix bugs"
    );
    let theirs = carla
        .plan(
            &ask(&["OIN-2026-0116"], ReviewState::QaTesting),
            "carla",
            now(),
        )
        .unwrap();
    assert!(matches!(
        theirs.items[0].result,
        Err(MoveRefused::Blocked(_))
    ));
    let theirs = carla
        .plan(
            &MoveAsk {
                reason: Some("asked by phone".into()),
                ..ask(&["OIN-2026-0116"], ReviewState::Draft)
            },
            "carla",
            now(),
        )
        .unwrap();
    assert!(
        matches!(theirs.items[0].result, Err(MoveRefused::Rule(_))),
        "a correction needs force"
    );
    let theirs = carla
        .plan(
            &ask(&["OIN-2026-0116"], ReviewState::IsvReview),
            "carla",
            now(),
        )
        .unwrap();
    carla.commit(&theirs, "carla", now()).unwrap();
    // Ben's commit is refused for that item, naming carla; nothing of his is written.
    let done = ben.commit(&plan, "ben", now()).unwrap();
    match &done.outcomes[0].result {
        Err(MoveRefused::Conflict { by, state, .. }) => {
            assert_eq!(by, "carla");
            assert_eq!(*state, ReviewState::IsvReview);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        done.outcomes[0]
            .result
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("changed by carla at "),
        "{:?}",
        done.outcomes[0]
    );
    let shown: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["by"], "carla", "{last}");
    // A plan made now sees carla's move.
    let again = ben
        .plan(
            &MoveAsk::new(plan.pinned(), ReviewState::IsvReview),
            "ben",
            now(),
        )
        .unwrap();
    assert!(matches!(
        again.items[0].result,
        Err(MoveRefused::Conflict { .. })
    ));
}

#[test]
fn a_move_without_email_composes_nothing_and_one_with_email_names_each_recipient() {
    let (_sb, wf) = common::sample_workflow(EmailSwitches::default());
    let without = wf
        .plan(
            &ask(&["OIN-2026-0116", "OIN-2026-0131"], ReviewState::IsvReview),
            "ben",
            now(),
        )
        .unwrap();
    assert_eq!(without.going().count(), 2);
    assert!(without.items.iter().all(|i| i.email.is_none()));
    assert_eq!(without.kind, None);
    let with = wf
        .plan(
            &MoveAsk {
                email: true,
                ..ask(&["OIN-2026-0116", "OIN-2026-0131"], ReviewState::IsvReview)
            },
            "ben",
            now(),
        )
        .unwrap();
    let to: Vec<(String, Vec<String>)> = with
        .emails()
        .map(|c| (c.submission_id.clone(), c.to.clone()))
        .collect();
    assert_eq!(
        to,
        [
            (
                "OIN-2026-0116".to_string(),
                vec!["okta-escalations@coho.example".to_string()]
            ),
            (
                "OIN-2026-0131".to_string(),
                vec!["okta-escalations@contoso.example".to_string()]
            )
        ]
    );
    // 0131 is ben's own claim; carla would be told it is his.
    let carla = wf
        .plan(
            &ask(&["OIN-2026-0131"], ReviewState::IsvReview),
            "carla",
            now(),
        )
        .unwrap();
    assert_eq!(
        carla.claimed(),
        [("ben".to_string(), vec!["OIN-2026-0131".to_string()])]
    );
}

#[test]
fn the_gate_is_decided_in_the_plan_and_an_override_commits_with_its_blockers() {
    // 000:84 "If QA testing is successful, your integration is automatically published":
    // open blockers stop passing initial review.
    let (sb, mut wf) = common::sample_workflow(EmailSwitches::default());
    let stopped = wf
        .plan(
            &ask(&["OIN-2026-0116"], ReviewState::QaTesting),
            "ben",
            now(),
        )
        .unwrap();
    let gated = stopped.gated();
    assert_eq!(gated.len(), 1);
    let keys: Vec<&str> = gated[0].1.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "docs.config_doc_missing",
            "tests.not_valid_at_submission",
            "tenancy.not_multi_tenant"
        ]
    );
    let done = wf.commit(&stopped, "ben", now()).unwrap();
    assert!(matches!(
        done.outcomes[0].result,
        Err(MoveRefused::Blocked(_))
    ));
    let forced = wf
        .plan(
            &MoveAsk {
                force: true,
                reason: Some("lead approved".into()),
                ..ask(&["OIN-2026-0116"], ReviewState::QaTesting)
            },
            "ben",
            now(),
        )
        .unwrap();
    assert_eq!(forced.overrides().len(), 1);
    let done = wf.commit(&forced, "ben", now()).unwrap();
    assert!(done.outcomes[0].result.as_ref().unwrap().forced);
    let shown: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    let overrode: Vec<&str> = last["overrode"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().or(b.as_str()).unwrap())
        .collect();
    assert_eq!(overrode, keys, "{last}");
}

#[test]
fn all_or_nothing_is_decided_in_the_plan_and_nothing_is_written() {
    let (sb, mut wf) = common::sample_workflow(EmailSwitches::default());
    let before = sb.ok(&["list", "--format", "json"]);
    let plan = wf
        .plan(
            &MoveAsk {
                all_or_nothing: true,
                // 0116 is in initial review; 0101 is a draft, which cannot go to ISV review.
                ..ask(&["OIN-2026-0116", "OIN-2026-0101"], ReviewState::IsvReview)
            },
            "ben",
            now(),
        )
        .unwrap();
    assert_eq!(plan.going().count(), 0);
    assert_eq!(
        plan.items[0].result,
        Err(MoveRefused::NotApplied(1)),
        "the one that could move is held back"
    );
    let done = wf.commit(&plan, "ben", now()).unwrap();
    assert!(done.outcomes.iter().all(|o| o.result.is_err()));
    assert_eq!(sb.ok(&["list", "--format", "json"]), before);
}

#[test]
fn the_cli_moves_through_a_plan_says_no_email_went_and_a_dry_run_changes_nothing() {
    let sb = common::Sandbox::new();
    sb.import_samples();
    // --dry-run prints the plan and changes nothing.
    let out = sb.run(&[
        "move",
        "--to",
        "isv_review",
        "--dry-run",
        "OIN-2026-0116",
        "OIN-2026-0101",
    ]);
    let (stdout, _) = common::text(&out);
    assert!(
        stdout.contains("OIN-2026-0116  moved    initial_review -> isv_review"),
        "{stdout}"
    );
    assert!(stdout.contains("OIN-2026-0101  refused  "), "{stdout}");
    assert!(
        stdout.contains("1 moved to isv_review, 1 refused; no email sent (add --email to send the issue list email)"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run:"), "{stdout}");
    let shown: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    assert_eq!(
        shown["state"], "initial_review",
        "the dry run changed nothing"
    );
}

#[test]
fn an_undo_after_delivery_names_the_email_and_mail_correct_sends_a_threaded_correction() {
    use mail_parser::MessageParser;
    let sb = common::Sandbox::new();
    sb.import_samples();
    sb.ok(&["move", "--to", "isv_review", "--email", "OIN-2026-0131"]);
    let flushed = sb.ok(&["outbox", "flush"]);
    assert!(flushed.contains("1 sent"), "{flushed}");
    // The undo names the email that went, and how to correct it.
    let undo = sb.ok(&["undo"]);
    assert!(
        undo.contains("OIN-2026-0131  email 1 was already sent: the ISV was told on Fri 2026-12-04 11:00 UTC that it is in ISV needs to review"),
        "{undo}"
    );
    assert!(
        undo.contains("`oin-review mail correct OIN-2026-0131` sends a correction email"),
        "{undo}"
    );
    let sent = sb.ok(&["mail", "correct", "OIN-2026-0131"]);
    assert!(
        sent.contains("email 2  queued    correction to okta-escalations@contoso.example"),
        "{sent}"
    );
    assert!(sent.contains("1 sent"), "{sent}");
    let dir = sb.path("data/oin-review/outbox-files");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let first_bytes = std::fs::read(&files[0]).unwrap();
    let second_bytes = std::fs::read(&files[1]).unwrap();
    let (first, second) = {
        let p = MessageParser::default();
        (
            p.parse(&first_bytes).unwrap(),
            p.parse(&second_bytes).unwrap(),
        )
    };
    let (told, correction) = if first.subject().unwrap_or_default().contains("correction") {
        (second, first)
    } else {
        (first, second)
    };
    assert_eq!(
        correction.subject().unwrap(),
        "[OIN] Contoso HR (OIN-2026-0131): correction: back in OIN to review"
    );
    let told_id = told.message_id().unwrap().to_string();
    assert_eq!(
        correction.in_reply_to().as_text_list().unwrap_or_default(),
        vec![told_id.as_str()],
        "threaded with the email it corrects"
    );
    let body = correction.body_text(0).unwrap().to_string();
    assert!(
        body.contains(&format!("\"{}\"", told.subject().unwrap())),
        "{body}"
    );
    assert!(
        // In the Wizard's own words: 0131 was submitted through the OIN Wizard.
        body.contains("said that the submission is in \"ISV to review\"."),
        "{body}"
    );
    assert!(body.contains("in \"OIN to review\" again."), "{body}");
    // Once corrected, there is nothing left to correct.
    let again = sb.run(&["mail", "correct", "OIN-2026-0131"]);
    let (out, _) = common::text(&again);
    assert!(!again.status.success());
    assert!(
        out.contains("OIN-2026-0131  no correction: nothing to correct"),
        "{out}"
    );
}

#[test]
fn an_undo_is_planned_then_commits_only_the_batch_it_showed() {
    let (_sb, mut wf) = common::sample_workflow(EmailSwitches::default());
    let first = wf
        .plan(
            &ask(&["OIN-2026-0116"], ReviewState::IsvReview),
            "ben",
            now(),
        )
        .unwrap();
    wf.commit(&first, "ben", now()).unwrap();
    // The plan rehearses the undo and changes nothing.
    let plan = wf.plan_undo("ben", now()).unwrap();
    assert_eq!(plan.outcomes.len(), 1);
    assert_eq!(plan.outcomes[0].result, Ok(ReviewState::InitialReview));
    assert_eq!(
        wf.submission("OIN-2026-0116").unwrap().state,
        ReviewState::IsvReview,
        "a plan changes nothing"
    );
    // Another batch of ben's (another console of his) lands before y: nothing is undone.
    let second = wf
        .plan(
            &ask(&["OIN-2026-0131"], ReviewState::IsvReview),
            "ben",
            now(),
        )
        .unwrap();
    wf.commit(&second, "ben", now()).unwrap();
    let done = wf.commit_undo(&plan, "ben", now()).unwrap();
    assert!(done.batch.is_none() && done.newer.is_some(), "{done:?}");
    assert_eq!(
        wf.submission("OIN-2026-0116").unwrap().state,
        ReviewState::IsvReview
    );
    assert_eq!(
        wf.submission("OIN-2026-0131").unwrap().state,
        ReviewState::IsvReview
    );
    // Planned again, it is the newer batch that goes back.
    let plan = wf.plan_undo("ben", now()).unwrap();
    let done = wf.commit_undo(&plan, "ben", now()).unwrap();
    assert_eq!(done.outcomes[0].id, "OIN-2026-0131");
    assert_eq!(
        wf.submission("OIN-2026-0131").unwrap().state,
        ReviewState::InitialReview
    );
}
