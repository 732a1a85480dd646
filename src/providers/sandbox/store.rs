//! Persistence of a sandbox tenant: a snapshot plus an append-only journal, safe under
//! `kill -9` and shared safely by concurrent `remediate` processes.
//!
//! Files, under `STATE_DIR/sandbox/TENANT/` (directories 0700, files 0600):
//! - `snapshot.json`: the whole directory after journal entry `seq` (absent until the
//!   first compaction: the seed is deterministic, so the journal header's seed spec
//!   stands in for it);
//! - `journal.jsonl`: a header line naming the generation and the seed, then one
//!   [`JournalEntry`] per applied change, each written by a single `write` on an
//!   `O_APPEND` descriptor. No fsync per line: a SIGKILL keeps the page cache, and a torn
//!   last line (power loss) is cut off at the next open;
//! - `journal.prev.jsonl`: the journal before the last compaction, kept for
//!   [`journal_entries`];
//! - `lock`: every mutation holds an exclusive `flock` on it while it catches up with
//!   lines other processes appended, decides, appends and applies. Reads catch up
//!   without the lock and consume only complete lines.
//!
//! Compaction (under the lock) writes a snapshot of generation G+1 atomically, moves the
//! journal aside and starts an empty one with a G+1 header. A crash between those steps
//! leaves a journal whose generation is older than the snapshot's: it is recognised as
//! already included and replaced. Other processes notice the journal's inode changed and
//! reload.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::directory::{Directory, FORMAT, JournalEntry, Seed};
use super::seed;
use crate::error::ProviderError;
use crate::fsutil;

/// The journal is compacted once it holds this many entries, or twice the user count if
/// that is more: a 100,000-user run and its retry stay in one journal, so tests can count
/// what was applied.
pub const COMPACT_MIN: u64 = 250_000;

/// Where a tenant's files are.
#[derive(Debug, Clone)]
pub struct Paths {
    pub dir: PathBuf,
    pub snapshot: PathBuf,
    pub journal: PathBuf,
    pub journal_prev: PathBuf,
    pub lock: PathBuf,
}

impl Paths {
    pub fn new(state_dir: &Path, tenant: &str) -> Paths {
        let dir = state_dir.join("sandbox").join(tenant);
        Paths {
            snapshot: dir.join("snapshot.json"),
            journal: dir.join("journal.jsonl"),
            journal_prev: dir.join("journal.prev.jsonl"),
            lock: dir.join("lock"),
            dir,
        }
    }
}

/// First line of a journal.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    sandbox_journal: u32,
    generation: u64,
    tenant: String,
    seed: Seed,
}

/// The open store of one tenant. Not `Sync`: the provider keeps it behind its mutex.
#[derive(Debug)]
pub struct Store {
    lock: File,
    j: Journal,
}

/// The journal half of [`Store`], split off so that it can be borrowed while the lock
/// file is held.
#[derive(Debug)]
struct Journal {
    paths: Paths,
    tenant: String,
    seed: Seed,
    file: File,
    /// (device, inode) of `file`, to notice a compaction by another process.
    id: (u64, u64),
    /// Bytes of `file` consumed (always at a line boundary).
    offset: u64,
    generation: u64,
    /// Entries in the current journal.
    entries: u64,
    /// Lines that could not be parsed or applied since open (corruption), skipped.
    skipped: u64,
    compact_after: Option<u64>,
}

/// What a planned mutation decided.
pub type Planned<T> = Result<(T, Option<JournalEntry>), ProviderError>;

/// Hold `lock` exclusively while `f` runs.
fn locked<T>(lock: &File, f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    lock.lock()?;
    let r = f();
    let u = lock.unlock();
    let t = r?;
    u?;
    Ok(t)
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

impl Store {
    /// Open (seeding on first use) the store in `paths`. `compact_after` overrides the
    /// compaction threshold (tests).
    pub fn open(paths: Paths, tenant: &str, seed: Seed, compact_after: Option<u64>) -> io::Result<(Store, Directory)> {
        fsutil::create_private_dir(&paths.dir)?;
        let lock =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(&paths.lock)?;
        let (j, dir) = locked(&lock, || {
            let (mut j, dir) = match Journal::load(paths.clone(), tenant, seed, compact_after)? {
                // The profile now asks for another directory (`tenant remove` then `tenant
                // add --users M`): start that one rather than keep an unrelated old one.
                (_, dir) if dir.seed != seed => {
                    for p in [&paths.snapshot, &paths.journal, &paths.journal_prev] {
                        match fs::remove_file(p) {
                            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                            _ => {}
                        }
                    }
                    Journal::load(paths, tenant, seed, compact_after)?
                }
                loaded => loaded,
            };
            if j.compaction_due(&dir) {
                j.compact(&dir)?;
            }
            Ok((j, dir))
        })?;
        Ok((Store { lock, j }, dir))
    }

    pub fn paths(&self) -> &Paths {
        &self.j.paths
    }

    /// Entries in the current journal (since the last compaction).
    pub fn entries(&self) -> u64 {
        self.j.entries
    }

    /// Journal lines skipped as unreadable since open.
    pub fn skipped(&self) -> u64 {
        self.j.skipped
    }

    /// Catch up with what other processes appended (no lock unless they compacted).
    pub fn refresh(&mut self, dir: &mut Directory) -> io::Result<()> {
        if self.j.catch_up(dir, false)? {
            locked(&self.lock, || self.j.reload(dir))?;
        }
        Ok(())
    }

    /// Under the lock: catch up, let `plan` decide on the current directory, then journal
    /// and apply the entry it returns (its `seq` is assigned here). The outer error is a
    /// store failure; the inner one is `plan`'s refusal (nothing written).
    pub fn mutate<T>(
        &mut self,
        dir: &mut Directory,
        plan: impl FnOnce(&Directory) -> Planned<T>,
    ) -> io::Result<Result<T, ProviderError>> {
        locked(&self.lock, || {
            if self.j.catch_up(dir, true)? {
                self.j.reload(dir)?;
            }
            let (value, entry) = match plan(dir) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            if let Some(mut entry) = entry {
                entry.seq = dir.seq + 1;
                self.j.append(dir, &entry)?;
                if self.j.compaction_due(dir) {
                    self.j.compact(dir)?;
                }
            }
            Ok(Ok(value))
        })
    }

    /// Compact now (tests; normally it happens when the journal grows large).
    #[cfg(test)]
    pub fn compact(&mut self, dir: &mut Directory) -> io::Result<()> {
        locked(&self.lock, || {
            if self.j.catch_up(dir, true)? {
                self.j.reload(dir)?;
            }
            self.j.compact(dir)
        })
    }
}

impl Journal {
    /// Read snapshot and journal (lock held), seeding when neither exists.
    fn load(paths: Paths, tenant: &str, seed: Seed, compact_after: Option<u64>) -> io::Result<(Journal, Directory)> {
        let snapshot = match fs::read(&paths.snapshot) {
            Ok(bytes) => Some(Directory::from_snapshot(&bytes).map_err(invalid)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let existing = match OpenOptions::new().read(true).append(true).open(&paths.journal) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        let header = match &existing {
            Some(f) => {
                let mut f: &File = f;
                f.read_to_end(&mut bytes)?;
                let end =
                    bytes.iter().position(|b| *b == b'\n').ok_or_else(|| invalid("journal has no header line"))?;
                let h: Header =
                    serde_json::from_slice(&bytes[..end]).map_err(|e| invalid(format!("journal header: {e}")))?;
                if h.sandbox_journal != FORMAT {
                    return Err(invalid(format!("journal format {} is not the supported {FORMAT}", h.sandbox_journal)));
                }
                Some((h, end as u64 + 1))
            }
            None => None,
        };
        let (dir, generation, replay) = match (snapshot, header) {
            (Some((dir, g)), Some((h, start))) if h.generation == g => (dir, g, Some(start)),
            (Some((dir, g)), Some((h, _))) if h.generation < g => {
                // A compaction stopped after writing the snapshot: this journal is in it.
                fs::rename(&paths.journal, &paths.journal_prev)?;
                (dir, g, None)
            }
            (Some((_, g)), Some((h, _))) => {
                return Err(invalid(format!("journal generation {} is newer than the snapshot's {g}", h.generation)));
            }
            (Some((dir, g)), None) => (dir, g, None),
            (None, Some((h, start))) if h.generation == 0 => (seed::seed(&h.tenant, h.seed), 0, Some(start)),
            (None, Some((h, _))) => {
                return Err(invalid(format!("`snapshot.json` is missing for journal generation {}", h.generation)));
            }
            (None, None) => (seed::seed(tenant, seed), 0, None),
        };
        let mut j = match (replay, existing) {
            (Some(start), Some(file)) => Journal::with_file(paths, tenant, seed, file, start, generation)?,
            _ => Journal::create(paths, tenant, seed, &dir, generation)?,
        };
        j.compact_after = compact_after;
        let mut dir = dir;
        if replay.is_some() {
            let tail = &bytes[j.offset as usize..];
            j.consume(&mut dir, tail, true)?;
        }
        Ok((j, dir))
    }

    fn with_file(
        paths: Paths,
        tenant: &str,
        seed: Seed,
        file: File,
        offset: u64,
        generation: u64,
    ) -> io::Result<Journal> {
        let m = file.metadata()?;
        Ok(Journal {
            paths,
            tenant: tenant.into(),
            seed,
            id: (m.dev(), m.ino()),
            file,
            offset,
            generation,
            entries: 0,
            skipped: 0,
            compact_after: None,
        })
    }

    /// Start an empty journal of `generation` (atomically: it is never seen without header).
    fn create(paths: Paths, tenant: &str, seed: Seed, dir: &Directory, generation: u64) -> io::Result<Journal> {
        let header = Header { sandbox_journal: FORMAT, generation, tenant: dir.tenant.clone(), seed: dir.seed };
        let mut line = serde_json::to_vec(&header).map_err(io::Error::other)?;
        line.push(b'\n');
        fsutil::write_atomic(&paths.journal, &line, 0o600)?;
        let file = OpenOptions::new().read(true).append(true).open(&paths.journal)?;
        Journal::with_file(paths, tenant, seed, file, line.len() as u64, generation)
    }

    /// Apply the complete lines of `bytes` (which start at `offset`); with the lock held,
    /// cut off a torn last line: its writer died, nobody else is writing.
    fn consume(&mut self, dir: &mut Directory, bytes: &[u8], locked: bool) -> io::Result<()> {
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
        for line in bytes[..complete].split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            match serde_json::from_slice::<JournalEntry>(line).map_err(|e| e.to_string()).and_then(|e| dir.apply(&e)) {
                Ok(()) => self.entries += 1,
                Err(_) => self.skipped += 1,
            }
        }
        self.offset += complete as u64;
        if locked && complete < bytes.len() {
            self.file.set_len(self.offset)?;
        }
        Ok(())
    }

    /// Read what others appended since `offset`. `Ok(true)`: the journal was replaced (a
    /// compaction elsewhere), reload under the lock.
    fn catch_up(&mut self, dir: &mut Directory, locked: bool) -> io::Result<bool> {
        let m = match fs::metadata(&self.paths.journal) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(e),
        };
        if (m.dev(), m.ino()) != self.id {
            return Ok(true);
        }
        if m.len() > self.offset {
            let mut buf = vec![0; (m.len() - self.offset) as usize];
            self.file.read_exact_at(&mut buf, self.offset)?;
            self.consume(dir, &buf, locked)?;
        } else if locked && m.len() < self.offset {
            return Err(invalid("the journal shrank under us"));
        }
        Ok(false)
    }

    /// Replace everything with what is on disk (lock held).
    fn reload(&mut self, dir: &mut Directory) -> io::Result<()> {
        let (mut j, d) = Journal::load(self.paths.clone(), &self.tenant, self.seed, self.compact_after)?;
        j.skipped += self.skipped;
        *self = j;
        *dir = d;
        Ok(())
    }

    /// Append one entry with a single write, then apply it (lock held, caught up).
    fn append(&mut self, dir: &mut Directory, entry: &JournalEntry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        let n = (&self.file).write(&line)?;
        if n != line.len() {
            // Leave no torn line behind for the next writer to glue onto.
            let _ = self.file.set_len(self.offset);
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short write to the sandbox journal"));
        }
        self.offset += n as u64;
        self.entries += 1;
        dir.apply(entry).map_err(invalid)
    }

    fn compaction_due(&self, dir: &Directory) -> bool {
        let limit = self.compact_after.unwrap_or_else(|| COMPACT_MIN.max(2 * dir.users.len() as u64));
        self.entries >= limit
    }

    /// Snapshot, then rotate the journal (lock held, caught up). See the module doc for
    /// why each crash point is safe.
    fn compact(&mut self, dir: &Directory) -> io::Result<()> {
        let generation = self.generation + 1;
        fsutil::write_atomic(&self.paths.snapshot, &dir.to_snapshot(generation), 0o600)?;
        fs::rename(&self.paths.journal, &self.paths.journal_prev)?;
        let mut j = Journal::create(self.paths.clone(), &self.tenant, self.seed, dir, generation)?;
        j.compact_after = self.compact_after;
        j.skipped = self.skipped;
        *self = j;
        Ok(())
    }
}

/// Every journal entry of a tenant still on disk (the current journal and the one before
/// the last compaction), in `seq` order. Tests use it to check that no change was applied
/// twice; torn or unreadable lines are left out.
pub fn journal_entries(state_dir: &Path, tenant: &str) -> io::Result<Vec<JournalEntry>> {
    let paths = Paths::new(state_dir, tenant);
    let mut out = Vec::new();
    for path in [&paths.journal_prev, &paths.journal] {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
        out.extend(
            bytes[..complete]
                .split(|b| *b == b'\n')
                .skip(1)
                .filter_map(|l| serde_json::from_slice::<JournalEntry>(l).ok()),
        );
    }
    out.sort_by_key(|e| e.seq);
    out.dedup_by_key(|e| e.seq);
    Ok(out)
}

/// Delete a tenant's practice directory (it is seeded afresh at the next open).
pub fn remove(state_dir: &Path, tenant: &str) -> io::Result<()> {
    match fs::remove_dir_all(Paths::new(state_dir, tenant).dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
