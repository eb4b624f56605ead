//! Thin entry point: everything lives in the library so tests and benches share it.

/// The system allocator, with huge pages advised for large blocks and, for a large file,
/// for the heaps (see `runbook::alloc`).
#[global_allocator]
static ALLOCATOR: runbook::alloc::HugeBlocks = runbook::alloc::HugeBlocks;

fn main() -> std::process::ExitCode {
    // Before any thread makes a heap of its own (see `runbook::alloc::tune`).
    runbook::alloc::tune();
    runbook::main(std::env::args_os())
}
