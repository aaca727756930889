use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Off a terminal (CI logs, scripts) a diagnostic is not wrapped, so each
    // sentence stays on one line a script can match.
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
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
                    eprintln!("{:?}", miette::Report::new(inputs.errors.remove(0)));
                }
                error => eprintln!("{:?}", miette::Report::new(error)),
            }
            exit.into()
        }
    }
}
