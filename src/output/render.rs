//! Renderings of batches, history and tenants: table, tab-separated rows, JSON, CSV.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use super::Printer;
use crate::cli::args::OutputFormat;
use crate::model::{Batch, BatchHeader, SCHEMA_VERSION, Status, Task, TenantResult};

/// Above this many results a TTY table lists only the tasks that did not succeed.
const TABLE_ROW_LIMIT: usize = 100;

/// `✔` / `✘` / `–` beside every status word, so colour never carries meaning alone.
fn mark(status: Status) -> &'static str {
    match status {
        Status::Successful => "✔",
        Status::Unsuccessful | Status::Rejected => "✘",
        Status::PartiallySuccessful => "◐",
        Status::Skipped | Status::Canceled => "–",
        Status::Queued | Status::InProgress | Status::PendingApproval => "…",
    }
}

fn color(status: Status) -> Color {
    match status {
        Status::Successful => Color::Green,
        Status::Unsuccessful | Status::Rejected => Color::Red,
        Status::PartiallySuccessful | Status::Skipped | Status::Canceled => Color::Yellow,
        _ => Color::Cyan,
    }
}

fn details(r: &TenantResult) -> String {
    let mut s = r.message.clone();
    if let Some(e) = &r.error {
        if s.is_empty() {
            s = e.message.clone();
        }
    }
    for w in &r.warnings {
        s.push_str(&format!("\nwarning: {w}"));
    }
    s
}

fn counts_line(h: &BatchHeader) -> String {
    h.counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {}", s.title().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Printer {
    fn status_cell(&self, status: Status) -> Cell {
        let cell = Cell::new(format!("{} {}", mark(status), status.title()));
        if self.color { cell.fg(color(status)) } else { cell }
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_style(if self.color || self.stdout_tty {
            presets::UTF8_FULL_CONDENSED
        } else {
            presets::ASCII_FULL_CONDENSED
        });
        t.set_content_arrangement(ContentArrangement::Dynamic);
        if !self.stdout_tty {
            t.set_width(120);
        }
        t
    }

    /// A batch with its tasks, in the chosen format. Hints of failed results follow on stderr.
    pub fn batch(&self, batch: &Batch, show_all: bool) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => self.out(|w| {
                serde_json::to_writer_pretty(&mut *w, batch)?;
                writeln!(w)
            })?,
            OutputFormat::Csv => self.out(|w| batch_csv(w, batch))?,
            OutputFormat::Table if !self.stdout_tty => self.out(|w| batch_tsv(w, batch))?,
            OutputFormat::Table => self.batch_table(batch, show_all)?,
        }
        if self.format == OutputFormat::Table {
            let h = &batch.header;
            let dry = if h.dry_run { " (dry run: nothing was changed)" } else { "" };
            if !self.stdout_tty {
                self.status(format!("batch {}: {}{dry} ({})", h.batch_id, h.status, counts_line(h)));
            }
            let mut hints: Vec<&str> = Vec::new();
            for r in batch.tasks.iter().flat_map(|t| &t.results) {
                if let Some(h) = r.error.as_ref().and_then(|e| e.hint.as_deref()) {
                    if !hints.contains(&h) {
                        hints.push(h);
                    }
                }
            }
            for h in hints.iter().take(5) {
                self.hint(h);
            }
        }
        Ok(())
    }

    fn batch_table(&self, batch: &Batch, show_all: bool) -> io::Result<()> {
        let h = &batch.header;
        let rows: usize = batch.tasks.iter().map(|t| t.results.len().max(1)).sum();
        let only_problems = !show_all && rows > TABLE_ROW_LIMIT;
        let mut t = self.table();
        t.set_header(["User", "Action", "Tenant", "Status", "Changed", "Details"]);
        let mut hidden = 0;
        for task in &batch.tasks {
            if only_problems && task.status == Status::Successful {
                hidden += 1;
                continue;
            }
            if task.results.is_empty() {
                t.add_row(vec![
                    Cell::new(&task.user),
                    Cell::new(task.action),
                    Cell::new(task.tenants.join(", ")),
                    self.status_cell(task.status),
                    Cell::new(""),
                    Cell::new(""),
                ]);
            }
            for r in &task.results {
                t.add_row(vec![
                    Cell::new(&task.user),
                    Cell::new(task.action),
                    Cell::new(&r.tenant),
                    self.status_cell(r.status),
                    Cell::new(if r.status == Status::Successful { if r.changed { "yes" } else { "no" } } else { "" }),
                    Cell::new(details(r)),
                ]);
            }
        }
        let dry = if h.dry_run { "  (dry run: nothing was changed)" } else { "" };
        let desc = h.description.as_deref().map(|d| format!("  “{d}”")).unwrap_or_default();
        self.out(|w| {
            writeln!(w, "Batch {}  {} {}{dry}{desc}", h.batch_id, mark(h.status), h.status.title())?;
            writeln!(w, "{} · {} · {}", h.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"), h.operator, counts_line(h))?;
            if t.row_count() > 0 {
                writeln!(w, "{t}")?;
            }
            Ok(())
        })?;
        if hidden > 0 {
            self.status(format!(
                "{hidden} successful tasks not listed; `remediate status {} --all` lists every task",
                h.batch_id
            ));
        }
        Ok(())
    }

    /// `history`: newest first.
    pub fn history(&self, headers: &[BatchHeader]) -> io::Result<()> {
        #[derive(Serialize)]
        struct Doc<'a> {
            schema_version: u32,
            batches: Vec<Entry<'a>>,
        }
        #[derive(Serialize)]
        struct Entry<'a> {
            batch_id: &'a str,
            status: Status,
            created_at: jiff::Timestamp,
            finished_at: Option<jiff::Timestamp>,
            operator: &'a str,
            description: Option<&'a str>,
            dry_run: bool,
            actions: &'a [crate::model::Action],
            tenants: &'a [String],
            counts: &'a std::collections::BTreeMap<Status, u64>,
        }
        fn entry(h: &BatchHeader) -> Entry<'_> {
            Entry {
                batch_id: &h.batch_id,
                status: h.status,
                created_at: h.created_at,
                finished_at: h.finished_at,
                operator: &h.operator,
                description: h.description.as_deref(),
                dry_run: h.dry_run,
                actions: &h.actions,
                tenants: &h.tenants,
                counts: &h.counts,
            }
        }
        let actions = |h: &BatchHeader| h.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",");
        match self.format {
            OutputFormat::Json => self.out(|w| {
                let doc = Doc { schema_version: SCHEMA_VERSION, batches: headers.iter().map(entry).collect() };
                serde_json::to_writer_pretty(&mut *w, &doc)?;
                writeln!(w)
            }),
            OutputFormat::Csv => self.out(|w| {
                let mut c = csv::Writer::from_writer(w);
                c.write_record([
                    "batch_id",
                    "created_at",
                    "status",
                    "actions",
                    "tenants",
                    "tasks",
                    "description",
                    "operator",
                ])?;
                for h in headers {
                    c.write_record([
                        h.batch_id.as_str(),
                        &h.created_at.to_string(),
                        h.status.as_str(),
                        &actions(h),
                        &h.tenants.join(","),
                        &h.task_count().to_string(),
                        h.description.as_deref().unwrap_or(""),
                        &h.operator,
                    ])?;
                }
                c.flush()
            }),
            OutputFormat::Table if !self.stdout_tty => self.out(|w| {
                for h in headers {
                    writeln!(
                        w,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        h.batch_id,
                        h.created_at,
                        h.status,
                        actions(h),
                        h.tenants.join(","),
                        h.task_count(),
                        tsv_field(h.description.as_deref().unwrap_or(""))
                    )?;
                }
                Ok(())
            }),
            OutputFormat::Table => {
                let mut t = self.table();
                t.set_header(["Batch", "Created", "Status", "Actions", "Tenants", "Tasks", "Description"]);
                for h in headers {
                    t.add_row(vec![
                        Cell::new(&h.batch_id),
                        Cell::new(h.created_at.strftime("%Y-%m-%d %H:%M")),
                        self.status_cell(h.status),
                        Cell::new(actions(h)),
                        Cell::new(h.tenants.join(", ")),
                        Cell::new(h.task_count()),
                        Cell::new(h.description.as_deref().unwrap_or("")),
                    ]);
                }
                self.out(|w| writeln!(w, "{t}"))
            }
        }
    }

    /// Rows of name/value pairs or a list, for the tenant commands.
    pub fn rows(&self, header: &[&str], rows: &[Vec<String>], json: &serde_json::Value) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => self.out(|w| {
                serde_json::to_writer_pretty(&mut *w, json)?;
                writeln!(w)
            }),
            OutputFormat::Csv => self.out(|w| {
                let mut c = csv::Writer::from_writer(w);
                c.write_record(header)?;
                for r in rows {
                    c.write_record(r)?;
                }
                c.flush()
            }),
            OutputFormat::Table if !self.stdout_tty => self.out(|w| {
                for r in rows {
                    writeln!(w, "{}", r.iter().map(|f| tsv_field(f)).collect::<Vec<_>>().join("\t"))?;
                }
                Ok(())
            }),
            OutputFormat::Table => {
                let mut t = self.table();
                t.set_header(header.to_vec());
                for r in rows {
                    t.add_row(r.clone());
                }
                self.out(|w| writeln!(w, "{t}"))
            }
        }
    }
}

/// Tabs and newlines inside a field would break the row format.
fn tsv_field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn batch_tsv(w: &mut dyn Write, batch: &Batch) -> io::Result<()> {
    for task in &batch.tasks {
        for r in result_rows(task) {
            writeln!(w, "{}\t{}\t{}\t{}\t{}\t{}", task.user, task.action, r.0, r.1, r.2, tsv_field(&r.3))?;
        }
    }
    Ok(())
}

/// (tenant, status, changed, details) per result, or one row for a task without results.
fn result_rows(task: &Task) -> Vec<(String, Status, &'static str, String)> {
    if task.results.is_empty() {
        return vec![(task.tenants.join(","), task.status, "", String::new())];
    }
    task.results
        .iter()
        .map(|r| (r.tenant.clone(), r.status, if r.changed { "changed" } else { "unchanged" }, details(r)))
        .collect()
}

fn batch_csv(w: &mut dyn Write, batch: &Batch) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record([
        "batch_id",
        "task_id",
        "user",
        "action",
        "tenant",
        "provider",
        "status",
        "changed",
        "message",
        "error_kind",
        "hint",
        "request_id",
    ])?;
    for task in &batch.tasks {
        for r in &task.results {
            c.write_record([
                batch.header.batch_id.as_str(),
                &task.task_id,
                &task.user,
                task.action.as_str(),
                &r.tenant,
                &r.provider,
                r.status.as_str(),
                if r.changed { "true" } else { "false" },
                &r.message,
                r.error.as_ref().map_or("", |e| e.kind.as_str()),
                r.error.as_ref().and_then(|e| e.hint.as_deref()).unwrap_or(""),
                r.request_id.as_deref().unwrap_or(""),
            ])?;
        }
        if task.results.is_empty() {
            c.write_record([
                batch.header.batch_id.as_str(),
                &task.task_id,
                &task.user,
                task.action.as_str(),
                &task.tenants.join(","),
                "",
                task.status.as_str(),
                "false",
                "",
                "",
                "",
                "",
            ])?;
        }
    }
    c.flush()
}
