//! The actions: enable/disable, reset-password, group and privileged-group membership,
//! restrict/unrestrict; and `tenant test`'s permission checks.
//!
//! Each action re-reads what it changes (the engine's state may be a few seconds old), is
//! idempotent (`changed: false` when already so), changes nothing in a dry run, and records
//! in `before` what its inverse needs.

use std::collections::HashSet;

use ldap3::{LdapResult, Mod, Scope};
use serde_json::{Value, json};

use super::conn::{Conn, Entry};
use super::filter::{self, UAC_ACCOUNTDISABLE, UAC_DONT_EXPIRE_PASSWORD, dn_key, eq};
use super::{Ad, Domain, Group, errors, uac};
use crate::error::ProviderError;
use crate::model::{Action, ErrorKind};
use crate::password;
use crate::providers::{ApplyContext, Check, Mode, Outcome, UserRef};
use crate::secret::Secret;

/// Which membership family an action works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Groups,
    Roles,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Groups => "groups",
            Kind::Roles => "roles",
        }
    }

    /// Before-states use the shapes the engine's `undo` reads back: `{"id", "name"}` for a
    /// group, `{"role_id", "role_name"}` for a role (here: a privileged group).
    fn records(self, groups: &[Group]) -> Value {
        let list: Vec<Value> = groups
            .iter()
            .map(|g| match self {
                Kind::Groups => g.record(),
                Kind::Roles => json!({"role_id": g.dn, "role_name": g.name}),
            })
            .collect();
        json!({self.key(): list})
    }
}

/// A group recorded in a before-state: `{"id"|"role_id"|"dn": DN, ...}` or a bare DN.
fn recorded_group(v: &Value) -> Option<Group> {
    let dn = match v {
        Value::String(s) => s.as_str(),
        _ => ["id", "role_id", "dn"].iter().find_map(|k| v.get(*k).and_then(Value::as_str))?,
    };
    Some(Group::from_dn(dn))
}

fn set(v: impl Into<Vec<u8>>) -> HashSet<Vec<u8>> {
    HashSet::from([v.into()])
}

/// Replace the hint of a permission failure with what to grant for this action.
fn on_denied(mut e: ProviderError, hint: &str) -> ProviderError {
    if e.kind == ErrorKind::Permission {
        e.hint = Some(hint.into());
    }
    e
}

const UAC_RIGHT: &str = "grant the bind account write access to `userAccountControl` on the users (or their OU)";
const RESET_RIGHT: &str = "grant the bind account the `Reset Password` extended right and write access to \
     `pwdLastSet` and `userAccountControl` on the users (or their OU)";
const MEMBER_RIGHT: &str = "grant the bind account write access to the group's `member` attribute \
     (Domain Admins and the other protected groups take it from AdminSDHolder)";

/// A value of `ctx.restore` (the `before` of the result being undone).
fn restored_bool(ctx: &ApplyContext<'_>, key: &str) -> Option<bool> {
    ctx.restore.and_then(|r| r.get(key)).and_then(Value::as_bool)
}

impl Ad {
    /// disable / enable: flip ACCOUNTDISABLE (0x2) and nothing else. The write is a
    /// delete-old-value + add-new-value in one modify, so that a concurrent change of another
    /// bit makes it fail (then re-read) instead of being overwritten [source: samba
    /// `python/samba/samdb.py` `toggle_userAccountFlags`; api-contracts §4.3].
    pub(super) async fn set_enabled(
        &self,
        user: &UserRef,
        enable: bool,
        ctx: ApplyContext<'_>,
    ) -> Result<Outcome, ProviderError> {
        let word = if enable { "enabled" } else { "disabled" };
        if let Some(was) = restored_bool(&ctx, "accountEnabled")
            && was != enable
        {
            return Ok(Outcome {
                message: format!("left as is: the account was not {word} before the action being undone"),
                ..Outcome::default()
            });
        }
        let mut c = self.pool.get().await?;
        for _attempt in 0..3 {
            let e = self.read_user(&mut c, &user.id, &["userAccountControl"]).await?;
            let old = uac(&e)?;
            let disabled = old & UAC_ACCOUNTDISABLE != 0;
            let before = json!({"accountEnabled": !disabled, "userAccountControl": old});
            if disabled != enable {
                return Ok(Outcome {
                    message: format!("already {word}"),
                    after: before.clone(),
                    before,
                    ..Outcome::default()
                });
            }
            let new = if enable { old & !UAC_ACCOUNTDISABLE } else { old | UAC_ACCOUNTDISABLE };
            let after = json!({"accountEnabled": enable, "userAccountControl": new});
            if ctx.mode == Mode::DryRun {
                let verb = if enable { "enable" } else { "disable" };
                return Ok(Outcome {
                    changed: true,
                    message: format!("would {verb} (userAccountControl {old} → {new})"),
                    before,
                    after,
                    ..Outcome::default()
                });
            }
            let mods = vec![
                Mod::Delete(b"userAccountControl".to_vec(), set(old.to_string())),
                Mod::Add(b"userAccountControl".to_vec(), set(new.to_string())),
            ];
            let res = c.modify(&user.id, mods).await?;
            match res.rc {
                0 => {
                    return Ok(Outcome {
                        changed: true,
                        message: word.to_string(),
                        before,
                        after,
                        ..Outcome::default()
                    });
                }
                // noSuchAttribute: the old value is gone, someone changed the account meanwhile.
                16 => continue,
                _ => return Err(on_denied(errors::result(&res, "modify", &user.id), UAC_RIGHT)),
            }
        }
        Err(ProviderError::new(
            ErrorKind::Transient,
            format!("`{}`: userAccountControl kept changing while it was being written", user.id),
        ))
    }

    /// reset-password: a random password (never logged; only in `Outcome::secret`) and a
    /// forced change at next logon, in one atomic modify: clear DONT_EXPIRE_PASSWORD
    /// (otherwise `pwdLastSet = 0` has no effect [doc: Pwd-Last-Set attribute]), replace
    /// `unicodePwd`, then `pwdLastSet = 0` (a password write resets it to now, so it comes
    /// after [verified Samba 4.17, api-contracts §4.4]). One modify is all-or-nothing: a
    /// password the DC refuses leaves the account as it was [verified on Samba 4.17].
    pub(super) async fn reset_password(&self, user: &UserRef, ctx: ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        let mut warnings = Vec::new();
        if !ctx.params.keep_sessions {
            warnings.push(
                "AD cannot revoke sessions: Kerberos tickets already issued stay valid until they expire; \
                 run `revoke-sessions` on the cloud tenant too"
                    .to_string(),
            );
        }
        for _attempt in 0..3 {
            let e = self
                .read_user(
                    &mut c,
                    &user.id,
                    &["userAccountControl", "sAMAccountName", "displayName", "msDS-ResultantPSO"],
                )
                .await?;
            let old = uac(&e)?;
            let dont_expire = old & UAC_DONT_EXPIRE_PASSWORD != 0;
            let new = old & !UAC_DONT_EXPIRE_PASSWORD;
            let before = json!({"dont_expire_password": dont_expire, "userAccountControl": old});
            let after = json!({"must_change_password": true, "dont_expire_password": false, "userAccountControl": new});
            let clear_note = if dont_expire { " and clear DONT_EXPIRE_PASSWORD" } else { "" };
            if ctx.mode == Mode::DryRun {
                return Ok(Outcome {
                    changed: true,
                    message: format!("would set a random password, force a change at next logon{clear_note}"),
                    before,
                    after,
                    warnings,
                    ..Outcome::default()
                });
            }
            let min_len = d.min_pwd_length.max(self.pso_min_length(&mut c, &e).await);
            let sam = e.str("sAMAccountName").unwrap_or_default();
            let pw = temporary_password(min_len, &sam, e.str("displayName").as_deref());
            let mut mods = Vec::new();
            if dont_expire {
                mods.push(Mod::Delete(b"userAccountControl".to_vec(), set(old.to_string())));
                mods.push(Mod::Add(b"userAccountControl".to_vec(), set(new.to_string())));
            }
            mods.push(Mod::Replace(b"unicodePwd".to_vec(), set(filter::unicode_pwd(pw.expose()))));
            mods.push(Mod::Replace(b"pwdLastSet".to_vec(), set("0")));
            let res = c.modify(&user.id, mods).await?;
            match res.rc {
                0 => {
                    if dont_expire {
                        warnings.push(
                            "cleared DONT_EXPIRE_PASSWORD (0x10000): with it set, the forced change at next logon does not apply"
                                .into(),
                        );
                    }
                    return Ok(Outcome {
                        changed: true,
                        message: format!(
                            "password reset, change forced at next logon{}",
                            if dont_expire { "; DONT_EXPIRE_PASSWORD cleared" } else { "" }
                        ),
                        before,
                        after,
                        warnings,
                        secret: Some(pw),
                        ..Outcome::default()
                    });
                }
                16 if dont_expire => continue,
                19 => {
                    return Err(errors::result(&res, "password reset", &user.id).with_hint(
                        "the DC's password policy refused the generated password (a fine-grained password policy, \
                         or password history); nothing was changed",
                    ));
                }
                _ => return Err(on_denied(errors::result(&res, "password reset", &user.id), RESET_RIGHT)),
            }
        }
        Err(ProviderError::new(
            ErrorKind::Transient,
            format!("`{}`: userAccountControl kept changing while the password was being reset", user.id),
        ))
    }

    /// The minimum length of the fine-grained password policy that applies to the user, where
    /// the bind account may read it [doc: learn.microsoft.com ms-DS-Resultant-PSO attribute].
    async fn pso_min_length(&self, c: &mut Conn<'_>, user: &Entry) -> usize {
        let Some(pso) = user.str("msDS-ResultantPSO") else { return 0 };
        match c.read(&pso, "(objectClass=*)", &["msDS-MinimumPasswordLength"]).await {
            Ok(Some(e)) => e.int("msDS-MinimumPasswordLength").unwrap_or(0).max(0) as usize,
            _ => 0,
        }
    }

    /// Add (`add`) or remove the user as a `member` of the group. `Ok(false)`: it already was
    /// (or was not) a member. Samba answers a duplicate add with 68 entryAlreadyExists and a
    /// removal of a non-member with 53 unwillingToPerform [verified Samba 4.17, api-contracts
    /// §4.5]; RFC 4511 servers use 20 and 16.
    pub(super) async fn set_member(
        &self,
        c: &mut Conn<'_>,
        group: &Group,
        user_dn: &str,
        add: bool,
    ) -> Result<bool, ProviderError> {
        let mods = if add {
            vec![Mod::Add(b"member".to_vec(), set(user_dn))]
        } else {
            vec![Mod::Delete(b"member".to_vec(), set(user_dn))]
        };
        let res: LdapResult = c.modify(&group.dn, mods).await?;
        match (res.rc, add) {
            (0, _) => Ok(true),
            (68 | 20, true) | (16, false) => Ok(false),
            // 53 also means other refusals: believe "not a member" only after checking.
            (53, false) if !self.is_member(c, group, user_dn).await? => Ok(false),
            _ => Err(on_denied(errors::result(&res, "modify", &group.dn), MEMBER_RIGHT)),
        }
    }

    async fn is_member(&self, c: &mut Conn<'_>, group: &Group, user_dn: &str) -> Result<bool, ProviderError> {
        Ok(c.read(&group.dn, &eq("member", user_dn), &["cn"]).await?.is_some())
    }

    /// The configured groups that an unfiltered `remove-groups` leaves alone.
    async fn profile_groups(&self, c: &mut Conn<'_>, d: &Domain) -> Result<Vec<(Group, &'static str)>, ProviderError> {
        let mut out = Vec::new();
        for (name, field) in [
            (&self.common.restricted_group, "the tenant's restricted group (`unrestrict` removes it)"),
            (&self.common.mfa_group, "the tenant's MFA group"),
            (&self.common.phishing_resistant_mfa_group, "the tenant's phishing-resistant MFA group"),
        ] {
            let Some(name) = name else { continue };
            match self.resolve_group(c, d, name).await {
                Ok(g) => out.push((g, field)),
                // A configured group that does not exist has no members to protect.
                Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::InvalidRequest) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// remove-groups / remove-roles: delete the user from each group's `member` (the user's
    /// `memberOf` is a read-only back-link [doc: api-contracts §4.5]). The primary group is
    /// not in `member` and stays; privileged groups are left to remove-roles; the tenant's
    /// restricted/MFA groups are kept unless named. If one removal fails, the ones already
    /// done are put back, so the account ends as it started.
    pub(super) async fn remove_memberships(
        &self,
        user: &UserRef,
        ctx: ApplyContext<'_>,
        kind: Kind,
    ) -> Result<Outcome, ProviderError> {
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        let mut attrs = vec!["memberOf", "primaryGroupID"];
        if kind == Kind::Roles {
            attrs.push("tokenGroups");
        }
        let e = self.read_user(&mut c, &user.id, &attrs).await?;
        let member_of: Vec<String> = e.strs("memberOf");
        let is_direct = |dn: &str| member_of.iter().any(|m| dn_key(m) == dn_key(dn));
        let primary = self.primary_group(&mut c, d, &e).await?;
        let is_primary = |g: &Group| primary.as_ref().is_some_and(|p| dn_key(&p.dn) == dn_key(&g.dn));
        let mut targets: Vec<Group> = Vec::new();
        let mut kept: Vec<Value> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let keep = |g: &Group, reason: &str, kept: &mut Vec<Value>| {
            kept.push(json!({"id": g.dn, "name": g.name, "reason": reason}))
        };
        const PRIMARY: &str = "primary group: AD keeps it outside `member`; change the user's primary group first";
        match kind {
            Kind::Roles => {
                let wanted: Vec<Group> = if ctx.params.roles.is_empty() {
                    d.privileged.clone()
                } else {
                    let mut v = Vec::new();
                    for r in &ctx.params.roles {
                        let g = self.resolve_group(&mut c, d, r).await?;
                        let Some(p) = d.is_privileged(&g.dn) else {
                            return Err(ProviderError::new(
                                ErrorKind::InvalidRequest,
                                format!("`{r}` is not one of the privileged groups ({})", names(&d.privileged)),
                            )
                            .with_hint("use `remove-groups --group` for other groups, or list it in the profile's `privileged_groups`"));
                        };
                        v.push(p.clone());
                    }
                    v
                };
                let tokens: Vec<String> =
                    e.bytes("tokenGroups").iter().filter_map(|b| filter::sid_to_string(b)).collect();
                for g in wanted {
                    if is_primary(&g) {
                        keep(&g, PRIMARY, &mut kept);
                    } else if is_direct(&g.dn) {
                        targets.push(g);
                    } else if g.sid.as_ref().is_some_and(|s| tokens.contains(s)) {
                        notes.push(format!(
                            "still holds `{}` through a nested group: remove that group with `remove-groups --group`",
                            g.name
                        ));
                    }
                }
            }
            Kind::Groups if !ctx.params.groups.is_empty() => {
                for name in &ctx.params.groups {
                    let g = self.resolve_group(&mut c, d, name).await?;
                    if is_primary(&g) {
                        keep(&g, PRIMARY, &mut kept);
                    } else if !is_direct(&g.dn) {
                        notes.push(format!("not a member of `{}`", g.name));
                    } else if d.is_privileged(&g.dn).is_some() {
                        keep(&g, "privileged group: use `remove-roles`", &mut kept);
                    } else {
                        targets.push(g);
                    }
                }
            }
            Kind::Groups => {
                let protected = self.profile_groups(&mut c, d).await?;
                for dn in &member_of {
                    let g = Group::from_dn(dn);
                    if let Some(p) = d.is_privileged(dn) {
                        keep(p, "privileged group: use `remove-roles`", &mut kept);
                    } else if let Some((_, why)) = protected.iter().find(|(p, _)| dn_key(&p.dn) == dn_key(dn)) {
                        keep(&g, why, &mut kept);
                    } else {
                        targets.push(g);
                    }
                }
                if let Some(p) = &primary {
                    keep(p, PRIMARY, &mut kept);
                }
            }
        }
        let what = if kind == Kind::Roles { "privileged groups" } else { "groups" };
        let mut warnings: Vec<String> = kept
            .iter()
            .map(|k| format!("kept `{}`: {}", k["name"].as_str().unwrap_or(""), k["reason"].as_str().unwrap_or("")))
            .collect();
        warnings.extend(notes);
        let listed = |v: &[Group]| v.iter().map(|g| format!("`{}`", g.name)).collect::<Vec<_>>().join(", ");
        let after = |removed: &[Group]| json!({"removed": kind.records(removed)[kind.key()], "skipped": kept});
        if targets.is_empty() {
            return Ok(Outcome {
                message: format!("no {what} to remove"),
                before: kind.records(&[]),
                after: after(&[]),
                warnings,
                ..Outcome::default()
            });
        }
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would remove from {} {what}: {}", targets.len(), listed(&targets)),
                before: kind.records(&targets),
                after: after(&targets),
                warnings,
                ..Outcome::default()
            });
        }
        let mut removed: Vec<Group> = Vec::new();
        for g in &targets {
            match self.set_member(&mut c, g, &user.id, false).await {
                Ok(true) => removed.push(g.clone()),
                Ok(false) => {}
                Err(err) => return Err(self.roll_back(&mut c, &user.id, &removed, err).await),
            }
        }
        let message = if removed.is_empty() {
            format!("no {what} to remove")
        } else {
            format!("removed from {} {what}: {}", removed.len(), listed(&removed))
        };
        Ok(Outcome {
            changed: !removed.is_empty(),
            message,
            before: kind.records(&removed),
            after: after(&removed),
            warnings,
            ..Outcome::default()
        })
    }

    /// Put back memberships removed before `err`; the error then says what state remains.
    async fn roll_back(
        &self,
        c: &mut Conn<'_>,
        user_dn: &str,
        removed: &[Group],
        mut err: ProviderError,
    ) -> ProviderError {
        if removed.is_empty() {
            return err;
        }
        let mut lost = Vec::new();
        for g in removed {
            if self.set_member(c, g, user_dn, true).await.is_err() {
                lost.push(format!("`{}`", g.dn));
            }
        }
        if lost.is_empty() {
            err.message.push_str(&format!("; the {} memberships already removed were restored", removed.len()));
        } else {
            err.message
                .push_str(&format!("; could not restore the membership in {}: add it back by hand", lost.join(", ")));
        }
        err
    }

    /// The user's primary group (`primaryGroupID` is a RID in the user's domain).
    async fn primary_group(&self, c: &mut Conn<'_>, d: &Domain, user: &Entry) -> Result<Option<Group>, ProviderError> {
        let Some(rid) = user.int("primaryGroupID") else { return Ok(None) };
        let sid = format!("{}-{rid}", d.sid);
        let found =
            c.search(self.group_base(d), Scope::Subtree, &eq("objectSid", &sid), &super::GROUP_ATTRS, Some(1)).await?;
        Ok(found.first().map(super::group_of))
    }

    /// restore-groups / restore-roles: add the user back to the groups a remove recorded.
    pub(super) async fn restore_memberships(
        &self,
        user: &UserRef,
        ctx: ApplyContext<'_>,
        kind: Kind,
    ) -> Result<Outcome, ProviderError> {
        let action = if kind == Kind::Roles { Action::RestoreRoles } else { Action::RestoreGroups };
        let undone = if kind == Kind::Roles { "remove-roles" } else { "remove-groups" };
        let Some(list) = ctx.restore.and_then(|r| r.get(kind.key())).and_then(Value::as_array) else {
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("`{action}` needs the {} recorded by `{undone}`", kind.key()),
            )
            .with_hint("run it through `remediate undo BATCH_ID`"));
        };
        let groups: Vec<Group> = list.iter().filter_map(recorded_group).collect();
        let mut c = self.pool.get().await?;
        let e = self.read_user(&mut c, &user.id, &["memberOf"]).await?;
        let member_of: Vec<String> = e.strs("memberOf").iter().map(|m| dn_key(m)).collect();
        let missing: Vec<Group> = groups.into_iter().filter(|g| !member_of.contains(&dn_key(&g.dn))).collect();
        let listed = |v: &[Group]| v.iter().map(|g| format!("`{}`", g.name)).collect::<Vec<_>>().join(", ");
        if missing.is_empty() {
            return Ok(Outcome {
                message: format!("already in every recorded {}", kind.key()),
                before: kind.records(&[]),
                ..Outcome::default()
            });
        }
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would add back to {}", listed(&missing)),
                before: kind.records(&missing),
                after: kind.records(&missing),
                ..Outcome::default()
            });
        }
        let mut added = Vec::new();
        let mut failed: Vec<ProviderError> = Vec::new();
        for g in &missing {
            match self.set_member(&mut c, g, &user.id, true).await {
                Ok(true) => added.push(g.clone()),
                Ok(false) => {}
                Err(err) => failed.push(err),
            }
        }
        if let Some(first) = failed.first() {
            let mut err = first.clone();
            if failed.len() > 1 {
                err.message.push_str(&format!(" (and {} more failures)", failed.len() - 1));
            }
            if !added.is_empty() {
                err.message.push_str(&format!("; added back to {}", listed(&added)));
            }
            return Err(err);
        }
        Ok(Outcome {
            changed: !added.is_empty(),
            message: format!("added back to {}", listed(&added)),
            before: kind.records(&added),
            after: kind.records(&added),
            ..Outcome::default()
        })
    }

    /// restrict / unrestrict: membership of the profile's `restricted_group`.
    pub(super) async fn restrict(
        &self,
        user: &UserRef,
        ctx: ApplyContext<'_>,
        add: bool,
    ) -> Result<Outcome, ProviderError> {
        let Some(name) = &self.common.restricted_group else {
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("no `restricted_group` is configured for tenant `{}`", self.tenant),
            )
            .with_hint(format!(
                "set one: `remediate tenant add {} --provider ad ... --restricted-group GROUP`",
                self.tenant
            )));
        };
        if let Some(was) = restored_bool(&ctx, "was_member")
            && was != add
        {
            let state = if add { "was not" } else { "was" };
            return Ok(Outcome {
                message: format!("left as is: the user {state} in the restricted group before the action being undone"),
                ..Outcome::default()
            });
        }
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        let g = self.resolve_group(&mut c, d, name).await?;
        let verb = if add { "added to" } else { "removed from" };
        let before = |was: bool| json!({"group": g.record(), "was_member": was});
        let after = json!({"group": g.record(), "member": add});
        if ctx.mode == Mode::DryRun {
            let member = self.is_member(&mut c, &g, &user.id).await?;
            let changed = member != add;
            let message = if changed {
                format!("would be {verb} `{}`", g.name)
            } else {
                format!("already {}in `{}`", if add { "" } else { "not " }, g.name)
            };
            return Ok(Outcome { changed, message, before: before(member), after, ..Outcome::default() });
        }
        let changed = self.set_member(&mut c, &g, &user.id, add).await?;
        let message = if changed {
            format!("{verb} `{}`", g.name)
        } else {
            format!("already {}in `{}`", if add { "" } else { "not " }, g.name)
        };
        Ok(Outcome { changed, message, before: before(if changed { !add } else { add }), after, ..Outcome::default() })
    }

    /// `tenant test`: bind, base DN, and per action whether the bind account may write what
    /// the action writes, from `allowedAttributesEffective` (the attributes the caller may
    /// write on that object [doc: learn.microsoft.com Allowed-Attributes-Effective attribute]).
    pub(super) async fn run_checks(&self) -> Result<Vec<Check>, ProviderError> {
        let mut checks = Vec::new();
        let at = self.pool.endpoint();
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        let how = if at.starttls { "StartTLS" } else { "LDAPS" };
        let trust = match &at.ca_file {
            _ if self.cfg.insecure_skip_verify => "certificate NOT verified (insecure_skip_verify)".to_string(),
            Some(f) => format!("certificate verified against `{f}`"),
            None => "certificate verified against the system CAs".to_string(),
        };
        checks.push(Check {
            name: "bind".into(),
            ok: true,
            detail: format!("bound as `{}` over {how}; {trust}", self.pool.bind_dn()),
            hint: None,
        });
        let base = &self.cfg.base_dn;
        let base_ok = c.read(base, "(objectClass=*)", &["cn"]).await?.is_some();
        let under = filter::dn_under(base, &d.naming_context);
        checks.push(Check {
            name: "base_dn".into(),
            ok: base_ok && under,
            detail: match (base_ok, under, dn_key(base) == dn_key(&d.naming_context)) {
                (true, _, true) => format!("`{base}` is the domain (defaultNamingContext)"),
                (true, true, false) => format!("`{base}` is inside the domain `{}`", d.naming_context),
                (true, false, _) => format!("`{base}` is outside the domain `{}`", d.naming_context),
                (false, ..) => format!("`{base}` does not exist or is not readable"),
            },
            hint: (!(base_ok && under)).then(|| format!("set `base_dn` to `{}` or an OU inside it", d.naming_context)),
        });
        if d.self_dn.is_none() {
            checks.push(Check {
                name: "self".into(),
                ok: false,
                detail: format!(
                    "the bind account `{}` was not found as a user: the is-self guard cannot recognise it",
                    self.pool.bind_dn()
                ),
                hint: Some("give `bind_dn` as the account's DN or userPrincipalName".into()),
            });
        }

        // A sample user under base_dn (not the bind account) to read effective rights on.
        let users = c
            .search(
                base,
                Scope::Subtree,
                &filter::user("(!(isCriticalSystemObject=TRUE))"),
                &["allowedAttributesEffective"],
                Some(10),
            )
            .await?;
        let sample = users.iter().find(|u| !self.is_self(d, &u.dn));
        let writable =
            |e: &Entry, attr: &str| e.strs("allowedAttributesEffective").iter().any(|a| a.eq_ignore_ascii_case(attr));
        let user_check = |name: &str, attrs: &[&str], hint: &str, extra: &str| match sample {
            None => Check {
                name: name.into(),
                ok: false,
                detail: format!("no user under `{base}` to check the rights on"),
                hint: Some("create a test user in `base_dn`, or check after the first real action".into()),
            },
            Some(u) => {
                let missing: Vec<&str> = attrs.iter().copied().filter(|a| !writable(u, a)).collect();
                Check {
                    name: name.into(),
                    ok: missing.is_empty(),
                    detail: if missing.is_empty() {
                        format!("may write {} on `{}`{extra}", attrs.join(", "), u.dn)
                    } else {
                        format!("may not write {} on `{}`", missing.join(", "), u.dn)
                    },
                    hint: (!missing.is_empty()).then(|| hint.to_string()),
                }
            }
        };
        for a in [Action::Disable, Action::Enable] {
            checks.push(user_check(a.as_str(), &["userAccountControl"], UAC_RIGHT, ""));
        }
        checks.push(user_check(
            Action::ResetPassword.as_str(),
            &["pwdLastSet", "userAccountControl"],
            RESET_RIGHT,
            " (the `Reset Password` extended right itself shows only when a reset is tried)",
        ));
        for a in [Action::RevokeSessions, Action::EnforceMfa] {
            let e = super::unsupported(a).expect("unsupported on AD");
            // Nothing to grant: the action is refused before any request. `ok` so that
            // `tenant test` does not fail every AD tenant for it.
            checks.push(Check {
                name: a.as_str().into(),
                ok: true,
                detail: "not supported by Active Directory: refused before any request, nothing to grant".into(),
                hint: e.hint,
            });
        }

        // Groups: privileged groups (remove-roles), the restricted group, and a sample group.
        let group_rights = async |c: &mut Conn<'_>, g: &Group| -> Result<bool, ProviderError> {
            Ok(c.read(&g.dn, "(objectClass=group)", &["allowedAttributesEffective"])
                .await?
                .is_some_and(|e| writable(&e, "member")))
        };
        let mut denied = Vec::new();
        for g in &d.privileged {
            if !group_rights(&mut c, g).await? {
                denied.push(g.name.clone());
            }
        }
        for a in [Action::RemoveRoles, Action::RestoreRoles] {
            checks.push(Check {
                name: a.as_str().into(),
                ok: denied.is_empty() && !d.privileged.is_empty(),
                detail: if denied.is_empty() {
                    format!("may write `member` of {}", names(&d.privileged))
                } else {
                    format!("may not write `member` of {}", denied.join(", "))
                },
                hint: (!denied.is_empty()).then(|| MEMBER_RIGHT.to_string()),
            });
        }
        let sample_groups = c
            .search(
                self.group_base(d),
                Scope::Subtree,
                "(&(objectClass=group)(!(isCriticalSystemObject=TRUE)))",
                &["allowedAttributesEffective", "sAMAccountName"],
                Some(5),
            )
            .await?;
        let group_check = |name: &str| match sample_groups.first() {
            None => Check {
                name: name.into(),
                ok: true,
                detail: "no ordinary group in the domain to check on".into(),
                hint: None,
            },
            Some(g) => Check {
                name: name.into(),
                ok: writable(g, "member"),
                detail: format!(
                    "{} write `member` of `{}`",
                    if writable(g, "member") { "may" } else { "may not" },
                    g.dn
                ),
                hint: (!writable(g, "member")).then(|| MEMBER_RIGHT.to_string()),
            },
        };
        checks.push(group_check(Action::RemoveGroups.as_str()));
        checks.push(group_check(Action::RestoreGroups.as_str()));
        let restricted = match &self.common.restricted_group {
            None => Err((
                "no `restricted_group` configured".to_string(),
                format!("`remediate tenant add {} --provider ad ... --restricted-group GROUP`", self.tenant),
            )),
            Some(name) => match self.resolve_group(&mut c, d, name).await {
                Ok(g) if group_rights(&mut c, &g).await? => Ok(format!("may write `member` of `{}`", g.dn)),
                Ok(g) => Err((format!("may not write `member` of `{}`", g.dn), MEMBER_RIGHT.to_string())),
                Err(e) => Err((e.message, e.hint.unwrap_or_default())),
            },
        };
        for a in [Action::Restrict, Action::Unrestrict] {
            checks.push(match &restricted {
                Ok(detail) => Check { name: a.as_str().into(), ok: true, detail: detail.clone(), hint: None },
                Err((detail, hint)) => {
                    Check { name: a.as_str().into(), ok: false, detail: detail.clone(), hint: Some(hint.clone()) }
                }
            });
        }
        Ok(checks)
    }
}

/// A temporary password from the shared generator ([`crate::password`]), at least as long as
/// the domain's (or the user's fine-grained policy's) minimum, and passing AD's complexity rule:
/// three character classes, not containing the sAMAccountName nor any token of three or more
/// characters of the displayName, ignoring case [doc: learn.microsoft.com "Password must meet
/// complexity requirements"].
fn temporary_password(min_length: usize, sam: &str, display_name: Option<&str>) -> Secret {
    // AD accepts up to 256 characters in `unicodePwd`; no policy asks for more than 128.
    let len = min_length.clamp(password::LENGTH, 128);
    let tokens: Vec<String> = display_name
        .unwrap_or_default()
        .split([',', '.', '-', '_', '#', '\t', ' '])
        .filter(|t| t.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    loop {
        let mut pw = String::with_capacity(len + password::LENGTH);
        while pw.len() < len {
            pw.push_str(password::generate().expose());
        }
        // The first generated block has every class; truncating keeps it.
        pw.truncate(len);
        let lower = pw.to_lowercase();
        if password::meets_complexity(&pw, sam) && !tokens.iter().any(|t| lower.contains(t.as_str())) {
            return Secret::new(pw);
        }
    }
}

fn names(groups: &[Group]) -> String {
    groups.iter().map(|g| format!("`{}`", g.name)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_follow_the_domain_minimum_and_complexity() {
        for min in [0, 7, 20, 31, 500] {
            let pw = temporary_password(min, "alice", None);
            assert_eq!(pw.expose().len(), min.clamp(password::LENGTH, 128));
            assert!(password::meets_complexity(pw.expose(), "alice"));
        }
    }

    #[test]
    fn temporary_passwords_avoid_display_name_tokens() {
        // Every lower-case letter as a three-letter token would be refused by AD's check;
        // a display name made of many tokens exercises the retry, and none may slip through.
        let letters = "abcdefghijkmnopqrstuvwxyz";
        let name: String = letters.chars().flat_map(|a| letters.chars().map(move |b| format!("{a}{b}{a} "))).collect();
        for _ in 0..20 {
            let pw = temporary_password(20, "bob", Some(&name)).expose().to_lowercase();
            for t in name.split(' ').filter(|t| !t.is_empty()) {
                assert!(!pw.contains(t), "{pw} contains {t}");
            }
        }
    }
}
