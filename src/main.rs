use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = blastwall::cli::Cli::parse();
    match blastwall::run(&cli) {
        Ok(exit) => exit.into(),
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            let exit = error.exit();
            eprintln!("{:?}", miette::Report::new(error));
            exit.into()
        }
    }
}
