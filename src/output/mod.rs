//! The output layer: the only code that touches the terminal. Data goes to stdout in one of
//! three renderings of one value (a table on a TTY, tab-separated rows when piped, or
//! `-o json` / `-o csv`); status lines, warnings, errors, prompts and progress go to stderr.
#![allow(clippy::print_stderr)]

mod progress;
mod render;

use std::io::{self, IsTerminal, Write};

pub use progress::ProgressReporter;

use crate::cli::args::{GlobalArgs, OutputFormat};
use crate::error::Error;

/// How and where to print, decided once from the flags and the environment.
#[derive(Debug, Clone)]
pub struct Printer {
    pub format: OutputFormat,
    pub quiet: bool,
    pub verbose: bool,
    /// Show progress bars (stderr is a TTY, not quiet, not JSON, not `--no-progress`, not `TERM=dumb`).
    pub progress: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
    /// Colour on stderr/stdout TTYs unless `NO_COLOR` is set; never the only carrier of meaning.
    pub color: bool,
}

impl Printer {
    pub fn new(global: &GlobalArgs) -> Printer {
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        let stdin_tty = io::stdin().is_terminal();
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            format: global.output,
            quiet: global.quiet,
            verbose: global.verbose,
            progress: stderr_tty
                && !dumb
                && !global.quiet
                && !global.no_progress
                && global.output == OutputFormat::Table,
            stdout_tty,
            stderr_tty,
            stdin_tty,
            color: !no_color && !dumb && stdout_tty,
        }
    }

    /// Whether the operator can be asked a question.
    pub fn can_prompt(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }

    /// A status line on stderr (hidden by `-q`).
    pub fn status(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning on stderr (shown even with `-q`).
    pub fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("warning: {}", msg.as_ref());
    }

    pub fn hint(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("hint: {}", msg.as_ref());
        }
    }

    /// `error: …`, `caused by: …`, detail lines, `hint: …`.
    pub fn error(&self, err: &Error) {
        eprintln!("error: {err}");
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            eprintln!("caused by: {s}");
            source = s.source();
        }
        for line in err.details() {
            eprintln!("  {line}");
        }
        if let Some(hint) = err.hint() {
            eprintln!("hint: {hint}");
        }
    }

    /// Write data to stdout; a closed pipe is reported as `BrokenPipe` for the caller to
    /// end quietly.
    pub fn out(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let stdout = io::stdout();
        let mut w = io::BufWriter::with_capacity(1 << 16, stdout.lock());
        f(&mut w)?;
        w.flush()
    }

    /// Ask a yes/no question on the terminal; `false` when it cannot be asked.
    pub fn confirm(&self, prompt: &str) -> bool {
        if !self.can_prompt() {
            return false;
        }
        dialoguer::Confirm::new().with_prompt(prompt).default(false).interact_on(&console_term()).unwrap_or(false)
    }

    /// Print a block of lines on stderr (the confirmation summary).
    pub fn block(&self, lines: &[String]) {
        for l in lines {
            eprintln!("{l}");
        }
    }

    /// Print a secret on the terminal (only ever called for `--show-password` on a TTY).
    pub fn secret_line(&self, line: &str) {
        eprintln!("{line}");
    }
}

fn console_term() -> dialoguer::console::Term {
    dialoguer::console::Term::stderr()
}
