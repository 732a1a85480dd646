//! `completions/` and `man/` are generated from the clap definition and committed.

#[test]
fn generated_files_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var("UPDATE_GENERATED").is_ok_and(|v| v == "1") {
        remediate::cli::generate::write_generated(root).unwrap();
    }
    let mut stale = Vec::new();
    for (rel, bytes) in remediate::cli::generate::generated_files() {
        if std::fs::read(root.join(&rel)).ok().as_deref() != Some(&bytes[..]) {
            stale.push(rel);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nrefresh them with: UPDATE_GENERATED=1 cargo test --test it generated"
    );
    let man = std::fs::read_to_string(root.join("man/remediate-disable.1")).unwrap();
    assert!(man.contains("EXIT STATUS") && man.contains("ENVIRONMENT"));
}
