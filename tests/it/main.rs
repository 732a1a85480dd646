//! The one integration test binary: a module per area, sharing `support`.

mod support;

mod cli;
mod crash;
mod demo;
mod generated;
mod keyring;
mod sandbox;
mod tty;
