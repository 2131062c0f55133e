//! Reading a received message (mail-parser lives here only): who sent it, what it answers,
//! its text (HTML turned into plain text, never rendered), its attachments, and whether it
//! is an auto-reply or a bounce. Inbound mail is hostile data: every limit holds, every
//! control character is made visible, and a message that does not parse is kept as text.

use crate::domain::ReplyKind;
use crate::domain::inbound::fold;
use crate::store::NewAttachment;
use jiff::Timestamp;
use mail_parser::{MessageParser, MimeHeaders};

/// How much of a message is kept.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A message larger than this is read in part (its first bytes), with a note.
    pub message_bytes: usize,
    /// At most this many attachments are kept; the rest are counted in a note.
    pub attachments: usize,
    /// An attachment larger than this keeps its name, type and size, not its content.
    pub attachment_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            message_bytes: 10 * 1024 * 1024,
            attachments: 20,
            attachment_bytes: 5 * 1024 * 1024,
        }
    }
}

/// A received message, read.
#[derive(Debug, Clone)]
pub struct Received {
    /// The Message-ID, else `sha256:` and the digest of the bytes: what "stored once" keys on.
    pub key: String,
    /// The Message-IDs it answers (`In-Reply-To`, then `References`, newest first).
    pub answers: Vec<String>,
    pub sender: String,
    pub sender_name: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub subject: String,
    pub text: String,
    pub folded: String,
    pub kind: ReplyKind,
    /// For a bounce: the Message-ID of the email that bounced (when the report carries
    /// it), and the reason the report gives.
    pub bounced: Option<(Option<String>, String)>,
    pub attachments: Vec<NewAttachment>,
    pub warnings: Vec<String>,
    pub raw_bytes: i64,
}

/// Reads `raw` within `limits`. Never fails: what cannot be parsed is kept as text.
pub fn read(raw: &[u8], limits: &Limits) -> Received {
    let mut warnings = Vec::new();
    let whole = raw.len();
    let raw = if whole > limits.message_bytes {
        warnings.push(format!(
            "stored in part: the message is over {} bytes, the first {} were read ([inbound] max_message_bytes)",
            limits.message_bytes, limits.message_bytes
        ));
        &raw[..limits.message_bytes]
    } else {
        raw
    };
    let digest = format!(
        "sha256:{}",
        hex(ring::digest::digest(&ring::digest::SHA256, raw))
    );
    let parsed = MessageParser::default().parse(raw);
    let Some(msg) = parsed.filter(|m| !m.headers().is_empty()) else {
        warnings.push("malformed MIME: kept as raw text".to_string());
        let text = safe_text(&String::from_utf8_lossy(raw));
        return Received {
            key: digest,
            answers: Vec::new(),
            sender: String::new(),
            sender_name: None,
            sent_at: None,
            subject: String::new(),
            folded: String::new(),
            text,
            kind: ReplyKind::Reply,
            bounced: None,
            attachments: Vec::new(),
            warnings,
            raw_bytes: whole as i64,
        };
    };
    let from = msg.from().and_then(|a| a.first());
    let sender = from
        .and_then(|a| a.address())
        .map(|a| safe_line(a.trim()).to_lowercase())
        .unwrap_or_default();
    let sender_name = from
        .and_then(|a| a.name())
        .map(safe_line)
        .filter(|n| !n.is_empty());
    let sent_at = msg
        .date()
        .and_then(|d| Timestamp::from_second(d.to_timestamp()).ok());
    let subject = safe_line(msg.subject().unwrap_or(""));
    let mut answers: Vec<String> = Vec::new();
    for v in [msg.in_reply_to(), msg.references()] {
        if let Some(t) = v.as_text() {
            answers.push(t.to_string());
        } else if let Some(list) = v.as_text_list() {
            answers.extend(list.iter().rev().map(|t| t.to_string()));
        }
    }
    answers.dedup();
    // Every text part, in order (a reply split around an inline image has several).
    let parts = msg.text_body_count().max(1);
    let body = (0..parts)
        .filter_map(|i| msg.body_text(i))
        .collect::<Vec<_>>()
        .join("\n");
    if msg.text_body_count() == 0 && msg.html_body_count() == 0 {
        warnings.push("no text part".to_string());
    }
    let (text, folded) = fold(&safe_text(&body));

    let bounced = bounce_of(&msg);
    let kind = if bounced.is_some() {
        ReplyKind::Bounce
    } else if is_auto_reply(&msg, &subject) {
        ReplyKind::AutoReply
    } else {
        ReplyKind::Reply
    };

    let mut attachments = Vec::new();
    let mut dropped = 0;
    for part in msg.attachments() {
        if attachments.len() >= limits.attachments {
            dropped += 1;
            continue;
        }
        let content = part.contents();
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(sub) => format!("{}/{}", c.ctype(), sub),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let name = part
            .attachment_name()
            .map(safe_line)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("attachment-{}", attachments.len() + 1));
        let kept = content.len() <= limits.attachment_bytes;
        if !kept {
            warnings.push(format!(
                "attachment {name:?} ({} bytes) is over the limit: its content was not kept ([inbound] max_attachment_bytes)",
                content.len()
            ));
        }
        attachments.push(NewAttachment {
            name,
            content_type: safe_line(&content_type),
            size: content.len() as i64,
            content: kept.then(|| content.to_vec()),
        });
    }
    if dropped > 0 {
        warnings.push(format!(
            "stored in part: {dropped} more attachment(s) than the {} kept ([inbound] max_attachments)",
            limits.attachments
        ));
    }
    Received {
        key: msg
            .message_id()
            .map(|m| safe_line(m.trim()))
            .filter(|m| !m.is_empty())
            .unwrap_or(digest),
        answers,
        sender,
        sender_name,
        sent_at,
        subject,
        text,
        folded,
        kind,
        bounced,
        attachments,
        warnings,
        raw_bytes: whole as i64,
    }
}

/// A delivery status notification's original Message-ID and reason, when it is one: a
/// `multipart/report; report-type=delivery-status`, or a mailer daemon's message that
/// returns a message.
fn bounce_of(msg: &mail_parser::Message) -> Option<(Option<String>, String)> {
    let root = msg.content_type();
    let is_report = root.is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && c.attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    let from_daemon = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .is_some_and(|a| {
            let local = a.split('@').next().unwrap_or("").to_ascii_lowercase();
            local == "mailer-daemon" || local == "postmaster"
        });
    if !is_report && !from_daemon {
        return None;
    }
    let mut original = None;
    let mut reason = None;
    for part in &msg.parts {
        let ct = part.content_type();
        let (ctype, sub) = ct
            .map(|c| {
                (
                    c.ctype().to_ascii_lowercase(),
                    c.subtype().unwrap_or("").to_ascii_lowercase(),
                )
            })
            .unwrap_or_default();
        if let Some(inner) = part.message() {
            original = original.or_else(|| inner.message_id().map(str::to_string));
        } else if ctype == "text" && sub == "rfc822-headers" {
            let headers = MessageParser::default().parse(part.contents());
            original = original.or_else(|| {
                headers
                    .as_ref()
                    .and_then(|h| h.message_id().map(str::to_string))
            });
        } else if sub == "delivery-status" || sub == "global-delivery-status" {
            let text = String::from_utf8_lossy(part.contents()).into_owned();
            reason = reason.or_else(|| dsn_reason(&text));
        }
    }
    if original.is_none() && !is_report {
        return None;
    }
    let reason = reason.unwrap_or_else(|| {
        msg.body_text(0)
            .and_then(|t| {
                t.lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "returned by the mail server (no reason given)".to_string())
    });
    Some((original.map(|o| safe_line(&o)), safe_line(&reason)))
}

/// The reason a delivery-status part gives: its Diagnostic-Code, else its Status and Action.
fn dsn_reason(text: &str) -> Option<String> {
    let field = |name: &str| {
        text.lines()
            .find(|l| {
                l.get(..name.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(name))
            })
            .map(|l| l[name.len()..].trim().to_string())
    };
    let recipient = field("Final-Recipient:")
        .map(|r| r.trim_start_matches("rfc822;").trim().to_string())
        .map(|r| format!(" (to {r})"))
        .unwrap_or_default();
    field("Diagnostic-Code:")
        .map(|d| d.trim_start_matches("smtp;").trim().to_string())
        .or_else(|| {
            field("Status:").map(|s| {
                format!(
                    "status {s}{}",
                    field("Action:")
                        .map(|a| format!(", {a}"))
                        .unwrap_or_default()
                )
            })
        })
        .map(|r| format!("{r}{recipient}"))
}

/// An auto-reply (RFC 3834 `Auto-Submitted`, the common vendor headers, an out-of-office
/// subject): stored as such, never counted as the ISV's activity, never answered.
fn is_auto_reply(msg: &mail_parser::Message, subject: &str) -> bool {
    let header = |name: &str| msg.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header("Auto-Submitted").is_some_and(|v| !v.starts_with("no")) {
        return true;
    }
    if header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        || header("X-Auto-Response-Suppress")
            .is_some_and(|v| v.contains("all") || v.contains("oof"))
    {
        return true;
    }
    if header("Precedence").is_some_and(|v| ["auto_reply", "bulk", "junk"].contains(&v.as_str())) {
        return true;
    }
    let s = subject.to_ascii_lowercase();
    [
        "automatic reply",
        "auto:",
        "autoreply",
        "auto-reply",
        "out of office",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// One line shown safely (no control or bidi character reaches a terminal).
fn safe_line(s: &str) -> String {
    crate::text::safe_line(s)
}

/// Text kept line by line, each line safe (`\r\n` and lone `\r` end lines).
fn safe_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(crate::text::safe_line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn hex(d: ring::digest::Digest) -> String {
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
