//! `oin-review show ID`: one submission in full.

use super::Ctx;
use super::list::Listed;
use crate::domain::sla::compact;
use crate::domain::{Assessment, Submission};
use crate::text::safe_line;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    /// The submission id.
    #[arg(value_name = "ID", add = super::complete::id_values())]
    pub id: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ShowFormat,
    /// Include the test account password in JSON output.
    #[arg(long)]
    pub include_secrets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let mut sub = wf
        .submission(&args.id)
        .map_err(|e| anyhow::anyhow!("show: {e}"))?;
    let review = wf.review(&sub, ctx.now)?;
    let assessment = &review.assessment;
    let mut out = super::stdout();
    sub.mark_password_set(args.include_secrets);
    let day = ctx.policy.sla.calendar.day_length();
    let notes = wf.notes(&sub.id)?;
    let attention = wf.attention_on(&sub.id)?;
    // The versions of this integration made from it (the other way: `supersedes`).
    let new_versions = wf.new_versions_of(&sub.id)?;
    match args.format {
        ShowFormat::Json => {
            let mut json = serde_json::to_value(Listed::new(&sub, assessment, day))?;
            if let Some(obj) = json.as_object_mut() {
                obj.insert("notes".into(), serde_json::to_value(&notes)?);
                obj.insert("attention".into(), serde_json::to_value(&attention)?);
                obj.insert(
                    "assignments".into(),
                    serde_json::to_value(&sub.assignments)?,
                );
                obj.insert(
                    "conversation".into(),
                    crate::exchange::conversation_json(&sub)?,
                );
                obj.insert(
                    "offered_move".into(),
                    serde_json::to_value(
                        crate::domain::inbound::offered_move(&sub).map(|s| s.key()),
                    )?,
                );
                obj.insert(
                    "new_versions".into(),
                    serde_json::to_value(
                        new_versions
                            .iter()
                            .map(|(id, state)| serde_json::json!({"id": id, "state": state.key()}))
                            .collect::<Vec<_>>(),
                    )?,
                );
            }
            serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &json)?;
            writeln!(out)?;
        }
        ShowFormat::Text => {
            write_text(&mut out, &sub, &new_versions)?;
            write_sla(&mut out, assessment, ctx, day)?;
            write_timeline(&mut out, &sub, ctx, day)?;
            write_tests(&mut out, assessment, ctx)?;
            write_history(&mut out, &sub, &notes)?;
            if !attention.is_empty() {
                let who: Vec<String> = attention.iter().map(|a| safe_line(a)).collect();
                writeln!(
                    out,
                    "  attention         {} (mentioned, not yet acted on)",
                    who.join(", ")
                )?;
            }
            write_issues(&mut out, &sub, &review.issues)?;
            write_conversation(&mut out, &sub)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(safe_line).unwrap_or_else(|| "-".into())
}

fn write_text(
    out: &mut impl Write,
    s: &Submission,
    new_versions: &[(String, crate::domain::ReviewState)],
) -> std::io::Result<()> {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    writeln!(out, "{}  {}", s.id, safe_line(&s.app_name))?;
    writeln!(out, "  ISV               {}", safe_line(&s.isv))?;
    writeln!(
        out,
        "  state             {} ({}; {})",
        s.state.manager_name(),
        s.state.wizard_group().name(),
        s.state.key()
    )?;
    writeln!(out, "  assignee          {}", opt(&s.assignee))?;
    writeln!(out, "  path              {}", s.path.key())?;
    match &s.update_of {
        Some(app) => {
            writeln!(out, "  update of         {}", safe_line(app))?;
            writeln!(out, "  changes           {}", opt(&s.change_summary))?;
            if s.migrated_from_manager {
                writeln!(out, "  migrated          from the OIN Manager")?;
            }
        }
        None => writeln!(out, "  new integration")?,
    }
    if let Some(old) = &s.supersedes {
        writeln!(
            out,
            "  new version of    {} (replaces it once published)",
            safe_line(old)
        )?;
    }
    if let Some(by) = &s.superseded_by {
        writeln!(
            out,
            "  replaced by       {} (published since: this version is no longer live)",
            safe_line(by)
        )?;
    }
    for (id, state) in new_versions {
        writeln!(out, "  new version       {} ({state})", safe_line(id))?;
    }
    let protocols: Vec<&str> = s.protocols.iter().map(|p| p.key()).collect();
    writeln!(out, "  protocols         {}", protocols.join(", "))?;
    writeln!(
        out,
        "  display name      {} characters",
        s.app_name.chars().count()
    )?;
    writeln!(out, "  website           {}", opt(&s.app_website))?;
    writeln!(out, "  submitter         {}", opt(&s.submitter_email))?;
    writeln!(out, "  developer org     {}", opt(&s.dev_org))?;
    writeln!(out, "  use cases         {}", s.use_cases.len())?;
    for u in &s.use_cases {
        writeln!(out, "    - {}", safe_line(u))?;
    }
    match &s.logo {
        Some(l) => writeln!(
            out,
            "  logo              {} ({}, {} bytes)",
            safe_line(&l.file),
            safe_line(&l.format),
            l.bytes
        )?,
        None => writeln!(out, "  logo              -")?,
    }
    writeln!(out, "  description")?;
    for line in s.description.as_deref().unwrap_or("-").lines() {
        writeln!(out, "    {}", safe_line(line))?;
    }
    writeln!(out, "  integration variables")?;
    for v in &s.integration_variables {
        writeln!(
            out,
            "    - {} ({})",
            safe_line(&v.label),
            safe_line(&v.name)
        )?;
    }
    writeln!(out, "  support contacts")?;
    for c in &s.support_contacts {
        writeln!(out, "    - {}: {}", c.kind.key(), safe_line(&c.value))?;
    }
    writeln!(out, "  escalation        {}", opt(&s.escalation_contact))?;
    match &s.test_account {
        Some(a) => writeln!(
            out,
            "  test account      {} as {} (password {})",
            opt(&a.url),
            opt(&a.username),
            if a.password_set || a.password.is_some() {
                "set"
            } else {
                "missing"
            }
        )?,
        None => writeln!(out, "  test account      -")?,
    }
    writeln!(out, "  testing instructions")?;
    for line in s.testing_instructions.as_deref().unwrap_or("-").lines() {
        writeln!(out, "    {}", safe_line(line))?;
    }
    if s.path == crate::domain::SubmissionPath::Wizard {
        writeln!(
            out,
            "  tests certified   {}",
            match s.tests_certified {
                Some(true) =>
                    "yes (\"I certify that I have successfully completed required tests\")",
                Some(false) => "no",
                None => "not recorded",
            }
        )?;
    }
    write_instances(out, s)?;
    writeln!(out, "  config document   {}", opt(&s.config_doc_url))?;
    writeln!(
        out,
        "  multi-tenant      {}",
        s.multi_tenant.map_or("unknown", yes_no)
    )?;
    if let Some(sso) = &s.sso {
        writeln!(
            out,
            "  SSO               IdP flow {}, SP flow {}, JIT {}, SAML signature {}, OIDC server {}",
            yes_no(sso.idp_flow),
            yes_no(sso.sp_flow),
            yes_no(sso.jit),
            opt(&sso.saml_signature),
            opt(&sso.oidc_auth_server)
        )?;
    }
    if let Some(scim) = &s.scim {
        writeln!(out, "  SCIM spec tests   {}", opt(&scim.spec_results_url))?;
        writeln!(out, "  SCIM CRUD tests   {}", opt(&scim.crud_results_url))?;
        writeln!(
            out,
            "  SCIM manual plan  {}",
            if scim.manual_plan_certified {
                "certified"
            } else {
                "not certified"
            }
        )?;
        writeln!(
            out,
            "  SCIM              version {}, profile sourcing {}, import users tested {}{}",
            opt(&scim.version),
            yes_no(scim.profile_sourcing),
            yes_no(scim.import_users_tested),
            if scim.groups_managed {
                format!(
                    ", import groups tested {}",
                    yes_no(scim.import_groups_tested)
                )
            } else {
                String::new()
            }
        )?;
    }
    Ok(())
}

/// The test instances in the ISV's org, one a line: name, protocols, version, status.
fn write_instances(out: &mut impl Write, s: &Submission) -> std::io::Result<()> {
    if s.test_instances.is_empty() {
        return writeln!(out, "  test instances    not listed");
    }
    let active = s.test_instances.iter().filter(|i| i.active).count();
    // 004:197 "A Developer Edition org has a maximum of five active instances".
    writeln!(
        out,
        "  test instances    {} ({active} active of the 5 a Developer Edition org allows)",
        s.test_instances.len()
    )?;
    for i in &s.test_instances {
        let protocols: Vec<&str> = i.protocols.iter().map(|p| p.badge()).collect();
        writeln!(
            out,
            "    - {}  {}  {} version  {}, {}",
            safe_line(&i.name),
            protocols.join("+"),
            i.version.key(),
            if i.active { "active" } else { "inactive" },
            if i.eligible {
                "eligible"
            } else {
                "ineligible (generated before later edits)"
            }
        )?;
    }
    Ok(())
}

/// The audit history, with the internal notes in it by time.
fn write_history(
    out: &mut impl Write,
    s: &Submission,
    notes: &[crate::domain::notes::Note],
) -> std::io::Result<()> {
    writeln!(out, "  history")?;
    let mut notes = notes.iter().peekable();
    let mut claims = s.assignments.iter().peekable();
    let claim_line = |out: &mut dyn Write, a: &crate::domain::records::Assignment| {
        writeln!(
            out,
            "    {}  {:<12} {}",
            a.at,
            safe_line(&a.by),
            safe_line(&a.words())
        )
    };
    let note_line = |out: &mut dyn Write, n: &crate::domain::notes::Note| {
        writeln!(
            out,
            "    {}  {:<12} note (internal): {}",
            n.at,
            safe_line(&n.author),
            safe_line(&n.text)
        )
    };
    for e in &s.history {
        while let Some(n) = notes.next_if(|n| n.at < e.at) {
            note_line(out, n)?;
        }
        while let Some(a) = claims.next_if(|a| a.at < e.at) {
            claim_line(out, a)?;
        }
        let from = e.from.map(|f| f.key()).unwrap_or("-");
        let mut line = format!(
            "    {}  {:<12} {} -> {}",
            e.at,
            safe_line(&e.by),
            from,
            e.to
        );
        if e.forced {
            line.push_str("  [forced]");
        }
        if e.restart_clock {
            line.push_str("  [clock restarted]");
        }
        if !e.overrode.is_empty() {
            line.push_str(&format!("  [overrode {}]", e.overrode.join(", ")));
        }
        if e.kind != crate::domain::EventKind::Move {
            line.push_str(&format!("  [{}]", e.kind.key()));
        }
        if let Some(r) = &e.reason {
            line.push_str(&format!("  \"{}\"", safe_line(r)));
        }
        writeln!(out, "{line}")?;
    }
    for n in notes {
        note_line(out, n)?;
    }
    for a in claims {
        claim_line(out, a)?;
    }
    Ok(())
}

fn write_issues(
    out: &mut impl Write,
    s: &Submission,
    issues: &[crate::domain::Issue],
) -> std::io::Result<()> {
    writeln!(
        out,
        "  issue list ({} in the next email)",
        issues.iter().filter(|i| i.included).count()
    )?;
    for i in issues {
        let key = match &i.key {
            crate::domain::IssueKey::Rule(r) => r.clone(),
            crate::domain::IssueKey::Own(n) => format!("#{n}"),
        };
        write!(
            out,
            "    {} {:<7} {}  ({key})",
            if i.included { "[x]" } else { "[ ]" },
            i.severity.key(),
            safe_line(&i.text)
        )?;
        if let Some(r) = &i.reason {
            write!(out, "  left out: {}", safe_line(r))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "  emails")?;
    for e in &s.emails {
        writeln!(
            out,
            "    {:<6} {:<12} {}  {}  to {}",
            e.status.key(),
            e.kind.short(),
            e.sent_at.unwrap_or(e.queued_at),
            safe_line(&e.subject),
            safe_line(&e.recipients.join(", "))
        )?;
    }
    Ok(())
}

/// The emails sent and the messages received, newest last, each received one with its
/// text; and the move a reply offers.
fn write_conversation(out: &mut impl Write, s: &Submission) -> std::io::Result<()> {
    use crate::domain::inbound::{Said, conversation, offered_move};
    let all = conversation(s);
    writeln!(
        out,
        "  conversation ({} sent, {} received)",
        s.emails.len(),
        s.replies.len()
    )?;
    for said in &all {
        writeln!(out, "    {}", crate::present::said_head(said))?;
        if let Said::Received(r) = said {
            let mut text = Vec::new();
            super::replies::write_reply(&mut text, r, false)?;
            // The head is said above; the text and what was folded, indented.
            let text = String::from_utf8_lossy(&text);
            for line in text.lines().skip_while(|l| !l.is_empty()).skip(1) {
                writeln!(out, "    {line}")?;
            }
            if let Some(reason) = &r.bounce_reason {
                writeln!(out, "        bounced: {}", safe_line(reason))?;
            }
        }
    }
    if let Some(to) = offered_move(s) {
        writeln!(
            out,
            "  offered           continue QA: to {} (the ISV replied while it waited on their fix): `oin-review move --to {} {}`",
            to.manager_name(),
            to.key(),
            s.id
        )?;
    }
    Ok(())
}

/// An instant in the policy's time zone, to the minute, with the zone's abbreviation.
fn local(t: jiff::Timestamp, ctx: &Ctx) -> String {
    t.to_zoned(ctx.policy.sla.calendar.time_zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

fn write_sla(out: &mut impl Write, a: &Assessment, ctx: &Ctx, day: i64) -> std::io::Result<()> {
    writeln!(out, "  SLA clocks (as of {})", local(ctx.now, ctx))?;
    if a.clocks.is_empty() {
        writeln!(
            out,
            "    none: the item has not been in an OIN review phase"
        )?;
    }
    for c in &a.clocks {
        let left = if c.left_seconds < 0 {
            format!("overrun {}", compact(-c.left_seconds, day))
        } else {
            format!("{} left", compact(c.left_seconds, day))
        };
        writeln!(
            out,
            "    {:<15} {:<9} {} of {} used ({:.0}%), {}{}",
            c.phase.label(),
            c.status.key(),
            compact(c.used_seconds, day),
            compact(c.target_seconds, day),
            c.percent_used,
            left,
            if c.warn_again {
                ", past the second warning"
            } else {
                ""
            }
        )?;
        let mut when = format!("      started {}", local(c.started_at, ctx));
        if let Some(due) = c.due {
            when.push_str(&format!(", due {}", ctx.policy.sla.calendar.due_words(due)));
        }
        if let Some(p) = c.promised {
            when.push_str(&format!(", promised to the ISV for {p}"));
        }
        if let Some(end) = c.ended_at {
            when.push_str(&format!(", ended {}", local(end, ctx)));
        }
        writeln!(out, "{when}")?;
        if let Some(at) = c.breached_at {
            writeln!(
                out,
                "      breached {} (overrun {})",
                local(at, ctx),
                compact(c.overrun_seconds, day)
            )?;
        }
    }
    Ok(())
}

/// The clocks as bars on the business calendar (80 columns; `domain::timeline`).
fn write_timeline(
    out: &mut impl Write,
    s: &Submission,
    ctx: &Ctx,
    day: i64,
) -> std::io::Result<()> {
    const LABEL: usize = 20;
    let width = 80 - LABEL;
    let policy = &ctx.policy.sla;
    let Some(t) =
        crate::domain::timeline::timeline(&s.history, &s.promises, policy, ctx.now, width)
    else {
        return Ok(());
    };
    writeln!(
        out,
        "  timeline, business days ({})",
        crate::present::TIMELINE_LEGEND
    )?;
    for bar in &t.bars {
        let cells: String = bar
            .cells
            .iter()
            .map(|c| crate::present::timeline_glyph(*c))
            .collect();
        writeln!(
            out,
            "    {:<16}{}",
            bar.record.clock.phase.label(),
            cells.trim_end()
        )?;
        writeln!(
            out,
            "{}{}",
            " ".repeat(LABEL),
            crate::present::timeline_summary(&bar.record, day, policy.calendar.time_zone())
        )?;
    }
    writeln!(
        out,
        "{}{}",
        " ".repeat(LABEL),
        crate::present::timeline_axis(&t, width)
    )?;
    Ok(())
}

fn write_tests(out: &mut impl Write, a: &Assessment, ctx: &Ctx) -> std::io::Result<()> {
    let t = &a.tests;
    writeln!(out, "  test evidence")?;
    if t.required.is_empty() {
        writeln!(out, "    no OIN Submission Tester runs required")?;
    }
    for r in &t.required {
        let mut line = format!(
            "    {:<5} {:<18} {:<9} {:<8}",
            r.protocol.key(),
            r.test_case.label(),
            r.instance_version.key(),
            r.status.key()
        );
        if let Some(run) = &r.latest {
            line.push_str(&format!(
                " run {} on {}",
                local(run.run_at, ctx),
                safe_line(&run.instance)
            ));
        }
        if let Some(exp) = r.expires_at {
            line.push_str(&format!(", expires {}", local(exp, ctx)));
        }
        writeln!(out, "{line}")?;
    }
    if let (Some(valid), Some(at)) = (t.valid_at_submission, t.submitted_at) {
        writeln!(
            out,
            "    at submission ({}): {}",
            local(at, ctx),
            if valid {
                "every required test had passed within the validity window"
            } else {
                "NOT every required test had passed within the validity window"
            }
        )?;
    }
    if let Some(scim) = &t.scim {
        let p = |b: bool| if b { "present" } else { "missing" };
        writeln!(
            out,
            "    SCIM: spec-test results {}, CRUD-test results {}, manual test plan {}",
            p(scim.spec_results),
            p(scim.crud_results),
            if scim.manual_plan_certified {
                "certified"
            } else {
                "not certified"
            }
        )?;
    }
    Ok(())
}
