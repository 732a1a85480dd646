use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::model::{ActionParams, SCHEMA_VERSION};

fn header(id: &str, action: Action, n: u64) -> BatchHeader {
    BatchHeader {
        schema_version: SCHEMA_VERSION,
        batch_id: id.into(),
        status: Status::InProgress,
        created_at: jiff::Timestamp::now(),
        finished_at: None,
        operator: "op@host".into(),
        description: None,
        dry_run: false,
        actions: vec![action],
        tenants: vec!["demo".into()],
        counts: [(Status::Queued, n)].into(),
        approval: None,
        undo_of: None,
        undone_by: Vec::new(),
        expires_at: None,
        expired_by: None,
        not_reversed: Vec::new(),
    }
}

fn task(i: usize, user: &str) -> Task {
    Task {
        task_id: format!("t{i}"),
        action: Action::Disable,
        user: user.into(),
        status: Status::Queued,
        params: ActionParams::default(),
        description: None,
        tenants: vec!["demo".into()],
        reverses: None,
        results: vec![],
    }
}

fn id(n: u32) -> String {
    format!("0193a6e2-0000-7000-8000-{n:012x}")
}

#[tokio::test]
async fn a_batch_reads_back_truthfully_after_an_interruption() {
    let dir = tempfile::tempdir().unwrap();
    let log = TaskLog::open(dir.path()).unwrap();
    let tasks: Vec<Task> = (0..3).map(|i| task(i, &format!("u{i}@x"))).collect();
    let h = header(&id(1), Action::Disable, 3);
    let w = log.create(&h, &tasks).unwrap().0;
    w.started(0).await.unwrap();
    let mut done = tasks[0].clone();
    done.status = Status::Successful;
    w.finished(0, &done).await.unwrap();
    w.started(1).await.unwrap();
    // Dropped without finishing task 1 or touching task 2: what a crash leaves.
    drop(w);

    let read = log.read(&id(1)).unwrap();
    let st: Vec<Status> = read.batch.tasks.iter().map(|t| t.status).collect();
    assert_eq!(st, [Status::Successful, Status::InProgress, Status::Queued]);
    assert_eq!(read.batch.header.status, Status::InProgress);
    assert_eq!(read.batch.header.counts[&Status::Successful], 1);
    assert!(read.warnings.is_empty());
}

#[tokio::test]
async fn a_corrupt_line_is_reported_and_the_rest_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let log = TaskLog::open(dir.path()).unwrap();
    let w = log.create(&header(&id(2), Action::Disable, 2), &[task(0, "a@x"), task(1, "b@x")]).unwrap().0;
    w.close().unwrap();
    let path = dir.path().join("batches").join(id(2)).join("tasks.jsonl");
    let mut f = fsutil::open_append(&path).unwrap();
    f.write_all(b"{not json\n").unwrap();
    let read = log.read(&id(2)).unwrap();
    assert_eq!(read.batch.tasks.len(), 2);
    assert_eq!(read.warnings.len(), 1);
    assert!(read.warnings[0].contains(":3:"), "{:?}", read.warnings);
}

#[test]
fn files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let log = TaskLog::open(&state).unwrap();
    drop(log.create(&header(&id(3), Action::Disable, 1), &[task(0, "a@x")]).unwrap().0);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&state.join("batches")), 0o700);
    let b = state.join("batches").join(id(3));
    assert_eq!(mode(&b), 0o700);
    assert_eq!(mode(&b.join("batch.json")), 0o600);
    assert_eq!(mode(&b.join("tasks.jsonl")), 0o600);
    assert_eq!(mode(&state.join("index.jsonl")), 0o600);
}

#[test]
fn history_filters_and_orders_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let log = TaskLog::open(dir.path()).unwrap();
    let mut h1 = header(&id(10), Action::Disable, 1);
    h1.created_at = "2026-01-01T00:00:00Z".parse().unwrap();
    drop(log.create(&h1, &[task(0, "Alice@X")]).unwrap().0);
    let mut h2 = header(&id(11), Action::RevokeSessions, 1);
    h2.created_at = "2026-02-01T00:00:00Z".parse().unwrap();
    drop(log.create(&h2, &[task(0, "bob@x")]).unwrap().0);
    h1.status = Status::Successful;
    log.update_header(&h1).unwrap();

    let all = log.history(&HistoryFilter::default()).unwrap().0;
    assert_eq!(all.iter().map(|h| h.batch_id.as_str()).collect::<Vec<_>>(), [id(11), id(10)]);
    assert_eq!(all[1].status, Status::Successful, "the last index line of a batch wins");
    let f = |f: HistoryFilter| log.history(&f).unwrap().0.into_iter().map(|h| h.batch_id).collect::<Vec<_>>();
    assert_eq!(f(HistoryFilter { user: Some("alice@x".into()), ..Default::default() }), [id(10)]);
    assert_eq!(f(HistoryFilter { action: Some(Action::RevokeSessions), ..Default::default() }), [id(11)]);
    assert_eq!(f(HistoryFilter { status: Some(Status::Successful), ..Default::default() }), [id(10)]);
    assert_eq!(
        f(HistoryFilter { since: Some("2026-01-15T00:00:00Z".parse().unwrap()), ..Default::default() }),
        [id(11)]
    );
    assert_eq!(f(HistoryFilter { limit: Some(1), ..Default::default() }), [id(11)]);
}

#[test]
fn ids_resolve_by_unique_prefix_and_bad_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = TaskLog::open(dir.path()).unwrap();
    drop(log.create(&header(&id(20), Action::Disable, 1), &[task(0, "a@x")]).unwrap().0);
    assert_eq!(log.resolve_id(&id(20)).unwrap(), id(20));
    assert_eq!(log.resolve_id("0193a6e2-0000").unwrap(), id(20));
    assert!(matches!(log.resolve_id("0193a6e2-ffff"), Err(Error::UnknownBatch(_))));
    assert!(matches!(log.resolve_id("../../etc/passwd"), Err(Error::InvalidInput { .. })));
}

#[test]
fn a_state_dir_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    fs::write(&file, b"x").unwrap();
    assert!(matches!(TaskLog::open(&file), Err(Error::TaskLog { .. })));
}
