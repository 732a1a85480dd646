//! The action commands (`disable`, `reset-password`, ...) and `bulk`: gather targets from
//! arguments or a CSV, build the tenants, run the engine, print the batch.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::args::{ActionArgs, BulkArgs, Command, RunArgs};
use super::{Ctx, out_err};
use crate::config::TenantProfile;
use crate::csv_input::{self, Input, Mode};
use crate::engine::{Cancel, Consent, DEFAULT_CONCURRENCY, Engine, IssuedSecret, Request, Target};
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
        });
    }
    if let Some(path) = &base.csv {
        for row in csv_input::read(&input(path), Mode::Users)? {
            targets.push(Target { action, user: row.user, params: params.clone(), tenants: None, description: None });
        }
    }
    let selected = ctx.selected()?;
    execute_on(ctx, targets, selected.clone(), selected, &base.common, sink).await
}

pub(super) async fn bulk(ctx: &Ctx, args: BulkArgs) -> Result<ExitCode> {
    let sink = password_sink(ctx, false, args.password_file.as_deref())?;
    let rows = csv_input::read(&input(&args.file), Mode::Bulk)?;
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
        targets.push(Target { action, user: row.user, params, tenants, description: row.description });
    }
    let mut common = args.common.clone();
    if common.description.is_none() {
        common.description = description;
    }
    let all: Vec<TenantProfile> = selected.iter().cloned().chain(extra).collect();
    execute_on(ctx, targets, selected, all, &common, sink).await
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
    };
    let request = Request {
        targets,
        description: common.description.clone(),
        dry_run: common.dry_run,
        consent,
        i_know_this_is_many: common.i_know_this_is_many,
        operator: ctx.operator(),
        concurrency: concurrency(),
    };
    let outcome = engine.run(request).await;
    watcher.abort();
    reporter.finish();
    let outcome = outcome?;
    deliver_passwords(ctx, sink, &outcome.secrets)?;
    let read = log.read(&outcome.header.batch_id)?;
    for w in &read.warnings {
        ctx.printer.warn(w);
    }
    ctx.printer.batch(&read.batch, false).map_err(out_err)?;
    if outcome.interrupted {
        ctx.printer.hint(format!("interrupted: `remediate status {}` shows where it stopped", outcome.header.batch_id));
        return Ok(ExitCode::Interrupted);
    }
    Ok(ExitCode::for_batch(read.batch.header.status, read.batch.header.dry_run, outcome.auth_only))
}

/// Concurrency of provider calls; `REMEDIATE_CONCURRENCY` overrides it (benchmarks).
fn concurrency() -> usize {
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
