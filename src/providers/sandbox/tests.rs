//! Unit tests of the sandbox provider, through the `Provider` trait where possible.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use tempfile::TempDir;

use super::directory::Seed;
use super::*;
use crate::config::{CommonSettings, ProviderConfig, SandboxConfig, TenantProfile};
use crate::model::{ActionParams, ErrorKind};

fn env() -> (TempDir, ProviderEnv) {
    let tmp = tempfile::tempdir().unwrap();
    let env = ProviderEnv { state_dir: tmp.path().join("state") };
    (tmp, env)
}

fn demo(env: &ProviderEnv) -> Sandbox {
    Sandbox::open(&TenantProfile::demo(), env).unwrap()
}

fn generic_profile(name: &str, users: u32, config: SandboxConfig) -> TenantProfile {
    TenantProfile {
        name: name.into(),
        provider: ProviderConfig::Sandbox(SandboxConfig { users: Some(users), ..config }),
        common: CommonSettings {
            restricted_group: Some("restricted-users".into()),
            mfa_group: Some("mfa-required".into()),
            phishing_resistant_mfa_group: Some("mfa-phishing-resistant".into()),
            ..CommonSettings::default()
        },
    }
}

fn params() -> ActionParams {
    ActionParams::default()
}

/// resolve → state → apply, as the engine does.
async fn act_with(
    sb: &Sandbox,
    user: &str,
    action: Action,
    params: &ActionParams,
    restore: Option<&Value>,
    mode: Mode,
) -> Result<Outcome, ProviderError> {
    let r = sb.resolve(user).await?;
    let state = sb.state(&r).await?;
    sb.apply(&r, action, ApplyContext { mode, params, restore, state: &state }).await
}

async fn act(sb: &Sandbox, user: &str, action: Action) -> Outcome {
    act_with(sb, user, action, &params(), None, Mode::Apply).await.unwrap()
}

async fn state(sb: &Sandbox, user: &str) -> UserState {
    let r = sb.resolve(user).await.unwrap();
    sb.state(&r).await.unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

async fn groups(sb: &Sandbox, user: &str) -> Vec<String> {
    strings(&state(sb, user).await.details["groups"])
}

async fn roles(sb: &Sandbox, user: &str) -> Vec<String> {
    strings(&state(sb, user).await.details["roles"])
}

fn entries(env: &ProviderEnv, tenant: &str) -> Vec<JournalEntry> {
    Sandbox::journal_entries(&env.state_dir, tenant).unwrap()
}

fn files(env: &ProviderEnv, tenant: &str) -> Vec<(String, Vec<u8>)> {
    let dir = env.state_dir.join("sandbox").join(tenant);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "lock")
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

// ---- seeding ----------------------------------------------------------------------

#[test]
fn demo_seed_is_deterministic_and_matches_the_design() {
    let a = seed::seed("demo", Seed { users: None });
    let b = seed::seed("demo", Seed { users: None });
    assert_eq!(a.to_snapshot(0), b.to_snapshot(0));
    assert_eq!(a.users.len(), 5 + 45);
    let upns: Vec<&str> = a.users.iter().map(|u| &*u.upn).collect();
    for named in ["alice@demo.test", "bob@demo.test", "carol@demo.test", "dave@demo.test", "breakglass@demo.test"] {
        assert!(upns.contains(&named), "{named}");
    }
    assert!(upns.contains(&"user001@demo.test") && upns.contains(&"user045@demo.test"));
    assert!(!upns.contains(&"user046@demo.test"));
    assert_eq!(
        a.group_names(),
        [
            "sales",
            "engineering",
            "all-staff",
            "hr-synced",
            "restricted-users",
            "mfa-required",
            "mfa-phishing-resistant"
        ]
    );
    assert_eq!(a.role_names(), ["Global Administrator", "User Administrator", "Helpdesk Administrator"]);
    let ids: Vec<&str> = a.top_admins().iter().map(|u| &*a.users[*u as usize].id).collect();
    assert_eq!(ids, ["u-alice", "u-bob"], "the two Global Administrators");
    // every assignment has an id and the directory scope
    let all: Vec<_> = a.users.iter().flat_map(|u| u.roles.iter()).collect();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|r| &*r.scope == "/" && r.id.starts_with("ra-")));
}

#[tokio::test]
async fn demo_users_have_the_documented_state() {
    let (_t, env) = env();
    let sb = demo(&env);
    let alice = state(&sb, "alice@demo.test").await;
    assert_eq!((alice.enabled, alice.top_admin, alice.synced, alice.is_self), (Some(true), true, false, false));
    assert!(groups(&sb, "alice").await.contains(&"sales".to_string()));
    assert!(groups(&sb, "alice").await.contains(&"all-staff".to_string()), "dynamic group counts");
    let carol = state(&sb, "carol@demo.test").await;
    assert!(carol.synced && !carol.top_admin);
    assert_eq!(groups(&sb, "carol").await, ["all-staff", "hr-synced"]);
    assert_eq!(state(&sb, "dave").await.enabled, Some(false));
    let breakglass = state(&sb, "breakglass").await;
    assert_eq!((breakglass.enabled, breakglass.top_admin), (Some(true), false));
    assert_eq!(roles(&sb, "user003").await, ["User Administrator"]);
    assert!(groups(&sb, "user045").await == ["all-staff"]);
    assert_eq!(sb.top_admins().await.unwrap(), ["u-alice", "u-bob"]);
}

#[test]
fn generic_seed_names_users_with_five_digits() {
    let d = seed::seed("Big", Seed { users: Some(12) });
    assert_eq!(d.users.len(), 13);
    assert_eq!(&*d.users[0].upn, "admin@big.test");
    assert_eq!(&*d.users[1].upn, "user00001@big.test");
    assert_eq!(&*d.users[12].upn, "user00012@big.test");
    assert_eq!(d.top_admins(), [0]);
    let sales = d.group("sales").unwrap();
    let members: Vec<u32> = (0..13).filter(|u| d.is_member(*u, sales)).collect();
    assert_eq!(members, [1, 2, 3, 4, 5]);
    let all_staff = d.group("all-staff").unwrap();
    assert!((0..13).all(|u| d.is_member(u, all_staff)));
    for g in ["restricted-users", "mfa-required", "mfa-phishing-resistant"] {
        assert!(d.group(g).is_some(), "{g}");
    }
    assert_eq!(seed::seed("Big", Seed { users: Some(12) }).to_snapshot(0), d.to_snapshot(0));
}

#[tokio::test]
async fn seeding_100k_users_is_fast_and_lookups_are_direct() {
    let (_t, env) = env();
    let start = Instant::now();
    let sb = Sandbox::open(&generic_profile("big", 100_000, SandboxConfig::default()), &env).unwrap();
    let opened = start.elapsed();
    // generous for an unoptimised build on a shared machine; release takes a fraction
    assert!(opened.as_secs_f64() < 3.0, "open took {opened:?}");
    let r = sb.resolve("USER100000@big.test").await.unwrap();
    assert_eq!(r, UserRef { id: "u-user100000".into(), name: "user100000@big.test".into() });
    let start = Instant::now();
    for i in (1..=100_000).step_by(7) {
        sb.resolve(&format!("user{i:05}")).await.unwrap();
    }
    assert!(start.elapsed().as_secs_f64() < 3.0, "14,286 resolves took {:?}", start.elapsed());
}

#[test]
fn lookups_survive_hash_collisions() {
    let mut d = seed::seed("demo", Seed { users: None });
    d.reindex_with(|key| key.len() as u64 % 3);
    for (i, u) in d.users.iter().enumerate() {
        assert_eq!(d.lookup(&u.upn.to_uppercase()), directory::Lookup::Found(i as u32), "{}", u.upn);
        assert_eq!(d.by_id(&u.id), Some(i as u32), "{}", u.id);
    }
    assert_eq!(d.lookup("bob"), directory::Lookup::Found(1));
    assert_eq!(d.lookup("nobody@demo.test"), directory::Lookup::Missing);
    assert_eq!(d.by_id("u-nobody"), None);
}

#[test]
fn a_local_part_in_two_domains_is_ambiguous() {
    let users = vec![
        directory::User::new("u-1".into(), "jo@a.test".into()),
        directory::User::new("u-2".into(), "jo@b.test".into()),
        directory::User::new("u-3".into(), "al@b.test".into()),
    ];
    let d = directory::Directory::new("x".into(), Seed { users: Some(0) }, vec![], vec![], users, 1);
    assert_eq!(d.lookup("jo"), directory::Lookup::Ambiguous);
    assert_eq!(d.lookup("jo@b.test"), directory::Lookup::Found(1));
    assert_eq!(d.lookup("al"), directory::Lookup::Found(2));
}

// ---- resolve and state -----------------------------------------------------------------

#[tokio::test]
async fn resolve_by_upn_id_or_local_part() {
    let (_t, env) = env();
    let sb = demo(&env);
    let alice = UserRef { id: "u-alice".into(), name: "alice@demo.test".into() };
    for input in ["alice@demo.test", "ALICE@Demo.Test", " alice@demo.test ", "u-alice", "alice", "Alice"] {
        assert_eq!(sb.resolve(input).await.unwrap(), alice, "{input}");
    }
    let e = sb.resolve("zed@demo.test").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.message.contains("zed@demo.test"));
    assert!(e.hint.unwrap().contains("alice@demo.test"));
    assert_eq!(sb.resolve("alice@other.test").await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(sb.resolve("").await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn state_of_an_unknown_id_is_not_found() {
    let (_t, env) = env();
    let sb = demo(&env);
    let ghost = UserRef { id: "u-ghost".into(), name: "ghost@demo.test".into() };
    assert_eq!(sb.state(&ghost).await.unwrap_err().kind, ErrorKind::NotFound);
    let st = UserState::default();
    let ctx = ApplyContext { mode: Mode::Apply, params: &params(), restore: None, state: &st };
    assert_eq!(sb.apply(&ghost, Action::Disable, ctx).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn top_admins_leaves_out_disabled_admins() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "bob", Action::Disable).await;
    assert_eq!(sb.top_admins().await.unwrap(), ["u-alice"]);
    assert!(state(&sb, "bob").await.top_admin, "still holds the role");
    let before = act(&sb, "alice", Action::RemoveRoles).await.before;
    assert!(sb.top_admins().await.unwrap().is_empty());
    assert!(!state(&sb, "alice").await.top_admin);
    act_with(&sb, "alice", Action::RestoreRoles, &params(), Some(&before), Mode::Apply).await.unwrap();
    assert_eq!(sb.top_admins().await.unwrap(), ["u-alice"]);
    act(&sb, "bob", Action::Enable).await;
    assert_eq!(sb.top_admins().await.unwrap(), ["u-alice", "u-bob"]);
}

// ---- actions ----------------------------------------------------------------------------

#[tokio::test]
async fn disable_and_enable_are_idempotent_and_record_before() {
    let (_t, env) = env();
    let sb = demo(&env);
    let o = act(&sb, "alice", Action::Disable).await;
    assert!(o.changed);
    assert_eq!(o.before, json!({"accountEnabled": true}));
    assert_eq!(o.after, json!({"accountEnabled": false}));
    assert_eq!(state(&sb, "alice").await.enabled, Some(false));
    let again = act(&sb, "alice", Action::Disable).await;
    assert!(!again.changed);
    assert!(again.message.contains("already"), "{}", again.message);
    assert_eq!(again.before, json!({"accountEnabled": false}));
    let o = act(&sb, "alice", Action::Enable).await;
    assert!(o.changed);
    assert_eq!(o.before, json!({"accountEnabled": false}));
    assert!(!act(&sb, "alice", Action::Enable).await.changed);
    assert!(!act(&sb, "dave", Action::Disable).await.changed, "dave starts disabled");
    let e = entries(&env, "demo");
    assert_eq!(e.len(), 2, "only real changes are journaled: {e:?}");
    assert_eq!((e[0].action, e[1].action), (Action::Disable, Action::Enable));
    assert_eq!(e[0].user, "u-alice");
}

#[tokio::test]
async fn disabling_a_synced_user_warns_about_the_next_sync() {
    let (_t, env) = env();
    let sb = demo(&env);
    let o = act(&sb, "carol", Action::Disable).await;
    assert!(o.changed);
    assert!(o.warnings.iter().any(|w| w.contains("sync") && w.contains("AD tenant")), "{:?}", o.warnings);
    assert!(act(&sb, "alice", Action::Disable).await.warnings.is_empty());
}

#[tokio::test]
async fn reset_password_sets_a_complex_secret_that_is_never_echoed() {
    let (_t, env) = env();
    let sb = demo(&env);
    let p = ActionParams { with_mfa: true, ..params() };
    let o = act_with(&sb, "alice", Action::ResetPassword, &p, None, Mode::Apply).await.unwrap();
    assert!(o.changed);
    let secret = o.secret.as_ref().expect("a password");
    let pw = secret.expose().to_string();
    assert_eq!(pw.len(), 20);
    assert!(crate::password::meets_complexity(&pw, "alice@demo.test"));
    let shown = format!("{} {} {} {:?} {:?}", o.message, o.before, o.after, o.warnings, o);
    assert!(!shown.contains(&pw), "password leaked into the outcome");
    assert_eq!(o.after["forceChangePasswordNextSignIn"], true);
    assert_eq!(o.after["forceChangePasswordNextSignInWithMfa"], true);
    assert_eq!(o.after["sessionsRevoked"], true);
    let alice = sb.resolve("alice").await.unwrap();
    assert!(sb.password_matches(&alice, &pw));
    assert!(!sb.password_matches(&alice, "something-else"));
    let st = state(&sb, "alice").await;
    assert_eq!(st.details["forceChangePasswordNextSignIn"], true);
    assert!(st.details["signInSessionsValidFromDateTime"].is_string(), "sessions revoked");
    // the journal and the snapshot hold a salted digest, not the password
    sb.compact_now();
    for (name, bytes) in files(&env, "demo") {
        assert!(!String::from_utf8_lossy(&bytes).contains(&pw), "password in {name}");
    }
    // a second reset is a new password, and still a change
    let o2 = act(&sb, "alice", Action::ResetPassword).await;
    assert!(o2.changed);
    assert_ne!(o2.secret.unwrap().expose(), pw);
}

#[tokio::test]
async fn reset_password_can_keep_sessions() {
    let (_t, env) = env();
    let sb = demo(&env);
    let p = ActionParams { keep_sessions: true, ..params() };
    let o = act_with(&sb, "bob", Action::ResetPassword, &p, None, Mode::Apply).await.unwrap();
    assert_eq!(o.after["sessionsRevoked"], false);
    assert!(o.secret.is_some());
    assert!(state(&sb, "bob").await.details["signInSessionsValidFromDateTime"].is_null());
    match &entries(&env, "demo")[0].change {
        Change::SetPassword { revoke_sessions, with_mfa, .. } => assert!(!revoke_sessions && !with_mfa),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn reset_password_of_a_synced_user_fails_like_entra() {
    let (_t, env) = env();
    let sb = demo(&env);
    let e = act_with(&sb, "carol", Action::ResetPassword, &params(), None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("on-premises mastered"), "{}", e.message);
    let hint = e.hint.unwrap();
    assert!(hint.contains("AD tenant") && hint.contains("carol@demo.test"), "{hint}");
    assert!(entries(&env, "demo").is_empty());
    // the same in a dry run: it would fail
    let e = act_with(&sb, "carol", Action::ResetPassword, &params(), None, Mode::DryRun).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn revoke_sessions_always_changes() {
    let (_t, env) = env();
    let sb = demo(&env);
    let first = act(&sb, "bob", Action::RevokeSessions).await;
    assert!(first.changed);
    assert!(first.before["signInSessionsValidFromDateTime"].is_null());
    let at = first.after["signInSessionsValidFromDateTime"].clone();
    assert_eq!(state(&sb, "bob").await.details["signInSessionsValidFromDateTime"], at);
    let second = act(&sb, "bob", Action::RevokeSessions).await;
    assert!(second.changed);
    assert_eq!(second.before["signInSessionsValidFromDateTime"], at);
    assert_eq!(entries(&env, "demo").len(), 2);
}

#[tokio::test]
async fn enforce_mfa_adds_to_the_configured_group_once() {
    let (_t, env) = env();
    let sb = demo(&env);
    let o = act(&sb, "alice", Action::EnforceMfa).await;
    assert!(o.changed);
    assert_eq!(o.before, json!({"group": {"id": "g-mfa-required", "name": "mfa-required"}, "was_member": false}));
    assert!(groups(&sb, "alice").await.contains(&"mfa-required".to_string()));
    let again = act(&sb, "alice", Action::EnforceMfa).await;
    assert!(!again.changed);
    assert_eq!(again.before["was_member"], true);

    let pr = ActionParams { phishing_resistant: true, ..params() };
    let o = act_with(&sb, "alice", Action::EnforceMfa, &pr, None, Mode::Apply).await.unwrap();
    assert!(o.changed);
    assert_eq!(o.before["group"]["name"], "mfa-phishing-resistant");

    // undo: the group comes from the recorded before-state
    let o = act_with(&sb, "alice", Action::UnenforceMfa, &params(), Some(&o.before), Mode::Apply).await.unwrap();
    assert!(o.changed);
    let g = groups(&sb, "alice").await;
    assert!(!g.contains(&"mfa-phishing-resistant".to_string()) && g.contains(&"mfa-required".to_string()), "{g:?}");
    let o = act_with(&sb, "alice", Action::UnenforceMfa, &params(), Some(&o.before), Mode::Apply).await.unwrap();
    assert!(!o.changed);
}

#[tokio::test]
async fn enforce_mfa_without_a_configured_group_says_which_setting() {
    let (_t, env) = env();
    let mut profile = generic_profile("bare", 3, SandboxConfig::default());
    profile.common = CommonSettings::default();
    let sb = Sandbox::open(&profile, &env).unwrap();
    let e = act_with(&sb, "user00001", Action::EnforceMfa, &params(), None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.hint.as_deref().unwrap().contains("--mfa-group"), "{:?}", e.hint);
    let pr = ActionParams { phishing_resistant: true, ..params() };
    let e = act_with(&sb, "user00001", Action::EnforceMfa, &pr, None, Mode::Apply).await.unwrap_err();
    assert!(e.hint.as_deref().unwrap().contains("--phishing-resistant-mfa-group"));
    let e = act_with(&sb, "user00001", Action::Restrict, &params(), None, Mode::Apply).await.unwrap_err();
    assert!(e.hint.as_deref().unwrap().contains("--restricted-group"));
    // a configured group that does not exist
    profile.common.mfa_group = Some("nope".into());
    let sb = Sandbox::open(&profile, &env).unwrap();
    let e = act_with(&sb, "user00001", Action::EnforceMfa, &params(), None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // a dynamic group cannot take members
    profile.common.mfa_group = Some("all-staff".into());
    let sb = Sandbox::open(&profile, &env).unwrap();
    let e = act_with(&sb, "user00001", Action::EnforceMfa, &params(), None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(entries(&env, "bare").is_empty());
}

#[tokio::test]
async fn restrict_and_unrestrict_are_idempotent() {
    let (_t, env) = env();
    let sb = demo(&env);
    let o = act(&sb, "user010", Action::Restrict).await;
    assert!(o.changed);
    assert_eq!(
        o.before,
        json!({"group": {"id": "g-restricted-users", "name": "restricted-users"}, "was_member": false})
    );
    assert!(!act(&sb, "user010", Action::Restrict).await.changed);
    assert!(groups(&sb, "user010").await.contains(&"restricted-users".to_string()));
    let o = act(&sb, "user010", Action::Unrestrict).await;
    assert!(o.changed);
    assert_eq!(o.before["was_member"], true);
    assert!(!act(&sb, "user010", Action::Unrestrict).await.changed);
    assert!(!groups(&sb, "user010").await.contains(&"restricted-users".to_string()));
    assert_eq!(entries(&env, "demo").len(), 2);
}

#[tokio::test]
async fn remove_groups_skips_dynamic_synced_and_security_groups() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "alice", Action::Restrict).await;
    act(&sb, "alice", Action::EnforceMfa).await;
    let o = act(&sb, "alice", Action::RemoveGroups).await;
    assert!(o.changed);
    assert_eq!(o.before, json!({"groups": [{"id": "g-sales", "name": "sales"}]}));
    let skipped: Vec<&str> =
        o.after["skipped"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(skipped, ["all-staff", "restricted-users", "mfa-required"]);
    assert!(o.after["skipped"][0]["reason"].as_str().unwrap().contains("dynamic"));
    assert!(o.after["skipped"][1]["reason"].as_str().unwrap().contains("security control"));
    assert_eq!(groups(&sb, "alice").await, ["all-staff", "restricted-users", "mfa-required"]);
    // nothing left to remove
    let o = act(&sb, "alice", Action::RemoveGroups).await;
    assert!(!o.changed);
    assert_eq!(o.before, json!({"groups": []}));

    let o = act(&sb, "carol", Action::RemoveGroups).await;
    assert!(!o.changed);
    assert!(
        o.after["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "hr-synced" && s["reason"].as_str().unwrap().contains("on-premises"))
    );
    assert!(groups(&sb, "carol").await.contains(&"hr-synced".to_string()));
}

#[tokio::test]
async fn remove_groups_by_name_or_id() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "user001", Action::Restrict).await;
    let p =
        ActionParams { groups: vec!["SALES".into(), "g-restricted-users".into(), "engineering".into()], ..params() };
    let o = act_with(&sb, "user001", Action::RemoveGroups, &p, None, Mode::Apply).await.unwrap();
    // named security groups are removed; a named group the user is not in is no change
    assert_eq!(o.before["groups"].as_array().unwrap().len(), 2, "{}", o.before);
    assert_eq!(groups(&sb, "user001").await, ["all-staff"]);
    let p = ActionParams { groups: vec!["marketing".into()], ..params() };
    let e = act_with(&sb, "user001", Action::RemoveGroups, &p, None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.message.contains("marketing"));
    assert!(e.hint.unwrap().contains("sales"));
    let p = ActionParams { groups: vec!["all-staff".into()], ..params() };
    let o = act_with(&sb, "user001", Action::RemoveGroups, &p, None, Mode::Apply).await.unwrap();
    assert!(!o.changed);
    assert_eq!(o.after["skipped"][0]["name"], "all-staff");
    assert!(!o.warnings.is_empty());
}

#[tokio::test]
async fn remove_then_restore_groups_round_trips_exactly() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "user002", Action::Restrict).await;
    // put user002 in engineering too, through restore-groups
    let add = json!({"groups": [{"id": "g-engineering", "name": "engineering"}]});
    act_with(&sb, "user002", Action::RestoreGroups, &params(), Some(&add), Mode::Apply).await.unwrap();
    let original = groups(&sb, "user002").await;
    assert_eq!(original, ["sales", "engineering", "all-staff", "restricted-users"]);
    let removed = act(&sb, "user002", Action::RemoveGroups).await;
    assert_eq!(groups(&sb, "user002").await, ["all-staff", "restricted-users"]);
    let o =
        act_with(&sb, "user002", Action::RestoreGroups, &params(), Some(&removed.before), Mode::Apply).await.unwrap();
    assert!(o.changed);
    assert_eq!(groups(&sb, "user002").await, original);
    assert_eq!(o.before, removed.before, "what was re-added is what was removed");
    let o =
        act_with(&sb, "user002", Action::RestoreGroups, &params(), Some(&removed.before), Mode::Apply).await.unwrap();
    assert!(!o.changed);
    let e = act_with(&sb, "user002", Action::RestoreGroups, &params(), None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.hint.unwrap().contains("undo"));
}

#[tokio::test]
async fn remove_then_restore_roles_round_trips() {
    let (_t, env) = env();
    let sb = demo(&env);
    let o = act(&sb, "bob", Action::RemoveRoles).await;
    assert!(o.changed);
    let recorded = o.before["roles"].as_array().unwrap().clone();
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded[0],
        json!({"assignment_id": "ra-2", "role_id": "r-global-administrator", "role_name": "Global Administrator", "scope": "/"})
    );
    assert_eq!(recorded[1]["role_name"], "Helpdesk Administrator");
    assert!(roles(&sb, "bob").await.is_empty());
    assert!(!act(&sb, "bob", Action::RemoveRoles).await.changed);
    let o = act_with(&sb, "bob", Action::RestoreRoles, &params(), Some(&o.before), Mode::Apply).await.unwrap();
    assert!(o.changed);
    assert_eq!(roles(&sb, "bob").await, ["Global Administrator", "Helpdesk Administrator"]);
    let created = o.before["roles"].as_array().unwrap();
    for (c, r) in created.iter().zip(&recorded) {
        assert_eq!((&c["role_id"], &c["scope"]), (&r["role_id"], &r["scope"]));
        assert_ne!(c["assignment_id"], r["assignment_id"], "a new assignment");
    }
    let again = json!({"roles": recorded});
    let o = act_with(&sb, "bob", Action::RestoreRoles, &params(), Some(&again), Mode::Apply).await.unwrap();
    assert!(!o.changed, "restore-roles is idempotent");
    assert!(state(&sb, "bob").await.top_admin);
}

#[tokio::test]
async fn remove_roles_by_name_or_id_and_unknown_role() {
    let (_t, env) = env();
    let sb = demo(&env);
    let p = ActionParams { roles: vec!["helpdesk administrator".into()], ..params() };
    let o = act_with(&sb, "bob", Action::RemoveRoles, &p, None, Mode::Apply).await.unwrap();
    assert_eq!(o.before["roles"].as_array().unwrap().len(), 1);
    assert_eq!(roles(&sb, "bob").await, ["Global Administrator"]);
    let p = ActionParams { roles: vec!["r-global-administrator".into()], ..params() };
    let o = act_with(&sb, "bob", Action::RemoveRoles, &p, None, Mode::Apply).await.unwrap();
    assert_eq!(o.before["roles"][0]["role_name"], "Global Administrator");
    // a role that exists but is not held: no change
    let p = ActionParams { roles: vec!["User Administrator".into()], ..params() };
    assert!(!act_with(&sb, "alice", Action::RemoveRoles, &p, None, Mode::Apply).await.unwrap().changed);
    let p = ActionParams { roles: vec!["Emperor".into()], ..params() };
    let e = act_with(&sb, "alice", Action::RemoveRoles, &p, None, Mode::Apply).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.hint.unwrap().contains("Global Administrator"));
    assert_eq!(roles(&sb, "alice").await, ["Global Administrator"]);
}

#[tokio::test]
async fn dry_run_changes_nothing_and_says_would() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "user020", Action::Restrict).await; // something to undo below
    let files_before = files(&env, "demo");
    let state_before = state(&sb, "alice").await;
    let restore_groups = json!({"groups": [{"id": "g-engineering", "name": "engineering"}]});
    let restore_roles = json!({"roles": [{"role_id": "r-user-administrator", "scope": "/"}]});
    let cases: Vec<(Action, Option<&Value>)> = vec![
        (Action::Disable, None),
        (Action::ResetPassword, None),
        (Action::RevokeSessions, None),
        (Action::EnforceMfa, None),
        (Action::Restrict, None),
        (Action::RemoveGroups, None),
        (Action::RemoveRoles, None),
        (Action::RestoreGroups, Some(&restore_groups)),
        (Action::RestoreRoles, Some(&restore_roles)),
    ];
    for (action, restore) in cases {
        let o = act_with(&sb, "alice", action, &params(), restore, Mode::DryRun).await.unwrap();
        assert!(o.changed, "{action} would change alice");
        assert!(o.message.starts_with("would "), "{action}: {}", o.message);
        assert!(o.secret.is_none(), "{action}: no password in a dry run");
    }
    let o = act_with(&sb, "user020", Action::Unrestrict, &params(), None, Mode::DryRun).await.unwrap();
    assert!(o.changed && o.message.starts_with("would "));
    let o = act_with(&sb, "dave", Action::Disable, &params(), None, Mode::DryRun).await.unwrap();
    assert!(!o.changed, "already disabled");
    assert_eq!(files(&env, "demo"), files_before);
    assert_eq!(state(&sb, "alice").await, state_before);
    // and a fresh open sees the same
    assert_eq!(state(&demo(&env), "alice").await, state_before);
}

// ---- persistence ----------------------------------------------------------------------

#[tokio::test]
async fn changes_survive_reopen() {
    let (_t, env) = env();
    {
        let sb = demo(&env);
        act(&sb, "alice", Action::Disable).await;
        act(&sb, "user001", Action::Restrict).await;
        act(&sb, "bob", Action::RemoveRoles).await;
    }
    let sb = demo(&env);
    assert_eq!(state(&sb, "alice").await.enabled, Some(false));
    assert!(groups(&sb, "user001").await.contains(&"restricted-users".to_string()));
    assert!(roles(&sb, "bob").await.is_empty());
    assert!(sb.top_admins().await.unwrap().is_empty());
}

#[tokio::test]
async fn files_are_private() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "alice", Action::Disable).await;
    sb.compact_now();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = env.state_dir.join("sandbox").join("demo");
    assert_eq!(mode(&env.state_dir.join("sandbox")), 0o700);
    assert_eq!(mode(&dir), 0o700);
    for name in ["snapshot.json", "journal.jsonl", "journal.prev.jsonl", "lock"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
}

#[tokio::test]
async fn journal_replays_after_a_crash_and_a_torn_line_is_cut() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "alice", Action::Disable).await;
    act(&sb, "bob", Action::EnforceMfa).await;
    // simulate kill -9 in the middle of another process's write: a line without newline
    let journal = env.state_dir.join("sandbox/demo/journal.jsonl");
    let mut torn = std::fs::read(&journal).unwrap();
    torn.extend_from_slice(br#"{"seq":3,"at":"2026-01-01T00:00:00Z","pid":1,"action":"disable","user":"u-carol","cha"#);
    std::fs::write(&journal, &torn).unwrap();
    std::mem::forget(sb); // no destructor runs on kill -9 either
    assert!(!env.state_dir.join("sandbox/demo/snapshot.json").exists(), "nothing compacted");

    let sb = demo(&env);
    assert_eq!(state(&sb, "alice").await.enabled, Some(false));
    assert!(groups(&sb, "bob").await.contains(&"mfa-required".to_string()));
    assert_eq!(state(&sb, "carol").await.enabled, Some(true), "the torn line was not applied");
    act(&sb, "carol", Action::Disable).await;
    let e = entries(&env, "demo");
    assert_eq!(e.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    let again = demo(&env);
    assert_eq!(state(&again, "carol").await.enabled, Some(false));
    assert_eq!(again.lock().store.skipped(), 0);
}

#[tokio::test]
async fn compaction_keeps_state_and_other_instances_follow() {
    let (_t, env) = env();
    let profile = TenantProfile::demo();
    let a = Sandbox::open_with(&profile, &env, Some(3)).unwrap();
    let b = Sandbox::open(&profile, &env).unwrap();
    for u in ["user001", "user002", "user003", "user004"] {
        act(&a, u, Action::Disable).await;
    }
    // the third write compacted
    let dir = env.state_dir.join("sandbox/demo");
    assert!(dir.join("snapshot.json").exists());
    assert_eq!(a.lock().store.entries(), 1);
    // b still holds the old journal open and must notice the new generation
    for u in ["user001", "user002", "user003", "user004"] {
        assert_eq!(state(&b, u).await.enabled, Some(false), "{u}");
    }
    act(&b, "user005", Action::Disable).await;
    assert_eq!(state(&a, "user005").await.enabled, Some(false));
    let seqs: Vec<u64> = entries(&env, "demo").iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5], "prev + current journal hold the whole history");
    // reopen from snapshot + journal
    let c = demo(&env);
    for u in ["user001", "user002", "user003", "user004", "user005"] {
        assert_eq!(state(&c, u).await.enabled, Some(false), "{u}");
    }
    assert_eq!(state(&c, "user006").await.enabled, Some(true));
}

#[tokio::test]
async fn a_crash_between_snapshot_and_journal_rotation_applies_nothing_twice() {
    let (_t, env) = env();
    let sb = demo(&env);
    act(&sb, "alice", Action::Disable).await;
    let o = act(&sb, "bob", Action::RemoveRoles).await;
    act_with(&sb, "bob", Action::RestoreRoles, &params(), Some(&o.before), Mode::Apply).await.unwrap();
    // write the generation-1 snapshot but leave the generation-0 journal in place
    let (bytes, next) = {
        let inner = sb.lock();
        (inner.dir.to_snapshot(1), inner.dir.next_assignment)
    };
    let dir = env.state_dir.join("sandbox/demo");
    crate::fsutil::write_atomic(&dir.join("snapshot.json"), &bytes, 0o600).unwrap();
    drop(sb);
    let sb = demo(&env);
    assert_eq!(sb.lock().dir.next_assignment, next, "the journal was not replayed on top");
    assert_eq!(sb.lock().store.entries(), 0);
    assert_eq!(roles(&sb, "bob").await, ["Global Administrator", "Helpdesk Administrator"]);
    assert_eq!(state(&sb, "alice").await.enabled, Some(false));
    act(&sb, "carol", Action::Disable).await;
    assert_eq!(entries(&env, "demo").iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
}

#[tokio::test]
async fn two_instances_interleaving_lose_nothing() {
    let (_t, env) = env();
    let a = demo(&env);
    let b = demo(&env);
    act(&a, "user001", Action::Disable).await;
    act(&b, "user002", Action::Disable).await; // b has not read a's line yet
    act(&a, "user003", Action::Restrict).await;
    // the same change from both: the second sees the first (under the lock) and is a no-op
    assert!(!act(&b, "user003", Action::Restrict).await.changed);
    assert!(!act(&a, "user002", Action::Disable).await.changed);
    for sb in [&a, &b, &demo(&env)] {
        assert_eq!(state(sb, "user001").await.enabled, Some(false));
        assert_eq!(state(sb, "user002").await.enabled, Some(false));
        assert!(groups(sb, "user003").await.contains(&"restricted-users".to_string()));
    }
    assert_eq!(entries(&env, "demo").iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_instances_apply_each_change_exactly_once() {
    let (_t, env) = env();
    let profile = generic_profile("race", 400, SandboxConfig::default());
    let a = Arc::new(Sandbox::open(&profile, &env).unwrap());
    let b = Arc::new(Sandbox::open(&profile, &env).unwrap());
    // both instances try to disable every user, concurrently, from several tasks each
    let mut tasks = Vec::new();
    for (k, sb) in [a.clone(), b.clone(), a.clone(), b.clone()].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut changed = 0;
            for i in 0..400u32 {
                let i = if k % 2 == 0 { i + 1 } else { 400 - i };
                if act(&sb, &format!("user{i:05}"), Action::Disable).await.changed {
                    changed += 1;
                }
            }
            changed
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 400, "each user disabled exactly once across instances");
    let e = entries(&env, "race");
    assert_eq!(e.len(), 400);
    let mut users: Vec<&str> = e.iter().map(|e| e.user.as_str()).collect();
    users.sort();
    users.dedup();
    assert_eq!(users.len(), 400);
    assert!(e.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    let c = Sandbox::open(&profile, &env).unwrap();
    for i in 1..=400 {
        assert_eq!(state(&c, &format!("user{i:05}")).await.enabled, Some(false));
    }
}

#[tokio::test]
async fn a_profile_with_another_seed_starts_a_fresh_directory() {
    let (_t, env) = env();
    let sb = Sandbox::open(&generic_profile("lab", 1000, SandboxConfig::default()), &env).unwrap();
    act(&sb, "user00001", Action::Disable).await;
    drop(sb);
    // same seed: the change is kept
    let sb = Sandbox::open(&generic_profile("lab", 1000, SandboxConfig::default()), &env).unwrap();
    assert_eq!(state(&sb, "user00001").await.enabled, Some(false));
    drop(sb);
    // `tenant remove lab` + `tenant add lab --users 10`: a 10-user directory
    let sb = Sandbox::open(&generic_profile("lab", 10, SandboxConfig::default()), &env).unwrap();
    assert_eq!(state(&sb, "user00001").await.enabled, Some(true));
    assert_eq!(sb.resolve("user00011").await.unwrap_err().kind, ErrorKind::NotFound);
    assert!(entries(&env, "lab").is_empty());
}

// ---- latency, failure injection, check ---------------------------------------------------

#[tokio::test]
async fn fail_rate_one_fails_every_write_and_changes_nothing() {
    let (_t, env) = env();
    let profile = generic_profile("flaky", 5, SandboxConfig { fail_rate: 1.0, ..SandboxConfig::default() });
    let sb = Sandbox::open(&profile, &env).unwrap();
    let files_before = files(&env, "flaky");
    for action in
        [Action::Disable, Action::ResetPassword, Action::RevokeSessions, Action::Restrict, Action::RemoveGroups]
    {
        let e = act_with(&sb, "user00001", action, &params(), None, Mode::Apply).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient, "{action}");
        assert!(e.message.contains("injected"), "{}", e.message);
        assert!(e.is_retryable());
    }
    assert_eq!(files(&env, "flaky"), files_before);
    assert_eq!(state(&sb, "user00001").await.enabled, Some(true));
    assert_eq!(groups(&sb, "user00001").await, ["all-staff", "sales"]);
    // reads and dry runs are not writes
    assert!(act_with(&sb, "user00001", Action::Disable, &params(), None, Mode::DryRun).await.unwrap().changed);
}

#[tokio::test]
async fn fail_rate_zero_never_fails() {
    let (_t, env) = env();
    let sb = Sandbox::open(&generic_profile("steady", 200, SandboxConfig::default()), &env).unwrap();
    for i in 1..=200 {
        act(&sb, &format!("user{i:05}"), Action::RevokeSessions).await;
    }
    assert_eq!(entries(&env, "steady").len(), 200);
}

#[tokio::test]
async fn latency_is_added_to_every_call() {
    let (_t, env) = env();
    let sb =
        Sandbox::open(&generic_profile("slow", 2, SandboxConfig { latency_ms: 40, ..SandboxConfig::default() }), &env)
            .unwrap();
    let start = Instant::now();
    let r = sb.resolve("user00001").await.unwrap();
    let st = sb.state(&r).await.unwrap();
    sb.apply(&r, Action::Disable, ApplyContext { mode: Mode::Apply, params: &params(), restore: None, state: &st })
        .await
        .unwrap();
    sb.top_admins().await.unwrap();
    assert!(start.elapsed().as_millis() >= 160, "{:?}", start.elapsed());
}

#[tokio::test]
async fn check_lists_every_action_and_the_store() {
    let (_t, env) = env();
    let checks = demo(&env).check().await.unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[0], "store");
    for a in Action::USER_FACING {
        assert!(names.contains(&a.as_str()), "{a}");
    }
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert!(checks[0].detail.contains("50 users"), "{}", checks[0].detail);

    let mut profile = generic_profile("bare", 3, SandboxConfig::default());
    profile.common.restricted_group = None;
    let checks = Sandbox::open(&profile, &env).unwrap().check().await.unwrap();
    let restrict = checks.iter().find(|c| c.name == "restrict").unwrap();
    assert!(!restrict.ok);
    assert!(restrict.hint.as_deref().unwrap().contains("--restricted-group"));
    assert!(checks.iter().find(|c| c.name == "enforce-mfa").unwrap().ok);
}

#[tokio::test]
async fn every_action_is_supported() {
    let (_t, env) = env();
    let sb = demo(&env);
    assert_eq!(sb.kind(), ProviderKind::Sandbox);
    for a in Action::USER_FACING.into_iter().chain([Action::UnenforceMfa, Action::RestoreGroups, Action::RestoreRoles])
    {
        assert!(sb.supports(a).is_ok(), "{a}");
    }
}

#[test]
fn build_maps_the_demo_profile_to_the_sandbox() {
    let (_t, env) = env();
    let p = crate::providers::build(&TenantProfile::demo(), &env).unwrap();
    assert_eq!(p.kind(), ProviderKind::Sandbox);
}

#[test]
fn an_unreadable_store_is_a_clear_error() {
    let (_t, env) = env();
    drop(demo(&env));
    std::fs::write(env.state_dir.join("sandbox/demo/journal.jsonl"), b"garbage\n").unwrap();
    let e = Sandbox::open(&TenantProfile::demo(), &env).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("delete that directory"), "{text}");
    Sandbox::remove_state(&env.state_dir, "demo").unwrap();
    assert!(Sandbox::open(&TenantProfile::demo(), &env).is_ok(), "re-seeded after remove");
}

// ---- scale --------------------------------------------------------------------------------

/// Resident memory of this process (Linux), in MiB.
fn rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// 100,000 users, resolve + state + apply each with 64 in flight, then reopen.
/// Run alone (it measures this process's memory):
/// `cargo test --lib providers::sandbox::tests::scale_100k -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures time and memory; run alone"]
#[allow(clippy::print_stderr)]
async fn scale_100k() {
    use futures::StreamExt;
    let (_t, env) = env();
    let profile = generic_profile("scale", 100_000, SandboxConfig::default());
    let rss0 = rss_mib().unwrap_or(0.0);
    let start = Instant::now();
    let sb = Arc::new(Sandbox::open(&profile, &env).unwrap());
    let seeded = start.elapsed();
    let rss1 = rss_mib().unwrap_or(0.0);
    let start = Instant::now();
    let changed: usize = futures::stream::iter(1..=100_000u32)
        .map(|i| {
            let sb = sb.clone();
            async move { act(&sb, &format!("user{i:05}"), Action::Disable).await.changed as usize }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .sum();
    let applied = start.elapsed();
    assert_eq!(changed, 100_000);
    drop(sb);
    let start = Instant::now();
    let sb = Sandbox::open(&profile, &env).unwrap();
    let reopened = start.elapsed();
    assert_eq!(state(&sb, "user54321").await.enabled, Some(false));
    let journal = std::fs::metadata(env.state_dir.join("sandbox/scale/journal.jsonl")).unwrap().len();
    let start = Instant::now();
    sb.compact_now();
    let compacted = start.elapsed();
    drop(sb);
    let snapshot = std::fs::metadata(env.state_dir.join("sandbox/scale/snapshot.json")).unwrap().len();
    let start = Instant::now();
    let sb = Sandbox::open(&profile, &env).unwrap();
    let from_snapshot = start.elapsed();
    assert_eq!(state(&sb, "user00007").await.enabled, Some(false));
    eprintln!(
        "seed+open {seeded:?} (+{:.1} MiB RSS); 100k resolve+state+disable {applied:?}; \
         reopen with 100k-line journal ({:.1} MiB) {reopened:?}; compact {compacted:?}; \
         reopen from snapshot ({:.1} MiB) {from_snapshot:?}",
        rss1 - rss0,
        journal as f64 / 1048576.0,
        snapshot as f64 / 1048576.0,
    );
    assert!(rss1 - rss0 < 60.0);
}
