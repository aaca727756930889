//! Getting a plan file's bytes: mapped under a read lease when it is large
//! and the system grants one (see `lease`), otherwise read into memory, in
//! parallel when it is large; reading a stream (stdin) without doubling its
//! memory.
//!
//! Reading 575 MB with one `read` costs more in page faults on the fresh
//! buffer than in copying: split into pieces read with `pread` on every
//! core, the faults are taken on every core too.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

/// Files smaller than this are read with one `read`: threads would cost more.
const PARALLEL_FROM: u64 = 32 << 20;
/// The piece each task reads.
const PIECE: usize = 8 << 20;

/// A file's whole content: in memory of its own, or the file mapped.
#[derive(Debug)]
pub enum PlanBytes {
    Read(Vec<u8>),
    #[cfg(target_os = "linux")]
    Leased(super::lease::LeasedMap),
}

impl std::ops::Deref for PlanBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Read(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Self::Leased(map) => map.bytes(),
        }
    }
}

/// The whole content of the file at `path`: mapped when it is large and
/// leased (see `lease`), otherwise as `std::fs::read` returns it.
pub fn read(path: &Path) -> io::Result<PlanBytes> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    #[cfg(target_os = "linux")]
    let file = if metadata.is_file() && metadata.len() >= PARALLEL_FROM {
        match super::lease::LeasedMap::map(file) {
            Ok(map) => return Ok(PlanBytes::Leased(map)),
            Err(file) => file,
        }
    } else {
        file
    };
    read_into_memory(file, &metadata, path).map(PlanBytes::Read)
}

fn read_into_memory(
    mut file: File,
    metadata: &std::fs::Metadata,
    path: &Path,
) -> io::Result<Vec<u8>> {
    // A device or a pipe has no size to trust (`/dev/zero` never ends).
    if !metadata.is_file() {
        return read_stream(file);
    }
    let positioned_reads = cfg!(any(unix, windows));
    if !positioned_reads || metadata.len() < PARALLEL_FROM {
        let mut bytes = Vec::new();
        // The size is a hint (the file may change): read_to_end still reads
        // to the end, and grows the buffer if it must.
        if metadata.is_file()
            && metadata.len() < PARALLEL_FROM
            && bytes.try_reserve_exact(metadata.len() as usize).is_ok()
        {
            super::pages::prefer_huge_pages(&mut bytes);
        }
        file.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let Ok(length) = usize::try_from(metadata.len()) else {
        return Err(io::Error::new(
            io::ErrorKind::OutOfMemory,
            "the file is larger than this machine can address",
        ));
    };
    // Fallibly: a file larger than the memory allowed is refused, not an abort.
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(length)
        .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    super::pages::prefer_huge_pages(&mut bytes);
    bytes.resize(length, 0);
    let pieces_read = bytes
        .par_chunks_mut(PIECE)
        .enumerate()
        .try_for_each(|(index, piece)| read_exact_at(&file, piece, (index * PIECE) as u64));
    match pieces_read {
        Ok(()) => {}
        // The file shrank while it was read: read it again, in one go.
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return std::fs::read(path),
        Err(error) => return Err(error),
    }
    // The file grew while it was read: what was read is not all of it.
    let mut probe = [0_u8; 1];
    if read_at(&file, &mut probe, length as u64)? != 0 {
        return std::fs::read(path);
    }
    Ok(bytes)
}

/// Everything `stream` gives, in one buffer. `read_to_end` grows its buffer
/// by doubling, and each growth copies into a new allocation while the old
/// one is still held: a 575 MB plan piped into `check -` peaked at 1.85x its
/// size (1.41x from a file). Read in pieces and joined once, each piece freed
/// as soon as it is copied, a stream costs about what a file does.
pub fn read_stream(stream: impl Read) -> io::Result<Vec<u8>> {
    read_stream_in_pieces(stream, STREAM_PIECE)
}

/// The piece a stream is read in: at least jemalloc's oversize threshold
/// (8 MiB), whose allocations go back to the system as soon as they are freed.
const STREAM_PIECE: usize = 16 << 20;

fn read_stream_in_pieces(mut stream: impl Read, piece: usize) -> io::Result<Vec<u8>> {
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut next = Vec::new();
        next.try_reserve_exact(piece)
            .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
        // `take` stops at the piece's end, so `read_to_end` never grows `next`.
        let read = (&mut stream).take(piece as u64).read_to_end(&mut next)?;
        if pieces.is_empty() && read < piece {
            next.shrink_to_fit();
            return Ok(next);
        }
        // Every plan opens an object within its first piece (a log line or
        // two may come before it, in any encoding a plan is read in): a
        // stream that does not is no plan, and reading on could fill the
        // memory (`/dev/zero`). What was read says what it is.
        if pieces.is_empty() && memchr::memchr2(b'{', b'[', &next).is_none() {
            return Ok(next);
        }
        if read > 0 {
            pieces.push(next);
        }
        if read < piece {
            break;
        }
    }
    let length = pieces.iter().map(Vec::len).sum();
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(length)
        .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    super::pages::prefer_huge_pages(&mut bytes);
    for piece in pieces {
        bytes.extend_from_slice(&piece);
    }
    Ok(bytes)
}

fn read_exact_at(file: &File, mut piece: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !piece.is_empty() {
        match read_at(file, piece, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(read) => {
                piece = &mut piece[read..];
                offset += read as u64;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

#[cfg(not(any(unix, windows)))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> io::Result<usize> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_reads_back_exactly() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("plan.json");
        // Not a multiple of the piece size, and every byte position distinct.
        let length = PARALLEL_FROM as usize + PIECE / 3 + 7;
        let content: Vec<u8> = (0..length).map(|index| (index % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        assert_eq!(&*read(&path).unwrap(), content);
        std::fs::write(&path, b"small").unwrap();
        assert_eq!(&*read(&path).unwrap(), b"small");
    }

    /// A pipe hands over a few bytes at a time, never a whole piece.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let count = buffer.len().min(self.0.len()).min(1000);
            buffer[..count].copy_from_slice(&self.0[..count]);
            self.0 = &self.0[count..];
            Ok(count)
        }
    }

    #[test]
    fn a_stream_reads_back_exactly_whatever_its_length_in_pieces() {
        const PIECE: usize = 4096;
        let content: Vec<u8> = (0..5 * PIECE + 17)
            .map(|index| (index % 251) as u8)
            .collect();
        for length in [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE, content.len()] {
            let expected = &content[..length];
            assert_eq!(
                read_stream_in_pieces(Trickle(expected), PIECE).unwrap(),
                expected,
                "{length} bytes"
            );
        }
    }

    #[test]
    fn an_endless_stream_with_no_json_in_its_first_piece_is_not_read_on() {
        const PIECE: usize = 4096;
        // `/dev/zero` read to the end filled 23 GB.
        let read = read_stream_in_pieces(io::repeat(0), PIECE).unwrap();
        assert_eq!(read.len(), PIECE);
        // A plan after a page of log lines is read whole.
        let mut text = b"log line\n".repeat(PIECE / 9);
        text.extend_from_slice(br#"{"format_version":"1.2"}"#);
        text.extend(std::iter::repeat_n(b' ', 3 * PIECE));
        assert_eq!(read_stream_in_pieces(&text[..], PIECE).unwrap(), text);
    }
}
