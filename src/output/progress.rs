//! Progress on stderr while a batch runs (indicatif), and the confirmation prompt. Only
//! this file knows indicatif.
#![allow(clippy::print_stderr)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;
use crate::engine::{Phase, PlanSummary, Reporter};
use crate::model::{Status, Task};

/// The engine's reporter for a terminal: a bar with done/total, successes, failures and ETA
/// when progress is on; per-task lines with `-v`, printed through the bar so they do not tear it.
pub struct ProgressReporter {
    printer: Printer,
    bar: ProgressBar,
    ok: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
}

impl ProgressReporter {
    pub fn new(printer: &Printer) -> ProgressReporter {
        let bar = if printer.progress {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10))
        } else {
            ProgressBar::hidden()
        };
        ProgressReporter {
            printer: printer.clone(),
            bar,
            ok: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn counters(&self) -> String {
        format!(
            "✔ {}  ✘ {}  – {}",
            self.ok.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
            self.skipped.load(Ordering::Relaxed)
        )
    }
}

impl Reporter for ProgressReporter {
    fn phase(&self, phase: Phase, total: u64) {
        let verb = match phase {
            Phase::Planning => "resolving",
            Phase::Applying => "applying",
        };
        self.bar.set_style(
            ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        self.bar.set_prefix(verb);
        self.bar.set_length(total);
        self.bar.set_position(0);
        if phase == Phase::Planning {
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
        self.bar.set_message(self.counters());
    }

    fn task_done(&self, task: &Task) {
        match task.status {
            Status::Successful => &self.ok,
            Status::Skipped | Status::Canceled => &self.skipped,
            _ => &self.failed,
        }
        .fetch_add(1, Ordering::Relaxed);
        self.bar.inc(1);
        self.bar.set_message(self.counters());
        if self.printer.verbose {
            let line = task
                .results
                .iter()
                .map(|r| format!("{} {} {} on {}: {} {}", task.action, task.user, r.status, r.tenant, r.message, ""))
                .collect::<Vec<_>>()
                .join("\n");
            self.bar.suspend(|| eprintln!("{}", line.trim_end()));
        }
    }

    fn confirm(&self, s: &PlanSummary) -> bool {
        self.bar.suspend(|| {
            let mut lines = Vec::new();
            let actions = s.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ");
            lines.push(format!(
                "About to {actions} for {} user(s) on {}:",
                s.users.len(),
                s.tenants.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ));
            for u in s.users.iter().take(10) {
                lines.push(format!("  {u}"));
            }
            if s.users.len() > 10 {
                lines.push(format!("  … and {} more", s.users.len() - 10));
            }
            if !s.not_applied.is_empty() {
                lines.push(format!("{} will not be applied:", s.not_applied.len()));
                for (u, t, why) in s.not_applied.iter().take(10) {
                    lines.push(format!("  {u} on {t}: {why}"));
                }
            }
            if !s.changed_since.is_empty() {
                lines.push("Changed since the batch was planned:".into());
                for c in s.changed_since.iter().take(20) {
                    lines.push(format!("  {c}"));
                }
            }
            lines.push(format!("batch {}", s.batch_id));
            self.printer.block(&lines);
            self.printer.confirm(&format!("Apply {} change(s)?", s.to_apply))
        })
    }
}
