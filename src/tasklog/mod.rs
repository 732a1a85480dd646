//! The local task log (DESIGN.md §4): one folder per batch under `<state>/batches/`, and an
//! append-only index for `history`.
//!
//! Layout:
//! - `batches/<id>/batch.json`: the batch header, rewritten atomically when it changes;
//! - `batches/<id>/tasks.jsonl`: the task journal. Every task is written `queued` when the
//!   batch is created; a task gets a line before its first write to a provider and one
//!   after its last. The last line of a task wins. Lines are appended by one writer thread
//!   that group-commits (one `fdatasync` for every line that arrived meanwhile), so crash
//!   safety costs one fsync per burst of tasks, not one per task;
//! - `index.jsonl`: one header line per batch event (created, finished, ...), last wins,
//!   so `history` reads one small file instead of every batch;
//! - `users.tsv`: `batch_id<TAB>user` lines, so `history --user` need not open batches.
//!
//! `status` of one batch reads only that batch's folder, whatever the history size.
//! Files are 0600 in 0700 directories. Appends to the shared files take an exclusive
//! `flock` on `lock`, so concurrent invocations are safe.

mod journal;

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil;
use crate::model::{Action, Batch, BatchHeader, Status, Task};

pub use journal::JournalWriter;

/// The task log rooted at a state dir.
#[derive(Debug, Clone)]
pub struct TaskLog {
    root: PathBuf,
}

/// One line of a task journal.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct JournalLine {
    /// Index of the task within the batch.
    pub i: u32,
    /// A full task record (queued, or finished with results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// A status change only (`in_progress` before the first provider write).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// Filters of `history`.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub user: Option<String>,
    pub action: Option<Action>,
    pub status: Option<Status>,
    pub since: Option<jiff::Timestamp>,
    pub limit: Option<usize>,
}

/// A batch read back, with what could not be read.
#[derive(Debug)]
pub struct ReadBatch {
    pub batch: Batch,
    /// Corrupt lines skipped, with their line numbers.
    pub warnings: Vec<String>,
}

impl TaskLog {
    /// Open (creating if needed) the task log in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<TaskLog> {
        let bad = |message: String| Error::TaskLog { path: state_dir.to_path_buf(), message };
        if state_dir.exists() && !state_dir.is_dir() {
            return Err(bad("is not a directory".into()));
        }
        fsutil::create_private_dir(&state_dir.join("batches")).map_err(|e| bad(format!("cannot create it: {e}")))?;
        let probe = state_dir.join("lock");
        fsutil::open_append(&probe).map_err(|e| bad(format!("is not writable: {e}")))?;
        Ok(TaskLog { root: state_dir.to_path_buf() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn batch_dir(&self, id: &str) -> PathBuf {
        self.root.join("batches").join(id)
    }

    fn err(&self, path: &Path, message: impl Into<String>) -> Error {
        Error::TaskLog { path: path.to_path_buf(), message: message.into() }
    }

    /// Exclusive lock on the shared files (index, users).
    fn lock(&self) -> Result<File> {
        let path = self.root.join("lock");
        let f = fsutil::open_append(&path).map_err(|e| self.err(&path, e.to_string()))?;
        f.lock().map_err(|e| self.err(&path, format!("cannot lock: {e}")))?;
        Ok(f)
    }

    /// Create a batch: header, every task `queued`, index and user lines; all durable before
    /// this returns. Returns the journal writer for the run.
    pub fn create(&self, header: &BatchHeader, tasks: &[Task]) -> Result<JournalWriter> {
        let dir = self.batch_dir(&header.batch_id);
        fsutil::create_private_dir(&dir).map_err(|e| self.err(&dir, e.to_string()))?;
        let journal_path = dir.join("tasks.jsonl");
        let mut buf = Vec::with_capacity(tasks.len() * 200);
        for (i, task) in tasks.iter().enumerate() {
            serde_json::to_writer(&mut buf, &JournalLine { i: i as u32, task: Some(task.clone()), status: None })
                .expect("task serializes");
            buf.push(b'\n');
        }
        let mut f = fsutil::open_append(&journal_path).map_err(|e| self.err(&journal_path, e.to_string()))?;
        f.write_all(&buf).and_then(|_| f.sync_data()).map_err(|e| self.err(&journal_path, e.to_string()))?;
        self.write_header(header)?;

        let _lock = self.lock()?;
        let mut users = Vec::new();
        let mut seen = HashSet::new();
        for t in tasks {
            let u = t.user.to_lowercase();
            if seen.insert(u.clone()) {
                writeln!(users, "{}\t{}", header.batch_id, u).expect("write to vec");
            }
        }
        self.append_shared("users.tsv", &users)?;
        self.append_index(header)?;
        JournalWriter::start(f, journal_path)
    }

    /// Rewrite the header and add it to the index (status changes, finish).
    pub fn update_header(&self, header: &BatchHeader) -> Result<()> {
        self.write_header(header)?;
        let _lock = self.lock()?;
        self.append_index(header)
    }

    fn write_header(&self, header: &BatchHeader) -> Result<()> {
        let path = self.batch_dir(&header.batch_id).join("batch.json");
        let bytes = serde_json::to_vec_pretty(header).expect("header serializes");
        fsutil::write_atomic(&path, &bytes, 0o600).map_err(|e| self.err(&path, e.to_string()))
    }

    fn append_index(&self, header: &BatchHeader) -> Result<()> {
        let mut line = serde_json::to_vec(header).expect("header serializes");
        line.push(b'\n');
        self.append_shared("index.jsonl", &line)
    }

    fn append_shared(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(name);
        let mut f = fsutil::open_append(&path).map_err(|e| self.err(&path, e.to_string()))?;
        f.write_all(bytes).and_then(|_| f.sync_data()).map_err(|e| self.err(&path, e.to_string()))
    }

    /// Expand a batch id prefix (at least 8 characters) to the one batch it names.
    pub fn resolve_id(&self, id: &str) -> Result<String> {
        let id = id.trim();
        let valid = !id.is_empty() && id.len() <= 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !valid {
            return Err(Error::input(
                format!("`{id}` is not a batch id"),
                Some("a batch id is a UUID such as `0193a6e2-7c1d-7b9e-9a51-3f0e8c2d4b61`; `remediate history` lists them".into()),
            ));
        }
        let id = id.to_ascii_lowercase();
        if self.batch_dir(&id).join("batch.json").is_file() {
            return Ok(id);
        }
        if id.len() < 8 {
            return Err(Error::UnknownBatch(id));
        }
        let dir = self.root.join("batches");
        let mut found = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| self.err(&dir, e.to_string()))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&id) {
                found.push(name);
            }
        }
        match found.len() {
            1 => Ok(found.pop().unwrap()),
            0 => Err(Error::UnknownBatch(id)),
            n => Err(Error::input(
                format!("batch id prefix `{id}` matches {n} batches"),
                Some("give more characters".into()),
            )),
        }
    }

    /// Read one batch header.
    pub fn read_header(&self, id: &str) -> Result<BatchHeader> {
        let path = self.batch_dir(id).join("batch.json");
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::UnknownBatch(id.into()),
            _ => self.err(&path, e.to_string()),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| self.err(&path, format!("corrupt batch record: {e}")))
    }

    /// Read one batch with its tasks; counts and status are recomputed from the journal, so
    /// a batch interrupted by a crash shows what really happened.
    pub fn read(&self, id: &str) -> Result<ReadBatch> {
        let mut header = self.read_header(id)?;
        let path = self.batch_dir(id).join("tasks.jsonl");
        let file = File::open(&path).map_err(|e| self.err(&path, e.to_string()))?;
        let mut tasks: Vec<Option<Task>> = Vec::new();
        let mut warnings = Vec::new();
        for (n, line) in BufReader::with_capacity(1 << 16, file).split(b'\n').enumerate() {
            let line = line.map_err(|e| self.err(&path, e.to_string()))?;
            if line.is_empty() {
                continue;
            }
            let rec: JournalLine = match serde_json::from_slice(&line) {
                Ok(r) => r,
                Err(e) => {
                    warnings.push(format!("{}:{}: corrupt task record skipped ({e})", path.display(), n + 1));
                    continue;
                }
            };
            let i = rec.i as usize;
            if tasks.len() <= i {
                tasks.resize(i + 1, None);
            }
            match (rec.task, rec.status) {
                (Some(t), _) => tasks[i] = Some(t),
                (None, Some(s)) => {
                    if let Some(t) = tasks[i].as_mut() {
                        t.status = s;
                    }
                }
                (None, None) => {}
            }
        }
        let tasks: Vec<Task> = tasks.into_iter().flatten().collect();
        let mut counts = BTreeMap::new();
        for t in &tasks {
            *counts.entry(t.status).or_insert(0) += 1;
        }
        header.counts = counts;
        header.aggregate();
        Ok(ReadBatch { batch: Batch { header, tasks }, warnings })
    }

    /// Batches newest first, filtered. Reads the index (and `users.tsv` for `--user`);
    /// corrupt index lines are reported in the warnings and skipped.
    pub fn history(&self, filter: &HistoryFilter) -> Result<(Vec<BatchHeader>, Vec<String>)> {
        let path = self.root.join("index.jsonl");
        let mut latest: BTreeMap<String, (usize, BatchHeader)> = BTreeMap::new();
        let mut warnings = Vec::new();
        if let Ok(file) = File::open(&path) {
            for (n, line) in BufReader::with_capacity(1 << 16, file).split(b'\n').enumerate() {
                let line = line.map_err(|e| self.err(&path, e.to_string()))?;
                if line.is_empty() {
                    continue;
                }
                match serde_json::from_slice::<BatchHeader>(&line) {
                    Ok(h) => {
                        let order = latest.get(&h.batch_id).map_or(n, |(o, _)| *o);
                        latest.insert(h.batch_id.clone(), (order, h));
                    }
                    Err(e) => {
                        warnings.push(format!("{}:{}: corrupt index record skipped ({e})", path.display(), n + 1))
                    }
                }
            }
        }
        let users: Option<HashSet<String>> = match &filter.user {
            None => None,
            Some(u) => Some(self.batches_of_user(u)?),
        };
        let mut out: Vec<(usize, BatchHeader)> = latest
            .into_values()
            .filter(|(_, h)| {
                filter.action.is_none_or(|a| h.actions.contains(&a))
                    && filter.status.is_none_or(|s| h.status == s)
                    && filter.since.is_none_or(|t| h.created_at >= t)
                    && users.as_ref().is_none_or(|set| set.contains(&h.batch_id))
            })
            .collect();
        out.sort_by(|a, b| b.1.created_at.cmp(&a.1.created_at).then(b.0.cmp(&a.0)));
        let mut out: Vec<BatchHeader> = out.into_iter().map(|(_, h)| h).collect();
        if let Some(limit) = filter.limit {
            out.truncate(limit);
        }
        Ok((out, warnings))
    }

    fn batches_of_user(&self, user: &str) -> Result<HashSet<String>> {
        let path = self.root.join("users.tsv");
        let want = user.trim().to_lowercase();
        let mut set = HashSet::new();
        let Ok(file) = File::open(&path) else { return Ok(set) };
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|e| self.err(&path, e.to_string()))?;
            if let Some((id, u)) = line.split_once('\t') {
                if u == want {
                    set.insert(id.to_string());
                }
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests;
