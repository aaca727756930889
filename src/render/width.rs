//! How wide the terminal report may be: a terminal's width; no wrapping
//! when the report goes to a pipe or a file.

use std::io::IsTerminal;

/// `BLASTWALL_WIDTH=N` wraps at N columns even when not a terminal (tests,
/// screenshots); `0` never wraps.
pub const WIDTH_VARIABLE: &str = "BLASTWALL_WIDTH";

/// Narrower than this, wrapping would make the report harder to read.
const MIN_WIDTH: usize = 40;

/// The width for the report written to stdout.
pub fn stdout() -> Option<usize> {
    of(std::io::stdout())
}

/// The width for the report written to stderr (`guard`, `approve`).
pub fn stderr() -> Option<usize> {
    of(std::io::stderr())
}

#[cfg(unix)]
fn of(stream: impl IsTerminal + std::os::fd::AsFd) -> Option<usize> {
    chosen(
        std::env::var(WIDTH_VARIABLE).ok().as_deref(),
        stream.is_terminal(),
        || terminal_size::terminal_size_of(stream).map(|(width, _)| usize::from(width.0)),
    )
}

#[cfg(windows)]
fn of(stream: impl IsTerminal + std::os::windows::io::AsHandle) -> Option<usize> {
    chosen(
        std::env::var(WIDTH_VARIABLE).ok().as_deref(),
        stream.is_terminal(),
        || terminal_size::terminal_size_of(stream).map(|(width, _)| usize::from(width.0)),
    )
}

#[cfg(not(any(unix, windows)))]
fn of(stream: impl IsTerminal) -> Option<usize> {
    chosen(
        std::env::var(WIDTH_VARIABLE).ok().as_deref(),
        stream.is_terminal(),
        || None,
    )
}

fn chosen(
    variable: Option<&str>,
    is_terminal: bool,
    measure: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    if let Some(forced) = variable.and_then(|text| text.trim().parse::<usize>().ok()) {
        return (forced > 0).then_some(forced.max(MIN_WIDTH));
    }
    if !is_terminal {
        return None;
    }
    Some(measure().unwrap_or(80).max(MIN_WIDTH))
}

#[cfg(test)]
mod tests {
    use super::chosen;

    #[test]
    fn a_pipe_is_not_wrapped_and_a_terminal_is() {
        assert_eq!(chosen(None, false, || Some(120)), None);
        assert_eq!(chosen(None, true, || Some(120)), Some(120));
        assert_eq!(chosen(None, true, || None), Some(80));
        assert_eq!(chosen(None, true, || Some(10)), Some(40));
    }

    #[test]
    fn the_variable_forces_a_width_or_none() {
        assert_eq!(chosen(Some("80"), false, || None), Some(80));
        assert_eq!(chosen(Some("0"), true, || Some(120)), None);
        assert_eq!(chosen(Some("wide"), false, || None), None);
    }
}
