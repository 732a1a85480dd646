//! The domain vocabulary: actions, statuses, batches, tasks and per-tenant results.
//!
//! These types are what the task log stores and what `-o json` prints, so their serde
//! shape is the public contract of DESIGN.md §3 (`schema_version` 1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Version of every JSON document the tool prints or stores.
pub const SCHEMA_VERSION: u32 = 1;

/// A remediation action. The user-facing ones are the command names; the `Restore*` /
/// `Unenforce*` ones exist only as the inverse steps that `undo` and `expire` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Disable,
    Enable,
    ResetPassword,
    RevokeSessions,
    EnforceMfa,
    RemoveRoles,
    RemoveGroups,
    Restrict,
    Unrestrict,
    /// Inverse of `enforce-mfa`: remove from the MFA group the user was added to.
    UnenforceMfa,
    /// Inverse of `remove-groups`: re-add the recorded memberships.
    RestoreGroups,
    /// Inverse of `remove-roles`: re-create the recorded role assignments.
    RestoreRoles,
}

impl Action {
    /// The actions an operator can name on the command line or in a CSV.
    pub const USER_FACING: [Action; 9] = [
        Action::Disable,
        Action::Enable,
        Action::ResetPassword,
        Action::RevokeSessions,
        Action::EnforceMfa,
        Action::RemoveRoles,
        Action::RemoveGroups,
        Action::Restrict,
        Action::Unrestrict,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Disable => "disable",
            Action::Enable => "enable",
            Action::ResetPassword => "reset-password",
            Action::RevokeSessions => "revoke-sessions",
            Action::EnforceMfa => "enforce-mfa",
            Action::RemoveRoles => "remove-roles",
            Action::RemoveGroups => "remove-groups",
            Action::Restrict => "restrict",
            Action::Unrestrict => "unrestrict",
            Action::UnenforceMfa => "unenforce-mfa",
            Action::RestoreGroups => "restore-groups",
            Action::RestoreRoles => "restore-roles",
        }
    }

    /// Whether `undo` can reverse this action from its recorded before-state.
    pub fn is_reversible(self) -> bool {
        !matches!(self, Action::ResetPassword | Action::RevokeSessions)
    }

    /// The action that reverses this one, where there is one.
    pub fn inverse(self) -> Option<Action> {
        Some(match self {
            Action::Disable => Action::Enable,
            Action::Enable => Action::Disable,
            Action::Restrict => Action::Unrestrict,
            Action::Unrestrict => Action::Restrict,
            Action::EnforceMfa => Action::UnenforceMfa,
            Action::UnenforceMfa => Action::EnforceMfa,
            Action::RemoveGroups => Action::RestoreGroups,
            Action::RestoreGroups => Action::RemoveGroups,
            Action::RemoveRoles => Action::RestoreRoles,
            Action::RestoreRoles => Action::RemoveRoles,
            Action::ResetPassword | Action::RevokeSessions => return None,
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Action::USER_FACING
            .into_iter()
            .chain([Action::UnenforceMfa, Action::RestoreGroups, Action::RestoreRoles])
            .find(|a| a.as_str() == norm)
            .ok_or_else(|| format!("unknown action `{}`", s.trim()))
    }
}

/// Status of a batch, a task or a per-tenant result (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    PendingApproval,
    Rejected,
    Queued,
    InProgress,
    Successful,
    PartiallySuccessful,
    Unsuccessful,
    Skipped,
    Canceled,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::PendingApproval,
        Status::Rejected,
        Status::Queued,
        Status::InProgress,
        Status::Successful,
        Status::PartiallySuccessful,
        Status::Unsuccessful,
        Status::Skipped,
        Status::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "pending_approval",
            Status::Rejected => "rejected",
            Status::Queued => "queued",
            Status::InProgress => "in_progress",
            Status::Successful => "successful",
            Status::PartiallySuccessful => "partially_successful",
            Status::Unsuccessful => "unsuccessful",
            Status::Skipped => "skipped",
            Status::Canceled => "canceled",
        }
    }

    /// The capitalised words used in tables.
    pub fn title(self) -> &'static str {
        match self {
            Status::PendingApproval => "Pending approval",
            Status::Rejected => "Rejected",
            Status::Queued => "Queued",
            Status::InProgress => "In progress",
            Status::Successful => "Successful",
            Status::PartiallySuccessful => "Partially successful",
            Status::Unsuccessful => "Unsuccessful",
            Status::Skipped => "Skipped",
            Status::Canceled => "Canceled",
        }
    }

    /// Whether nothing more will happen to it without an operator (approve, retry).
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Queued | Status::InProgress | Status::PendingApproval)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Status::ALL.into_iter().find(|st| st.as_str() == norm).ok_or_else(|| format!("unknown status `{}`", s.trim()))
    }
}

/// Classified failure kinds; `error.kind` in JSON. The exit code and the default hint of
/// each kind are decided in `crate::error`, nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The user (or a named group or role) does not exist.
    NotFound,
    /// Credentials missing, wrong or expired.
    Authentication,
    /// Authenticated, but not allowed to do this.
    Permission,
    /// The provider kept throttling past the retry budget.
    Throttled,
    /// The provider refused the request as malformed or conflicting.
    InvalidRequest,
    /// The provider cannot do this action at all.
    Unsupported,
    /// Network, timeout or 5xx: worth a retry later.
    Transient,
    /// A safety guard refused the task (protected account, last admin, ...).
    Guard,
    /// The action does not apply here (not a failure).
    NotApplicable,
    /// The run stopped before this finished (Ctrl-C, crash).
    Interrupted,
    /// Anything else the provider said.
    Provider,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Authentication => "authentication",
            ErrorKind::Permission => "permission",
            ErrorKind::Throttled => "throttled",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Transient => "transient",
            ErrorKind::Guard => "guard",
            ErrorKind::NotApplicable => "not_applicable",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Provider => "provider",
        }
    }
}

/// `error` of a result in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default)]
    pub hint: Option<String>,
}

/// What happened to one task on one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantResult {
    pub tenant: String,
    pub provider: String,
    pub status: Status,
    #[serde(default)]
    pub changed: bool,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub error: Option<ErrorInfo>,
    /// The state needed to undo this result (previous `accountEnabled`, removed group ids, ...).
    #[serde(default)]
    pub before: serde_json::Value,
    #[serde(default)]
    pub after: serde_json::Value,
    /// Warnings that did not stop the action (e.g. synced from on-prem).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How many times this result was attempted (`retry` increments it).
    #[serde(default = "one")]
    pub attempts: u32,
}

fn one() -> u32 {
    1
}

/// Parameters of an action beyond its name: `--group`, `--role`, `--phishing-resistant`, ...
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActionParams {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub phishing_resistant: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub keep_sessions: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub with_mfa: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One user × action, with one result per tenant it runs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub task_id: String,
    pub action: Action,
    pub user: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "is_default_params")]
    pub params: ActionParams,
    /// A CSV row's own description, where it differs from the batch's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tenants this task runs on.
    pub tenants: Vec<String>,
    /// For the tasks of an undo batch: what they reverse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<Reversal>,
    #[serde(default)]
    pub results: Vec<TenantResult>,
}

fn is_default_params(p: &ActionParams) -> bool {
    *p == ActionParams::default()
}

impl Task {
    /// Recompute `status` from the results (DESIGN.md §3).
    pub fn aggregate(&mut self) {
        self.status = if self.results.iter().any(|r| r.status == Status::PendingApproval) {
            Status::PendingApproval
        } else if self.results.iter().any(|r| r.status == Status::Rejected) {
            Status::Rejected
        } else {
            aggregate_results(&self.results, self.tenants.len())
        };
    }
}

/// A task's status from its per-tenant results.
///
/// `not_applicable` skips (an action one tenant's provider cannot do) do not count against
/// the task when another tenant did it; guard skips do: the operator asked for something
/// that was refused there.
pub fn aggregate_results(results: &[TenantResult], tenants: usize) -> Status {
    if results.iter().any(|r| matches!(r.status, Status::InProgress)) {
        return Status::InProgress;
    }
    if results.len() < tenants || results.iter().any(|r| r.status == Status::Queued) {
        return if results.iter().any(|r| r.status.is_final()) { Status::InProgress } else { Status::Queued };
    }
    let relevant: Vec<&TenantResult> =
        results.iter().filter(|r| !(r.status == Status::Skipped && is_not_applicable(r))).collect();
    let relevant = if relevant.is_empty() { results.iter().collect() } else { relevant };
    aggregate(relevant.iter().map(|r| r.status))
}

fn is_not_applicable(r: &TenantResult) -> bool {
    r.error.as_ref().is_some_and(|e| e.kind == ErrorKind::NotApplicable)
}

/// Combine finished statuses (of results or of tasks) into one.
pub fn aggregate(statuses: impl IntoIterator<Item = Status>) -> Status {
    let (mut ok, mut bad, mut skipped, mut canceled, mut running, mut queued, mut n) = (0, 0, 0, 0, 0, 0, 0);
    for s in statuses {
        n += 1;
        match s {
            Status::Successful => ok += 1,
            Status::Unsuccessful => bad += 1,
            Status::PartiallySuccessful => {
                ok += 1;
                bad += 1
            }
            Status::Skipped => skipped += 1,
            Status::Canceled | Status::Rejected => canceled += 1,
            Status::InProgress => running += 1,
            Status::Queued | Status::PendingApproval => queued += 1,
        }
    }
    if n == 0 {
        return Status::Successful;
    }
    if running > 0 || (queued > 0 && queued < n) {
        return Status::InProgress;
    }
    if queued == n {
        return Status::Queued;
    }
    if canceled == n {
        return Status::Canceled;
    }
    match (ok > 0, bad > 0 || skipped > 0 || canceled > 0) {
        (true, false) => Status::Successful,
        (true, true) => Status::PartiallySuccessful,
        (false, _) if bad > 0 => Status::Unsuccessful,
        (false, _) if canceled > 0 => Status::Canceled,
        _ => Status::Skipped,
    }
}

/// Batch-level facts (everything but the tasks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchHeader {
    pub schema_version: u32,
    pub batch_id: String,
    pub status: Status,
    pub created_at: jiff::Timestamp,
    #[serde(default)]
    pub finished_at: Option<jiff::Timestamp>,
    pub operator: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
    /// Distinct actions of the batch, sorted.
    pub actions: Vec<Action>,
    /// Distinct tenants of the batch, sorted.
    pub tenants: Vec<String>,
    /// Task count per status.
    pub counts: std::collections::BTreeMap<Status, u64>,
    /// Why the batch waits for an approval, and who decided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// The batch this one undoes (`undo`, `expire`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<String>,
    /// Batches that undid this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undone_by: Vec<String>,
    /// `--for DURATION`: when `expire` undoes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<jiff::Timestamp>,
    /// The undo batch `expire` ran for it (so it runs once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_by: Option<String>,
    /// Changes of the undone batch that cannot be reversed (password resets, revoked sessions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_reversed: Vec<NotReversed>,
}

/// The approval state of a batch (DESIGN.md §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    /// `--require-approval`, or the tenant policy that asked for it.
    pub required_because: String,
    pub requested_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<jiff::Timestamp>,
    /// The rejection reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
}

/// A change `undo` could not reverse, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotReversed {
    pub user: String,
    pub action: Action,
    pub tenant: String,
    pub reason: String,
}

/// What an inverse task reverses: the original result's recorded state per tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reversal {
    pub batch_id: String,
    pub task_id: String,
    /// Per tenant: the original result's `before` (what to restore) and `after` (what the
    /// user should still look like, or someone else changed it since).
    pub results: std::collections::BTreeMap<String, RecordedChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedChange {
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl BatchHeader {
    pub fn task_count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Recompute `status` from `counts` (plus batch-level states that tasks do not carry).
    pub fn aggregate(&mut self) {
        if self.counts.contains_key(&Status::PendingApproval) {
            self.status = Status::PendingApproval;
            return;
        }
        if self.counts.contains_key(&Status::Rejected) {
            self.status = Status::Rejected;
            return;
        }
        self.status = aggregate(self.counts.iter().flat_map(|(s, n)| std::iter::repeat_n(*s, *n as usize)));
    }
}

/// A batch with its tasks: the JSON document of every action command and of `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    #[serde(flatten)]
    pub header: BatchHeader,
    pub tasks: Vec<Task>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(status: Status, kind: Option<ErrorKind>) -> TenantResult {
        TenantResult {
            tenant: "t".into(),
            provider: "sandbox".into(),
            status,
            changed: false,
            message: String::new(),
            request_id: None,
            error: kind.map(|kind| ErrorInfo { kind, message: String::new(), hint: None }),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
            warnings: vec![],
            attempts: 1,
        }
    }

    #[test]
    fn results_aggregate_across_tenants() {
        use Status::*;
        assert_eq!(aggregate_results(&[r(Successful, None), r(Successful, None)], 2), Successful);
        assert_eq!(
            aggregate_results(&[r(Successful, None), r(Unsuccessful, Some(ErrorKind::Transient))], 2),
            PartiallySuccessful
        );
        assert_eq!(aggregate_results(&[r(Unsuccessful, None), r(Unsuccessful, None)], 2), Unsuccessful);
        assert_eq!(
            aggregate_results(&[r(Successful, None), r(Skipped, Some(ErrorKind::Guard))], 2),
            PartiallySuccessful
        );
        assert_eq!(
            aggregate_results(&[r(Successful, None), r(Skipped, Some(ErrorKind::NotApplicable))], 2),
            Successful
        );
        assert_eq!(aggregate_results(&[r(Skipped, Some(ErrorKind::Guard))], 1), Skipped);
        assert_eq!(aggregate_results(&[r(Successful, None)], 2), InProgress);
        assert_eq!(aggregate_results(&[], 1), Queued);
    }

    #[test]
    fn tasks_aggregate_into_a_batch() {
        use Status::*;
        assert_eq!(aggregate([Successful, Successful]), Successful);
        assert_eq!(aggregate([Successful, Unsuccessful]), PartiallySuccessful);
        assert_eq!(aggregate([PartiallySuccessful]), PartiallySuccessful);
        assert_eq!(aggregate([Unsuccessful, Skipped]), Unsuccessful);
        assert_eq!(aggregate([Canceled, Canceled]), Canceled);
        assert_eq!(aggregate([Successful, InProgress]), InProgress);
        assert_eq!(aggregate([Successful, Queued]), InProgress);
    }

    #[test]
    fn names_round_trip() {
        for a in Action::USER_FACING {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::json!(a.as_str()));
        }
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!("Reset_Password".parse::<Action>().unwrap(), Action::ResetPassword);
        assert!("nuke".parse::<Action>().is_err());
    }
}
