//! The ISV's side of the thread (issue 29): replies, fixes and bounces fetched from a real
//! IMAP server (Dovecot on loopback, TLS from a test CA) or a Maildir, threaded to their
//! submissions and stored once; hostile mail kept as data.
//!
//! Seeds: an ISV whose fix needed no Wizard edits must "inform the OIN team of your fix so
//! that they can continue QA testing" (seeds/004); an ISV in "ISV needs to review" can
//! respond or resubmit (seeds/000).

mod common;

use common::Sandbox;
use common::imap::{Dovecot, dovecot};

/// The test's Dovecot, or None when it may be left out (never under CI=true).
fn server() -> Option<&'static Dovecot> {
    let d = dovecot();
    if d.is_none() && common::cannot_run("Dovecot (Debian's dovecot-imapd; .ci/run installs it)") {
        return None;
    }
    d
}

/// A queue with the samples, the file outbox with no hold, `[inbound]` as given, and
/// OIN-2026-0105 (Harborview) sent back to the ISV with its issue list: the email the
/// ISV answers. Returns the sandbox and that email's Message-ID.
fn queue_with_issue_list(inbound: &str) -> (Sandbox, String) {
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "{}[mail]\nhold = \"0s\"\noutbox_dir = \"{}\"\n{inbound}",
            common::TEAM,
            sb.path("sent").display()
        ),
    );
    sb.import_samples();
    sb.ok(&["move", "--to", "isv_fix_bugs", "--email", "OIN-2026-0105"]);
    sb.ok(&["outbox", "flush"]);
    let outbox: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    (sb, outbox[0]["message_id"].as_str().unwrap().to_string())
}

/// The ISV's answer to `answers` (a Message-ID), from Harborview's escalation contact.
fn reply_to(answers: &str, n: u32, text: &str) -> Vec<u8> {
    format!(
        "From: Jo Smith <okta-escalations@harborview.example>\r\n\
         To: oin-review@okta.example\r\n\
         Subject: Re: [OIN] Harborview Tickets (OIN-2026-0105): issues found in QA testing\r\n\
         Message-ID: <reply-{n}@harborview.example>\r\n\
         In-Reply-To: {answers}\r\n\
         References: {answers}\r\n\
         Date: Sat, 05 Dec 2026 09:12:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         {text}\r\n\
         \r\n\
         On Fri, Dec 4, 2026 at 11:00 AM OIN <oin-review@okta.example> wrote:\r\n\
         > Issues found in QA testing\r\n"
    )
    .into_bytes()
}

/// The console's whole screen as drawn (TestBackend), one string of its cells.
fn drawn(app: &oin_review::tui::app::App, w: u16, h: u16) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| oin_review::tui::views::draw(f, app, &oin_review::tui::theme::Theme::plain()))
        .unwrap();
    term.backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol().to_string())
        .collect()
}

/// A Maildir on the review host (its folder lives as long as the guard).
fn maildir() -> (tempfile::TempDir, std::path::PathBuf) {
    let host = tempfile::tempdir().unwrap();
    let md = host.path().join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    (host, md)
}

fn show_json(sb: &Sandbox, id: &str) -> serde_json::Value {
    serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap()
}

fn received(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    v["conversation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["direction"] == "received")
        .map(|e| &e["message"])
        .collect()
}

#[test]
fn a_reply_to_the_issue_list_is_fetched_from_dovecot_once_even_after_two_fetches() {
    let Some(d) = server() else { return };
    let user = "isv-reply";
    let (sb, sent) =
        queue_with_issue_list(&d.inbound(user, "reply_to = \"oin-review@okta.example\"\n"));
    // The email the ISV got says where to reply: the mailbox that is fetched.
    let eml = std::fs::read_dir(sb.path("sent"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let msg = mail_parser::MessageParser::default()
        .parse(&std::fs::read(eml).unwrap())
        .unwrap()
        .into_owned();
    assert_eq!(
        msg.reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("oin-review@okta.example")
    );
    d.append(
        user,
        "INBOX",
        &reply_to(
            &sent,
            1,
            "We fixed the ACS URL; no Wizard edits were needed.",
        ),
    );
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("OIN-2026-0105 (by thread)"), "{out}");
    assert!(out.contains("1 new (1 replies"), "{out}");
    // The second fetch (a new process: a restart) finds nothing new; the message was
    // flagged \Seen only after it was stored.
    let again = sb.ok(&["mail", "fetch"]);
    assert!(again.contains("fetched 0 message(s)"), "{again}");
    assert_eq!(d.counts(user, "INBOX"), (1, 1));
    // Read again from the start (as after a UIDVALIDITY change): still stored once.
    rusqlite::Connection::open(sb.db())
        .unwrap()
        .execute("DELETE FROM mailbox_state", [])
        .unwrap();
    let third = sb.ok(&["mail", "fetch"]);
    assert!(
        third.contains("0 new") && third.contains("1 stored before"),
        "{third}"
    );
    let v = show_json(&sb, "OIN-2026-0105");
    let got = received(&v);
    assert_eq!(got.len(), 1, "{v:#}");
    assert_eq!(got[0]["matched_by"], "thread");
    assert_eq!(
        got[0]["text"],
        "We fixed the ACS URL; no Wizard edits were needed."
    );
    assert!(
        got[0]["folded"]
            .as_str()
            .unwrap()
            .contains("> Issues found")
    );
    let text = sb.ok(&["show", "OIN-2026-0105"]);
    assert!(
        text.contains("← ") && text.contains("We fixed the ACS URL"),
        "{text}"
    );
    // The sent email comes first in the conversation, the reply after it.
    assert_eq!(v["conversation"][0]["direction"], "sent");
}

#[test]
fn a_fix_without_edits_reply_offers_continue_qa_and_changes_no_state() {
    let Some(d) = server() else { return };
    let user = "isv-fix";
    let (sb, sent) = queue_with_issue_list(&d.inbound(user, ""));
    let before = show_json(&sb, "OIN-2026-0105");
    assert_eq!(before["offered_move"], serde_json::Value::Null);
    d.append(
        user,
        "INBOX",
        &reply_to(
            &sent,
            2,
            "Fixed in our app, no Wizard edits. Please continue QA testing.",
        ),
    );
    sb.ok(&["mail", "fetch"]);
    let after = show_json(&sb, "OIN-2026-0105");
    assert_eq!(
        after["state"], "isv_fix_bugs",
        "a reply moves nothing by itself"
    );
    assert_eq!(after["offered_move"], "qa_testing");
    let text = sb.ok(&["show", "OIN-2026-0105"]);
    assert!(
        text.contains("offered           continue QA")
            && text.contains("oin-review move --to qa_testing OIN-2026-0105"),
        "{text}"
    );
}

#[test]
fn a_reply_with_only_the_id_in_its_subject_threads_and_a_stranger_s_is_unmatched_until_attached() {
    let Some(d) = server() else { return };
    let user = "isv-subject";
    let (sb, _) = queue_with_issue_list(&d.inbound(user, ""));
    d.append(
        user,
        "INBOX",
        b"From: someone-new@harborview.example\r\nSubject: about oin-2026-0115 please\r\nMessage-ID: <s-1@harborview.example>\r\n\r\nA question.\r\n",
    );
    d.append(
        user,
        "INBOX",
        b"From: Stranger <stranger@elsewhere.example>\r\nSubject: hello\r\nMessage-ID: <x-1@elsewhere.example>\r\n\r\nWho am I?\r\n",
    );
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("OIN-2026-0115 (by subject)"), "{out}");
    assert!(out.contains("1 unmatched"), "{out}");
    // The export carries each conversation and what matched nothing.
    let export: serde_json::Value = serde_json::from_str(&sb.ok(&["export"])).unwrap();
    let c = export["conversations"]["OIN-2026-0115"].as_array().unwrap();
    assert_eq!(c[0]["message"]["text"], "A question.");
    assert_eq!(
        export["unmatched"][0]["sender"],
        "stranger@elsewhere.example"
    );
    let inbox = sb.ok(&["mail", "inbox", "--unmatched"]);
    let line = inbox
        .lines()
        .find(|l| l.contains("stranger@elsewhere.example"))
        .expect(&inbox);
    let n = line.split_whitespace().next().unwrap();
    let attached = sb.ok(&["mail", "attach", n, "oin-2026-0142"]);
    assert!(attached.contains("attached to OIN-2026-0142"), "{attached}");
    assert_eq!(
        sb.ok(&["mail", "inbox", "--unmatched"]).trim(),
        "no unmatched messages"
    );
    let v = show_json(&sb, "OIN-2026-0142");
    let got = received(&v);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["matched_by"], "hand");
    assert_eq!(got[0]["attached_by"], common::me());
    // Attached once: it is never moved again.
    let again = sb.run(&["mail", "attach", n, "OIN-2026-0105"]);
    assert!(!again.status.success());
    // The refusal says who attached it, as a colleague's change is named everywhere.
    let refused = String::from_utf8_lossy(&again.stderr);
    assert!(
        refused.contains(&format!(
            "belongs to OIN-2026-0142 already (attached by {} at 2026-12-04T",
            common::me()
        )) && refused.contains("a received message is never moved"),
        "{refused}"
    );
    let by_subject = received(&show_json(&sb, "OIN-2026-0115"))[0]["id"].to_string();
    let threaded = sb.run(&["mail", "attach", &by_subject, "OIN-2026-0105"]);
    assert!(
        String::from_utf8_lossy(&threaded.stderr)
            .contains("belongs to OIN-2026-0115 already (matched by subject when fetched)"),
        "{threaded:?}"
    );
    // A stranger's message can hold a password nothing knew to redact when it came: it is
    // redacted once it is attached to the submission whose password it is.
    d.append(
        user,
        "INBOX",
        b"From: temp@gmail.example\r\nSubject: login Tst-0105-pw!\r\nMessage-ID: <x-2@gmail.example>\r\n\r\nUse Tst-0105-pw! to log in.\r\n",
    );
    sb.ok(&["mail", "fetch"]);
    let unmatched = sb.ok(&["mail", "inbox", "--unmatched", "--format", "json"]);
    let m: Vec<serde_json::Value> = serde_json::from_str(&unmatched).unwrap();
    let n = m[0]["id"].to_string();
    sb.ok(&["mail", "attach", &n, "OIN-2026-0105"]);
    let read = sb.ok(&["mail", "read", &n]);
    assert!(
        !read.contains("Tst-0105-pw!") && read.contains("Use [redacted] to log in."),
        "{read}"
    );
}

#[test]
fn a_bounce_marks_its_email_bounced_with_the_reason() {
    let Some(d) = server() else { return };
    let user = "isv-bounce";
    let (sb, sent) = queue_with_issue_list(&d.inbound(user, ""));
    let dsn = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.harborview.example>\r\n\
         To: oin-review@okta.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Message-ID: <dsn-1@mx.harborview.example>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Your message could not be delivered.\r\n\
         --b1\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.harborview.example\r\n\
         \r\n\
         Final-Recipient: rfc822; okta-escalations@harborview.example\r\n\
         Action: failed\r\n\
         Status: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\
         --b1\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         Message-ID: {sent}\r\n\
         Subject: [OIN] Harborview Tickets (OIN-2026-0105): issues found in QA testing\r\n\
         --b1--\r\n"
    );
    d.append(user, "INBOX", dsn.as_bytes());
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("bounce of email 1"), "{out}");
    let outbox: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(outbox[0]["status"], "bounced");
    assert_eq!(
        outbox[0]["bounce"],
        "550 5.1.1 user unknown (to okta-escalations@harborview.example)"
    );
    let list = sb.ok(&["outbox", "list"]);
    assert!(
        list.contains("bounced") && list.contains("BOUNCED: 550 5.1.1 user unknown"),
        "{list}"
    );
    // A bounce is not the ISV's activity: nothing is offered.
    assert_eq!(
        show_json(&sb, "OIN-2026-0105")["offered_move"],
        serde_json::Value::Null
    );
    // The analyst corrects the address (an import of the submission with it) and sends the
    // issue list again, as `outbox list` says: a new email to the new address, while the
    // bounced one stays on record.
    let export: serde_json::Value = serde_json::from_str(&sb.ok(&["export"])).unwrap();
    let mut fixed = export["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "OIN-2026-0105")
        .unwrap()
        .clone();
    fixed["escalation_contact"] = serde_json::json!("oin-team@harborview.example");
    let file = sb.write("fixed.json", serde_json::to_vec(&[fixed]).unwrap());
    sb.ok(&["import", file.to_str().unwrap()]);
    sb.ok(&["mail", "send", "OIN-2026-0105"]);
    let outbox: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(outbox.len(), 2, "{outbox:?}");
    assert_eq!(outbox[0]["status"], "sent");
    assert_eq!(outbox[0]["recipients"][0], "oin-team@harborview.example");
    assert_eq!(outbox[0]["kind"], outbox[1]["kind"]);
    assert_eq!(outbox[1]["status"], "bounced");
}

#[test]
fn with_the_server_down_mail_fetch_says_so_exits_non_zero_and_loses_nothing() {
    let Some(d) = server() else { return };
    let user = "isv-down";
    // The same server, at a port where nothing listens.
    let down = d
        .inbound(user, "")
        .replace(&format!("port = {}", d.imaps), "port = 10999");
    let (sb, sent) = queue_with_issue_list(&down);
    d.append(user, "INBOX", &reply_to(&sent, 3, "Fixed."));
    let out = sb.run(&["mail", "fetch"]);
    let (stdout, stderr) = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(&format!("cannot connect to {}:10999", d.ip))
            && stderr.contains("nothing was lost"),
        "{stderr}"
    );
    assert_eq!(
        d.counts(user, "INBOX"),
        (1, 0),
        "the message is still unread there"
    );
    // The server comes back (the config's port is right again): it is fetched then.
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "{}[mail]\nhold = \"0s\"\noutbox_dir = \"{}\"\n{}",
            common::TEAM,
            sb.path("sent").display(),
            d.inbound(user, "")
        ),
    );
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("1 new"), "{out}");
}

#[test]
fn starttls_a_folder_move_and_one_fetcher_at_a_time() {
    let Some(d) = server() else { return };
    let user = "isv-starttls";
    let inbound = d
        .inbound(user, "after = \"move:Processed\"\n")
        .replace("tls = \"implicit\"", "tls = \"starttls\"")
        .replace(
            &format!("port = {}", d.imaps),
            &format!("port = {}", d.imap),
        );
    let (sb, sent) = queue_with_issue_list(&inbound);
    d.append(user, "INBOX", &reply_to(&sent, 4, "Done."));
    // Another fetch holds the lease: this one does nothing and says who.
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    sb.ok(&["list"]); // the queue is upgraded to the current schema
    c.execute(
        "INSERT INTO leases (name, holder, expires_at) VALUES ('mail fetch', 'ana@host pid 1', '2099-01-01T00:00:00Z')",
        [],
    )
    .unwrap();
    let busy = sb.ok(&["mail", "fetch"]);
    assert!(
        busy.contains("another fetch is running (ana@host pid 1"),
        "{busy}"
    );
    assert_eq!(d.counts(user, "INBOX"), (1, 0));
    c.execute("DELETE FROM leases", []).unwrap();
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("1 new"), "{out}");
    assert_eq!(d.counts(user, "INBOX"), (0, 0), "moved out of the inbox");
    assert_eq!(d.counts(user, "Processed").0, 1);
    // check --connect opens the mailbox and reads nothing.
    let check = sb.run(&["check", "--connect"]);
    let (stdout, stderr) = common::text(&check);
    assert!(
        stdout.contains(&format!("logged in as \"{user}\"")),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_maildir_is_read_once_and_its_messages_move_to_cur() {
    let (_host, md) = maildir();
    let (sb, sent) = queue_with_issue_list(&format!("[inbound]\nmaildir = \"{}\"\n", md.display()));
    std::fs::write(
        md.join("new/1700000000.1.host"),
        reply_to(&sent, 5, "Fixed."),
    )
    .unwrap();
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("OIN-2026-0105 (by thread)"), "{out}");
    assert!(md.join("cur/1700000000.1.host:2,S").exists());
    assert_eq!(std::fs::read_dir(md.join("new")).unwrap().count(), 0);
    // Delivered again (a second copy): stored once.
    std::fs::write(
        md.join("new/1700000001.2.host"),
        reply_to(&sent, 5, "Fixed."),
    )
    .unwrap();
    let again = sb.ok(&["mail", "fetch"]);
    assert!(
        again.contains("0 new") && again.contains("1 stored before"),
        "{again}"
    );
    // An attachment is kept in the queue, where every analyst reads it: a backup has it.
    std::fs::write(
        md.join("new/1700000002.3.host"),
        "From: okta-escalations@harborview.example\r\nSubject: logs\r\nMessage-ID: <att@h>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"saml.log\"\r\n\r\nassertion ok\r\n--b--\r\n",
    )
    .unwrap();
    sb.ok(&["mail", "fetch"]);
    let read = sb.ok(&["mail", "read", "2"]);
    assert!(
        read.contains("attached  1. saml.log (text/plain, 12 bytes)"),
        "{read}"
    );
    assert_eq!(
        sb.ok(&["mail", "read", "2", "--attachment", "1"]),
        "assertion ok"
    );
    let none = sb.run(&["mail", "read", "2", "--attachment", "2"]);
    assert!(
        !none.status.success()
            && String::from_utf8_lossy(&none.stderr).contains("message 2 has 1 attachment(s)"),
        "{none:?}"
    );
    sb.ok(&["backup"]);
    let backup = std::fs::read_dir(sb.path("backups"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let content: Vec<u8> = rusqlite::Connection::open(backup)
        .unwrap()
        .query_row("SELECT content FROM inbound_attachments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(content, b"assertion ok");
}

#[test]
fn the_console_fetches_the_reply_and_shows_it_in_the_detail_once_after_a_restart() {
    use common::tmux::Tmux;
    use std::time::Duration;
    let Some(d) = server() else { return };
    let wait = Duration::from_secs(15);
    let user = "isv-console";
    let (sb, sent) = queue_with_issue_list(&d.inbound(user, ""));
    d.append(
        user,
        "INBOX",
        &reply_to(&sent, 6, "Fixed without Wizard edits; please continue QA."),
    );
    for round in 0..2 {
        // Each console fetches at once when it opens (then every [inbound] every).
        let t = Tmux::start(&sb, &format!("replies-{round}"), &[], &[], 120, 40);
        t.wait_for("Needs OIN", wait);
        if round == 0 {
            // Not read yet: the header counts it and the queue marks it.
            let s = t.wait_for("« 1 unread", wait);
            t.keys(&["2"]);
            let s2 = t.wait_for("«OIN-2026-0105", wait);
            assert!(s.contains("« 1 unread"), "{s}");
            assert!(s2.contains("«OIN-2026-0105"), "{s2}");
            // The inbox says where replies come from and how often.
            t.keys(&["I"]);
            t.wait_for(
                &format!(
                    "replies: fetched from imap://{user}@{}:{}/INBOX every 5 min",
                    d.ip, d.imaps
                ),
                wait,
            );
            t.keys(&["Escape"]);
            t.wait_until("the inbox closed", |s| !s.contains("unmatched mail"), wait);
        } else {
            t.keys(&["2"]);
            t.wait_for("OIN-2026-0105", wait);
        }
        t.keys(&["Enter"]);
        t.wait_for("── State and SLA", wait);
        let s = t.wait_until(
            "the Conversation section",
            |s| {
                if !s.contains("── Conversation") {
                    t.keys(&["]"]);
                    return false;
                }
                true
            },
            wait,
        );
        assert!(
            s.contains("Fixed without Wizard edits; please continue QA."),
            "{s}"
        );
        assert_eq!(s.matches("← reply").count(), 1, "once: {s}");
        assert!(s.contains("the ISV replied: continue QA?"), "{s}");
        if round == 0 {
            assert!(s.contains("NEW"), "{s}");
            // Read once the section showed: the header no longer counts it.
            t.wait_until("read", |s| !s.contains("unread"), wait);
        } else {
            assert!(!s.contains("NEW"), "read in the first console: {s}");
        }
        t.keys(&["Escape", "q"]);
        t.wait_for("EXITED rc=0", wait);
    }
    let v = show_json(&sb, "OIN-2026-0105");
    assert_eq!(received(&v).len(), 1);
}

/// Hostile or malformed mail (issue 29, point 7): each is a file in a Maildir, as the host's
/// MTA would deliver it.
fn hostile_corpus(sent: &str) -> Vec<(&'static str, Vec<u8>)> {
    let big_line = "A".repeat(200_000);
    let many = (0..6)
        .map(|i| {
            format!(
                "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"f{i}.txt\"\r\n\r\nattachment {i}\r\n"
            )
        })
        .collect::<String>();
    let oversized_attachment = "x".repeat(4096);
    vec![
        ("csi colours in the body", format!("From: okta-escalations@harborview.example\r\nSubject: colours\r\nMessage-ID: <h1@x>\r\nIn-Reply-To: {sent}\r\n\r\nhello \x1b[31mred\x1b[0m and \x1b]0;owned title\x07 and \x1b]52;c;cGF5bG9hZA==\x07 clipboard\r\n").into_bytes()),
        ("an escape in the subject", format!("From: okta-escalations@harborview.example\r\nSubject: =?utf-8?b?{}?=\r\nMessage-ID: <h2@x>\r\nIn-Reply-To: {sent}\r\n\r\nbody\r\n", base64("evil \x1b[2J clear")).into_bytes()),
        ("a C1 CSI in the sender's name", "From: =?utf-8?b?wpsyShi?= <okta-escalations@harborview.example>\r\nSubject: c1\r\nMessage-ID: <h3@x>\r\n\r\nc1\r\n".as_bytes().to_vec()),
        ("bidi override in the name and text", "From: \u{202e}gnp.exe <okta-escalations@harborview.example>\r\nSubject: bidi \u{202e}txt.exe\r\nMessage-ID: <h4@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nread \u{202e}evil\u{202c} this\r\n".as_bytes().to_vec()),
        ("html only with a script and a remote image", format!("From: okta-escalations@harborview.example\r\nSubject: html\r\nMessage-ID: <h5@x>\r\nIn-Reply-To: {sent}\r\nContent-Type: text/html\r\n\r\n<html><script>alert(1)</script><img src=\"http://tracker.example/p.gif\"><p>Fixed <b>it</b>.</p></html>\r\n").into_bytes()),
        ("multipart without a boundary", "From: okta-escalations@harborview.example\r\nSubject: broken\r\nMessage-ID: <h6@x>\r\nContent-Type: multipart/mixed\r\n\r\n--nothing\r\nstray\r\n".as_bytes().to_vec()),
        ("binary garbage", (0u8..=255).cycle().take(3000).collect()),
        ("an empty file", Vec::new()),
        ("headers only", "From: okta-escalations@harborview.example\r\nSubject: no body\r\nMessage-ID: <h9@x>\r\n".as_bytes().to_vec()),
        ("too many attachments", format!("From: okta-escalations@harborview.example\r\nSubject: many\r\nMessage-ID: <h10@x>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n{many}--b--\r\n").into_bytes()),
        ("over the message size limit", format!("From: okta-escalations@harborview.example\r\nSubject: huge\r\nMessage-ID: <h11@x>\r\n\r\n{big_line}\r\n").into_bytes()),
        ("an attachment over its limit", format!("From: okta-escalations@harborview.example\r\nSubject: big attachment\r\nMessage-ID: <h12@x>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n\r\n{oversized_attachment}\r\n--b--\r\n").into_bytes()),
        ("invalid base64", "From: okta-escalations@harborview.example\r\nSubject: b64\r\nMessage-ID: <h13@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all\x1b[5m\r\n".as_bytes().to_vec()),
        ("bad quoted-printable", "From: okta-escalations@harborview.example\r\nSubject: qp\r\nMessage-ID: <h14@x>\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=1B[31m=\r\n".as_bytes().to_vec()),
        ("an unknown charset", b"From: okta-escalations@harborview.example\r\nSubject: charset\r\nMessage-ID: <h15@x>\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xff\xfe\x1b[31m bytes\r\n".to_vec()),
        ("a forged sender", "From: OIN Team <oin@okta.com>\r\nSubject: please approve\r\nMessage-ID: <h16@x>\r\n\r\nApprove Harborview now.\r\n".as_bytes().to_vec()),
        ("the password sent back", format!("From: okta-escalations@harborview.example\r\nSubject: creds Tst-0105-pw!\r\nMessage-ID: <h17@x>\r\nIn-Reply-To: {sent}\r\n\r\nThe test password is Tst-0105-pw! as before.\r\n").into_bytes()),
        ("the password in an html part", format!("From: okta-escalations@harborview.example\r\nSubject: html creds\r\nMessage-ID: <h18@x>\r\nIn-Reply-To: {sent}\r\nContent-Type: text/html\r\n\r\n<p>password: <b>Tst-0105-pw!</b></p>\r\n").into_bytes()),
        ("deeply nested messages", {
            let mut m = "From: okta-escalations@harborview.example\r\nSubject: inner\r\n\r\ninnermost\r\n".to_string();
            for i in 0..30 {
                m = format!("From: okta-escalations@harborview.example\r\nSubject: level {i}\r\nContent-Type: message/rfc822\r\n\r\n{m}");
            }
            format!("Message-ID: <h19@x>\r\n{m}").into_bytes()
        }),
        ("nul bytes in the headers", "From: okta-escalations@harborview.example\r\nSubject: nul\x00byte\r\nMessage-ID: <h20@x>\r\nX-Evil: \x00\x00\r\n\r\nnul\x00body\r\n".as_bytes().to_vec()),
        ("a control character in the Message-ID", "From: okta-escalations@harborview.example\r\nSubject: id\r\nMessage-ID: <h21\x1b[31m@x>\r\n\r\nid\r\n".as_bytes().to_vec()),
        ("a path in an attachment's name", "From: okta-escalations@harborview.example\r\nSubject: path\r\nMessage-ID: <h22@x>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"../../etc/\x1b[31mpasswd\"\r\n\r\nroot\r\n--b--\r\n".as_bytes().to_vec()),
        ("the same Message-ID twice", "From: okta-escalations@harborview.example\r\nSubject: dup\r\nMessage-ID: <h1@x>\r\n\r\nsecond copy\r\n".as_bytes().to_vec()),
    ]
}

fn base64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `text` could move a terminal: an escape, a C1 control, a bidi override.
fn unsafe_for_a_terminal(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

#[test]
fn a_corpus_of_hostile_mail_is_stored_without_a_crash_an_escape_or_the_password() {
    let (_host, md) = maildir();
    let (sb, sent) = queue_with_issue_list(&format!(
        "[inbound]\nmaildir = \"{}\"\nmax_message_bytes = 65536\nmax_attachments = 3\nmax_attachment_bytes = 1024\n",
        md.display()
    ));
    let corpus = hostile_corpus(&sent);
    assert!(corpus.len() >= 20);
    for (i, (_, bytes)) in corpus.iter().enumerate() {
        std::fs::write(md.join(format!("new/{:04}.corpus", i)), bytes).unwrap();
    }
    let out = sb.run(&["mail", "fetch"]);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    // Every file read and moved to cur/; the duplicate Message-ID stored once.
    assert_eq!(std::fs::read_dir(md.join("new")).unwrap().count(), 0);
    let inbox: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["mail", "inbox", "--format", "json"])).unwrap();
    assert_eq!(inbox.len(), corpus.len() - 1, "{stdout}");
    let warned = |w: &str| {
        inbox.iter().any(|m| {
            m["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str().unwrap().contains(w))
        })
    };
    assert!(
        warned("stored in part: the message is"),
        "the oversized one"
    );
    assert!(
        warned("more attachment(s) than the 3 kept"),
        "too many attachments"
    );
    assert!(
        warned("is over the limit: its content was not kept"),
        "a big attachment"
    );
    assert!(warned("malformed MIME: kept as raw text"), "the empty file");
    // The forged sender matches no contact: unmatched.
    let forged = inbox
        .iter()
        .find(|m| m["sender"] == "oin@okta.com")
        .unwrap();
    assert_eq!(forged["submission_id"], serde_json::Value::Null);
    // Whatever the CLI prints, and the console draws, is safe and holds no password.
    let mut outputs = vec![
        stdout,
        sb.ok(&["mail", "inbox"]),
        sb.ok(&["mail", "inbox", "--format", "json"]),
        sb.ok(&["show", "OIN-2026-0105"]),
        sb.ok(&["show", "OIN-2026-0105", "--format", "json"]),
    ];
    for m in &inbox {
        outputs.push(sb.ok(&["mail", "read", &m["id"].to_string()]));
    }
    for text in &outputs {
        assert_eq!(unsafe_for_a_terminal(text), None, "{text}");
        assert!(!text.contains("Tst-0105-pw!"), "{text}");
    }
    // In the console's detail: no escape byte on screen.
    let wf = common::workflow_with(&sb, Default::default());
    let sub = wf.submission("OIN-2026-0105").unwrap();
    assert!(sub.replies.len() >= 5, "{}", sub.replies.len());
    let mut app = common::sample_app("2026-12-04T11:00:00Z", 160, 200);
    common::feed_subs(&mut app, vec![sub]);
    for k in [
        crossterm::event::KeyCode::Char('5'),
        crossterm::event::KeyCode::Enter,
    ] {
        app.update(oin_review::tui::app::Msg::Key(
            crossterm::event::KeyEvent::from(k),
        ));
    }
    let screen = drawn(&app, 160, 200);
    assert!(screen.contains("── Conversation"), "{screen}");
    assert_eq!(unsafe_for_a_terminal(&screen), None);
    assert!(!screen.contains("Tst-0105-pw!"));
}

#[test]
fn a_reply_is_isv_activity_for_the_idle_reminders_and_an_auto_reply_is_not() {
    let (_host, md) = maildir();
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "{}[inbound]\nmaildir = \"{}\"\n",
            common::TEAM,
            md.display()
        ),
    );
    sb.import_samples();
    let due = sb.ok(&["remind", "--dry-run"]);
    assert!(
        due.contains("would queue  OIN-2026-0106") && due.contains("would queue  OIN-2026-0104"),
        "{due}"
    );
    // Tidepool's contact answers; Pinecrest's mailbox answers by itself.
    std::fs::write(
        md.join("new/1.host"),
        "From: support@tidepool.example\r\nSubject: our fix\r\nMessage-ID: <t1@tidepool.example>\r\n\r\nWorking on it.\r\n",
    )
    .unwrap();
    std::fs::write(
        md.join("new/2.host"),
        "From: okta-escalations@pinecrest.example\r\nSubject: Automatic reply: out of office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <p1@pinecrest.example>\r\n\r\nAway until Monday.\r\n",
    )
    .unwrap();
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("OIN-2026-0106 (by sender)"), "{out}");
    assert!(
        out.contains("auto_reply") && out.contains("OIN-2026-0104 (by sender)"),
        "{out}"
    );
    let due = sb.ok(&["remind", "--dry-run"]);
    assert!(!due.contains("OIN-2026-0106"), "the ISV just wrote: {due}");
    assert!(
        due.contains("would queue  OIN-2026-0104"),
        "an out-of-office is no answer: {due}"
    );
    // Queries see it too.
    let ids = |q: &str| -> Vec<String> {
        sb.ok(&["list", "--query", q, "--format", "tsv"])
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next().map(String::from))
            .collect()
    };
    assert_eq!(ids("replied:yes"), ["OIN-2026-0106"]);
    assert_eq!(ids("replied:unread"), ["OIN-2026-0106"]);
    assert!(!ids("replied:no").contains(&"OIN-2026-0106".to_string()));
    let idle = ids("idle:yes");
    assert!(
        !idle.contains(&"OIN-2026-0106".to_string()) && idle.contains(&"OIN-2026-0104".to_string()),
        "{idle:?}"
    );
}

#[test]
fn report_sla_gives_the_median_time_the_isv_took_to_answer() {
    let (_host, md) = maildir();
    let (sb, sent) = queue_with_issue_list(&format!("[inbound]\nmaildir = \"{}\"\n", md.display()));
    std::fs::write(md.join("new/1.host"), reply_to(&sent, 7, "Fixed.")).unwrap();
    // The reply is fetched on Monday afternoon: the email went on Friday at 11:00 UTC.
    let out = sb
        .cmd()
        .env("OIN_REVIEW_CLOCK", "2026-12-07T19:00:00Z")
        .args(["mail", "fetch"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&sb.ok(&[
        "report",
        "--as-of",
        "2026-12-08T12:00:00Z",
        "sla",
        "--format",
        "json",
    ]))
    .unwrap();
    let all = rows.last().unwrap();
    assert_eq!(all["group"], "all");
    // The built-in policy counts whole weekdays in UTC: Friday 11:00 to midnight (13 h) and
    // Monday to 19:00 (19 h); the weekend does not count.
    assert_eq!(all["median_isv_answer_seconds"], 32 * 3600, "{all}");
    let table = sb.ok(&["report", "--as-of", "2026-12-08T12:00:00Z", "sla"]);
    assert!(table.contains("ISV answers: median 1d 8h"), "{table}");
}

#[test]
fn the_console_s_inbox_attaches_an_unmatched_message_to_the_submission_selected() {
    use crossterm::event::{KeyCode, KeyEvent};
    use oin_review::tui::app::{Action, Msg};
    use oin_review::tui::worker::{DbRequest, WorkerEvent, Write};
    let mut app = common::sample_app("2026-12-04T11:00:00Z", 120, 40);
    let stranger = oin_review::domain::Reply {
        id: 7,
        submission_id: None,
        matched_by: None,
        kind: oin_review::domain::ReplyKind::Reply,
        sender: "stranger@elsewhere.example".into(),
        sender_name: None,
        sent_at: None,
        received_at: "2026-12-04T10:00:00Z".parse().unwrap(),
        subject: "which one is mine?".into(),
        text: "We changed the ACS URL.".into(),
        folded: String::new(),
        warnings: Vec::new(),
        bounce_of: None,
        bounce_reason: None,
        attachments: Vec::new(),
        attached_by: None,
    };
    app.update(Msg::Worker(WorkerEvent::Unmatched(std::sync::Arc::new(
        vec![stranger],
    ))));
    let selected = app.selected_row().unwrap().id().to_string();
    let key =
        |app: &mut oin_review::tui::app::App, c: KeyCode| app.update(Msg::Key(KeyEvent::from(c)));
    key(&mut app, KeyCode::Char('I'));
    let screen = drawn(&app, 120, 40);
    assert!(screen.contains("unmatched mail: 1"), "{screen}");
    assert!(screen.contains("stranger@elsewhere.example"), "{screen}");
    // Enter reads the message; Esc goes back to the list, not to the queue.
    key(&mut app, KeyCode::Enter);
    assert!(drawn(&app, 120, 40).contains("which one is mine?"));
    key(&mut app, KeyCode::Esc);
    assert!(drawn(&app, 120, 40).contains("unmatched mail: 1"));
    assert!(
        screen.contains(&format!("a attaches the highlighted message to {selected}")),
        "{screen}"
    );
    // `a` attaches to the one selected when the inbox opened (pinned then).
    let actions = key(&mut app, KeyCode::Char('a'));
    assert!(
        actions.iter().any(|a| matches!(
            a,
            Action::Db(DbRequest::Write(Write::AttachReply { message: 7, id })) if *id == selected
        )),
        "{actions:?}"
    );
}

#[test]
fn a_reply_on_an_unassigned_item_waits_on_whoever_sent_its_last_email() {
    let (_host, md) = maildir();
    let (sb, sent) = queue_with_issue_list(&format!("[inbound]\nmaildir = \"{}\"\n", md.display()));
    // Held by nobody now; this account sent its issue list.
    sb.ok(&["assign", "--to", "none", "OIN-2026-0105"]);
    let mine = |sb: &Sandbox| sb.ok(&["list", "--view", "Mine", "--format", "tsv"]);
    assert!(!mine(&sb).contains("OIN-2026-0105"));
    std::fs::write(md.join("new/1.host"), reply_to(&sent, 8, "Fixed.")).unwrap();
    sb.ok(&["mail", "fetch"]);
    // The reply waits on the analyst who sent the last email: their Mine tab holds it.
    assert!(mine(&sb).contains("OIN-2026-0105"), "{}", mine(&sb));
}

#[test]
fn the_console_says_when_its_background_fetch_fails_and_keeps_working() {
    use common::tmux::Tmux;
    use std::time::Duration;
    let Some(d) = server() else { return };
    let wait = Duration::from_secs(15);
    // The mailbox's server at a port where nothing listens.
    let down = d
        .inbound("isv-console-down", "")
        .replace(&format!("port = {}", d.imaps), "port = 10998");
    let (sb, _) = queue_with_issue_list(&down);
    let t = Tmux::start(&sb, "fetch-down", &[], &[], 160, 30);
    let s = t.wait_for("mail fetch failed", wait);
    assert!(
        s.contains("cannot connect to") && s.contains("nothing lost"),
        "{s}"
    );
    // The console goes on: the queue is there and q quits cleanly.
    assert!(s.contains("Needs OIN"), "{s}");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", wait);
}

/// `check` says whether outgoing mail's Reply-To leads to the mailbox that is fetched:
/// agreeing, disagreeing (another address than the IMAP login), and missing.
#[test]
fn check_says_whether_outgoing_mail_s_reply_to_is_the_mailbox_fetched() {
    let (_host, md) = maildir();
    let imap = "[inbound]\nhost = \"127.0.0.1\"\nusername = \"oin-review@okta.example\"\npassword_command = \"echo x\"\n";
    let cases = [
        (
            imap.to_string(),
            "ok    inbound    outgoing mail carries Reply-To \"oin-review@okta.example\"",
        ),
        (
            format!("{imap}reply_to = \"someone-else@okta.example\"\n"),
            "WARN  inbound    Reply-To \"someone-else@okta.example\" is not the mailbox read (\"oin-review@okta.example\"): make sure mail to it is delivered there",
        ),
        (
            format!("[inbound]\nmaildir = \"{}\"\n", md.display()),
            "WARN  inbound    outgoing mail carries no Reply-To, so replies go to [mail] from: set [inbound] reply_to to the address of the mailbox read",
        ),
        (
            format!(
                "[inbound]\nmaildir = \"{}\"\nreply_to = \"oin@okta.example\"\n",
                md.display()
            ),
            "ok    inbound    outgoing mail carries Reply-To \"oin@okta.example\"",
        ),
    ];
    let sb = Sandbox::new();
    sb.import_samples();
    for (inbound, line) in cases {
        sb.write(
            "config/oin-review/config.toml",
            format!("{}{inbound}", common::TEAM),
        );
        let out = sb.run(&["check"]);
        let (stdout, stderr) = common::text(&out);
        assert!(
            stdout.lines().any(|l| l == line),
            "{inbound}\nwanted {line:?} in:\n{stdout}{stderr}"
        );
    }
}

/// A cron `mail fetch` on a host whose config has no `[inbound]` fails every time and says
/// what to set, and does not claim a mailbox it never had "lost nothing".
#[test]
fn mail_fetch_with_no_mailbox_set_says_what_to_set_and_exits_1() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.run(&["mail", "fetch"]);
    let (stdout, stderr) = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "oin-review: mail fetch: [inbound] in the config names no mailbox: set host (IMAP) or maildir (oin-review-config(5), Receiving replies)\n"
    );
    assert_eq!(stdout, "");
}

/// The console's outbox shows a bounced email with its reason; `r` does not send it to the
/// address that bounced but says how to resend (the path `bounce_…` tests), and `c` says it
/// cannot be taken back. Nothing is written.
#[test]
fn the_console_s_outbox_shows_a_bounce_and_says_how_to_resend_it() {
    use crossterm::event::{KeyCode, KeyEvent};
    use oin_review::domain::OutboxStatus;
    use oin_review::tui::app::Msg;
    use oin_review::tui::worker::WorkerEvent;
    let mut app = common::sample_app("2026-12-04T11:00:00Z", 160, 48);
    let mut bounced = common::sent_email(
        4,
        "OIN-2026-0105",
        "okta-escalations@harborview.example",
        "[OIN] Harborview Tickets (OIN-2026-0105): issues found in QA testing",
        "2026-12-04T10:00:05Z",
    );
    bounced.status = OutboxStatus::Bounced;
    bounced.bounce = Some("550 5.1.1 user unknown".into());
    app.update(Msg::Worker(WorkerEvent::Outbox(std::sync::Arc::new(vec![
        bounced,
    ]))));
    let key =
        |app: &mut oin_review::tui::app::App, c: KeyCode| app.update(Msg::Key(KeyEvent::from(c)));
    key(&mut app, KeyCode::Char('O'));
    let screen = drawn(&app, 160, 48);
    assert!(
        screen.contains("BOUNCED") && screen.contains("bounced: 550 5.1.1 user unknown"),
        "{screen}"
    );
    let said =
        |app: &oin_review::tui::app::App| app.message().map(|m| m.text.clone()).unwrap_or_default();
    assert!(key(&mut app, KeyCode::Char('r')).is_empty(), "nothing sent");
    assert_eq!(
        said(&app),
        "email 4 bounced; correct the address (import OIN-2026-0105 with it), then `oin-review mail send OIN-2026-0105`"
    );
    assert!(
        key(&mut app, KeyCode::Char('c')).is_empty(),
        "nothing written"
    );
    assert_eq!(said(&app), "email 4 was sent; it cannot be taken back");
}
