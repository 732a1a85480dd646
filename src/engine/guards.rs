//! Safety guards (DESIGN.md §5), applied after planning and before anything is written.
//! A refusal is a `skipped` result with the reason, never an error that aborts the rest.

use std::collections::{HashMap, HashSet};

use super::{Engine, Planned, Request, guard_result};
use crate::model::{Action, Task};

/// Names and ids of each provider's top admin role, for `remove-roles --role` filters:
/// Entra Global Administrator (and its role template id), Google super admin, Okta
/// Super Administrator, AD Domain Admins.
const TOP_ROLES: &[&str] = &[
    "global administrator",
    "62e90394-69f5-4237-9190-012177145e10",
    "super admin",
    "_seed_admin_role",
    "super_admin",
    "super administrator",
    "domain admins",
];

/// Whether `task` would take the top admin role away from its user: by disabling the user,
/// by removing the role, or by removing the user from a group that grants it.
fn takes_top_admin(task: &Task, state: &crate::providers::UserState) -> bool {
    match task.action {
        Action::Disable => true,
        Action::RemoveRoles => {
            task.params.roles.is_empty()
                || task.params.roles.iter().any(|r| TOP_ROLES.contains(&r.to_lowercase().as_str()))
        }
        Action::RemoveGroups => {
            let grants = &state.top_admin_groups;
            !grants.is_empty()
                && (task.params.groups.is_empty()
                    || task.params.groups.iter().any(|g| grants.iter().any(|t| t.eq_ignore_ascii_case(g))))
        }
        _ => false,
    }
}

/// What differs between the state a batch left (`after`) and the state now, as far as
/// the recorded values say.
fn changed_since(after: &serde_json::Value, state: &crate::providers::UserState) -> Option<String> {
    if let (Some(want), Some(now)) = (after.get("accountEnabled").and_then(|v| v.as_bool()), state.enabled)
        && want != now
    {
        let word = |b: bool| if b { "enabled" } else { "disabled" };
        return Some(format!("sign-in is now {}, the batch left it {}", word(now), word(want)));
    }
    let member = after.get("member").and_then(|v| v.as_bool());
    let group = after.get("group").and_then(|g| g.get("name")).and_then(|n| n.as_str());
    let groups = state.details.get("groups").and_then(|g| g.as_array());
    if let (Some(want), Some(group), Some(groups)) = (member, group, groups) {
        let now = groups.iter().any(|g| g.as_str().is_some_and(|g| g.eq_ignore_ascii_case(group)));
        if now != want {
            let word = |b: bool| if b { "a member" } else { "not a member" };
            return Some(format!("the user is now {} of `{group}`, the batch left it {}", word(now), word(want)));
        }
    }
    None
}

pub(super) async fn apply(
    engine: &Engine<'_>,
    tasks: &[Task],
    mut plans: Vec<Vec<Planned>>,
    request: &Request,
) -> Vec<Vec<Planned>> {
    // Protected accounts and the tool's own account.
    for (task, plan) in tasks.iter().zip(plans.iter_mut()) {
        for (tenant_name, p) in task.tenants.iter().zip(plan.iter_mut()) {
            let Planned::Apply { user, state, .. } = p else { continue };
            let tenant = &engine.tenants[tenant_name];
            let protected = tenant.profile.common.protected.iter().any(|name| {
                [task.user.as_str(), user.name.as_str(), user.id.as_str()].iter().any(|u| u.eq_ignore_ascii_case(name))
            });
            if protected {
                *p = Planned::Done(Box::new(guard_result(
                    tenant,
                    format!("protected account: `{}` is in tenant `{tenant_name}`'s protected list", user.name),
                    Some("break-glass and service accounts are never touched; remove it from `protected` in the config if this is really meant".into()),
                )));
            } else if state.is_self {
                *p = Planned::Done(Box::new(guard_result(
                    tenant,
                    format!("`{}` is the account remediate itself signs in with on tenant `{tenant_name}`", user.name),
                    Some(
                        "acting on it would cut off the tool mid-incident; use another admin account for this one"
                            .into(),
                    ),
                )));
            }
        }
    }

    // Undo: refuse to reverse what someone else changed since (unless `--force`).
    if !request.force {
        for (task, plan) in tasks.iter().zip(plans.iter_mut()) {
            let Some(rev) = &task.reverses else { continue };
            for (tenant_name, p) in task.tenants.iter().zip(plan.iter_mut()) {
                let Planned::Apply { state, .. } = p else { continue };
                let Some(rec) = rev.results.get(tenant_name) else { continue };
                if let Some(why) = changed_since(&rec.after, state) {
                    *p = Planned::Done(Box::new(guard_result(
                        &engine.tenants[tenant_name],
                        format!("changed since batch {}: {why}", rev.batch_id),
                        Some("someone else changed it after the batch; `undo --force` reverses it anyway".into()),
                    )));
                }
            }
        }
    }

    // The last enabled holder of the top admin role, counted across the whole batch in
    // input order: disabling two of two Global Administrators skips the second.
    let mut remaining: HashMap<String, Option<HashSet<String>>> = HashMap::new();
    for (task, plan) in tasks.iter().zip(plans.iter_mut()) {
        for (tenant_name, p) in task.tenants.iter().zip(plan.iter_mut()) {
            let Planned::Apply { user, state, .. } = p else { continue };
            if !state.top_admin || !takes_top_admin(task, state) {
                continue;
            }
            let tenant = &engine.tenants[tenant_name];
            if !remaining.contains_key(tenant_name) {
                let admins = tenant.provider.top_admins().await.ok().map(|v| v.into_iter().collect());
                remaining.insert(tenant_name.clone(), admins);
            }
            let admins = remaining.get_mut(tenant_name).expect("inserted above");
            let last = match admins {
                // Unknown: refuse rather than risk locking the tenant out.
                None => true,
                Some(set) => {
                    let others = set.iter().filter(|id| **id != user.id).count();
                    if others > 0 {
                        set.remove(&user.id);
                    }
                    others == 0
                }
            };
            if last {
                let why = if admins.is_none() {
                    "the enabled top administrators could not be listed, so this one may be the last"
                } else {
                    "this is the last enabled holder of the top admin role"
                };
                *p = Planned::Done(Box::new(guard_result(
                    tenant,
                    format!("{why} on tenant `{tenant_name}`: `{}` is kept", user.name),
                    Some(
                        "give another account the role first; remediate never locks a tenant out of its last admin"
                            .into(),
                    ),
                )));
            }
        }
    }

    // Too many at once: above the tenant's `max_targets`, `--i-know-this-is-many N` with the
    // exact task count is needed besides consent.
    let total = tasks.len();
    let mut per_tenant: HashMap<&str, usize> = HashMap::new();
    for (task, plan) in tasks.iter().zip(plans.iter()) {
        for (tenant_name, p) in task.tenants.iter().zip(plan) {
            if matches!(p, Planned::Apply { .. }) {
                *per_tenant.entry(tenant_name.as_str()).or_default() += 1;
            }
        }
    }
    let over: HashSet<&str> = per_tenant
        .iter()
        .filter(|(name, n)| {
            **n > engine.tenants[**name].profile.max_targets() && request.i_know_this_is_many != Some(total)
        })
        .map(|(name, _)| *name)
        .collect();
    if !over.is_empty() {
        for (task, plan) in tasks.iter().zip(plans.iter_mut()) {
            for (tenant_name, p) in task.tenants.iter().zip(plan.iter_mut()) {
                if over.contains(tenant_name.as_str()) && matches!(p, Planned::Apply { .. }) {
                    let tenant = &engine.tenants[tenant_name];
                    *p = Planned::Done(Box::new(guard_result(
                        tenant,
                        format!(
                            "too many targets at once: {} on tenant `{tenant_name}`, above its max_targets {}",
                            per_tenant[tenant_name.as_str()],
                            tenant.profile.max_targets()
                        ),
                        Some(format!("if this is really meant, run again with `--i-know-this-is-many {total}`")),
                    )));
                }
            }
        }
    }
    plans
}
