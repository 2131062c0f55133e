//! The database schema and its migrations, versioned with `PRAGMA user_version`.

/// Marks a file as an oin-review database (`PRAGMA application_id`): "OINR".
pub const APPLICATION_ID: i32 = 0x4F49_4E52;

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // v1: submissions with normalized children, the append-only audit log, batches.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE submissions (
    id                 TEXT PRIMARY KEY,
    app_name           TEXT NOT NULL,
    isv                TEXT NOT NULL,
    app_website        TEXT,
    submitter_email    TEXT,
    dev_org            TEXT,
    path               TEXT NOT NULL CHECK (path IN ('wizard', 'manager')),
    update_of          TEXT,
    change_summary     TEXT,
    description        TEXT,
    logo_file          TEXT,
    logo_format        TEXT,
    logo_bytes         INTEGER,
    escalation_contact TEXT,
    has_test_account   INTEGER NOT NULL DEFAULT 0,
    test_url           TEXT,
    test_username      TEXT,
    test_password      TEXT,
    config_doc_url     TEXT,
    multi_tenant       INTEGER,
    sso_json           TEXT,
    scim_json          TEXT,
    state              TEXT NOT NULL CHECK (state IN ('draft', 'initial_review', 'isv_review',
                           'qa_testing', 'isv_fix_bugs', 'final_review', 'published')),
    assignee           TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX submissions_by_state ON submissions (state);

CREATE TABLE submission_protocols (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    protocol      TEXT NOT NULL,
    PRIMARY KEY (submission_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE submission_use_cases (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    use_case      TEXT NOT NULL,
    PRIMARY KEY (submission_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE integration_variables (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    label         TEXT NOT NULL,
    name          TEXT NOT NULL,
    PRIMARY KEY (submission_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE support_contacts (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('email', 'url', 'phone')),
    value         TEXT NOT NULL,
    PRIMARY KEY (submission_id, position)
) STRICT, WITHOUT ROWID;

-- One row per batch of moves, so an analyst can undo their last one.
CREATE TABLE batches (
    id        INTEGER PRIMARY KEY,
    analyst   TEXT NOT NULL,
    at        TEXT NOT NULL,
    to_state  TEXT NOT NULL,
    reason    TEXT
) STRICT;

-- The audit log: append-only, never updated or deleted.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    at            TEXT NOT NULL,
    analyst       TEXT NOT NULL,
    reason        TEXT,
    forced        INTEGER NOT NULL DEFAULT 0,
    kind          TEXT NOT NULL DEFAULT 'move' CHECK (kind IN ('move', 'undo', 'import')),
    batch_id      INTEGER REFERENCES batches (id)
) STRICT;
CREATE INDEX events_by_submission ON events (submission_id, at, id);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    // v2: OIN Submission Tester results and the dates promised to ISVs.
    r#"
CREATE TABLE test_results (
    id               INTEGER PRIMARY KEY,
    submission_id    TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    instance         TEXT NOT NULL,
    instance_version TEXT NOT NULL CHECK (instance_version IN ('current', 'published')),
    protocol         TEXT NOT NULL,
    test_case        TEXT NOT NULL CHECK (test_case IN ('idp_flow', 'sp_flow', 'jit_idp', 'jit_sp')),
    result           TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
    run_at           TEXT NOT NULL,
    UNIQUE (submission_id, instance, instance_version, protocol, test_case, run_at)
) STRICT;
CREATE INDEX test_results_by_submission ON test_results (submission_id, run_at);

CREATE TABLE promises (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    phase         TEXT NOT NULL CHECK (phase IN ('initial_review', 'qa_testing', 'final_review')),
    date          TEXT NOT NULL,
    at            TEXT NOT NULL,
    analyst       TEXT NOT NULL,
    PRIMARY KEY (submission_id, phase)
) STRICT, WITHOUT ROWID;
"#,
    // v3: claims and assignments in the audit trail; batches that undo other batches.
    r#"
CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    from_assignee TEXT,
    to_assignee   TEXT,
    at            TEXT NOT NULL,
    analyst       TEXT NOT NULL
) STRICT;
CREATE INDEX assignments_by_submission ON assignments (submission_id, id);
CREATE TRIGGER assignments_append_only_update BEFORE UPDATE ON assignments
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER assignments_append_only_delete BEFORE DELETE ON assignments
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

ALTER TABLE batches ADD COLUMN undoes INTEGER REFERENCES batches (id);
CREATE INDEX events_by_batch ON events (batch_id);
"#,
    // v4: the analyst's findings, decisions on lint findings, and the outbox of emails.
    r#"
CREATE TABLE own_findings (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    severity      TEXT NOT NULL CHECK (severity IN ('blocker', 'warning')),
    text          TEXT NOT NULL,
    included      INTEGER NOT NULL CHECK (included IN (0, 1)),
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX own_findings_by_submission ON own_findings (submission_id, id);
CREATE TABLE rule_decisions (
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    rule          TEXT NOT NULL,
    included      INTEGER NOT NULL CHECK (included IN (0, 1)),
    reason        TEXT,
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL,
    PRIMARY KEY (submission_id, rule),
    CHECK (included = 1 OR reason IS NOT NULL)
) STRICT;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    message_id      TEXT NOT NULL UNIQUE,
    recipients      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    message         BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    server_reply    TEXT,
    queued_at       TEXT NOT NULL,
    claimed_at      TEXT,
    sent_at         TEXT,
    analyst         TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_submission ON outbox (submission_id, id);
CREATE TRIGGER outbox_sent_is_final BEFORE UPDATE ON outbox
WHEN OLD.status = 'sent'
BEGIN SELECT RAISE(ABORT, 'a sent email is never changed'); END;
"#,
    // v5: the workflow's record: clocks restarted on purpose, gates overridden (with the
    // blockers), migrated integrations, the kind of each email; indexes for the rules that
    // compare submissions (an org's submissions, the published app an update names).
    r#"
ALTER TABLE events ADD COLUMN restart_clock INTEGER NOT NULL DEFAULT 0 CHECK (restart_clock IN (0, 1));
ALTER TABLE events ADD COLUMN overrode TEXT;
ALTER TABLE submissions ADD COLUMN migrated_from_manager INTEGER NOT NULL DEFAULT 0
    CHECK (migrated_from_manager IN (0, 1));
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'issues'
    CHECK (kind IN ('received', 'qa_started', 'final_review', 'issues', 'published'));
-- What the analyst previewed (headers and plain text), to read it again in the outbox.
ALTER TABLE outbox ADD COLUMN preview TEXT;
CREATE INDEX submissions_by_org ON submissions (lower(trim(dev_org)));
CREATE INDEX published_by_app ON submissions (lower(trim(app_name))) WHERE state = 'published';
"#,
    // v6: the queue projection, kept in every write on the submission's own row (a move
    // rewrites no other page than the submission's and the urgency index's): the protocols
    // and evidence the queue shows, and the points its clock turns at (instants in Unix
    // seconds; clock keys on the policy's business-time axis). NULL `holder` means not
    // projected. `queue_log` says which submissions each write changed, for readers to read
    // only those again. Filled under the policy at the upgrade, in the same transaction.
    r#"
ALTER TABLE submissions ADD COLUMN protocol_list TEXT;
ALTER TABLE submissions ADD COLUMN holder TEXT;
ALTER TABLE submissions ADD COLUMN in_state_since INTEGER;
ALTER TABLE submissions ADD COLUMN valid_from INTEGER;
ALTER TABLE submissions ADD COLUMN clock_phase TEXT;
ALTER TABLE submissions ADD COLUMN clock_running INTEGER;
ALTER TABLE submissions ADD COLUMN clock_key INTEGER;
ALTER TABLE submissions ADD COLUMN clock_risk INTEGER;
ALTER TABLE submissions ADD COLUMN clock_warn INTEGER;
ALTER TABLE submissions ADD COLUMN clock_paused_warn INTEGER;
ALTER TABLE submissions ADD COLUMN clock_due INTEGER;
ALTER TABLE submissions ADD COLUMN urgency INTEGER;
ALTER TABLE submissions ADD COLUMN urgency_key INTEGER;
ALTER TABLE submissions ADD COLUMN runs TEXT;
ALTER TABLE submissions ADD COLUMN tests_required INTEGER;
ALTER TABLE submissions ADD COLUMN tests_failed INTEGER;
ALTER TABLE submissions ADD COLUMN tests_missing INTEGER;
ALTER TABLE submissions ADD COLUMN tests_expire INTEGER;
ALTER TABLE submissions ADD COLUMN scim_complete INTEGER;
-- The first frame's order (the items OIN holds, most urgent first); only those are in it,
-- so a move to the ISV deletes an entry and adds none.
CREATE INDEX queue_by_urgency ON submissions (urgency, urgency_key, id) WHERE holder = 'oin';
CREATE TABLE queue_log (
    seq INTEGER PRIMARY KEY,
    ids TEXT NOT NULL
) STRICT;
-- What search matches (id, app, ISV, submitter, dev org), compact for `list --query`: written
-- with the line at imports, never by a move.
CREATE TABLE search_text (
    id   TEXT PRIMARY KEY REFERENCES submissions (id),
    text TEXT NOT NULL
) STRICT, WITHOUT ROWID;
"#,
    // v7: internal notes (append-only, never emailed) and the attention set their mentions
    // fill: an analyst's entry goes when they act on the submission (move, note, claim).
    r#"
CREATE TABLE notes (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    author        TEXT NOT NULL,
    at            TEXT NOT NULL,
    text          TEXT NOT NULL
) STRICT;
CREATE INDEX notes_by_submission ON notes (submission_id, id);
CREATE TRIGGER notes_append_only_update BEFORE UPDATE ON notes
BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END;
CREATE TRIGGER notes_append_only_delete BEFORE DELETE ON notes
BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END;
CREATE TABLE attention (
    analyst       TEXT NOT NULL,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    note_id       INTEGER NOT NULL REFERENCES notes (id),
    PRIMARY KEY (analyst, submission_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX attention_by_submission ON attention (submission_id);
"#,
    // v8: reminder emails to ISVs that went quiet. SQLite cannot change a CHECK, so the
    // outbox is rebuilt with every row, its indexes and its trigger (in the migration's
    // one transaction).
    r#"
CREATE TABLE outbox_v8 (
    id              INTEGER PRIMARY KEY,
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    message_id      TEXT NOT NULL UNIQUE,
    recipients      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    message         BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    server_reply    TEXT,
    queued_at       TEXT NOT NULL,
    claimed_at      TEXT,
    sent_at         TEXT,
    analyst         TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'issues'
        CHECK (kind IN ('received', 'qa_started', 'final_review', 'issues', 'published', 'reminder')),
    preview         TEXT
) STRICT;
INSERT INTO outbox_v8 (id, submission_id, message_id, recipients, subject, message, status,
    attempts, next_attempt_at, last_error, server_reply, queued_at, claimed_at, sent_at,
    analyst, kind, preview)
SELECT id, submission_id, message_id, recipients, subject, message, status, attempts,
    next_attempt_at, last_error, server_reply, queued_at, claimed_at, sent_at, analyst, kind,
    preview
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v8 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_submission ON outbox (submission_id, id);
CREATE INDEX outbox_reminders ON outbox (submission_id, queued_at) WHERE kind = 'reminder';
CREATE TRIGGER outbox_sent_is_final BEFORE UPDATE ON outbox
WHEN OLD.status = 'sent'
BEGIN SELECT RAISE(ABORT, 'a sent email is never changed'); END;
"#,
    // v9: every column of a queue line in one covering index, in id order, with the search
    // text (id, app, ISV, submitter, dev org) on the row: a search scores that one column
    // inside SQLite's scan of the index (a fifth of the table's pages) and reads the rest
    // of a line only when it matches. The separate search text table goes; the projection
    // is rebuilt under the policy in the same transaction to fill the new column.
    r#"
DROP TABLE search_text;
ALTER TABLE submissions ADD COLUMN search TEXT;
CREATE INDEX queue_lines ON submissions (id, holder, search, state, app_name, isv,
    submitter_email, dev_org, path, protocol_list, update_of, assignee, version,
    in_state_since, valid_from, clock_phase, clock_running, clock_key, clock_risk,
    clock_warn, clock_paused_warn, clock_due, tests_required, tests_failed, tests_missing,
    tests_expire, scim_complete);
UPDATE meta SET value = 'stale' WHERE key = 'queue_policy';
"#,
    // v10: an email knows the batch (the move) it went with, so undoing the move cancels
    // it in the same transaction; a cancelled email stays in the outbox with who and when.
    // A new email is held (`[mail] hold`) before its first delivery.
    // Emails queued before this version are matched to their move by submission, time and
    // analyst (a move and its emails were always written in one transaction, at one time).
    // A correction email, sent after an undo whose email had already gone, is its own kind.
    r#"
CREATE TABLE outbox_v10 (
    id              INTEGER PRIMARY KEY,
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    message_id      TEXT NOT NULL UNIQUE,
    recipients      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    message         BLOB NOT NULL,
    status          TEXT NOT NULL
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    server_reply    TEXT,
    queued_at       TEXT NOT NULL,
    claimed_at      TEXT,
    sent_at         TEXT,
    analyst         TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'issues'
        CHECK (kind IN ('received', 'qa_started', 'final_review', 'issues', 'published',
                        'reminder', 'correction')),
    preview         TEXT,
    batch_id        INTEGER REFERENCES batches (id),
    cancelled_at    TEXT,
    cancelled_by    TEXT,
    held_until      TEXT
) STRICT;
INSERT INTO outbox_v10 (id, submission_id, message_id, recipients, subject, message, status,
    attempts, next_attempt_at, last_error, server_reply, queued_at, claimed_at, sent_at,
    analyst, kind, preview, batch_id)
SELECT o.id, o.submission_id, o.message_id, o.recipients, o.subject, o.message, o.status,
    o.attempts, o.next_attempt_at, o.last_error, o.server_reply, o.queued_at, o.claimed_at,
    o.sent_at, o.analyst, o.kind, o.preview,
    (SELECT e.batch_id FROM events e
      WHERE e.submission_id = o.submission_id AND e.at = o.queued_at
        AND e.analyst = o.analyst AND e.batch_id IS NOT NULL
      ORDER BY e.id DESC LIMIT 1)
FROM outbox o;
DROP TABLE outbox;
ALTER TABLE outbox_v10 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_submission ON outbox (submission_id, id);
CREATE INDEX outbox_reminders ON outbox (submission_id, queued_at) WHERE kind = 'reminder';
CREATE INDEX outbox_by_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
CREATE TRIGGER outbox_sent_is_final BEFORE UPDATE ON outbox
WHEN OLD.status = 'sent'
BEGIN SELECT RAISE(ABORT, 'a sent email is never changed'); END;
"#,
    // v11: versions of one integration. An update links to the published submission it
    // replaces (`supersedes`, an id), and once the update is published the old one records
    // the id that replaced it (`superseded_by`): it stays published in its history but is no
    // longer the live version. `update_of` stays the name the ISV gave. An update already in
    // the queue is linked when its `update_of` names exactly one published submission. The
    // queue line knows a replaced version (not counted as published, listed as "replaced"):
    // the covering index of the lines takes the new column.
    r#"
ALTER TABLE submissions ADD COLUMN supersedes TEXT;
ALTER TABLE submissions ADD COLUMN superseded_by TEXT;
CREATE TEMP TABLE published_names AS
    SELECT lower(trim(app_name)) AS name, min(id) AS id, count(*) AS n
    FROM submissions WHERE state = 'published' GROUP BY 1;
CREATE INDEX temp.published_by_name ON published_names (name);
UPDATE submissions SET supersedes = (
    SELECT id FROM published_names WHERE name = lower(trim(submissions.update_of)) AND n = 1)
WHERE state != 'published' AND trim(coalesce(update_of, '')) != '';
DROP TABLE temp.published_names;
DROP INDEX queue_lines;
CREATE INDEX queue_lines ON submissions (id, holder, search, state, app_name, isv,
    submitter_email, dev_org, path, protocol_list, update_of, assignee, version,
    in_state_since, valid_from, clock_phase, clock_running, clock_key, clock_risk,
    clock_warn, clock_paused_warn, clock_due, tests_required, tests_failed, tests_missing,
    tests_expire, scim_complete, superseded_by);
"#,
    // v12: the rest of the submission's form (004): the ISV's testing instructions, the
    // OIN Wizard's certification that the required tests passed (null: not recorded), and
    // the test instances in the ISV's org (JSON, like the SSO and SCIM settings). A query
    // finds the versions of one integration from the queue's lines, so the covering index
    // of the lines takes `supersedes` too.
    r#"
ALTER TABLE submissions ADD COLUMN testing_instructions TEXT;
ALTER TABLE submissions ADD COLUMN tests_certified INTEGER;
ALTER TABLE submissions ADD COLUMN instances_json TEXT;
DROP INDEX queue_lines;
CREATE INDEX queue_lines ON submissions (id, holder, search, state, app_name, isv,
    submitter_email, dev_org, path, protocol_list, update_of, assignee, version,
    in_state_since, valid_from, clock_phase, clock_running, clock_key, clock_risk,
    clock_warn, clock_paused_warn, clock_due, tests_required, tests_failed, tests_missing,
    tests_expire, scim_complete, superseded_by, supersedes);
"#,
    // v13: a draft is held by no one (it is not submitted; the OIN team does not review
    // drafts, 000:81): `holder:isv` and the With ISV tab hold only what waits on the ISV.
    r#"
UPDATE submissions SET holder = 'nobody' WHERE state = 'draft' AND holder = 'isv';
"#,
    // v14: the ISV's side of the thread. Messages fetched from the mailbox, append-only
    // (an unmatched one may be attached to its submission once, by hand): replies,
    // auto-replies and bounces (a bounce names the sent email it returns: the sent row is
    // final, so the bounce is recorded here, beside it). Attachments with their content
    // (NULL: over the size limit). What each analyst has read, the mailbox's UIDVALIDITY and
    // last UID read, and leases (one fetcher at a time).
    r#"
CREATE TABLE inbound (
    id            INTEGER PRIMARY KEY,
    message_key   TEXT NOT NULL UNIQUE,
    submission_id TEXT REFERENCES submissions (id),
    matched_by    TEXT CHECK (matched_by IN ('thread', 'subject', 'sender', 'hand')),
    kind          TEXT NOT NULL CHECK (kind IN ('reply', 'auto_reply', 'bounce')),
    sender        TEXT NOT NULL,
    sender_name   TEXT,
    sent_at       TEXT,
    received_at   TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    folded        TEXT NOT NULL,
    warnings      TEXT NOT NULL,
    bounce_of     INTEGER REFERENCES outbox (id),
    bounce_reason TEXT,
    source        TEXT NOT NULL,
    raw_bytes     INTEGER NOT NULL,
    attached_by   TEXT,
    attached_at   TEXT,
    CHECK ((submission_id IS NULL) = (matched_by IS NULL))
) STRICT;
CREATE INDEX inbound_by_submission ON inbound (submission_id, id);
CREATE INDEX inbound_unmatched ON inbound (id) WHERE submission_id IS NULL;
CREATE INDEX inbound_bounces ON inbound (bounce_of) WHERE bounce_of IS NOT NULL;
CREATE TRIGGER inbound_is_append_only BEFORE UPDATE ON inbound
WHEN OLD.submission_id IS NOT NULL OR NEW.matched_by IS NOT 'hand'
    OR NEW.message_key IS NOT OLD.message_key
    OR NEW.sender IS NOT OLD.sender OR NEW.kind IS NOT OLD.kind
BEGIN SELECT RAISE(ABORT, 'a received message is never changed (an unmatched one is only attached)'); END;
CREATE TRIGGER inbound_is_kept BEFORE DELETE ON inbound
BEGIN SELECT RAISE(ABORT, 'a received message is never deleted'); END;
CREATE TABLE inbound_attachments (
    inbound_id   INTEGER NOT NULL REFERENCES inbound (id),
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content      BLOB,
    PRIMARY KEY (inbound_id, position)
) STRICT;
CREATE TABLE inbound_reads (
    analyst       TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    read_upto     INTEGER NOT NULL,
    PRIMARY KEY (analyst, submission_id)
) STRICT;
CREATE TABLE mailbox_state (
    mailbox      TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL
) STRICT;
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
-- Threading a message by its sender: the contacts of a submission, as addresses compare.
CREATE INDEX submissions_by_submitter ON submissions (lower(trim(submitter_email)));
CREATE INDEX submissions_by_escalation ON submissions (lower(trim(escalation_contact)));
CREATE INDEX support_contacts_by_value ON support_contacts (lower(trim(value)));
"#,
];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}
