//! Shell completions and man pages, generated from the clap definition. The generated
//! files are committed under `completions/` and `man/`; a test fails when they are stale.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::args::{Cli, CompletionsArgs};
use super::{Ctx, out_err};
use crate::error::{ExitCode, Result};

pub(super) fn completions(ctx: &Ctx, args: CompletionsArgs) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "remediate", &mut buf);
    ctx.printer.out(|w| w.write_all(&buf)).map_err(out_err)?;
    Ok(ExitCode::Success)
}

/// Every generated file, as (relative path, contents).
pub fn generated_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "remediate.bash"),
        (Shell::Zsh, "_remediate"),
        (Shell::Fish, "remediate.fish"),
        (Shell::PowerShell, "_remediate.ps1"),
        (Shell::Elvish, "remediate.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "remediate", &mut buf);
        files.push((format!("completions/{name}"), buf));
    }
    let root = Cli::command();
    files.push(("man/remediate.1".into(), man_page(&root, "remediate")));
    for sub in root.get_subcommands() {
        let name = format!("remediate-{}", sub.get_name());
        files.push((format!("man/{name}.1"), man_page(sub, &name)));
        for subsub in sub.get_subcommands() {
            let name = format!("{name}-{}", subsub.get_name());
            files.push((format!("man/{name}.1"), man_page(subsub, &name)));
        }
    }
    files
}

fn man_page(cmd: &clap::Command, name: &str) -> Vec<u8> {
    let cmd = cmd.clone().name(name.to_string()).version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(cmd.clone()).date("2026-11-21");
    let mut buf = Vec::new();
    man.render_title(&mut buf).expect("write to vec");
    man.render_name_section(&mut buf).expect("write to vec");
    man.render_synopsis_section(&mut buf).expect("write to vec");
    man.render_description_section(&mut buf).expect("write to vec");
    man.render_options_section(&mut buf).expect("write to vec");
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut buf).expect("write to vec");
    }
    buf.extend_from_slice(EXTRA_SECTIONS.as_bytes());
    man.render_version_section(&mut buf).expect("write to vec");
    buf
}

const EXTRA_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
every task successful, or a dry run
.TP
\fB1\fR
runtime error, or every task unsuccessful (or refused)
.TP
\fB2\fR
usage error or invalid input; nothing was changed
.TP
\fB3\fR
partially successful
.TP
\fB4\fR
authentication or permission failure
.TP
\fB5\fR
canceled at the confirmation, or rejected
.TP
\fB6\fR
pending approval
.TP
\fB130\fR
interrupted
.SH ENVIRONMENT
.TP
\fBREMEDIATE_TENANT\fR
default for \fB\-\-tenant\fR
.TP
\fBREMEDIATE_CONFIG\fR
the config file (default \fI$XDG_CONFIG_HOME/remediate/config.toml\fR)
.TP
\fBREMEDIATE_STATE_DIR\fR
the task log directory (default \fI$XDG_STATE_HOME/remediate\fR)
.TP
\fBREMEDIATE_SECRET_\fINAME\fR
the secret of tenant NAME (upper-cased, \- and . as _), looked up before the OS keyring
.TP
\fBREMEDIATE_OPERATOR\fR
the operator recorded on batches (default: OS user@host)
.TP
\fBNO_COLOR\fR
disables colour
"#;

/// Write every generated file under `root`.
pub fn write_generated(root: &Path) -> std::io::Result<()> {
    for (rel, bytes) in generated_files() {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent"))?;
        std::fs::write(path, bytes)?;
    }
    Ok(())
}
