use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Off a terminal (CI logs, scripts) a diagnostic is not wrapped, so each
    // sentence stays on one line a script can match, and its first line
    // carries the code (see `CodeOnFirstLine`).
    let plain = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    if plain {
        let _ = miette::set_hook(Box::new(|_| {
            Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
        }));
    }
    let cli = blastwall::cli::Cli::parse();
    match blastwall::run(&cli) {
        Ok(exit) => exit.into(),
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            let exit = error.exit();
            match error {
                // One broken input: its own diagnostic, without the summary line.
                blastwall::app::error::RunError::Inputs(mut inputs) if inputs.errors.len() == 1 => {
                    report(inputs.errors.remove(0), plain);
                }
                error => report(error, plain),
            }
            exit.into()
        }
    }
}

fn report<D: miette::Diagnostic + Send + Sync + 'static>(diagnostic: D, plain: bool) {
    if plain {
        eprintln!(
            "{:?}",
            miette::Report::new(blastwall::app::error::CodeOnFirstLine(diagnostic))
        );
    } else {
        eprintln!("{:?}", miette::Report::new(diagnostic));
    }
}

// A plan is millions of small, short-lived allocations (keys, strings, JSON
// values); glibc's allocator spent about a fifth of a 100k-resource check in
// malloc/free/consolidate (perf); jemalloc takes a fifth off the CPU time
// and some peak memory (scripts/bench.sh).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// One arena for every thread. jemalloc gives each core its own arenas
// (four per CPU), and memory one thread frees is not reused by a thread on
// another arena: with rayon's phases handing work between threads, the
// 100k-resource check peaked 30-40 MB (4 %) higher, and its time did not
// change with one arena (each thread still caches small allocations).
// `_RJEM_MALLOC_CONF` set in the environment still overrides this.
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
static malloc_conf: &[u8; 10] = b"narenas:1\0";
