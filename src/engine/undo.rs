//! What `undo` runs: the inverse of every change a batch recorded, from its before-state.

use std::collections::BTreeMap;

use super::Target;
use crate::model::{Action, ActionParams, Batch, NotReversed, RecordedChange, Reversal, Status};

/// The inverse targets of `batch`, and the changes that cannot be reversed.
pub fn plan(batch: &Batch) -> (Vec<Target>, Vec<NotReversed>) {
    let mut targets = Vec::new();
    let mut not_reversed = Vec::new();
    for task in &batch.tasks {
        // Successful changes, and what a failed multi-step action did before failing.
        let changed: Vec<_> = task
            .results
            .iter()
            .filter(|r| r.changed && matches!(r.status, Status::Successful | Status::Unsuccessful))
            .collect();
        if changed.is_empty() {
            continue;
        }
        let Some(inverse) = task.action.inverse() else {
            for r in changed {
                not_reversed.push(NotReversed {
                    user: task.user.clone(),
                    action: task.action,
                    tenant: r.tenant.clone(),
                    reason: irreversible_reason(task.action).into(),
                });
            }
            continue;
        };
        let reversal = |tenants: &[&crate::model::TenantResult]| Reversal {
            batch_id: batch.header.batch_id.clone(),
            task_id: task.task_id.clone(),
            results: tenants
                .iter()
                .map(|r| (r.tenant.clone(), RecordedChange { before: r.before.clone(), after: r.after.clone() }))
                .collect::<BTreeMap<_, _>>(),
        };
        let target = |params: ActionParams, rs: &[&crate::model::TenantResult]| Target {
            action: inverse,
            user: task.user.clone(),
            params,
            tenants: Some(rs.iter().map(|r| r.tenant.clone()).collect()),
            description: None,
            reverses: Some(reversal(rs)),
        };
        match task.action {
            // Undoing a restore removes exactly what it re-added: ids differ per tenant, so
            // one task per tenant, filtered by those ids.
            Action::RestoreGroups | Action::RestoreRoles => {
                let (list, id) =
                    if task.action == Action::RestoreGroups { ("groups", "id") } else { ("roles", "role_id") };
                for r in changed {
                    let ids: Vec<String> = r.before[list]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|g| g.get(id).and_then(|v| v.as_str()).map(str::to_string))
                        .collect();
                    let mut params = ActionParams::default();
                    if task.action == Action::RestoreGroups {
                        params.groups = ids;
                    } else {
                        params.roles = ids;
                    }
                    targets.push(target(params, &[r]));
                }
            }
            _ => {
                let params =
                    ActionParams { phishing_resistant: task.params.phishing_resistant, ..ActionParams::default() };
                targets.push(target(params, &changed));
            }
        }
    }
    (targets, not_reversed)
}

fn irreversible_reason(action: Action) -> &'static str {
    match action {
        Action::ResetPassword => "a password reset cannot be undone: the old password is not kept anywhere",
        Action::RevokeSessions => "revoked sessions cannot be restored: the users sign in again",
        _ => "this action cannot be undone",
    }
}
