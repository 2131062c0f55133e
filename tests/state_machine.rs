//! The review-state transition table of DOMAIN.md, both vocabularies, and forced moves.

use ReviewState::*;
use oin_review::domain::{MoveRefusal, ReviewState, WizardGroup, check_move};

const ALLOWED: &[(ReviewState, ReviewState)] = &[
    (Draft, InitialReview),
    (InitialReview, IsvReview),
    (InitialReview, QaTesting),
    (IsvReview, InitialReview),
    (QaTesting, IsvFixBugs),
    (QaTesting, Published),
    (IsvFixBugs, FinalReview),
    // 004:651 "Sometimes, your fix doesn't include OIN Wizard edits ... inform the OIN team
    // of your fix so that they can continue QA testing".
    (IsvFixBugs, QaTesting),
    (FinalReview, Published),
    (FinalReview, IsvFixBugs),
    // A published integration is edited as a new version, not moved back (001: "The new
    // version replaces the old one in the OIN catalog").
];

#[test]
fn every_allowed_move_passes_and_every_other_is_refused() {
    let mut allowed = 0;
    let mut refused = 0;
    for from in ReviewState::ALL {
        for to in ReviewState::ALL {
            let result = check_move(from, to, false, None);
            if from == to {
                assert_eq!(result, Err(MoveRefusal::AlreadyThere(to)));
            } else if ALLOWED.contains(&(from, to)) {
                assert_eq!(result, Ok(false), "{from} -> {to} should be a normal move");
                allowed += 1;
            } else if (from, to) == (Published, Draft) {
                assert_eq!(result, Err(MoveRefusal::EditAsNewVersion));
                refused += 1;
            } else {
                assert_eq!(
                    result,
                    Err(MoveRefusal::NotAllowed { from, to }),
                    "{from} -> {to} should be refused"
                );
                refused += 1;
            }
        }
    }
    assert_eq!((allowed, refused), (10, 32));
}

#[test]
fn a_correction_needs_force_and_a_reason_and_is_marked_forced() {
    assert_eq!(
        check_move(QaTesting, Draft, true, None),
        Err(MoveRefusal::ForceWithoutReason)
    );
    assert_eq!(
        check_move(QaTesting, Draft, true, Some("  ")),
        Err(MoveRefusal::ForceWithoutReason)
    );
    assert_eq!(
        check_move(QaTesting, Draft, true, Some("ISV withdrew")),
        Ok(true)
    );
    // Forcing a normal move is not a correction.
    assert_eq!(check_move(QaTesting, Published, true, Some("x")), Ok(false));
    // Forcing cannot "move" to the same state.
    assert!(check_move(Draft, Draft, true, Some("x")).is_err());
}

#[test]
fn refusal_message_names_the_allowed_targets() {
    let msg = check_move(Draft, QaTesting, false, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("draft -> qa_testing is not an allowed move"),
        "{msg}"
    );
    assert!(msg.contains("from draft: initial_review"), "{msg}");
    assert!(msg.contains("--force"), "{msg}");
}

#[test]
fn both_vocabularies() {
    // 000:78-87, the table of statuses: "OIN Wizard status | OIN Manager status", its first
    // row "Draft Draft—ISV new".
    let expected = [
        (Draft, "draft", "Draft—ISV new", WizardGroup::Draft),
        (
            InitialReview,
            "initial_review",
            "To be reviewed by Okta",
            WizardGroup::OinToReview,
        ),
        (
            IsvReview,
            "isv_review",
            "ISV needs to review",
            WizardGroup::IsvToReview,
        ),
        (
            QaTesting,
            "qa_testing",
            "To be QA tested by Okta",
            WizardGroup::OinToReview,
        ),
        (
            IsvFixBugs,
            "isv_fix_bugs",
            "ISV needs to fix bugs",
            WizardGroup::IsvToReview,
        ),
        (
            FinalReview,
            "final_review",
            "Final Review",
            WizardGroup::OinToReview,
        ),
        (Published, "published", "Published", WizardGroup::Published),
    ];
    for (state, key, manager, group) in expected {
        assert_eq!(state.key(), key);
        assert_eq!(state.manager_name(), manager);
        assert_eq!(state.wizard_group(), group);
        assert_eq!(key.parse::<ReviewState>(), Ok(state));
    }
    assert_eq!(WizardGroup::OinToReview.name(), "OIN to review");
    let err = "qa".parse::<ReviewState>().unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown state \"qa\"; expected one of draft, initial_review, isv_review, qa_testing, isv_fix_bugs, final_review, published"
    );
}

#[test]
fn every_move_but_back_to_draft_sends_the_email_of_its_phase() {
    // 004:649 "Okta sends you an email at each phase of the process"; 000:74 queued for
    // review; 000:83/85 a list of issues; 000:84/86 QA and final review complete.
    use oin_review::domain::EmailKind;
    let kinds: Vec<_> = ReviewState::ALL
        .into_iter()
        .map(|s| (s, EmailKind::for_move(s)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Draft, None),
            (InitialReview, Some(EmailKind::Received)),
            (IsvReview, Some(EmailKind::Issues)),
            (QaTesting, Some(EmailKind::QaStarted)),
            (IsvFixBugs, Some(EmailKind::Issues)),
            (FinalReview, Some(EmailKind::FinalReview)),
            (Published, Some(EmailKind::Published)),
        ]
    );
}
