//! The base of `store/`: reading a submission with its children from rows, and the row
//! writes several operations share (an audit event, a test result, a promise, an email, the
//! attention set). It imports none of its siblings, so every other module can build on it
//! without an import circle (STYLE.md).

use super::{Context, Result, StoreError, fmt_ts, parse_ts};
use crate::domain::freshness::InstanceVersion;
use crate::domain::lint::{QueueFacts, app_key, counts_toward_org_limit, org_key};
use crate::domain::{
    ContactKind, EmailKind, EmailRecord, EventKind, IntegrationVariable, Logo, MatchedBy,
    OutboxStatus, OwnFinding, Phase, PhasePromise, Protocol, Reply, ReplyAttachment, ReplyKind,
    ReviewState, RuleDecision, ScimEvidence, Secret, Severity, SsoSettings, StateChange,
    Submission, SubmissionPath, SupportContact, TestAccount, TestCase, TestInstance, TestOutcome,
    TestRun,
};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use std::collections::BTreeSet;

const SUBMISSION_COLUMNS: &str = "id, app_name, isv, app_website, submitter_email, dev_org, path,
    update_of, change_summary, description, logo_file, logo_format, logo_bytes,
    escalation_contact, has_test_account, test_url, test_username, test_password,
    config_doc_url, multi_tenant, sso_json, scim_json, state, assignee, version,
    migrated_from_manager, supersedes, superseded_by, testing_instructions, tests_certified,
    instances_json";

/// Stands for "the ids in temp.wanted" where `load` takes one id (ids never contain NUL).
pub(super) const WANTED: &str = "\0wanted";

pub(super) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

pub(super) fn state_of(s: &str) -> Result<ReviewState> {
    s.parse()
        .map_err(|e: crate::domain::state::UnknownState| corrupt(e.to_string()))
}

/// A submissions row before its text-coded columns are parsed (with a clear error).
struct RawSubmission {
    sub: Submission,
    path: String,
    state: String,
    sso: Option<String>,
    scim: Option<String>,
    instances: Option<String>,
}

fn submission_from_row(r: &Row) -> rusqlite::Result<RawSubmission> {
    let logo = match (
        r.get::<_, Option<String>>(10)?,
        r.get::<_, Option<String>>(11)?,
        r.get::<_, Option<i64>>(12)?,
    ) {
        (Some(file), Some(format), Some(bytes)) => Some(Logo {
            file,
            format,
            bytes: bytes.max(0) as u64,
        }),
        _ => None,
    };
    let test_account = if r.get::<_, bool>(14)? {
        let password: Option<String> = r.get(17)?;
        Some(TestAccount {
            url: r.get(15)?,
            username: r.get(16)?,
            password_set: password.is_some(),
            password: password.map(Secret::new),
        })
    } else {
        None
    };
    let sub = Submission {
        id: r.get(0)?,
        app_name: r.get(1)?,
        isv: r.get(2)?,
        app_website: r.get(3)?,
        submitter_email: r.get(4)?,
        dev_org: r.get(5)?,
        path: SubmissionPath::Wizard,
        update_of: r.get(7)?,
        change_summary: r.get(8)?,
        supersedes: r.get(26)?,
        superseded_by: r.get(27)?,
        migrated_from_manager: r.get(25)?,
        protocols: Vec::new(),
        use_cases: Vec::new(),
        description: r.get(9)?,
        logo,
        integration_variables: Vec::new(),
        support_contacts: Vec::new(),
        escalation_contact: r.get(13)?,
        test_account,
        config_doc_url: r.get(18)?,
        multi_tenant: r.get(19)?,
        sso: None,
        scim: None,
        testing_instructions: r.get(28)?,
        tests_certified: r.get(29)?,
        test_instances: Vec::new(),
        state: ReviewState::Draft,
        assignee: r.get(23)?,
        history: Vec::new(),
        test_results: Vec::new(),
        promises: Vec::new(),
        version: r.get(24)?,
        notes: Default::default(),
        emails: Vec::new(),
        assignments: Vec::new(),
        replies: Vec::new(),
    };
    Ok(RawSubmission {
        sub,
        path: r.get(6)?,
        state: r.get(22)?,
        sso: r.get(20)?,
        scim: r.get(21)?,
        instances: r.get(30)?,
    })
}

/// All, one, or the wanted submissions with their history, on `conn` (a transaction's too).
pub(super) fn load(conn: &Connection, only: Option<&str>) -> Result<Vec<Submission>> {
    let mut subs = load_children(conn, only)?;
    place_history(&mut subs, read_history(conn, only)?);
    Ok(subs)
}

/// One submission with its history, on `conn`.
pub(super) fn load_one(conn: &Connection, id: &str) -> Result<Option<Submission>> {
    Ok(load(conn, Some(id))?.pop())
}

/// The org-limit count and the original dev org of `sub` (see [`QueueFacts`]).
pub(super) fn facts_for(conn: &Connection, sub: &Submission) -> Result<QueueFacts> {
    let mut facts = QueueFacts {
        org_limit_count: 1,
        published_dev_org: None,
    };
    if let Some(org) = org_key(sub.dev_org.as_deref()) {
        let mut stmt = conn
            .prepare_cached("SELECT path, state FROM submissions WHERE lower(trim(dev_org)) = ?1")
            .ctx("counting an org's submissions")?;
        let mut rows = stmt.query([&org]).ctx("counting an org's submissions")?;
        let mut n = 0;
        while let Some(r) = rows.next().ctx("counting an org's submissions")? {
            let path: String = r.get(0).ctx("counting an org's submissions")?;
            let state: String = r.get(1).ctx("counting an org's submissions")?;
            let path = match path.as_str() {
                "manager" => SubmissionPath::Manager,
                _ => SubmissionPath::Wizard,
            };
            if counts_toward_org_limit(path, state_of(&state)?) {
                n += 1;
            }
        }
        facts.org_limit_count = n.max(1);
    }
    if let Some(app) = sub
        .update_of
        .as_deref()
        .map(app_key)
        .filter(|a| !a.is_empty())
    {
        let org: Option<Option<String>> = conn
            .prepare_cached(
                "SELECT dev_org FROM submissions
                 WHERE state = 'published' AND lower(trim(app_name)) = ?1 AND id != ?2
                 ORDER BY updated_at DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row(params![app, sub.id], |r| r.get(0)).optional())
            .ctx("finding the published app an update names")?;
        facts.published_dev_org = org.flatten().and_then(|o| org_key(Some(&o)));
    }
    Ok(facts)
}

/// The submissions (all, one, or the wanted ones) with every child but their history.
/// The WHERE of a child table's rows (by `submission_id`) for all, one or the wanted
/// submissions; `?1` is `only`.
fn child_filter(only: Option<&str>) -> &'static str {
    match only {
        Some(WANTED) => "WHERE submission_id IN (SELECT id FROM temp.wanted) AND ?1 IS NOT NULL",
        Some(_) => "WHERE submission_id = ?1",
        None => "WHERE ?1 IS NULL",
    }
}

pub(super) fn load_children(conn: &Connection, only: Option<&str>) -> Result<Vec<Submission>> {
    let filter = match only {
        Some(WANTED) => "WHERE id IN (SELECT id FROM temp.wanted) AND ?1 IS NOT NULL",
        Some(_) => "WHERE id = ?1",
        None => "WHERE ?1 IS NULL",
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions {filter}"
        ))
        .ctx("reading submissions")?;
    let rows = stmt
        .query_map([only], submission_from_row)
        .ctx("reading submissions")?;
    let mut subs = Vec::new();
    for row in rows {
        let raw = row.ctx("reading a submission")?;
        let mut sub = raw.sub;
        sub.path = match raw.path.as_str() {
            "manager" => SubmissionPath::Manager,
            "wizard" => SubmissionPath::Wizard,
            other => return Err(corrupt(format!("{}: path {other:?}", sub.id))),
        };
        sub.state = state_of(&raw.state)?;
        sub.sso = parse_json_column::<SsoSettings>(&sub.id, "sso", raw.sso.as_deref())?;
        sub.scim = parse_json_column::<ScimEvidence>(&sub.id, "scim", raw.scim.as_deref())?;
        sub.test_instances = parse_json_column::<Vec<TestInstance>>(
            &sub.id,
            "test instances",
            raw.instances.as_deref(),
        )?
        .unwrap_or_default();
        subs.push(sub);
    }
    // Read in table order (sequential pages), sorted here: ORDER BY id would walk the
    // id index and jump into the table once per row.
    subs.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let id_filter = child_filter(only);
    let mut each_child = |sql: &str,
                          order: &str,
                          f: &mut dyn FnMut(&mut Submission, &Row) -> Result<()>|
     -> Result<()> {
        let mut stmt = conn
            .prepare_cached(&format!(
                "{sql} {id_filter} ORDER BY submission_id, {order}"
            ))
            .ctx("reading submission details")?;
        let mut rows = stmt.query([only]).ctx("reading submission details")?;
        let mut cursor = 0;
        while let Some(row) = rows.next().ctx("reading submission details")? {
            if let Some(i) = advance(&subs, &mut cursor, row)? {
                f(&mut subs[i], row)?;
            }
        }
        Ok(())
    };
    each_child(
        "SELECT submission_id, protocol FROM submission_protocols",
        "position",
        &mut |s, r| {
            let key: String = r.get(1).ctx("reading protocols")?;
            let p = Protocol::from_key(&key)
                .ok_or_else(|| corrupt(format!("{}: protocol {key:?}", s.id)))?;
            s.protocols.push(p);
            Ok(())
        },
    )?;
    each_child(
        "SELECT submission_id, use_case FROM submission_use_cases",
        "position",
        &mut |s, r| {
            s.use_cases.push(r.get(1).ctx("reading use cases")?);
            Ok(())
        },
    )?;
    each_child(
        "SELECT submission_id, label, name FROM integration_variables",
        "position",
        &mut |s, r| {
            s.integration_variables.push(IntegrationVariable {
                label: r.get(1).ctx("reading variables")?,
                name: r.get(2).ctx("reading variables")?,
            });
            Ok(())
        },
    )?;
    each_child(
        "SELECT submission_id, kind, value FROM support_contacts",
        "position",
        &mut |s, r| {
            let kind: String = r.get(1).ctx("reading contacts")?;
            s.support_contacts.push(SupportContact {
                kind: ContactKind::from_key(&kind)
                    .ok_or_else(|| corrupt(format!("{}: contact kind {kind:?}", s.id)))?,
                value: r.get(2).ctx("reading contacts")?,
            });
            Ok(())
        },
    )?;
    each_child(
        "SELECT submission_id, instance, instance_version, protocol, test_case, result, run_at
             FROM test_results",
        "run_at, id",
        &mut |s, r| {
            s.test_results.push(test_run_from_row(r)?);
            Ok(())
        },
    )?;
    each_child(
        "SELECT submission_id, phase, date FROM promises",
        "phase",
        &mut |s, r| {
            let phase: String = r.get(1).ctx("reading promises")?;
            let date: String = r.get(2).ctx("reading promises")?;
            s.promises.push(PhasePromise {
                phase: Phase::from_key(&phase)
                    .ok_or_else(|| corrupt(format!("{}: phase {phase:?}", s.id)))?,
                date: date
                    .parse()
                    .map_err(|e| corrupt(format!("{}: promised date {date:?}: {e}", s.id)))?,
            });
            Ok(())
        },
    )?;
    each_child(
        &format!("SELECT {} FROM own_findings", OWN_COLUMNS),
        "id",
        &mut |s, r| {
            s.notes.own.push(own_from_row(r)?);
            Ok(())
        },
    )?;
    each_child(
        &format!("SELECT {} FROM rule_decisions", DECISION_COLUMNS),
        "rule",
        &mut |s, r| {
            s.notes.decisions.push(decision_from_row(r)?);
            Ok(())
        },
    )?;
    each_child(&outbox_select(""), "id", &mut |s, r| {
        s.emails.push(email_from_row(r)?);
        Ok(())
    })?;
    each_child(
        &format!(
            "SELECT {} FROM (SELECT * FROM inbound WHERE submission_id IS NOT NULL)",
            REPLY_COLUMNS
        ),
        "id",
        &mut |s, r| {
            s.replies.push(reply_from_row(r)?);
            Ok(())
        },
    )?;
    each_child(
        "SELECT submission_id, from_assignee, to_assignee, at, analyst FROM assignments",
        "id",
        &mut |s, r| {
            let c = "reading assignments";
            let at: String = r.get(3).ctx(c)?;
            s.assignments.push(crate::domain::records::Assignment {
                from: r.get(1).ctx(c)?,
                to: r.get(2).ctx(c)?,
                at: parse_ts(&at)?,
                by: r.get(4).ctx(c)?,
            });
            Ok(())
        },
    )?;
    for s in subs.iter_mut().filter(|s| !s.replies.is_empty()) {
        place_attachments(conn, &mut s.replies)?;
    }
    Ok(subs)
}

pub(super) const HISTORY_SELECT: &str =
    "SELECT submission_id, from_state, to_state, at, analyst, reason,
    forced, kind, restart_clock, overrode FROM events";

/// The audit log of all, one or the wanted submissions, in append order.
pub(super) fn read_history(
    conn: &rusqlite::Connection,
    only: Option<&str>,
) -> Result<Vec<(String, StateChange)>> {
    let id_filter = child_filter(only);
    let mut stmt = conn
        .prepare_cached(&format!("{HISTORY_SELECT} {id_filter}"))
        .ctx("reading history")?;
    let mut rows = stmt.query([only]).ctx("reading history")?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().ctx("reading history")? {
        out.push((r.get(0).ctx("reading history")?, event_from_row(r)?));
    }
    Ok(out)
}

/// Puts audit-log rows (in append order) into their submissions, in time order; the stable
/// sort keeps append order for events at the same second.
pub(super) fn place_history(subs: &mut [Submission], history: Vec<(String, StateChange)>) {
    for (id, change) in history {
        if let Ok(i) = subs.binary_search_by(|s| s.id.as_str().cmp(&id)) {
            subs[i].history.push(change);
        }
    }
    for sub in subs.iter_mut() {
        sub.history.sort_by_key(|e| e.at);
    }
}

/// Child rows come ordered by submission id, like `subs`: walks `cursor` forward to the
/// row's submission (ids compare as bytes in both SQLite and Rust) without hashing or
/// allocating per row.
fn advance(subs: &[Submission], cursor: &mut usize, row: &Row) -> Result<Option<usize>> {
    let id = row
        .get_ref(0)
        .ctx("reading submission details")?
        .as_str()
        .map_err(|e| corrupt(format!("submission id: {e}")))?;
    while *cursor < subs.len() && subs[*cursor].id.as_str() < id {
        *cursor += 1;
    }
    Ok((*cursor < subs.len() && subs[*cursor].id == id).then_some(*cursor))
}

fn parse_json_column<T: serde::de::DeserializeOwned>(
    id: &str,
    what: &str,
    text: Option<&str>,
) -> Result<Option<T>> {
    let Some(text) = text else { return Ok(None) };
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| corrupt(format!("{id}: {what}: {e}")))
}

pub(super) fn event_from_row(r: &Row) -> Result<StateChange> {
    let from: Option<String> = r.get(1).ctx("reading history")?;
    let to: String = r.get(2).ctx("reading history")?;
    let at: String = r.get(3).ctx("reading history")?;
    let kind: String = r.get(7).ctx("reading history")?;
    let overrode: Option<String> = r.get(9).ctx("reading history")?;
    Ok(StateChange {
        from: from.as_deref().map(state_of).transpose()?,
        to: state_of(&to)?,
        at: parse_ts(&at)?,
        by: r.get(4).ctx("reading history")?,
        reason: r.get(5).ctx("reading history")?,
        forced: r.get(6).ctx("reading history")?,
        kind: EventKind::from_key(&kind).ok_or_else(|| corrupt(format!("event kind {kind:?}")))?,
        restart_clock: r.get(8).ctx("reading history")?,
        overrode: overrode
            .as_deref()
            .map(|o| o.split('\n').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

pub(super) fn insert_event(
    tx: &Transaction,
    id: &str,
    change: &StateChange,
    batch: Option<i64>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO events (submission_id, from_state, to_state, at, analyst, reason, forced,
                             kind, batch_id, restart_clock, overrode)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            change.from.map(|s| s.key()),
            change.to.key(),
            fmt_ts(change.at),
            change.by,
            change.reason,
            change.forced,
            change.kind.key(),
            batch,
            change.restart_clock,
            (!change.overrode.is_empty()).then(|| change.overrode.join("\n")),
        ])
    })
    .map(|_| ())
    .ctx("writing the audit log")
}

fn test_run_from_row(r: &Row) -> Result<TestRun> {
    let get = |i| -> Result<String> { r.get(i).ctx("reading test results") };
    let (version, protocol, case, result, run_at) = (get(2)?, get(3)?, get(4)?, get(5)?, get(6)?);
    Ok(TestRun {
        instance: get(1)?,
        instance_version: InstanceVersion::from_key(&version)
            .ok_or_else(|| corrupt(format!("instance version {version:?}")))?,
        protocol: Protocol::from_key(&protocol)
            .ok_or_else(|| corrupt(format!("test protocol {protocol:?}")))?,
        test_case: TestCase::from_key(&case)
            .ok_or_else(|| corrupt(format!("test case {case:?}")))?,
        result: match result.as_str() {
            "passed" => TestOutcome::Passed,
            "failed" => TestOutcome::Failed,
            other => return Err(corrupt(format!("test result {other:?}"))),
        },
        run_at: parse_ts(&run_at)?,
    })
}

/// Inserts one tester result unless the same run is already stored; returns 1 if added.
pub(super) fn insert_test_run(tx: &Transaction, id: &str, run: &TestRun) -> Result<usize> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO test_results
            (submission_id, instance, instance_version, protocol, test_case, result, run_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            run.instance,
            run.instance_version.key(),
            run.protocol.key(),
            run.test_case.key(),
            match run.result {
                TestOutcome::Passed => "passed",
                TestOutcome::Failed => "failed",
            },
            fmt_ts(run.run_at),
        ])
    })
    .ctx("writing test results")
}

pub(super) fn write_promise(
    tx: &Transaction,
    id: &str,
    promise: &PhasePromise,
    analyst: &str,
    at: Timestamp,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO promises (submission_id, phase, date, at, analyst) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (submission_id, phase)
         DO UPDATE SET date = excluded.date, at = excluded.at, analyst = excluded.analyst",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            promise.phase.key(),
            promise.date.to_string(),
            fmt_ts(at),
            analyst
        ])
    })
    .map(|_| ())
    .ctx("writing a promised date")
}

const OWN_COLUMNS: &str =
    "submission_id, id, severity, text, included, updated_by, updated_at, version";

fn own_from_row(r: &Row) -> Result<OwnFinding> {
    let severity: String = r.get(2).ctx("reading findings")?;
    let at: String = r.get(6).ctx("reading findings")?;
    Ok(OwnFinding {
        id: r.get(1).ctx("reading findings")?,
        severity: severity_of(&severity)?,
        text: r.get(3).ctx("reading findings")?,
        included: r.get(4).ctx("reading findings")?,
        by: r.get(5).ctx("reading findings")?,
        at: parse_ts(&at)?,
        version: r.get(7).ctx("reading findings")?,
    })
}

const DECISION_COLUMNS: &str = "submission_id, rule, included, reason, decided_by, decided_at";

fn decision_from_row(r: &Row) -> Result<RuleDecision> {
    let at: String = r.get(5).ctx("reading finding decisions")?;
    Ok(RuleDecision {
        rule: r.get(1).ctx("reading finding decisions")?,
        included: r.get(2).ctx("reading finding decisions")?,
        reason: r.get(3).ctx("reading finding decisions")?,
        by: r.get(4).ctx("reading finding decisions")?,
        at: parse_ts(&at)?,
    })
}

fn severity_of(s: &str) -> Result<Severity> {
    match s {
        "blocker" => Ok(Severity::Blocker),
        "warning" => Ok(Severity::Warning),
        other => Err(StoreError::Corrupt(format!("finding severity {other:?}"))),
    }
}

/// An email ready to queue: the whole message, built once so what is sent is what was
/// previewed.
#[derive(Debug, Clone)]
pub struct NewEmail {
    pub submission_id: String,
    pub kind: EmailKind,
    pub message_id: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub message: Vec<u8>,
    /// The date the email tells the ISV a phase will finish: recorded as the phase's
    /// promise when the email is queued.
    pub promise: Option<PhasePromise>,
    /// The headers that matter and the plain text, as previewed.
    pub preview: String,
    /// Not delivered before this instant (`[mail] hold`): it can still be cancelled.
    pub held_until: Option<Timestamp>,
}

/// An email's columns; the last is why it bounced, from the bounce recorded beside it (a
/// sent row is final).
pub(super) const EMAIL_COLUMNS: &str =
    "submission_id, id, message_id, recipients, subject, status, attempts,
    queued_at, next_attempt_at, sent_at, last_error, server_reply, analyst, claimed_at, kind,
    cancelled_at, cancelled_by, held_until,
    (SELECT coalesce(b.bounce_reason, '') FROM inbound b WHERE b.bounce_of = outbox.id
     ORDER BY b.id LIMIT 1)";

pub(super) fn email_from_row(r: &Row) -> Result<EmailRecord> {
    let c = "reading the outbox";
    let recipients: String = r.get(3).ctx(c)?;
    let status: String = r.get(5).ctx(c)?;
    let queued: String = r.get(7).ctx(c)?;
    let next: String = r.get(8).ctx(c)?;
    let sent: Option<String> = r.get(9).ctx(c)?;
    let claimed: Option<String> = r.get(13).ctx(c)?;
    let kind: String = r.get(14).ctx(c)?;
    let cancelled: Option<String> = r.get(15).ctx(c)?;
    let held: Option<String> = r.get(17).ctx(c)?;
    let bounce: Option<String> = r.get(18).ctx(c)?;
    let status = OutboxStatus::from_key(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("outbox status {status:?}")))?;
    Ok(EmailRecord {
        kind: EmailKind::from_key(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox kind {kind:?}")))?,
        submission_id: r.get(0).ctx(c)?,
        id: r.get(1).ctx(c)?,
        message_id: r.get(2).ctx(c)?,
        recipients: split_recipients(&recipients),
        subject: r.get(4).ctx(c)?,
        status: match (status, &bounce) {
            (OutboxStatus::Sent, Some(_)) => OutboxStatus::Bounced,
            (s, _) => s,
        },
        attempts: r.get(6).ctx(c)?,
        queued_at: parse_ts(&queued)?,
        next_attempt_at: parse_ts(&next)?,
        sent_at: sent.as_deref().map(parse_ts).transpose()?,
        last_error: r.get(10).ctx(c)?,
        server_reply: r.get(11).ctx(c)?,
        analyst: r.get(12).ctx(c)?,
        claimed_at: claimed.as_deref().map(parse_ts).transpose()?,
        cancelled_at: cancelled.as_deref().map(parse_ts).transpose()?,
        cancelled_by: r.get(16).ctx(c)?,
        held_until: held.as_deref().map(parse_ts).transpose()?,
        bounce,
    })
}

pub(super) fn outbox_select(filter: &str) -> String {
    format!("SELECT {EMAIL_COLUMNS} FROM outbox {filter}")
}

pub(super) fn split_recipients(s: &str) -> Vec<String> {
    s.split('\n')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// Cancels an email inside `tx`, with who and when: at once when it has not gone; while a
/// sender is handing it to the server, its status stays and a failed attempt cancels it.
pub(super) fn cancel_in(
    tx: &rusqlite::Transaction,
    id: i64,
    analyst: &str,
    when: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET cancelled_at = ?1, cancelled_by = ?2,
             status = CASE WHEN status = 'sending' THEN status ELSE 'cancelled' END
         WHERE id = ?3",
        params![when, analyst, id],
    )
    .ctx("cancelling an email")?;
    Ok(())
}

/// Queues one email (and records the date it promises) inside `tx`; `batch` is the move it
/// goes with, whose undo cancels it.
pub(super) fn insert_email(
    tx: &rusqlite::Transaction,
    email: &NewEmail,
    analyst: &str,
    at: &str,
    batch: Option<i64>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO outbox (submission_id, message_id, recipients, subject, message, status,
         next_attempt_at, queued_at, analyst, kind, preview, batch_id, held_until)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            email.submission_id,
            email.message_id,
            email.recipients.join("\n"),
            email.subject,
            email.message,
            at,
            analyst,
            email.kind.key(),
            email.preview,
            batch,
            email.held_until.map(fmt_ts),
        ],
    )
    .ctx("queueing an email")?;
    let id = tx.last_insert_rowid();
    if let Some(p) = &email.promise {
        let when = parse_ts(at)?;
        write_promise(tx, &email.submission_id, p, analyst, when)?;
    }
    Ok(id)
}

/// The Message-IDs of a submission's earlier emails, oldest first, on `conn`.
pub(super) fn thread_of(conn: &rusqlite::Connection, submission: &str) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT message_id FROM outbox WHERE submission_id = ?1 ORDER BY id")
        .ctx("reading the outbox")?;
    let rows = stmt
        .query_map([submission], |r| r.get(0))
        .ctx("reading the outbox")?;
    rows.collect::<rusqlite::Result<Vec<String>>>()
        .ctx("reading the outbox")
}

pub(super) fn last_change(tx: &rusqlite::Connection, id: &str) -> Result<(String, Timestamp)> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT analyst, at FROM events WHERE submission_id = ?1 ORDER BY at DESC, id DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .ctx("reading the audit log")?;
    match row {
        Some((by, at)) => Ok((by, parse_ts(&at)?)),
        None => Ok(("someone".to_string(), Timestamp::UNIX_EPOCH)),
    }
}

/// The submissions in `analyst`'s attention set, read on `conn` (inside a write too).
pub(super) fn attention_in(conn: &Connection, analyst: &str) -> Result<BTreeSet<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT submission_id FROM attention WHERE analyst = ?1")
        .ctx("reading the attention set")?;
    let ids = stmt
        .query_map([analyst], |r| r.get(0))
        .ctx("reading the attention set")?
        .collect::<rusqlite::Result<_>>()
        .ctx("reading the attention set")?;
    Ok(ids)
}

/// `analyst` acted on submission `id` (a move, a note, a claim): it leaves their attention
/// set.
pub(super) fn clear_attention(tx: &Connection, id: &str, analyst: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM attention WHERE submission_id = ?1 AND analyst = ?2")
        .and_then(|mut s| s.execute([id, analyst]))
        .ctx("updating the attention set")?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Received messages (the replies of a submission are read with its other children).

pub(super) const REPLY_COLUMNS: &str = "submission_id, id, matched_by, kind, sender, sender_name,
    sent_at, received_at, subject, body, folded, warnings, bounce_of, bounce_reason, attached_by";

pub(super) fn reply_from_row(r: &rusqlite::Row) -> Result<Reply> {
    let c = "reading received messages";
    let matched: Option<String> = r.get(2).ctx(c)?;
    let kind: String = r.get(3).ctx(c)?;
    let sent: Option<String> = r.get(6).ctx(c)?;
    let received: String = r.get(7).ctx(c)?;
    let warnings: String = r.get(11).ctx(c)?;
    Ok(Reply {
        submission_id: r.get(0).ctx(c)?,
        id: r.get(1).ctx(c)?,
        matched_by: matched.as_deref().and_then(MatchedBy::from_key),
        kind: ReplyKind::from_key(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("received message kind {kind:?}")))?,
        sender: r.get(4).ctx(c)?,
        sender_name: r.get(5).ctx(c)?,
        sent_at: sent.as_deref().and_then(|s| parse_ts(s).ok()),
        received_at: parse_ts(&received)?,
        subject: r.get(8).ctx(c)?,
        text: r.get(9).ctx(c)?,
        folded: r.get(10).ctx(c)?,
        warnings: warnings
            .split('\n')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect(),
        bounce_of: r.get(12).ctx(c)?,
        bounce_reason: r.get(13).ctx(c)?,
        attachments: Vec::new(),
        attached_by: r.get(14).ctx(c)?,
    })
}

/// The attachments of the messages `replies` (their names, types and sizes) placed on them.
pub(super) fn place_attachments(conn: &rusqlite::Connection, replies: &mut [Reply]) -> Result<()> {
    if replies.is_empty() {
        return Ok(());
    }
    let c = "reading attachments";
    let mut stmt = conn
        .prepare_cached(
            "SELECT position, name, content_type, size, content IS NOT NULL
             FROM inbound_attachments WHERE inbound_id = ?1 ORDER BY position",
        )
        .ctx(c)?;
    for reply in replies.iter_mut() {
        let rows = stmt
            .query_map([reply.id], |r| {
                Ok(ReplyAttachment {
                    position: r.get(0)?,
                    name: r.get(1)?,
                    content_type: r.get(2)?,
                    size: r.get(3)?,
                    kept: r.get(4)?,
                })
            })
            .ctx(c)?;
        reply.attachments = rows.collect::<rusqlite::Result<_>>().ctx(c)?;
    }
    Ok(())
}
