//! The engine: resolve users → read state → apply guards → confirm → apply with bounded
//! concurrency → record. It never prints: it reports progress through [`Reporter`] and
//! returns values; the terminal belongs to the output layer.
//!
//! One task per user × action; one result per tenant the task runs on. A target's failure
//! is data in the batch, never an early return.

mod guards;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use crate::config::TenantProfile;
use crate::error::{Error, ProviderError, Result};
use crate::model::{
    Action, ActionParams, Batch, BatchHeader, ErrorInfo, ErrorKind, SCHEMA_VERSION, Status, Task, TenantResult,
};
use crate::providers::{ApplyContext, Mode, Provider, UserRef, UserState};
use crate::secret::Secret;
use crate::tasklog::{JournalWriter, TaskLog};

/// Provider calls in flight at once. Providers throttle themselves below this where their
/// quotas need it (Graph's write quota, LDAP pool size).
pub const DEFAULT_CONCURRENCY: usize = 64;

/// One thing the operator asked for: an action on a user, optionally on named tenants only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub action: Action,
    pub user: String,
    pub params: ActionParams,
    /// `None`: every tenant of the command; `Some`: a CSV row's `tenant` column.
    pub tenants: Option<Vec<String>>,
    /// A CSV row's `description`.
    pub description: Option<String>,
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

/// A reporter that reports nothing and never consents.
pub struct Silent;
impl Reporter for Silent {}

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
    /// Resolved and allowed: apply it.
    Apply { user: UserRef, state: UserState },
    /// Finished while planning (not found, guard, not applicable).
    Done(TenantResult),
}

pub struct Engine<'a> {
    pub log: &'a TaskLog,
    /// Every tenant a target may name.
    pub tenants: &'a BTreeMap<String, Tenant>,
    /// The tenants of the command (`--tenant`, or the default).
    pub selected: Vec<String>,
    pub reporter: &'a dyn Reporter,
    pub cancel: Cancel,
}

impl Engine<'_> {
    /// Create a batch for `request`, plan it, confirm it and run it.
    pub async fn run(&self, request: Request) -> Result<RunOutcome> {
        let tasks = self.make_tasks(&request)?;
        self.check_supported(&tasks)?;
        let header = new_header(&request, &tasks);
        let writer = self.log.create(&header, &tasks)?;
        let mut batch = Batch { header, tasks };

        let plans = self.plan(&batch.tasks, request.concurrency).await;
        let mut plans = guards::apply(self, &batch.tasks, plans, &request).await;

        let mut secrets = Vec::new();
        if request.dry_run {
            self.execute(&mut batch, &mut plans, Mode::DryRun, &writer, request.concurrency, &mut secrets).await?;
        } else {
            let summary = summarize(&batch, &plans);
            let agreed = match request.consent {
                Consent::Given => true,
                Consent::Ask => summary.to_apply == 0 || self.reporter.confirm(&summary),
            };
            if !agreed {
                self.cancel_all(&mut batch, &mut plans);
                for (i, task) in batch.tasks.iter().enumerate() {
                    writer.finished(i as u32, task).await?;
                }
            } else {
                self.execute(&mut batch, &mut plans, Mode::Apply, &writer, request.concurrency, &mut secrets).await?;
            }
        }
        writer.close()?;
        self.finish(batch, secrets)
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
                return Err(Error::Provider { tenant, source });
            }
        }
        Ok(())
    }

    /// Resolve every user and read its state on every tenant, concurrently.
    async fn plan(&self, tasks: &[Task], concurrency: usize) -> Vec<Vec<Planned>> {
        self.reporter.phase(Phase::Planning, tasks.len() as u64);
        let futures = tasks.iter().map(|task| async move {
            let mut out = Vec::with_capacity(task.tenants.len());
            for name in &task.tenants {
                out.push(self.plan_one(task, name).await);
            }
            out
        });
        futures::stream::iter(futures).buffered(concurrency.max(1)).collect().await
    }

    async fn plan_one(&self, task: &Task, tenant_name: &str) -> Planned {
        let tenant = &self.tenants[tenant_name];
        let result = |status, error: ProviderError| {
            Planned::Done(TenantResult {
                request_id: error.request_id.clone(),
                error: Some(error.info()),
                message: error.message.clone(),
                status,
                ..empty_result(tenant)
            })
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
            Ok(state) => Planned::Apply { user, state },
            Err(e) => result(Status::Unsuccessful, e),
        }
    }

    /// Apply (or dry-run) every planned result, recording each task before and after.
    async fn execute(
        &self,
        batch: &mut Batch,
        plans: &mut [Vec<Planned>],
        mode: Mode,
        writer: &JournalWriter,
        concurrency: usize,
        secrets: &mut Vec<IssuedSecret>,
    ) -> Result<()> {
        self.reporter.phase(Phase::Applying, batch.tasks.len() as u64);
        let work = batch.tasks.iter_mut().zip(plans.iter_mut()).enumerate().map(|(i, (task, plan))| {
            let plan = std::mem::take(plan);
            async move {
                if self.cancel.is_canceled() {
                    return Ok((task, Vec::new(), false));
                }
                let needs_write = plan.iter().any(|p| matches!(p, Planned::Apply { .. }));
                if needs_write && mode == Mode::Apply {
                    writer.started(i as u32).await?;
                }
                let mut issued = Vec::new();
                task.results.clear();
                for (tenant_name, planned) in task.tenants.clone().iter().zip(plan) {
                    let result = match planned {
                        Planned::Done(r) => r,
                        Planned::Apply { user, state } => {
                            let tenant = &self.tenants[tenant_name];
                            let (result, secret) = apply_one(tenant, task, &user, &state, mode).await;
                            if let Some(secret) = secret {
                                issued.push(IssuedSecret {
                                    user: user.name.clone(),
                                    tenant: tenant_name.clone(),
                                    secret,
                                });
                            }
                            result
                        }
                    };
                    task.results.push(result);
                }
                task.aggregate();
                writer.finished(i as u32, task).await?;
                self.reporter.task_done(task);
                Ok::<_, Error>((task, issued, true))
            }
        });
        let mut stream = futures::stream::iter(work).buffer_unordered(concurrency.max(1));
        while let Some(done) = stream.next().await {
            let (_, issued, _) = done?;
            secrets.extend(issued);
        }
        Ok(())
    }

    fn cancel_all(&self, batch: &mut Batch, plans: &mut [Vec<Planned>]) {
        for (task, plan) in batch.tasks.iter_mut().zip(plans.iter_mut()) {
            task.results = std::mem::take(plan)
                .into_iter()
                .zip(&task.tenants)
                .map(|(p, tenant)| match p {
                    Planned::Done(r) => r,
                    Planned::Apply { .. } => TenantResult {
                        status: Status::Canceled,
                        message: "declined at the confirmation".into(),
                        attempts: 0,
                        ..empty_result(&self.tenants[tenant])
                    },
                })
                .collect();
            task.aggregate();
            if task.results.iter().any(|r| r.status == Status::Canceled) {
                task.status = Status::Canceled;
            }
        }
    }

    fn finish(&self, batch: Batch, secrets: Vec<IssuedSecret>) -> Result<RunOutcome> {
        let mut header = batch.header;
        let mut counts = BTreeMap::new();
        let mut failures = 0;
        let mut auth_failures = 0;
        for t in &batch.tasks {
            *counts.entry(t.status).or_insert(0u64) += 1;
            for r in &t.results {
                if r.status == Status::Unsuccessful {
                    failures += 1;
                    if r.error
                        .as_ref()
                        .is_some_and(|e| matches!(e.kind, ErrorKind::Authentication | ErrorKind::Permission))
                    {
                        auth_failures += 1;
                    }
                }
            }
        }
        header.counts = counts;
        header.aggregate();
        let interrupted = self.cancel.is_canceled() && !header.status.is_final();
        if header.status.is_final() {
            header.finished_at = Some(jiff::Timestamp::now());
        }
        self.log.update_header(&header)?;
        Ok(RunOutcome { header, secrets, auth_only: failures > 0 && failures == auth_failures, interrupted })
    }
}

async fn apply_one(
    tenant: &Tenant,
    task: &Task,
    user: &UserRef,
    state: &UserState,
    mode: Mode,
) -> (TenantResult, Option<Secret>) {
    let ctx = ApplyContext { mode, params: &task.params, restore: None, state };
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
        Err(e) => (
            TenantResult {
                status: Status::Unsuccessful,
                message: e.message.clone(),
                request_id: e.request_id.clone(),
                error: Some(e.info()),
                ..empty_result(tenant)
            },
            None,
        ),
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
        meta: Default::default(),
    }
}

fn summarize(batch: &Batch, plans: &[Vec<Planned>]) -> PlanSummary {
    let mut to_apply = 0;
    let mut not_applied = Vec::new();
    for (task, plan) in batch.tasks.iter().zip(plans) {
        for p in plan {
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
    let mut users: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in &batch.tasks {
        if seen.insert(t.user.to_lowercase()) {
            users.push(t.user.clone());
        }
    }
    PlanSummary {
        batch_id: batch.header.batch_id.clone(),
        actions: batch.header.actions.clone(),
        tenants: batch.header.tenants.clone(),
        users,
        to_apply,
        not_applied,
    }
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
