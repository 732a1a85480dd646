//! `remediate status BATCH_ID [--watch] [--exit-status] [--all]`.

use std::time::Duration;

use super::Ctx;
use super::args::StatusArgs;
use crate::error::{ExitCode, Result};
use crate::model::{ErrorKind, Status};
use crate::tasklog::BatchView;

/// How often `--watch` re-reads the batch.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

pub(super) async fn run(ctx: &Ctx, args: StatusArgs) -> Result<ExitCode> {
    let log = ctx.log()?;
    let id = log.resolve_id(&args.batch_id)?;
    let mut view = log.open_view(&id)?;
    if args.watch {
        let mut last = None;
        while !view.header.status.is_final() && view.header.status != Status::PendingApproval {
            let counts = format!("{:?}", view.header.counts);
            if last.as_ref() != Some(&counts) {
                ctx.printer.status(format!("batch {id}: {} ({} tasks)", view.header.status, view.header.task_count()));
                last = Some(counts);
            }
            tokio::time::sleep(WATCH_INTERVAL).await;
            view = log.open_view(&id)?;
        }
    }
    for w in &view.warnings {
        ctx.printer.warn(w);
    }
    ctx.printer.batch(&view, args.all)?;
    if args.exit_status {
        let h = &view.header;
        return Ok(ExitCode::for_batch(h.status, h.dry_run, auth_only(&view)?));
    }
    Ok(ExitCode::Success)
}

/// Whether every unsuccessful result failed on authentication or permission (exit 4).
pub(super) fn auth_only(view: &BatchView) -> Result<bool> {
    if view.header.status != Status::Unsuccessful {
        return Ok(false);
    }
    let mut any = false;
    for task in view.tasks()? {
        for r in task?.results.iter().filter(|r| r.status == Status::Unsuccessful) {
            any = true;
            if !r.error.as_ref().is_some_and(|e| matches!(e.kind, ErrorKind::Authentication | ErrorKind::Permission)) {
                return Ok(false);
            }
        }
    }
    Ok(any)
}
