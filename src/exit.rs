//! The exit-code table, mirrored in README.md. "The gate said no" (3) is
//! never confused with "the tool failed" (1).

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The plan passed, or passed with warnings.
    Pass = 0,
    /// No verdict: unreadable or invalid input, `terraform show` failed, I/O.
    NoVerdict = 1,
    /// Usage error: unknown flag or bad value (clap's own code).
    Usage = 2,
    /// Blocked: the policy says this plan must not be applied as it is.
    Blocked = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}
