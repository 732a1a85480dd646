//! What each action does to a sandbox user: a pure decision on the current directory
//! that returns the [`Outcome`] (with the before-state undo needs) and, when something
//! changes and the mode is `Apply`, the journal entry that makes it so.
//!
//! The rules mirror Entra ID, which the sandbox imitates: dynamic groups cannot lose a
//! member ("You can't remove a member from groups with dynamic memberships",
//! learn.microsoft.com group-delete-members), and objects synced from on-premises AD
//! refuse cloud writes to what AD masters (400 "Unable to update the specified properties
//! for on-premises mastered Directory Sync objects", microsoftgraph/microsoft-graph-docs
//! issue #7301), see `/work/shared/reference/api-contracts.md` §1.3, §1.4, §1.8.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::directory::{AssignmentRecord, Change, Directory, GroupKind, JournalEntry, password_digest};
use crate::config::CommonSettings;
use crate::error::ProviderError;
use crate::model::{Action, ActionParams, ErrorKind};
use crate::providers::{Mode, Outcome};

/// Everything a decision needs besides the directory and the user.
pub struct Ctx<'a> {
    pub tenant: &'a str,
    pub common: &'a CommonSettings,
    pub mode: Mode,
    pub params: &'a ActionParams,
    pub restore: Option<&'a Value>,
    pub now: Timestamp,
}

impl Ctx<'_> {
    fn dry(&self) -> bool {
        self.mode == Mode::DryRun
    }

    /// "would disable sign-in" in a dry run, "disabled sign-in" otherwise.
    fn say(&self, would: &str, did: &str) -> String {
        if self.dry() { format!("would {would}") } else { did.to_string() }
    }
}

/// Decide `action` for user `u`.
pub fn plan(
    dir: &Directory,
    u: u32,
    action: Action,
    cx: &Ctx<'_>,
) -> Result<(Outcome, Option<JournalEntry>), ProviderError> {
    let (outcome, change) = match action {
        Action::Disable | Action::Enable => set_enabled(dir, u, action == Action::Enable, cx),
        Action::ResetPassword => return reset_password(dir, u, cx),
        Action::RevokeSessions => revoke_sessions(dir, u, cx),
        Action::EnforceMfa => {
            let g = mfa_group(dir, cx, cx.params.phishing_resistant)?;
            membership(dir, u, g, true, cx)?
        }
        Action::UnenforceMfa => {
            let g = match cx.restore.and_then(|r| r.get("group")) {
                Some(v) => recorded_group(dir, v)?,
                None => mfa_group(dir, cx, cx.params.phishing_resistant)?,
            };
            membership(dir, u, g, false, cx)?
        }
        Action::Restrict | Action::Unrestrict => {
            let g =
                configured_group(dir, cx, cx.common.restricted_group.as_deref(), "--restricted-group", "restricted")?;
            membership(dir, u, g, action == Action::Restrict, cx)?
        }
        Action::RemoveGroups => remove_groups(dir, u, cx)?,
        Action::RestoreGroups => restore_groups(dir, u, cx)?,
        Action::RemoveRoles => remove_roles(dir, u, cx)?,
        Action::RestoreRoles => restore_roles(dir, u, cx)?,
    };
    Ok((outcome, change.filter(|_| !cx.dry()).map(|change| entry(dir, u, action, change, cx))))
}

fn entry(dir: &Directory, u: u32, action: Action, change: Change, cx: &Ctx<'_>) -> JournalEntry {
    JournalEntry {
        seq: 0,
        at: cx.now,
        pid: std::process::id(),
        action,
        user: dir.users[u as usize].id.to_string(),
        change,
    }
}

fn outcome(changed: bool, message: String, before: Value, after: Value) -> Outcome {
    Outcome { changed, message, before, after, ..Outcome::default() }
}

fn synced_hint(dir: &Directory, u: u32) -> String {
    format!(
        "`{}` is synced from on-premises AD: do it on the AD tenant as well (`--tenant <ad-tenant>`)",
        dir.users[u as usize].upn
    )
}

fn set_enabled(dir: &Directory, u: u32, enable: bool, cx: &Ctx<'_>) -> (Outcome, Option<Change>) {
    let user = &dir.users[u as usize];
    let (verb, past) = if enable { ("enable", "enabled") } else { ("disable", "disabled") };
    let changed = user.enabled != enable;
    let message = if changed {
        cx.say(&format!("{verb} sign-in"), &format!("{past} sign-in"))
    } else {
        format!("sign-in already {past}")
    };
    let mut o = outcome(changed, message, json!({"accountEnabled": user.enabled}), json!({"accountEnabled": enable}));
    if user.synced && changed && !enable {
        // Entra: for a synced user "if the account is enabled at on-prem it will unblock
        // the sign-in block placed by admin" at the next sync (api-contracts.md §1.3).
        o.warnings.push(format!("the next directory sync re-enables it; {}", synced_hint(dir, u)));
    }
    (o, changed.then_some(Change::SetEnabled { enabled: enable }))
}

fn reset_password(dir: &Directory, u: u32, cx: &Ctx<'_>) -> Result<(Outcome, Option<JournalEntry>), ProviderError> {
    let user = &dir.users[u as usize];
    if user.synced {
        // The error Graph gives for a passwordProfile PATCH on a synced user
        // (api-contracts.md §1.4, microsoft-graph-docs issue #7301).
        return Err(ProviderError::new(
            ErrorKind::InvalidRequest,
            "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration (the password is mastered on-premises)",
        )
        .with_hint(format!(
            "`{}` is synced from on-premises AD, which masters its password: reset it on the AD tenant instead (`remediate reset-password {} --tenant <ad-tenant>`)",
            user.upn, user.upn
        )));
    }
    let revoke = !cx.params.keep_sessions;
    let before = json!({
        "forceChangePasswordNextSignIn": user.must_change_password(),
        "signInSessionsValidFromDateTime": user.sessions_valid_from(),
    });
    let after = json!({
        "forceChangePasswordNextSignIn": true,
        "forceChangePasswordNextSignInWithMfa": cx.params.with_mfa,
        "sessionsRevoked": revoke,
        "signInSessionsValidFromDateTime": if revoke { Some(cx.now) } else { user.sessions_valid_from() },
    });
    let what = if revoke {
        "the password (to be changed at next sign-in) and revoke sessions"
    } else {
        "the password (to be changed at next sign-in), sessions kept"
    };
    let mut o = outcome(true, cx.say(&format!("reset {what}"), &format!("reset {what}")), before, after);
    if cx.dry() {
        return Ok((o, None));
    }
    let password = crate::password::generate();
    let change = Change::SetPassword {
        password_sha256: password_digest(&user.id, password.expose()),
        with_mfa: cx.params.with_mfa,
        revoke_sessions: revoke,
    };
    o.secret = Some(password);
    Ok((o, Some(entry(dir, u, Action::ResetPassword, change, cx))))
}

fn revoke_sessions(dir: &Directory, u: u32, cx: &Ctx<'_>) -> (Outcome, Option<Change>) {
    let user = &dir.users[u as usize];
    let o = outcome(
        true,
        cx.say("revoke sign-in sessions", "revoked sign-in sessions"),
        json!({"signInSessionsValidFromDateTime": user.sessions_valid_from()}),
        json!({"signInSessionsValidFromDateTime": cx.now}),
    );
    (o, Some(Change::RevokeSessions))
}

/// `{"id", "name"}` of a group, as before-states record it.
fn gref(dir: &Directory, g: u32) -> Value {
    let g = &dir.groups[g as usize];
    json!({"id": &*g.id, "name": &*g.name})
}

fn group_list_hint(dir: &Directory) -> String {
    format!("the groups of this sandbox are: {}", dir.group_names().join(", "))
}

fn unknown_group(dir: &Directory, key: &str) -> ProviderError {
    ProviderError::not_found(format!("no group `{key}` in sandbox `{}`", dir.tenant)).with_hint(group_list_hint(dir))
}

/// The group a tenant setting names; it must exist and take direct members.
fn configured_group(
    dir: &Directory,
    cx: &Ctx<'_>,
    setting: Option<&str>,
    flag: &str,
    what: &str,
) -> Result<u32, ProviderError> {
    let Some(key) = setting else {
        return Err(ProviderError::new(
            ErrorKind::InvalidRequest,
            format!("tenant `{}` has no {what} group configured", cx.tenant),
        )
        .with_hint(format!(
            "set `{flag} GROUP` on the tenant (`remediate tenant add {} --provider sandbox {flag} GROUP ...`); {}",
            cx.tenant,
            group_list_hint(dir)
        )));
    };
    let g = dir.group(key).ok_or_else(|| {
        ProviderError::not_found(format!(
            "the {what} group `{key}` (`{flag}`) does not exist in sandbox `{}`",
            dir.tenant
        ))
        .with_hint(format!("fix `{flag}` on the tenant; {}", group_list_hint(dir)))
    })?;
    if dir.groups[g as usize].kind != GroupKind::Static {
        return Err(ProviderError::new(
            ErrorKind::InvalidRequest,
            format!("the {what} group `{key}` is dynamic or synced: members cannot be added or removed here"),
        )
        .with_hint(format!("point `{flag}` at a static group")));
    }
    Ok(g)
}

fn mfa_group(dir: &Directory, cx: &Ctx<'_>, phishing_resistant: bool) -> Result<u32, ProviderError> {
    if phishing_resistant {
        let setting = cx.common.phishing_resistant_mfa_group.as_deref();
        configured_group(dir, cx, setting, "--phishing-resistant-mfa-group", "phishing-resistant MFA")
    } else {
        configured_group(dir, cx, cx.common.mfa_group.as_deref(), "--mfa-group", "MFA")
    }
}

/// A group recorded in a before-state: `{"id","name"}` (id first) or a bare id or name.
fn recorded_group(dir: &Directory, v: &Value) -> Result<u32, ProviderError> {
    let (id, name) = match v {
        Value::String(s) => (Some(s.as_str()), None),
        _ => (v.get("id").and_then(Value::as_str), v.get("name").and_then(Value::as_str)),
    };
    id.and_then(|id| dir.group(id))
        .or_else(|| name.and_then(|n| dir.group(n)))
        .ok_or_else(|| unknown_group(dir, id.or(name).unwrap_or("?")))
}

/// Add to or remove from one static group; idempotent.
fn membership(
    dir: &Directory,
    u: u32,
    g: u32,
    add: bool,
    cx: &Ctx<'_>,
) -> Result<(Outcome, Option<Change>), ProviderError> {
    let was = dir.is_member(u, g);
    let name = &dir.groups[g as usize].name;
    let changed = was != add;
    let message = match (changed, add) {
        (true, true) => cx.say(&format!("add to `{name}`"), &format!("added to `{name}`")),
        (true, false) => cx.say(&format!("remove from `{name}`"), &format!("removed from `{name}`")),
        (false, true) => format!("already a member of `{name}`"),
        (false, false) => format!("not a member of `{name}`"),
    };
    let before = json!({"group": gref(dir, g), "was_member": was});
    let after = json!({"group": gref(dir, g), "member": add});
    let ids = vec![dir.groups[g as usize].id.to_string()];
    let change =
        changed.then_some(if add { Change::AddGroups { groups: ids } } else { Change::RemoveGroups { groups: ids } });
    Ok((outcome(changed, message, before, after), change))
}

fn names(dir: &Directory, groups: &[u32]) -> String {
    groups.iter().map(|g| &*dir.groups[*g as usize].name).collect::<Vec<_>>().join(", ")
}

fn remove_groups(dir: &Directory, u: u32, cx: &Ctx<'_>) -> Result<(Outcome, Option<Change>), ProviderError> {
    let filtered = !cx.params.groups.is_empty();
    let targets: Vec<u32> = if filtered {
        let mut named = Vec::new();
        for key in &cx.params.groups {
            let g = dir.group(key).ok_or_else(|| unknown_group(dir, key))?;
            if dir.is_member(u, g) && !named.contains(&g) {
                named.push(g);
            }
        }
        named
    } else {
        dir.memberships(u)
    };
    // The tenant's own security-control groups stay unless named: removing a user from
    // the restricted or MFA group would silently lift a control someone put there.
    let controls: Vec<(u32, &str)> = [
        (cx.common.restricted_group.as_deref(), "a security control (the tenant's restricted group): use `unrestrict`"),
        (
            cx.common.mfa_group.as_deref(),
            "a security control (the tenant's MFA group): name it with `--group` to remove it",
        ),
        (
            cx.common.phishing_resistant_mfa_group.as_deref(),
            "a security control (the tenant's phishing-resistant MFA group): name it with `--group` to remove it",
        ),
    ]
    .into_iter()
    .filter_map(|(key, reason)| Some((dir.group(key?)?, reason)))
    .collect();
    let (mut removed, mut skipped, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    for g in targets {
        let group = &dir.groups[g as usize];
        let reason = match &group.kind {
            GroupKind::Dynamic { rule } => Some(format!(
                "dynamic membership (rule `{rule}`): the rule adds the user back; change the rule instead"
            )),
            GroupKind::Synced => Some(format!(
                "synced from on-premises AD: remove the membership on the `ad` tenant ({})",
                "cloud writes to on-premises mastered objects fail"
            )),
            GroupKind::Static => None,
        };
        if let Some(reason) = reason {
            warnings.push(format!("skipped `{}`: {reason}", group.name));
            skipped.push(json!({"id": &*group.id, "name": &*group.name, "reason": reason}));
        } else if let Some((_, reason)) = controls.iter().find(|(c, _)| *c == g).filter(|_| !filtered) {
            skipped.push(json!({"id": &*group.id, "name": &*group.name, "reason": reason}));
        } else {
            removed.push(g);
        }
    }
    let changed = !removed.is_empty();
    let mut message = if changed {
        let n = removed.len();
        let list = names(dir, &removed);
        let s = if n == 1 { "" } else { "s" };
        cx.say(&format!("remove from {n} group{s}: {list}"), &format!("removed from {n} group{s}: {list}"))
    } else {
        "no group memberships to remove".to_string()
    };
    if !skipped.is_empty() {
        let list: Vec<&str> = skipped.iter().filter_map(|s| s["name"].as_str()).collect();
        message.push_str(&format!("; skipped {}", list.join(", ")));
    }
    let refs: Vec<Value> = removed.iter().map(|g| gref(dir, *g)).collect();
    let mut o = outcome(changed, message, json!({"groups": refs}), json!({"removed": refs, "skipped": skipped}));
    o.warnings = warnings;
    let ids = removed.iter().map(|g| dir.groups[*g as usize].id.to_string()).collect();
    Ok((o, changed.then_some(Change::RemoveGroups { groups: ids })))
}

fn restore_list<'a>(cx: &Ctx<'a>, key: &str, inverse_of: Action) -> Result<&'a Vec<Value>, ProviderError> {
    cx.restore.and_then(|r| r.get(key)).and_then(Value::as_array).ok_or_else(|| {
        ProviderError::new(
            ErrorKind::InvalidRequest,
            format!("no recorded `{key}` to restore: this step needs the before-state of a `{inverse_of}` result"),
        )
        .with_hint("run it through `remediate undo BATCH_ID`, which passes the recorded state")
    })
}

fn restore_groups(dir: &Directory, u: u32, cx: &Ctx<'_>) -> Result<(Outcome, Option<Change>), ProviderError> {
    let recorded = restore_list(cx, "groups", Action::RemoveGroups)?;
    let (mut added, mut all, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    for v in recorded {
        let g = recorded_group(dir, v)?;
        all.push(gref(dir, g));
        if dir.groups[g as usize].kind != GroupKind::Static {
            if !dir.is_member(u, g) {
                warnings
                    .push(format!("`{}` is dynamic or synced: cannot add members here", dir.groups[g as usize].name));
            }
        } else if !dir.is_member(u, g) && !added.contains(&g) {
            added.push(g);
        }
    }
    let changed = !added.is_empty();
    let message = if changed {
        let (n, list) = (added.len(), names(dir, &added));
        let s = if n == 1 { "" } else { "s" };
        cx.say(&format!("re-add to {n} group{s}: {list}"), &format!("re-added to {n} group{s}: {list}"))
    } else {
        "already a member of every recorded group".to_string()
    };
    let refs: Vec<Value> = added.iter().map(|g| gref(dir, *g)).collect();
    let mut o = outcome(changed, message, json!({"groups": refs}), json!({"groups": all}));
    o.warnings = warnings;
    let ids = added.iter().map(|g| dir.groups[*g as usize].id.to_string()).collect();
    Ok((o, changed.then_some(Change::AddGroups { groups: ids })))
}

fn role_names(dir: &Directory, u: u32, except: &[usize]) -> Vec<String> {
    dir.users[u as usize]
        .roles
        .iter()
        .enumerate()
        .filter(|(i, _)| !except.contains(i))
        .map(|(_, a)| dir.roles[a.role as usize].name.to_string())
        .collect()
}

fn remove_roles(dir: &Directory, u: u32, cx: &Ctx<'_>) -> Result<(Outcome, Option<Change>), ProviderError> {
    let user = &dir.users[u as usize];
    let selected: Vec<usize> = if cx.params.roles.is_empty() {
        (0..user.roles.len()).collect()
    } else {
        let mut roles = Vec::new();
        let mut by_assignment = Vec::new();
        for key in &cx.params.roles {
            if let Some(r) = dir.role(key) {
                roles.push(r);
            } else if let Some(i) = user.roles.iter().position(|a| a.id.eq_ignore_ascii_case(key.trim())) {
                by_assignment.push(i);
            } else {
                return Err(ProviderError::not_found(format!("no role `{key}` in sandbox `{}`", dir.tenant))
                    .with_hint(format!("the roles of this sandbox are: {}", dir.role_names().join(", "))));
            }
        }
        (0..user.roles.len()).filter(|i| roles.contains(&user.roles[*i].role) || by_assignment.contains(i)).collect()
    };
    let records: Vec<Value> = selected
        .iter()
        .map(|i| {
            let a = &user.roles[*i];
            let r = &dir.roles[a.role as usize];
            json!({"assignment_id": &*a.id, "role_id": &*r.id, "role_name": &*r.name, "scope": &*a.scope})
        })
        .collect();
    let changed = !selected.is_empty();
    let message = if changed {
        let list: Vec<&str> = selected.iter().map(|i| &*dir.roles[user.roles[*i].role as usize].name).collect();
        let (n, list) = (list.len(), list.join(", "));
        let s = if n == 1 { "" } else { "s" };
        cx.say(&format!("remove {n} role assignment{s}: {list}"), &format!("removed {n} role assignment{s}: {list}"))
    } else {
        "no role assignments to remove".to_string()
    };
    let after = json!({"roles": role_names(dir, u, &selected)});
    let ids = selected.iter().map(|i| user.roles[*i].id.to_string()).collect();
    Ok((
        outcome(changed, message, json!({"roles": records}), after),
        changed.then_some(Change::RemoveRoles { assignments: ids }),
    ))
}

fn restore_roles(dir: &Directory, u: u32, cx: &Ctx<'_>) -> Result<(Outcome, Option<Change>), ProviderError> {
    let recorded = restore_list(cx, "roles", Action::RemoveRoles)?;
    let user = &dir.users[u as usize];
    let mut created: Vec<AssignmentRecord> = Vec::new();
    let mut records = Vec::new();
    for v in recorded {
        let id = v.get("role_id").and_then(Value::as_str);
        let name = v.get("role_name").and_then(Value::as_str);
        let role = id.and_then(|k| dir.role(k)).or_else(|| name.and_then(|k| dir.role(k))).ok_or_else(|| {
            ProviderError::not_found(format!("no role `{}` in sandbox `{}`", id.or(name).unwrap_or("?"), dir.tenant))
                .with_hint(format!("the roles of this sandbox are: {}", dir.role_names().join(", ")))
        })?;
        let scope = v.get("scope").and_then(Value::as_str).unwrap_or("/");
        let r = &dir.roles[role as usize];
        let exists = user.roles.iter().any(|a| a.role == role && &*a.scope == scope)
            || created.iter().any(|a| a.role == *r.id && a.scope == scope);
        if exists {
            continue;
        }
        let a = AssignmentRecord {
            id: format!("ra-{}", dir.next_assignment + created.len() as u64),
            role: r.id.to_string(),
            scope: scope.to_string(),
        };
        records.push(json!({"assignment_id": a.id, "role_id": &*r.id, "role_name": &*r.name, "scope": scope}));
        created.push(a);
    }
    let changed = !created.is_empty();
    let message = if changed {
        let list: Vec<&str> = records.iter().filter_map(|r| r["role_name"].as_str()).collect();
        let (n, list) = (list.len(), list.join(", "));
        let s = if n == 1 { "" } else { "s" };
        cx.say(
            &format!("re-create {n} role assignment{s}: {list}"),
            &format!("re-created {n} role assignment{s}: {list}"),
        )
    } else {
        "every recorded role assignment already exists".to_string()
    };
    let mut after_names = role_names(dir, u, &[]);
    after_names.extend(records.iter().filter_map(|r| r["role_name"].as_str().map(String::from)));
    let o = outcome(changed, message, json!({"roles": records}), json!({"roles": after_names}));
    Ok((o, changed.then_some(Change::AddRoles { assignments: created })))
}
