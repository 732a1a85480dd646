//! The tamper-evident chain over `index.jsonl`: every index line carries the SHA-256 of
//! the previous line's hash, its own header (canonical JSON: the struct's field order,
//! sorted maps) and the digest of the batch's task journal as it was then. `history
//! --verify` recomputes it and names the first record that was altered or removed.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::BatchHeader;

/// The chain fields of one index line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Position in the index, from 1.
    pub seq: u64,
    /// `hash` of the previous line (64 zeros for the first).
    pub prev: String,
    /// SHA-256 of the first `tasks_len` bytes of the batch's task journal.
    pub tasks_sha256: String,
    pub tasks_len: u64,
    pub hash: String,
}

/// One line of `index.jsonl`.
#[derive(Debug, Serialize, Deserialize)]
pub struct IndexLine {
    pub header: BatchHeader,
    pub chain: Link,
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn hash(prev: &str, header: &BatchHeader, tasks_sha256: &str, tasks_len: u64) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(header).expect("header serializes"));
    h.update(b"\n");
    h.update(tasks_sha256.as_bytes());
    h.update(format!("\n{tasks_len}").as_bytes());
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 and length of a file (or of its first `limit` bytes).
pub fn file_digest(path: &Path, limit: Option<u64>) -> std::io::Result<(String, u64)> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((hex(&Sha256::digest(b"")), 0)),
        Err(e) => return Err(e),
    };
    let mut reader: Box<dyn Read> = match limit {
        Some(n) => Box::new(file.take(n)),
        None => Box::new(file),
    };
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex(&h.finalize()), len))
}

/// The link of the last line of the index, if any.
pub fn last_link(index: &Path) -> std::io::Result<Option<Link>> {
    let mut f = match File::open(index) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    // Lines are a few hundred bytes; read a tail large enough for the last one.
    let mut tail = 64 * 1024u64;
    loop {
        let start = len.saturating_sub(tail);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        let trimmed = buf.strip_suffix(b"\n").unwrap_or(&buf);
        match trimmed.iter().rposition(|b| *b == b'\n') {
            Some(pos) => return Ok(serde_json::from_slice::<IndexLine>(&trimmed[pos + 1..]).ok().map(|l| l.chain)),
            None if start == 0 => return Ok(serde_json::from_slice::<IndexLine>(trimmed).ok().map(|l| l.chain)),
            None => tail *= 4,
        }
    }
}

/// The outcome of `history --verify`.
#[derive(Debug, Default)]
pub struct Verification {
    pub records: u64,
    pub batches: u64,
    /// The first break in the chain, and every batch whose files do not match their last
    /// record.
    pub problems: Vec<String>,
    /// Journals that grew after their last record (an interrupted run; `retry` seals them).
    pub unsealed: Vec<String>,
}

/// Recompute the whole chain.
pub fn verify(root: &Path) -> std::io::Result<Verification> {
    let index = root.join("index.jsonl");
    let mut v = Verification::default();
    let mut latest: std::collections::BTreeMap<String, IndexLine> = Default::default();
    let mut prev = GENESIS.to_string();
    let file = match File::open(&index) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(v),
        Err(e) => return Err(e),
    };
    let mut broken = false;
    for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        v.records += 1;
        let lineno = n + 1;
        let rec: IndexLine = match serde_json::from_slice(&line) {
            Ok(r) => r,
            Err(e) => {
                if !broken {
                    v.problems.push(format!("index.jsonl:{lineno}: record is not readable ({e}): altered"));
                    broken = true;
                }
                continue;
            }
        };
        if !broken {
            let expect = hash(&rec.chain.prev, &rec.header, &rec.chain.tasks_sha256, rec.chain.tasks_len);
            if rec.chain.prev != prev || rec.chain.seq != v.records {
                v.problems.push(format!(
                    "index.jsonl:{lineno}: batch {}: the record before it was altered or removed",
                    rec.header.batch_id
                ));
                broken = true;
            } else if expect != rec.chain.hash {
                v.problems
                    .push(format!("index.jsonl:{lineno}: batch {}: this record was altered", rec.header.batch_id));
                broken = true;
            }
        }
        prev = rec.chain.hash.clone();
        latest.insert(rec.header.batch_id.clone(), rec);
    }
    v.batches = latest.len() as u64;
    for (id, rec) in &latest {
        let dir = root.join("batches").join(id);
        match std::fs::read(dir.join("batch.json")) {
            Err(_) => {
                v.problems.push(format!("batch {id}: its folder was removed"));
                continue;
            }
            Ok(bytes) => match serde_json::from_slice::<BatchHeader>(&bytes) {
                Ok(h) if h == rec.header => {}
                _ => v.problems.push(format!("batch {id}: batch.json differs from its last record: altered")),
            },
        }
        let journal = dir.join("tasks.jsonl");
        let (digest, _) = file_digest(&journal, Some(rec.chain.tasks_len))?;
        let len = std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0);
        if digest != rec.chain.tasks_sha256 || len < rec.chain.tasks_len {
            v.problems.push(format!("batch {id}: tasks.jsonl differs from its last record: altered or truncated"));
        } else if len > rec.chain.tasks_len {
            v.unsealed.push(id.clone());
        }
    }
    Ok(v)
}
