//! The queue projection against a full recomputation: on random histories, random test
//! runs, random policies and random instants at or after the line's last event, a line
//! says what `assess` says (clock, status, time left, warnings, due, tests), sorts as its
//! assessment does, and carrying a projection on move by move equals projecting afresh.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use oin_review::domain::projection::business_clock;
use oin_review::domain::{
    BusinessCalendar, ClockNow, EventKind, FreshnessPolicy, OnReturn, Policy, Projection,
    QueueLine, ReviewState, SlaPolicy, StateChange, Submission, TestsNow, WorkingHours, assess,
};
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "UTC",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
];

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[derive(Debug, Clone)]
struct PolicySpec {
    zone: &'static str,
    holidays: Vec<Date>,
    hours: WorkingHours,
    targets: [i64; 3],
    on_return: OnReturn,
    risk: u32,
    warn: u32,
    valid_hours: i64,
    expiring_hours: i64,
}

fn arb_policy() -> impl Strategy<Value = PolicySpec> {
    let holidays = prop::collection::vec(0i64..60, 0..8).prop_map(|o| {
        o.into_iter()
            .map(|d| {
                date(2026, 11, 1)
                    .checked_add(jiff::Span::new().days(d))
                    .unwrap()
            })
            .collect::<Vec<_>>()
    });
    let hours = prop_oneof![
        Just(WorkingHours::ALL_DAY),
        Just(WorkingHours {
            open: 9 * 3600,
            close: 17 * 3600
        }),
        (0i64..12, 1i64..12).prop_map(|(o, len)| WorkingHours {
            open: o * 3600,
            close: (o + len) * 3600
        }),
    ];
    (
        prop::sample::select(ZONES),
        holidays,
        hours,
        prop::array::uniform3(1i64..(6 * 8 * 3600)),
        prop_oneof![Just(OnReturn::Resume), Just(OnReturn::Restart)],
        0u32..=100,
        0u32..=100,
        1i64..96,
        0i64..24,
    )
        .prop_map(
            |(zone, holidays, hours, targets, on_return, risk, warn, valid, expiring)| PolicySpec {
                zone,
                holidays,
                hours,
                targets,
                on_return,
                risk,
                warn,
                valid_hours: valid,
                expiring_hours: expiring,
            },
        )
}

fn policy(spec: &PolicySpec) -> Policy {
    let mut p = oin_review::config::policy_from_text(
        std::path::Path::new("policy.toml"),
        oin_review::config::BUILTIN_POLICY,
    )
    .unwrap();
    p.sla = SlaPolicy {
        initial_review: spec.targets[0],
        qa_testing: spec.targets[1],
        final_review: spec.targets[2],
        calendar: BusinessCalendar::new(
            TimeZone::get(spec.zone).unwrap(),
            spec.holidays.iter().copied().collect(),
            spec.hours,
        ),
        on_return: spec.on_return,
        at_risk_percent: spec.risk,
        warn_again_percent: spec.warn,
    };
    p.freshness = FreshnessPolicy {
        valid_for: SignedDuration::from_hours(spec.valid_hours),
        expiring_within: SignedDuration::from_hours(spec.expiring_hours),
    };
    p
}

/// One step of a random history: where to, after how long, and how.
#[derive(Debug, Clone)]
struct Step {
    to: usize,
    gap_minutes: i64,
    forced: bool,
    restart: bool,
    /// Undo the previous move instead (when there is one).
    undo: bool,
}

fn arb_steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            0usize..7,
            0i64..(3 * 24 * 60),
            any::<bool>(),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(to, gap_minutes, forced, restart, undo)| Step {
                to,
                gap_minutes,
                forced,
                restart,
                undo,
            }),
        0..12,
    )
}

/// Test runs: (protocol 0 saml / 1 oidc, case, published version, passed, minutes after start).
type RunSpec = (bool, usize, bool, bool, i64);

fn arb_runs() -> impl Strategy<Value = Vec<RunSpec>> {
    prop::collection::vec(
        (
            any::<bool>(),
            0usize..4,
            any::<bool>(),
            prop::bool::weighted(0.8),
            0i64..(20 * 24 * 60),
        ),
        0..6,
    )
}

/// A submission with a random history, evidence and shape (SSO flows, SCIM, update).
fn submission(
    id: &str,
    steps: &[Step],
    runs: &[RunSpec],
    shape: (u8, bool, bool, bool),
) -> Submission {
    let (flows, scim, update, oidc) = shape;
    let start = ts("2026-11-02T08:17:00Z");
    let mut history: Vec<StateChange> = vec![StateChange {
        from: None,
        to: ReviewState::InitialReview,
        at: start,
        by: "isv".into(),
        reason: None,
        forced: false,
        kind: EventKind::Import,
        restart_clock: false,
        overrode: Vec::new(),
    }];
    let mut at = start;
    for s in steps {
        at += SignedDuration::from_mins(s.gap_minutes);
        let last = history.last().unwrap().clone();
        let change = if let (true, Some(back)) = (s.undo, last.from) {
            StateChange {
                from: Some(last.to),
                to: back,
                at,
                by: "a".into(),
                reason: Some("undo".into()),
                forced: true,
                kind: EventKind::Undo,
                restart_clock: false,
                overrode: Vec::new(),
            }
        } else {
            StateChange {
                from: Some(last.to),
                to: ReviewState::ALL[s.to],
                at,
                by: "a".into(),
                reason: None,
                forced: s.forced,
                kind: EventKind::Move,
                restart_clock: s.restart,
                overrode: Vec::new(),
            }
        };
        history.push(change);
    }
    let state = oin_review::domain::effective_history(&history)
        .last()
        .map_or(ReviewState::Draft, |c| c.to);
    let mut protocols = vec![];
    if flows > 0 || !scim {
        protocols.push(if oidc { "oidc" } else { "saml" });
    }
    if scim {
        protocols.push("scim");
    }
    let json = serde_json::json!([{
        "id": id, "app_name": "App", "isv": "ISV", "path": "wizard",
        "protocols": protocols,
        "update_of": if update { Some("Old App") } else { None },
        "sso": match flows { 0 => serde_json::Value::Null, 1 => serde_json::json!({"idp_flow": true}),
            2 => serde_json::json!({"sp_flow": true}), _ => serde_json::json!({"idp_flow": true, "sp_flow": true, "jit": true}) },
        "scim": if scim { serde_json::json!({"spec_results_url": "https://x.example/r"}) } else { serde_json::Value::Null },
        "state": "initial_review",
        "history": [{"to": "initial_review", "at": "2026-11-02T08:17:00Z", "by": "isv"}],
    }]);
    let mut sub = oin_review::exchange::parse_submissions("t", json.to_string().as_bytes())
        .unwrap()
        .remove(0);
    sub.history = history;
    sub.state = state;
    let cases = ["idp_flow", "sp_flow", "jit_idp", "jit_sp"];
    for (k, (is_oidc, case, published, passed, minutes)) in runs.iter().enumerate() {
        let run = serde_json::json!({
            "instance": format!("i{k}"),
            "instance_version": if *published { "published" } else { "current" },
            "protocol": if *is_oidc { "oidc" } else { "saml" },
            "test_case": cases[*case],
            "result": if *passed { "passed" } else { "failed" },
            "run_at": (start + SignedDuration::from_mins(*minutes)).to_string(),
        });
        sub.test_results
            .push(serde_json::from_value(run).expect("a test run"));
    }
    sub
}

fn arb_shape() -> impl Strategy<Value = (u8, bool, bool, bool)> {
    (0u8..4, any::<bool>(), any::<bool>(), any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_line_says_what_a_full_recomputation_says(
        spec in arb_policy(),
        steps in arb_steps(),
        runs in arb_runs(),
        shape in arb_shape(),
        later_seconds in prop::collection::vec(0i64..(25 * 24 * 3600), 1..6),
        nanos in 0i32..1_000_000_000,
    ) {
        let policy = policy(&spec);
        let sub = submission("S-1", &steps, &runs, shape);
        let line = QueueLine::of(&sub, &policy);
        let from = line.valid_from.unwrap();
        let mut nows: Vec<Timestamp> = later_seconds
            .iter()
            .map(|l| from + SignedDuration::new(*l, nanos))
            .collect();
        // The seconds around each turn of a running clock: at-risk, second warning, due.
        if let Some(c) = assess(&sub, &policy, from).current_clock() {
            let cal = &policy.sla.calendar;
            for p in [spec.risk, spec.warn, 100] {
                let at_percent = c.target_seconds * p as i64 / 100 - c.used_seconds;
                for d in -1..=2 {
                    let t = cal.add_business(from, (at_percent + d).max(0));
                    for s in [-1, 0, 1] {
                        nows.push(t + SignedDuration::new(s, nanos));
                    }
                }
            }
            if let Some(due) = c.due {
                nows.extend([due, due + SignedDuration::from_secs(1), due - SignedDuration::from_secs(1)]);
            }
        }
        // And around each test's expiry.
        for t in assess(&sub, &policy, from).tests.required {
            if let Some(e) = t.expires_at {
                for s in [-1, 0, 1] {
                    nows.push(e + SignedDuration::new(s, nanos));
                    nows.push(e - policy.freshness.expiring_within + SignedDuration::new(s, nanos));
                }
            }
        }
        for now in nows.into_iter().filter(|n| *n >= from) {
            prop_assert!(line.holds_at(now));
            let a = assess(&sub, &policy, now);
            let b = business_clock(&policy.sla, now);
            prop_assert_eq!(line.clock_at(b), a.current_clock().map(ClockNow::from), "at {}", now);
            prop_assert_eq!(line.tests_at(now, &policy.freshness), TestsNow::from(&a.tests), "at {}", now);
        }
    }

    #[test]
    fn a_line_recomputed_for_an_earlier_instant_says_what_assess_says_then(
        spec in arb_policy(),
        steps in arb_steps(),
        runs in arb_runs(),
        shape in arb_shape(),
        minutes in 0i64..(30 * 24 * 60),
    ) {
        let policy = policy(&spec);
        let sub = submission("S-1", &steps, &runs, shape);
        let now = ts("2026-11-02T08:17:00Z") + SignedDuration::from_mins(minutes);
        let line = oin_review::store::line_as_of(&sub, &policy, now).expect("in the queue then");
        prop_assert!(line.holds_at(now));
        let a = assess(&sub, &policy, now);
        let b = business_clock(&policy.sla, now);
        prop_assert_eq!(line.clock_at(b), a.current_clock().map(ClockNow::from));
        prop_assert_eq!(line.tests_at(now, &policy.freshness), TestsNow::from(&a.tests));
    }

    #[test]
    fn lines_sort_as_their_assessments_do(
        spec in arb_policy(),
        a_steps in arb_steps(),
        b_steps in arb_steps(),
        later_seconds in 0i64..(25 * 24 * 3600),
    ) {
        let policy = policy(&spec);
        let a = submission("A", &a_steps, &[], (1, false, false, false));
        let b = submission("B", &b_steps, &[], (1, false, false, false));
        let (la, lb) = (QueueLine::of(&a, &policy), QueueLine::of(&b, &policy));
        let now = la.valid_from.max(lb.valid_from).unwrap() + SignedDuration::from_secs(later_seconds);
        let (xa, xb) = (assess(&a, &policy, now), assess(&b, &policy, now));
        prop_assert_eq!(la.urgency().cmp(&lb.urgency()), xa.urgency().cmp(&xb.urgency()));
    }

    #[test]
    fn carrying_a_projection_on_equals_projecting_afresh(
        spec in arb_policy(),
        steps in arb_steps(),
        runs in arb_runs(),
        cut in 0usize..12,
    ) {
        let policy = policy(&spec);
        let sub = submission("S-1", &steps, &runs, (1, false, false, false));
        let cut = (cut + 1).min(sub.history.len());
        let mut prefix = sub.clone();
        prefix.history.truncate(cut);
        let mut p = Projection::of(&prefix, &policy);
        // A line also holds test runs dated after its moves: those are the import's to
        // project, so they are kept out of the cut-off valid_from here.
        for change in &sub.history[cut..] {
            match p.after_move(change, &policy.sla) {
                Some(next) => p = next,
                None => {
                    // Only the history can say: project the prefix up to this move afresh.
                    let upto = sub.history.iter().position(|c| std::ptr::eq(c, change)).unwrap() + 1;
                    prefix.history = sub.history[..upto].to_vec();
                    p = Projection::of(&prefix, &policy);
                }
            }
        }
        let fresh = Projection::of(&sub, &policy);
        prop_assert_eq!(&p.clock, &fresh.clock);
        prop_assert_eq!(&p.runs, &fresh.runs);
        prop_assert_eq!(p.in_state_since, fresh.in_state_since);
        prop_assert_eq!(p.tests, fresh.tests);
    }
}

/// The policy's fingerprint changes with everything a line depends on, and only with it.
#[test]
fn the_fingerprint_follows_the_policy() {
    let spec = PolicySpec {
        zone: "UTC",
        holidays: vec![],
        hours: WorkingHours::ALL_DAY,
        targets: [100, 200, 300],
        on_return: OnReturn::Resume,
        risk: 50,
        warn: 75,
        valid_hours: 48,
        expiring_hours: 12,
    };
    let base = oin_review::domain::projection::fingerprint(&policy(&spec));
    assert_eq!(
        base,
        oin_review::domain::projection::fingerprint(&policy(&spec)),
        "stable"
    );
    let changed = [
        PolicySpec {
            zone: "Europe/Berlin",
            ..spec.clone()
        },
        PolicySpec {
            holidays: vec![date(2026, 12, 24)],
            ..spec.clone()
        },
        PolicySpec {
            targets: [100, 200, 301],
            ..spec.clone()
        },
        PolicySpec {
            warn: 80,
            ..spec.clone()
        },
        PolicySpec {
            valid_hours: 24,
            ..spec.clone()
        },
    ];
    for c in changed {
        assert_ne!(
            base,
            oin_review::domain::projection::fingerprint(&policy(&c)),
            "{c:?}"
        );
    }
}
