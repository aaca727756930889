//! The exit-code table, mirrored in README.md. "The gate said no" (3) is
//! never confused with "the tool failed" (1).

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The plan passed, or passed with warnings.
    Pass,
    /// No verdict: unreadable or invalid input, `terraform show` failed, I/O.
    NoVerdict,
    /// Usage error: unknown flag or bad value (clap's own code).
    Usage,
    /// Blocked: the policy says this plan must not be applied as it is.
    Blocked,
    /// `guard` only: the wrapped terraform/tofu command's own exit code.
    Forwarded(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Self::Pass => 0,
            Self::NoVerdict => 1,
            Self::Usage => 2,
            Self::Blocked => 3,
            Self::Forwarded(code) => code,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}
