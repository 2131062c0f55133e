//! The demo queue: the hand-written samples plus generated submissions across every state,
//! protocol, age, SLA situation and rule violation. Deterministic for a seed and an instant.

use crate::domain::freshness::{InstanceVersion, required_tests};
use crate::domain::{
    ContactKind, IntegrationVariable, Logo, Protocol, ReviewState, ScimEvidence, Secret,
    SsoSettings, StateChange, Submission, SubmissionPath, SupportContact, TestAccount,
    TestInstance,
};
use crate::domain::{TestOutcome, TestRun};
use jiff::{SignedDuration, Timestamp};

/// The hand-written sample submissions shipped in `data/`.
pub const SAMPLE_SUBMISSIONS: &str = include_str!("../data/sample-submissions.json");
/// Tester results for the samples.
pub const SAMPLE_TESTER_RESULTS: &str = include_str!("../data/sample-tester-results.json");

/// The instant the samples' dates were written for: at it, their clocks are a working
/// day's mix (breached, at risk, on track, paused) and their evidence fresh to expired.
pub const SAMPLES_WRITTEN_FOR: &str = "2026-11-23T12:00:00Z";

/// Moves the samples' instants (history, promises, tester runs) by the whole days from
/// [`SAMPLES_WRITTEN_FOR`] to `now`, so a demo built on any day looks like the samples'
/// own day: their last events a few hours old, their clocks a mix of breached, at risk and
/// paused (and on track, on most days), their evidence from expired to fresh. Whole days
/// keep the times of day; whole weeks would keep the weekdays too, but leave most of them
/// breached five days a week. Within a day of that instant nothing moves, so
/// `demo --as-of 2026-11-23T12:00:00Z` is the README's screenshot; no event moves past
/// `now`.
pub fn shift_samples(subs: &mut [Submission], runs: &mut [(String, TestRun)], now: Timestamp) {
    let Ok(written) = SAMPLES_WRITTEN_FOR.parse::<Timestamp>() else {
        return;
    };
    let day = SignedDuration::from_hours(24);
    let shift = now
        .duration_since(written)
        .as_secs()
        .div_euclid(day.as_secs());
    if shift == 0 {
        return;
    }
    let by = day * shift as i32;
    let days = jiff::Span::new().days(shift);
    for s in subs.iter_mut() {
        for e in &mut s.history {
            e.at = e.at.saturating_add(by).unwrap_or(e.at);
        }
        for r in &mut s.test_results {
            r.run_at = r.run_at.saturating_add(by).unwrap_or(r.run_at);
        }
        for p in &mut s.promises {
            p.date = p.date.checked_add(days).unwrap_or(p.date);
        }
    }
    for (_, r) in runs.iter_mut() {
        r.run_at = r.run_at.saturating_add(by).unwrap_or(r.run_at);
    }
}

/// A small deterministic generator (SplitMix64): the demo needs no cryptographic randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const COMPANIES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Pied Piper",
    "Massive Dynamic",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Virtucon",
    "Dunder",
    "Bluth",
    "Prestige",
    "Nakatomi",
    "Oceanic",
    "Rekall",
    "Sirius",
    "Tessier",
    "Veridian",
    "Zorg",
    "Krusty",
];
const PRODUCTS: &[&str] = &[
    "Expense",
    "HR",
    "CRM",
    "Docs",
    "Payroll",
    "Analytics",
    "Helpdesk",
    "Vault",
    "Learning",
    "Recruit",
    "Boards",
    "Wiki",
    "Chat",
    "Sign",
    "Tickets",
    "Assets",
    "Billing",
    "Insights",
    "Forms",
    "Scheduler",
    "Inventory",
    "Compliance",
    "Travel",
    "Survey",
];
const USE_CASES: &[&str] = &[
    "Single Sign-On",
    "Automated provisioning",
    "Identity governance",
    "Workflow automation",
    "Security analytics",
    "Directory sync",
    "Zero trust",
];
const ANALYSTS: &[&str] = &["asha", "ben", "carla", "dmitri", "elena"];
const FIRST_NAMES: &[&str] = &["jane", "omar", "li", "sofia", "raj", "maria", "tom", "yuki"];

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// The path of states a submission walked to reach `target`, oldest first.
fn walk_to(target: ReviewState, rng: &mut Rng) -> Vec<ReviewState> {
    use ReviewState::*;
    let mut path = vec![Draft];
    if target == Draft {
        return path;
    }
    path.push(InitialReview);
    // Some went back to the ISV once during initial review.
    if target != IsvReview && rng.chance(30) {
        path.extend([IsvReview, InitialReview]);
    }
    match target {
        Draft | InitialReview => {}
        IsvReview => path.push(IsvReview),
        QaTesting => path.push(QaTesting),
        IsvFixBugs => path.extend([QaTesting, IsvFixBugs]),
        FinalReview => path.extend([QaTesting, IsvFixBugs, FinalReview]),
        Published => {
            path.push(QaTesting);
            if rng.chance(40) {
                path.extend([IsvFixBugs, FinalReview]);
            }
            path.push(Published);
        }
    }
    path
}

fn pick_state(rng: &mut Rng) -> ReviewState {
    use ReviewState::*;
    match rng.below(100) {
        0..=9 => Draft,
        10..=34 => InitialReview,
        35..=46 => IsvReview,
        47..=66 => QaTesting,
        67..=76 => IsvFixBugs,
        77..=84 => FinalReview,
        _ => Published,
    }
}

fn hours(h: u64) -> SignedDuration {
    SignedDuration::from_hours(h as i64)
}

/// `rows` generated submissions with ids `DEMO-000001` on, ages relative to `now`.
pub fn generate(rows: usize, seed: u64, now: Timestamp) -> Vec<Submission> {
    let mut rng = Rng(seed ^ 0x5EED_0F01_0111);
    (0..rows).map(|i| generate_one(i, &mut rng, now)).collect()
}

fn generate_one(i: usize, rng: &mut Rng, now: Timestamp) -> Submission {
    let company = *rng.pick(COMPANIES);
    let product = *rng.pick(PRODUCTS);
    let domain = format!("{}.example", slug(company));
    let person = *rng.pick(FIRST_NAMES);
    let app_name = format!("{company} {product}");
    let kind = rng.below(10);
    let mut protocols = match kind {
        0..=3 => vec![Protocol::Saml],
        4..=5 => vec![Protocol::Oidc],
        6 => vec![Protocol::Saml, Protocol::Scim],
        7 => vec![Protocol::Scim],
        8 => vec![Protocol::Workflows],
        _ => vec![Protocol::ApiService],
    };
    let sso_app = protocols.iter().any(|p| p.is_sso());
    let path = if sso_app && !protocols.contains(&Protocol::Scim) {
        SubmissionPath::Wizard
    } else {
        SubmissionPath::Manager
    };
    let state = pick_state(rng);
    let is_update = rng.chance(20);
    let mut sub = Submission {
        id: format!("DEMO-{:06}", i + 1),
        app_name: app_name.clone(),
        isv: format!("{company} Inc."),
        app_website: Some(format!("https://{domain}/okta")),
        submitter_email: Some(format!("{person}@{domain}")),
        dev_org: Some(format!("dev-{:07}.okta.com", rng.below(10_000_000))),
        path,
        update_of: is_update.then(|| app_name.clone()),
        supersedes: None,
        superseded_by: None,
        change_summary: is_update.then(|| "Adds SP-initiated flow and a new attribute".into()),
        migrated_from_manager: false,
        protocols: protocols.clone(),
        use_cases: {
            let first = rng.below(USE_CASES.len() as u64) as usize;
            let n = 1 + rng.below(3) as usize;
            (0..n)
                .map(|k| USE_CASES[(first + k) % USE_CASES.len()].to_string())
                .collect()
        },
        description: Some(format!(
            "{app_name} helps teams at every size manage {} with Okta.",
            product.to_lowercase()
        )),
        logo: Some(Logo {
            file: format!("{}.png", slug(&app_name)),
            format: "png".into(),
            bytes: 20_000 + rng.below(400_000),
        }),
        integration_variables: if rng.chance(40) {
            vec![IntegrationVariable {
                label: "Subdomain".into(),
                name: "subdomain".into(),
            }]
        } else {
            Vec::new()
        },
        support_contacts: vec![SupportContact {
            kind: ContactKind::Email,
            value: format!("support@{domain}"),
        }],
        escalation_contact: Some(format!("okta-escalations@{domain}")),
        test_account: Some(TestAccount {
            url: Some(format!("https://{domain}/login")),
            username: Some("isvtest@okta.com".into()),
            password: Some(Secret::new(format!("demo-{:08x}", rng.next() as u32))),
            password_set: true,
        }),
        config_doc_url: Some(format!("https://{domain}/docs/okta")),
        multi_tenant: Some(true),
        sso: sso_app.then(|| SsoSettings {
            idp_flow: true,
            sp_flow: rng.chance(60),
            jit: rng.chance(30),
            saml_signature: protocols.contains(&Protocol::Saml).then(|| "sha256".into()),
            oidc_auth_server: None,
        }),
        scim: protocols.contains(&Protocol::Scim).then(|| ScimEvidence {
            spec_results_url: Some(format!(
                "https://www.runscope.com/radar/{}/spec",
                slug(&app_name)
            )),
            crud_results_url: Some(format!(
                "https://www.runscope.com/radar/{}/crud",
                slug(&app_name)
            )),
            manual_plan_certified: true,
            ..Default::default()
        }),
        testing_instructions: Some(format!(
            "Sign in at https://{domain}/login with the test admin account. Add test users under Settings > Team; they sign in through Okta once assigned."
        )),
        tests_certified: (path == SubmissionPath::Wizard).then_some(true),
        test_instances: Vec::new(),
        state,
        assignee: (state.holder() == crate::domain::state::Holder::Oin && rng.chance(60))
            .then(|| rng.pick(ANALYSTS).to_string()),
        history: Vec::new(),
        test_results: Vec::new(),
        promises: Vec::new(),
        version: 0,
        notes: Default::default(),
        emails: Vec::new(),
        assignments: Vec::new(),
        replies: Vec::new(),
    };
    break_a_rule(&mut sub, &mut protocols, rng);
    sub.protocols = protocols;
    sub.history = history(state, &sub.submitter_email, rng, now);
    sub.test_results = tester_runs(&sub, rng, now);
    sub.test_instances = test_instances(&sub);
    sub
}

/// The instances the tester runs name, for a Wizard submission with one SSO protocol (one
/// instance per version; two SSO protocols would need one each, 004:188).
fn test_instances(sub: &Submission) -> Vec<TestInstance> {
    let sso: Vec<Protocol> = sub
        .protocols
        .iter()
        .copied()
        .filter(|p| p.is_sso())
        .collect();
    if sub.path != SubmissionPath::Wizard || sso.len() != 1 {
        return Vec::new();
    }
    let versions: &[InstanceVersion] = if sub.is_update() {
        &[InstanceVersion::Current, InstanceVersion::Published]
    } else {
        &[InstanceVersion::Current]
    };
    versions
        .iter()
        .map(|v| TestInstance {
            name: format!("{}-{}", slug(&sub.app_name), v.key()),
            protocols: sso.clone(),
            version: *v,
            active: true,
            eligible: true,
        })
        .collect()
}

/// Tester runs for the tests the submission needs: mostly passed at various ages, some
/// failed, some never run, so every freshness status appears.
fn tester_runs(sub: &Submission, rng: &mut Rng, now: Timestamp) -> Vec<TestRun> {
    let mut runs = Vec::new();
    for (protocol, test_case, instance_version) in required_tests(sub) {
        let roll = rng.below(100);
        if roll < 12 {
            continue; // never run
        }
        runs.push(TestRun {
            instance: format!("{}-{}", slug(&sub.app_name), instance_version.key()),
            instance_version,
            protocol,
            test_case,
            result: if roll < 22 {
                TestOutcome::Failed
            } else {
                TestOutcome::Passed
            },
            run_at: now - SignedDuration::from_mins(30 + rng.below(80 * 60) as i64),
        });
    }
    runs
}

/// About a third of the generated submissions break one requirement the lint checks.
fn break_a_rule(sub: &mut Submission, protocols: &mut Vec<Protocol>, rng: &mut Rng) {
    if !rng.chance(35) {
        return;
    }
    match rng.below(14) {
        0 => {
            sub.app_name = format!(
                "{} Enterprise Cloud Identity Connector for Workforce Teams",
                sub.app_name
            )
        }
        1 => sub.description = None,
        2 => {
            if let Some(l) = sub.logo.as_mut() {
                l.format = "svg".into();
                l.file = l.file.replace(".png", ".svg")
            }
        }
        3 => {
            if let Some(l) = sub.logo.as_mut() {
                l.bytes = 1_500_000
            }
        }
        4 => sub.use_cases = USE_CASES.iter().take(6).map(|s| s.to_string()).collect(),
        5 => sub.integration_variables.push(IntegrationVariable {
            label: "Region".into(),
            name: "Region-Name".into(),
        }),
        6 => sub.support_contacts.clear(),
        7 => {
            sub.escalation_contact = sub
                .escalation_contact
                .as_ref()
                .map(|e| format!("support@{}", e.split('@').nth(1).unwrap_or("isv.example")))
        }
        8 => sub.submitter_email = Some(format!("{}@gmail.com", slug(&sub.isv))),
        9 => {
            if let Some(a) = sub.test_account.as_mut() {
                a.password = None;
                a.password_set = false
            }
        }
        10 => sub.config_doc_url = None,
        11 => {
            if let Some(s) = sub.sso.as_mut() {
                if protocols.contains(&Protocol::Saml) {
                    s.saml_signature = Some("sha1".into())
                } else {
                    s.oidc_auth_server = Some("default".into())
                }
            }
        }
        12 => sub.multi_tenant = Some(false),
        _ => protocols.push(Protocol::Swa),
    }
}

fn history(
    state: ReviewState,
    submitter: &Option<String>,
    rng: &mut Rng,
    now: Timestamp,
) -> Vec<StateChange> {
    let states = walk_to(state, rng);
    // How long ago the submission entered its current state, so that some clocks are on
    // track, some at risk and some breached (final review has one business day).
    let max_age = if state == ReviewState::FinalReview {
        40
    } else {
        9 * 24
    };
    let mut at = now - hours(rng.below(max_age) + 1);
    let mut entries = Vec::with_capacity(states.len());
    for (k, st) in states.iter().enumerate().rev() {
        let by = if st.holder() == crate::domain::state::Holder::Oin
            && k > 0
            && !matches!(
                states[k - 1],
                ReviewState::Draft | ReviewState::IsvReview | ReviewState::IsvFixBugs
            ) {
            rng.pick(ANALYSTS).to_string()
        } else if matches!(
            st,
            ReviewState::InitialReview | ReviewState::FinalReview | ReviewState::Draft
        ) {
            submitter.clone().unwrap_or_else(|| "isv".into())
        } else {
            rng.pick(ANALYSTS).to_string()
        };
        entries.push(StateChange {
            from: k.checked_sub(1).map(|p| states[p]),
            to: *st,
            at,
            by,
            reason: None,
            forced: false,
            kind: Default::default(),
            restart_clock: false,
            overrode: Vec::new(),
        });
        at -= hours(4 + rng.below(6 * 24));
    }
    entries.reverse();
    entries
}
