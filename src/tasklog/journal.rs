//! The task journal writer: one thread owns the file and group-commits.
//!
//! Callers send a line and, when they need it durable (before a provider write), wait for
//! the acknowledgement. The thread takes every line waiting, writes them with one `write`
//! and one `fdatasync`, then acknowledges them all: under 64 concurrent tasks one fsync
//! covers up to 64 records.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::JournalLine;
use crate::error::{Error, Result};
use crate::model::{Status, Task};

struct Msg {
    bytes: Vec<u8>,
    ack: Option<oneshot::Sender<std::io::Result<()>>>,
}

/// Appends task records to one batch's journal.
pub struct JournalWriter {
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    path: PathBuf,
}

impl JournalWriter {
    pub(super) fn start(file: File, path: PathBuf) -> Result<JournalWriter> {
        let (tx, rx) = mpsc::channel::<Msg>();
        let thread = std::thread::Builder::new()
            .name("task-journal".into())
            .spawn(move || run(file, rx))
            .map_err(|e| Error::TaskLog { path: path.clone(), message: format!("cannot start writer: {e}") })?;
        Ok(JournalWriter { tx: Some(tx), thread: Some(thread), path })
    }

    /// Record that task `i` is about to be applied; durable when this returns.
    pub async fn started(&self, i: u32) -> Result<()> {
        self.send(&JournalLine { i, task: None, status: Some(Status::InProgress) }).await
    }

    /// Record task `i` with its results; durable when this returns.
    pub async fn finished(&self, i: u32, task: &Task) -> Result<()> {
        self.send(&JournalLine { i, task: Some(task.clone()), status: None }).await
    }

    async fn send(&self, line: &JournalLine) -> Result<()> {
        let mut bytes = serde_json::to_vec(line).expect("journal line serializes");
        bytes.push(b'\n');
        let (ack, done) = oneshot::channel();
        let closed = || Error::TaskLog { path: self.path.clone(), message: "journal writer stopped".into() };
        self.tx.as_ref().ok_or_else(closed)?.send(Msg { bytes, ack: Some(ack) }).map_err(|_| closed())?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::TaskLog { path: self.path.clone(), message: e.to_string() }),
            Err(_) => Err(closed()),
        }
    }

    /// Flush and stop the writer thread.
    pub fn close(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        drop(self.tx.take());
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(Err(e))) => Err(Error::TaskLog { path: self.path.clone(), message: e.to_string() }),
            _ => Ok(()),
        }
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

fn run(mut file: File, rx: mpsc::Receiver<Msg>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    let mut acks = Vec::new();
    while let Ok(first) = rx.recv() {
        buf.clear();
        let mut push = |m: Msg| {
            buf.extend_from_slice(&m.bytes);
            acks.extend(m.ack);
        };
        push(first);
        while let Ok(m) = rx.try_recv() {
            push(m);
        }
        let result = file.write_all(&buf).and_then(|_| file.sync_data());
        let failed = result.as_ref().err().map(|e| (e.kind(), e.to_string()));
        for ack in acks.drain(..) {
            let r = match &failed {
                None => Ok(()),
                Some((kind, msg)) => Err(std::io::Error::new(*kind, msg.clone())),
            };
            let _ = ack.send(r);
        }
        result?;
    }
    Ok(())
}
