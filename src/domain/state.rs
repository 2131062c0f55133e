//! Review states of an OIN submission, their two vocabularies and the allowed moves.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The fine-grained state the OIN Manager shows; the console stores this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Draft,
    InitialReview,
    IsvReview,
    QaTesting,
    IsvFixBugs,
    FinalReview,
    Published,
}

/// The coarse group the OIN Wizard shows for a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WizardGroup {
    Draft,
    OinToReview,
    IsvToReview,
    Published,
}

/// Who holds the next move of a submission in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Isv,
    Oin,
    Nobody,
}

impl ReviewState {
    pub const ALL: [ReviewState; 7] = [
        ReviewState::Draft,
        ReviewState::InitialReview,
        ReviewState::IsvReview,
        ReviewState::QaTesting,
        ReviewState::IsvFixBugs,
        ReviewState::FinalReview,
        ReviewState::Published,
    ];

    /// The key used in files, JSON output and the database.
    pub fn key(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::InitialReview => "initial_review",
            ReviewState::IsvReview => "isv_review",
            ReviewState::QaTesting => "qa_testing",
            ReviewState::IsvFixBugs => "isv_fix_bugs",
            ReviewState::FinalReview => "final_review",
            ReviewState::Published => "published",
        }
    }

    /// The OIN Manager's name (000:81: a draft is "Draft—ISV new" in the OIN Manager and
    /// "Draft" in the OIN Wizard).
    pub fn manager_name(self) -> &'static str {
        match self {
            ReviewState::Draft => "Draft—ISV new",
            ReviewState::InitialReview => "To be reviewed by Okta",
            ReviewState::IsvReview => "ISV needs to review",
            ReviewState::QaTesting => "To be QA tested by Okta",
            ReviewState::IsvFixBugs => "ISV needs to fix bugs",
            ReviewState::FinalReview => "Final Review",
            ReviewState::Published => "Published",
        }
    }

    /// A short label that fits narrow table columns.
    pub fn short_label(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::InitialReview => "init review",
            ReviewState::IsvReview => "ISV review",
            ReviewState::QaTesting => "QA testing",
            ReviewState::IsvFixBugs => "ISV fix bugs",
            ReviewState::FinalReview => "final review",
            ReviewState::Published => "published",
        }
    }

    pub fn wizard_group(self) -> WizardGroup {
        match self {
            ReviewState::Draft => WizardGroup::Draft,
            ReviewState::InitialReview | ReviewState::QaTesting | ReviewState::FinalReview => {
                WizardGroup::OinToReview
            }
            ReviewState::IsvReview | ReviewState::IsvFixBugs => WizardGroup::IsvToReview,
            ReviewState::Published => WizardGroup::Published,
        }
    }

    /// Who has the next move in the review. A draft is held by no one: it "hasn't been
    /// submitted yet" and "the OIN team doesn't review draft integrations" (000:81), and
    /// the ISV owes the review nothing; nor is a published integration held. So `holder:isv`
    /// and the With ISV tab are the items waiting on the ISV (ISV needs to review, to fix
    /// bugs), the same ones the header counts as "ISV to review".
    pub fn holder(self) -> Holder {
        match self.wizard_group() {
            WizardGroup::IsvToReview => Holder::Isv,
            WizardGroup::OinToReview => Holder::Oin,
            WizardGroup::Draft | WizardGroup::Published => Holder::Nobody,
        }
    }

    /// The normal moves out of this state (DOMAIN.md); anything else is a correction.
    /// `isv_fix_bugs -> qa_testing` is a fix that needed no Wizard edits (004: "inform the
    /// OIN team of your fix so that they can continue QA testing").
    pub fn allowed_next(self) -> &'static [ReviewState] {
        use ReviewState::*;
        match self {
            Draft => &[InitialReview],
            InitialReview => &[IsvReview, QaTesting],
            IsvReview => &[InitialReview],
            QaTesting => &[IsvFixBugs, Published],
            IsvFixBugs => &[FinalReview, QaTesting],
            FinalReview => &[Published, IsvFixBugs],
            // Editing a published integration makes a new version, a submission of its own
            // linked to this one (`new-version`); this one stays published until then.
            Published => &[],
        }
    }

    pub fn can_move_to(self, to: ReviewState) -> bool {
        self.allowed_next().contains(&to)
    }

    /// The move that hands an issue list to the ISV from this state, pausing OIN's clock:
    /// initial review to "ISV needs to review", QA (or final review) to "ISV needs to fix
    /// bugs". None where OIN does not hold the item.
    pub fn issue_list_move(self) -> Option<ReviewState> {
        match self {
            ReviewState::InitialReview => Some(ReviewState::IsvReview),
            ReviewState::QaTesting | ReviewState::FinalReview => Some(ReviewState::IsvFixBugs),
            _ => None,
        }
    }

    /// States the ISV holds after OIN's review found problems (the issue-list states).
    pub fn is_with_isv_for_fixes(self) -> bool {
        matches!(self, ReviewState::IsvReview | ReviewState::IsvFixBugs)
    }

    /// A state as an analyst may type it: its key, the console's short label ("QA
    /// testing", "init review") or the OIN Manager's name ("To be QA tested by Okta"), in
    /// any case, with spaces, hyphens or underscores. An OIN Wizard group names several
    /// states and is refused with them.
    pub fn from_words(s: &str) -> Result<ReviewState, String> {
        fn norm(s: &str) -> String {
            s.trim()
                .to_lowercase()
                .split(|c: char| c.is_whitespace() || matches!(c, '_' | '-' | '—'))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("_")
        }
        let typed = norm(s);
        // "isv" (the workload's ISV column, the header's ISV count) could be either of the
        // ISV's states: it is asked to be named.
        if typed == "isv" {
            return Err(format!(
                "\"{}\" could be isv_review or isv_fix_bugs: name one",
                s.trim()
            ));
        }
        if let Some(st) = ReviewState::ALL.into_iter().find(|st| {
            [
                st.key(),
                st.short_label(),
                st.manager_name(),
                st.column_label(),
            ]
            .iter()
            .any(|name| norm(name) == typed)
        }) {
            return Ok(st);
        }
        let group: Vec<&str> = ReviewState::ALL
            .into_iter()
            .filter(|st| norm(st.wizard_group().name()) == typed)
            .map(|st| st.key())
            .collect();
        if group.len() > 1 {
            return Err(format!(
                "\"{}\" is an OIN Wizard group of {} states ({}): name one",
                s.trim(),
                group.len(),
                group.join(", ")
            ));
        }
        Err(format!(
            "no state {s:?}; use one of {} (or a name the console or the OIN Manager shows, such as \"QA testing\")",
            ReviewState::keys_list()
        ))
    }

    /// The state's column in the workload table (`DRAFT INIT ISV QA FIX FINAL`), in one
    /// word; published, never counted there, is `PUB` as in the 80-column header.
    pub const fn column_label(self) -> &'static str {
        match self {
            ReviewState::Draft => "DRAFT",
            ReviewState::InitialReview => "INIT",
            ReviewState::IsvReview => "ISV",
            ReviewState::QaTesting => "QA",
            ReviewState::IsvFixBugs => "FIX",
            ReviewState::FinalReview => "FINAL",
            ReviewState::Published => "PUB",
        }
    }

    pub fn keys_list() -> String {
        Self::ALL
            .iter()
            .map(|s| s.key())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl WizardGroup {
    pub fn name(self) -> &'static str {
        match self {
            WizardGroup::Draft => "Draft",
            WizardGroup::OinToReview => "OIN to review",
            WizardGroup::IsvToReview => "ISV to review",
            WizardGroup::Published => "Published",
        }
    }
}

impl fmt::Display for ReviewState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The error of parsing a state key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown state \"{given}\"; expected one of {}",
    ReviewState::keys_list()
)]
pub struct UnknownState {
    pub given: String,
}

impl FromStr for ReviewState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReviewState::ALL
            .into_iter()
            .find(|st| st.key() == s)
            .ok_or_else(|| UnknownState {
                given: s.to_string(),
            })
    }
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefusal {
    #[error("already in {0}")]
    AlreadyThere(ReviewState),
    #[error("{from} -> {to} is not an allowed move (from {from}: {allowed}); a correction needs --force with --reason", allowed = allowed_list(*.from))]
    NotAllowed { from: ReviewState, to: ReviewState },
    #[error("a forced move needs a reason (--reason TEXT)")]
    ForceWithoutReason,
    /// 001: "The new version replaces the old one in the OIN catalog": the published one is
    /// not moved back; its edit is a new submission.
    #[error(
        "a published integration is edited as a new version, a draft linked to it that replaces it once published: `oin-review new-version ID` (a correction back to draft needs --force with --reason)"
    )]
    EditAsNewVersion,
}

fn allowed_list(from: ReviewState) -> String {
    from.allowed_next()
        .iter()
        .map(|s| s.key())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides whether `from -> to` may happen. Returns whether the move is a forced correction.
pub fn check_move(
    from: ReviewState,
    to: ReviewState,
    force: bool,
    reason: Option<&str>,
) -> Result<bool, MoveRefusal> {
    if from == to {
        return Err(MoveRefusal::AlreadyThere(to));
    }
    if from.can_move_to(to) {
        return Ok(false);
    }
    if !force {
        if (from, to) == (ReviewState::Published, ReviewState::Draft) {
            return Err(MoveRefusal::EditAsNewVersion);
        }
        return Err(MoveRefusal::NotAllowed { from, to });
    }
    match reason {
        Some(r) if !r.trim().is_empty() => Ok(true),
        _ => Err(MoveRefusal::ForceWithoutReason),
    }
}

/// One submission an action is for, with the row version the analyst saw (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveItem {
    pub id: String,
    /// When set, the action is refused if someone changed the row since this version.
    pub expected_version: Option<i64>,
}

impl MoveItem {
    pub fn new(id: impl Into<String>) -> Self {
        MoveItem {
            id: id.into(),
            expected_version: None,
        }
    }
}

/// A batch move as an analyst asks for it, in the CLI or the console: what the workflow
/// plans, and (once shown) commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveAsk {
    pub items: Vec<MoveItem>,
    pub to: ReviewState,
    pub reason: Option<String>,
    /// A correction outside the transition table, or a move past a gate's open blockers;
    /// needs a reason, and the event records what it overrode.
    pub force: bool,
    /// Start the target phase's clock afresh instead of continuing it.
    pub restart_clock: bool,
    /// Refuse the whole batch if any item is refused.
    pub all_or_nothing: bool,
    /// Send each item the email of its new phase, queued with the move (an item whose email
    /// cannot be written is not moved). Without it, nothing is composed.
    pub email: bool,
}

impl MoveAsk {
    pub fn new(items: Vec<MoveItem>, to: ReviewState) -> MoveAsk {
        MoveAsk {
            items,
            to,
            reason: None,
            force: false,
            restart_clock: false,
            all_or_nothing: false,
            email: false,
        }
    }

    /// The reason's text, or why a forced move or a restarted clock cannot go without one.
    pub fn checked_reason(&self) -> Result<Option<&str>, String> {
        let reason = self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if (self.force || self.restart_clock) && reason.is_none() {
            return Err(format!(
                "a {} needs a reason (--reason TEXT), kept in the audit log; nothing was changed",
                if self.force {
                    "forced move"
                } else {
                    "restarted clock"
                }
            ));
        }
        Ok(reason)
    }
}
