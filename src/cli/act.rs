//! The action commands (`disable`, `reset-password`, ...) and `bulk`: gather targets from
//! arguments or a CSV, build the tenants, run the engine, print the batch.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::Ctx;
use super::args::{ActionArgs, BulkArgs, Command, RunArgs};
use crate::config::TenantProfile;
use crate::csv_input::{self, Input, Mode};
use crate::engine::{Cancel, Consent, DEFAULT_CONCURRENCY, Engine, IssuedSecret, Request, RunOutcome, Target};
use crate::error::{Error, ExitCode, Result};
use crate::model::ActionParams;
use crate::output::ProgressReporter;

/// Longest user name accepted (an email address is at most 320 characters).
const MAX_USER_LEN: usize = 320;

/// Where generated passwords go.
enum PasswordSink {
    None,
    Show,
    File(std::fs::File, std::path::PathBuf),
}

pub(super) async fn action(ctx: &Ctx, command: Command) -> Result<ExitCode> {
    let action = command.action().expect("only action commands come here");
    let mut params = ActionParams::default();
    let mut sink = PasswordSink::None;
    let base: ActionArgs = match command {
        Command::ResetPassword(a) => {
            params.keep_sessions = a.keep_sessions;
            params.with_mfa = a.with_mfa;
            sink = password_sink(ctx, a.show_password, a.password_file.as_deref())?;
            a.base
        }
        Command::EnforceMfa(a) => {
            params.phishing_resistant = a.phishing_resistant;
            a.base
        }
        Command::RemoveRoles(a) => {
            params.roles = a.roles;
            a.base
        }
        Command::RemoveGroups(a) => {
            params.groups = a.groups;
            a.base
        }
        Command::Disable(a)
        | Command::Enable(a)
        | Command::RevokeSessions(a)
        | Command::Restrict(a)
        | Command::Unrestrict(a) => a,
        _ => unreachable!("not an action command"),
    };
    let mut targets = Vec::new();
    for user in &base.users {
        check_user(user, None)?;
        targets.push(Target {
            action,
            user: user.trim().to_string(),
            params: params.clone(),
            tenants: None,
            description: None,
            reverses: None,
        });
    }
    if let Some(path) = &base.csv {
        let parsed = csv_input::read_parsed(&input(path), Mode::Users)?;
        report_duplicates(ctx, parsed.duplicates);
        for row in parsed.rows {
            targets.push(Target {
                action,
                user: row.user,
                params: params.clone(),
                tenants: None,
                description: None,
                reverses: None,
            });
        }
    }
    let selected = ctx.selected()?;
    execute_on(ctx, targets, selected.clone(), selected, &base.common, sink).await
}

pub(super) async fn bulk(ctx: &Ctx, args: BulkArgs) -> Result<ExitCode> {
    let sink = password_sink(ctx, false, args.password_file.as_deref())?;
    let parsed = csv_input::read_parsed(&input(&args.file), Mode::Bulk)?;
    report_duplicates(ctx, parsed.duplicates);
    let rows = parsed.rows;
    let selected = ctx.selected()?;
    let mut extra: Vec<TenantProfile> = Vec::new();
    let mut description = None;
    let mut targets = Vec::with_capacity(rows.len());
    for row in rows {
        let action = row.action.ok_or_else(|| Error::input(format!("line {}: no action", row.line), None))?;
        let tenants = match &row.tenant {
            Some(t) => {
                if !selected.iter().chain(&extra).any(|p| &p.name == t) {
                    extra.push(ctx.config.tenant(t)?);
                }
                Some(vec![t.clone()])
            }
            None => None,
        };
        if description.is_none() {
            description = row.description.clone();
        }
        let params = ActionParams {
            groups: row.group.into_iter().collect(),
            roles: row.role.into_iter().collect(),
            ..ActionParams::default()
        };
        targets.push(Target { action, user: row.user, params, tenants, description: row.description, reverses: None });
    }
    let mut common = args.common.clone();
    if common.description.is_none() {
        common.description = description;
    }
    let all: Vec<TenantProfile> = selected.iter().cloned().chain(extra).collect();
    execute_on(ctx, targets, selected, all, &common, sink).await
}

fn report_duplicates(ctx: &Ctx, n: u64) {
    if n > 0 {
        ctx.printer.status(format!("{n} duplicate row(s) collapsed"));
    }
}

fn input(path: &Path) -> Input {
    if path.as_os_str() == "-" { Input::Stdin } else { Input::Path(path.to_path_buf()) }
}

/// Refuse names that cannot be users before anything runs.
fn check_user(user: &str, line: Option<u64>) -> Result<()> {
    let u = user.trim();
    let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
    if u.is_empty() {
        return Err(Error::input(format!("empty user name{at}"), None));
    }
    if u.len() > MAX_USER_LEN || u.chars().any(char::is_control) {
        return Err(Error::input(
            format!("`{}` is not a user name{at}", u.escape_debug()),
            Some("give a UPN, login, email address or object id".to_string()),
        ));
    }
    Ok(())
}

fn password_sink(ctx: &Ctx, show: bool, file: Option<&Path>) -> Result<PasswordSink> {
    if show && file.is_some() {
        return Err(Error::usage("`--show-password` and `--password-file` exclude each other", None));
    }
    if show {
        if !(ctx.printer.stdout_tty && ctx.printer.stderr_tty) {
            return Err(Error::usage(
                "`--show-password` needs a terminal",
                Some("use `--password-file PATH` to hand passwords to a script".to_string()),
            ));
        }
        return Ok(PasswordSink::Show);
    }
    if let Some(path) = file {
        use std::os::unix::fs::OpenOptionsExt;
        // Created before anything runs, so a bad path fails the command before any change.
        let f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| {
            Error::input(
                format!("cannot create password file `{}`: {e}", path.display()),
                Some("give a new file in a private directory; an existing file is never overwritten".to_string()),
            )
        })?;
        return Ok(PasswordSink::File(f, path.to_path_buf()));
    }
    Ok(PasswordSink::None)
}

async fn execute_on(
    ctx: &Ctx,
    targets: Vec<Target>,
    selected: Vec<TenantProfile>,
    all: Vec<TenantProfile>,
    common: &RunArgs,
    sink: PasswordSink,
) -> Result<ExitCode> {
    if targets.is_empty() {
        return Err(Error::input("no users to act on", Some("the CSV has no data rows".to_string())));
    }
    let expires_at = expiry(common, targets.iter().map(|t| t.action))?;
    let consent = if common.dry_run || ctx.global.yes {
        Consent::Given
    } else if ctx.printer.can_prompt() {
        Consent::Ask
    } else {
        return Err(Error::NeedsConfirmation { count: targets.len() });
    };
    let tenants = ctx.build(&all)?;
    let log = ctx.log()?;
    let reporter = ProgressReporter::new(&ctx.printer);
    let cancel = Cancel::default();
    let on_ctrl_c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let engine = Engine {
        log: &log,
        tenants: &tenants,
        selected: selected.iter().map(|p| p.name.clone()).collect(),
        reporter: &reporter,
        cancel,
        ad_tenants: ctx.ad_tenants(),
    };
    let mut request = Request::new(targets, ctx.operator(), consent);
    request.description = common.description.clone();
    request.dry_run = common.dry_run;
    request.i_know_this_is_many = common.i_know_this_is_many;
    request.concurrency = concurrency();
    request.require_approval = common.require_approval;
    request.expires_at = expires_at;
    let outcome = engine.run(request).await;
    watcher.abort();
    reporter.finish();
    let outcome = outcome?;
    deliver_passwords(ctx, sink, &outcome.secrets)?;
    report(ctx, &log, &outcome)
}

/// Print a batch a run left, with its warnings, and the exit code of its status.
pub(super) fn report(ctx: &Ctx, log: &crate::tasklog::TaskLog, outcome: &RunOutcome) -> Result<ExitCode> {
    for line in &outcome.changed_since {
        ctx.printer.warn(format!("changed since it was planned: {line}"));
    }
    let view = log.open_view(&outcome.header.batch_id)?;
    for w in &view.warnings {
        ctx.printer.warn(w);
    }
    ctx.printer.batch(&view, false)?;
    let h = &view.header;
    if outcome.interrupted {
        ctx.printer.hint(format!("interrupted: `remediate retry {}` finishes it", h.batch_id));
        return Ok(ExitCode::Interrupted);
    }
    if outcome.declined {
        return Ok(ExitCode::Canceled);
    }
    if h.status == crate::model::Status::PendingApproval {
        ctx.printer.hint(format!("another operator runs it with `remediate approve {}`", h.batch_id));
    }
    Ok(ExitCode::for_batch(h.status, h.dry_run, outcome.auth_only))
}

/// When a `--for DURATION` action expires; only reversible actions can have one.
fn expiry(
    common: &RunArgs,
    actions: impl IntoIterator<Item = crate::model::Action>,
) -> Result<Option<jiff::Timestamp>> {
    let Some(text) = &common.for_duration else { return Ok(None) };
    if let Some(a) = actions.into_iter().find(|a| !a.is_reversible()) {
        return Err(Error::usage(
            format!("`--for` cannot time-box `{a}`: it cannot be undone"),
            Some(
                "`--for` works with disable, enable, enforce-mfa, remove-roles, remove-groups, restrict, unrestrict"
                    .to_string(),
            ),
        ));
    }
    let bad = || {
        Error::usage(
            format!("`{text}` is not a duration"),
            Some("give a duration such as `90m`, `24h` or `7d`".to_string()),
        )
    };
    let span: jiff::Span = text.trim().parse().map_err(|_| bad())?;
    let now = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC);
    let at = now.checked_add(span).map_err(|_| bad())?.timestamp();
    if at <= now.timestamp() {
        return Err(bad());
    }
    Ok(Some(at))
}

/// Concurrency of provider calls; `REMEDIATE_CONCURRENCY` overrides it (benchmarks).
pub(super) fn concurrency() -> usize {
    std::env::var("REMEDIATE_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_CONCURRENCY)
}

fn deliver_passwords(ctx: &Ctx, sink: PasswordSink, secrets: &[IssuedSecret]) -> Result<()> {
    match sink {
        PasswordSink::None => {
            if !secrets.is_empty() {
                ctx.printer.status(format!(
                    "{} temporary password(s) set and not shown; users must change them at next sign-in",
                    secrets.len()
                ));
            }
        }
        PasswordSink::Show => {
            for s in secrets {
                ctx.printer.secret_line(&format!("{} on {}: {}", s.user, s.tenant, s.secret.expose()));
            }
        }
        PasswordSink::File(mut f, path) => {
            let mut rows: BTreeMap<(&str, &str), &str> = BTreeMap::new();
            for s in secrets {
                rows.insert((s.user.as_str(), s.tenant.as_str()), s.secret.expose());
            }
            let mut buf = String::from("user,tenant,password\n");
            for ((u, t), p) in rows {
                buf.push_str(&format!("{},{},{}\n", csv_field(u), csv_field(t), csv_field(p)));
            }
            f.write_all(buf.as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| Error::io(format!("cannot write password file `{}`", path.display()), e))?;
            ctx.printer.status(format!("{} temporary password(s) written to {}", secrets.len(), path.display()));
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}
