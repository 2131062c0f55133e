//! Delivering queued email: claim one, hand it to the transport, record the outcome. An
//! email is marked sent only after the server accepted it (or the file is on disk).

use super::MailError;
use crate::config::{MailConfig, MailTls, MailTransport};
use crate::domain::outbox::next_attempt;
use crate::store::{ClaimedEmail, Store};
use jiff::{SignedDuration, Timestamp};
use lettre::address::{Address, Envelope};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::Duration;

/// A claim older than this is taken to belong to a sender that died.
pub const STALE_CLAIM: SignedDuration = SignedDuration::from_mins(10);
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Where email goes.
pub enum Transport {
    /// .eml files in a folder: works with no mail server.
    File { dir: PathBuf },
    Smtp {
        inner: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Address,
        label: String,
        /// Who logs in and where the password came from, for a refused login.
        login: Option<(String, &'static str)>,
    },
}

/// Why one delivery attempt failed.
#[derive(Debug, Clone)]
pub struct SendFailure {
    /// A 5xx answer: retrying will not help.
    pub permanent: bool,
    pub message: String,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn smtp_password(config: &MailConfig) -> Result<Option<String>, MailError> {
    password_from(
        config.password_command.as_deref(),
        "OIN_REVIEW_SMTP_PASSWORD",
    )
    .map_err(MailError::Config)
}

/// A password: what `command` prints (its first line), else the environment variable `env`.
/// The error says what went wrong with the command.
pub(super) fn password_from(command: Option<&str>, env: &str) -> Result<Option<String>, String> {
    if let Some(cmd) = command {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("password_command could not run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "password_command failed ({}); run it by hand to see why",
                out.status
            ));
        }
        let text = String::from_utf8(out.stdout)
            .map_err(|_| "password_command printed non-UTF-8".to_string())?;
        return Ok(Some(text.trim_end_matches(['\r', '\n']).to_string()));
    }
    Ok(std::env::var(env).ok().filter(|p| !p.is_empty()))
}

impl Transport {
    /// The transport the config names; for the file transport `data_dir` is the default home.
    pub fn from_config(config: &MailConfig, default_dir: PathBuf) -> Result<Transport, MailError> {
        match config.transport {
            MailTransport::File => Ok(Transport::File {
                dir: config.outbox_dir.clone().unwrap_or(default_dir),
            }),
            MailTransport::Smtp => {
                let host = config.host.clone().ok_or_else(|| {
                    MailError::Config("transport = \"smtp\" needs host = \"...\"".into())
                })?;
                let port = config.port.unwrap_or(match config.tls {
                    MailTls::Starttls => 587,
                    MailTls::Implicit => 465,
                    MailTls::None => 25,
                });
                let tls_params = || -> Result<TlsParameters, MailError> {
                    let mut b = TlsParameters::builder(host.clone());
                    if let Some(ca) = &config.ca_file {
                        let pem = std::fs::read(ca).map_err(|e| {
                            MailError::Config(format!("ca_file {}: {e}", ca.display()))
                        })?;
                        let cert = Certificate::from_pem(&pem).map_err(|e| {
                            MailError::Config(format!("ca_file {}: {e}", ca.display()))
                        })?;
                        b = b.add_root_certificate(cert);
                    }
                    b.build_rustls()
                        .map_err(|e| MailError::Config(format!("TLS setup: {e}")))
                };
                let tls = match config.tls {
                    MailTls::Starttls => Tls::Required(tls_params()?),
                    MailTls::Implicit => Tls::Wrapper(tls_params()?),
                    MailTls::None => {
                        if !is_loopback(&host) {
                            return Err(MailError::Config(format!(
                                "tls = \"none\" is allowed only for a loopback host, not {host:?}: use \"starttls\" or \"implicit\""
                            )));
                        }
                        Tls::None
                    }
                };
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
                    .port(port)
                    .tls(tls)
                    .timeout(Some(SMTP_TIMEOUT));
                if let Some(user) = &config.username {
                    let password = smtp_password(config)?.ok_or_else(|| {
                        MailError::Config(format!(
                            "username = {user:?} needs a password: set password_command or $OIN_REVIEW_SMTP_PASSWORD"
                        ))
                    })?;
                    crate::log::keep_out(&password, Some(user));
                    b = b.credentials(Credentials::new(user.clone(), password));
                }
                let login = config.username.clone().map(|u| {
                    let source = if config.password_command.is_some() {
                        "password_command"
                    } else {
                        "$OIN_REVIEW_SMTP_PASSWORD"
                    };
                    (u, source)
                });
                let from: Mailbox = config
                    .from
                    .parse()
                    .map_err(|e| MailError::Config(format!("from = {:?}: {e}", config.from)))?;
                Ok(Transport::Smtp {
                    inner: Box::new(b.build()),
                    from: from.email,
                    label: format!("smtp://{host}:{port}"),
                    login,
                })
            }
        }
    }

    /// Where mail goes, for messages.
    pub fn describe(&self) -> String {
        match self {
            Transport::File { dir } => format!("the file outbox {}", dir.display()),
            Transport::Smtp { label, .. } => label.clone(),
        }
    }

    /// One attempt to deliver; Ok is the server's reply (or the file written).
    pub async fn send(&self, email: &ClaimedEmail) -> Result<String, SendFailure> {
        match self {
            Transport::File { dir } => write_eml(dir, email).map_err(|e| SendFailure {
                permanent: false,
                message: format!("writing to {}: {e}", dir.display()),
            }),
            Transport::Smtp {
                inner, from, login, ..
            } => {
                let to = email
                    .recipients
                    .iter()
                    .map(|r| r.parse::<Address>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| SendFailure {
                        permanent: true,
                        message: format!("a recipient is not an address: {e}"),
                    })?;
                let envelope = Envelope::new(Some(from.clone()), to).map_err(|e| SendFailure {
                    permanent: true,
                    message: format!("envelope: {e}"),
                })?;
                match inner.send_raw(&envelope, &email.message).await {
                    Ok(reply) => Ok(format!(
                        "{} {}",
                        reply.code(),
                        reply.message().collect::<Vec<_>>().join(" ")
                    )),
                    Err(e) => {
                        let code = e.status().map(|c| c.to_string());
                        match (login, code.as_deref()) {
                            // 535: credentials refused; 534/530: this login is not enough.
                            (Some((user, source)), Some("535" | "534" | "530")) => {
                                Err(SendFailure {
                                    permanent: true,
                                    message: format!(
                                        "the SMTP server refused the login as {user:?} ({e}): check `username` and the password that {source} gives, in [mail] of the config; the email stays in the outbox (`oin-review outbox retry ID` once it is fixed)"
                                    ),
                                })
                            }
                            _ => Err(SendFailure {
                                permanent: e.is_permanent(),
                                message: e.to_string(),
                            }),
                        }
                    }
                }
            }
        }
    }

    /// Opens the SMTP conversation as a delivery would (connect, EHLO, STARTTLS or TLS,
    /// AUTH), checks the server answers, and quits without sending (`check --connect`).
    /// Ok says what was reached; the file transport has nothing to connect to.
    pub async fn try_connect(&self) -> Result<String, String> {
        match self {
            Transport::File { dir } => Ok(format!(
                "the file outbox {}: nothing to connect to",
                dir.display()
            )),
            Transport::Smtp {
                inner,
                label,
                login,
                ..
            } => {
                let as_who = login
                    .as_ref()
                    .map(|(u, _)| format!(", logged in as {u:?}"))
                    .unwrap_or_default();
                match inner.test_connection().await {
                    Ok(true) => Ok(format!("{label}: connected{as_who}; nothing sent")),
                    Ok(false) => Err(format!(
                        "{label}: connected, but the server stopped answering"
                    )),
                    Err(e) => {
                        let code = e.status().map(|c| c.to_string());
                        Err(match (login, code.as_deref()) {
                            (Some((user, source)), Some("535" | "534" | "530")) => format!(
                                "{label}: the server refused the login as {user:?} ({e}): check `username` and the password that {source} gives, in [mail] of the config"
                            ),
                            _ => format!(
                                "{label}: {e}; check host, port and tls in [mail] of the config, and that the server is up"
                            ),
                        })
                    }
                }
            }
        }
    }
}

/// Writes the message as `<dir>/<queued id>-<submission>.eml`, atomically (temp + rename),
/// readable by the owner only.
fn write_eml(dir: &std::path::Path, email: &ClaimedEmail) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let safe = crate::text::file_safe(&email.submission_id);
    let name = format!("{:06}-{safe}.eml", email.id);
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(&name);
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&email.message)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        // A full disk: no half-written file is left beside the finished ones.
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(format!("written to {}", path.display()))
}

/// What one delivery round did.
#[derive(Debug, Default, Clone)]
pub struct DeliveryReport {
    /// (outbox id, server reply)
    pub sent: Vec<(i64, String)>,
    /// (outbox id, error) of temporary failures, queued again for later.
    pub retried: Vec<(i64, String)>,
    /// (outbox id, error) of permanent failures.
    pub failed: Vec<(i64, String)>,
    /// (outbox id, until) of emails still held (`[mail] hold`), not tried this round.
    pub held: Vec<(i64, Timestamp)>,
}

/// The time, as delivery reads it: `Timestamp::now` but in tests of the backoff and the
/// stale claim, which must not wait minutes.
pub type Clock<'a> = &'a (dyn Fn() -> Timestamp + Sync);

/// One round of the console's background delivery: the emails that are due now (a
/// temporary failure waits out its backoff; a stale claim returns to the queue).
pub async fn deliver_round(
    store: &mut Store,
    transport: &Transport,
    clock: Clock<'_>,
) -> Result<DeliveryReport, MailError> {
    deliver_due(store, transport, clock(), clock, crate::store::Hold::Keep).await
}

/// Delivers every email due by `due_by` (the backoff of temporary failures is respected
/// unless `due_by` is later than now). Each email is tried at most once per round.
pub async fn deliver_due(
    store: &mut Store,
    transport: &Transport,
    due_by: Timestamp,
    clock: Clock<'_>,
    hold: crate::store::Hold,
) -> Result<DeliveryReport, MailError> {
    let mut report = DeliveryReport::default();
    let mut tried = Vec::new();
    loop {
        let now = clock();
        let Some(email) = store.claim_due_email(now, due_by.max(now), STALE_CLAIM, &tried, hold)?
        else {
            break;
        };
        tried.push(email.id);
        tracing::debug!(email = email.id, attempt = email.attempts, via = %transport.describe(), "delivering");
        match transport.send(&email).await {
            Ok(reply) => {
                tracing::info!(email = email.id, reply = %reply, "sent");
                store.mark_email_sent(email.id, &reply, clock())?;
                report.sent.push((email.id, reply));
            }
            Err(f) if f.permanent => {
                tracing::warn!(email = email.id, why = %f.message, "failed for good");
                store.mark_email_failed(email.id, &f.message)?;
                report.failed.push((email.id, f.message));
            }
            Err(f) => {
                let next = next_attempt(clock(), email.attempts);
                tracing::warn!(email = email.id, why = %f.message, retry_at = %next, "will retry");
                store.mark_email_retry(email.id, &f.message, next)?;
                report.retried.push((email.id, f.message));
            }
        }
    }
    if hold == crate::store::Hold::Keep {
        report.held = store.held_emails(clock())?;
    }
    Ok(report)
}
