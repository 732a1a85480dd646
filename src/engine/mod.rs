//! The engine: resolve users → read state → apply guards → confirm → apply with bounded
//! concurrency → record. It never prints: it reports progress through [`Reporter`] and
//! returns values; the terminal belongs to the output layer.
//!
//! One task per user × action; one result per tenant the task runs on. A target's failure
//! is data in the batch, never an early return.

mod guards;
pub mod undo;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use crate::config::TenantProfile;
use crate::error::{Error, ProviderError, Result};
use crate::model::{
    Action, ActionParams, Approval, Batch, BatchHeader, Decision, ErrorInfo, ErrorKind, NotReversed, Reversal,
    SCHEMA_VERSION, Status, Task, TenantResult,
};
use crate::providers::{ApplyContext, Mode, Provider, UserRef, UserState};
use crate::secret::Secret;
use crate::tasklog::{JournalWriter, TaskLog};

/// Provider calls in flight at once. Providers throttle themselves below this where their
/// quotas need it (Graph's write quota, LDAP pool size).
pub const DEFAULT_CONCURRENCY: usize = 64;

/// One thing the operator asked for: an action on a user, optionally on named tenants only.
#[derive(Debug, Clone)]
pub struct Target {
    pub action: Action,
    pub user: String,
    pub params: ActionParams,
    /// `None`: every tenant of the command; `Some`: a CSV row's `tenant` column.
    pub tenants: Option<Vec<String>>,
    /// A CSV row's `description`.
    pub description: Option<String>,
    /// For undo: the recorded change this target reverses.
    pub reverses: Option<Reversal>,
}

/// A tenant the batch can run on.
#[derive(Clone)]
pub struct Tenant {
    pub profile: TenantProfile,
    pub provider: Arc<dyn Provider>,
}

/// How the operator agreed to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes`.
    Given,
    /// Ask through the reporter after planning (a TTY).
    Ask,
}

pub struct Request {
    pub targets: Vec<Target>,
    pub description: Option<String>,
    pub dry_run: bool,
    pub consent: Consent,
    /// `--i-know-this-is-many N`.
    pub i_know_this_is_many: Option<usize>,
    pub operator: String,
    pub concurrency: usize,
    /// `--require-approval`.
    pub require_approval: bool,
    /// `undo --force`: reverse even what someone else changed since.
    pub force: bool,
    /// `--for DURATION`.
    pub expires_at: Option<jiff::Timestamp>,
    /// The batch this one undoes.
    pub undo_of: Option<String>,
    /// What the undone batch changed that cannot be reversed.
    pub not_reversed: Vec<NotReversed>,
}

impl Request {
    /// A request with every option at its default.
    pub fn new(targets: Vec<Target>, operator: String, consent: Consent) -> Request {
        Request {
            targets,
            description: None,
            dry_run: false,
            consent,
            i_know_this_is_many: None,
            operator,
            concurrency: DEFAULT_CONCURRENCY,
            require_approval: false,
            force: false,
            expires_at: None,
            undo_of: None,
            not_reversed: Vec::new(),
        }
    }
}

/// Running an existing batch again.
#[derive(Debug, Clone)]
pub enum Resume {
    /// `approve`: run a pending batch, recording the approver.
    Approve { approver: String },
    /// `retry`: run again what is unsuccessful, queued or in progress.
    Retry,
}

/// What the confirmation prompt shows.
#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub batch_id: String,
    pub actions: Vec<Action>,
    pub tenants: Vec<String>,
    pub users: Vec<String>,
    /// Results that will be applied.
    pub to_apply: usize,
    /// Results refused or failed while planning: (user, tenant, reason).
    pub not_applied: Vec<(String, String, String)>,
    /// For `approve`: what changed since the batch was planned.
    pub changed_since: Vec<String>,
}

/// Phases of a run, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Planning,
    Applying,
}

/// How the engine talks to whoever runs it (the output layer, or a test).
pub trait Reporter: Send + Sync {
    fn phase(&self, _phase: Phase, _total: u64) {}
    fn task_done(&self, _task: &Task) {}
    /// Ask the operator; `false` cancels the batch.
    fn confirm(&self, _summary: &PlanSummary) -> bool {
        false
    }
}

/// A password the run generated, for `--show-password` / `--password-file`.
#[derive(Debug)]
pub struct IssuedSecret {
    pub user: String,
    pub tenant: String,
    pub secret: Secret,
}

/// What a run returns besides what it recorded.
#[derive(Debug)]
pub struct RunOutcome {
    pub header: BatchHeader,
    pub secrets: Vec<IssuedSecret>,
    /// Every failure was an authentication or permission failure (exit code 4).
    pub auth_only: bool,
    pub interrupted: bool,
    /// The operator declined the confirmation of an `approve` or `retry` (nothing ran).
    pub declined: bool,
    /// For `approve`: what changed since the batch was planned.
    pub changed_since: Vec<String>,
}

/// Set when the operator pressed Ctrl-C: no new task starts.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst)
    }
    pub fn is_canceled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One (task, tenant) after planning.
enum Planned {
    /// Resolved and allowed: apply it (`attempts` counts this one).
    Apply { user: UserRef, state: UserState, attempts: u32 },
    /// Finished while planning (not found, guard, not applicable); boxed, as most plans
    /// are `Apply` and the enum is as large as its largest variant.
    Done(Box<TenantResult>),
}

pub struct Engine<'a> {
    pub log: &'a TaskLog,
    /// Every tenant a target may name.
    pub tenants: &'a BTreeMap<String, Tenant>,
    /// The tenants of the command (`--tenant`, or the default).
    pub selected: Vec<String>,
    pub reporter: &'a dyn Reporter,
    pub cancel: Cancel,
    /// The configured on-premises AD tenants, named in hints for users synced from AD.
    pub ad_tenants: Vec<String>,
}

impl Engine<'_> {
    /// Create a batch for `request`, plan it, confirm it (or park it for approval) and run it.
    pub async fn run(&self, mut request: Request) -> Result<RunOutcome> {
        let tasks = self.make_tasks(&request)?;
        // The tasks carry everything from here on; keep one copy in memory, not two.
        request.targets = Vec::new();
        self.check_supported(&tasks)?;
        let mut header = new_header(&request, &tasks);
        let approval = if request.dry_run { None } else { self.approval_reason(&request, &tasks) };
        header.approval = approval.map(|why| Approval {
            required_because: why,
            requested_by: request.operator.clone(),
            decision: None,
            decided_by: None,
            decided_at: None,
            reason: None,
        });
        let (writer, _lock) = self.log.create(&header, &tasks)?;
        let mut batch = Batch { header, tasks };

        let keep_details = batch.header.approval.is_some();
        let plans = self.plan(&batch.tasks, request.concurrency, keep_details).await;
        let mut plans = guards::apply(self, &batch.tasks, plans, &request).await;
        if !keep_details {
            strip_details(&mut plans);
        }
        let work: Vec<(usize, Vec<Planned>)> = plans.into_iter().enumerate().collect();

        let mut secrets = Vec::new();
        let mut declined = false;
        let mut failures = Failures::default();
        if request.dry_run {
            failures = self.execute(&mut batch, work, Mode::DryRun, &writer, request.concurrency, &mut secrets).await?;
        } else if batch.header.approval.is_some() {
            self.park_for_approval(&mut batch, work, &writer).await?;
        } else {
            let summary = summarize(&batch, &work, Vec::new());
            if self.agreed(request.consent, &summary) {
                failures =
                    self.execute(&mut batch, work, Mode::Apply, &writer, request.concurrency, &mut secrets).await?;
            } else {
                declined = true;
                self.cancel_all(&mut batch, work, &writer).await?;
            }
        }
        writer.close()?;
        let mut out = self.finish(batch, secrets, failures)?;
        out.declined = declined;
        Ok(out)
    }

    /// Run an existing batch again: approve a pending one, or retry what did not finish.
    pub async fn resume(
        &self,
        batch_id: &str,
        how: Resume,
        consent: Consent,
        concurrency: usize,
    ) -> Result<RunOutcome> {
        let _lock = self.log.lock_batch(batch_id)?;
        let read = self.log.read(batch_id)?;
        let mut batch = read.batch;
        let status = batch.header.status;
        let request_like = Request::new(Vec::new(), String::new(), consent);
        let (work, changed_since) = match &how {
            Resume::Approve { approver } => {
                if status != Status::PendingApproval {
                    return Err(Error::input(
                        format!("batch {batch_id} is not pending approval: it is {status}"),
                        Some("`remediate history --status pending_approval` lists the batches that wait".to_string()),
                    ));
                }
                let approval = batch.header.approval.clone().expect("a pending batch records its approval");
                let self_ok = batch
                    .header
                    .tenants
                    .iter()
                    .all(|t| self.tenants.get(t).is_some_and(|t| t.profile.common.self_approval));
                if approval.requested_by == *approver && !self_ok {
                    return Err(Error::NotAllowed {
                        message: format!("`{approver}` requested batch {batch_id} and cannot approve it too"),
                        hint: "another operator must approve it (a tenant policy `self_approval = true` allows it)"
                            .into(),
                    });
                }
                let snapshots: Vec<Vec<TenantResult>> = batch.tasks.iter().map(|t| t.results.clone()).collect();
                let plans = self.plan(&batch.tasks, concurrency, true).await;
                let mut changed = Vec::new();
                for ((task, plan), old) in batch.tasks.iter().zip(&plans).zip(&snapshots) {
                    for (p, tenant) in plan.iter().zip(&task.tenants) {
                        let before = old.iter().find(|r| &r.tenant == tenant).map(|r| &r.before);
                        if let (Planned::Apply { state, .. }, Some(before)) = (p, before) {
                            changed.extend(drift_lines(&task.user, tenant, before, &snapshot(state)));
                        }
                    }
                }
                let plans = guards::apply(self, &batch.tasks, plans, &request_like).await;
                (plans.into_iter().enumerate().collect::<Vec<_>>(), changed)
            }
            Resume::Retry => {
                if matches!(status, Status::PendingApproval | Status::Rejected) || batch.header.dry_run {
                    let why = if batch.header.dry_run { "a dry run".to_string() } else { status.to_string() };
                    return Err(Error::input(
                        format!("batch {batch_id} cannot be retried: it is {why}"),
                        Some("retry runs again the unsuccessful or interrupted tasks of a batch that ran".to_string()),
                    ));
                }
                let mut work = Vec::new();
                for (i, task) in batch.tasks.iter().enumerate() {
                    if let Some(plan) = self.plan_retry(task).await {
                        work.push((i, plan));
                    }
                }
                if work.is_empty() {
                    return Err(Error::input(
                        format!("nothing to retry in batch {batch_id}: no task is unsuccessful, queued or in progress"),
                        None,
                    ));
                }
                let subset: Vec<Task> = work.iter().map(|(i, _)| batch.tasks[*i].clone()).collect();
                let plans: Vec<Vec<Planned>> = work.into_iter().map(|(_, p)| p).collect();
                let plans = guards::apply(self, &subset, plans, &request_like).await;
                let idx: Vec<usize> = batch
                    .tasks
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| subset.iter().any(|s| s.task_id == t.task_id))
                    .map(|(i, _)| i)
                    .collect();
                (idx.into_iter().zip(plans).collect(), Vec::new())
            }
        };
        let writer = self.log.reopen(batch_id)?;
        let summary = summarize(&batch, &work, changed_since.clone());
        let mut secrets = Vec::new();
        if !self.agreed(consent, &summary) {
            writer.close()?;
            let mut out = self.finish(batch, secrets, Failures::default())?;
            out.declined = true;
            out.changed_since = changed_since;
            return Ok(out);
        }
        if let Resume::Approve { approver } = &how {
            let a = batch.header.approval.as_mut().expect("checked above");
            a.decision = Some(Decision::Approved);
            a.decided_by = Some(approver.clone());
            a.decided_at = Some(jiff::Timestamp::now());
        }
        let failures = self.execute(&mut batch, work, Mode::Apply, &writer, concurrency, &mut secrets).await?;
        writer.close()?;
        let mut out = self.finish(batch, secrets, failures)?;
        out.changed_since = changed_since;
        Ok(out)
    }

    /// A user synced from on-premises AD: a cloud disable is reverted by the next sync and
    /// a cloud password reset fails, so say which AD tenant to act on (or that this batch
    /// already does).
    fn hybrid_note(&self, result: &mut TenantResult, task: &Task) {
        let in_batch: Vec<&String> = task
            .tenants
            .iter()
            .filter(|t| self.tenants.get(*t).is_some_and(|t| t.provider.kind() == crate::providers::ProviderKind::Ad))
            .collect();
        let note = if let Some(ad) = in_batch.first() {
            format!("`{}` is synced from on-premises AD; this task also runs on AD tenant `{ad}`", task.user)
        } else if let Some(ad) = self.ad_tenants.first() {
            format!(
                "`{}` is synced from on-premises AD: run it there too: `remediate --tenant {ad} {} {}`",
                task.user, task.action, task.user
            )
        } else {
            format!(
                "`{}` is synced from on-premises AD: act on AD as well (`remediate tenant add NAME --provider ad ...` configures it)",
                task.user
            )
        };
        match &mut result.error {
            Some(e) => e.hint = Some(note),
            None if !result.warnings.is_empty() => result.warnings.push(note),
            None => {}
        }
    }

    /// Which results of `task` a retry runs again; `None` when it is finished.
    async fn plan_retry(&self, task: &Task) -> Option<Vec<Planned>> {
        let rerun = |r: Option<&TenantResult>| {
            r.is_none_or(|r| matches!(r.status, Status::Unsuccessful | Status::Queued | Status::InProgress))
        };
        let results: Vec<Option<&TenantResult>> =
            task.tenants.iter().map(|t| task.results.iter().find(|r| &r.tenant == t)).collect();
        if !matches!(task.status, Status::InProgress | Status::Queued) && !results.iter().any(|r| rerun(*r)) {
            return None;
        }
        let mut plan = Vec::with_capacity(task.tenants.len());
        for (tenant, old) in task.tenants.iter().zip(results) {
            if rerun(old) {
                let attempts = match old {
                    Some(r) => r.attempts + 1,
                    // Interrupted after its `in_progress` record: the write may have happened.
                    None if task.status == Status::InProgress => 2,
                    None => 1,
                };
                plan.push(match self.plan_one(task, tenant).await {
                    Planned::Apply { user, state, .. } => Planned::Apply { user, state, attempts },
                    Planned::Done(mut r) => {
                        r.attempts = attempts;
                        Planned::Done(r)
                    }
                });
            } else {
                plan.push(Planned::Done(Box::new(old.expect("kept results exist").clone())));
            }
        }
        Some(plan)
    }

    fn agreed(&self, consent: Consent, summary: &PlanSummary) -> bool {
        match consent {
            Consent::Given => true,
            Consent::Ask => summary.to_apply == 0 || self.reporter.confirm(summary),
        }
    }

    /// Why this batch needs an approval, if it does: `--require-approval`, or a tenant policy.
    fn approval_reason(&self, request: &Request, tasks: &[Task]) -> Option<String> {
        if request.require_approval {
            return Some("--require-approval".into());
        }
        for (name, tenant) in self.tenants.iter() {
            let on_tenant: Vec<&Task> = tasks.iter().filter(|t| t.tenants.contains(name)).collect();
            if on_tenant.is_empty() {
                continue;
            }
            let common = &tenant.profile.common;
            if let Some(a) = on_tenant.iter().map(|t| t.action).find(|a| common.approval_required_for.contains(a)) {
                return Some(format!("tenant `{name}` requires approval for `{a}`"));
            }
            let users: std::collections::HashSet<String> = on_tenant.iter().map(|t| t.user.to_lowercase()).collect();
            if let Some(n) = common.approval_threshold.filter(|n| users.len() > *n) {
                return Some(format!(
                    "tenant `{name}` requires approval above {n} users (this batch has {})",
                    users.len()
                ));
            }
        }
        None
    }

    /// Record a batch as pending: each result keeps the state read while planning, so the
    /// approver can be shown what changed since.
    async fn park_for_approval(
        &self,
        batch: &mut Batch,
        work: Vec<(usize, Vec<Planned>)>,
        writer: &JournalWriter,
    ) -> Result<()> {
        self.settle(batch, work, writer, |state, tenant| TenantResult {
            status: Status::PendingApproval,
            message: "waits for approval".into(),
            before: snapshot(state),
            attempts: 0,
            ..empty_result(tenant)
        })
        .await
    }

    /// Record every planned result without applying it: what `Apply` results become is
    /// `unapplied`'s answer (pending approval, canceled).
    async fn settle(
        &self,
        batch: &mut Batch,
        work: Vec<(usize, Vec<Planned>)>,
        writer: &JournalWriter,
        unapplied: impl Fn(&UserState, &Tenant) -> TenantResult,
    ) -> Result<()> {
        for (i, plan) in work {
            let task = &mut batch.tasks[i];
            task.results = plan
                .into_iter()
                .zip(&task.tenants)
                .map(|(p, tenant)| match p {
                    Planned::Done(r) => *r,
                    Planned::Apply { state, .. } => unapplied(&state, &self.tenants[tenant]),
                })
                .collect();
            task.aggregate();
            writer.finished(i as u32, task).await?;
        }
        Ok(())
    }

    fn make_tasks(&self, request: &Request) -> Result<Vec<Task>> {
        if request.targets.is_empty() {
            return Err(Error::usage(
                "no users given",
                Some("name users as arguments or give `--csv FILE`".to_string()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut tasks = Vec::with_capacity(request.targets.len());
        for t in &request.targets {
            let tenants = match &t.tenants {
                None => self.selected.clone(),
                Some(names) => names.clone(),
            };
            for name in &tenants {
                if !self.tenants.contains_key(name) {
                    return Err(Error::UnknownTenant {
                        name: name.clone(),
                        known: self.tenants.keys().cloned().collect(),
                    });
                }
            }
            let key = (t.action, t.user.to_lowercase(), t.params.clone(), tenants.clone());
            if !seen.insert(key) {
                continue;
            }
            tasks.push(Task {
                task_id: uuid::Uuid::now_v7().to_string(),
                action: t.action,
                user: t.user.clone(),
                status: Status::Queued,
                params: t.params.clone(),
                description: t.description.clone().filter(|d| Some(d) != request.description.as_ref()),
                tenants,
                reverses: t.reverses.clone(),
                results: Vec::new(),
            });
        }
        Ok(tasks)
    }

    /// An action no tenant of its tasks can do fails the command before anything runs.
    fn check_supported(&self, tasks: &[Task]) -> Result<()> {
        let mut pairs: BTreeMap<Action, BTreeSet<&str>> = BTreeMap::new();
        for t in tasks {
            pairs.entry(t.action).or_default().extend(t.tenants.iter().map(String::as_str));
        }
        for (action, tenants) in pairs {
            let mut first_err = None;
            let mut any_ok = false;
            for name in tenants {
                match self.tenants[name].provider.supports(action) {
                    Ok(()) => any_ok = true,
                    Err(e) => {
                        first_err.get_or_insert((name.to_string(), e));
                    }
                }
            }
            if let (false, Some((tenant, source))) = (any_ok, first_err) {
                return Err(Error::provider(tenant, source));
            }
        }
        Ok(())
    }

    /// Resolve every user and read its state on every tenant, concurrently.
    /// `keep_details`: keep each state's provider details (for an approval snapshot); undo
    /// tasks always keep them for the changed-since check. Otherwise they are dropped at
    /// once: a 100,000-user run should not carry them.
    async fn plan(&self, tasks: &[Task], concurrency: usize, keep_details: bool) -> Vec<Vec<Planned>> {
        self.reporter.phase(Phase::Planning, tasks.len() as u64);
        let futures = tasks.iter().map(|task| async move {
            let mut out = Vec::with_capacity(task.tenants.len());
            for name in &task.tenants {
                let mut planned = self.plan_one(task, name).await;
                if let Planned::Apply { state, .. } = &mut planned
                    && !keep_details
                    && task.reverses.is_none()
                {
                    state.details = serde_json::Value::Null;
                }
                out.push(planned);
            }
            out
        });
        futures::stream::iter(futures).buffered(concurrency.max(1)).collect().await
    }

    async fn plan_one(&self, task: &Task, tenant_name: &str) -> Planned {
        let tenant = &self.tenants[tenant_name];
        let result = |status, error: ProviderError| {
            Planned::Done(Box::new(TenantResult {
                request_id: error.request_id.clone(),
                error: Some(error.info()),
                message: error.message.clone(),
                status,
                ..empty_result(tenant)
            }))
        };
        if let Err(e) = tenant.provider.supports(task.action) {
            let e = ProviderError { kind: ErrorKind::NotApplicable, ..e };
            return result(Status::Skipped, e);
        }
        let user = match tenant.provider.resolve(&task.user).await {
            Ok(u) => u,
            Err(e) => return result(Status::Unsuccessful, e),
        };
        match tenant.provider.state(&user).await {
            Ok(state) => Planned::Apply { user, state, attempts: 1 },
            Err(e) => result(Status::Unsuccessful, e),
        }
    }

    /// Apply (or dry-run) the planned results of the tasks in `work`, recording each task
    /// before its first write and after its last.
    async fn execute(
        &self,
        batch: &mut Batch,
        work: Vec<(usize, Vec<Planned>)>,
        mode: Mode,
        writer: &JournalWriter,
        concurrency: usize,
        secrets: &mut Vec<IssuedSecret>,
    ) -> Result<Failures> {
        self.reporter.phase(Phase::Applying, work.len() as u64);
        // Tasks are taken out one at a time as they start, and put back slim (status only)
        // once recorded: the journal holds the results, so memory stays flat in bulk runs.
        let tasks = std::cell::RefCell::new(&mut batch.tasks);
        let futures = work.into_iter().map(|(i, plan)| {
            let mut task = std::mem::replace(&mut tasks.borrow_mut()[i], placeholder());
            async move {
                if self.cancel.is_canceled() {
                    return Ok((i, task, Vec::new(), Failures::default()));
                }
                let needs_write = plan.iter().any(|p| matches!(p, Planned::Apply { .. }));
                if needs_write && mode == Mode::Apply {
                    task.status = Status::InProgress;
                    writer.started(i as u32).await?;
                }
                let mut issued = Vec::new();
                let mut results = Vec::with_capacity(plan.len());
                for (tenant_name, planned) in task.tenants.iter().zip(plan) {
                    results.push(match planned {
                        Planned::Done(r) => *r,
                        Planned::Apply { user, state, attempts } => {
                            let tenant = &self.tenants[tenant_name];
                            let (mut result, secret) = apply_one(tenant, &task, &user, &state, mode).await;
                            result.attempts = attempts;
                            if state.synced {
                                self.hybrid_note(&mut result, &task);
                            }
                            if let Some(secret) = secret {
                                issued.push(IssuedSecret {
                                    user: user.name.clone(),
                                    tenant: tenant_name.clone(),
                                    secret,
                                });
                            }
                            result
                        }
                    });
                }
                task.results = results;
                task.aggregate();
                writer.finished(i as u32, &task).await?;
                self.reporter.task_done(&task);
                let failures = Failures::of(&task);
                task.results = Vec::new();
                task.reverses = None;
                Ok::<_, Error>((i, task, issued, failures))
            }
        });
        let mut stream = futures::stream::iter(futures).buffer_unordered(concurrency.max(1));
        let mut first_err = None;
        let mut failures = Failures::default();
        while let Some(done) = stream.next().await {
            match done {
                Ok((i, task, issued, f)) => {
                    tasks.borrow_mut()[i] = task;
                    secrets.extend(issued);
                    failures.add(f);
                }
                Err(e) => {
                    // The log could not record: stop starting tasks, keep what finished.
                    self.cancel.cancel();
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(failures),
        }
    }

    async fn cancel_all(
        &self,
        batch: &mut Batch,
        work: Vec<(usize, Vec<Planned>)>,
        writer: &JournalWriter,
    ) -> Result<()> {
        self.settle(batch, work, writer, |_, tenant| TenantResult {
            status: Status::Canceled,
            message: "declined at the confirmation".into(),
            attempts: 0,
            ..empty_result(tenant)
        })
        .await
    }

    /// Recount the batch, seal its header, and say how it went. `executed` counts the
    /// failures of the tasks this run executed (their results are no longer in memory).
    fn finish(&self, batch: Batch, secrets: Vec<IssuedSecret>, executed: Failures) -> Result<RunOutcome> {
        let mut header = batch.header;
        let mut counts = BTreeMap::new();
        let mut failures = executed;
        for t in &batch.tasks {
            *counts.entry(t.status).or_insert(0u64) += 1;
            failures.add(Failures::of(t));
        }
        header.counts = counts;
        header.aggregate();
        let interrupted = self.cancel.is_canceled() && !header.status.is_final();
        if header.status.is_final() {
            header.finished_at = Some(jiff::Timestamp::now());
        }
        self.log.update_header(&header)?;
        let auth_only = failures.total > 0 && failures.total == failures.auth;
        Ok(RunOutcome { header, secrets, auth_only, interrupted, declined: false, changed_since: Vec::new() })
    }
}

async fn apply_one(
    tenant: &Tenant,
    task: &Task,
    user: &UserRef,
    state: &UserState,
    mode: Mode,
) -> (TenantResult, Option<Secret>) {
    let restore = task.reverses.as_ref().and_then(|r| r.results.get(&tenant.profile.name)).map(|c| &c.before);
    let ctx = ApplyContext { mode, params: &task.params, restore, state };
    match tenant.provider.apply(user, task.action, ctx).await {
        Ok(out) => (
            TenantResult {
                status: Status::Successful,
                changed: out.changed,
                message: out.message,
                request_id: out.request_id,
                before: out.before,
                after: out.after,
                warnings: out.warnings,
                ..empty_result(tenant)
            },
            out.secret,
        ),
        Err(e) => {
            // Part of a multi-step action may have happened: record it for undo, and still
            // hand over a password it set.
            let (before, secret) = match e.partial.as_deref() {
                Some(p) => (p.before.clone(), p.secret.clone()),
                None => (serde_json::Value::Null, None),
            };
            (
                TenantResult {
                    status: Status::Unsuccessful,
                    changed: e.partial.is_some(),
                    before,
                    message: e.message.clone(),
                    request_id: e.request_id.clone(),
                    error: Some(e.info()),
                    ..empty_result(tenant)
                },
                secret,
            )
        }
    }
}

pub(crate) fn empty_result(tenant: &Tenant) -> TenantResult {
    TenantResult {
        tenant: tenant.profile.name.clone(),
        provider: tenant.provider.kind().as_str().into(),
        status: Status::Queued,
        changed: false,
        message: String::new(),
        request_id: None,
        error: None,
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
        warnings: Vec::new(),
        attempts: 1,
    }
}

fn new_header(request: &Request, tasks: &[Task]) -> BatchHeader {
    let actions: BTreeSet<Action> = tasks.iter().map(|t| t.action).collect();
    let tenants: BTreeSet<&String> = tasks.iter().flat_map(|t| &t.tenants).collect();
    BatchHeader {
        schema_version: SCHEMA_VERSION,
        batch_id: uuid::Uuid::now_v7().to_string(),
        status: Status::InProgress,
        created_at: jiff::Timestamp::now(),
        finished_at: None,
        operator: request.operator.clone(),
        description: request.description.clone(),
        dry_run: request.dry_run,
        actions: actions.into_iter().collect(),
        tenants: tenants.into_iter().cloned().collect(),
        counts: [(Status::Queued, tasks.len() as u64)].into(),
        approval: None,
        undo_of: request.undo_of.clone(),
        undone_by: Vec::new(),
        expires_at: request.expires_at,
        expired_by: None,
        not_reversed: request.not_reversed.clone(),
    }
}

fn summarize(batch: &Batch, work: &[(usize, Vec<Planned>)], changed_since: Vec<String>) -> PlanSummary {
    let mut to_apply = 0;
    let mut not_applied = Vec::new();
    let mut users: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut actions = BTreeSet::new();
    let mut tenants = BTreeSet::new();
    for (i, plan) in work {
        let task = &batch.tasks[*i];
        actions.insert(task.action);
        if seen.insert(task.user.to_lowercase()) {
            users.push(task.user.clone());
        }
        for (p, tenant) in plan.iter().zip(&task.tenants) {
            tenants.insert(tenant.clone());
            match p {
                Planned::Apply { .. } => to_apply += 1,
                Planned::Done(r) => not_applied.push((
                    task.user.clone(),
                    r.tenant.clone(),
                    r.error.as_ref().map_or_else(|| r.message.clone(), |e| e.message.clone()),
                )),
            }
        }
    }
    PlanSummary {
        batch_id: batch.header.batch_id.clone(),
        actions: actions.into_iter().collect(),
        tenants: tenants.into_iter().collect(),
        users,
        to_apply,
        not_applied,
        changed_since,
    }
}

/// The state recorded for a pending batch, to compare at approval.
fn snapshot(state: &UserState) -> serde_json::Value {
    serde_json::json!({
        "enabled": state.enabled,
        "top_admin": state.top_admin,
        "synced": state.synced,
        "details": state.details,
    })
}

/// "alice on demo: enabled true → false" for every field that differs.
fn drift_lines(user: &str, tenant: &str, old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in new {
        if k == "details" {
            let (Some(a), Some(b)) = (old.get(k).and_then(|v| v.as_object()), v.as_object()) else { continue };
            for (dk, dv) in b {
                if a.get(dk).is_some_and(|av| av != dv) {
                    out.push(format!("{user} on {tenant}: {dk} was {} when planned, now {dv}", a[dk]));
                }
            }
        } else if old.get(k).is_some_and(|ov| ov != v) {
            out.push(format!("{user} on {tenant}: {k} was {} when planned, now {v}", old[k]));
        }
    }
    out
}

fn strip_details(plans: &mut [Vec<Planned>]) {
    for p in plans.iter_mut().flatten() {
        if let Planned::Apply { state, .. } = p {
            state.details = serde_json::Value::Null;
        }
    }
}

/// Unsuccessful results, and how many of them failed on authentication or permission.
#[derive(Debug, Default, Clone, Copy)]
struct Failures {
    total: u64,
    auth: u64,
}

impl Failures {
    fn of(task: &Task) -> Failures {
        let mut f = Failures::default();
        for r in task.results.iter().filter(|r| r.status == Status::Unsuccessful) {
            f.total += 1;
            if r.error.as_ref().is_some_and(|e| matches!(e.kind, ErrorKind::Authentication | ErrorKind::Permission)) {
                f.auth += 1;
            }
        }
        f
    }

    fn add(&mut self, other: Failures) {
        self.total += other.total;
        self.auth += other.auth;
    }
}

/// Stands in for a task while it is being run.
fn placeholder() -> Task {
    Task {
        task_id: String::new(),
        action: Action::Disable,
        user: String::new(),
        status: Status::Queued,
        params: ActionParams::default(),
        description: None,
        tenants: Vec::new(),
        reverses: None,
        results: Vec::new(),
    }
}

/// Reject a pending batch: nothing of it runs; the decision and the reason are recorded.
pub async fn reject(log: &TaskLog, batch_id: &str, operator: &str, reason: &str) -> Result<BatchHeader> {
    let _lock = log.lock_batch(batch_id)?;
    let mut batch = log.read(batch_id)?.batch;
    if batch.header.status != Status::PendingApproval {
        return Err(Error::input(
            format!("batch {batch_id} is not pending approval: it is {}", batch.header.status),
            None,
        ));
    }
    let writer = log.reopen(batch_id)?;
    for (i, task) in batch.tasks.iter_mut().enumerate() {
        for r in task.results.iter_mut().filter(|r| r.status == Status::PendingApproval) {
            r.status = Status::Rejected;
            r.message = format!("rejected by {operator}: {reason}");
        }
        task.aggregate();
        writer.finished(i as u32, task).await?;
    }
    writer.close()?;
    let h = &mut batch.header;
    h.status = Status::Rejected;
    h.finished_at = Some(jiff::Timestamp::now());
    let mut counts = BTreeMap::new();
    for t in &batch.tasks {
        *counts.entry(t.status).or_insert(0u64) += 1;
    }
    h.counts = counts;
    if let Some(a) = h.approval.as_mut() {
        a.decision = Some(Decision::Rejected);
        a.decided_by = Some(operator.to_string());
        a.decided_at = h.finished_at;
        a.reason = Some(reason.to_string());
    }
    log.update_header(h)?;
    Ok(batch.header)
}

/// A result refused by a guard.
pub(crate) fn guard_result(tenant: &Tenant, reason: String, hint: Option<String>) -> TenantResult {
    TenantResult {
        status: Status::Skipped,
        message: reason.clone(),
        error: Some(ErrorInfo { kind: ErrorKind::Guard, message: reason, hint }),
        ..empty_result(tenant)
    }
}
