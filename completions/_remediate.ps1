
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'remediate' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'remediate'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'remediate' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Block sign-in for users')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Unblock sign-in for users')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Set a random temporary password and force a change at next sign-in (revokes sessions too)')
            [CompletionResult]::new('revoke-sessions', 'revoke-sessions', [CompletionResultType]::ParameterValue, 'Invalidate sign-in sessions and refresh tokens')
            [CompletionResult]::new('enforce-mfa', 'enforce-mfa', [CompletionResultType]::ParameterValue, 'Require MFA (or phishing-resistant MFA) at next sign-in, by adding users to the tenant''s MFA group')
            [CompletionResult]::new('remove-roles', 'remove-roles', [CompletionResultType]::ParameterValue, 'Remove active admin role assignments (all, or the named ones)')
            [CompletionResult]::new('remove-groups', 'remove-groups', [CompletionResultType]::ParameterValue, 'Remove group memberships (all, or the named ones); dynamic and synced groups are skipped')
            [CompletionResult]::new('restrict', 'restrict', [CompletionResultType]::ParameterValue, 'Add users to the tenant''s restricted group')
            [CompletionResult]::new('unrestrict', 'unrestrict', [CompletionResultType]::ParameterValue, 'Remove users from the tenant''s restricted group')
            [CompletionResult]::new('bulk', 'bulk', [CompletionResultType]::ParameterValue, 'Run mixed actions from a CSV (`action,user[,tenant][,description][,group][,role]`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a batch and its tasks')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a batch that is pending approval, and run it')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a batch that is pending approval; nothing of it runs')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run again the tasks of a batch that were unsuccessful or interrupted')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Reverse what a batch changed, from the state it recorded before acting')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Undo every `--for` action whose time is up (for cron or a systemd timer)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Search the remediation log, newest first')
            [CompletionResult]::new('tenant', 'tenant', [CompletionResultType]::ParameterValue, 'Manage tenant profiles')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'remediate;disable' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;enable' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;reset-password' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Write the temporary passwords to this file (created 0600; must not exist)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('--keep-sessions', '--keep-sessions', [CompletionResultType]::ParameterName, 'Do not revoke sessions after the reset')
            [CompletionResult]::new('--with-mfa', '--with-mfa', [CompletionResultType]::ParameterName, 'Require MFA before the user can choose a new password (Entra)')
            [CompletionResult]::new('--show-password', '--show-password', [CompletionResultType]::ParameterName, 'Print the temporary passwords on the terminal (refused when stdout is not a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;revoke-sessions' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;enforce-mfa' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('--phishing-resistant', '--phishing-resistant', [CompletionResultType]::ParameterName, 'Require phishing-resistant MFA (FIDO2, Windows Hello, certificate) instead of any MFA')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;remove-roles' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Only this role (name or id; repeatable); default: every active admin role')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;remove-groups' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Only this group (name or id; repeatable); default: every removable membership')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;restrict' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;unrestrict' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Read users from a CSV file with a `user` column (`-` reads standard input)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;bulk' {
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Why (a ticket or incident id); recorded in the batch')
            [CompletionResult]::new('--i-know-this-is-many', '--i-know-this-is-many', [CompletionResultType]::ParameterName, 'Needed besides `--yes` when the targets exceed the tenant''s `max_targets`: the exact count')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Write temporary passwords of `reset-password` rows to this file (created 0600)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Resolve users, read their state and apply the guards, but change nothing')
            [CompletionResult]::new('--require-approval', '--require-approval', [CompletionResultType]::ParameterName, 'Park the batch until another operator runs `remediate approve`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;status' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh until the batch is finished')
            [CompletionResult]::new('--exit-status', '--exit-status', [CompletionResultType]::ParameterName, 'Exit with the code of the batch''s status (0 successful, 3 partial, 1 unsuccessful, ...)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'List every task in a table, even in large batches')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;approve' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;reject' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is rejected; recorded in the batch')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;retry' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;undo' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Reverse even what someone else changed since the batch ran')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;expire' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;history' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only batches that acted on this user')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only batches with this action')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only batches with this status')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only batches created since this time: a timestamp (2026-11-20T08:00:00Z), a date or an age (`7d`, `12h`)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many batches')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check the log''s hash chain and report the first record that was altered or removed')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;tenant' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add (or replace) a tenant profile; stores its secret in the OS keyring')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tenant profiles')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one tenant profile and where its secret comes from')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a tenant profile and its keyring secret')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Check credentials and the permissions every action needs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'remediate;tenant;add' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Identity system')
            [CompletionResult]::new('--tenant-id', '--tenant-id', [CompletionResultType]::ParameterName, 'entra: directory (tenant) id')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'entra, okta: application (client) id')
            [CompletionResult]::new('--certificate', '--certificate', [CompletionResultType]::ParameterName, 'entra: PEM with the certificate and private key (else a client secret is used)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'entra: national cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'entra: Graph endpoint override (proxies, tests)')
            [CompletionResult]::new('--login-url', '--login-url', [CompletionResultType]::ParameterName, 'entra: token endpoint host override')
            [CompletionResult]::new('--org-url', '--org-url', [CompletionResultType]::ParameterName, 'okta: the org URL (https://ORG.okta.com)')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'okta: PEM private key of the OAuth service app (with --client-id)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'google: the Workspace primary domain')
            [CompletionResult]::new('--admin-email', '--admin-email', [CompletionResultType]::ParameterName, 'google: the admin the service account impersonates')
            [CompletionResult]::new('--service-account-file', '--service-account-file', [CompletionResultType]::ParameterName, 'google: the service account key file (JSON)')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'google: Directory API endpoint override')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'google: token endpoint override')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'ad: ldaps://HOST:636 (or ldap://HOST:389, upgraded with StartTLS)')
            [CompletionResult]::new('--bind-dn', '--bind-dn', [CompletionResultType]::ParameterName, 'ad: the account to bind as (DN or user@realm)')
            [CompletionResult]::new('--base-dn', '--base-dn', [CompletionResultType]::ParameterName, 'ad: where users and groups are searched')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'ad: PEM with the CA that signed the server certificate')
            [CompletionResult]::new('--users', '--users', [CompletionResultType]::ParameterName, 'sandbox: seed this many generic users (`user00001@NAME.test`, ...)')
            [CompletionResult]::new('--latency-ms', '--latency-ms', [CompletionResultType]::ParameterName, 'sandbox: added to every provider call')
            [CompletionResult]::new('--fail-rate', '--fail-rate', [CompletionResultType]::ParameterName, 'sandbox: probability (0 to 1) that a write fails')
            [CompletionResult]::new('--restricted-group', '--restricted-group', [CompletionResultType]::ParameterName, 'Group `restrict` adds users to (id or name)')
            [CompletionResult]::new('--mfa-group', '--mfa-group', [CompletionResultType]::ParameterName, 'Group `enforce-mfa` adds users to (a Conditional Access / sign-on policy targets it)')
            [CompletionResult]::new('--phishing-resistant-mfa-group', '--phishing-resistant-mfa-group', [CompletionResultType]::ParameterName, 'Group `enforce-mfa --phishing-resistant` adds users to')
            [CompletionResult]::new('--protected', '--protected', [CompletionResultType]::ParameterName, 'An account that is never touched (break-glass, service accounts); repeatable')
            [CompletionResult]::new('--max-targets', '--max-targets', [CompletionResultType]::ParameterName, 'Above this many targets `--yes` also needs `--i-know-this-is-many N` (default 500)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('--secret-stdin', '--secret-stdin', [CompletionResultType]::ParameterName, 'Read the secret (client secret, API token, bind password) from standard input')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing profile of that name')
            [CompletionResult]::new('--default', '--default', [CompletionResultType]::ParameterName, 'Make it the default tenant')
            [CompletionResult]::new('--insecure-skip-verify', '--insecure-skip-verify', [CompletionResultType]::ParameterName, 'ad: skip certificate verification (refused unless the host is loopback)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;tenant;list' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;tenant;show' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;tenant;remove' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;tenant;test' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;tenant;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add (or replace) a tenant profile; stores its secret in the OS keyring')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tenant profiles')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one tenant profile and where its secret comes from')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a tenant profile and its keyring secret')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Check credentials and the permissions every action needs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'remediate;tenant;help;add' {
            break
        }
        'remediate;tenant;help;list' {
            break
        }
        'remediate;tenant;help;show' {
            break
        }
        'remediate;tenant;help;remove' {
            break
        }
        'remediate;tenant;help;test' {
            break
        }
        'remediate;tenant;help;help' {
            break
        }
        'remediate;completions' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to act on (repeatable, or comma-separated); default: the config''s `default_tenant`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table (plain tab-separated rows when piped), JSON or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file with the tenant profiles')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory of the task log (and the sandbox directories)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Act without asking for confirmation')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result data, no status lines or progress')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per task as it finishes, and more detail on errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'remediate;help' {
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Block sign-in for users')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Unblock sign-in for users')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Set a random temporary password and force a change at next sign-in (revokes sessions too)')
            [CompletionResult]::new('revoke-sessions', 'revoke-sessions', [CompletionResultType]::ParameterValue, 'Invalidate sign-in sessions and refresh tokens')
            [CompletionResult]::new('enforce-mfa', 'enforce-mfa', [CompletionResultType]::ParameterValue, 'Require MFA (or phishing-resistant MFA) at next sign-in, by adding users to the tenant''s MFA group')
            [CompletionResult]::new('remove-roles', 'remove-roles', [CompletionResultType]::ParameterValue, 'Remove active admin role assignments (all, or the named ones)')
            [CompletionResult]::new('remove-groups', 'remove-groups', [CompletionResultType]::ParameterValue, 'Remove group memberships (all, or the named ones); dynamic and synced groups are skipped')
            [CompletionResult]::new('restrict', 'restrict', [CompletionResultType]::ParameterValue, 'Add users to the tenant''s restricted group')
            [CompletionResult]::new('unrestrict', 'unrestrict', [CompletionResultType]::ParameterValue, 'Remove users from the tenant''s restricted group')
            [CompletionResult]::new('bulk', 'bulk', [CompletionResultType]::ParameterValue, 'Run mixed actions from a CSV (`action,user[,tenant][,description][,group][,role]`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a batch and its tasks')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a batch that is pending approval, and run it')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a batch that is pending approval; nothing of it runs')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run again the tasks of a batch that were unsuccessful or interrupted')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Reverse what a batch changed, from the state it recorded before acting')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Undo every `--for` action whose time is up (for cron or a systemd timer)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Search the remediation log, newest first')
            [CompletionResult]::new('tenant', 'tenant', [CompletionResultType]::ParameterValue, 'Manage tenant profiles')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'remediate;help;disable' {
            break
        }
        'remediate;help;enable' {
            break
        }
        'remediate;help;reset-password' {
            break
        }
        'remediate;help;revoke-sessions' {
            break
        }
        'remediate;help;enforce-mfa' {
            break
        }
        'remediate;help;remove-roles' {
            break
        }
        'remediate;help;remove-groups' {
            break
        }
        'remediate;help;restrict' {
            break
        }
        'remediate;help;unrestrict' {
            break
        }
        'remediate;help;bulk' {
            break
        }
        'remediate;help;status' {
            break
        }
        'remediate;help;approve' {
            break
        }
        'remediate;help;reject' {
            break
        }
        'remediate;help;retry' {
            break
        }
        'remediate;help;undo' {
            break
        }
        'remediate;help;expire' {
            break
        }
        'remediate;help;history' {
            break
        }
        'remediate;help;tenant' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add (or replace) a tenant profile; stores its secret in the OS keyring')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tenant profiles')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one tenant profile and where its secret comes from')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a tenant profile and its keyring secret')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Check credentials and the permissions every action needs')
            break
        }
        'remediate;help;tenant;add' {
            break
        }
        'remediate;help;tenant;list' {
            break
        }
        'remediate;help;tenant;show' {
            break
        }
        'remediate;help;tenant;remove' {
            break
        }
        'remediate;help;tenant;test' {
            break
        }
        'remediate;help;completions' {
            break
        }
        'remediate;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
