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

pub mod chain;
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

/// A batch held by the run that holds this (released when dropped).
#[derive(Debug)]
pub struct RunLock(#[allow(dead_code)] File);

/// One batch, indexed for streaming its tasks.
#[derive(Debug)]
pub struct BatchView {
    pub header: BatchHeader,
    path: PathBuf,
    /// Byte offset of each task's last full record (`u64::MAX`: none readable).
    offsets: Vec<u64>,
    /// Each task's current status (a later `in_progress` line overrides the record's).
    statuses: Vec<Option<Status>>,
    pub warnings: Vec<String>,
}

impl BatchView {
    pub fn task_count(&self) -> usize {
        self.offsets.iter().filter(|o| **o != u64::MAX).count()
    }

    /// The tasks in order, read one at a time.
    pub fn tasks(&self) -> Result<impl Iterator<Item = Result<Task>> + '_> {
        use std::io::{Seek, SeekFrom};
        let err = |m: String| Error::TaskLog { path: self.path.clone(), message: m };
        let file = File::open(&self.path).map_err(|e| err(e.to_string()))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::with_capacity(1024);
        let mut at = 0u64;
        Ok(self.offsets.iter().zip(&self.statuses).filter(|(o, _)| **o != u64::MAX).map(move |(offset, status)| {
            if *offset != at {
                reader.seek(SeekFrom::Start(*offset)).map_err(|e| err(e.to_string()))?;
            }
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(|e| err(e.to_string()))?;
            at = offset + n as u64;
            let rec: JournalLine = serde_json::from_slice(line.strip_suffix(b"\n").unwrap_or(&line))
                .map_err(|e| err(format!("task record changed while reading: {e}")))?;
            let mut task = rec.task.ok_or_else(|| err("task record without a task".into()))?;
            if let Some(s) = status {
                task.status = *s;
            }
            Ok(task)
        }))
    }
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
    pub fn create(&self, header: &BatchHeader, tasks: &[Task]) -> Result<(JournalWriter, RunLock)> {
        // Built under a temporary name and renamed into place, so a batch is never seen
        // half-created (a header without its journal).
        let dir = self.batch_dir(&header.batch_id);
        let tmp = self.root.join("batches").join(format!(".new-{}", header.batch_id));
        fsutil::create_private_dir(&tmp).map_err(|e| self.err(&tmp, e.to_string()))?;
        // Held from before the batch is visible until the run ends: no `undo` or `retry`
        // can slip in between.
        let lock_path = tmp.join("run.lock");
        let lock = fsutil::open_append(&lock_path).map_err(|e| self.err(&lock_path, e.to_string()))?;
        lock.lock().map_err(|e| self.err(&lock_path, format!("cannot lock: {e}")))?;
        let mut buf = Vec::with_capacity(tasks.len() * 200);
        for (i, task) in tasks.iter().enumerate() {
            serde_json::to_writer(&mut buf, &JournalLine { i: i as u32, task: Some(task.clone()), status: None })
                .expect("task serializes");
            buf.push(b'\n');
        }
        let tmp_journal = tmp.join("tasks.jsonl");
        let mut f = fsutil::open_append(&tmp_journal).map_err(|e| self.err(&tmp_journal, e.to_string()))?;
        f.write_all(&buf).and_then(|_| f.sync_data()).map_err(|e| self.err(&tmp_journal, e.to_string()))?;
        drop(buf);
        let header_path = tmp.join("batch.json");
        let bytes = serde_json::to_vec_pretty(header).expect("header serializes");
        fsutil::write_atomic(&header_path, &bytes, 0o600).map_err(|e| self.err(&header_path, e.to_string()))?;
        std::fs::rename(&tmp, &dir)
            .and_then(|_| fsutil::sync_dir(&self.root.join("batches")))
            .map_err(|e| self.err(&dir, e.to_string()))?;
        let journal_path = dir.join("tasks.jsonl");

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
        Ok((JournalWriter::start(f, journal_path)?, RunLock(lock)))
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

    /// Append a chained index record (the caller holds the lock).
    fn append_index(&self, header: &BatchHeader) -> Result<()> {
        let index = self.root.join("index.jsonl");
        let journal = self.batch_dir(&header.batch_id).join("tasks.jsonl");
        let io = |e: std::io::Error| self.err(&index, e.to_string());
        let last = chain::last_link(&index).map_err(io)?;
        let (prev, seq) = last.map_or((chain::GENESIS.to_string(), 1), |l| (l.hash, l.seq + 1));
        let (tasks_sha256, tasks_len) = chain::file_digest(&journal, None).map_err(io)?;
        let hash = chain::hash(&prev, header, &tasks_sha256, tasks_len);
        let rec = chain::IndexLine {
            header: header.clone(),
            chain: chain::Link { seq, prev, tasks_sha256, tasks_len, hash },
        };
        let mut line = serde_json::to_vec(&rec).expect("index line serializes");
        line.push(b'\n');
        self.append_shared("index.jsonl", &line)
    }

    /// Recompute the hash chain (`history --verify`).
    pub fn verify(&self) -> Result<chain::Verification> {
        chain::verify(&self.root).map_err(|e| self.err(&self.root, e.to_string()))
    }

    /// Hold a batch for running it: a second process running the same batch is refused.
    pub fn lock_batch(&self, id: &str) -> Result<RunLock> {
        let path = self.batch_dir(id).join("run.lock");
        let f = fsutil::open_append(&path).map_err(|e| self.err(&path, e.to_string()))?;
        match f.try_lock() {
            Ok(()) => Ok(RunLock(f)),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::input(
                format!("batch {id} is being run by another remediate process"),
                Some(format!("wait for it to finish: `remediate status {id} --watch`")),
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(self.err(&path, format!("cannot lock: {e}"))),
        }
    }

    /// An exclusive lock on a named file of the state dir (held until dropped).
    pub fn lock_named(&self, name: &str) -> Result<File> {
        let path = self.root.join(name);
        let f = fsutil::open_append(&path).map_err(|e| self.err(&path, e.to_string()))?;
        f.lock().map_err(|e| self.err(&path, format!("cannot lock: {e}")))?;
        Ok(f)
    }

    /// Record on `original` that `undo` undid it.
    pub fn link_undo(&self, original: &str, undo: &str) -> Result<()> {
        let mut h = self.read_header(original)?;
        if !h.undone_by.iter().any(|u| u == undo) {
            h.undone_by.push(undo.to_string());
        }
        self.update_header(&h)
    }

    /// Record on `original` that `expire` undid it (so it is undone once).
    pub fn mark_expired(&self, original: &str, undo: &str) -> Result<()> {
        let mut h = self.read_header(original)?;
        h.expired_by = Some(undo.to_string());
        self.update_header(&h)
    }

    /// Whether a process is running the batch now.
    pub fn is_running(&self, id: &str) -> bool {
        matches!(self.lock_batch(id), Err(Error::InvalidInput { .. }))
    }

    /// Append to an existing batch's journal (approve, retry).
    pub fn reopen(&self, id: &str) -> Result<JournalWriter> {
        let path = self.batch_dir(id).join("tasks.jsonl");
        let f = fsutil::open_append(&path).map_err(|e| self.err(&path, e.to_string()))?;
        JournalWriter::start(f, path)
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
        let view = self.open_view(id)?;
        let warnings = view.warnings.clone();
        let header = view.header.clone();
        let tasks = view.tasks()?.collect::<Result<Vec<Task>>>()?;
        Ok(ReadBatch { batch: Batch { header, tasks }, warnings })
    }

    /// Index one batch's journal without keeping its tasks in memory: the header with
    /// counts recomputed, and where each task's last record is. `BatchView::tasks` then
    /// streams them in order, so printing a 100,000-task batch holds one task at a time.
    pub fn open_view(&self, id: &str) -> Result<BatchView> {
        let mut header = self.read_header(id)?;
        let path = self.batch_dir(id).join("tasks.jsonl");
        let file = File::open(&path).map_err(|e| self.err(&path, e.to_string()))?;
        // Only the fields needed to index; serde skips the rest of each line.
        #[derive(Deserialize)]
        struct PeekTask {
            status: Status,
        }
        #[derive(Deserialize)]
        struct Peek {
            i: u32,
            task: Option<PeekTask>,
            status: Option<Status>,
        }
        let mut offsets: Vec<u64> = Vec::new();
        let mut statuses: Vec<Option<Status>> = Vec::new();
        let mut warnings = Vec::new();
        let mut pos = 0u64;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::with_capacity(1024);
        let mut n = 0u64;
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line).map_err(|e| self.err(&path, e.to_string()))?;
            if read == 0 {
                break;
            }
            n += 1;
            let start = pos;
            pos += read as u64;
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            if body.is_empty() {
                continue;
            }
            let rec: Peek = match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => {
                    warnings.push(format!("{}:{n}: corrupt task record skipped ({e})", path.display()));
                    continue;
                }
            };
            let i = rec.i as usize;
            if statuses.len() <= i {
                statuses.resize(i + 1, None);
                offsets.resize(i + 1, u64::MAX);
            }
            match (rec.task, rec.status) {
                (Some(t), _) => {
                    offsets[i] = start;
                    statuses[i] = Some(t.status);
                }
                (None, Some(s)) if statuses[i].is_some() => statuses[i] = Some(s),
                _ => {}
            }
        }
        let mut counts = BTreeMap::new();
        for s in statuses.iter().flatten() {
            *counts.entry(*s).or_insert(0) += 1;
        }
        header.counts = counts;
        header.aggregate();
        Ok(BatchView { header, path, offsets, statuses, warnings })
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
                match serde_json::from_slice::<chain::IndexLine>(&line).map(|l| l.header) {
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
            if let Some((id, u)) = line.split_once('\t')
                && u == want
            {
                set.insert(id.to_string());
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests;
