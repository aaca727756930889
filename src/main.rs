use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = blastwall::cli::Cli::parse();
    match blastwall::run(&cli) {
        Ok(exit) => exit.into(),
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            let exit = error.exit();
            match error {
                // One broken input: its own diagnostic, without the summary line.
                blastwall::error::RunError::Inputs(mut inputs) if inputs.errors.len() == 1 => {
                    eprintln!("{:?}", miette::Report::new(inputs.errors.remove(0)));
                }
                error => eprintln!("{:?}", miette::Report::new(error)),
            }
            exit.into()
        }
    }
}
