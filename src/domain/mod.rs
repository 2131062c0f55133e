//! Pure review rules: submissions, states and their moves, SLA clocks, test freshness.
//! No IO, no clock reads: `now` is always a parameter.

pub mod findings;
pub mod freshness;
pub mod gate;
pub mod inbound;
pub mod lint;
pub mod notes;
pub mod notice;
pub mod outbox;
pub mod policy;
pub mod projection;
pub mod query;
pub mod records;
pub mod reminders;
pub mod report;
pub mod review;
pub mod sla;
pub mod state;
pub mod submission;
pub mod timeline;
pub mod view;

pub use findings::{Issue, IssueEdit, IssueKey, OwnFinding, ReviewNotes, RuleDecision};
pub use freshness::{Freshness, FreshnessPolicy, TestCase, TestOutcome, TestReport, TestRun};
pub use gate::{Blocker, is_gated, open_blockers};
pub use inbound::{MatchedBy, Reply, ReplyAttachment, ReplyKind};
pub use lint::{Finding, LintPolicy, QueueFacts, Severity};
pub use notice::{EmailKind, Notice, NoticeError};
pub use outbox::{EmailRecord, OutboxStatus};
pub use policy::{Assessment, Policy, assess};
pub use projection::{ClockNow, Projection, QueueLine, TestsNow};
pub use review::Review;
pub use sla::{BusinessCalendar, ClockStatus, OnReturn, Phase, SlaClock, SlaPolicy, WorkingHours};
pub use state::{MoveAsk, MoveItem, MoveRefusal, ReviewState, WizardGroup, check_move};
pub use submission::{
    ContactKind, EventKind, IntegrationVariable, Logo, PhasePromise, Protocol, ScimEvidence,
    Secret, SsoSettings, StateChange, Submission, SubmissionPath, SupportContact, TestAccount,
    TestInstance, effective_history,
};
