//! One conformance scenario, run through the real binary against every provider: the
//! sandbox, a real Samba AD DC (and the Graph emulator, in `entra.rs`). Each backend says
//! how to make a fresh user and how to read its state back from the backend itself, never
//! through `remediate`.

use crate::samba::{self, Admin, BASE_DN};
use crate::support::*;

/// What the scenario needs from a backend.
pub trait Backend {
    fn env(&self) -> &TestEnv;
    fn tenant(&self) -> &str;
    /// A fresh enabled user, member of one static group: (login, group name).
    fn fresh_user(&mut self) -> (String, String);
    /// A user in the tenant's `protected` list.
    fn protected_user(&self) -> String;
    fn is_enabled(&mut self, user: &str) -> bool;
    fn is_member(&mut self, user: &str, group: &str) -> bool;
    fn restricted_group(&self) -> String;
}

fn act(b: &dyn Backend, args: &[&str]) -> (i32, BatchDoc) {
    let mut all = vec!["-t", b.tenant()];
    all.extend_from_slice(args);
    b.env().json_batch(&all)
}

/// The scenario every provider must pass.
pub fn run(b: &mut dyn Backend) {
    // disable / enable: state changes on the backend, idempotent, dry run changes nothing,
    // undo restores from the recorded state.
    let (u1, _) = b.fresh_user();
    let (code, first) = act(b, &["disable", &u1]);
    assert_eq!(code, 0, "{first:#?}");
    assert!(first.task(&u1, "disable").result().changed);
    assert!(!b.is_enabled(&u1), "disabled on the backend");
    let (_, again) = act(b, &["disable", &u1]);
    assert!(!again.task(&u1, "disable").result().changed, "idempotent");
    let (_, dry) = act(b, &["enable", "--dry-run", &u1]);
    assert!(dry.task(&u1, "enable").result().changed && dry.dry_run);
    assert!(!b.is_enabled(&u1), "a dry run changes nothing");
    let out = b.env().run(&["--yes", "-o", "json", "undo", &first.batch_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(b.is_enabled(&u1), "undo re-enabled");

    // restrict / unrestrict: membership of the configured group, idempotent.
    let restricted = b.restricted_group();
    let (_, r) = act(b, &["restrict", &u1]);
    assert!(r.task(&u1, "restrict").result().changed);
    assert!(b.is_member(&u1, &restricted));
    let (_, r) = act(b, &["restrict", &u1]);
    assert!(!r.task(&u1, "restrict").result().changed);
    act(b, &["unrestrict", &u1]);
    assert!(!b.is_member(&u1, &restricted));

    // remove-groups, then undo puts the membership back.
    let (u2, group) = b.fresh_user();
    let (_, removed) = act(b, &["remove-groups", &u2]);
    assert_eq!(removed.task(&u2, "remove-groups").result().status, "successful", "{removed:#?}");
    assert!(!b.is_member(&u2, &group), "removed from {group}");
    let out = b.env().run(&["--yes", "-o", "json", "undo", &removed.batch_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(b.is_member(&u2, &group), "undo restored {group}");

    // Unknown users fail alone; protected accounts are never touched.
    let nobody = format!("nobody-{}@nowhere.invalid", std::process::id());
    let (code, b1) = act(b, &["disable", &nobody]);
    assert_eq!(code, 1);
    assert_eq!(b1.task(&nobody, "disable").result().error.as_ref().unwrap().kind, "not_found");
    let protected = b.protected_user();
    let (_, p) = act(b, &["disable", &protected]);
    assert_eq!(p.task(&protected, "disable").result().status, "skipped");
    assert!(b.is_enabled(&protected), "protected account untouched");
}

// ---- sandbox ----------------------------------------------------------------------------

struct SandboxBackend {
    env: TestEnv,
    next: u32,
    rt: tokio::runtime::Runtime,
}

impl SandboxBackend {
    fn state(&self, user: &str) -> remediate::providers::UserState {
        use remediate::providers::Provider;
        let cfg = remediate::config::Config::load(&self.env.config).unwrap();
        let profile = cfg.tenant("lab").unwrap();
        let env = remediate::providers::ProviderEnv { state_dir: self.env.state.clone() };
        let sb = remediate::providers::sandbox::Sandbox::open(&profile, &env).unwrap();
        self.rt.block_on(async {
            let u = sb.resolve(user).await.unwrap();
            sb.state(&u).await.unwrap()
        })
    }
}

impl Backend for SandboxBackend {
    fn env(&self) -> &TestEnv {
        &self.env
    }
    fn tenant(&self) -> &str {
        "lab"
    }
    fn fresh_user(&mut self) -> (String, String) {
        // user00001..00005 are in `sales`.
        self.next += 1;
        (format!("user{:05}@lab.test", self.next), "sales".into())
    }
    fn protected_user(&self) -> String {
        "user00050@lab.test".into()
    }
    fn is_enabled(&mut self, user: &str) -> bool {
        self.state(user).enabled == Some(true)
    }
    fn is_member(&mut self, user: &str, group: &str) -> bool {
        let st = self.state(user);
        st.details["groups"].as_array().unwrap().iter().any(|g| g.as_str() == Some(group))
    }
    fn restricted_group(&self) -> String {
        "restricted-users".into()
    }
}

#[test]
fn the_sandbox_conforms() {
    let env = TestEnv::new();
    env.sandbox(
        "lab",
        &["--users", "50", "--restricted-group", "restricted-users", "--protected", "user00050@lab.test"],
    );
    let mut b = SandboxBackend { env, next: 0, rt: tokio::runtime::Runtime::new().unwrap() };
    run(&mut b);
}

// ---- Active Directory (a real Samba DC) ---------------------------------------------------

struct AdBackend {
    env: TestEnv,
    rt: tokio::runtime::Runtime,
    admin: Admin,
    restricted: String,
    protected: String,
}

impl AdBackend {
    fn dn(user: &str) -> String {
        samba::user_dn(user.split('@').next().unwrap())
    }
}

impl Backend for AdBackend {
    fn env(&self) -> &TestEnv {
        &self.env
    }
    fn tenant(&self) -> &str {
        "corp"
    }
    fn fresh_user(&mut self) -> (String, String) {
        let name = samba::unique("conf");
        let group = samba::unique("confg");
        self.rt.block_on(async {
            let dn = self.admin.add_user(&name, 512).await;
            let g = self.admin.add_group(&group).await;
            self.admin.add_member(&g, &dn).await;
        });
        (format!("{name}@{}", samba::DNS_DOMAIN), group)
    }
    fn protected_user(&self) -> String {
        self.protected.clone()
    }
    fn is_enabled(&mut self, user: &str) -> bool {
        let dn = Self::dn(user);
        self.rt.block_on(self.admin.uac(&dn)) & 2 == 0
    }
    fn is_member(&mut self, user: &str, group: &str) -> bool {
        let dn = Self::dn(user);
        let groups = self.rt.block_on(self.admin.member_of(&dn));
        groups.iter().any(|g| g.eq_ignore_ascii_case(&samba::user_dn(group)))
    }
    fn restricted_group(&self) -> String {
        self.restricted.clone()
    }
}

#[test]
fn active_directory_conforms() {
    let Some(dc) = samba::dc() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut admin = rt.block_on(Admin::connect(dc));
    let restricted = samba::unique("confr");
    let protected = samba::unique("confp");
    rt.block_on(async {
        admin.add_group(&restricted).await;
        admin.add_user(&protected, 512).await;
    });
    let protected = format!("{protected}@{}", samba::DNS_DOMAIN);
    let mut env = TestEnv::new();
    env.set("REMEDIATE_SECRET_CORP", samba::ADMIN_PASSWORD);
    let out = env.run(&[
        "tenant",
        "add",
        "corp",
        "--provider",
        "ad",
        "--url",
        samba::LDAPS_URL,
        "--bind-dn",
        samba::ADMIN,
        "--base-dn",
        BASE_DN,
        "--ca-file",
        dc.ca_file.to_str().unwrap(),
        "--restricted-group",
        &restricted,
        "--protected",
        &protected,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut b = AdBackend { env, rt, admin, restricted, protected };
    run(&mut b);
}
