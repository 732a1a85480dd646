//! The one integration test binary: a module per area, sharing `support`.

mod support;

#[path = "../support/samba.rs"]
mod samba;

mod ad;
mod cli;
mod crash;
mod demo;
mod generated;
mod keyring;
mod tty;
