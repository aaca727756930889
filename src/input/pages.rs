//! The memory pages under plan text: huge pages while it is read in, and
//! given back once the check will not read a part of it again.

use std::ops::Range;

/// Returns the whole pages inside `text[range]` to the system. A text read
/// into memory gets fresh zeroed pages if they are ever touched again, a
/// mapped file its own bytes again; either way it stays valid UTF-8 (zero
/// bytes are), but nothing may read `range` afterwards, and no reference
/// to it may be alive.
///
/// The pages must belong to `text` alone: a plan text is one large heap
/// allocation (jemalloc gives anything over a few pages whole pages of its
/// own) or a map of its own, and only pages entirely inside `range` are
/// given back. Elsewhere than Linux this does nothing.
pub fn give_back(text: &super::PlanText, range: Range<usize>) {
    if range.start >= range.end || range.end > text.len() {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: sysconf only reads a constant of the system.
    if let Ok(page) = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }) {
        advise_whole_pages(
            text.start_address() + range.start,
            range.len(),
            page,
            libc::MADV_DONTNEED,
        );
    }
}

/// Asks for transparent huge pages (2 MiB) under `buffer`'s capacity,
/// before it is first written: a plan read into fresh memory took one page
/// fault per 4 KiB (14,000 for the 56 MB plan). Systems whose huge pages
/// are off (or `always`) are unaffected; elsewhere than Linux this does
/// nothing.
pub fn prefer_huge_pages(buffer: &mut Vec<u8>) {
    #[cfg(target_os = "linux")]
    advise_whole_pages(
        buffer.as_mut_ptr() as usize,
        buffer.capacity(),
        2 << 20,
        libc::MADV_HUGEPAGE,
    );
    #[cfg(not(target_os = "linux"))]
    let _ = buffer;
}

/// `madvise(advice)` on the whole `page`-sized pages inside
/// `[start, start + length)`, a range of one live allocation of the caller.
#[cfg(target_os = "linux")]
fn advise_whole_pages(start: usize, length: usize, page: usize, advice: libc::c_int) {
    if !page.is_power_of_two() {
        return;
    }
    let first = start.next_multiple_of(page);
    let end = (start + length) / page * page;
    if end <= first {
        return;
    }
    // SAFETY: [first, end) is whole pages inside one live allocation, which
    // its callers own alone. MADV_HUGEPAGE only changes how the kernel
    // backs it; MADV_DONTNEED replaces private anonymous pages with zeroed
    // ones, which `give_back`'s caller never reads again. A failure leaves
    // the pages as they were: only a lost saving.
    unsafe {
        libc::madvise(first as *mut libc::c_void, end - first, advice);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_pages_inside_the_range_read_as_zeros_and_the_rest_is_untouched() {
        let length = 64 << 10;
        let text = crate::input::PlanText::Owned("x".repeat(length));
        give_back(&text, 5000..length - 5000);
        let bytes = text.as_bytes();
        let zeros = bytes.iter().filter(|&&byte| byte == 0).count();
        // At least the whole 4 KiB pages between 5000 and length - 5000.
        assert!(zeros >= length - 2 * 8192 - 2 * 4096, "{zeros}");
        assert!(bytes[..5000].iter().all(|&byte| byte == b'x'));
        assert!(bytes[length - 5000..].iter().all(|&byte| byte == b'x'));
        // Nothing outside the text, and nothing for an empty range.
        give_back(&text, length..length + 10);
        give_back(&text, 10..10);
    }

    #[test]
    fn huge_pages_leave_the_content_as_written() {
        let mut buffer = Vec::with_capacity(6 << 20);
        prefer_huge_pages(&mut buffer);
        buffer.extend((0..6 << 20).map(|index: usize| (index % 251) as u8));
        assert!(
            buffer
                .iter()
                .enumerate()
                .all(|(index, &byte)| byte == (index % 251) as u8)
        );
    }
}
