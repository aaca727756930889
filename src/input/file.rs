//! Reading a plan file into memory, in parallel when it is large.
//!
//! Reading 575 MB with one `read` costs more in page faults on the fresh
//! buffer than in copying: split into pieces read with `pread` on every
//! core, the faults are taken on every core too. A memory map would avoid
//! the copy, but a file changed by another process while it is mapped is
//! undefined behaviour for the `&str` parsed from it, and an agent that
//! wants its plan through could arrange exactly that.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

/// Files smaller than this are read with one `read`: threads would cost more.
const PARALLEL_FROM: u64 = 32 << 20;
/// The piece each task reads.
const PIECE: usize = 8 << 20;

/// The whole content of the file at `path`, as `std::fs::read` returns it.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let metadata = file.metadata()?;
    let positioned_reads = cfg!(any(unix, windows));
    if !positioned_reads || !metadata.is_file() || metadata.len() < PARALLEL_FROM {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let Ok(length) = usize::try_from(metadata.len()) else {
        return Err(io::Error::new(
            io::ErrorKind::OutOfMemory,
            "the file is larger than this machine can address",
        ));
    };
    let mut bytes = vec![0_u8; length];
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
        assert_eq!(read(&path).unwrap(), content);
        std::fs::write(&path, b"small").unwrap();
        assert_eq!(read(&path).unwrap(), b"small");
    }
}
