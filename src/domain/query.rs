//! Field queries, in the spirit of GitHub's and gh-dash's filters: `state:qa_testing
//! isv:contoso -assignee:me due:<2d acme`. Terms combine with AND; `-` negates one;
//! `field:"two words"` quotes. Text fields match a case-insensitive substring, enumerations
//! match exactly. What is not a term (`acme`) is left for fuzzy matching. Pure: the instant,
//! the analyst and the line's statuses at that instant come from the caller.

use super::freshness::Freshness;
use super::projection::{ClockNow, QueueLine};
use super::sla::ClockStatus;
use super::state::ReviewState;
use super::submission::{Protocol, SubmissionPath};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// The fields a term can name, as typed.
pub const FIELDS: [&str; 17] = [
    "state",
    "holder",
    "isv",
    "app",
    "org",
    "id",
    "submitter",
    "assignee",
    "protocol",
    "path",
    "kind",
    "sla",
    "due",
    "tests",
    "idle",
    "replied",
    "versions",
];

/// The console's built-in tabs as views (`[views]` in the config may redefine each by its
/// name, and add more after them).
pub const BUILTIN_VIEWS: [(&str, &str); 5] = [
    ("Needs OIN", "holder:oin"),
    ("With ISV", "holder:isv"),
    ("Mine", "assignee:me"),
    ("Breached", "sla:breached"),
    ("All", ""),
];

/// A named query: a console tab and `list --view NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: String,
    pub query: FieldQuery,
    /// One of the built-in tabs (perhaps redefined in the config).
    pub builtin: bool,
}

/// The built-in views as they are when the config does not redefine them.
pub fn builtin_views() -> Vec<View> {
    BUILTIN_VIEWS
        .iter()
        .map(|(name, q)| View {
            name: name.to_string(),
            query: parse(q).unwrap_or_default(),
            builtin: true,
        })
        .collect()
}

/// A parsed query: the field terms, and the free words for fuzzy matching.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldQuery {
    pub terms: Vec<Term>,
    /// The rest, as typed (words separated by single spaces).
    pub words: String,
}

/// One `field:value` term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub negated: bool,
    pub test: Test,
    /// The term as it was typed, without quotes (for chips).
    pub typed: String,
    /// Where it was typed: a range of the query's characters (for highlighting).
    pub at: std::ops::Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// A case-insensitive substring of a text field (the needle is lower case).
    Text(TextField, String),
    State(ReviewState),
    /// Who holds the submission: OIN (to review) or the ISV (to fix).
    Holder(super::state::Holder),
    /// `me` (the analyst running the query), `none` (unassigned), or a name's substring.
    Assignee(Who),
    Protocol(Protocol),
    Path(SubmissionPath),
    /// `kind:update` (an update of a published integration) or `kind:new`.
    Update(bool),
    Sla(ClockStatus),
    Due(Due),
    Tests(Freshness),
    /// `idle:yes`: the ISV has held it longer than the reminder policy's idle time (since
    /// the state's start, or their last reply when later).
    Idle(bool),
    /// `replied:yes|no|unread`: the ISV has replied (ever), never, or with a reply the
    /// analyst asking has not read.
    Replied(Replied),
    /// `versions:ID`: every version of the integration ID is one of (ID, the published one
    /// it replaces, its new versions, and theirs), once resolved against the queue's links
    /// ([`FieldQuery::resolve_versions`]); ID alone until then.
    Versions(Versions),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replied {
    Yes,
    No,
    Unread,
}

/// What the queue knows of the ISVs' replies, for `replied:` and `idle:`: when the ISV last
/// replied, by submission, and the submissions with a reply the analyst asking has not read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepliesKnown {
    pub last: std::collections::HashMap<String, Timestamp>,
    pub unread: std::collections::HashSet<String>,
}

impl RepliesKnown {
    /// Since when the ISV has held `line` without a word: the state's start, or their last
    /// reply when it is later.
    pub fn quiet_since(&self, line: &QueueLine) -> Option<Timestamp> {
        match (line.in_state_since, self.last.get(line.id())) {
            (Some(s), Some(&r)) => Some(s.max(r)),
            (s, _) => s,
        }
    }
}

impl Test {
    /// Whether it asks about the ISVs' replies (`replied:`, and `idle:`, which they restart).
    pub fn about_replies(&self) -> bool {
        matches!(self, Test::Replied(_) | Test::Idle(_))
    }
}

/// The ids of one integration's versions, lower case.
#[derive(Debug, Clone, PartialEq)]
pub struct Versions {
    pub of: Box<str>,
    pub ids: Vec<Box<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Id,
    App,
    Isv,
    Org,
    Submitter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Me,
    Nobody,
    Name(String),
}

/// When a running clock falls due: before the end of today or of tomorrow (in the policy's
/// time zone), or within a span from now. A breached clock is not "due": `sla:breached`
/// names those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Today,
    Tomorrow,
    Within(SignedDuration),
}

/// Why a query cannot be run: it names the term and lists what is valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

/// What a term is evaluated against besides the line: the instant, who asks, the policy
/// (its calendar and its idle time).
pub struct Asking<'a> {
    pub analyst: &'a str,
    pub now: Timestamp,
    pub policy: &'a super::policy::Policy,
    pub replies: &'a RepliesKnown,
}

impl Asking<'_> {
    fn time_zone(&self) -> &TimeZone {
        self.policy.sla.calendar.time_zone()
    }
}

impl FieldQuery {
    /// Whether the line, with its clock and test status at the asking instant (computed
    /// only when a term needs them), passes every term.
    pub fn admits(
        &self,
        line: &QueueLine,
        clock: &dyn Fn() -> Option<ClockNow>,
        tests: &dyn Fn() -> Option<Freshness>,
        asking: &Asking,
    ) -> bool {
        self.terms
            .iter()
            .all(|t| t.test.holds(line, clock, tests, asking) != t.negated)
    }

    pub fn has_terms(&self) -> bool {
        !self.terms.is_empty()
    }

    /// Whether a term asks for an integration's versions (and needs the queue's links).
    pub fn wants_versions(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.test, Test::Versions(_)))
    }

    /// Resolves each `versions:` term against the queue's version links, each a new version
    /// and the published submission it replaces (`supersedes`).
    pub fn resolve_versions<'a>(&mut self, links: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let links: Vec<(String, String)> = links
            .into_iter()
            .map(|(a, b)| (a.to_lowercase(), b.to_lowercase()))
            .collect();
        for t in &mut self.terms {
            if let Test::Versions(v) = &mut t.test {
                v.ids = version_family(&v.of, &links);
            }
        }
    }

    /// Whether what it lets through changes as time passes (SLA, due, tests terms).
    pub fn depends_on_time(&self) -> bool {
        self.terms.iter().any(|t| {
            matches!(
                t.test,
                Test::Sla(_) | Test::Due(_) | Test::Tests(_) | Test::Idle(_)
            )
        })
    }
}

impl Test {
    fn holds(
        &self,
        line: &QueueLine,
        clock: &dyn Fn() -> Option<ClockNow>,
        tests: &dyn Fn() -> Option<Freshness>,
        asking: &Asking,
    ) -> bool {
        let contains = |hay: Option<&str>, needle: &str| hay.is_some_and(|h| has(h, needle));
        match self {
            Test::Text(field, needle) => contains(
                match field {
                    TextField::Id => Some(line.id()),
                    TextField::App => Some(line.app_name()),
                    TextField::Isv => Some(line.isv()),
                    TextField::Org => line.dev_org(),
                    TextField::Submitter => line.submitter_email(),
                },
                needle,
            ),
            Test::State(s) => line.state == *s,
            Test::Holder(h) => line.state.holder() == *h,
            Test::Assignee(Who::Me) => line.assignee.as_deref() == Some(asking.analyst),
            Test::Assignee(Who::Nobody) => line.assignee.is_none(),
            Test::Assignee(Who::Name(n)) => contains(line.assignee.as_deref(), n),
            Test::Protocol(p) => line.protocols.contains(p),
            Test::Path(p) => line.path == *p,
            Test::Update(update) => line.update_of.is_some() == *update,
            Test::Sla(s) => clock().is_some_and(|c| c.status == *s),
            Test::Tests(f) => tests() == Some(*f),
            Test::Versions(v) => v.ids.iter().any(|id| id.eq_ignore_ascii_case(line.id())),
            Test::Idle(idle) => {
                asking.policy.idle_rule().is_idle(
                    line.state,
                    asking.replies.quiet_since(line),
                    asking.now,
                ) == *idle
            }
            Test::Replied(Replied::Yes) => asking.replies.last.contains_key(line.id()),
            Test::Replied(Replied::No) => !asking.replies.last.contains_key(line.id()),
            Test::Replied(Replied::Unread) => asking.replies.unread.contains(line.id()),
            Test::Due(due) => clock()
                .filter(|c| !matches!(c.status, ClockStatus::Paused | ClockStatus::Stopped))
                .and_then(|c| c.due)
                .is_some_and(|at| at >= asking.now && at <= due.until(asking)),
        }
    }
}

/// Whether `hay` contains `needle` (lower case) ignoring case; without allocating when both
/// are ASCII (the usual case, and the one a tab's count over 100 000 rows meets).
fn has(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let n = needle.len();
        return n == 0
            || hay
                .as_bytes()
                .windows(n)
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
    }
    hay.to_lowercase().contains(needle)
}

impl Due {
    /// The latest instant a clock may fall due at to match.
    fn until(self, asking: &Asking) -> Timestamp {
        let end_of = |days: i64| {
            asking
                .now
                .to_zoned(asking.time_zone().clone())
                .date()
                .checked_add(jiff::Span::new().days(days + 1))
                .ok()
                .and_then(|d| d.to_zoned(asking.time_zone().clone()).ok())
                .map_or(Timestamp::MAX, |z| z.timestamp())
        };
        match self {
            Due::Today => end_of(0),
            Due::Tomorrow => end_of(1),
            Due::Within(d) => asking.now.checked_add(d).unwrap_or(Timestamp::MAX),
        }
    }
}

/// Splits a query into tokens on spaces, keeping `"quoted words"` (and `field:"…"`) whole;
/// each with the range of characters it was typed in.
fn tokens(q: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut quoted = false;
    let mut n = 0;
    for (i, c) in q.chars().enumerate() {
        n = i + 1;
        if c.is_whitespace() && !quoted {
            if let Some(s) = start.take()
                && !cur.is_empty()
            {
                out.push((std::mem::take(&mut cur), s..i));
            }
            continue;
        }
        start.get_or_insert(i);
        if c == '"' {
            quoted = !quoted;
        } else {
            cur.push(c);
        }
    }
    if let Some(s) = start
        && !cur.is_empty()
    {
        out.push((cur, s..n));
    }
    out
}

/// Whether `token` (after an optional `-`) has the shape of a term: a lower-case name,
/// a colon, a value. A word like `https://x` is left to fuzzy matching.
fn split_term(token: &str) -> Option<(bool, &str, &str)> {
    let (negated, rest) = match token.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, token),
    };
    let (name, value) = rest.split_once(':')?;
    let shaped = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
        && !value.starts_with("//");
    shaped.then_some((negated, name, value))
}

/// The value among `options` (each with its key as JSON spells it; any case matches), or
/// an error naming the term and listing the keys.
fn one_of<T: Copy>(
    field: &str,
    value: &str,
    options: &[(&str, T)],
    what: &str,
) -> Result<T, QueryError> {
    options
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(value))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            QueryError(format!(
                "{field}:{value}: no {what} {value:?}; use one of {}",
                options
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// `of` and every id linked to it through `links` (new version, the one it replaces), either
/// way and transitively: the versions of one integration.
fn version_family(of: &str, links: &[(String, String)]) -> Vec<Box<str>> {
    let mut family: Vec<&str> = vec![of];
    let mut grew = true;
    while grew {
        grew = false;
        for (a, b) in links {
            let (has_a, has_b) = (family.contains(&a.as_str()), family.contains(&b.as_str()));
            if has_a != has_b {
                family.push(if has_a { b } else { a });
                grew = true;
            }
        }
    }
    family.into_iter().map(Into::into).collect()
}

/// Parses a query; an unknown field or value is an error naming it and listing the valid
/// ones.
pub fn parse(q: &str) -> Result<FieldQuery, QueryError> {
    let mut query = FieldQuery::default();
    let mut words = Vec::new();
    for (token, at) in tokens(q) {
        let Some((negated, name, value)) = split_term(&token) else {
            words.push(token);
            continue;
        };
        let field = name.to_ascii_lowercase();
        if !FIELDS.contains(&field.as_str()) {
            return Err(QueryError(format!(
                "unknown field {name:?} in {token:?}; the fields are {}",
                FIELDS.join(", ")
            )));
        }
        if value.is_empty() {
            return Err(QueryError(format!(
                "{field}: needs a value, e.g. {}",
                example(&field)
            )));
        }
        let text = || value.to_lowercase();
        let test = match field.as_str() {
            "state" => Test::State(
                ReviewState::from_words(value)
                    .map_err(|why| QueryError(format!("state:{value}: {why}")))?,
            ),
            "holder" => Test::Holder(one_of(
                "holder",
                value,
                &[
                    ("oin", super::state::Holder::Oin),
                    ("isv", super::state::Holder::Isv),
                    ("nobody", super::state::Holder::Nobody),
                ],
                "holder",
            )?),
            "isv" => Test::Text(TextField::Isv, text()),
            "app" => Test::Text(TextField::App, text()),
            "org" => Test::Text(TextField::Org, text()),
            "id" => Test::Text(TextField::Id, text()),
            "submitter" => Test::Text(TextField::Submitter, text()),
            "assignee" => Test::Assignee(match text().as_str() {
                "me" => Who::Me,
                "none" => Who::Nobody,
                n => Who::Name(n.to_string()),
            }),
            "protocol" => Test::Protocol(one_of(
                "protocol",
                value,
                &Protocol::ALL.map(|p| (p.key(), p)),
                "protocol",
            )?),
            "path" => Test::Path(one_of(
                "path",
                value,
                &[SubmissionPath::Manager, SubmissionPath::Wizard].map(|p| (p.key(), p)),
                "path",
            )?),
            "kind" => Test::Update(one_of(
                "kind",
                value,
                &[("update", true), ("new", false)],
                "kind",
            )?),
            "sla" => Test::Sla(one_of(
                "sla",
                &value.replace('-', "_"),
                &[
                    ClockStatus::Breached,
                    ClockStatus::AtRisk,
                    ClockStatus::OnTrack,
                    ClockStatus::Paused,
                ]
                .map(|c| (c.key(), c)),
                "SLA status",
            )?),
            "tests" => Test::Tests(one_of(
                "tests",
                value,
                &[
                    Freshness::Fresh,
                    Freshness::Expiring,
                    Freshness::Expired,
                    Freshness::Failed,
                    Freshness::Missing,
                ]
                .map(|f| (f.key(), f)),
                "test status",
            )?),
            "idle" => Test::Idle(one_of(
                "idle",
                value,
                &[("yes", true), ("no", false)],
                "idle value",
            )?),
            "replied" => Test::Replied(one_of(
                "replied",
                value,
                &[
                    ("yes", Replied::Yes),
                    ("no", Replied::No),
                    ("unread", Replied::Unread),
                ],
                "replied value",
            )?),
            "versions" => {
                let of: Box<str> = text().into();
                Test::Versions(Versions {
                    ids: vec![of.clone()],
                    of,
                })
            }
            _ => Test::Due(parse_due(value)?),
        };
        query.terms.push(Term {
            negated,
            test,
            typed: token.clone(),
            at,
        });
    }
    query.words = words.join(" ");
    Ok(query)
}

fn example(field: &str) -> &'static str {
    match field {
        "state" => "state:qa_testing",
        "assignee" => "assignee:me",
        "protocol" => "protocol:scim",
        "path" => "path:manager",
        "kind" => "kind:update",
        "sla" => "sla:at_risk",
        "due" => "due:today",
        "tests" => "tests:expired",
        "idle" => "idle:yes",
        "replied" => "replied:unread",
        "versions" => "versions:OIN-2026-0135",
        _ => "isv:contoso",
    }
}

/// `today`, `tomorrow`, or `<N` with `h` or `d` (`<2d`, `<4h`: calendar time from now).
fn parse_due(value: &str) -> Result<Due, QueryError> {
    let bad = || {
        QueryError(format!(
            "due:{value}: use today, tomorrow, or <N with h or d (e.g. due:<2d, due:<4h)"
        ))
    };
    match value.to_ascii_lowercase().as_str() {
        "today" => Ok(Due::Today),
        "tomorrow" => Ok(Due::Tomorrow),
        v => {
            let span = v.strip_prefix('<').ok_or_else(bad)?;
            let (n, unit) = span.split_at(span.len().saturating_sub(1));
            let n: i64 = n.parse().map_err(|_| bad())?;
            let hours = match unit {
                "h" => n,
                "d" => n * 24,
                _ => return Err(bad()),
            };
            Ok(Due::Within(SignedDuration::from_hours(hours)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_words_quotes_and_negation_split_apart() {
        let q = parse(r#"acme state:qa_testing -assignee:me isv:"coho vineyard" sync"#).unwrap();
        assert_eq!(q.words, "acme sync");
        assert_eq!(q.terms.len(), 3);
        assert_eq!(q.terms[0].test, Test::State(ReviewState::QaTesting));
        assert!(q.terms[1].negated);
        assert_eq!(q.terms[1].test, Test::Assignee(Who::Me));
        assert_eq!(
            q.terms[2].test,
            Test::Text(TextField::Isv, "coho vineyard".into())
        );
        // Where each term was typed, quotes included.
        let typed: Vec<char> = r#"acme state:qa_testing -assignee:me isv:"coho vineyard" sync"#
            .chars()
            .collect();
        let at = |i: usize| typed[q.terms[i].at.clone()].iter().collect::<String>();
        assert_eq!(at(0), "state:qa_testing");
        assert_eq!(at(1), "-assignee:me");
        assert_eq!(at(2), r#"isv:"coho vineyard""#);
        // A URL is a word, not an unknown field.
        assert_eq!(
            parse("https://acme.example").unwrap().words,
            "https://acme.example"
        );
    }

    #[test]
    fn an_unknown_field_or_value_names_it_and_lists_the_valid_ones() {
        let e = parse("stat:qa").unwrap_err().0;
        assert!(e.contains("unknown field \"stat\""), "{e}");
        assert!(e.contains("state, holder, isv, app"), "{e}");
        let e = parse("state:qa_test").unwrap_err().0;
        assert!(
            e.contains("no state \"qa_test\"") && e.contains("qa_testing"),
            "{e}"
        );
        let e = parse("sla:late").unwrap_err().0;
        assert!(e.contains("breached, at_risk, on_track, paused"), "{e}");
        let e = parse("due:soon").unwrap_err().0;
        assert!(e.contains("today, tomorrow, or <N"), "{e}");
        assert_eq!(
            parse("sla:at-risk").unwrap().terms[0].test,
            Test::Sla(ClockStatus::AtRisk)
        );
        assert_eq!(
            parse("due:<2d").unwrap().terms[0].test,
            Test::Due(Due::Within(SignedDuration::from_hours(48)))
        );
    }
}
