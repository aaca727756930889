//! The hash chain: appending a line under a lock, and walking the chain.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::{AuditError, Entry, now_rfc3339, sha256_hex};

/// `prev` of the first line: the SHA-256 of the empty string.
pub const GENESIS: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Appends `entry` (with its `seq`, `time` and `prev` filled in) as one line.
/// The file is opened with O_APPEND and held under an exclusive lock
/// (`File::lock`, flock/LockFileEx in std since Rust 1.89, so no crate is
/// needed) from reading the last line to writing the new one, so concurrent
/// runs neither interleave nor fork the chain.
pub fn append(path: &Path, entry: &Entry) -> Result<Entry, AuditError> {
    let failed = |message: String| AuditError::Write {
        path: path.to_path_buf(),
        message,
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|error| failed(error.to_string()))?;
    }
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|error| failed(error.to_string()))?;
    // /dev/null, a FIFO or a terminal would swallow the record: refuse.
    let metadata = file.metadata().map_err(|error| failed(error.to_string()))?;
    if !metadata.is_file() {
        return Err(failed(
            "not a regular file (a record written there would be lost)".to_owned(),
        ));
    }
    file.lock()
        .map_err(|error| failed(format!("cannot lock it: {error}")))?;
    let (last, whole) = last_line(&mut file).map_err(|error| failed(error.to_string()))?;
    let mut written = entry.clone();
    written.time = now_rfc3339();
    let mut prefix = Vec::new();
    match last {
        None => {
            written.prev = GENESIS.to_owned();
            written.seq = 1;
        }
        Some(line) => {
            written.prev = sha256_hex(&line);
            written.seq = match serde_json::from_slice::<Entry>(&line) {
                Ok(previous) if whole => previous.seq + 1,
                // A torn or foreign last line: it stays, on a line of its
                // own, and `audit verify` reports it.
                _ => {
                    if !whole {
                        prefix.push(b'\n');
                    }
                    count_lines(&mut file).map_err(|error| failed(error.to_string()))? + 1
                }
            };
        }
    }
    let json = serde_json::to_string(&written).map_err(|error| failed(error.to_string()))?;
    // Plain JSON leaves bidi overrides and C1 controls raw: `cat` stays safe.
    let mut bytes = prefix;
    bytes.extend_from_slice(crate::util::escape::json_terminal_safe(&json).as_bytes());
    bytes.push(b'\n');
    file.write_all(&bytes)
        .and_then(|()| file.sync_data())
        .map_err(|error| failed(error.to_string()))?;
    Ok(written)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// The last line's bytes (without its newline), and whether it ended with a
/// newline; `None` for an empty file. Reads backwards from the end, so a
/// long log costs one block, not the whole file.
fn last_line(file: &mut File) -> std::io::Result<(Option<Vec<u8>>, bool)> {
    let size = file.seek(SeekFrom::End(0))?;
    if size == 0 {
        return Ok((None, true));
    }
    let mut end = size;
    let mut tail: Vec<u8> = Vec::new();
    let mut whole = None;
    const BLOCK: u64 = 8192;
    loop {
        let start = end.saturating_sub(BLOCK);
        let mut block = vec![0; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block)?;
        block.extend_from_slice(&tail);
        tail = block;
        end = start;
        let ends_with_newline = *whole.get_or_insert(tail.last() == Some(&b'\n'));
        let body = if ends_with_newline {
            &tail[..tail.len() - 1]
        } else {
            &tail[..]
        };
        if let Some(at) = memchr::memrchr(b'\n', body) {
            return Ok((Some(body[at + 1..].to_vec()), ends_with_newline));
        }
        if start == 0 {
            return Ok((Some(body.to_vec()), ends_with_newline));
        }
    }
}

fn count_lines(file: &mut File) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let newlines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
    Ok(newlines + u64::from(bytes.last().is_some_and(|&byte| byte != b'\n')))
}

/// Where the chain breaks: the first line that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// 1-based.
    pub line: usize,
    pub reason: String,
}

/// Walks the chain: `Ok(count)` when intact, `Err(Broken)` at the first
/// line that does not hold.
pub fn verify(bytes: &[u8]) -> Result<usize, Broken> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let mut lines: Vec<&[u8]> = bytes.split(|&byte| byte == b'\n').collect();
    let complete = bytes.last() == Some(&b'\n');
    if complete {
        lines.pop();
    }
    let mut previous: Option<(&[u8], u64)> = None;
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        if !complete && number == lines.len() {
            return Err(Broken {
                line: number,
                reason: "the last line is incomplete (no newline): a write was cut short or the file was edited".to_owned(),
            });
        }
        let entry: Entry = serde_json::from_slice(line).map_err(|error| Broken {
            line: number,
            reason: format!("not a record: {error}"),
        })?;
        match previous {
            None if entry.prev != GENESIS => {
                return Err(Broken {
                    line: number,
                    reason: "the first line does not start the chain (its `prev` is not the genesis hash): lines before it were removed".to_owned(),
                });
            }
            Some((before, before_seq)) if entry.prev != sha256_hex(before) => {
                return Err(if entry.seq == before_seq + 1 {
                    Broken {
                        line: number - 1,
                        reason: format!(
                            "line {} was changed after it was recorded: line {number} records another hash for it",
                            number - 1
                        ),
                    }
                } else {
                    Broken {
                        line: number,
                        reason: format!(
                            "the chain breaks between lines {} and {number}: records were removed or inserted (seq {before_seq} is followed by seq {})",
                            number - 1,
                            entry.seq
                        ),
                    }
                });
            }
            _ => {}
        }
        previous = Some((line, entry.seq));
    }
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(count: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/audit.jsonl");
        for index in 0..count {
            append(&path, &Entry::new("guard", &format!("outcome-{index}"))).unwrap();
        }
        (dir, path)
    }

    #[test]
    fn appended_lines_form_an_intact_chain() {
        let (_dir, path) = log_of(3);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(verify(&bytes), Ok(3));
        let first: Entry =
            serde_json::from_slice(bytes.split(|&b| b == b'\n').next().unwrap()).unwrap();
        assert_eq!((first.seq, first.prev.as_str()), (1, GENESIS));
    }

    #[test]
    fn a_changed_middle_line_is_named() {
        let (_dir, path) = log_of(3);
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = text.replacen("outcome-1", "outcome-X", 1);
        assert_eq!(verify(changed.as_bytes()).unwrap_err().line, 2);
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(1);
        let removed = lines.join("\n") + "\n";
        let broken = verify(removed.as_bytes()).unwrap_err();
        assert_eq!(broken.line, 2);
        assert!(broken.reason.contains("removed"), "{}", broken.reason);
    }

    #[test]
    fn a_torn_last_line_is_reported_and_appending_goes_on() {
        let (_dir, path) = log_of(2);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"seq\":3,").unwrap();
        assert_eq!(verify(&std::fs::read(&path).unwrap()).unwrap_err().line, 3);
        append(&path, &Entry::new("guard", "after")).unwrap();
        let broken = verify(&std::fs::read(&path).unwrap()).unwrap_err();
        assert_eq!(broken.line, 3, "{}", broken.reason);
    }

    #[test]
    fn dev_null_is_refused() {
        #[cfg(unix)]
        assert!(append(Path::new("/dev/null"), &Entry::new("guard", "x")).is_err());
    }

    #[test]
    fn concurrent_appends_keep_the_chain() {
        let (_dir, path) = log_of(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..10 {
                        append(&path, &Entry::new("guard", "parallel")).unwrap();
                    }
                });
            }
        });
        assert_eq!(verify(&std::fs::read(&path).unwrap()), Ok(80));
    }
}
