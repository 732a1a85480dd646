fn main() -> std::process::ExitCode {
    remediate::cli::main()
}
