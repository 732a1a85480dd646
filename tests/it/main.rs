//! The one integration test binary: a module per area, sharing `support`.

// Tests report skipped integration components on stderr.
#![allow(clippy::print_stderr)]

mod support;

#[path = "../support/samba.rs"]
mod samba;

mod ad;
mod cli;
mod conformance;
mod crash;
mod csv;
mod demo;
mod entra;
mod generated;
mod govern;
mod keyring;
mod sandbox;
mod tty;
