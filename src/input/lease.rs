//! A plan file mapped into memory while no process can write it.
//!
//! Reading a 575 MB plan into a fresh buffer cost more than parsing it:
//! 28 % of a check's CPU went to the kernel zeroing the buffer's new pages
//! before `pread` filled them (`clear_page_erms`), and on this kind of VM
//! that cost swings from 0.3 to 1.4 s between runs. A mapping of the page
//! cache costs none of it. But a mapped file that another process changes
//! changes the `&str` parsed from it, which is undefined behaviour, and an
//! agent that wants its plan through could arrange exactly that.
//!
//! A Linux read lease (`fcntl(F_SETLEASE, F_RDLCK)`) closes that door. The
//! kernel grants it only while no process has the file open for writing (a
//! writable shared mapping counts), and while it is held, opening the file
//! for writing or truncating it blocks until the holder lets go, or until
//! `/proc/sys/fs/lease-break-time` (45 s by default) has passed. Such a
//! break is seen afterwards ([`LeasedMap::unbroken`]), and the input is then
//! refused: a check never judges bytes that changed under it. Where no
//! lease is granted (the file is open for writing, belongs to another user,
//! or lives on a filesystem without leases), the caller reads the file.

use std::fs::File;
use std::os::fd::AsRawFd;

/// The signal a lease break sends: SIGURG, whose default action is to
/// ignore it. The default, SIGIO, would kill the check with no word of why;
/// the break is read from the lease itself instead.
const BREAK_SIGNAL: libc::c_int = libc::SIGURG;

/// `F_SETSIG` (asm-generic/fcntl.h), which the libc crate defines for few
/// targets. Architectures not listed are not known to share the value: no
/// lease is taken there, and the file is read.
const F_SETSIG: Option<libc::c_int> = if cfg!(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "riscv64",
    target_arch = "powerpc64",
    target_arch = "s390x",
    target_arch = "loongarch64"
)) {
    Some(10)
} else {
    None
};

/// A whole file mapped read-only, under a read lease that has been held
/// since before its length was read.
#[derive(Debug)]
pub struct LeasedMap {
    map: memmap2::Mmap,
    /// Holds the lease: it lasts as long as this open file does.
    file: File,
}

impl LeasedMap {
    /// `file` mapped whole, or `file` back when no read lease is granted
    /// on it or it cannot be mapped: then it must be read instead.
    pub fn map(file: File) -> Result<Self, File> {
        let Some(set_signal) = F_SETSIG else {
            return Err(file);
        };
        let descriptor = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns (through `file`),
        // with integer arguments only.
        let leased = unsafe {
            libc::fcntl(descriptor, set_signal, BREAK_SIGNAL) == 0
                && libc::fcntl(descriptor, libc::F_SETLEASE, libc::F_RDLCK) == 0
        };
        if !leased {
            return Err(file);
        }
        match Self::map_leased(&file) {
            Some(map) => Ok(Self { map, file }),
            None => {
                // SAFETY: as above.
                unsafe { libc::fcntl(descriptor, libc::F_SETLEASE, libc::F_UNLCK) };
                Err(file)
            }
        }
    }

    fn map_leased(file: &File) -> Option<memmap2::Mmap> {
        // The length is read under the lease: nothing can truncate or
        // extend the file until it is let go.
        let length = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if length == 0 {
            return None;
        }
        // SAFETY: the read lease is held (see `map`): no process has the
        // file open for writing, and none can open or truncate it without
        // waiting for this lease to be let go (when the file and the map
        // are dropped) or broken, which `unbroken` reports before any
        // verdict is given.
        unsafe { memmap2::MmapOptions::new().len(length).map(file) }.ok()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Whether the lease has been held without a break since the file was
    /// mapped: no process has asked to write or truncate the file, so the
    /// bytes read are the file's. A break that has started counts: the
    /// kernel reports the lease as already gone.
    pub fn unbroken(&self) -> bool {
        // SAFETY: fcntl F_GETLEASE on a descriptor owned by `self.file`.
        unsafe { libc::fcntl(self.file.as_raw_fd(), libc::F_GETLEASE) == libc::F_RDLCK }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn plan_file(directory: &tempfile::TempDir) -> std::path::PathBuf {
        let path = directory.path().join("plan.json");
        std::fs::write(&path, b"{\"format_version\":\"1.2\"}").unwrap();
        path
    }

    #[test]
    fn a_file_open_for_writing_elsewhere_is_not_mapped() {
        let directory = tempfile::tempdir().unwrap();
        let path = plan_file(&directory);
        let writer = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        assert!(LeasedMap::map(File::open(&path).unwrap()).is_err());
        drop(writer);
        // Leases are a property of the filesystem: where the temporary
        // directory has none, nothing more can be checked here.
        let Ok(mapped) = LeasedMap::map(File::open(&path).unwrap()) else {
            return;
        };
        assert_eq!(mapped.bytes(), b"{\"format_version\":\"1.2\"}");
        assert!(mapped.unbroken());
    }

    #[test]
    fn opening_the_file_for_writing_while_mapped_breaks_the_lease_and_waits() {
        let directory = tempfile::tempdir().unwrap();
        let path = plan_file(&directory);
        let Ok(mapped) = LeasedMap::map(File::open(&path).unwrap()) else {
            return;
        };
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(writer_path)
                .unwrap();
            file.write_all(b" ").unwrap();
        });
        let waited = std::time::Instant::now();
        while mapped.unbroken() {
            assert!(
                waited.elapsed().as_secs() < 20,
                "the lease was never broken"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // The writer waits for the lease: the mapped bytes are still the file's.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 24);
        assert_eq!(mapped.bytes(), b"{\"format_version\":\"1.2\"}");
        drop(mapped);
        writer.join().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 25);
    }
}
