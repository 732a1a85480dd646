//! The one integration test binary: a module per area.

#[path = "../support/samba.rs"]
mod samba;

mod ad;
