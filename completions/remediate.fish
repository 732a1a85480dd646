# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_remediate_global_optspecs
    string join \n t/tenant= o/output= y/yes q/quiet v/verbose no-progress config= state-dir= h/help V/version
end

function __fish_remediate_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_remediate_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_remediate_using_subcommand
    set -l cmd (__fish_remediate_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c remediate -n "__fish_remediate_needs_command" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_needs_command" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_needs_command" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_needs_command" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_needs_command" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_needs_command" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_needs_command" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_needs_command" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c remediate -n "__fish_remediate_needs_command" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "disable" -d 'Block sign-in for users'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "enable" -d 'Unblock sign-in for users'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "reset-password" -d 'Set a random temporary password and force a change at next sign-in (revokes sessions too)'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "revoke-sessions" -d 'Invalidate sign-in sessions and refresh tokens'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "enforce-mfa" -d 'Require MFA (or phishing-resistant MFA) at next sign-in, by adding users to the tenant\'s MFA group'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "remove-roles" -d 'Remove active admin role assignments (all, or the named ones)'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "remove-groups" -d 'Remove group memberships (all, or the named ones); dynamic and synced groups are skipped'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "restrict" -d 'Add users to the tenant\'s restricted group'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "unrestrict" -d 'Remove users from the tenant\'s restricted group'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "bulk" -d 'Run mixed actions from a CSV (`action,user[,tenant][,description][,group][,role]`)'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "status" -d 'Show a batch and its tasks'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "approve" -d 'Approve a batch that is pending approval, and run it'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "reject" -d 'Reject a batch that is pending approval; nothing of it runs'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "retry" -d 'Run again the tasks of a batch that were unsuccessful or interrupted'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "undo" -d 'Reverse what a batch changed, from the state it recorded before acting'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "expire" -d 'Undo every `--for` action whose time is up (for cron or a systemd timer)'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "history" -d 'Search the remediation log, newest first'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "tenant" -d 'Manage tenant profiles'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c remediate -n "__fish_remediate_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand disable" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand enable" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l password-file -d 'Write the temporary passwords to this file (created 0600; must not exist)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l keep-sessions -d 'Do not revoke sessions after the reset'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l with-mfa -d 'Require MFA before the user can choose a new password (Entra)'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l show-password -d 'Print the temporary passwords on the terminal (refused when stdout is not a terminal)'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand reset-password" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand revoke-sessions" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l phishing-resistant -d 'Require phishing-resistant MFA (FIDO2, Windows Hello, certificate) instead of any MFA'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand enforce-mfa" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l role -d 'Only this role (name or id; repeatable); default: every active admin role' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand remove-roles" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l group -d 'Only this group (name or id; repeatable); default: every removable membership' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand remove-groups" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand restrict" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l csv -d 'Read users from a CSV file with a `user` column (`-` reads standard input)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand unrestrict" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l description -d 'Why (a ticket or incident id); recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l i-know-this-is-many -d 'Needed besides `--yes` when the targets exceed the tenant\'s `max_targets`: the exact count' -r
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l for -d 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only' -r
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l password-file -d 'Write temporary passwords of `reset-password` rows to this file (created 0600)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l dry-run -d 'Resolve users, read their state and apply the guards, but change nothing'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l require-approval -d 'Park the batch until another operator runs `remediate approve`'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand bulk" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand status" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand status" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand status" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand status" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand status" -l watch -d 'Refresh until the batch is finished'
complete -c remediate -n "__fish_remediate_using_subcommand status" -l exit-status -d 'Exit with the code of the batch\'s status (0 successful, 3 partial, 1 unsuccessful, ...)'
complete -c remediate -n "__fish_remediate_using_subcommand status" -l all -d 'List every task in a table, even in large batches'
complete -c remediate -n "__fish_remediate_using_subcommand status" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand status" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand status" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand status" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand status" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand status" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand approve" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand approve" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand approve" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand approve" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand reject" -l reason -d 'Why it is rejected; recorded in the batch' -r
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand reject" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand reject" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand reject" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand reject" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand retry" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand retry" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand retry" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand retry" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand undo" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand undo" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand undo" -l force -d 'Reverse even what someone else changed since the batch ran'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand undo" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand expire" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand expire" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand expire" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand expire" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand history" -l user -d 'Only batches that acted on this user' -r
complete -c remediate -n "__fish_remediate_using_subcommand history" -l action -d 'Only batches with this action' -r
complete -c remediate -n "__fish_remediate_using_subcommand history" -l status -d 'Only batches with this status' -r
complete -c remediate -n "__fish_remediate_using_subcommand history" -l since -d 'Only batches created since this time: a timestamp (2026-11-20T08:00:00Z), a date or an age (`7d`, `12h`)' -r
complete -c remediate -n "__fish_remediate_using_subcommand history" -l limit -d 'At most this many batches' -r
complete -c remediate -n "__fish_remediate_using_subcommand history" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand history" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand history" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand history" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand history" -l verify -d 'Check the log\'s hash chain and report the first record that was altered or removed'
complete -c remediate -n "__fish_remediate_using_subcommand history" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand history" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand history" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand history" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand history" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand history" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -f -a "add" -d 'Add (or replace) a tenant profile; stores its secret in the OS keyring'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -f -a "list" -d 'List the tenant profiles'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -f -a "show" -d 'Show one tenant profile and where its secret comes from'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -f -a "remove" -d 'Remove a tenant profile and its keyring secret'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -f -a "test" -d 'Check credentials and the permissions every action needs'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and not __fish_seen_subcommand_from add list show remove test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l provider -d 'Identity system' -r -f -a "entra\t''
okta\t''
google\t''
ad\t''
sandbox\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l tenant-id -d 'entra: directory (tenant) id' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l client-id -d 'entra, okta: application (client) id' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l certificate -d 'entra: PEM with the certificate and private key (else a client secret is used)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l cloud -d 'entra: national cloud' -r -f -a "global\t''
usgov\t''
usgov-dod\t''
china\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l graph-url -d 'entra: Graph endpoint override (proxies, tests)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l login-url -d 'entra: token endpoint host override' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l org-url -d 'okta: the org URL (https://ORG.okta.com)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l private-key -d 'okta: PEM private key of the OAuth service app (with --client-id)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l domain -d 'google: the Workspace primary domain' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l admin-email -d 'google: the admin the service account impersonates' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l service-account-file -d 'google: the service account key file (JSON)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l api-url -d 'google: Directory API endpoint override' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l token-url -d 'google: token endpoint override' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l url -d 'ad: ldaps://HOST:636 (or ldap://HOST:389, upgraded with StartTLS)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l bind-dn -d 'ad: the account to bind as (DN or user@realm)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l base-dn -d 'ad: where users and groups are searched' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l ca-file -d 'ad: PEM with the CA that signed the server certificate' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l users -d 'sandbox: seed this many generic users (`user00001@NAME.test`, ...)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l latency-ms -d 'sandbox: added to every provider call' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l fail-rate -d 'sandbox: probability (0 to 1) that a write fails' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l restricted-group -d 'Group `restrict` adds users to (id or name)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l mfa-group -d 'Group `enforce-mfa` adds users to (a Conditional Access / sign-on policy targets it)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l phishing-resistant-mfa-group -d 'Group `enforce-mfa --phishing-resistant` adds users to' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l protected -d 'An account that is never touched (break-glass, service accounts); repeatable' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l max-targets -d 'Above this many targets `--yes` also needs `--i-know-this-is-many N` (default 500)' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l secret-stdin -d 'Read the secret (client secret, API token, bind password) from standard input'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l force -d 'Replace an existing profile of that name'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l default -d 'Make it the default tenant'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l insecure-skip-verify -d 'ad: skip certificate verification (refused unless the host is loopback)'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add (or replace) a tenant profile; stores its secret in the OS keyring'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the tenant profiles'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one tenant profile and where its secret comes from'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a tenant profile and its keyring secret'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "test" -d 'Check credentials and the permissions every action needs'
complete -c remediate -n "__fish_remediate_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s t -l tenant -d 'Tenant to act on (repeatable, or comma-separated); default: the config\'s `default_tenant`' -r
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s o -l output -d 'Output format: a table (plain tab-separated rows when piped), JSON or CSV' -r -f -a "table\t''
json\t''
csv\t''"
complete -c remediate -n "__fish_remediate_using_subcommand completions" -l config -d 'Config file with the tenant profiles' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand completions" -l state-dir -d 'Directory of the task log (and the sandbox directories)' -r -F
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s y -l yes -d 'Act without asking for confirmation'
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s q -l quiet -d 'Print only the result data, no status lines or progress'
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s v -l verbose -d 'Print a line per task as it finishes, and more detail on errors'
complete -c remediate -n "__fish_remediate_using_subcommand completions" -l no-progress -d 'Never show a progress bar'
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s h -l help -d 'Print help'
complete -c remediate -n "__fish_remediate_using_subcommand completions" -s V -l version -d 'Print version'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "disable" -d 'Block sign-in for users'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "enable" -d 'Unblock sign-in for users'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "reset-password" -d 'Set a random temporary password and force a change at next sign-in (revokes sessions too)'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "revoke-sessions" -d 'Invalidate sign-in sessions and refresh tokens'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "enforce-mfa" -d 'Require MFA (or phishing-resistant MFA) at next sign-in, by adding users to the tenant\'s MFA group'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "remove-roles" -d 'Remove active admin role assignments (all, or the named ones)'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "remove-groups" -d 'Remove group memberships (all, or the named ones); dynamic and synced groups are skipped'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "restrict" -d 'Add users to the tenant\'s restricted group'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "unrestrict" -d 'Remove users from the tenant\'s restricted group'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "bulk" -d 'Run mixed actions from a CSV (`action,user[,tenant][,description][,group][,role]`)'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "status" -d 'Show a batch and its tasks'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "approve" -d 'Approve a batch that is pending approval, and run it'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "reject" -d 'Reject a batch that is pending approval; nothing of it runs'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "retry" -d 'Run again the tasks of a batch that were unsuccessful or interrupted'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "undo" -d 'Reverse what a batch changed, from the state it recorded before acting'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "expire" -d 'Undo every `--for` action whose time is up (for cron or a systemd timer)'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "history" -d 'Search the remediation log, newest first'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "tenant" -d 'Manage tenant profiles'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c remediate -n "__fish_remediate_using_subcommand help; and not __fish_seen_subcommand_from disable enable reset-password revoke-sessions enforce-mfa remove-roles remove-groups restrict unrestrict bulk status approve reject retry undo expire history tenant completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c remediate -n "__fish_remediate_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "add" -d 'Add (or replace) a tenant profile; stores its secret in the OS keyring'
complete -c remediate -n "__fish_remediate_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "list" -d 'List the tenant profiles'
complete -c remediate -n "__fish_remediate_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "show" -d 'Show one tenant profile and where its secret comes from'
complete -c remediate -n "__fish_remediate_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "remove" -d 'Remove a tenant profile and its keyring secret'
complete -c remediate -n "__fish_remediate_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "test" -d 'Check credentials and the permissions every action needs'
