//! Renderings of batches, history and tenants: table, tab-separated rows, JSON, CSV.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use super::Printer;
use crate::cli::args::OutputFormat;
use crate::error::Error;
use crate::model::{BatchHeader, SCHEMA_VERSION, Status, Task, TenantResult};
use crate::tasklog::BatchView;

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
    if let Some(e) = &r.error
        && s.is_empty()
    {
        s = e.message.clone();
    }
    for w in &r.warnings {
        s.push_str(&format!("\nwarning: {w}"));
    }
    s
}

/// Approval, undo and expiry facts of a batch, one line each.
fn header_notes(h: &BatchHeader) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = &h.approval {
        let mut line = format!("approval: required because {}; requested by {}", a.required_because, a.requested_by);
        if let (Some(d), Some(by)) = (a.decision, &a.decided_by) {
            line.push_str(&format!(
                "; {} by {by}",
                if d == crate::model::Decision::Approved { "approved" } else { "rejected" }
            ));
        }
        if let Some(r) = &a.reason {
            line.push_str(&format!(" ({r})"));
        }
        out.push(line);
    }
    if let Some(u) = &h.undo_of {
        out.push(format!("undoes batch {u}"));
    }
    for u in &h.undone_by {
        out.push(format!("undone by batch {u}"));
    }
    if let Some(t) = h.expires_at {
        match &h.expired_by {
            Some(u) => out.push(format!("expired at {t}: undone by batch {u}")),
            None => out.push(format!("expires at {t} (`remediate expire` undoes it then)")),
        }
    }
    for n in &h.not_reversed {
        out.push(format!("not reversed: {} {} on {}: {}", n.action, n.user, n.tenant, n.reason));
    }
    out
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
    /// The terminal's width; `COLUMNS`, else 120 where the terminal does not say (a pty
    /// without a size reports 0 columns, which would squeeze every column to one character).
    fn width(&self) -> u16 {
        let term =
            if self.stdout_tty { dialoguer::console::Term::stdout().size_checked().map(|(_, w)| w) } else { None };
        let env = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<u16>().ok());
        term.filter(|w| *w >= 40).or(env.filter(|w| *w >= 40)).unwrap_or(120)
    }

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
        t.set_width(self.width());
        t
    }

    /// A batch read back from the task log, in the chosen format, streaming its tasks.
    /// Hints of failed results follow on stderr.
    pub fn batch(&self, view: &BatchView, show_all: bool) -> Result<(), Error> {
        let mut hints: Vec<String> = Vec::new();
        let mut tasks = view.tasks()?.map(|t| {
            t.inspect(|task| {
                for h in task.results.iter().filter_map(|r| r.error.as_ref().and_then(|e| e.hint.as_deref())) {
                    if hints.len() < 5 && !hints.iter().any(|x| x == h) {
                        hints.push(h.to_string());
                    }
                }
            })
        });
        let h = &view.header;
        let rows = view.task_count();
        let written = match self.format {
            OutputFormat::Json => self.out(|w| {
                let doc = StreamedBatch { header: h, tasks: std::cell::RefCell::new(&mut tasks) };
                serde_json::to_writer_pretty(&mut *w, &doc)?;
                writeln!(w)
            }),
            OutputFormat::Csv => self.out(|w| batch_csv(w, h, &mut tasks)),
            OutputFormat::Table if !self.stdout_tty => self.out(|w| batch_tsv(w, &mut tasks)),
            OutputFormat::Table => self.batch_table(h, rows, &mut tasks, show_all),
        };
        written.map_err(unwrap_read_error)?;
        if self.format == OutputFormat::Table {
            let dry = if h.dry_run { " (dry run: nothing was changed)" } else { "" };
            if !self.stdout_tty {
                self.status(format!("batch {}: {}{dry} ({})", h.batch_id, h.status, counts_line(h)));
            }
            for hint in &hints {
                self.hint(hint);
            }
        }
        Ok(())
    }

    fn batch_table(
        &self,
        h: &BatchHeader,
        tasks_total: usize,
        tasks: &mut dyn Iterator<Item = Result<Task, Error>>,
        show_all: bool,
    ) -> io::Result<()> {
        let only_problems = !show_all && tasks_total > TABLE_ROW_LIMIT;
        let mut t = self.table();
        t.set_header(["User", "Action", "Tenant", "Status", "Changed", "Details"]);
        let mut hidden = 0;
        for task in tasks {
            let task = task.map_err(read_error)?;
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
            for line in header_notes(h) {
                writeln!(w, "{line}")?;
            }
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

/// A task-log read failure travels through `io::Error` while writing, and back.
#[derive(Debug)]
struct ReadFailed(Error);

impl std::fmt::Display for ReadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReadFailed {}

fn read_error(e: Error) -> io::Error {
    io::Error::other(ReadFailed(e))
}

fn unwrap_read_error(e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<ReadFailed>()) {
        let inner = e.into_inner().expect("checked").downcast::<ReadFailed>().expect("checked");
        return inner.0;
    }
    crate::cli::out_err(e)
}

/// The batch document with its tasks streamed from the log: the header's fields, then
/// `tasks` (the same JSON as `Batch`, without holding every task).
struct StreamedBatch<'a, 'b> {
    header: &'a BatchHeader,
    tasks: std::cell::RefCell<&'b mut dyn Iterator<Item = Result<Task, Error>>>,
}

impl Serialize for StreamedBatch<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap, SerializeSeq};
        let header = serde_json::to_value(self.header).map_err(S::Error::custom)?;
        let fields = header.as_object().ok_or_else(|| S::Error::custom("header is not an object"))?;
        let mut map = s.serialize_map(Some(fields.len() + 1))?;
        for (k, v) in fields {
            map.serialize_entry(k, v)?;
        }
        struct Tasks<'c, 'b>(&'c std::cell::RefCell<&'b mut dyn Iterator<Item = Result<Task, Error>>>);
        impl Serialize for Tasks<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                let mut tasks = self.0.borrow_mut();
                for task in &mut **tasks {
                    seq.serialize_element(&task.map_err(S::Error::custom)?)?;
                }
                seq.end()
            }
        }
        map.serialize_entry("tasks", &Tasks(&self.tasks))?;
        map.end()
    }
}

fn batch_tsv(w: &mut dyn Write, tasks: &mut dyn Iterator<Item = Result<Task, Error>>) -> io::Result<()> {
    for task in tasks {
        let task = task.map_err(read_error)?;
        for r in result_rows(&task) {
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
        .map(|r| {
            (
                r.tenant.clone(),
                r.status,
                if r.status != Status::Successful {
                    "-"
                } else if r.changed {
                    "changed"
                } else {
                    "unchanged"
                },
                details(r),
            )
        })
        .collect()
}

fn batch_csv(
    w: &mut dyn Write,
    header: &BatchHeader,
    tasks: &mut dyn Iterator<Item = Result<Task, Error>>,
) -> io::Result<()> {
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
    for task in tasks {
        let task = task.map_err(read_error)?;
        for r in &task.results {
            c.write_record([
                header.batch_id.as_str(),
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
                header.batch_id.as_str(),
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
