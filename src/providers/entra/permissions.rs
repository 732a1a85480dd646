//! Which Microsoft Graph application permission (and which Entra role) each action needs,
//! least privilege first: used by `tenant test` (`check`) and by the hints of 403 errors.
//!
//! Sources: the "Permissions" tables of each Graph v1.0 API page (learn.microsoft.com/graph/
//! api/user-update, user-revokesigninsessions, group-post-members, group-delete-members,
//! rbacapplication-list-roleassignments, unifiedroleassignment-delete,
//! rbacapplication-post-roleeligibilityschedulerequests, conditionalaccessroot-post-policies,
//! group-list-members)
//! as collected in api-contracts §1.2-§1.10, and the `x-permissions` of the spec subset.

use crate::model::Action;

/// One permission requirement: the least-privileged permission, and the higher ones that
/// also satisfy it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub permission: &'static str,
    pub also: &'static [&'static str],
    /// What it is for, in words.
    pub purpose: &'static str,
}

impl Need {
    /// Whether a token with these `roles` satisfies this need.
    pub fn met_by(&self, roles: &[String]) -> bool {
        roles.iter().any(|r| r == self.permission || self.also.contains(&r.as_str()))
    }
}

pub const READ_USER: Need = Need {
    permission: "User.Read.All",
    also: &["User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    purpose: "read users",
};
pub const READ_ROLES: Need = Need {
    permission: "RoleManagement.Read.Directory",
    also: &[
        "RoleManagement.Read.All",
        "Directory.Read.All",
        "RoleManagement.ReadWrite.Directory",
        "Directory.ReadWrite.All",
    ],
    purpose: "read role assignments (Global Administrator guard)",
};
pub const ENABLE_DISABLE: Need = Need {
    permission: "User.EnableDisableAccount.All",
    also: &["User.ReadWrite.All", "Directory.ReadWrite.All"],
    purpose: "set accountEnabled",
};
pub const PASSWORD: Need = Need {
    permission: "User-PasswordProfile.ReadWrite.All",
    also: &["User.ReadWrite.All", "Directory.ReadWrite.All"],
    purpose: "set passwordProfile",
};
pub const REVOKE: Need = Need {
    permission: "User.RevokeSessions.All",
    also: &["User.ReadWrite.All", "Directory.ReadWrite.All"],
    purpose: "revoke sign-in sessions",
};
pub const READ_GROUPS: Need = Need {
    permission: "GroupMember.Read.All",
    also: &[
        "Group.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ],
    purpose: "read groups and memberships",
};
/// Every action reads the user's state, which includes whether the user holds Global
/// Administrator through a role-assignable group: listing those groups' members
/// (learn.microsoft.com/graph/api/group-list-members, "Permissions").
pub const READ_GA_MEMBERS: Need = Need {
    permission: "GroupMember.Read.All",
    also: READ_GROUPS.also,
    purpose: "list the members of groups holding Global Administrator, for the last-admin guard",
};
pub const WRITE_MEMBERS: Need = Need {
    permission: "GroupMember.ReadWrite.All",
    also: &["Group.ReadWrite.All", "Directory.ReadWrite.All"],
    purpose: "add and remove group members",
};
pub const READ_POLICIES: Need =
    Need { permission: "Policy.Read.All", also: &[], purpose: "read conditional access policies" };
pub const WRITE_POLICIES: Need = Need {
    permission: "Policy.ReadWrite.ConditionalAccess",
    also: &[],
    purpose: "create the conditional access policy",
};
pub const WRITE_ROLES: Need = Need {
    permission: "RoleManagement.ReadWrite.Directory",
    also: &[],
    purpose: "remove and re-create role assignments",
};
pub const READ_PIM: Need = Need {
    permission: "RoleEligibilitySchedule.Read.Directory",
    also: &[
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleManagement.ReadWrite.Directory",
    ],
    purpose: "read PIM eligible role assignments",
};
pub const WRITE_PIM: Need = Need {
    permission: "RoleEligibilitySchedule.ReadWrite.Directory",
    also: &["RoleManagement.ReadWrite.Directory"],
    purpose: "remove and restore PIM eligible role assignments",
};

/// What an action needs: required permissions, optional ones (the action works without
/// them, doing less), and the Entra role the app's service principal needs besides.
#[derive(Debug, Clone, Copy)]
pub struct ActionNeeds {
    pub required: &'static [Need],
    pub optional: &'static [Need],
    pub entra_role: Option<&'static str>,
}

const SENSITIVE_ROLE: &str = "User Administrator (Privileged Authentication Administrator to act on admins)";

pub fn needs(action: Action) -> ActionNeeds {
    let (required, optional, entra_role): (&'static [Need], &'static [Need], Option<&'static str>) = match action {
        Action::Disable | Action::Enable => {
            (&[READ_USER, READ_ROLES, READ_GA_MEMBERS, ENABLE_DISABLE], &[], Some(SENSITIVE_ROLE))
        }
        Action::ResetPassword => (
            &[READ_USER, READ_ROLES, READ_GA_MEMBERS, PASSWORD, REVOKE],
            &[],
            Some(
                "Password Administrator or User Administrator (Privileged Authentication Administrator to act on admins)",
            ),
        ),
        Action::RevokeSessions => (&[READ_USER, READ_ROLES, READ_GA_MEMBERS, REVOKE], &[], Some(SENSITIVE_ROLE)),
        Action::EnforceMfa => {
            (&[READ_USER, READ_ROLES, READ_GROUPS, WRITE_MEMBERS, READ_POLICIES, WRITE_POLICIES], &[], None)
        }
        Action::UnenforceMfa | Action::Restrict | Action::Unrestrict | Action::RemoveGroups | Action::RestoreGroups => {
            (&[READ_USER, READ_ROLES, READ_GROUPS, WRITE_MEMBERS], &[], None)
        }
        Action::RemoveRoles | Action::RestoreRoles => (
            &[READ_USER, READ_ROLES, READ_GA_MEMBERS, WRITE_ROLES],
            &[READ_PIM, WRITE_PIM],
            Some("Privileged Role Administrator"),
        ),
    };
    ActionNeeds { required, optional, entra_role }
}

/// The hint of a 403 on `need` for `action`: the permission to grant when the token lacks
/// it, else the Entra role (the permission alone is not enough for sensitive targets).
pub fn denied_hint(action: Option<Action>, need: Need, roles: Option<&[String]>) -> String {
    let role = action.and_then(|a| needs(a).entra_role);
    let grant = format!(
        "grant the app the Microsoft Graph application permission `{}` (to {}) with admin consent",
        need.permission, need.purpose
    );
    match (roles.map(|r| need.met_by(r)), role) {
        (Some(true), Some(role)) => format!(
            "the app holds `{}`; for this target its service principal also needs the Entra role {role}",
            need.permission
        ),
        (Some(true), None) => format!(
            "the app holds `{}` but Graph still refused: the target may be protected (role-assignable group, \
             restricted administrative unit); `remediate tenant test` lists what the app holds",
            need.permission
        ),
        (_, Some(role)) => format!("{grant}; its service principal also needs the Entra role {role}"),
        (_, None) => grant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_permissions_satisfy() {
        let roles = vec!["Directory.ReadWrite.All".to_string()];
        assert!(ENABLE_DISABLE.met_by(&roles));
        assert!(READ_USER.met_by(&roles));
        assert!(!WRITE_ROLES.met_by(&roles));
        assert!(!ENABLE_DISABLE.met_by(&["User.Read.All".to_string()]));
    }

    #[test]
    fn every_action_needs_to_read_users() {
        for a in
            Action::USER_FACING.into_iter().chain([Action::UnenforceMfa, Action::RestoreGroups, Action::RestoreRoles])
        {
            assert!(needs(a).required.contains(&READ_USER), "{a}");
        }
    }

    #[test]
    fn every_action_can_list_the_members_of_global_administrator_groups() {
        for a in
            Action::USER_FACING.into_iter().chain([Action::UnenforceMfa, Action::RestoreGroups, Action::RestoreRoles])
        {
            let n = needs(a);
            assert!(n.required.iter().any(|need| need.permission == "GroupMember.Read.All"), "{a}");
        }
        assert!(READ_GA_MEMBERS.met_by(&["Directory.Read.All".to_string()]));
        assert!(!READ_GA_MEMBERS.met_by(&["User.Read.All".to_string()]));
    }

    #[test]
    fn hint_names_permission_or_role() {
        let h = denied_hint(Some(Action::Disable), ENABLE_DISABLE, Some(&["User.Read.All".to_string()]));
        assert!(
            h.contains("`User.EnableDisableAccount.All`") && h.contains("Privileged Authentication Administrator"),
            "{h}"
        );
        let h =
            denied_hint(Some(Action::Disable), ENABLE_DISABLE, Some(&["User.EnableDisableAccount.All".to_string()]));
        assert!(h.starts_with("the app holds") && h.contains("Entra role"), "{h}");
    }
}
