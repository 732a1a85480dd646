//! `remediate`: take remediation actions on risky user accounts in every identity system
//! an organisation runs. The binary is a thin shell over this library so that tests can
//! run commands in-process as well as spawn the binary.

pub mod cli;
pub mod config;
pub mod csv_input;
pub mod engine;
pub mod error;
pub mod fsutil;
pub mod model;
pub mod output;
pub mod password;
pub mod providers;
pub mod secret;
pub mod tasklog;
