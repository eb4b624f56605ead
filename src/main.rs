//! Thin entry point: everything lives in the library so tests and benches share it.

fn main() -> std::process::ExitCode {
    runbook::main(std::env::args_os())
}
