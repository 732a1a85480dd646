//! The Entra provider against the strict Graph emulator (`tests/support/graph`), through
//! the `Provider` trait: every action, every error class, the guards' inputs, encoding of
//! hostile names, credentials (secret, certificate PS256/RS256, national clouds),
//! throttling and `$batch`. Every test ends with the emulator's violation list empty.

#[path = "../support/graph/mod.rs"]
mod graph;

use std::time::{Duration, Instant};

use futures::StreamExt;
use remediate::config::{AssertionAlg, Cloud, CommonSettings, EntraConfig, ProviderConfig, TenantProfile};
use remediate::error::ProviderError;
use remediate::model::{Action, ActionParams, ErrorKind};
use remediate::providers::entra::auth::Credential;
use remediate::providers::entra::client::Tuning;
use remediate::providers::entra::{Entra, MFA_POLICY_NAME, PHISHING_RESISTANT_POLICY_NAME};
use remediate::providers::{ApplyContext, Mode, Outcome, Provider, ProviderKind, UserState};
use remediate::secret::Secret;
use serde_json::{Value, json};

use graph::{App, Config, Emulator, Fault, GroupKind, NewUser};

const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const SECRET: &str = "s3cr3t-Value~with.odd_chars";

fn quick() -> Tuning {
    Tuning {
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        linger: Duration::from_millis(5),
        ..Tuning::default()
    }
}

fn profile(emu: &Emulator, common: CommonSettings) -> TenantProfile {
    TenantProfile {
        name: "contoso".into(),
        provider: ProviderConfig::Entra(EntraConfig {
            tenant_id: emu.tenant_id(),
            client_id: CLIENT.into(),
            certificate: None,
            cloud: Cloud::Global,
            graph_url: Some(emu.url()),
            login_url: Some(emu.url()),
            assertion_alg: AssertionAlg::Ps256,
        }),
        common,
    }
}

fn app(roles: &[&str]) -> App {
    App {
        client_id: CLIENT.into(),
        secret: Some(SECRET.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..App::default()
    }
}

fn provider(emu: &Emulator, common: CommonSettings) -> Entra {
    Entra::new(&profile(emu, common), Credential::Secret(Secret::new(SECRET)), quick()).expect("provider")
}

/// An emulator with the least-privilege app and a provider for it.
async fn setup(common: CommonSettings) -> (Emulator, Entra) {
    setup_with(Config::default(), common).await
}

async fn setup_with(cfg: Config, common: CommonSettings) -> (Emulator, Entra) {
    let emu = Emulator::start(cfg).await;
    emu.register_app(app(graph::LEAST_PRIVILEGE));
    let p = provider(&emu, common);
    (emu, p)
}

fn groups_common(restricted: Option<&str>, mfa: Option<&str>, pr: Option<&str>) -> CommonSettings {
    CommonSettings {
        restricted_group: restricted.map(Into::into),
        mfa_group: mfa.map(Into::into),
        phishing_resistant_mfa_group: pr.map(Into::into),
        ..CommonSettings::default()
    }
}

async fn act(p: &Entra, user: &str, action: Action, params: &ActionParams) -> Result<Outcome, ProviderError> {
    act_with(p, user, action, params, Mode::Apply, None).await
}

async fn act_with(
    p: &Entra,
    user: &str,
    action: Action,
    params: &ActionParams,
    mode: Mode,
    restore: Option<&Value>,
) -> Result<Outcome, ProviderError> {
    let u = p.resolve(user).await?;
    let state = p.state(&u).await?;
    p.apply(&u, action, ApplyContext { mode, params, restore, state: &state }).await
}

fn none() -> ActionParams {
    ActionParams::default()
}

/// Nothing in `texts` holds the client secret or any token the emulator issued.
fn assert_no_secrets(emu: &Emulator, texts: &[String]) {
    let tokens = emu.issued_tokens();
    assert!(!tokens.is_empty(), "the test should have got a token");
    for t in texts {
        assert!(!t.contains(SECRET), "secret leaked into {t:?}");
        for tok in &tokens {
            assert!(!t.contains(tok.as_str()), "token leaked into {t:?}");
        }
    }
}

fn err_texts(e: &ProviderError) -> Vec<String> {
    vec![e.message.clone(), e.hint.clone().unwrap_or_default(), format!("{e:?}")]
}

// ---- disable / enable ----------------------------------------------------------------

#[tokio::test]
async fn disable_and_enable_record_before_state_and_are_idempotent() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    let out = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap();
    assert!(out.changed);
    assert_eq!(out.before, json!({"accountEnabled": true}));
    assert!(out.request_id.is_some(), "request id recorded");
    assert!(!emu.user(&id).enabled);
    let writes = emu.writes().len();

    let again = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap();
    assert!(!again.changed, "already disabled is no change");
    assert_eq!(emu.writes().len(), writes, "no write for an idempotent repeat");

    // Undo: enable from the recorded before-state.
    let back = act_with(&p, &id, Action::Enable, &none(), Mode::Apply, Some(&out.before)).await.unwrap();
    assert!(back.changed);
    assert!(emu.user(&id).enabled);
    emu.assert_clean();
}

#[tokio::test]
async fn undo_of_disable_leaves_a_user_that_was_disabled_before() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user_with(NewUser { upn: "dave@contoso.com".into(), disabled: true, ..NewUser::default() });
    let out =
        act_with(&p, &id, Action::Enable, &none(), Mode::Apply, Some(&json!({"accountEnabled": false}))).await.unwrap();
    assert!(!out.changed);
    assert!(!emu.user(&id).enabled);
    assert!(emu.writes().is_empty());
    emu.assert_clean();
}

#[tokio::test]
async fn dry_run_reads_but_never_writes() {
    let (emu, p) = setup(groups_common(Some("restricted"), Some("mfa"), None)).await;
    let id = emu.add_user("bob@contoso.com");
    let g = emu.add_group("sales", GroupKind::Static);
    emu.add_member(&g, &id);
    emu.add_group("restricted", GroupKind::Static);
    emu.add_group("mfa", GroupKind::Static);
    emu.assign_role(&id, graph::EXCHANGE_ADMIN);
    for action in [
        Action::Disable,
        Action::ResetPassword,
        Action::RevokeSessions,
        Action::EnforceMfa,
        Action::RemoveRoles,
        Action::RemoveGroups,
        Action::Restrict,
    ] {
        let out = act_with(&p, "bob@contoso.com", action, &none(), Mode::DryRun, None).await.unwrap();
        assert!(out.changed, "{action}: a dry run says what would change");
        assert!(out.secret.is_none(), "{action}: no password in a dry run");
    }
    assert!(emu.writes().is_empty(), "dry runs wrote: {:?}", emu.writes());
    assert!(emu.policies().is_empty());
    emu.assert_clean();
}

#[tokio::test]
async fn disable_of_a_synced_user_warns_to_act_on_ad() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user_with(NewUser { upn: "carol@contoso.com".into(), synced: true, ..NewUser::default() });
    let u = p.resolve("carol@contoso.com").await.unwrap();
    let st = p.state(&u).await.unwrap();
    assert!(st.synced);
    let out = p
        .apply(&u, Action::Disable, ApplyContext { mode: Mode::Apply, params: &none(), restore: None, state: &st })
        .await
        .unwrap();
    assert!(out.changed && !emu.user(&id).enabled);
    assert!(out.warnings.iter().any(|w| w.contains("on-premises") && w.contains("`ad` tenant")), "{:?}", out.warnings);
    emu.assert_clean();
}

// ---- reset-password / revoke-sessions -------------------------------------------------

#[tokio::test]
async fn reset_password_sets_a_random_password_forces_change_and_revokes() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    let out = act(&p, "alice@contoso.com", Action::ResetPassword, &none()).await.unwrap();
    let pw = out.secret.as_ref().expect("the password is handed back").expose().to_string();
    let u = emu.user(&id);
    assert_eq!(u.password.as_deref(), Some(pw.as_str()));
    assert!(u.force_change && !u.force_change_mfa);
    assert_eq!(u.revocations, 1, "sessions revoked after the reset");
    // The PATCH came before the revoke.
    let w = emu.writes();
    assert!(w[0].method == "PATCH" && w[1].path.ends_with("/revokeSignInSessions"), "{w:?}");
    let shown = format!("{} {:?} {} {} {:?}", out.message, out, out.before, out.after, out.warnings);
    assert!(!shown.contains(&pw), "password leaked: {shown}");

    let second = act(&p, "alice@contoso.com", Action::ResetPassword, &none()).await.unwrap();
    assert_ne!(second.secret.unwrap().expose(), pw, "a fresh password each time");
    emu.assert_clean();
}

#[tokio::test]
async fn reset_password_with_mfa_and_kept_sessions() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    let params = ActionParams { with_mfa: true, keep_sessions: true, ..ActionParams::default() };
    let out = act(&p, "alice@contoso.com", Action::ResetPassword, &params).await.unwrap();
    let u = emu.user(&id);
    assert!(u.force_change && u.force_change_mfa);
    assert_eq!(u.revocations, 0);
    assert_eq!(out.after["sessionsRevoked"], json!(false));
    emu.assert_clean();
}

#[tokio::test]
async fn reset_password_of_a_synced_user_fails_with_a_hint_and_sends_nothing() {
    let (emu, p) = setup(CommonSettings::default()).await;
    emu.add_user_with(NewUser { upn: "carol@contoso.com".into(), synced: true, ..NewUser::default() });
    let e = act(&p, "carol@contoso.com", Action::ResetPassword, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("on-premises"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("`ad` tenant"), "{:?}", e.hint);
    assert!(emu.writes().is_empty());
    emu.assert_clean();
}

#[tokio::test]
async fn failed_revoke_after_reset_is_reported_not_hidden() {
    let (emu, p) = setup(CommonSettings::default()).await;
    emu.add_user("alice@contoso.com");
    emu.inject(Fault::on("POST", "revokeSignInSessions", 403));
    let e = act(&p, "alice@contoso.com", Action::ResetPassword, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission);
    assert!(e.message.contains("was reset") && e.message.contains("not revoked"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("revoke-sessions"), "{:?}", e.hint);
    emu.assert_clean();
}

#[tokio::test]
async fn revoke_sessions_accepts_200_and_204() {
    for revoke_204 in [false, true] {
        let (emu, p) = setup_with(Config { revoke_204, ..Config::default() }, CommonSettings::default()).await;
        let id = emu.add_user("alice@contoso.com");
        let out = act(&p, "alice@contoso.com", Action::RevokeSessions, &none()).await.unwrap();
        assert!(out.changed, "revoke_204={revoke_204}");
        assert!(out.request_id.is_some());
        assert_eq!(emu.user(&id).revocations, 1);
        emu.assert_clean();
    }
}

// ---- resolving users -------------------------------------------------------------------

#[tokio::test]
async fn odd_upns_are_encoded_and_resolve_to_the_right_user() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let names = [
        "adele_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        "o'brien@contoso.com",
        "$svc@contoso.com",
        "$o'neil@contoso.com",
        "plus+tag@contoso.com",
        "ünïcode@contoso.com",
    ];
    let ids: Vec<String> = names.iter().map(|n| emu.add_user(n)).collect();
    for (n, id) in names.iter().zip(&ids) {
        let u = p.resolve(n).await.unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(&u.id, id, "{n}");
        assert_eq!(&u.name, n);
        // And the write path too.
        let out = act(&p, n, Action::Disable, &none()).await.unwrap();
        assert!(out.changed && !emu.user(id).enabled, "{n}");
    }
    // An object id works as well.
    assert_eq!(p.resolve(&ids[0]).await.unwrap().name, names[0]);
    emu.assert_clean();
}

#[tokio::test]
async fn hostile_user_names_change_nothing_and_fail_clearly() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let victim = emu.add_user("victim@contoso.com");
    let g = emu.add_group("sales", GroupKind::Static);
    for bad in [
        "../groups/x",
        "victim@contoso.com/../../groups",
        "a?$filter=x",
        "x%2Fy@contoso.com",
        "' or 1 eq 1 or '",
        "victim@contoso.com#EXT#",
        "nobody@contoso.com",
        "12345678-1234-1234-1234-123456789012",
    ] {
        let e = act(&p, bad, Action::Disable, &none()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{bad}: {e:?}");
        assert!(e.hint.is_some(), "{bad}: a hint");
    }
    for bad in ["", "   ", "evil\u{1b}[2J@contoso.com", "a\nb"] {
        let e = act(&p, bad, Action::Disable, &none()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidRequest, "{bad:?}");
        assert!(!e.message.contains('\u{1b}'), "control characters are escaped: {:?}", e.message);
    }
    assert!(emu.writes().is_empty());
    assert!(emu.user(&victim).enabled && !emu.is_member(&g, &victim));
    emu.assert_clean();
}

#[tokio::test]
async fn a_mail_address_resolves_through_an_escaped_filter() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user_with(NewUser {
        upn: "ob@contoso.onmicrosoft.com".into(),
        mail: Some("o'brien@contoso.com".into()),
        ..NewUser::default()
    });
    let u = p.resolve("o'brien@contoso.com").await.unwrap();
    assert_eq!(u.id, id);
    assert!(
        emu.records().iter().any(|r| r.path.contains("%24filter=mail%20eq%20%27o%27%27brien%40contoso.com%27")
            || r.path.contains("$filter=mail%20eq%20%27o%27%27brien")),
        "{:?}",
        emu.records()
    );
    emu.assert_clean();
}

// ---- guards' inputs ---------------------------------------------------------------------

#[tokio::test]
async fn global_admins_are_reported_for_the_last_admin_guard() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let alice = emu.add_user("alice@contoso.com");
    let bob = emu.add_user_with(NewUser { upn: "bob@contoso.com".into(), disabled: true, ..NewUser::default() });
    let carol = emu.add_user("carol@contoso.com");
    emu.make_global_admin(&alice);
    emu.make_global_admin(&bob);
    emu.assign_role(&carol, graph::EXCHANGE_ADMIN);
    // A GA held by a non-user principal (a role-assignable group) is not a user to count.
    let group = emu.add_group("ga-group", GroupKind::RoleAssignable);
    emu.make_global_admin(&group);

    let state = |name: &'static str| {
        let p = &p;
        async move { p.state(&p.resolve(name).await.unwrap()).await.unwrap() }
    };
    let a: UserState = state("alice@contoso.com").await;
    assert!(a.top_admin && a.enabled == Some(true));
    assert!(state("bob@contoso.com").await.top_admin);
    assert!(!state("carol@contoso.com").await.top_admin);
    assert_eq!(p.top_admins().await.unwrap(), vec![alice.clone()], "only enabled GA users");

    // After remove-roles on alice the list is fresh again.
    act(&p, "alice@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    assert!(p.top_admins().await.unwrap().is_empty());
    assert!(!state("alice@contoso.com").await.top_admin);
    emu.assert_clean();
}

/// Global Administrator held through a role-assignable group: its enabled user members
/// count (and only those: not a disabled member, not a service principal member), each once.
#[tokio::test]
async fn global_admins_through_a_role_assignable_group_are_counted() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let alice = emu.add_user("alice@contoso.com");
    let bob = emu.add_user("bob@contoso.com");
    let dave = emu.add_user_with(NewUser { upn: "dave@contoso.com".into(), disabled: true, ..NewUser::default() });
    let carol = emu.add_user("carol@contoso.com");
    emu.make_global_admin(&alice);
    let group = emu.add_group("GA admins", GroupKind::RoleAssignable);
    emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
    emu.add_member(&group, &bob);
    emu.add_member(&group, &dave);
    emu.add_member(&group, &alice);
    emu.add_service_principal_member(&group, "automation");

    let mut admins = p.top_admins().await.unwrap();
    admins.sort();
    let mut want = vec![alice.clone(), bob.clone()];
    want.sort();
    assert_eq!(admins, want, "alice (direct and through the group, once) and bob (group); not dave, not the app");
    let state = |name: &'static str| {
        let p = &p;
        async move { p.state(&p.resolve(name).await.unwrap()).await.unwrap() }
    };
    assert!(state("bob@contoso.com").await.top_admin, "a member of a GA group is a top admin");
    assert!(state("dave@contoso.com").await.top_admin, "disabled, but still holding the role");
    assert!(!state("carol@contoso.com").await.top_admin);
    assert!(
        emu.records().iter().any(|r| r.path.starts_with(&format!("/groups/{group}/members?"))),
        "the group's members were read"
    );

    // Membership changes are seen once the cache is dropped (remove-groups forgets it).
    let out = act(&p, "bob@contoso.com", Action::RemoveGroups, &none()).await.unwrap();
    assert!(out.changed && !emu.is_member(&group, &bob), "{out:?}");
    assert_eq!(p.top_admins().await.unwrap(), vec![alice.clone()]);
    assert!(!state("bob@contoso.com").await.top_admin);
    let _ = carol;
    emu.assert_clean();
}

/// Many members: every page of `/groups/{id}/members` is read (`@odata.nextLink`).
#[tokio::test]
async fn global_admin_group_members_are_read_across_pages() {
    let (emu, p) = setup_with(Config { page_size: 2, ..Config::default() }, CommonSettings::default()).await;
    let group = emu.add_group("GA admins", GroupKind::RoleAssignable);
    emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
    let ids = emu.add_users(7, "admin", "contoso.com");
    for id in &ids {
        emu.add_member(&group, id);
    }
    let mut admins = p.top_admins().await.unwrap();
    admins.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(admins, want, "all 7 members, across 4 pages");
    let pages = emu.records().iter().filter(|r| r.path.starts_with(&format!("/groups/{group}/members"))).count();
    assert_eq!(pages, 4, "7 members at 2 a page");
    // The last member (on the last page) is a top admin for the state read too.
    let last = p.resolve("admin00007@contoso.com").await.unwrap();
    assert!(p.state(&last).await.unwrap().top_admin);
    emu.assert_clean();
}

/// Without a permission to list group members, the guard's inputs fail loudly (naming the
/// permission) instead of counting the group as empty, and nothing is written.
#[tokio::test]
async fn a_denied_member_read_is_an_error_naming_the_permission() {
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(&["User.Read.All", "RoleManagement.Read.Directory", "User.EnableDisableAccount.All"]));
    let p = provider(&emu, CommonSettings::default());
    let alice = emu.add_user("alice@contoso.com");
    let bob = emu.add_user("bob@contoso.com");
    emu.make_global_admin(&alice);
    let group = emu.add_group("GA admins", GroupKind::RoleAssignable);
    emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
    emu.add_member(&group, &bob);

    let e = p.top_admins().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission, "{e:?}");
    assert!(e.message.contains(&group) && e.message.contains("Global Administrator"), "{e:?}");
    assert!(e.hint.as_deref().unwrap_or_default().contains("`GroupMember.Read.All`"), "{e:?}");
    let e = act(&p, "bob@contoso.com", Action::Disable, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission);
    assert!(e.hint.as_deref().unwrap_or_default().contains("`GroupMember.Read.All`"), "{e:?}");
    assert!(emu.writes().is_empty(), "nothing written: {:?}", emu.writes());
    assert!(emu.user(&bob).enabled);
    assert_no_secrets(&emu, &err_texts(&e));
    // `tenant test` says the same before any action is tried.
    let checks = p.check().await.unwrap();
    let disable = checks.iter().find(|c| c.name == "disable").unwrap();
    assert!(!disable.ok && disable.detail.contains("GroupMember.Read.All"), "{disable:?}");
    emu.assert_clean();
}

/// remove-roles cannot delete a group's assignment: it says so, names the group and the
/// command that strips it, and does not count it as removed.
#[tokio::test]
async fn remove_roles_reports_global_admin_through_a_group() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let bob = emu.add_user("bob@contoso.com");
    let carol = emu.add_user("carol@contoso.com");
    let group = emu.add_group("GA admins", GroupKind::RoleAssignable);
    let ga = emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
    emu.add_member(&group, &bob);
    emu.add_member(&group, &carol);
    emu.assign_role(&bob, graph::EXCHANGE_ADMIN);

    // All roles: the direct one goes, GA stays and the result says why and what to run.
    let out = act(&p, "bob@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    assert!(out.changed, "{out:?}");
    assert!(emu.assignments(&bob).is_empty());
    let removed: Vec<&str> =
        out.before["roles"].as_array().unwrap().iter().map(|r| r["role_id"].as_str().unwrap()).collect();
    assert_eq!(removed, vec![graph::EXCHANGE_ADMIN], "GA is not recorded as removed");
    assert!(out.message.contains("Global Administrator stays") && out.message.contains("`GA admins`"), "{out:?}");
    assert_eq!(out.warnings.len(), 1, "{out:?}");
    assert!(
        out.warnings[0].contains("`GA admins`")
            && out.warnings[0].contains("remove-groups bob@contoso.com --group \"GA admins\""),
        "{out:?}"
    );
    assert!(emu.assignments(&group).iter().any(|(r, _)| r == graph::GLOBAL_ADMIN), "the group keeps GA");
    let _ = ga;

    // Only GA through the group, no role named: nothing changed, said plainly.
    let out = act(&p, "carol@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    assert!(!out.changed, "{out:?}");
    assert!(out.message.contains("Global Administrator comes through group `GA admins`"), "{out:?}");
    assert!(out.warnings.iter().any(|w| w.contains("--group \"GA admins\"")), "{out:?}");

    // GA named explicitly: an error, not a success, with the way to do it.
    let writes = emu.writes().len();
    let params = ActionParams { roles: vec!["Global Administrator".into()], ..ActionParams::default() };
    let e = act(&p, "carol@contoso.com", Action::RemoveRoles, &params).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest, "{e:?}");
    assert!(e.message.contains("only through the role-assignable group `GA admins`"), "{e:?}");
    assert!(
        e.hint.as_deref().unwrap().contains("remediate remove-groups carol@contoso.com --group \"GA admins\""),
        "{e:?}"
    );
    assert_eq!(emu.writes().len(), writes, "nothing written");
    assert!(emu.is_member(&group, &carol));
    // A dry run reports the same.
    let e = act_with(&p, "carol@contoso.com", Action::RemoveRoles, &params, Mode::DryRun, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    emu.assert_clean();
}

// ---- enforce-mfa ------------------------------------------------------------------------

#[tokio::test]
async fn enforce_mfa_creates_one_policy_for_many_users_and_adds_them_to_the_group() {
    let mut common = groups_common(None, Some("mfa-required"), None);
    common.protected = vec!["breakglass@contoso.com".into(), "ghost@contoso.com".into()];
    let (emu, p) = setup(common).await;
    let g = emu.add_group("mfa-required", GroupKind::Static);
    let bg = emu.add_user("breakglass@contoso.com");
    let users = emu.add_users(6, "user", "contoso.com");
    let outs: Vec<Outcome> = futures::stream::iter(1..=6)
        .map(|i| {
            let p = &p;
            async move { act(p, &format!("user{i:05}@contoso.com"), Action::EnforceMfa, &none()).await.unwrap() }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let policies = emu.policies();
    assert_eq!(policies.len(), 1, "one policy, not one per user");
    let pol = &policies[0];
    assert_eq!(pol["displayName"], MFA_POLICY_NAME);
    assert_eq!(pol["state"], "enabled");
    assert_eq!(pol["conditions"]["users"]["includeGroups"], json!([g]));
    assert_eq!(pol["conditions"]["users"]["excludeUsers"], json!([bg]), "protected accounts are excluded");
    assert_eq!(pol["grantControls"]["builtInControls"], json!(["mfa"]));
    assert_eq!(outs.iter().filter(|o| o.after["policy"]["created"] == json!(true)).count(), 1);
    assert!(outs.iter().all(|o| o.after["policy"]["id"] == pol["id"]));
    assert!(
        outs.iter().any(|o| o.warnings.iter().any(|w| w.contains("ghost@contoso.com"))),
        "a missing protected account is reported"
    );
    for u in &users {
        assert!(emu.is_member(&g, u));
    }
    let policy_writes = emu.writes().iter().filter(|w| w.path.starts_with("/identity/conditionalAccess")).count();
    assert_eq!(policy_writes, 1);

    // Enforcing again is no change, and its undo leaves the user where it found them.
    let o = act(&p, "user00001@contoso.com", Action::EnforceMfa, &none()).await.unwrap();
    assert!(!o.changed);
    assert_eq!(o.before["was_member"], json!(true));
    let keep = act_with(&p, "user00001@contoso.com", Action::UnenforceMfa, &none(), Mode::Apply, Some(&o.before))
        .await
        .unwrap();
    assert!(!keep.changed && emu.is_member(&g, &users[0]));
    // The undo of a real enforce takes the user out.
    assert!(outs.iter().all(|o| o.before["was_member"] == json!(false) && o.before["group"]["id"] == json!(g)));
    let back = act_with(&p, "user00001@contoso.com", Action::UnenforceMfa, &none(), Mode::Apply, Some(&outs[0].before))
        .await
        .unwrap();
    assert!(back.changed && !emu.is_member(&g, &users[0]));
    emu.assert_clean();
}

#[tokio::test]
async fn phishing_resistant_mfa_has_its_own_policy_and_group() {
    let (emu, p) = setup(groups_common(None, Some("mfa"), Some("mfa-strong"))).await;
    let weak = emu.add_group("mfa", GroupKind::Static);
    let strong = emu.add_group("mfa-strong", GroupKind::Static);
    let id = emu.add_user("alice@contoso.com");
    let params = ActionParams { phishing_resistant: true, ..ActionParams::default() };
    let out = act(&p, "alice@contoso.com", Action::EnforceMfa, &params).await.unwrap();
    assert!(out.changed && emu.is_member(&strong, &id) && !emu.is_member(&weak, &id));
    let pol = &emu.policies()[0];
    assert_eq!(pol["displayName"], PHISHING_RESISTANT_POLICY_NAME);
    assert_eq!(pol["grantControls"]["authenticationStrength"]["id"], "00000000-0000-0000-0000-000000000004");
    assert!(pol["grantControls"].get("builtInControls").is_none());
    assert_eq!(pol["conditions"]["users"]["includeGroups"], json!([strong]));
    assert_eq!(out.before["was_member"], json!(false));
    assert_eq!(out.before["phishing_resistant"], json!(true));
    assert_eq!(out.before["group"], json!({"id": strong, "name": "mfa-strong"}));

    // The undo takes the user out of that group, from the record alone.
    let back =
        act_with(&p, "alice@contoso.com", Action::UnenforceMfa, &none(), Mode::Apply, Some(&out.before)).await.unwrap();
    assert!(back.changed && !emu.is_member(&strong, &id));
    emu.assert_clean();
}

#[tokio::test]
async fn an_existing_policy_is_reused_and_completed_not_duplicated() {
    let mut common = groups_common(None, Some("mfa"), None);
    common.protected = vec!["bg@contoso.com".into()];
    let (emu, p) = setup(common).await;
    let g = emu.add_group("mfa", GroupKind::Static);
    let bg = emu.add_user("bg@contoso.com");
    emu.add_user("alice@contoso.com");
    emu.add_policy(json!({"displayName": MFA_POLICY_NAME, "state": "enabledForReportingButNotEnforced",
        "conditions": {"users": {"includeGroups": [], "excludeUsers": []}, "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}));
    let out = act(&p, "alice@contoso.com", Action::EnforceMfa, &none()).await.unwrap();
    assert!(out.changed);
    assert_eq!(out.after["policy"]["created"], json!(false));
    assert!(out.warnings.iter().any(|w| w.contains("enabledForReportingButNotEnforced")), "{:?}", out.warnings);
    let pols = emu.policies();
    assert_eq!(pols.len(), 1);
    assert_eq!(pols[0]["conditions"]["users"]["includeGroups"], json!([g]));
    assert_eq!(pols[0]["conditions"]["users"]["excludeUsers"], json!([bg]));
    emu.assert_clean();
}

#[tokio::test]
async fn enforce_mfa_without_a_configured_group_says_how_to_set_one() {
    let (emu, p) = setup(CommonSettings::default()).await;
    emu.add_user("alice@contoso.com");
    let e = act(&p, "alice@contoso.com", Action::EnforceMfa, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.hint.unwrap().contains("--mfa-group"));
    let e = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap_err();
    assert!(e.hint.unwrap().contains("--restricted-group"));
    assert!(emu.writes().is_empty());
    emu.assert_clean();
}

// ---- roles ------------------------------------------------------------------------------

/// An active assignment held alongside an eligibility for the same role is a PIM
/// activation: undo restores the eligibility, never a permanent assignment in its place.
#[tokio::test]
async fn an_activated_pim_role_is_not_restored_as_permanent() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("pim@contoso.com");
    emu.add_eligibility(&id, graph::SECURITY_ADMIN);
    emu.assign_role(&id, graph::SECURITY_ADMIN); // the activation
    emu.assign_role(&id, graph::HELPDESK_ADMIN); // a permanent assignment
    let out = act(&p, "pim@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    let roles = out.before["roles"].as_array().unwrap();
    let activated: Vec<&Value> = roles.iter().filter(|r| r["activated"] == json!(true)).collect();
    assert_eq!(activated.len(), 1, "{roles:#?}");
    assert_eq!(activated[0]["role_id"], graph::SECURITY_ADMIN);
    let back =
        act_with(&p, "pim@contoso.com", Action::RestoreRoles, &none(), Mode::Apply, Some(&out.before)).await.unwrap();
    let active: Vec<String> = emu.assignments(&id).into_iter().map(|(r, _)| r).collect();
    assert_eq!(active, vec![graph::HELPDESK_ADMIN.to_string()], "the activation is not made permanent");
    assert_eq!(emu.eligibilities(&id), vec![graph::SECURITY_ADMIN.to_string()], "the eligibility is back");
    assert!(back.warnings.iter().any(|w| w.contains("PIM activation")), "{:?}", back.warnings);
    emu.assert_clean();
}

#[tokio::test]
async fn remove_roles_takes_active_and_pim_eligible_and_restore_puts_them_back() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    emu.assign_role(&id, graph::EXCHANGE_ADMIN);
    emu.assign_role(&id, graph::HELPDESK_ADMIN);
    emu.add_eligibility(&id, graph::SECURITY_ADMIN);
    let out = act(&p, "alice@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    assert!(out.changed);
    assert!(emu.assignments(&id).is_empty() && emu.eligibilities(&id).is_empty());
    let roles = out.before["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 3);
    let active: Vec<&Value> = roles.iter().filter(|r| r.get("eligible").is_none()).collect();
    assert_eq!(active.len(), 2);
    assert!(active.iter().all(|a| a["scope"] == "/" && a["role_id"].is_string() && a["assignment_id"].is_string()));
    assert!(active.iter().any(|a| a["role_name"] == "Exchange Administrator"));
    let eligible: Vec<&Value> = roles.iter().filter(|r| r["eligible"] == json!(true)).collect();
    assert_eq!(eligible.len(), 1);
    assert_eq!(eligible[0]["role_id"], graph::SECURITY_ADMIN);
    assert!(out.message.contains("Security Administrator (eligible)"), "{}", out.message);

    let back =
        act_with(&p, "alice@contoso.com", Action::RestoreRoles, &none(), Mode::Apply, Some(&out.before)).await.unwrap();
    assert!(back.changed);
    let mut roles: Vec<String> = emu.assignments(&id).into_iter().map(|(r, _)| r).collect();
    roles.sort();
    let mut want = vec![graph::EXCHANGE_ADMIN.to_string(), graph::HELPDESK_ADMIN.to_string()];
    want.sort();
    assert_eq!(roles, want);
    assert_eq!(emu.eligibilities(&id), vec![graph::SECURITY_ADMIN.to_string()]);
    // What the restore re-created is recorded (by role id), so undoing it is exact.
    let mut recreated: Vec<&str> =
        back.before["roles"].as_array().unwrap().iter().map(|r| r["role_id"].as_str().unwrap()).collect();
    recreated.sort();
    let mut all = vec![graph::EXCHANGE_ADMIN, graph::HELPDESK_ADMIN, graph::SECURITY_ADMIN];
    all.sort();
    assert_eq!(recreated, all);
    // Restoring twice changes nothing.
    let again =
        act_with(&p, "alice@contoso.com", Action::RestoreRoles, &none(), Mode::Apply, Some(&out.before)).await.unwrap();
    assert!(!again.changed);
    emu.assert_clean();
}

#[tokio::test]
async fn remove_roles_by_name_or_id_removes_only_those() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    emu.assign_role(&id, graph::EXCHANGE_ADMIN);
    emu.assign_role(&id, graph::HELPDESK_ADMIN);
    emu.assign_role(&id, graph::SECURITY_ADMIN);
    let params = ActionParams {
        roles: vec!["Exchange Administrator".into(), graph::HELPDESK_ADMIN.into()],
        ..ActionParams::default()
    };
    act(&p, "alice@contoso.com", Action::RemoveRoles, &params).await.unwrap();
    assert_eq!(emu.assignments(&id), vec![(graph::SECURITY_ADMIN.to_string(), Some("/".to_string()))]);
    emu.assert_clean();
}

#[tokio::test]
async fn an_unknown_role_is_not_found_and_nothing_changes() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    emu.assign_role(&id, graph::EXCHANGE_ADMIN);
    for bad in ["Exchange Admin", "O'Brien's role", "00000000-1111-2222-3333-444444444444"] {
        let params =
            ActionParams { roles: vec!["Exchange Administrator".into(), bad.into()], ..ActionParams::default() };
        let e = act(&p, "alice@contoso.com", Action::RemoveRoles, &params).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{bad}");
        assert!(e.hint.is_some());
    }
    assert_eq!(emu.assignments(&id).len(), 1);
    assert!(emu.writes().is_empty());
    emu.assert_clean();
}

#[tokio::test]
async fn pim_that_cannot_be_read_is_skipped_and_said() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    emu.assign_role(&id, graph::EXCHANGE_ADMIN);
    emu.add_eligibility(&id, graph::SECURITY_ADMIN);
    emu.inject(Fault::on("GET", "roleEligibilityScheduleInstances", 403));
    let out = act(&p, "alice@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    assert!(out.changed && emu.assignments(&id).is_empty());
    assert_eq!(emu.eligibilities(&id).len(), 1, "PIM untouched");
    assert!(
        out.warnings.iter().any(|w| w.contains("PIM") && w.contains("RoleEligibilitySchedule.Read.Directory")),
        "{:?}",
        out.warnings
    );
    emu.assert_clean();
}

// ---- groups -----------------------------------------------------------------------------

#[tokio::test]
async fn remove_groups_pages_skips_what_graph_cannot_change_keeps_managed_groups_and_restores() {
    let (emu, p) = setup(groups_common(Some("restricted"), Some("mfa-required"), None)).await;
    let id = emu.add_user("alice@contoso.com");
    let mut removable = Vec::new();
    for (name, kind) in [
        ("sales", GroupKind::Static),
        ("eng", GroupKind::Static),
        ("m365", GroupKind::Unified),
        ("admins", GroupKind::RoleAssignable),
    ] {
        let g = emu.add_group(name, kind);
        emu.add_member(&g, &id);
        removable.push(g);
    }
    let mut kept = Vec::new();
    for (name, kind) in [
        ("dyn", GroupKind::Dynamic),
        ("onprem", GroupKind::Synced),
        ("mailsec", GroupKind::MailEnabledSecurity),
        ("dl", GroupKind::Distribution),
        ("restricted", GroupKind::Static),
        ("mfa-required", GroupKind::Static),
    ] {
        let g = emu.add_group(name, kind);
        emu.add_member(&g, &id);
        kept.push(g);
    }
    let out = act(&p, "alice@contoso.com", Action::RemoveGroups, &none()).await.unwrap();
    for g in &removable {
        assert!(!emu.is_member(g, &id));
    }
    for g in &kept {
        assert!(emu.is_member(g, &id), "kept {g}");
    }
    assert_eq!(out.before["groups"].as_array().unwrap().len(), 4);
    let skipped = out.after["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 4);
    assert!(skipped.iter().any(|s| s["reason"].as_str().unwrap().contains("dynamic")));
    assert!(skipped.iter().any(|s| s["reason"].as_str().unwrap().contains("Exchange")));
    assert_eq!(out.warnings.len(), 4);
    // memberOf was paged (page size 3 for 10 groups).
    assert!(emu.records().iter().filter(|r| r.path.contains("memberOf")).count() >= 4);
    assert!(emu.writes().iter().all(|w| w.method != "DELETE" || w.path.ends_with("/$ref")));

    let back = act_with(&p, "alice@contoso.com", Action::RestoreGroups, &none(), Mode::Apply, Some(&out.before))
        .await
        .unwrap();
    assert!(back.changed);
    for g in &removable {
        assert!(emu.is_member(g, &id));
    }
    assert_eq!(back.before["groups"].as_array().unwrap().len(), 4, "what was re-added, for an undo of the undo");
    let again = act_with(&p, "alice@contoso.com", Action::RestoreGroups, &none(), Mode::Apply, Some(&out.before))
        .await
        .unwrap();
    assert!(!again.changed && again.before["groups"] == json!([]));
    emu.assert_clean();
}

#[tokio::test]
async fn remove_groups_by_name_uses_an_escaped_filter() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    let ob = emu.add_group("O'Brien's team & co", GroupKind::Static);
    let other = emu.add_group("other", GroupKind::Static);
    emu.add_member(&ob, &id);
    emu.add_member(&other, &id);
    let params = ActionParams { groups: vec!["O'Brien's team & co".into()], ..ActionParams::default() };
    let out = act(&p, "alice@contoso.com", Action::RemoveGroups, &params).await.unwrap();
    assert!(out.changed);
    assert!(!emu.is_member(&ob, &id) && emu.is_member(&other, &id));
    emu.assert_clean();
}

#[tokio::test]
async fn a_missing_group_is_not_found_and_nothing_changes() {
    let (emu, p) = setup(groups_common(Some("no-such-group"), None, None)).await;
    let id = emu.add_user("alice@contoso.com");
    let g = emu.add_group("sales", GroupKind::Static);
    emu.add_member(&g, &id);
    let params = ActionParams { groups: vec!["sales".into(), "nope".into()], ..ActionParams::default() };
    let e = act(&p, "alice@contoso.com", Action::RemoveGroups, &params).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.message.contains("nope") && e.hint.is_some());
    let e = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(emu.writes().is_empty() && emu.is_member(&g, &id));
    emu.assert_clean();
}

#[tokio::test]
async fn restrict_and_unrestrict_are_idempotent() {
    let (emu, p) = setup(groups_common(Some("restricted"), None, None)).await;
    let g = emu.add_group("restricted", GroupKind::Static);
    let id = emu.add_user("alice@contoso.com");
    let out = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap();
    assert!(out.changed && emu.is_member(&g, &id));
    assert_eq!(out.before["was_member"], json!(false));
    let again = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap();
    assert!(!again.changed, "already a member (Graph 400 'already exist') is no change");
    let un = act(&p, "alice@contoso.com", Action::Unrestrict, &none()).await.unwrap();
    assert!(un.changed && !emu.is_member(&g, &id));
    let un2 = act(&p, "alice@contoso.com", Action::Unrestrict, &none()).await.unwrap();
    assert!(!un2.changed, "not a member (Graph 404) is no change");
    // Undo of a restrict that found the user already restricted leaves them there.
    emu.add_member(&g, &id);
    let keep =
        act_with(&p, "alice@contoso.com", Action::Unrestrict, &none(), Mode::Apply, Some(&again.before)).await.unwrap();
    assert!(!keep.changed && emu.is_member(&g, &id));
    emu.assert_clean();
}

#[tokio::test]
async fn a_dynamic_restricted_group_is_refused_with_a_hint() {
    let (emu, p) = setup(groups_common(Some("dyn"), None, None)).await;
    emu.add_group("dyn", GroupKind::Dynamic);
    emu.add_user("alice@contoso.com");
    let e = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("dynamic"));
    assert!(emu.writes().is_empty());
    emu.assert_clean();
}

// ---- errors -----------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_secret_is_an_authentication_error_that_leaks_nothing() {
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(graph::LEAST_PRIVILEGE));
    emu.add_user("alice@contoso.com");
    let wrong = "wrong-secret-value";
    let p =
        Entra::new(&profile(&emu, CommonSettings::default()), Credential::Secret(Secret::new(wrong)), quick()).unwrap();
    let e = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Authentication);
    assert!(e.message.contains("AADSTS7000215"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("secret"), "{:?}", e.hint);
    for t in err_texts(&e) {
        assert!(!t.contains(wrong) && !t.contains(SECRET), "{t}");
    }
    assert!(format!("{p:?}").find(wrong).is_none());
    assert!(emu.writes().is_empty());
    emu.assert_clean();
}

#[tokio::test]
async fn a_missing_permission_is_named_in_the_hint() {
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(&["User.Read.All", "RoleManagement.Read.Directory"]));
    let id = emu.add_user("alice@contoso.com");
    let p = provider(&emu, CommonSettings::default());
    let e = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission);
    let hint = e.hint.clone().unwrap();
    assert!(hint.contains("`User.EnableDisableAccount.All`") && hint.contains("Entra role"), "{hint}");
    assert!(e.request_id.is_some());
    let e = act(&p, "alice@contoso.com", Action::ResetPassword, &none()).await.unwrap_err();
    assert!(e.hint.unwrap().contains("`User-PasswordProfile.ReadWrite.All`"));
    assert!(emu.user(&id).enabled && emu.user(&id).password.is_none());

    // With the permission held, a 403 means the Entra role is missing.
    let emu2 = Emulator::start(Config::default()).await;
    emu2.register_app(app(graph::LEAST_PRIVILEGE));
    emu2.add_user("admin@contoso.com");
    emu2.inject(Fault::on("PATCH", "/users/", 403));
    let p2 = provider(&emu2, CommonSettings::default());
    let e = act(&p2, "admin@contoso.com", Action::Disable, &none()).await.unwrap_err();
    let hint = e.hint.unwrap();
    assert!(
        hint.starts_with("the app holds `User.EnableDisableAccount.All`")
            && hint.contains("Privileged Authentication Administrator"),
        "{hint}"
    );
    emu.assert_clean();
    emu2.assert_clean();
}

#[tokio::test]
async fn an_unknown_user_is_not_found_with_a_request_id() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let e = p.resolve("nobody@contoso.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.message.contains("nobody@contoso.com"));
    assert!(e.request_id.is_some(), "Graph's request-id is kept");
    emu.assert_clean();
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    emu.inject(Fault::on("PATCH", "/users/", 429).retry_after(1));
    let t = Instant::now();
    let out = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap();
    assert!(out.changed && !emu.user(&id).enabled);
    let patches: Vec<_> = emu.writes().into_iter().filter(|w| w.method == "PATCH").collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0].status, 429);
    assert!(patches[1].at.duration_since(patches[0].at) >= Duration::from_millis(950), "waited for Retry-After");
    assert!(t.elapsed() >= Duration::from_secs(1));
    assert_eq!(p.stats().throttled, 1);
    emu.assert_clean();
}

#[tokio::test]
async fn transient_5xx_is_retried_with_backoff() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let g = emu.add_group("restricted", GroupKind::Static);
    let id = emu.add_user("alice@contoso.com");
    let p = {
        drop(p);
        provider(&emu, groups_common(Some("restricted"), None, None))
    };
    emu.inject(Fault::on("POST", "/members/$ref", 503).times(2));
    let out = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap();
    // The retried add was ambiguous after the 5xx; Graph's final answer was a 204.
    assert!(out.changed && emu.is_member(&g, &id));
    assert_eq!(p.stats().transient_retries, 2);
    emu.assert_clean();
}

#[tokio::test]
async fn a_retry_budget_that_runs_out_is_throttled_and_nothing_is_claimed() {
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(graph::LEAST_PRIVILEGE));
    let id = emu.add_user("alice@contoso.com");
    let tuning = Tuning { max_throttled: 2, ..quick() };
    let p =
        Entra::new(&profile(&emu, CommonSettings::default()), Credential::Secret(Secret::new(SECRET)), tuning).unwrap();
    emu.inject(Fault::on("PATCH", "/users/", 429).retry_after(0).times(3));
    let e = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Throttled);
    assert!(emu.user(&id).enabled);
    assert_eq!(emu.writes().len(), 3, "first try + 2 retries");
    emu.inject(Fault::on("PATCH", "/users/", 503).times(10));
    let e = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(emu.user(&id).enabled);
    emu.assert_clean();
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_exponentially() {
    // Conditional access answers 429 with no Retry-After (1 request/s per tenant); with
    // the client's own spacing turned off it must back off until Graph lets it through.
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(graph::LEAST_PRIVILEGE));
    let g = emu.add_group("mfa", GroupKind::Static);
    let id = emu.add_user("alice@contoso.com");
    let tuning = Tuning { ca_spacing: Duration::ZERO, backoff_base: Duration::from_millis(200), ..quick() };
    let p = Entra::new(
        &profile(&emu, groups_common(None, Some("mfa"), None)),
        Credential::Secret(Secret::new(SECRET)),
        tuning,
    )
    .unwrap();
    let out = act(&p, "alice@contoso.com", Action::EnforceMfa, &none()).await.unwrap();
    assert!(out.changed && emu.is_member(&g, &id));
    assert_eq!(emu.policies().len(), 1);
    let ca: Vec<_> = emu.records().into_iter().filter(|r| r.path.starts_with("/identity/conditionalAccess")).collect();
    assert!(ca.iter().any(|r| r.status == 429), "the policy write was throttled first: {ca:?}");
    assert_eq!(ca.iter().filter(|r| r.method == "POST" && r.status == 201).count(), 1);
    assert!(p.stats().throttled >= 1);
    emu.assert_clean();
}

// ---- Graph conformance: documented request forms and answers -----------------------------

fn provider_tuned(emu: &Emulator, common: CommonSettings, tuning: Tuning) -> Entra {
    Entra::new(&profile(emu, common), Credential::Secret(Secret::new(SECRET)), tuning).expect("provider")
}

/// The memberOf GETs the emulator answered, in order.
fn member_of_reads(emu: &Emulator) -> Vec<graph::Record> {
    emu.records().into_iter().filter(|r| r.method == "GET" && r.path.contains("/memberOf/")).collect()
}

#[tokio::test]
async fn member_of_cast_sends_consistency_level_and_count_on_every_page() {
    // The emulator answers 400 Request_UnsupportedQuery to a cast without
    // `ConsistencyLevel: eventual` and `$count=true` (user-list-memberof), page by page.
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    let groups: Vec<String> = (0..7).map(|i| emu.add_group(&format!("g{i}"), GroupKind::Static)).collect();
    for g in &groups {
        emu.add_member(g, &id);
    }
    let out = act(&p, "alice@contoso.com", Action::RemoveGroups, &none()).await.unwrap();
    assert_eq!(out.before["groups"].as_array().unwrap().len(), 7, "every page was read: {:?}", out.before);
    assert!(groups.iter().all(|g| !emu.is_member(g, &id)));
    let reads = member_of_reads(&emu);
    assert_eq!(reads.len(), 3, "7 groups in pages of 3: {reads:?}");
    assert!(reads.iter().all(|r| r.status == 200 && r.path.contains("$count=true")), "{reads:?}");
    emu.assert_clean();
}

#[tokio::test]
async fn request_headers_go_into_batch_items() {
    use remediate::providers::entra::auth::{Endpoints, TokenSource};
    use remediate::providers::entra::client::{Client, GraphRequest};
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(graph::LEAST_PRIVILEGE));
    let id = emu.add_user("alice@contoso.com");
    let g = emu.add_group("g", GroupKind::Static);
    emu.add_member(&g, &id);
    let prof = profile(&emu, CommonSettings::default());
    let ProviderConfig::Entra(cfg) = &prof.provider else { unreachable!("an entra profile") };
    let endpoints = Endpoints::new(cfg).unwrap();
    let http = reqwest::Client::new();
    let tokens = TokenSource::new(
        http.clone(),
        endpoints.clone(),
        cfg.tenant_id.clone(),
        cfg.client_id.clone(),
        Credential::Secret(Secret::new(SECRET)),
    );
    let client = Client::new(http, endpoints.graph_v1(), "https://graph.microsoft.com/v1.0", tokens, quick());
    let path = format!("/users/{id}/memberOf/microsoft.graph.group?$count=true");
    let r = client.send(GraphRequest::get(path.as_str()).header("ConsistencyLevel", "eventual")).await.unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["value"][0]["id"], json!(g));
    let last = emu.records().pop().unwrap();
    assert!(last.in_batch && last.status == 200, "{last:?}");
    // The same read without the header is refused: the check above is not vacuous.
    let r = client.send(GraphRequest::get(path.as_str())).await.unwrap();
    assert_eq!(r.status, 400);
    assert!(emu.take_violations().iter().any(|v| v.contains("ConsistencyLevel")));
    emu.assert_clean();
}

#[tokio::test]
async fn next_links_on_the_canonical_graph_host_are_followed_through_the_configured_base() {
    let cfg = Config { canonical_next_links: true, ..Config::default() };
    let (emu, p) = setup_with(cfg, CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    let groups: Vec<String> = (0..5).map(|i| emu.add_group(&format!("g{i}"), GroupKind::Static)).collect();
    for g in &groups {
        emu.add_member(g, &id);
    }
    let out = act(&p, "alice@contoso.com", Action::RemoveGroups, &none()).await.unwrap();
    assert_eq!(out.before["groups"].as_array().unwrap().len(), 5, "{:?}", out.before);
    // The second page (named on https://graph.microsoft.com) was fetched from the emulator.
    let reads = member_of_reads(&emu);
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(reads[1].path.contains("$skiptoken="), "{reads:?}");
    emu.assert_clean();
}

#[tokio::test]
async fn a_bodiless_post_is_well_formed_batched_or_direct() {
    // Batched: `"body": {}` with its Content-Type (json-batching); direct: Content-Length: 0.
    for batch_writes in [true, false] {
        let (emu, _) = setup(CommonSettings::default()).await;
        let p = provider_tuned(&emu, CommonSettings::default(), Tuning { batch_writes, ..quick() });
        let id = emu.add_user("alice@contoso.com");
        let out = act(&p, "alice@contoso.com", Action::RevokeSessions, &none()).await.unwrap();
        assert!(out.changed, "batch_writes={batch_writes}");
        assert_eq!(emu.user(&id).revocations, 1);
        let posts: Vec<_> = emu.writes().into_iter().filter(|w| w.path.ends_with("/revokeSignInSessions")).collect();
        assert_eq!(posts.len(), 1, "{posts:?}");
        assert_eq!((posts[0].in_batch, posts[0].status), (batch_writes, 200));
        emu.assert_clean();
    }
}

#[tokio::test]
async fn an_already_member_400_with_another_message_is_no_change() {
    // Only "400 Bad Request" is documented for a duplicate add (group-post-members): the
    // membership is checked, whatever the message says.
    let cfg = Config {
        duplicate_member_message: Some("Added conflicting object references to 'members'.".into()),
        ..Config::default()
    };
    let (emu, _) = setup_with(cfg, CommonSettings::default()).await;
    let g = emu.add_group("restricted", GroupKind::Static);
    let id = emu.add_user("alice@contoso.com");
    emu.add_member(&g, &id);
    let p = provider(&emu, groups_common(Some("restricted"), None, None));
    let out = act(&p, "alice@contoso.com", Action::Restrict, &none()).await.unwrap();
    assert!(!out.changed, "{}", out.message);
    assert!(out.message.contains("already in group"), "{}", out.message);
    assert_eq!(out.before["was_member"], json!(true));
    let adds: Vec<_> = emu.writes().into_iter().filter(|w| w.path.ends_with("/members/$ref")).collect();
    assert_eq!(adds.iter().map(|w| w.status).collect::<Vec<_>>(), vec![400]);

    // Any other 400 for a user who is not in the group stays an error.
    let bob = emu.add_user("bob@contoso.com");
    emu.inject(Fault::on("POST", "/members/$ref", 400));
    let e = act(&p, "bob@contoso.com", Action::Restrict, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest, "{e:?}");
    assert!(!emu.is_member(&g, &bob));
    emu.assert_clean();
}

#[tokio::test]
async fn a_retry_after_on_503_is_honoured_beyond_the_backoff_cap() {
    // quick(): backoff capped at 200 ms; Graph's `Retry-After: 1` must still be waited.
    for batch_writes in [true, false] {
        let (emu, _) = setup(CommonSettings::default()).await;
        let p = provider_tuned(&emu, CommonSettings::default(), Tuning { batch_writes, ..quick() });
        let id = emu.add_user("alice@contoso.com");
        emu.inject(Fault::on("PATCH", "/users/", 503).retry_after(1));
        let out = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap();
        assert!(out.changed && !emu.user(&id).enabled);
        let patches: Vec<_> = emu.writes().into_iter().filter(|w| w.method == "PATCH").collect();
        assert_eq!(patches.iter().map(|w| w.status).collect::<Vec<_>>(), vec![503, 204]);
        let gap = patches[1].at.duration_since(patches[0].at);
        assert!(gap >= Duration::from_millis(950), "batch_writes={batch_writes}: waited only {gap:?}");
        emu.assert_clean();
    }
    // A Retry-After beyond `max_retry_after` is not waited for: the request gives up.
    let (emu, _) = setup(CommonSettings::default()).await;
    let p =
        provider_tuned(&emu, CommonSettings::default(), Tuning { max_retry_after: Duration::from_secs(2), ..quick() });
    let id = emu.add_user("alice@contoso.com");
    emu.inject(Fault::on("PATCH", "/users/", 503).retry_after(3600));
    let t = Instant::now();
    let e = act(&p, "alice@contoso.com", Action::Disable, &none()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(emu.user(&id).enabled);
    emu.assert_clean();
}

#[tokio::test]
async fn a_202_accepted_on_get_user_is_read_again() {
    // user-get: "returns 202 Accepted when ... the server requires more time".
    for batch_reads in [true, false] {
        let (emu, _) = setup(CommonSettings::default()).await;
        let p = provider_tuned(&emu, CommonSettings::default(), Tuning { batch_reads, ..quick() });
        let id = emu.add_user("alice@contoso.com");
        emu.inject(Fault::on("GET", "/users/", 202).retry_after(0).times(2));
        let u = p.resolve("alice@contoso.com").await.unwrap();
        assert_eq!(u.id, id, "batch_reads={batch_reads}");
        let gets: Vec<u16> = emu.records().into_iter().filter(|r| r.method == "GET").map(|r| r.status).collect();
        assert_eq!(gets, vec![202, 202, 200], "batch_reads={batch_reads}");
        assert_eq!(p.stats().transient_retries, 2);
        emu.assert_clean();
    }
    // Within the retry budget only.
    let (emu, _) = setup(CommonSettings::default()).await;
    let p = provider_tuned(&emu, CommonSettings::default(), Tuning { max_transient: 1, ..quick() });
    emu.add_user("alice@contoso.com");
    emu.inject(Fault::on("GET", "/users/", 202).times(5));
    let e = p.resolve("alice@contoso.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient, "{e:?}");
    assert!(e.message.contains("202"), "{}", e.message);
    emu.assert_clean();
}

#[tokio::test]
async fn an_app_scoped_pim_eligibility_is_removed_and_restored_with_only_its_app_scope() {
    // "Either directoryScopeId or appScopeId is required": the emulator refuses both.
    let (emu, p) = setup(CommonSettings::default()).await;
    let id = emu.add_user("alice@contoso.com");
    emu.add_eligibility_scoped(&id, graph::SECURITY_ADMIN, None, Some("/app-1"));
    emu.add_eligibility(&id, graph::HELPDESK_ADMIN);
    let out = act(&p, "alice@contoso.com", Action::RemoveRoles, &none()).await.unwrap();
    assert!(out.changed, "{}", out.message);
    assert!(emu.eligibility_scopes(&id).is_empty());
    let back =
        act_with(&p, "alice@contoso.com", Action::RestoreRoles, &none(), Mode::Apply, Some(&out.before)).await.unwrap();
    assert!(back.changed);
    let mut got = emu.eligibility_scopes(&id);
    got.sort();
    let mut want = vec![
        (graph::SECURITY_ADMIN.to_string(), None, Some("/app-1".to_string())),
        (graph::HELPDESK_ADMIN.to_string(), Some("/".to_string()), None),
    ];
    want.sort();
    assert_eq!(got, want);
    emu.assert_clean();
}

#[tokio::test]
async fn a_policy_update_keeps_the_admins_other_user_conditions() {
    // The emulator takes a sent `conditions.users` as the whole object (PATCH of a nested
    // object); an admin's excludeGroups / includeRoles must come back in it.
    let (emu, _) = setup(CommonSettings::default()).await;
    let g = emu.add_group("mfa", GroupKind::Static);
    let breakglass = emu.add_group("break-glass", GroupKind::Static);
    emu.add_user("alice@contoso.com");
    emu.add_policy(json!({"displayName": MFA_POLICY_NAME, "state": "enabled",
        "conditions": {"users": {"includeGroups": [], "excludeUsers": [], "excludeGroups": [breakglass],
            "includeRoles": [graph::EXCHANGE_ADMIN]},
            "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}));
    let p = provider(&emu, groups_common(None, Some("mfa"), None));
    act(&p, "alice@contoso.com", Action::EnforceMfa, &none()).await.unwrap();
    let pols = emu.policies();
    let users = &pols[0]["conditions"]["users"];
    assert_eq!(users["includeGroups"], json!([g]));
    assert_eq!(users["excludeGroups"], json!([breakglass]), "{users}");
    assert_eq!(users["includeRoles"], json!([graph::EXCHANGE_ADMIN]), "{users}");
    assert_eq!(pols[0]["conditions"]["applications"], json!({"includeApplications": ["All"]}));
    emu.assert_clean();
}

// ---- bulk, $batch and the write quota ---------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_disables_are_coalesced_into_batches_and_stay_under_the_quota() {
    // 40 writes of burst, then 20/s: 160 writes need at least (160-40)/20 = 6 s.
    let cfg =
        Config { quota: Some((40, Duration::from_secs(2))), latency: Duration::from_millis(5), ..Config::default() };
    let (emu, p) = setup_with(cfg, CommonSettings::default()).await;
    let ids = emu.add_users(160, "bulk", "contoso.com");
    let t = Instant::now();
    let results: Vec<Result<Outcome, ProviderError>> = futures::stream::iter(1..=160)
        .map(|i| {
            let p = &p;
            async move { act(p, &format!("bulk{i:05}@contoso.com"), Action::Disable, &none()).await }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let elapsed = t.elapsed();
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|o| o.changed)), "{:?}", results.iter().find(|r| r.is_err()));
    assert!(ids.iter().all(|id| !emu.user(id).enabled), "every user disabled");
    let s = emu.stats();
    assert!(s.batch_requests > 0 && s.batch_requests < 120, "writes went through $batch: {s:?}");
    assert_eq!(s.writes_accepted, 160);
    assert!(elapsed >= Duration::from_secs(5), "the quota was honoured: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(20), "and followed closely: {elapsed:?}");
    // Every throttled item came back and was retried; none was reported done without a 2xx.
    let patches = emu.writes().into_iter().filter(|w| w.method == "PATCH").collect::<Vec<_>>();
    assert_eq!(patches.iter().filter(|w| w.status == 204).count(), 160);
    assert!(patches.iter().all(|w| w.in_batch));
    emu.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_reset_password_keeps_the_revoke_after_the_patch() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let ids = emu.add_users(30, "pw", "contoso.com");
    let outs: Vec<Outcome> = futures::stream::iter(1..=30)
        .map(|i| {
            let p = &p;
            async move { act(p, &format!("pw{i:05}@contoso.com"), Action::ResetPassword, &none()).await.unwrap() }
        })
        .buffer_unordered(30)
        .collect()
        .await;
    assert_eq!(outs.len(), 30);
    let writes = emu.writes();
    for id in &ids {
        let u = emu.user(id);
        assert!(u.password.is_some() && u.force_change && u.revocations == 1);
        let patch = writes.iter().position(|w| w.method == "PATCH" && w.path.contains(id.as_str())).unwrap();
        let revoke = writes.iter().position(|w| w.method == "POST" && w.path.contains(id.as_str())).unwrap();
        assert!(patch < revoke, "revoke after the password for {id}");
    }
    assert!(writes.iter().any(|w| w.in_batch));
    emu.assert_clean();
}

// ---- credentials and clouds -------------------------------------------------------------

fn cert_profile(emu: &Emulator, path: &std::path::Path, alg: AssertionAlg) -> TenantProfile {
    let mut prof = profile(emu, CommonSettings::default());
    if let ProviderConfig::Entra(c) = &mut prof.provider {
        c.certificate = Some(path.to_path_buf());
        c.assertion_alg = alg;
    }
    prof
}

#[tokio::test]
async fn a_certificate_signs_ps256_or_rs256_assertions() {
    let (cert, key) = graph::make_certificate("remediate-test");
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("app.pem");
    std::fs::write(&pem, format!("{cert}{key}")).unwrap();
    for alg in [AssertionAlg::Ps256, AssertionAlg::Rs256] {
        let emu = Emulator::start(Config::default()).await;
        emu.register_app(App {
            client_id: CLIENT.into(),
            certificate_pem: Some(cert.clone()),
            allow_rs256: alg == AssertionAlg::Rs256,
            roles: graph::LEAST_PRIVILEGE.iter().map(|s| s.to_string()).collect(),
            ..App::default()
        });
        let id = emu.add_user("alice@contoso.com");
        // Through `providers::build`, as the engine does it.
        let prov = remediate::providers::build(
            &cert_profile(&emu, &pem, alg),
            &remediate::providers::ProviderEnv { state_dir: dir.path().into() },
        )
        .unwrap();
        assert_eq!(prov.kind(), ProviderKind::Entra);
        let u = prov.resolve("alice@contoso.com").await.unwrap();
        assert_eq!(u.id, id, "{alg:?}");
        emu.assert_clean();
    }
}

#[tokio::test]
async fn a_certificate_that_is_not_registered_is_an_authentication_error() {
    let (registered, _) = graph::make_certificate("registered");
    let (cert, key) = graph::make_certificate("other");
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("app.pem");
    std::fs::write(&pem, format!("{key}{cert}")).unwrap();
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(App {
        client_id: CLIENT.into(),
        certificate_pem: Some(registered),
        roles: vec!["User.Read.All".into()],
        ..App::default()
    });
    let p = Entra::from_profile(&cert_profile(&emu, &pem, AssertionAlg::Ps256)).unwrap();
    let e = p.resolve("alice@contoso.com").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Authentication);
    assert!(e.message.contains("AADSTS700027"), "{}", e.message);
    assert!(e.hint.unwrap().contains("upload"));
    emu.assert_clean();
}

#[tokio::test]
async fn bad_certificate_files_fail_before_any_request() {
    let emu = Emulator::start(Config::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = graph::make_certificate("a");
    let (_, other_key) = graph::make_certificate("b");
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing.pem", None, "does not exist"),
        ("garbage.pem", Some("this is not a certificate".into()), "no `-----BEGIN"),
        ("cert-only.pem", Some(cert.clone()), "no `PRIVATE KEY` block"),
        ("key-only.pem", Some(key.clone()), "no `CERTIFICATE` block"),
        ("mismatch.pem", Some(format!("{cert}{other_key}")), "does not belong"),
        (
            "badb64.pem",
            Some("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".into()),
            "not valid base64",
        ),
    ];
    for (name, content, want) in cases {
        let path = dir.path().join(name);
        if let Some(c) = &content {
            std::fs::write(&path, c).unwrap();
        }
        let e = Entra::from_profile(&cert_profile(&emu, &path, AssertionAlg::Ps256)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(want), "{name}: {msg}");
        let hint = e.hint().unwrap_or_default();
        assert!(!hint.is_empty(), "{name}: a hint");
        assert!(!msg.contains("PRIVATE KEY-----") && !hint.contains("MII"), "{name}: no key material in {msg}");
    }
    assert_eq!(emu.stats().http_requests, 0, "nothing was sent");
    emu.assert_clean();
}

#[tokio::test]
async fn a_national_cloud_uses_its_scope_audience_and_odata_host() {
    for (ours, theirs) in [
        (Cloud::Usgov, graph::Cloud::Usgov),
        (Cloud::UsgovDod, graph::Cloud::UsgovDod),
        (Cloud::China, graph::Cloud::China),
    ] {
        let emu = Emulator::start(Config { cloud: theirs, ..Config::default() }).await;
        let (cert, key) = graph::make_certificate("gov");
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("app.pem");
        std::fs::write(&pem, format!("{cert}{key}")).unwrap();
        emu.register_app(App {
            client_id: CLIENT.into(),
            certificate_pem: Some(cert),
            roles: graph::LEAST_PRIVILEGE.iter().map(|s| s.to_string()).collect(),
            ..App::default()
        });
        let g = emu.add_group("restricted", GroupKind::Static);
        let id = emu.add_user("alice@agency.gov");
        let mut prof = cert_profile(&emu, &pem, AssertionAlg::Ps256);
        prof.common.restricted_group = Some("restricted".into());
        if let ProviderConfig::Entra(c) = &mut prof.provider {
            c.cloud = ours;
        }
        let p = Entra::from_profile(&prof).unwrap();
        let out = act(&p, "alice@agency.gov", Action::Restrict, &none()).await.unwrap();
        assert!(out.changed && emu.is_member(&g, &id), "{ours:?}");
        emu.assert_clean();
    }
}

#[tokio::test]
async fn the_token_is_cached_and_renewed_after_a_401() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let ids = emu.add_users(5, "u", "contoso.com");
    for i in 1..=5 {
        act(&p, &format!("u{i:05}@contoso.com"), Action::Disable, &none()).await.unwrap();
    }
    assert_eq!(emu.stats().token_requests, 1, "one token for many calls");
    emu.revoke_tokens();
    act_with(&p, &ids[0], Action::Enable, &none(), Mode::Apply, None).await.unwrap();
    assert_eq!(emu.stats().token_requests, 2, "a 401 gets a new token, once");
    assert!(emu.user(&ids[0]).enabled);
    emu.assert_clean();
}

#[tokio::test]
async fn plain_http_endpoints_are_refused_off_loopback() {
    let emu = Emulator::start(Config::default()).await;
    let mut prof = profile(&emu, CommonSettings::default());
    if let ProviderConfig::Entra(c) = &mut prof.provider {
        c.graph_url = Some("http://graph.example.com".into());
    }
    let e = Entra::new(&prof, Credential::Secret(Secret::new(SECRET)), quick()).unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");
}

// ---- tenant test --------------------------------------------------------------------------

#[tokio::test]
async fn check_reports_each_action_and_what_to_grant() {
    let (emu, p) = setup(CommonSettings::default()).await;
    let checks = p.check().await.unwrap();
    assert_eq!(checks[0].name, "token");
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert_eq!(checks.len(), 1 + Action::USER_FACING.len());

    let emu2 = Emulator::start(Config::default()).await;
    emu2.register_app(app(&["User.Read.All", "RoleManagement.Read.Directory", "Directory.ReadWrite.All"]));
    let p2 = provider(&emu2, CommonSettings::default());
    let checks = p2.check().await.unwrap();
    let by = |n: &str| checks.iter().find(|c| c.name == n).unwrap().clone();
    assert!(by("disable").ok, "Directory.ReadWrite.All is higher than User.EnableDisableAccount.All");
    let roles = by("remove-roles");
    assert!(!roles.ok && roles.hint.unwrap().contains("`RoleManagement.ReadWrite.Directory`"));
    let mfa = by("enforce-mfa");
    assert!(!mfa.ok && mfa.detail.contains("Policy.ReadWrite.ConditionalAccess"));
    let texts: Vec<String> = checks.iter().map(|c| format!("{c:?}")).collect();
    assert_no_secrets(&emu2, &texts);

    let emu3 = Emulator::start(Config::default()).await;
    emu3.register_app(app(&[]));
    let bad = Entra::new(&profile(&emu3, CommonSettings::default()), Credential::Secret(Secret::new("nope")), quick())
        .unwrap();
    assert_eq!(bad.check().await.unwrap_err().kind, ErrorKind::Authentication);
    emu.assert_clean();
    emu2.assert_clean();
    emu3.assert_clean();
}

#[tokio::test]
async fn outputs_never_carry_the_secret_or_a_token() {
    let (emu, p) = setup(groups_common(Some("restricted"), None, None)).await;
    emu.add_group("restricted", GroupKind::Static);
    emu.add_user("alice@contoso.com");
    let mut texts = Vec::new();
    for action in [Action::Disable, Action::RevokeSessions, Action::Restrict, Action::RemoveGroups, Action::RemoveRoles]
    {
        let o = act(&p, "alice@contoso.com", action, &none()).await.unwrap();
        texts.push(format!("{o:?} {} {} {}", o.message, o.before, o.after));
    }
    let e = act(&p, "ghost@contoso.com", Action::Disable, &none()).await.unwrap_err();
    texts.extend(err_texts(&e));
    texts.push(format!("{p:?}"));
    assert_no_secrets(&emu, &texts);
    emu.assert_clean();
}

// ---- the emulator itself is strict ------------------------------------------------------

/// The checks above are only as good as the emulator's strictness: each malformed call
/// here must be flagged (and each is a mistake a Graph client can really make).
#[tokio::test]
async fn the_emulator_flags_malformed_calls() {
    let emu = Emulator::start(Config::default()).await;
    emu.register_app(app(graph::LEAST_PRIVILEGE));
    let uid = emu.add_user("alice@contoso.com");
    let gid = emu.add_group("g", GroupKind::Static);
    emu.add_member(&gid, &uid);
    let http = reqwest::Client::new();
    let tok: Value = http
        .post(format!("{}/{}/oauth2/v2.0/token", emu.url(), emu.tenant_id()))
        .form(&[
            ("client_id", CLIENT),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tok = tok["access_token"].as_str().unwrap().to_string();
    let base = format!("{}/v1.0", emu.url());
    let items: Vec<Value> =
        (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{uid}")})).collect();
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        ("DELETE", format!("/groups/{gid}/members/{uid}"), None, "not a path"),
        ("PATCH", format!("/users/{uid}"), Some(json!({"accountEnabled": "false"})), "expected a boolean"),
        ("PATCH", format!("/users/{uid}"), Some(json!({"acountEnabled": false})), "unknown property `acountEnabled`"),
        (
            "PATCH",
            format!("/users/{uid}"),
            Some(json!({"passwordProfile": {"forceChangePasswordNextSignIn": true}})),
            "silent no-op",
        ),
        ("GET", "/users/$alice@contoso.com".into(), None, "`$`"),
        ("GET", "/groups?$filter=displayName eq 'O'Brien'".into(), None, "malformed $filter"),
        ("GET", format!("/users/{uid}?$select=accountEnabld"), None, "$select"),
        (
            "POST",
            format!("/groups/{gid}/members/$ref"),
            Some(json!({"@odata.id": format!("https://graph.microsoft.us/v1.0/directoryObjects/{uid}")})),
            "@odata.id",
        ),
        ("GET", "/groups/sales".into(), None, "object id"),
        ("POST", "/$batch".into(), Some(json!({"requests": items})), "at most 20"),
        ("GET", format!("/users/{uid}?$expand=memberOf"), None, "not allowed"),
        ("GET", format!("/users/{uid}/memberOf/microsoft.graph.group"), None, "ConsistencyLevel"),
        ("GET", "/groups".into(), None, "displayName eq"),
        (
            "POST",
            "/$batch".into(),
            Some(
                json!({"requests": [{"id": "1", "method": "POST", "url": format!("/users/{uid}/revokeSignInSessions")}]}),
            ),
            "empty object body",
        ),
    ];
    for (method, path, body, want) in cases {
        let mut rb = http.request(method.parse().unwrap(), format!("{base}{path}")).bearer_auth(&tok);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        let batch_item_refused = path == "/$batch" && text.contains(r#""status":400"#);
        assert!(
            status.is_client_error() || method == "PATCH" || batch_item_refused,
            "{method} {path}: {status} {text}"
        );
        let v = emu.take_violations();
        assert!(v.iter().any(|x| x.contains(want)), "{method} {path}: want a violation with {want:?}, got {v:?}");
    }
    // No bearer token, and a JSON body sent as text.
    http.get(format!("{base}/users/{uid}")).send().await.unwrap();
    assert!(emu.take_violations().iter().any(|v| v.contains("no Authorization")));
    http.patch(format!("{base}/users/{uid}"))
        .bearer_auth(&tok)
        .body(r#"{"accountEnabled":false}"#)
        .send()
        .await
        .unwrap();
    assert!(emu.take_violations().iter().any(|v| v.contains("Content-Type")));
    assert!(emu.user(&uid).enabled && emu.is_member(&gid, &uid), "no malformed call changed anything");
    emu.assert_clean();
}

// ---- end to end, through the `remediate` binary ------------------------------------------

mod cli {
    use super::graph::{self, App, Config, Emulator, GroupKind, NewUser};
    use super::{CLIENT, SECRET};
    use crate::support::{TestEnv, stderr, stdout};

    /// An emulator on its own runtime (the binary runs in the foreground of the test).
    struct Live {
        emu: Emulator,
        _rt: tokio::runtime::Runtime,
    }

    fn live(cfg: Config, roles: &[&str]) -> Live {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let emu = rt.block_on(Emulator::start(cfg));
        emu.register_app(App {
            client_id: CLIENT.into(),
            secret: Some(SECRET.into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            ..App::default()
        });
        Live { emu, _rt: rt }
    }

    /// A config with tenant `contoso` written by `tenant add`, and its secret in the env.
    fn env_for(emu: &Emulator, extra: &[&str]) -> TestEnv {
        let mut env = TestEnv::new();
        env.set("REMEDIATE_SECRET_CONTOSO", SECRET);
        let url = emu.url();
        let tenant_id = emu.tenant_id();
        let mut args = vec![
            "tenant",
            "add",
            "contoso",
            "--provider",
            "entra",
            "--tenant-id",
            &tenant_id,
            "--client-id",
            CLIENT,
            "--graph-url",
            &url,
            "--login-url",
            &url,
        ];
        args.extend_from_slice(extra);
        let out = env.run(&args);
        assert!(out.status.success(), "tenant add: {}", stderr(&out));
        let text = std::fs::read_to_string(&env.config).unwrap();
        assert!(text.contains("provider = \"entra\"") && text.contains(&tenant_id), "{text}");
        assert!(!text.contains(SECRET), "the secret is never written to the config");
        env
    }

    fn no_secret_in(out: &std::process::Output, tokens: &[String]) {
        let all = format!("{}{}", stdout(out), stderr(out));
        assert!(!all.contains(SECRET), "secret leaked: {all}");
        for t in tokens {
            assert!(!all.contains(t.as_str()), "token leaked: {all}");
        }
    }

    /// The provider conformance scenario (`conformance.rs`) against the Graph emulator,
    /// reading state back from the emulator itself.
    struct EntraBackend {
        live: Live,
        env: TestEnv,
        users: std::collections::HashMap<String, String>,
        groups: std::collections::HashMap<String, String>,
        next: u32,
    }

    impl crate::conformance::Backend for EntraBackend {
        fn env(&self) -> &TestEnv {
            &self.env
        }
        fn tenant(&self) -> &str {
            "contoso"
        }
        fn fresh_user(&mut self) -> (String, String) {
            self.next += 1;
            let (user, group) = (format!("conf{}@contoso.com", self.next), format!("confg{}", self.next));
            let uid = self.live.emu.add_user(&user);
            let gid = self.live.emu.add_group(&group, GroupKind::Static);
            self.live.emu.add_member(&gid, &uid);
            self.users.insert(user.clone(), uid);
            self.groups.insert(group.clone(), gid);
            (user, group)
        }
        fn protected_user(&self) -> String {
            "bg@contoso.com".into()
        }
        fn is_enabled(&mut self, user: &str) -> bool {
            self.live.emu.user(&self.users[user]).enabled
        }
        fn is_member(&mut self, user: &str, group: &str) -> bool {
            self.live.emu.is_member(&self.groups[group], &self.users[user])
        }
        fn restricted_group(&self) -> String {
            "restricted".into()
        }
    }

    #[test]
    fn entra_conforms() {
        let live = live(Config::default(), graph::LEAST_PRIVILEGE);
        let bg = live.emu.add_user("bg@contoso.com");
        let restricted = live.emu.add_group("restricted", GroupKind::Static);
        let env = env_for(&live.emu, &["--restricted-group", "restricted", "--protected", "bg@contoso.com"]);
        let mut b = EntraBackend {
            live,
            env,
            users: [("bg@contoso.com".to_string(), bg)].into(),
            groups: [("restricted".to_string(), restricted)].into(),
            next: 0,
        };
        crate::conformance::run(&mut b);
        b.live.emu.assert_clean();
    }

    #[test]
    fn a_part_way_failure_is_recorded_and_undone() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let dan = l.emu.add_user("dan@contoso.com");
        let g1 = l.emu.add_group("aaa-first", GroupKind::Static);
        let g2 = l.emu.add_group("zzz-second", GroupKind::Static);
        l.emu.add_member(&g1, &dan);
        l.emu.add_member(&g2, &dan);
        // The removal from the second group is refused; the first one happens.
        l.emu.inject(crate::entra::Fault::on("DELETE", format!("/groups/{g2}/members/"), 403).times(10));
        let env = env_for(&l.emu, &[]);
        let (code, doc) = env.json_batch(&["remove-groups", "dan@contoso.com"]);
        assert_ne!(code, 0);
        let r = doc.task("dan@contoso.com", "remove-groups").result();
        assert_eq!((r.status.as_str(), r.changed), ("unsuccessful", true), "{r:#?}");
        assert_eq!(r.before["groups"][0]["id"], g1.as_str(), "what did happen is recorded: {r:#?}");
        assert!(!l.emu.is_member(&g1, &dan) && l.emu.is_member(&g2, &dan));
        let (code, undo) = env.json_batch(&["undo", &doc.batch_id]);
        assert_eq!(code, 0, "{undo:#?}");
        assert!(l.emu.is_member(&g1, &dan), "undo put back what the failed batch had removed");
        l.emu.take_violations();
    }

    /// The real Secret Service path end to end: `tenant add --secret-stdin` stores the client
    /// secret in gnome-keyring (on a private D-Bus session), and a second process uses it to
    /// authenticate to Graph (the emulator checks the secret) and act.
    #[test]
    fn a_client_secret_from_the_os_keyring_authenticates_a_real_run() {
        use crate::support::{skip, which};
        if which("dbus-run-session").is_none() || which("gnome-keyring-daemon").is_none() {
            return skip("no dbus-run-session / gnome-keyring-daemon (apt-get install dbus gnome-keyring)");
        }
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let alice = l.emu.add_user("alice@contoso.com");
        let env = TestEnv::new();
        let secret_file = env.write("secret.txt", &format!("{SECRET}\n"));
        let bin = TestEnv::bin();
        let (url, tenant_id) = (l.emu.url(), l.emu.tenant_id());
        let script = format!(
            r#"set -e
eval "$(printf 'test-unlock' | gnome-keyring-daemon --unlock --components=secrets)"
"{bin}" tenant add contoso --provider entra --tenant-id {tenant_id} --client-id {CLIENT} --graph-url {url} --login-url {url} --secret-stdin < "{secret}"
"{bin}" -t contoso --yes -o json disable alice@contoso.com > "{out}"
"#,
            bin = bin.display(),
            secret = secret_file.display(),
            out = env.dir.path().join("batch.json").display(),
        );
        let mut cmd = std::process::Command::new("dbus-run-session");
        cmd.args(["--", "sh", "-c", &script]).env_clear().stdin(std::process::Stdio::null());
        for (k, v) in env.std_cmd().get_envs() {
            if let (Some(v), false) = (v, k == "DBUS_SESSION_BUS_ADDRESS") {
                cmd.env(k, v);
            }
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "stdout: {}\nstderr: {}", stdout(&out), stderr(&out));
        // The document goes to a file: the keyring daemon may print its environment on the
        // session's stdout.
        let raw = std::fs::read_to_string(env.dir.path().join("batch.json")).unwrap();
        let doc: crate::support::BatchDoc = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
        assert!(!raw.contains(SECRET));
        assert_eq!(doc.task("alice@contoso.com", "disable").result().status, "successful");
        assert!(!l.emu.user(&alice).enabled, "acted with the secret from the keyring");
        assert!(!stdout(&out).contains(SECRET) && !stderr(&out).contains(SECRET));
        assert!(!std::fs::read_to_string(&env.config).unwrap().contains(SECRET));
        l.emu.assert_clean();
    }

    #[test]
    fn disable_then_undo_through_the_binary() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let alice = l.emu.add_user("alice@contoso.com");
        let env = env_for(&l.emu, &[]);
        let (code, doc) = env.json_batch(&["disable", "alice@contoso.com", "--description", "INC-1"]);
        assert_eq!(code, 0, "{doc:#?}");
        let r = doc.task("alice@contoso.com", "disable").result();
        assert_eq!((r.provider.as_str(), r.status.as_str(), r.changed), ("entra", "successful", true));
        assert!(r.request_id.is_some());
        assert_eq!(r.before, serde_json::json!({"accountEnabled": true}));
        assert!(!l.emu.user(&alice).enabled);

        let (code, undo) = env.json_batch(&["undo", &doc.batch_id]);
        assert_eq!(code, 0, "{undo:#?}");
        assert!(l.emu.user(&alice).enabled, "undo re-enabled the account");
        l.emu.assert_clean();
    }

    #[test]
    fn the_last_global_administrator_is_kept_and_synced_users_are_flagged() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let alice = l.emu.add_user("alice@contoso.com");
        let bob = l.emu.add_user_with(NewUser { upn: "bob@contoso.com".into(), disabled: true, ..NewUser::default() });
        l.emu.make_global_admin(&alice);
        l.emu.make_global_admin(&bob);
        let carol =
            l.emu.add_user_with(NewUser { upn: "carol@contoso.com".into(), synced: true, ..NewUser::default() });
        let env = env_for(&l.emu, &[]);
        let (_, doc) = env.json_batch(&["disable", "alice@contoso.com", "carol@contoso.com"]);
        let a = doc.task("alice@contoso.com", "disable").result();
        assert_eq!(a.status, "skipped", "{a:#?}");
        assert!(
            a.message.to_lowercase().contains("last") || a.error.as_ref().unwrap().message.contains("last"),
            "{a:#?}"
        );
        assert!(l.emu.user(&alice).enabled);
        let c = doc.task("carol@contoso.com", "disable").result();
        assert_eq!(c.status, "successful");
        assert!(c.warnings.iter().any(|w| w.contains("`ad` tenant")), "{c:#?}");
        assert!(!l.emu.user(&carol).enabled);

        let (code, doc) = env.json_batch(&["reset-password", "carol@contoso.com"]);
        assert_ne!(code, 0);
        let r = doc.task("carol@contoso.com", "reset-password").result();
        assert_eq!(r.status, "unsuccessful");
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.kind, "invalid_request");
        assert!(e.message.contains("mastered there"), "{e:?}");
        assert!(e.hint.as_deref().unwrap().contains("on-premises AD"), "{e:?}");
        assert!(l.emu.writes().iter().all(|w| !w.path.contains(&carol) || w.method != "PATCH" || w.status == 204));
        l.emu.assert_clean();
    }

    /// GA held by alice directly and by bob only through a role-assignable group: bob counts
    /// as a remaining admin, so alice may be disabled; then bob is the last one and is kept.
    #[test]
    fn a_global_administrator_through_a_group_counts_and_is_kept_when_last() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let alice = l.emu.add_user("alice@contoso.com");
        let bob = l.emu.add_user("bob@contoso.com");
        l.emu.make_global_admin(&alice);
        let group = l.emu.add_group("GA admins", GroupKind::RoleAssignable);
        l.emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
        l.emu.add_member(&group, &bob);
        let env = env_for(&l.emu, &[]);

        let (code, doc) = env.json_batch(&["disable", "alice@contoso.com"]);
        assert_eq!(code, 0, "{doc:#?}");
        assert_eq!(doc.task("alice@contoso.com", "disable").result().status, "successful");
        assert!(!l.emu.user(&alice).enabled, "bob remains, so alice could go");

        let (_, doc) = env.json_batch(&["disable", "bob@contoso.com"]);
        let b = doc.task("bob@contoso.com", "disable").result();
        assert_eq!(b.status, "skipped", "{b:#?}");
        assert!(b.message.contains("last enabled holder"), "{b:#?}");
        assert!(l.emu.user(&bob).enabled, "the last admin, through the group, is kept");
        l.emu.assert_clean();
    }

    /// GA only through a group of two: disabling both in one batch keeps the second.
    #[test]
    fn disabling_every_member_of_the_only_global_admin_group_keeps_one() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let u1 = l.emu.add_user("one@contoso.com");
        let u2 = l.emu.add_user("two@contoso.com");
        let group = l.emu.add_group("GA admins", GroupKind::RoleAssignable);
        l.emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
        l.emu.add_member(&group, &u1);
        l.emu.add_member(&group, &u2);
        let env = env_for(&l.emu, &[]);
        let (_, doc) = env.json_batch(&["disable", "one@contoso.com", "two@contoso.com"]);
        let (r1, r2) =
            (doc.task("one@contoso.com", "disable").result(), doc.task("two@contoso.com", "disable").result());
        assert_eq!((r1.status.as_str(), r2.status.as_str()), ("successful", "skipped"), "{doc:#?}");
        assert!(r2.message.contains("last enabled holder"), "{r2:#?}");
        assert!(!l.emu.user(&u1).enabled && l.emu.user(&u2).enabled);
        l.emu.assert_clean();
    }

    /// GA only through a group of two: removing both from that group (by name, or all
    /// their groups) keeps the second in it; other groups stay removable.
    #[test]
    fn removing_the_last_admins_from_the_global_admin_group_keeps_one() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let u1 = l.emu.add_user("one@contoso.com");
        let u2 = l.emu.add_user("two@contoso.com");
        let group = l.emu.add_group("GA admins", GroupKind::RoleAssignable);
        let sales = l.emu.add_group("sales", GroupKind::Static);
        l.emu.assign_role_to_group(&group, graph::GLOBAL_ADMIN);
        for u in [&u1, &u2] {
            l.emu.add_member(&group, u);
            l.emu.add_member(&sales, u);
        }
        let env = env_for(&l.emu, &[]);
        let (_, s) = env.json_batch(&["remove-groups", "--group", "sales", "two@contoso.com"]);
        assert_eq!(s.task("two@contoso.com", "remove-groups").result().status, "successful", "{s:#?}");
        let (_, doc) = env.json_batch(&["remove-groups", "--group", "GA admins", "one@contoso.com", "two@contoso.com"]);
        let (r1, r2) = (
            doc.task("one@contoso.com", "remove-groups").result(),
            doc.task("two@contoso.com", "remove-groups").result(),
        );
        assert_eq!((r1.status.as_str(), r2.status.as_str()), ("successful", "skipped"), "{doc:#?}");
        assert!(r2.message.contains("last enabled holder"), "{r2:#?}");
        let (_, all) = env.json_batch(&["remove-groups", "two@contoso.com"]);
        assert_eq!(all.task("two@contoso.com", "remove-groups").result().status, "skipped", "{all:#?}");
        assert!(!l.emu.is_member(&group, &u1) && l.emu.is_member(&group, &u2));
        l.emu.assert_clean();
    }

    #[test]
    fn reset_password_writes_the_password_that_entra_got_to_the_file() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let ids = l.emu.add_users(3, "user", "contoso.com");
        let env = env_for(&l.emu, &[]);
        let file = env.dir.path().join("passwords.csv");
        let out = env.run(&[
            "-o",
            "json",
            "--yes",
            "reset-password",
            "user00001@contoso.com",
            "user00002@contoso.com",
            "user00003@contoso.com",
            "--password-file",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&file).unwrap();
        for id in &ids {
            let u = l.emu.user(id);
            let pw = u.password.clone().expect("a password was set");
            assert!(text.contains(&format!("{},contoso,{pw}", u.upn)), "{text}");
            assert!(!stdout(&out).contains(&pw) && !stderr(&out).contains(&pw), "the password stays out of the output");
            assert!(u.force_change && u.revocations == 1);
        }
        no_secret_in(&out, &l.emu.issued_tokens());
        l.emu.assert_clean();
    }

    #[test]
    fn a_reset_whose_revocation_fails_still_delivers_the_password() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let id = l.emu.add_user("erin@contoso.com");
        l.emu.inject(crate::entra::Fault::on("POST", "/revokeSignInSessions", 403).times(10));
        let env = env_for(&l.emu, &[]);
        let file = env.dir.path().join("passwords.csv");
        let out = env.run(&[
            "-o",
            "json",
            "--yes",
            "reset-password",
            "erin@contoso.com",
            "--password-file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let doc: crate::support::BatchDoc = serde_json::from_slice(&out.stdout).unwrap();
        let r = doc.task("erin@contoso.com", "reset-password").result();
        assert_eq!((r.status.as_str(), r.changed), ("unsuccessful", true), "{r:#?}");
        assert!(r.message.contains("was reset, but its sessions were not revoked"), "{}", r.message);
        let pw = l.emu.user(&id).password.expect("the reset happened");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(&format!("erin@contoso.com,contoso,{pw}")), "the password is still handed over: {text}");
        assert!(!stdout(&out).contains(&pw) && !stderr(&out).contains(&pw));
        l.emu.take_violations();
    }

    #[test]
    fn groups_mfa_and_roles_round_trip_through_undo() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        let id = l.emu.add_user("alice@contoso.com");
        l.emu.add_user("admin@contoso.com");
        let sales = l.emu.add_group("sales", GroupKind::Static);
        let dynamic = l.emu.add_group("all-staff", GroupKind::Dynamic);
        let mfa = l.emu.add_group("mfa-required", GroupKind::Static);
        l.emu.add_member(&sales, &id);
        l.emu.add_member(&dynamic, &id);
        l.emu.assign_role(&id, graph::EXCHANGE_ADMIN);
        l.emu.add_eligibility(&id, graph::SECURITY_ADMIN);
        let env = env_for(&l.emu, &["--mfa-group", "mfa-required", "--protected", "admin@contoso.com"]);

        let (code, groups) = env.json_batch(&["remove-groups", "alice@contoso.com"]);
        assert_eq!(code, 0, "{groups:#?}");
        let r = groups.task("alice@contoso.com", "remove-groups").result();
        assert!(r.warnings.iter().any(|w| w.contains("all-staff") && w.contains("dynamic")), "{r:#?}");
        assert!(!l.emu.is_member(&sales, &id) && l.emu.is_member(&dynamic, &id));

        let (code, roles) = env.json_batch(&["remove-roles", "alice@contoso.com"]);
        assert_eq!(code, 0, "{roles:#?}");
        assert!(l.emu.assignments(&id).is_empty() && l.emu.eligibilities(&id).is_empty());

        let (code, enforce) = env.json_batch(&["enforce-mfa", "alice@contoso.com"]);
        assert_eq!(code, 0, "{enforce:#?}");
        assert!(l.emu.is_member(&mfa, &id));
        assert_eq!(l.emu.policies().len(), 1);

        for batch in [&groups.batch_id, &roles.batch_id, &enforce.batch_id] {
            let (code, undo) = env.json_batch(&["undo", batch]);
            assert_eq!(code, 0, "{undo:#?}");
        }
        assert!(l.emu.is_member(&sales, &id) && !l.emu.is_member(&mfa, &id));
        assert_eq!(l.emu.assignments(&id), vec![(graph::EXCHANGE_ADMIN.to_string(), Some("/".to_string()))]);
        assert_eq!(l.emu.eligibilities(&id), vec![graph::SECURITY_ADMIN.to_string()]);
        l.emu.assert_clean();
    }

    #[test]
    fn a_dry_run_changes_nothing_in_entra() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        l.emu.add_users(5, "user", "contoso.com");
        let env = env_for(&l.emu, &[]);
        for action in ["disable", "reset-password", "revoke-sessions", "remove-groups", "remove-roles"] {
            let (code, doc) = env.json_batch(&[action, "user00001@contoso.com", "user00002@contoso.com", "--dry-run"]);
            assert_eq!(code, 0, "{action}: {doc:#?}");
            assert!(doc.dry_run);
        }
        assert!(l.emu.writes().is_empty(), "{:?}", l.emu.writes());
        l.emu.assert_clean();
    }

    #[test]
    fn tenant_test_names_what_to_grant_and_a_wrong_secret_exits_4() {
        let l = live(Config::default(), &["User.Read.All", "RoleManagement.Read.Directory"]);
        l.emu.add_user("alice@contoso.com");
        let mut env = env_for(&l.emu, &[]);
        let out = env.run(&["-o", "json", "tenant", "test", "contoso"]);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let checks = doc["checks"].as_array().unwrap();
        let disable = checks.iter().find(|c| c["check"] == "disable").unwrap();
        assert_eq!(disable["ok"], false);
        assert!(disable["hint"].as_str().unwrap().contains("`User.EnableDisableAccount.All`"));
        assert!(checks.iter().any(|c| c["check"] == "token" && c["ok"] == true));

        let out = env.run(&["-o", "json", "--yes", "disable", "alice@contoso.com"]);
        assert_eq!(out.status.code(), Some(4), "a permission failure exits 4: {}", stderr(&out));
        assert!(stdout(&out).contains("User.EnableDisableAccount.All"), "{}", stdout(&out));

        env.set("REMEDIATE_SECRET_CONTOSO", "definitely-wrong");
        let out = env.run(&["--yes", "disable", "alice@contoso.com"]);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains("definitely-wrong"));
        no_secret_in(&out, &l.emu.issued_tokens());
        assert!(l.emu.writes().iter().all(|w| w.status == 403), "only the refused PATCH: {:?}", l.emu.writes());
        l.emu.assert_clean();
    }

    #[test]
    fn a_bad_certificate_file_stops_before_any_request() {
        let l = live(Config::default(), graph::LEAST_PRIVILEGE);
        l.emu.add_user("alice@contoso.com");
        let env = TestEnv::new();
        let not_pem = env.write("app.pem", "not a certificate");
        let tenant_id = l.emu.tenant_id();
        let url = l.emu.url();
        let add = |cert: &str| {
            env.run(&[
                "tenant",
                "add",
                "contoso",
                "--force",
                "--provider",
                "entra",
                "--tenant-id",
                &tenant_id,
                "--client-id",
                CLIENT,
                "--graph-url",
                &url,
                "--login-url",
                &url,
                "--certificate",
                cert,
            ])
        };
        let out = add(not_pem.to_str().unwrap());
        assert!(out.status.success(), "{}", stderr(&out));
        let out = env.run(&["--yes", "disable", "alice@contoso.com"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("not a usable PEM file") && stderr(&out).contains("hint:"), "{}", stderr(&out));
        std::fs::remove_file(&not_pem).unwrap();
        let out = env.run(&["--yes", "disable", "alice@contoso.com"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
        assert_eq!(l.emu.stats().http_requests, 0, "nothing was sent");
        l.emu.assert_clean();
    }

    #[test]
    fn a_bulk_csv_is_batched_and_paced_under_the_quota() {
        let cfg = Config { quota: Some((60, std::time::Duration::from_secs(3))), ..Config::default() };
        let l = live(cfg, graph::LEAST_PRIVILEGE);
        let ids = l.emu.add_users(150, "bulk", "contoso.com");
        let env = env_for(&l.emu, &["--max-targets", "1000"]);
        let mut csv = String::from("user\n");
        for i in 1..=150 {
            csv.push_str(&format!("bulk{i:05}@contoso.com\n"));
        }
        let file = env.write("users.csv", &csv);
        let t = std::time::Instant::now();
        let (code, doc) = env.json_batch(&["disable", "--csv", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{:?}", doc.counts);
        assert_eq!(doc.counts.get("successful"), Some(&150));
        assert!(ids.iter().all(|id| !l.emu.user(id).enabled));
        // 60 free, then 20/s: at least (150-60)/20 = 4.5 s.
        assert!(t.elapsed() >= std::time::Duration::from_secs(4), "{:?}", t.elapsed());
        let s = l.emu.stats();
        assert!(s.batch_requests > 0 && s.batch_requests * 4 < s.batch_items, "coalesced: {s:?}");
        l.emu.assert_clean();
    }
}
