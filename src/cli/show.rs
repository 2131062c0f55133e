//! `oin-review show ID`: one submission in full.

use super::Ctx;
use crate::domain::Submission;
use crate::text::safe_line;
use anyhow::{Result, bail};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The submission id.
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
    let store = ctx.open_store(false)?;
    let Some(mut sub) = store.submission(&args.id)? else {
        bail!(
            "show: no submission \"{}\" in {}; `oin-review list --query TEXT` finds ids",
            safe_line(&args.id),
            store.path().display()
        );
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ShowFormat::Json => {
            sub.mark_password_set(args.include_secrets);
            serde_json::to_writer_pretty(&mut out, &sub)?;
            writeln!(out)?;
        }
        ShowFormat::Text => write_text(&mut out, &sub)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(safe_line).unwrap_or_else(|| "-".into())
}

fn write_text(out: &mut impl Write, s: &Submission) -> std::io::Result<()> {
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
        }
        None => writeln!(out, "  new integration")?,
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
            if a.password.is_some() {
                "set"
            } else {
                "missing"
            }
        )?,
        None => writeln!(out, "  test account      -")?,
    }
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
    }
    writeln!(out, "  history")?;
    for e in &s.history {
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
        if e.kind != crate::domain::EventKind::Move {
            line.push_str(&format!("  [{}]", e.kind.key()));
        }
        if let Some(r) = &e.reason {
            line.push_str(&format!("  \"{}\"", safe_line(r)));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
