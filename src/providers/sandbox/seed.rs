//! The deterministic starting content of a sandbox tenant: the `demo` directory of
//! DESIGN.md §2, or `users = N` generic users. Same input, same directory, same ids,
//! so that tests and the README can name them.

use super::directory::{Assignment, Directory, Group, GroupKind, Role, Seed, User};

/// The rule text of the `all-staff` dynamic group (Entra dynamic membership rule syntax;
/// the sandbox evaluates it as "every user").
pub const ALL_STAFF_RULE: &str = "(user.objectId -ne null)";

/// Role indices in every seeded directory.
pub const GLOBAL_ADMIN: u32 = 0;
pub const USER_ADMIN: u32 = 1;
pub const HELPDESK_ADMIN: u32 = 2;

/// Number of generic `userNNN` users in the demo directory.
pub const DEMO_GENERIC_USERS: u32 = 45;

pub fn seed(tenant: &str, seed: Seed) -> Directory {
    match seed.users {
        None => demo(tenant),
        Some(n) => generic(tenant, n),
    }
}

fn group(id: &str, name: &str, kind: GroupKind) -> Group {
    Group { id: id.into(), name: name.into(), kind }
}

fn roles() -> Vec<Role> {
    vec![
        Role { id: "r-global-administrator".into(), name: "Global Administrator".into(), top: true },
        Role { id: "r-user-administrator".into(), name: "User Administrator".into(), top: false },
        Role { id: "r-helpdesk-administrator".into(), name: "Helpdesk Administrator".into(), top: false },
    ]
}

/// Hands out `ra-1`, `ra-2`, ... in seeding order.
struct Assigner(u64);

impl Assigner {
    fn assign(&mut self, user: &mut User, role: u32) {
        user.roles.push(Assignment { id: format!("ra-{}", self.0).into(), role, scope: "/".into() });
        self.0 += 1;
    }
}

fn add(user: &mut User, group: u32) {
    if let Err(pos) = user.groups.binary_search(&group) {
        user.groups.insert(pos, group);
    }
}

/// The built-in practice directory (DESIGN.md §2).
fn demo(tenant: &str) -> Directory {
    const SALES: u32 = 0;
    const ENGINEERING: u32 = 1;
    const HR_SYNCED: u32 = 3;
    let groups = vec![
        group("g-sales", "sales", GroupKind::Static),
        group("g-engineering", "engineering", GroupKind::Static),
        group("g-all-staff", "all-staff", GroupKind::Dynamic { rule: ALL_STAFF_RULE.into() }),
        group("g-hr-synced", "hr-synced", GroupKind::Synced),
        group("g-restricted-users", "restricted-users", GroupKind::Static),
        group("g-mfa-required", "mfa-required", GroupKind::Static),
        group("g-mfa-phishing-resistant", "mfa-phishing-resistant", GroupKind::Static),
    ];
    let user = |local: &str| User::new(format!("u-{local}"), format!("{local}@demo.test"));
    let mut ra = Assigner(1);
    let mut users = Vec::with_capacity(5 + DEMO_GENERIC_USERS as usize);

    let mut alice = user("alice");
    ra.assign(&mut alice, GLOBAL_ADMIN);
    add(&mut alice, SALES);
    users.push(alice);

    let mut bob = user("bob");
    ra.assign(&mut bob, GLOBAL_ADMIN);
    ra.assign(&mut bob, HELPDESK_ADMIN);
    add(&mut bob, ENGINEERING);
    users.push(bob);

    let mut carol = user("carol");
    carol.synced = true;
    add(&mut carol, HR_SYNCED);
    users.push(carol);

    let mut dave = user("dave");
    dave.enabled = false;
    add(&mut dave, ENGINEERING);
    users.push(dave);

    // Protected by the demo profile (the engine's guard), and deliberately not a Global
    // Administrator: DESIGN.md §2 makes alice and bob "the two Global Administrators", so
    // that the demo can show the last-admin guard refusing to disable the second one.
    users.push(user("breakglass"));

    for i in 1..=DEMO_GENERIC_USERS {
        let mut u = user(&format!("user{i:03}"));
        match i {
            1..=5 => add(&mut u, SALES),
            10..=14 => add(&mut u, ENGINEERING),
            _ => {}
        }
        if i == 3 {
            ra.assign(&mut u, USER_ADMIN);
        }
        users.push(u);
    }
    Directory::new(tenant.into(), Seed { users: None }, groups, roles(), users, ra.0)
}

/// A generic tenant: `admin@T.test` (Global Administrator) and `user00001@T.test`...
fn generic(tenant: &str, n: u32) -> Directory {
    const SALES: u32 = 4;
    let domain = format!("{}.test", tenant.to_ascii_lowercase());
    let groups = vec![
        group("g-restricted-users", "restricted-users", GroupKind::Static),
        group("g-mfa-required", "mfa-required", GroupKind::Static),
        group("g-mfa-phishing-resistant", "mfa-phishing-resistant", GroupKind::Static),
        group("g-all-staff", "all-staff", GroupKind::Dynamic { rule: ALL_STAFF_RULE.into() }),
        group("g-sales", "sales", GroupKind::Static),
    ];
    let mut ra = Assigner(1);
    let mut users = Vec::with_capacity(n as usize + 1);
    let mut admin = User::new("u-admin".into(), format!("admin@{domain}"));
    ra.assign(&mut admin, GLOBAL_ADMIN);
    users.push(admin);
    for i in 1..=n {
        let mut u = User::new(format!("u-user{i:05}"), format!("user{i:05}@{domain}"));
        if i <= 5 {
            add(&mut u, SALES);
        }
        users.push(u);
    }
    Directory::new(tenant.into(), Seed { users: Some(n) }, groups, roles(), users, ra.0)
}
