//! The queue projection: one slim line per submission with the instants its SLA clock and
//! its test evidence turn at, so that the queue's status at a later instant is a comparison
//! and its SLA order is an index. The history stays the source of truth: a line says what
//! [`assess`](super::policy::assess) says, at every instant at or after its last event or
//! test run (`valid_from`); before that, recompute from the history.
//!
//! Business time is counted on one axis, business seconds since [`EPOCH`] (`B(t)`): a
//! running clock with `u` seconds used before its current interval, which began at `s`,
//! has used `u + B(now) - B(s)`. Its deadline, at-risk and warning thresholds are points
//! on that axis, the same for every `now`, and the time left is `deadline - B(now)`.

use super::freshness::{self, Freshness, FreshnessPolicy, TestOutcome};
use super::policy::Policy;
use super::sla::{ClockRuns, ClockStatus, Phase, RunState, SlaPolicy, percent_used};
use super::state::ReviewState;
use super::submission::{
    EventKind, Protocol, StateChange, Submission, SubmissionPath, effective_history,
};
use jiff::Timestamp;

/// Where business time is counted from.
pub const EPOCH: Timestamp = Timestamp::UNIX_EPOCH;

/// Business seconds from [`EPOCH`] to `t`: the axis of every running clock's thresholds.
pub fn business_clock(policy: &SlaPolicy, t: Timestamp) -> i64 {
    policy.calendar.business_seconds(EPOCH, t)
}

/// The current SLA clock of a line (running or paused), as thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockLine {
    pub phase: Phase,
    pub running: bool,
    /// Running: the point of the business axis where the clock runs out (time left is
    /// `key - B(now)`). Paused: the business seconds left. Its SLA order either way.
    pub key: i64,
    /// Running: past this point of the axis the clock is at risk (`i64::MIN`: from the
    /// start; `i64::MAX`: never).
    pub risk_after: i64,
    /// Running: past this point the second warning is due (unless breached).
    pub warn_after: i64,
    /// Paused: whether it had reached the second warning.
    pub paused_warn: bool,
    /// When it runs (or ran) out; null while paused unless it ran out before.
    pub due: Option<Timestamp>,
}

/// A clock's status at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockNow {
    pub phase: Phase,
    pub status: ClockStatus,
    pub left_seconds: i64,
    pub warn_again: bool,
    pub due: Option<Timestamp>,
}

impl From<&super::sla::SlaClock> for ClockNow {
    fn from(c: &super::sla::SlaClock) -> ClockNow {
        ClockNow {
            phase: c.phase,
            status: c.status,
            left_seconds: c.left_seconds,
            warn_again: c.warn_again,
            due: c.due,
        }
    }
}

/// The fewest business seconds used at which a clock of `target` reaches `percent`
/// (with the exact comparison `assess` makes); None when it never does.
fn seconds_at_percent(target: i64, percent: u32) -> Option<i64> {
    let p = percent as f64;
    if target <= 0 {
        return (100.0 >= p).then_some(0);
    }
    let mut u = (percent as i64).saturating_mul(target).saturating_add(99) / 100;
    while u > 0 && percent_used(u - 1, target) >= p {
        u -= 1;
    }
    while percent_used(u, target) < p {
        u += 1;
    }
    Some(u)
}

impl ClockLine {
    /// The current run of `runs` as thresholds, if it runs or waits for the ISV.
    pub fn of(runs: &ClockRuns, policy: &SlaPolicy) -> Option<ClockLine> {
        let run = runs.current()?;
        let target = policy.target(run.phase);
        let due = run.due(policy);
        Some(match (run.state, run.running_since) {
            (RunState::Running, Some(since)) => {
                // used(now) = B(now) - base
                let base = business_clock(policy, since) - run.used_closed;
                let after = |used: Option<i64>| match used {
                    None => i64::MAX,
                    Some(u) if u <= run.used_closed => i64::MIN,
                    // used > u - 1  <=>  B(now) > u - 1 + base
                    Some(u) => u - 1 + base,
                };
                ClockLine {
                    phase: run.phase,
                    running: true,
                    key: target + base,
                    risk_after: after(seconds_at_percent(target, policy.at_risk_percent)),
                    warn_after: after(seconds_at_percent(target, policy.warn_again_percent)),
                    paused_warn: false,
                    due,
                }
            }
            _ => {
                let used = run.used_closed;
                ClockLine {
                    phase: run.phase,
                    running: false,
                    key: target - used,
                    risk_after: i64::MAX,
                    warn_after: i64::MAX,
                    paused_warn: used <= target
                        && percent_used(used, target) >= policy.warn_again_percent as f64,
                    due,
                }
            }
        })
    }

    /// The status when the business axis stands at `b` (see [`business_clock`]).
    pub fn at(&self, b: i64) -> ClockNow {
        if !self.running {
            return ClockNow {
                phase: self.phase,
                status: ClockStatus::Paused,
                left_seconds: self.key,
                warn_again: self.paused_warn,
                due: self.due,
            };
        }
        let breached = b > self.key;
        ClockNow {
            phase: self.phase,
            status: if breached {
                ClockStatus::Breached
            } else if b > self.risk_after {
                ClockStatus::AtRisk
            } else {
                ClockStatus::OnTrack
            },
            left_seconds: self.key - b,
            warn_again: !breached && b > self.warn_after,
            due: self.due,
        }
    }

    /// Where it sorts by urgency: running clocks by deadline, then paused by time left.
    pub fn urgency(&self) -> (u8, i64) {
        (if self.running { 0 } else { 1 }, self.key)
    }
}

/// The test evidence of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TestsLine {
    /// Whether any test is required (SSO protocols).
    pub required: bool,
    pub failed: bool,
    pub missing: bool,
    /// When the first of the passed tests expires (all required tests passed).
    pub expires_at: Option<Timestamp>,
    /// SCIM evidence complete (spec and CRUD results, manual plan): null without SCIM.
    pub scim_complete: Option<bool>,
}

/// The evidence at one instant: what the TESTS cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestsNow {
    pub overall: Option<Freshness>,
    /// Seconds until the soonest test expires, when every required test is valid.
    pub soonest_left: Option<i64>,
    pub scim_complete: Option<bool>,
}

/// Whether the soonest expiry is worth showing: every required test is valid.
fn all_valid(overall: Option<Freshness>) -> bool {
    matches!(overall, Some(Freshness::Fresh | Freshness::Expiring))
}

impl From<&freshness::TestReport> for TestsNow {
    fn from(r: &freshness::TestReport) -> TestsNow {
        TestsNow {
            overall: r.overall,
            soonest_left: r
                .soonest_expiry()
                .and_then(|t| t.left_seconds)
                .filter(|_| all_valid(r.overall)),
            scim_complete: r
                .scim
                .map(|s| s.spec_results && s.crud_results && s.manual_plan_certified),
        }
    }
}

impl TestsLine {
    pub fn of(sub: &Submission, policy: &FreshnessPolicy) -> TestsLine {
        let report = freshness::assess(sub, policy, Timestamp::MAX);
        let latest = |t: &freshness::RequiredTest| t.latest.as_ref().map(|r| r.result);
        TestsLine {
            required: !report.required.is_empty(),
            failed: report
                .required
                .iter()
                .any(|t| latest(t) == Some(TestOutcome::Failed)),
            missing: report.required.iter().any(|t| t.latest.is_none()),
            expires_at: report
                .required
                .iter()
                .filter(|t| latest(t) == Some(TestOutcome::Passed))
                .filter_map(|t| t.expires_at)
                .min(),
            scim_complete: TestsNow::from(&report).scim_complete,
        }
    }

    pub fn at(&self, now: Timestamp, policy: &FreshnessPolicy) -> TestsNow {
        let left = self.expires_at.map(|e| e.duration_since(now).as_secs());
        let overall = if !self.required {
            None
        } else if self.failed {
            Some(Freshness::Failed)
        } else if self.missing {
            Some(Freshness::Missing)
        } else {
            Some(match left {
                Some(l) if l <= 0 => Freshness::Expired,
                Some(l) if l <= policy.expiring_within.as_secs() => Freshness::Expiring,
                _ => Freshness::Fresh,
            })
        };
        TestsNow {
            overall,
            soonest_left: left.filter(|_| all_valid(overall)),
            scim_complete: self.scim_complete,
        }
    }
}

/// What the projection keeps of a submission's history and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub clock: Option<ClockLine>,
    pub tests: TestsLine,
    /// When the item entered its state (undone moves left out).
    pub in_state_since: Option<Timestamp>,
    /// The latest event or test run: the line holds at and after it.
    pub valid_from: Option<Timestamp>,
    /// The latest run of each phase's clock, to carry on from at the next move.
    pub runs: ClockRuns,
}

impl Projection {
    /// From the whole history and evidence of `sub`.
    pub fn of(sub: &Submission, policy: &Policy) -> Projection {
        let runs = ClockRuns::walk(&sub.history, &policy.sla, Timestamp::MAX).latest_per_phase();
        let last_event = sub.history.iter().map(|c| c.at).max();
        let last_run = sub.test_results.iter().map(|r| r.run_at).max();
        Projection {
            clock: ClockLine::of(&runs, &policy.sla),
            tests: TestsLine::of(sub, &policy.freshness),
            in_state_since: effective_history(&sub.history).last().map(|e| e.at),
            valid_from: last_event.max(last_run),
            runs,
        }
    }

    /// The projection after one more move, without reading the history again; None when
    /// only the history can say (an undo, or a move dated before the latest event).
    pub fn after_move(&self, change: &StateChange, policy: &SlaPolicy) -> Option<Projection> {
        if change.kind == EventKind::Undo || self.valid_from.is_some_and(|v| change.at < v) {
            return None;
        }
        let mut runs = self.runs.clone();
        runs.apply(change, policy);
        let runs = runs.latest_per_phase();
        Some(Projection {
            clock: ClockLine::of(&runs, policy),
            tests: self.tests,
            in_state_since: Some(change.at),
            valid_from: Some(change.at),
            runs,
        })
    }
}

/// One submission as the queue lists it: the fields the queue shows and searches, and its
/// projection. The searched text (id, app, ISV, submitter, dev org) is one string.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueLine {
    text: Box<str>,
    /// Byte ranges of id, app, ISV, submitter and dev org in `text` (empty when absent).
    parts: [(u32, u32); 5],
    pub state: ReviewState,
    pub path: SubmissionPath,
    pub protocols: Box<[Protocol]>,
    pub update_of: Option<Box<str>>,
    pub assignee: Option<Box<str>>,
    pub version: i64,
    /// A published version a newer one replaced (`superseded_by`): kept with its history,
    /// no longer counted as published.
    pub superseded: bool,
    /// The published submission this one is a new version of (`versions:` finds them).
    pub supersedes: Option<Box<str>>,
    pub in_state_since: Option<Timestamp>,
    pub valid_from: Option<Timestamp>,
    pub clock: Option<ClockLine>,
    pub tests: TestsLine,
}

/// The fields of a line that are not its projection.
pub struct LineFields<'a> {
    pub id: &'a str,
    pub app_name: &'a str,
    pub isv: &'a str,
    pub submitter_email: Option<&'a str>,
    pub dev_org: Option<&'a str>,
    pub state: ReviewState,
    pub path: SubmissionPath,
    pub protocols: &'a [Protocol],
    pub update_of: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub version: i64,
    pub superseded: bool,
    pub supersedes: Option<&'a str>,
}

impl QueueLine {
    pub fn new(f: LineFields, p: &Projection) -> QueueLine {
        let mut text = String::with_capacity(96);
        let parts = crate::domain::submission::push_search_text(
            &mut text,
            [
                Some(f.id),
                Some(f.app_name),
                Some(f.isv),
                f.submitter_email,
                f.dev_org,
            ],
        );
        QueueLine {
            text: text.into_boxed_str(),
            parts,
            state: f.state,
            path: f.path,
            protocols: f.protocols.into(),
            update_of: f.update_of.map(Into::into),
            assignee: f.assignee.map(Into::into),
            version: f.version,
            superseded: f.superseded,
            supersedes: f.supersedes.map(Into::into),
            in_state_since: p.in_state_since,
            valid_from: p.valid_from,
            clock: p.clock,
            tests: p.tests,
        }
    }

    /// The state as the narrow STATE column says it: "replaced" for a published version a
    /// newer one replaced.
    pub fn state_label(&self) -> &'static str {
        if self.superseded {
            "replaced"
        } else {
            self.state.short_label()
        }
    }

    /// The line of `sub`, projected under `policy`.
    pub fn of(sub: &Submission, policy: &Policy) -> QueueLine {
        QueueLine::new(LineFields::of(sub), &Projection::of(sub, policy))
    }

    fn part(&self, k: usize) -> &str {
        let (a, b) = self.parts[k];
        self.text.get(a as usize..b as usize).unwrap_or_default()
    }
    pub fn id(&self) -> &str {
        self.part(0)
    }
    pub fn app_name(&self) -> &str {
        self.part(1)
    }
    pub fn isv(&self) -> &str {
        self.part(2)
    }
    pub fn submitter_email(&self) -> Option<&str> {
        Some(self.part(3)).filter(|s| !s.is_empty())
    }
    pub fn dev_org(&self) -> Option<&str> {
        Some(self.part(4)).filter(|s| !s.is_empty())
    }
    /// What search matches: `id app isv submitter org`.
    pub fn search_text(&self) -> &str {
        &self.text
    }
    /// The char offset of the app and ISV in the search text (for highlighting).
    pub fn char_offsets(&self) -> [usize; 3] {
        let chars = |k: usize| self.text[..self.parts[k].0 as usize].chars().count();
        [0, chars(1), chars(2)]
    }
    pub fn is_update(&self) -> bool {
        self.update_of.is_some()
    }

    /// The current clock at `now` (the axis point `b = business_clock(now)` computed once
    /// per frame by the caller).
    pub fn clock_at(&self, b: i64) -> Option<ClockNow> {
        self.clock.map(|c| c.at(b))
    }

    pub fn tests_at(&self, now: Timestamp, policy: &FreshnessPolicy) -> TestsNow {
        self.tests.at(now, policy)
    }

    /// Where it sorts by urgency: the same order as [`Assessment::urgency`] at any instant.
    ///
    /// [`Assessment::urgency`]: super::policy::Assessment::urgency
    pub fn urgency(&self) -> (u8, i64) {
        self.clock.map_or((2, 0), |c| c.urgency())
    }

    /// Whether the line holds at `now` (else recompute from the history).
    pub fn holds_at(&self, now: Timestamp) -> bool {
        self.valid_from.is_none_or(|v| v <= now)
    }
}

impl<'a> LineFields<'a> {
    pub fn of(sub: &'a Submission) -> LineFields<'a> {
        LineFields {
            id: &sub.id,
            app_name: &sub.app_name,
            isv: &sub.isv,
            submitter_email: sub.submitter_email.as_deref(),
            dev_org: sub.dev_org.as_deref(),
            state: sub.state,
            path: sub.path,
            protocols: &sub.protocols,
            update_of: sub.update_of.as_deref(),
            assignee: sub.assignee.as_deref(),
            version: sub.version,
            superseded: sub.superseded_by.is_some(),
            supersedes: sub.supersedes.as_deref(),
        }
    }
}

/// A fingerprint of what the projection depends on in the policy (calendar, targets,
/// thresholds, freshness): a changed one means every line is projected again.
pub fn fingerprint(policy: &Policy) -> String {
    let sla = &policy.sla;
    let cal = &sla.calendar;
    let canonical = format!(
        "v1|tz={}|hours={:?}|holidays={:?}|targets={},{},{}|on_return={:?}|risk={}|warn={}|valid={}|expiring={}",
        cal.time_zone()
            .iana_name()
            .map_or_else(|| format!("{:?}", cal.time_zone()), str::to_string),
        cal.hours(),
        cal.holidays(),
        sla.initial_review,
        sla.qa_testing,
        sla.final_review,
        sla.on_return,
        sla.at_risk_percent,
        sla.warn_again_percent,
        policy.freshness.valid_for.as_secs(),
        policy.freshness.expiring_within.as_secs(),
    );
    // FNV-1a: stable across builds and platforms (unlike std's hasher).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in canonical.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
