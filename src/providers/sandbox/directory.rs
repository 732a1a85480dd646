//! The practice directory in memory: users, groups, roles and role assignments, the
//! O(1) lookup index, the journal's change records and how each one is applied, and the
//! snapshot format.
//!
//! Users refer to groups and roles by their position in the directory's lists; those
//! positions never change (the sandbox cannot create or delete groups or roles), so a
//! snapshot stores them as they are. Journal entries, which outlive any one snapshot,
//! name groups, roles and users by their stable ids instead.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Action;

/// Version of the snapshot and journal formats.
pub const FORMAT: u32 = 1;

/// What a directory was seeded from: `users: None` is the demo directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seed {
    #[serde(default)]
    pub users: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum GroupKind {
    /// Members are added and removed directly.
    Static,
    /// Membership comes from a rule; the sandbox only knows the rule "every user".
    Dynamic { rule: String },
    /// Mastered in on-premises AD: members cannot be changed from the cloud.
    Synced,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: Box<str>,
    pub name: Box<str>,
    #[serde(flatten)]
    pub kind: GroupKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: Box<str>,
    pub name: Box<str>,
    /// The tenant's top admin role (Global Administrator), for the last-admin guard.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub top: bool,
}

/// A role held by a user at a scope (`/` is the whole directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: Box<str>,
    /// Index into [`Directory::roles`].
    pub role: u32,
    pub scope: Box<str>,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// One user. Kept small (two strings, and empty vectors and no credential record for
/// most users) so that 100,000 of them fit in a few tens of megabytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Box<str>,
    pub upn: Box<str>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub synced: bool,
    /// Static and synced memberships: sorted indices into [`Directory::groups`]. Dynamic
    /// groups are not listed; their rule decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Assignment>,
    /// Present once a password was reset or sessions were revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Box<Auth>>,
}

/// Password and session facts, which few users have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auth {
    #[serde(default, skip_serializing_if = "is_false")]
    pub must_change_password: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub change_with_mfa: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_valid_from: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_set_at: Option<Timestamp>,
    /// `password_digest(id, password)` of the last generated password, so that a test can
    /// check that the password handed to the operator is the one that was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_sha256: Option<Box<str>>,
}

impl User {
    pub fn new(id: String, upn: String) -> User {
        User {
            id: id.into(),
            upn: upn.into(),
            enabled: true,
            synced: false,
            groups: Vec::new(),
            roles: Vec::new(),
            auth: None,
        }
    }

    pub fn must_change_password(&self) -> bool {
        self.auth.as_ref().is_some_and(|a| a.must_change_password)
    }

    pub fn sessions_valid_from(&self) -> Option<Timestamp> {
        self.auth.as_ref().and_then(|a| a.sessions_valid_from)
    }

    pub fn password_sha256(&self) -> Option<&str> {
        self.auth.as_ref().and_then(|a| a.password_sha256.as_deref())
    }

    fn auth_mut(&mut self) -> &mut Auth {
        self.auth.get_or_insert_with(Default::default)
    }

    /// Whether `key_lower` (lower case) is this user's UPN or id.
    fn is_key(&self, key_lower: &str) -> bool {
        eq_lower(&self.upn, key_lower) || eq_lower(&self.id, key_lower)
    }
}

fn eq_lower(stored: &str, key_lower: &str) -> bool {
    stored.chars().flat_map(char::to_lowercase).eq(key_lower.chars())
}

/// The index hash of a lower-case key (SipHash with fixed keys: only equality matters).
fn key_hash(key_lower: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    key_lower.hash(&mut h);
    h.finish()
}

/// The salted digest stored for a generated password (never the password itself).
pub fn password_digest(user_id: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"remediate-sandbox\0");
    h.update(user_id.as_bytes());
    h.update(b"\0");
    h.update(password.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A role assignment as journal entries and `before` states name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRecord {
    pub id: String,
    pub role: String,
    pub scope: String,
}

/// One change to one user, as the journal stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    SetEnabled {
        enabled: bool,
    },
    /// A new password (its digest only), to be changed at next sign-in.
    SetPassword {
        password_sha256: String,
        with_mfa: bool,
        revoke_sessions: bool,
    },
    RevokeSessions,
    AddGroups {
        groups: Vec<String>,
    },
    RemoveGroups {
        groups: Vec<String>,
    },
    AddRoles {
        assignments: Vec<AssignmentRecord>,
    },
    RemoveRoles {
        assignments: Vec<String>,
    },
}

/// One line of the journal: a change applied to one user by one action.
///
/// Documented format (one JSON object per line, after a header line
/// `{"sandbox_journal":1,"generation":G,...}`):
/// `{"seq":N,"at":"RFC 3339","pid":P,"action":"disable","user":"u-alice","change":{"op":"set_enabled","enabled":false}}`.
/// Only writes that changed something are journaled, so counting the entries for a user
/// and action counts how many times that action was really applied to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Strictly increasing across the tenant's whole history (all processes).
    pub seq: u64,
    pub at: Timestamp,
    /// The process that wrote it.
    pub pid: u32,
    pub action: Action,
    /// The user's id.
    pub user: String,
    pub change: Change,
}

/// The snapshot file: the whole directory after journal entry `seq`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot<G, R, U> {
    pub format: u32,
    /// Which journal generation continues this snapshot.
    pub generation: u64,
    pub seq: u64,
    pub tenant: String,
    pub seed: Seed,
    pub next_assignment: u64,
    pub groups: G,
    pub roles: R,
    pub users: U,
}

/// The directory of one sandbox tenant.
#[derive(Debug, Clone)]
pub struct Directory {
    pub tenant: String,
    pub seed: Seed,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    /// Number of the next role assignment id (`ra-N`).
    pub next_assignment: u64,
    /// The last journal entry applied.
    pub seq: u64,
    /// Hash of the lower-case UPN and of the lower-case id → index into `users`. The key
    /// itself is not stored (it is the user's own field), which halves the index's size;
    /// the rare key whose hash is already taken by another key goes to `collisions`.
    index: HashMap<u64, u32>,
    collisions: HashMap<Box<str>, u32>,
    /// `key_hash`; replaceable so that a test can force collisions.
    hash: fn(&str) -> u64,
    /// Distinct lower-case UPN domains, to resolve a bare local part in O(domains).
    domains: Vec<String>,
    /// Users holding a top admin role (enabled or not).
    top_holders: BTreeSet<u32>,
}

impl Directory {
    pub fn new(
        tenant: String,
        seed: Seed,
        groups: Vec<Group>,
        roles: Vec<Role>,
        users: Vec<User>,
        next_assignment: u64,
    ) -> Directory {
        let mut dir = Directory {
            tenant,
            seed,
            users,
            groups,
            roles,
            next_assignment,
            seq: 0,
            index: HashMap::new(),
            collisions: HashMap::new(),
            hash: key_hash,
            domains: Vec::new(),
            top_holders: BTreeSet::new(),
        };
        dir.reindex();
        dir
    }

    /// Rebuild the index with another hash function (tests of the collision path).
    #[cfg(test)]
    pub fn reindex_with(&mut self, hash: fn(&str) -> u64) {
        self.hash = hash;
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index = HashMap::with_capacity(self.users.len() * 2);
        self.collisions.clear();
        self.domains.clear();
        self.top_holders.clear();
        for i in 0..self.users.len() as u32 {
            let u = &self.users[i as usize];
            let (upn, id) = (u.upn.to_lowercase(), u.id.to_lowercase());
            if let Some((_, domain)) = upn.split_once('@')
                && !self.domains.iter().any(|d| d == domain)
            {
                self.domains.push(domain.to_string());
            }
            self.insert_key(&upn, i);
            self.insert_key(&id, i);
            self.update_top(i);
        }
    }

    fn insert_key(&mut self, key_lower: &str, user: u32) {
        match self.index.entry((self.hash)(key_lower)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(user);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                if !self.users[*o.get() as usize].is_key(key_lower) {
                    self.collisions.insert(key_lower.into(), user);
                }
            }
        }
    }

    fn get_key(&self, key_lower: &str) -> Option<u32> {
        match self.index.get(&(self.hash)(key_lower)) {
            Some(u) if self.users[*u as usize].is_key(key_lower) => Some(*u),
            _ => self.collisions.get(key_lower).copied(),
        }
    }

    fn update_top(&mut self, user: u32) {
        let holds = self.users[user as usize].roles.iter().any(|a| self.roles[a.role as usize].top);
        if holds {
            self.top_holders.insert(user);
        } else {
            self.top_holders.remove(&user);
        }
    }

    /// A user by UPN or id (case-insensitive), or by bare local part when exactly one
    /// domain has it.
    pub fn lookup(&self, key: &str) -> Lookup {
        let key = key.trim().to_lowercase();
        if let Some(i) = self.get_key(&key) {
            return Lookup::Found(i);
        }
        if key.contains('@') || key.is_empty() {
            return Lookup::Missing;
        }
        let mut hits = self.domains.iter().filter_map(|d| self.get_key(&format!("{key}@{d}")));
        match (hits.next(), hits.next()) {
            (Some(i), None) => Lookup::Found(i),
            (Some(_), Some(_)) => Lookup::Ambiguous,
            _ => Lookup::Missing,
        }
    }

    /// A user by id exactly (the id a `UserRef` carries).
    pub fn by_id(&self, id: &str) -> Option<u32> {
        let key = if id.chars().any(char::is_uppercase) { Cow::Owned(id.to_lowercase()) } else { Cow::Borrowed(id) };
        self.get_key(&key)
    }

    /// A group by id or case-insensitive name.
    pub fn group(&self, key: &str) -> Option<u32> {
        let key = key.trim();
        let i = self.groups.iter().position(|g| &*g.id == key || g.name.eq_ignore_ascii_case(key))?;
        Some(i as u32)
    }

    /// A role by id or case-insensitive name.
    pub fn role(&self, key: &str) -> Option<u32> {
        let key = key.trim();
        let i = self.roles.iter().position(|r| &*r.id == key || r.name.eq_ignore_ascii_case(key))?;
        Some(i as u32)
    }

    /// Whether the user is a member of the group, its rule included.
    pub fn is_member(&self, user: u32, group: u32) -> bool {
        match self.groups[group as usize].kind {
            GroupKind::Dynamic { .. } => true,
            _ => self.users[user as usize].groups.binary_search(&group).is_ok(),
        }
    }

    /// Every group the user is a member of, dynamic ones included, in directory order.
    pub fn memberships(&self, user: u32) -> Vec<u32> {
        (0..self.groups.len() as u32).filter(|g| self.is_member(user, *g)).collect()
    }

    pub fn holds_top_role(&self, user: u32) -> bool {
        self.top_holders.contains(&user)
    }

    /// Enabled holders of the top admin role.
    pub fn top_admins(&self) -> Vec<u32> {
        self.top_holders.iter().copied().filter(|u| self.users[*u as usize].enabled).collect()
    }

    pub fn group_names(&self) -> Vec<&str> {
        self.groups.iter().map(|g| &*g.name).collect()
    }

    pub fn role_names(&self) -> Vec<&str> {
        self.roles.iter().map(|r| &*r.name).collect()
    }

    /// Apply one journal entry. Entries at or below `seq` were applied already (a stale
    /// journal left by a crash during compaction) and are ignored.
    pub fn apply(&mut self, e: &JournalEntry) -> Result<(), String> {
        if e.seq <= self.seq {
            return Ok(());
        }
        let u = self.by_id(&e.user).ok_or_else(|| format!("entry {}: no user `{}`", e.seq, e.user))?;
        let groups = |dir: &Directory, ids: &[String]| -> Result<Vec<u32>, String> {
            ids.iter().map(|g| dir.group(g).ok_or_else(|| format!("entry {}: no group `{g}`", e.seq))).collect()
        };
        match &e.change {
            Change::SetEnabled { enabled } => self.users[u as usize].enabled = *enabled,
            Change::SetPassword { password_sha256, with_mfa, revoke_sessions } => {
                let user = self.users[u as usize].auth_mut();
                user.password_sha256 = Some(password_sha256.as_str().into());
                user.password_set_at = Some(e.at);
                user.must_change_password = true;
                user.change_with_mfa = *with_mfa;
                if *revoke_sessions {
                    user.sessions_valid_from = Some(e.at);
                }
            }
            Change::RevokeSessions => self.users[u as usize].auth_mut().sessions_valid_from = Some(e.at),
            Change::AddGroups { groups: ids } => {
                let gs = groups(self, ids)?;
                let user = &mut self.users[u as usize];
                for g in gs {
                    if let Err(pos) = user.groups.binary_search(&g) {
                        user.groups.insert(pos, g);
                    }
                }
            }
            Change::RemoveGroups { groups: ids } => {
                let gs = groups(self, ids)?;
                self.users[u as usize].groups.retain(|g| !gs.contains(g));
            }
            Change::AddRoles { assignments } => {
                let mut new = Vec::with_capacity(assignments.len());
                for a in assignments {
                    let role = self.role(&a.role).ok_or_else(|| format!("entry {}: no role `{}`", e.seq, a.role))?;
                    new.push(Assignment { id: a.id.as_str().into(), role, scope: a.scope.as_str().into() });
                }
                let user = &mut self.users[u as usize];
                for a in new {
                    if !user.roles.iter().any(|x| x.id == a.id) {
                        user.roles.push(a);
                        self.next_assignment += 1;
                    }
                }
                self.update_top(u);
            }
            Change::RemoveRoles { assignments } => {
                self.users[u as usize].roles.retain(|a| !assignments.iter().any(|id| *id == *a.id));
                self.update_top(u);
            }
        }
        self.seq = e.seq;
        Ok(())
    }

    /// The snapshot file's bytes.
    pub fn to_snapshot(&self, generation: u64) -> Vec<u8> {
        let snap = Snapshot {
            format: FORMAT,
            generation,
            seq: self.seq,
            tenant: self.tenant.clone(),
            seed: self.seed,
            next_assignment: self.next_assignment,
            groups: &self.groups,
            roles: &self.roles,
            users: &self.users,
        };
        serde_json::to_vec(&snap).expect("the directory serializes")
    }

    /// Parse a snapshot file; returns the directory and its generation.
    pub fn from_snapshot(bytes: &[u8]) -> Result<(Directory, u64), String> {
        let s: Snapshot<Vec<Group>, Vec<Role>, Vec<User>> =
            serde_json::from_slice(bytes).map_err(|e| format!("unreadable snapshot: {e}"))?;
        if s.format != FORMAT {
            return Err(format!("snapshot format {} is not the supported {FORMAT}", s.format));
        }
        let (ng, nr) = (s.groups.len() as u32, s.roles.len() as u32);
        for u in &s.users {
            if u.groups.iter().any(|g| *g >= ng) || u.roles.iter().any(|a| a.role >= nr) {
                return Err(format!("snapshot: user `{}` refers to a group or role that does not exist", u.id));
            }
        }
        let mut dir = Directory::new(s.tenant, s.seed, s.groups, s.roles, s.users, s.next_assignment);
        dir.seq = s.seq;
        Ok((dir, s.generation))
    }
}

/// Result of [`Directory::lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Found(u32),
    Missing,
    Ambiguous,
}
