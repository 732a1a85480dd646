//! Governance commands: `approve`, `reject`, `retry`, `undo` and `expire` (DESIGN.md §5).
//! They run existing batches again, or new batches derived from them, through the engine.

use std::collections::BTreeMap;

use super::act::{concurrency, report};
use super::args::{BatchIdArgs, RejectArgs, UndoArgs};
use super::{Ctx, out_err};
use crate::engine::{self, Cancel, Consent, Engine, Request, Resume, RunOutcome, Tenant};
use crate::error::{Error, ExitCode, Result};
use crate::model::Status;
use crate::output::ProgressReporter;
use crate::tasklog::TaskLog;

/// `--yes`, a prompt on a terminal, or a refusal.
fn consent(ctx: &Ctx, count: usize) -> Result<Consent> {
    if ctx.global.yes {
        Ok(Consent::Given)
    } else if ctx.printer.can_prompt() {
        Ok(Consent::Ask)
    } else {
        Err(Error::NeedsConfirmation { count })
    }
}

/// The tenants a recorded batch ran on, built again from today's config.
fn tenants_of(ctx: &Ctx, names: &[String]) -> Result<BTreeMap<String, Tenant>> {
    let profiles = names.iter().map(|n| ctx.config.tenant(n)).collect::<Result<Vec<_>>>()?;
    ctx.build(&profiles)
}

async fn resume(ctx: &Ctx, id: &str, how: Resume) -> Result<ExitCode> {
    let log = ctx.log()?;
    let id = log.resolve_id(id)?;
    let header = log.read_header(&id)?;
    let consent = consent(ctx, header.task_count() as usize)?;
    let tenants = tenants_of(ctx, &header.tenants)?;
    let reporter = ProgressReporter::new(&ctx.printer);
    let engine = Engine {
        log: &log,
        tenants: &tenants,
        selected: header.tenants.clone(),
        reporter: &reporter,
        cancel: ctrl_c(),
        ad_tenants: ctx.ad_tenants(),
    };
    let outcome = engine.resume(&id, how, consent, concurrency()).await;
    reporter.finish();
    report(ctx, &log, &outcome?)
}

pub(super) async fn approve(ctx: &Ctx, args: BatchIdArgs) -> Result<ExitCode> {
    resume(ctx, &args.batch_id, Resume::Approve { approver: ctx.operator() }).await
}

pub(super) async fn retry(ctx: &Ctx, args: BatchIdArgs) -> Result<ExitCode> {
    resume(ctx, &args.batch_id, Resume::Retry).await
}

pub(super) async fn reject(ctx: &Ctx, args: RejectArgs) -> Result<ExitCode> {
    let log = ctx.log()?;
    let id = log.resolve_id(&args.batch_id)?;
    if args.reason.trim().is_empty() {
        return Err(Error::usage("`--reason` is empty", Some("say why, for the record".to_string())));
    }
    let header = engine::reject(&log, &id, &ctx.operator(), args.reason.trim()).await?;
    let view = log.open_view(&header.batch_id)?;
    ctx.printer.batch(&view, false)?;
    Ok(ExitCode::Canceled)
}

pub(super) async fn undo(ctx: &Ctx, args: UndoArgs) -> Result<ExitCode> {
    let log = ctx.log()?;
    let id = log.resolve_id(&args.batch_id)?;
    let consent = consent(ctx, 0)?;
    let (outcome, _) = undo_batch(ctx, &log, &id, args.force, consent).await?;
    report(ctx, &log, &outcome)
}

/// Undo one batch: a new batch linked both ways to the original.
async fn undo_batch(ctx: &Ctx, log: &TaskLog, id: &str, force: bool, consent: Consent) -> Result<(RunOutcome, usize)> {
    let original = log.read(id)?.batch;
    let h = &original.header;
    match h.status {
        Status::PendingApproval | Status::Rejected => {
            return Err(Error::input(format!("batch {id} never ran: it is {}", h.status), None));
        }
        _ if h.dry_run => return Err(Error::input(format!("batch {id} is a dry run: it changed nothing"), None)),
        _ if log.is_running(id) => {
            return Err(Error::input(
                format!("batch {id} is still running"),
                Some(format!("wait for it: `remediate status {id} --watch`")),
            ));
        }
        Status::Queued | Status::InProgress if !force => {
            return Err(Error::input(
                format!("batch {id} was interrupted and is unfinished"),
                Some(format!("finish it with `remediate retry {id}` first, or pass `--force` to undo what it did")),
            ));
        }
        _ => {}
    }
    let (targets, not_reversed) = engine::undo::plan(&original);
    for n in &not_reversed {
        ctx.printer.warn(format!("not reversed: {} {} on {}: {}", n.action, n.user, n.tenant, n.reason));
    }
    if targets.is_empty() {
        return Err(Error::input(
            format!("nothing to undo in batch {id}: it made no change that can be reversed"),
            None,
        ));
    }
    let count = targets.len();
    let names: Vec<String> = {
        let mut v: Vec<String> = targets.iter().flat_map(|t| t.tenants.clone().unwrap_or_default()).collect();
        v.sort();
        v.dedup();
        v
    };
    let tenants = tenants_of(ctx, &names)?;
    let reporter = ProgressReporter::new(&ctx.printer);
    let engine = Engine {
        log,
        tenants: &tenants,
        selected: names.clone(),
        reporter: &reporter,
        cancel: ctrl_c(),
        ad_tenants: ctx.ad_tenants(),
    };
    let mut request = Request::new(targets, ctx.operator(), consent);
    request.description = Some(format!("undo of {id}"));
    request.force = force;
    request.undo_of = Some(id.to_string());
    request.not_reversed = not_reversed;
    // The original batch passed its own size check; its undo is the same size.
    request.i_know_this_is_many = Some(count);
    request.concurrency = concurrency();
    let outcome = engine.run(request).await;
    reporter.finish();
    let outcome = outcome?;
    if !outcome.declined {
        log.link_undo(id, &outcome.header.batch_id)?;
    }
    Ok((outcome, count))
}

pub(super) async fn expire(ctx: &Ctx) -> Result<ExitCode> {
    let log = ctx.log()?;
    // One `expire` at a time, so that each time-boxed batch is undone once.
    let _guard = log.lock_named("expire.lock")?;
    let now = jiff::Timestamp::now();
    let (headers, _) = log.history(&Default::default())?;
    let mut due: Vec<_> = headers
        .into_iter()
        .filter(|h| h.expires_at.is_some_and(|t| t <= now) && h.expired_by.is_none() && !h.dry_run)
        .filter(|h| matches!(h.status, Status::Successful | Status::PartiallySuccessful))
        .collect();
    due.sort_by_key(|h| h.expires_at);
    if due.is_empty() {
        ctx.printer.status("nothing has expired");
        return Ok(ExitCode::Success);
    }
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let mut worst = ExitCode::Success;
    for h in due {
        let id = h.batch_id.clone();
        match undo_batch(ctx, &log, &id, false, Consent::Given).await {
            Ok((outcome, _)) => {
                log.mark_expired(&id, &outcome.header.batch_id)?;
                let code = ExitCode::for_batch(outcome.header.status, false, outcome.auth_only);
                if code != ExitCode::Success {
                    worst = ExitCode::Partial;
                }
                rows.push(vec![id.clone(), outcome.header.batch_id.clone(), outcome.header.status.to_string()]);
                json.push(serde_json::json!({"batch_id": id, "undo_batch_id": outcome.header.batch_id, "status": outcome.header.status}));
            }
            Err(e) => {
                worst = ExitCode::Partial;
                ctx.printer.error(&e);
                rows.push(vec![id.clone(), String::new(), format!("error: {e}")]);
                json.push(serde_json::json!({"batch_id": id, "undo_batch_id": null, "status": "error", "error": e.to_string()}));
            }
        }
    }
    let doc = serde_json::json!({"schema_version": crate::model::SCHEMA_VERSION, "expired": json});
    ctx.printer.rows(&["Batch", "Undo batch", "Status"], &rows, &doc).map_err(out_err)?;
    Ok(worst)
}

/// Stop starting tasks on Ctrl-C.
fn ctrl_c() -> Cancel {
    let cancel = Cancel::default();
    let c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.cancel();
        }
    });
    cancel
}
