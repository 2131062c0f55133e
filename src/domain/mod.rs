//! Pure review rules: submissions, states and their moves. No IO, no clock reads.

pub mod state;
pub mod submission;

pub use state::{MoveRefusal, ReviewState, WizardGroup, check_move};
pub use submission::{
    ContactKind, EventKind, IntegrationVariable, Logo, Protocol, ScimEvidence, Secret, SsoSettings,
    StateChange, Submission, SubmissionPath, SupportContact, TestAccount,
};
