//! `remediate status BATCH_ID [--watch] [--exit-status] [--all]`.

use std::time::Duration;

use super::args::StatusArgs;
use super::{Ctx, out_err};
use crate::error::{ExitCode, Result};

/// How often `--watch` re-reads the batch.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

pub(super) async fn run(ctx: &Ctx, args: StatusArgs) -> Result<ExitCode> {
    let log = ctx.log()?;
    let id = log.resolve_id(&args.batch_id)?;
    let mut read = log.read(&id)?;
    if args.watch {
        let mut last = None;
        while !read.batch.header.status.is_final() && read.batch.header.status != crate::model::Status::PendingApproval
        {
            let line = format!("batch {}: {} ({} tasks)", id, read.batch.header.status, read.batch.header.task_count());
            let counts = format!("{:?}", read.batch.header.counts);
            if last.as_ref() != Some(&counts) {
                ctx.printer.status(&line);
                last = Some(counts);
            }
            tokio::time::sleep(WATCH_INTERVAL).await;
            read = log.read(&id)?;
        }
    }
    for w in &read.warnings {
        ctx.printer.warn(w);
    }
    ctx.printer.batch(&read.batch, args.all).map_err(out_err)?;
    let h = &read.batch.header;
    if args.exit_status {
        let auth_only = {
            let failed: Vec<_> = read
                .batch
                .tasks
                .iter()
                .flat_map(|t| &t.results)
                .filter(|r| r.status == crate::model::Status::Unsuccessful)
                .collect();
            !failed.is_empty()
                && failed.iter().all(|r| {
                    r.error.as_ref().is_some_and(|e| {
                        matches!(e.kind, crate::model::ErrorKind::Authentication | crate::model::ErrorKind::Permission)
                    })
                })
        };
        return Ok(ExitCode::for_batch(h.status, h.dry_run, auth_only));
    }
    Ok(ExitCode::Success)
}
