//! Parsed submissions through the lint, the SLA assessment and the issue-list editor text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn policy() -> &'static oin_review::domain::Policy {
    static P: OnceLock<oin_review::domain::Policy> = OnceLock::new();
    P.get_or_init(|| {
        oin_review::config::policy_from_text(
            std::path::Path::new("policy.toml"),
            oin_review::config::BUILTIN_POLICY,
        )
        .expect("the built-in policy parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(subs) = oin_review::exchange::parse_submissions("fuzz.json", data) else {
        return;
    };
    let now: jiff::Timestamp = "2026-11-23T12:00:00Z".parse().expect("a timestamp");
    for s in &subs {
        let a = oin_review::domain::assess(s, policy(), now);
        let found = oin_review::domain::policy::findings(s, policy(), &a, 1);
        let issues = oin_review::domain::findings::issue_list(&found, &s.notes);
        let text = oin_review::domain::findings::edit_text(&s.id, &s.app_name, &issues);
        let _ = oin_review::domain::findings::parse_edit(&text, &issues, &s.notes.own);
        let _ = oin_review::text::safe_line(&s.app_name);
    }
});
