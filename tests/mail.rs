//! The issue-list email: composed from templates, threaded, never carrying the password,
//! and delivered through the outbox to a real SMTP server on loopback (mailin-embedded).

mod common;

use common::smtp::{Received, loopback_listener, start_server};
use common::{Sandbox, submission_json, text};
use mail_parser::{MessageParser, MimeHeaders};
use mailin_embedded::SslConfig;
use oin_review::config::MailConfig;
use oin_review::domain::findings::ReviewNotes;
use oin_review::domain::notice::notice;
use oin_review::domain::{
    EmailKind, EventKind, OwnFinding, Policy, QueueFacts, Review, ReviewState, Severity,
    StateChange, Submission,
};
use oin_review::mail::{Templates, compose};
use serde_json::json;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Composing

fn sample() -> Submission {
    let mut v = submission_json("OIN-77", "initial_review");
    v["app_name"] = json!("Acme Expense");
    v["isv"] = json!("Acme Corp");
    v["escalation_contact"] = json!("escalations@acme.example");
    v["test_account"]["password"] = json!("Hunter2-very-secret");
    let mut s =
        oin_review::exchange::parse_submissions("t.json", json!([v]).to_string().as_bytes())
            .unwrap()
            .remove(0);
    s.notes = ReviewNotes {
        own: vec![OwnFinding {
            id: 1,
            severity: Severity::Blocker,
            text: "Log in with the test account (password Hunter2-very-secret) fails with 500."
                .into(),
            included: true,
            by: "ben".into(),
            at: "2026-11-20T10:00:00Z".parse().unwrap(),
            version: 1,
        }],
        decisions: Vec::new(),
    };
    s
}

fn policy() -> Policy {
    oin_review::config::policy_from_text("policy.toml".as_ref(), oin_review::config::BUILTIN_POLICY)
        .unwrap()
}

const NOW: &str = "2026-11-22T12:00:00Z";

fn lint_of(s: &Submission) -> Vec<oin_review::domain::Finding> {
    Review::of(s, &policy(), &QueueFacts::default(), NOW.parse().unwrap()).lint
}

/// `s` as it is once moved to `to` now.
fn moved(s: &Submission, to: ReviewState) -> Submission {
    s.after(StateChange {
        from: Some(s.state),
        to,
        at: NOW.parse().unwrap(),
        by: "ben".into(),
        reason: None,
        forced: false,
        kind: EventKind::Move,
        restart_clock: false,
        overrode: Vec::new(),
    })
}

/// The email of `kind` for `after`, as the workflow composes it.
fn compose_kind(
    after: &Submission,
    kind: EmailKind,
    thread: Vec<String>,
) -> Result<oin_review::mail::Composed, String> {
    let (policy, now) = (policy(), NOW.parse().unwrap());
    let review = Review::of(after, &policy, &QueueFacts::default(), now);
    let n = notice(
        after,
        kind,
        &review.issues,
        &review.assessment,
        &policy,
        now,
    )
    .map_err(|e| e.to_string())?;
    compose(
        after,
        &n,
        &thread,
        now,
        &MailConfig {
            cc: vec!["oin-qa@okta.example".into()],
            signature: "Ben, OIN Review".into(),
            ..MailConfig::default()
        },
        &Templates::from_dir(None).unwrap(),
    )
    .map_err(|e| e.to_string())
}

fn compose_sample(s: &Submission, thread: Vec<String>) -> oin_review::mail::Composed {
    compose_kind(&moved(s, ReviewState::IsvReview), EmailKind::Issues, thread).unwrap()
}

#[test]
fn plain_text_lists_every_issue_with_next_steps_and_signature() {
    let c = compose_sample(&sample(), Vec::new());
    assert_eq!(
        c.subject,
        "[OIN] Acme Expense (OIN-77): issues found in initial review"
    );
    assert_eq!(c.to, ["escalations@acme.example"]);
    assert_eq!(c.cc, ["oin-qa@okta.example"]);
    let lint = lint_of(&sample());
    assert!(!lint.is_empty(), "the sample has lint findings");
    // Every included issue is numbered, blockers first, the analyst's own included.
    for (i, f) in lint.iter().enumerate() {
        assert!(
            c.plain.contains(&f.message),
            "issue {i} missing: {}",
            c.plain
        );
    }
    let numbered: Vec<&str> = c
        .plain
        .lines()
        .filter(|l| {
            l.split_once(". [")
                .is_some_and(|(n, _)| n.chars().all(|ch| ch.is_ascii_digit()))
        })
        .collect();
    assert_eq!(numbered.len(), lint.len() + 1, "{}", c.plain);
    assert!(numbered[0].starts_with("1. [blocker]"), "{numbered:?}");
    assert!(
        c.plain.starts_with("Hello Acme Corp team,\n"),
        "{}",
        c.plain
    );
    assert!(c.plain.contains("Resubmit in the OIN Wizard"));
    // A Wizard submission: the state in the Wizard's words (000's table: "ISV to review").
    assert!(
        c.plain
            .contains("The submission is now in \"ISV to review\"."),
        "{}",
        c.plain
    );
    // Warnings are suggestions, listed apart from what must be fixed: a test username other
    // than isvtest@okta.com is one (001, 004: "preferred").
    let mut warned = sample();
    if let Some(a) = warned.test_account.as_mut() {
        a.username = Some("qa@acme.example".into());
    }
    let w = compose_sample(&warned, Vec::new());
    let must = w
        .plain
        .find("that must be addressed")
        .unwrap_or_else(|| panic!("{}", w.plain));
    let suggest = w
        .plain
        .find("We also suggest 1 change, not required for the review to continue:")
        .unwrap_or_else(|| panic!("{}", w.plain));
    let warning = w.plain.find("[warning]").unwrap();
    assert!(must < suggest && suggest < warning, "{}", w.plain);
    // Where to check the status (000:21), and "respond or resubmit" (000:83).
    assert!(
        c.plain.contains("- You can check the status of your submission at any time on the Your OIN Integrations dashboard"),
        "{}",
        c.plain
    );
    assert!(
        c.plain
            .contains("reply to this email instead: we review your response"),
        "{}",
        c.plain
    );
    assert!(c.plain.trim_end().ends_with("Regards,\nBen, OIN Review"));
    assert_eq!(c.issues, lint.len() + 1);
}

#[test]
fn the_test_password_never_appears_in_the_message() {
    let c = compose_sample(&sample(), Vec::new());
    for part in [&c.plain, &c.html, &c.preview()] {
        assert!(!part.contains("Hunter2"), "password leaked: {part}");
        assert!(part.contains("[redacted]"));
    }
    assert!(!String::from_utf8_lossy(&c.bytes).contains("Hunter2"));
    // Decoded as a mail client would (quoted-printable can split words across lines).
    let msg = MessageParser::default().parse(&c.bytes).unwrap();
    for i in 0..msg.text_body_count() {
        assert!(!msg.body_text(i).unwrap().contains("Hunter2"));
    }
    for i in 0..msg.html_body_count() {
        assert!(!msg.body_html(i).unwrap().contains("Hunter2"));
    }
}

#[test]
fn html_escapes_what_the_isv_typed_and_the_plain_part_comes_first() {
    let mut s = sample();
    s.app_name = "<script>alert(\"x\")</script> & 'Co'".into();
    let c = compose_sample(&s, Vec::new());
    assert!(!c.html.contains("<script>"), "{}", c.html);
    assert!(
        c.html.contains(
            "&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; &#x27;Co&#x27;"
        ),
        "{}",
        c.html
    );
    assert!(
        c.plain.contains("<script>alert(\"x\")</script>"),
        "plain text is not HTML"
    );
    let msg = MessageParser::default().parse(&c.bytes).unwrap();
    let root = msg.root_part();
    let ct = root.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let kinds: Vec<String> = msg
        .parts
        .iter()
        .skip(1)
        .map(|p| {
            let ct = p.content_type().unwrap();
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""))
        })
        .collect();
    assert_eq!(kinds, ["text/plain", "text/html"]);
}

#[test]
fn later_emails_thread_under_the_earlier_ones() {
    let s = sample();
    let first = compose_sample(&s, Vec::new());
    let second = compose_sample(&s, vec![first.message_id.clone()]);
    let third = compose_sample(
        &s,
        vec![first.message_id.clone(), second.message_id.clone()],
    );
    assert_ne!(first.message_id, second.message_id);
    let parsed = MessageParser::default().parse(&third.bytes).unwrap();
    let strip = |s: &str| s.trim_matches(['<', '>']).to_string();
    assert_eq!(
        parsed.in_reply_to().as_text().map(str::to_string),
        Some(strip(&second.message_id))
    );
    let refs: Vec<String> = parsed
        .references()
        .as_text_list()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(refs, [strip(&first.message_id), strip(&second.message_id)]);
    let head = MessageParser::default().parse(&first.bytes).unwrap();
    assert!(head.in_reply_to().is_empty());
}

#[test]
fn no_included_issue_means_no_email() {
    let mut s = sample();
    s.escalation_contact = Some("escalations@acme.example".into());
    s.notes.own.clear();
    let lint = lint_of(&s);
    s.notes.decisions = lint
        .iter()
        .map(|f| oin_review::domain::RuleDecision {
            rule: f.rule.into(),
            included: false,
            reason: Some("accepted".into()),
            by: "ben".into(),
            at: "2026-11-20T10:00:00Z".parse().unwrap(),
        })
        .collect();
    let err = compose_kind(
        &moved(&s, ReviewState::IsvReview),
        EmailKind::Issues,
        Vec::new(),
    )
    .unwrap_err();
    assert!(err.contains("no issues to email"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Delivery to a real SMTP server on loopback

/// A loopback port where nothing listens, reserved for as long as this lives: a socket
/// bound to it that does not listen. A connection to it is refused (no listener), and no
/// other socket of any test can take the port meanwhile (it is bound, without
/// SO_REUSEADDR), so a server down stays down until `listen` brings it up on the same port.
struct DownPort(tokio::net::TcpSocket);

impl DownPort {
    fn new() -> DownPort {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        DownPort(socket)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    /// Starts listening on the port: the server that was down comes up where it was.
    fn listen(self) -> TcpListener {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let _in = rt.enter();
        let listener = self.0.listen(16).unwrap().into_std().unwrap();
        listener.set_nonblocking(false).unwrap();
        listener
    }
}

fn smtp_sandbox(port: u16, extra: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"OIN Review <oin@okta.example>\"\n{extra}"
        ),
    );
    let mut v = submission_json("OIN-5", "initial_review");
    v["escalation_contact"] = json!("dev@isv.example");
    v["test_account"]["password"] = json!("pw-never-mailed-42");
    sb.import_values(&[v]);
    sb.ok(&[
        "finding",
        "add",
        "OIN-5",
        "--severity",
        "blocker",
        "SP-initiated login fails.",
    ]);
    sb
}

fn outbox(sb: &Sandbox) -> Vec<serde_json::Value> {
    serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap()
}

#[test]
fn send_with_a_move_delivers_a_multipart_email_and_records_the_reply() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, None, None);
    let sb = smtp_sandbox(port, "");
    let out = sb.ok(&["mail", "send", "OIN-5", "--move-to", "isv_review"]);
    assert!(out.contains("moved to isv_review"), "{out}");
    assert!(out.contains("1 sent, 0 waiting, 0 failed"), "{out}");
    let got = received.settled();
    assert_eq!(got.len(), 1);
    let msg = MessageParser::default().parse(&got[0].bytes).unwrap();
    assert_eq!(
        msg.to().unwrap().first().unwrap().address(),
        Some("dev@isv.example")
    );
    assert!(
        msg.body_text(0)
            .unwrap()
            .contains("SP-initiated login fails.")
    );
    assert!(
        msg.body_html(0)
            .unwrap()
            .contains("SP-initiated login fails.")
    );
    assert!(!String::from_utf8_lossy(&got[0].bytes).contains("pw-never-mailed-42"));
    let ob = outbox(&sb);
    assert_eq!(ob[0]["status"], "sent");
    assert!(
        ob[0]["server_reply"].as_str().unwrap().starts_with("250"),
        "{ob:?}"
    );
    let listed = sb.list_json();
    assert_eq!(listed[0]["state"], "isv_review");

    // The second email of the submission threads under the first.
    sb.ok(&["move", "--to", "initial_review", "OIN-5"]);
    sb.ok(&["mail", "send", "OIN-5"]);
    let got = received.settled();
    assert_eq!(got.len(), 2);
    let second = MessageParser::default().parse(&got[1].bytes).unwrap();
    let first_id = ob[0]["message_id"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>']);
    assert_eq!(second.in_reply_to().as_text(), Some(first_id));
}

#[test]
fn server_down_keeps_the_email_queued_and_flush_later_delivers_it_once() {
    let down = DownPort::new();
    let port = down.port();
    let sb = smtp_sandbox(port, "");
    let out = sb.run(&["mail", "send", "OIN-5", "--move-to", "isv_review"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "queued is success: {stderr}");
    assert!(stdout.contains("not delivered yet"), "{stdout}");
    let ob = outbox(&sb);
    assert_eq!(ob[0]["status"], "queued");
    assert_eq!(ob[0]["attempts"], 1);
    assert!(ob[0]["last_error"].as_str().is_some());
    // The move and the email committed together.
    assert_eq!(sb.list_json()[0]["state"], "isv_review");

    let still_down = sb.run(&["outbox", "flush"]);
    assert!(
        !still_down.status.success(),
        "flush says something is undelivered"
    );
    assert_eq!(outbox(&sb)[0]["status"], "queued");

    // The server comes up on the port the email is addressed to.
    let received = start_server(down.listen(), None, None);
    let out = sb.ok(&["outbox", "flush"]);
    assert!(out.contains("1 sent"), "{out}");
    let out = sb.ok(&["outbox", "flush"]);
    assert!(out.contains("0 sent, 0 waiting, 0 failed"), "{out}");
    // Both flushes have exited: once the server's sessions have ended, its count is final.
    assert_eq!(received.settled().len(), 1, "delivered exactly once");
    let ob = outbox(&sb);
    assert_eq!(ob.len(), 1);
    assert_eq!(ob[0]["status"], "sent");
    assert_eq!(ob[0]["attempts"], 3);
}

#[test]
fn a_permanent_refusal_marks_the_email_failed_and_it_is_not_retried() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, Some((550, "5.1.1 mailbox unavailable")), None);
    let sb = smtp_sandbox(port, "");
    let out = sb.run(&["mail", "send", "OIN-5"]);
    let (stdout, _) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.contains("FAILED"), "{stdout}");
    let ob = outbox(&sb);
    assert_eq!(ob[0]["status"], "failed");
    assert!(
        ob[0]["last_error"].as_str().unwrap().contains("550"),
        "{ob:?}"
    );
    sb.ok(&["outbox", "flush"]);
    let ob = outbox(&sb);
    assert_eq!(ob[0]["attempts"], 1, "a failed email waits for the analyst");
    assert_eq!(received.settled().len(), 0);
}

#[test]
fn starttls_with_a_private_ca_delivers() {
    // mailin's rustls and lettre's bring two crypto providers into this test binary.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sb0 = Sandbox::new();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = sb0.write("cert.pem", ck.cert.pem());
    let key = sb0.write("key.pem", ck.key_pair.serialize_pem());
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(
        listener,
        None,
        Some(SslConfig::SelfSigned {
            cert_path: cert.to_str().unwrap().into(),
            key_path: key.to_str().unwrap().into(),
        }),
    );
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"localhost\"\nport = {port}\ntls = \"starttls\"\n\
             from = \"OIN Review <oin@okta.example>\"\nca_file = \"{}\"\n",
            cert.display()
        ),
    );
    let mut v = submission_json("OIN-5", "initial_review");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    sb.ok(&["finding", "add", "OIN-5", "Fix the logo."]);
    let out = sb.ok(&["mail", "send", "OIN-5"]);
    assert!(out.contains("1 sent"), "{out}");
    assert_eq!(received.settled().len(), 1);
}

#[test]
fn plain_smtp_to_a_remote_host_is_refused() {
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"smtp.example.com\"\ntls = \"none\"\n",
    );
    let mut v = submission_json("OIN-5", "initial_review");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    sb.ok(&["finding", "add", "OIN-5", "Fix the logo."]);
    let out = sb.run(&["mail", "send", "OIN-5"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("only for a loopback host"), "{stderr}");
    assert!(
        outbox(&sb).is_empty(),
        "nothing queued when the config is wrong"
    );
}

#[test]
fn the_file_transport_writes_eml_files_in_the_data_dir() {
    let sb = Sandbox::new();
    let mut v = submission_json("OIN-5", "qa_testing");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    sb.ok(&[
        "finding",
        "add",
        "OIN-5",
        "--severity",
        "blocker",
        "Deprovisioning leaves the user active.",
    ]);
    let out = sb.ok(&["mail", "send", "OIN-5", "--move-to", "isv_fix_bugs"]);
    assert!(out.contains("1 sent"), "{out}");
    let dir = sb.path("data/oin-review/outbox-files");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(&files[0]).unwrap();
    let msg = MessageParser::default().parse(&bytes).unwrap();
    let body = msg.body_text(0).unwrap();
    assert!(body.contains("Deprovisioning leaves the user active."));
    assert_eq!(
        msg.subject(),
        Some("[OIN] App OIN-5 (OIN-5): issues found in QA testing")
    );
    assert!(body.contains("During QA testing we found"), "{body}");
    assert!(
        body.contains("run the required tests in the OIN Submission Tester again (SAML)"),
        "{body}"
    );
    assert!(!String::from_utf8_lossy(&bytes).contains("pw-OIN-5"));
}

/// A hand-written SMTP server whose behaviour can change between connections: "ok",
/// "451" (temporary answer at the end of DATA), "421" (service closing at MAIL), "drop"
/// (the connection closes in the middle of DATA). A session counts as open from its
/// accept until its thread ends.
fn moody_server(listener: TcpListener, mood: Arc<Mutex<&'static str>>) -> Received {
    use std::io::{BufRead, BufReader, Write};
    let received = Received::default();
    let got = received.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let session = got.session();
            let mood = *mood.lock().unwrap();
            let got = got.clone();
            std::thread::spawn(move || {
                let _session = session;
                let mut w = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                let _ = w.write_all(b"220 localhost test ESMTP\r\n");
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if cmd.starts_with("MAIL") && mood == "421" {
                        let _ = w.write_all(b"421 4.3.2 service not available, closing\r\n");
                        return;
                    } else if cmd.starts_with("DATA") {
                        let _ = w.write_all(b"354 go ahead\r\n");
                        let mut body = Vec::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if mood == "drop" && body.len() > 200 {
                                return; // the connection drops in the middle of DATA
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            body.extend_from_slice(line.as_bytes());
                        }
                        if mood == "451" {
                            b"451 4.3.0 try again later\r\n"
                        } else {
                            got.accept(Vec::new(), body);
                            b"250 2.0.0 queued as 42\r\n"
                        }
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if w.write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    received
}

#[test]
fn temporary_answers_and_a_dropped_data_phase_lose_nothing_and_send_once() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let mood = Arc::new(Mutex::new("451"));
    let received = moody_server(listener, mood.clone());
    let sb = smtp_sandbox(port, "");
    for (round, m) in ["451", "421", "drop"].iter().enumerate() {
        *mood.lock().unwrap() = m;
        let started = std::time::Instant::now();
        let out = if round == 0 {
            sb.run(&["mail", "send", "OIN-5", "--move-to", "isv_review"])
        } else {
            sb.run(&["outbox", "flush"])
        };
        let (stdout, _) = text(&out);
        assert!(stdout.contains("0 sent, 1 waiting"), "{m}: {stdout}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{m}: {:?}",
            started.elapsed()
        );
        let ob = outbox(&sb);
        assert_eq!(ob.len(), 1);
        assert_eq!(ob[0]["status"], "queued", "{m}: {ob:?}");
        assert_eq!(ob[0]["attempts"], round as i64 + 1);
        assert_eq!(received.settled().len(), 0, "{m}: nothing accepted");
    }
    *mood.lock().unwrap() = "ok";
    let out = sb.ok(&["outbox", "flush"]);
    assert!(out.contains("1 sent"), "{out}");
    assert!(
        out.contains("250 2.0.0 queued as 42"),
        "the server's reply is kept: {out}"
    );
    sb.ok(&["outbox", "flush"]);
    // Both flushes have exited: once the server's sessions have ended, its count is final.
    assert_eq!(received.settled().len(), 1, "accepted once, sent once");
    assert_eq!(outbox(&sb)[0]["status"], "sent");
}

/// A hand-written SMTP server that offers AUTH PLAIN and LOGIN and accepts one user and
/// password; returns the credentials each login carried and the messages accepted.
#[allow(clippy::type_complexity)]
fn login_server(
    listener: TcpListener,
    user: &'static str,
    password: &'static str,
) -> (Arc<Mutex<Vec<(String, String)>>>, Arc<Mutex<Vec<Vec<u8>>>>) {
    use base64::Engine;
    use std::io::{BufRead, BufReader, Write};
    let b64 = base64::engine::general_purpose::STANDARD;
    let logins = Arc::new(Mutex::new(Vec::new()));
    let received = Arc::new(Mutex::new(Vec::new()));
    let (l, got) = (logins.clone(), received.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let mut w = conn.try_clone().unwrap();
            let mut r = BufReader::new(conn);
            let _ = w.write_all(b"220 localhost test ESMTP\r\n");
            let mut line = String::new();
            let mut authed = false;
            let read = |r: &mut BufReader<_>, line: &mut String| {
                line.clear();
                r.read_line(line).unwrap_or(0) > 0
            };
            let decode = |s: &str| {
                String::from_utf8(b64.decode(s.trim()).unwrap_or_default()).unwrap_or_default()
            };
            while read(&mut r, &mut line) {
                let cmd = line.trim_end().to_string();
                let upper = cmd.to_ascii_uppercase();
                let verdict = |u: String, p: String| {
                    let ok = u == user && p == password;
                    l.lock().unwrap().push((u, p));
                    ok
                };
                let reply: String = if upper.starts_with("EHLO") {
                    "250-localhost\r\n250 AUTH PLAIN LOGIN\r\n".into()
                } else if upper.starts_with("AUTH PLAIN") {
                    let plain = decode(cmd.split_whitespace().nth(2).unwrap_or(""));
                    let parts: Vec<&str> = plain.split('\0').collect();
                    authed = parts.len() == 3 && verdict(parts[1].into(), parts[2].into());
                    if authed {
                        "235 2.7.0 ok\r\n"
                    } else {
                        "535 5.7.8 authentication credentials invalid\r\n"
                    }
                    .into()
                } else if upper.starts_with("AUTH LOGIN") {
                    let _ = w.write_all(b"334 VXNlcm5hbWU6\r\n");
                    read(&mut r, &mut line);
                    let u = decode(&line);
                    let _ = w.write_all(b"334 UGFzc3dvcmQ6\r\n");
                    read(&mut r, &mut line);
                    authed = verdict(u, decode(&line));
                    if authed {
                        "235 2.7.0 ok\r\n"
                    } else {
                        "535 5.7.8 authentication credentials invalid\r\n"
                    }
                    .into()
                } else if upper.starts_with("MAIL") && !authed {
                    "530 5.7.0 authentication required\r\n".into()
                } else if upper.starts_with("DATA") {
                    let _ = w.write_all(b"354 go ahead\r\n");
                    let mut body = Vec::new();
                    while read(&mut r, &mut line) && line != ".\r\n" {
                        body.extend_from_slice(line.as_bytes());
                    }
                    got.lock().unwrap().push(body);
                    "250 2.0.0 queued as 7\r\n".into()
                } else if upper.starts_with("QUIT") {
                    let _ = w.write_all(b"221 bye\r\n");
                    break;
                } else {
                    "250 ok\r\n".into()
                };
                if w.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (logins, received)
}

#[test]
fn the_smtp_password_logs_in_and_a_refused_login_is_permanent_and_names_the_user_not_the_password()
{
    use base64::Engine;
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let (logins, received) = login_server(listener, "bea", "Corr3ct-h0rse");
    let sb = smtp_sandbox(
        port,
        "username = \"bea\"\npassword_command = \"printf %s Corr3ct-h0rse\"\n",
    );
    let log = sb.path("debug.log");
    let out = sb
        .cmd()
        .env("OIN_REVIEW_LOG", "trace")
        .arg("--log")
        .arg(&log)
        .args(["mail", "send", "OIN-5", "--move-to", "isv_review"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("1 sent, 0 waiting, 0 failed"), "{stdout}");
    assert_eq!(
        logins.lock().unwrap().clone(),
        [("bea".to_string(), "Corr3ct-h0rse".to_string())],
        "the password from password_command is the one used"
    );
    assert_eq!(received.lock().unwrap().len(), 1);

    // The debug log has the SMTP conversation, the slow-statement timings' source, and
    // never the password, in clear or in any base64 form a login carries.
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(
        written.contains("Wrote: AUTH PLAIN [credentials not logged]"),
        "{written}"
    );
    assert!(written.contains("<< 235 2.7.0 ok"), "{written}");
    assert!(written.contains("sent"), "{written}");
    assert!(written.contains("oin_review::sql"), "{written}");
    let b64 = base64::engine::general_purpose::STANDARD;
    for secret in [
        "Corr3ct-h0rse".to_string(),
        b64.encode("Corr3ct-h0rse"),
        b64.encode("\0bea\0Corr3ct-h0rse"),
        b64.encode("pw-never-mailed-42"),
        "pw-never-mailed-42".to_string(),
    ] {
        assert!(
            !written.contains(&secret),
            "{secret} in the log:\n{written}"
        );
    }

    // A wrong password: refused for good, the error names the user and where the
    // password came from, never the password; the email waits in the outbox.
    std::fs::write(
        sb.path("config/oin-review/config.toml"),
        format!(
            "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"OIN Review <oin@okta.example>\"\nusername = \"bea\"\n\
             password_command = \"printf %s wr0ng-Guess\"\n"
        ),
    )
    .unwrap();
    sb.ok(&["move", "--to", "initial_review", "OIN-5"]);
    let out = sb
        .cmd()
        .arg("--log")
        .arg(&log)
        .args(["mail", "send", "OIN-5"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "a refused login is a failure");
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("refused the login as \"bea\""), "{said}");
    assert!(said.contains("535"), "{said}");
    assert!(said.contains("password_command"), "{said}");
    assert!(!said.contains("wr0ng-Guess"), "{said}");
    let ob = outbox(&sb);
    let failed = ob
        .iter()
        .find(|e| e["status"] == "failed")
        .expect("failed email");
    assert_eq!(failed["attempts"], 1, "not retried: {ob:?}");
    assert!(
        !failed["last_error"]
            .as_str()
            .unwrap()
            .contains("wr0ng-Guess"),
        "{ob:?}"
    );
    // Permanent: a flush does not try it again.
    sb.ok(&["outbox", "flush"]);
    assert_eq!(
        logins.lock().unwrap().len(),
        2,
        "one refused login, not retried"
    );
    let written = std::fs::read_to_string(&log).unwrap();
    for secret in ["wr0ng-Guess".to_string(), b64.encode("\0bea\0wr0ng-Guess")] {
        assert!(!written.contains(&secret), "{secret} in the log");
    }
}

// ---------------------------------------------------------------------------------------
// The outbox's clocks, with an injected clock instead of minutes of waiting.

/// The sandbox's queue and an SMTP transport to `port` on loopback, as delivery builds it.
fn store_and_transport(
    sb: &Sandbox,
    port: u16,
) -> (oin_review::store::Store, oin_review::mail::Transport) {
    let store =
        oin_review::store::Store::open(&sb.db(), &oin_review::store::OpenOptions::default())
            .unwrap();
    let config: MailConfig = toml::from_str(&format!(
        "transport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"OIN Review <oin@okta.example>\"\n"
    ))
    .unwrap();
    let transport = oin_review::mail::Transport::from_config(&config, sb.path("unused")).unwrap();
    (store, transport)
}

fn round(
    store: &mut oin_review::store::Store,
    transport: &oin_review::mail::Transport,
    at: jiff::Timestamp,
) -> oin_review::mail::DeliveryReport {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(oin_review::mail::deliver_round(
        store,
        transport,
        &move || at,
    ))
    .unwrap()
}

#[test]
fn a_dead_senders_claim_returns_to_the_queue_after_ten_minutes_and_is_delivered_once() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = moody_server(listener, Arc::new(Mutex::new("ok")));
    let sb = smtp_sandbox(port, "");
    sb.ok(&["mail", "send", "OIN-5", "--queue-only"]);
    let (mut store, transport) = store_and_transport(&sb, port);
    // A sender claims the email and dies before it knows the outcome.
    let t0 = common::now();
    let claimed = store
        .claim_due_email(
            t0,
            t0,
            oin_review::mail::STALE_CLAIM,
            &[],
            oin_review::store::Hold::Keep,
        )
        .unwrap()
        .expect("the queued email is claimed");
    drop(claimed);
    let mins = |m: i64, s: i64| {
        t0.checked_add(jiff::SignedDuration::from_secs(m * 60 + s))
            .unwrap()
    };
    // Seen from the CLI, at 9 minutes and at 10.
    let listed = |at: jiff::Timestamp| sb.ok(&["outbox", "list", "--as-of", &at.to_string()]);
    let early = listed(mins(9, 0));
    assert!(
        early.contains("sending") && early.contains("if that process stopped"),
        "{early}"
    );
    let late = listed(mins(10, 0));
    assert!(
        late.contains("that sender stopped; back in the queue"),
        "{late}"
    );

    // Nine minutes and 59 seconds on, the claim still stands: nobody sends it twice.
    let r = round(&mut store, &transport, mins(9, 59));
    assert!(r.sent.is_empty() && r.retried.is_empty(), "{r:?}");
    assert_eq!(received.settled().len(), 0);
    // At ten minutes it is back in the queue and delivered, once.
    let r = round(&mut store, &transport, mins(10, 0));
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let r = round(&mut store, &transport, mins(30, 0));
    assert!(r.sent.is_empty(), "{r:?}");
    assert_eq!(received.settled().len(), 1, "delivered once");
    let ob = outbox(&sb);
    assert_eq!(ob[0]["status"], "sent");
    assert_eq!(ob[0]["attempts"], 2, "the dead sender's attempt counts");
}

#[test]
fn temporary_failures_back_off_one_minute_doubling_to_an_hour_and_rounds_wait_for_it() {
    // Nothing listens (for the whole test): every attempt is a temporary failure.
    let down = DownPort::new();
    let port = down.port();
    let sb = smtp_sandbox(port, "");
    sb.ok(&["mail", "send", "OIN-5", "--queue-only"]);
    let (mut store, transport) = store_and_transport(&sb, port);
    let mut at = common::now()
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let mut waits = Vec::new();
    for attempt in 1..=9 {
        let r = round(&mut store, &transport, at);
        assert_eq!(r.retried.len(), 1, "attempt {attempt}: {r:?}");
        let email = store.outbox().unwrap().remove(0);
        assert_eq!(email.attempts, attempt);
        let wait = email.next_attempt_at.duration_since(at);
        waits.push((wait.as_secs() + 30) / 60); // stored to the second
        // A second before it is due, a round leaves it alone.
        let before = email
            .next_attempt_at
            .checked_sub(jiff::SignedDuration::from_secs(1))
            .unwrap();
        let r = round(&mut store, &transport, before);
        assert!(r.retried.is_empty(), "attempt {attempt} tried early: {r:?}");
        assert_eq!(store.outbox().unwrap()[0].attempts, attempt);
        let listed = sb.ok(&["outbox", "list", "--as-of", &before.to_string()]);
        assert!(listed.contains("(in 1 min)"), "{listed}");
        at = email.next_attempt_at;
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    // Flush from the CLI ignores the wait (the README's "deliver now").
    let out = sb.run(&["outbox", "flush"]);
    assert!(text(&out).0.contains("0 sent, 1 waiting"));
    assert_eq!(store.outbox().unwrap()[0].attempts, 10);
    drop(down);
}

#[test]
fn an_undo_before_delivery_cancels_the_moves_email_and_the_server_receives_nothing() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, None, None);
    let sb = smtp_sandbox(port, "");
    let out = sb.ok(&["move", "--to", "isv_review", "--email", "OIN-5"]);
    assert!(out.contains("1 email(s) queued"), "{out}");
    let undo = sb.ok(&["undo"]);
    assert!(undo.contains("OIN-5  back to initial_review"), "{undo}");
    assert!(
        undo.contains("OIN-5  email 1 cancelled before it was sent ([OIN] "),
        "{undo}"
    );
    assert!(
        undo.contains("1 back, 0 not undone; 1 email(s) cancelled"),
        "{undo}"
    );
    let flush = sb.ok(&["outbox", "flush"]);
    assert!(flush.contains("0 sent, 0 waiting, 0 failed"), "{flush}");
    assert!(received.settled().is_empty(), "the ISV was emailed");
    let ob = outbox(&sb);
    assert_eq!(ob[0]["status"], "cancelled", "{ob:?}");
    // A retry never brings a cancelled email back.
    let out = sb.run(&["outbox", "retry", "1"]);
    assert!(!out.status.success());
    assert!(received.settled().is_empty());
}

#[test]
fn an_undo_after_delivery_names_the_email_the_isv_already_has() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, None, None);
    let sb = smtp_sandbox(port, "");
    let out = sb.ok(&["mail", "send", "OIN-5", "--move-to", "isv_review"]);
    assert!(out.contains("1 sent"), "{out}");
    assert_eq!(received.settled().len(), 1);
    let undo = sb.ok(&["undo"]);
    assert!(undo.contains("OIN-5  back to initial_review"), "{undo}");
    assert!(
        undo.contains(
            "OIN-5  email 1 was already sent: the ISV was told on Fri 2026-12-04 11:00 UTC that it is in ISV needs to review ([OIN] "
        ),
        "{undo}"
    );
    assert!(
        undo.contains("0 email(s) cancelled, 1 may have reached the ISV"),
        "{undo}"
    );
    assert_eq!(outbox(&sb)[0]["status"], "sent");
}

#[test]
fn outbox_cancel_keeps_a_queued_email_from_ever_being_sent_and_refuses_a_sent_one() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, None, None);
    let sb = smtp_sandbox(port, "");
    sb.ok(&["move", "--to", "isv_review", "--email", "OIN-5"]);
    let out = sb.ok(&["outbox", "cancel", "1"]);
    assert_eq!(out.trim(), "email 1 cancelled: it will not be sent");
    let again = sb.ok(&["outbox", "cancel", "1"]);
    assert!(
        again.contains("email 1 was already cancelled at 2026-12-04T11:"),
        "{again}"
    );
    let listed = sb.ok(&["outbox", "list"]);
    assert!(listed.contains("cancelled 2026-12-04T11:"), "{listed}");
    sb.ok(&["outbox", "flush"]);
    assert!(received.settled().is_empty());
    // The move stays (cancelling an email is not an undo), and a sent email is refused.
    assert_eq!(sb.list_json()[0]["state"], "isv_review");
    sb.ok(&["move", "--to", "initial_review", "OIN-5"]);
    sb.ok(&["mail", "send", "OIN-5"]);
    assert_eq!(received.settled().len(), 1);
    let out = sb.run(&["outbox", "cancel", "2"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("outbox cancel: email 2 was already sent at 2026-12-04T11:"),
        "{err}"
    );
    let out = sb.run(&["outbox", "cancel", "9"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("outbox cancel: no email 9"));
}

#[test]
fn a_held_email_waits_out_the_hold_on_every_path_and_flush_now_skips_it() {
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, None, None);
    let sb = smtp_sandbox(port, "");
    // The test config turns the hold off; this one is about it: the SMTP default, 2 min.
    let config = sb.path("config/oin-review/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    sb.write(
        "config/oin-review/config.toml",
        text.replace("hold = \"0s\"\n", ""),
    );
    let out = sb.ok(&["mail", "send", "OIN-5", "--move-to", "isv_review"]);
    assert!(
        out.contains("email 1  held      until 2026-12-04T11:02:"),
        "{out}"
    );
    assert!(out.contains("0 sent, 0 waiting, 0 failed, 1 held"), "{out}");
    let flush = sb.ok(&["outbox", "flush"]);
    assert!(
        flush.contains("0 sent, 0 waiting, 0 failed, 1 held"),
        "{flush}"
    );
    assert!(received.settled().is_empty(), "delivered during its hold");
    assert!(outbox(&sb)[0]["held_until"].is_string());
    // Once the hold is over, a plain flush (cron) delivers it.
    let later = sb
        .cmd()
        .env("OIN_REVIEW_CLOCK", "2026-12-04T11:03:00Z")
        .args(["outbox", "flush"])
        .output()
        .unwrap();
    assert!(later.status.success());
    assert!(String::from_utf8_lossy(&later.stdout).contains("1 sent"));
    assert_eq!(received.settled().len(), 1);
    // --now sends a held one at once.
    sb.ok(&["move", "--to", "initial_review", "OIN-5"]);
    sb.ok(&["mail", "send", "OIN-5"]);
    let now = sb.ok(&["outbox", "flush", "--now"]);
    assert!(now.contains("1 sent"), "{now}");
    assert_eq!(received.settled().len(), 2);
}

#[test]
fn a_hold_that_is_not_a_duration_is_refused_naming_the_setting() {
    let sb = smtp_sandbox(9, "");
    let config = sb.path("config/oin-review/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    sb.write(
        "config/oin-review/config.toml",
        text.replace("hold = \"0s\"", "hold = \"soon\""),
    );
    let out = sb.run(&["outbox", "list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            r#"hold = "soon" is not a duration; write it as "2m", "90s" or "0s" (no hold)"#
        ),
        "{err}"
    );
    assert!(err.contains("config.toml"), "{err}");
}

/// Issue 28, point 2: `check` builds the transport without connecting (and says so), and
/// `check --connect` opens the SMTP conversation as a delivery would (connect, EHLO, login)
/// and quits without sending: a server that is down, or refuses the login, is a FAIL there.
#[test]
fn check_connect_opens_the_smtp_conversation_and_sends_nothing() {
    let check = |sb: &Sandbox, args: &[&str]| -> (bool, String) {
        let out = sb.run(args);
        let (stdout, stderr) = text(&out);
        assert!(stderr.is_empty(), "{stderr}");
        let mail = stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some("mail"))
            .unwrap_or_else(|| panic!("{stdout}"))
            .to_string();
        (out.status.success(), mail)
    };
    // Down: `check` alone cannot tell, and says it did not connect; --connect fails.
    let down = DownPort::new();
    let sb = smtp_sandbox(down.port(), "");
    let (ok, mail) = check(&sb, &["check"]);
    assert!(
        ok && mail.contains("not connected (`check --connect`"),
        "{mail}"
    );
    let (ok, mail) = check(&sb, &["check", "--connect"]);
    assert!(!ok, "{mail}");
    assert!(
        mail.starts_with("FAIL")
            && mail.contains(&format!("smtp://127.0.0.1:{}", down.port()))
            && mail.contains("check host, port and tls"),
        "{mail}"
    );
    // Up, with a login: connected and logged in, nothing received.
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let (logins, received) = login_server(listener, "bea", "Corr3ct-h0rse");
    let sb = smtp_sandbox(
        port,
        "username = \"bea\"\npassword_command = \"printf %s Corr3ct-h0rse\"\n",
    );
    let (ok, mail) = check(&sb, &["check", "--connect"]);
    assert!(ok, "{mail}");
    assert!(
        mail.contains("connected, logged in as \"bea\"; nothing sent"),
        "{mail}"
    );
    assert_eq!(logins.lock().unwrap().len(), 1);
    assert!(received.lock().unwrap().is_empty());
    // A wrong password: the login refused, named with where the password comes from.
    let sb = smtp_sandbox(
        port,
        "username = \"bea\"\npassword_command = \"printf %s wrong\"\n",
    );
    let (ok, mail) = check(&sb, &["check", "--connect"]);
    assert!(!ok, "{mail}");
    assert!(
        mail.contains("the server refused the login as \"bea\"")
            && mail.contains("password_command"),
        "{mail}"
    );
}
