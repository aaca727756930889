//! Bytes to text: UTF-8 with or without BOM, and UTF-16 with a BOM (what a
//! PowerShell `>` redirect writes), or without one when the pattern is plain.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8Bom => "UTF-8 with a byte-order mark",
            Self::Utf16Le => "UTF-16 little-endian (as PowerShell's `>` writes)",
            Self::Utf16Be => "UTF-16 big-endian",
        }
    }
}

/// A decoded plan text: a string of its own, or UTF-8 validated in place
/// in a leased map of the file (see `lease`).
#[derive(Debug)]
pub enum PlanText {
    Owned(String),
    #[cfg(target_os = "linux")]
    Mapped(MappedText),
}

/// A leased map whose bytes from `start` on were validated as UTF-8.
#[derive(Debug)]
#[cfg(target_os = "linux")]
pub struct MappedText {
    map: super::lease::LeasedMap,
    start: usize,
}

impl std::ops::Deref for PlanText {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Self::Owned(text) => text,
            #[cfg(target_os = "linux")]
            // SAFETY: `MappedText` is built only by `decode`, after
            // `map.bytes()[start..]` was validated as UTF-8, and the lease
            // keeps those bytes as they were (see `lease`).
            Self::Mapped(mapped) => unsafe {
                std::str::from_utf8_unchecked(&mapped.map.bytes()[mapped.start..])
            },
        }
    }
}

impl PlanText {
    /// Where the text starts in memory, to find the pages under a part of
    /// it without a reference to that part (see `pages::give_back`).
    pub fn start_address(&self) -> usize {
        match self {
            Self::Owned(text) => text.as_ptr() as usize,
            #[cfg(target_os = "linux")]
            Self::Mapped(mapped) => mapped.map.bytes().as_ptr() as usize + mapped.start,
        }
    }

    /// Whether the text is still what the input held when it was read: a
    /// mapped file's lease was never broken. A string of its own is a copy
    /// and cannot change.
    pub fn unchanged(&self) -> bool {
        match self {
            Self::Owned(_) => true,
            #[cfg(target_os = "linux")]
            Self::Mapped(mapped) => mapped.map.unbroken(),
        }
    }
}

/// A decoded text, and whether it holds an ESC byte (a colour code's
/// first): found in the same pass that validates UTF-8, while each piece
/// is in cache, instead of a second pass over the whole text.
pub struct Decoded {
    pub text: PlanText,
    pub encoding: Encoding,
    pub holds_escape: bool,
}

pub fn decode(bytes: super::file::PlanBytes) -> Result<Decoded, String> {
    let encoding = sniff(&bytes);
    let invalid_utf8 = |at: usize| format!("invalid UTF-8 at byte {at}");
    // Where UTF-8 text starts: after its byte-order mark.
    let start = if encoding == Encoding::Utf8Bom { 3 } else { 0 };
    let (text, holds_escape) = match (encoding, bytes) {
        #[cfg(target_os = "linux")]
        (Encoding::Utf8 | Encoding::Utf8Bom, super::file::PlanBytes::Leased(map)) => {
            let holds_escape = valid_utf8_holds_escape(&map.bytes()[start..])
                .map_err(|at| invalid_utf8(at + start))?;
            (PlanText::Mapped(MappedText { map, start }), holds_escape)
        }
        (Encoding::Utf8 | Encoding::Utf8Bom, super::file::PlanBytes::Read(mut bytes)) => {
            bytes.drain(..start);
            let (text, holds_escape) = utf8_text(bytes).map_err(|at| invalid_utf8(at + start))?;
            (PlanText::Owned(text), holds_escape)
        }
        (Encoding::Utf16Le | Encoding::Utf16Be, bytes) => {
            let text = decode_utf16(&bytes, encoding)?;
            let holds_escape = holds_escape_byte(text.as_bytes());
            (PlanText::Owned(text), holds_escape)
        }
    };
    Ok(Decoded {
        text,
        encoding,
        holds_escape,
    })
}

/// The byte every ANSI colour code starts with.
const ESC: u8 = 0x1b;

/// Whether `bytes` hold an ESC, searched with `memchr`'s vector search on
/// every core (`str::contains` took 46 ms of a 575 MB plan's check on one
/// core, before the parse could start).
fn holds_escape_byte(bytes: &[u8]) -> bool {
    use rayon::prelude::*;
    bytes
        .par_chunks(PIECE)
        .any(|piece| memchr::memchr(ESC, piece).is_some())
}

/// Texts at least this long are validated in pieces on every core.
const PARALLEL_FROM: usize = 8 << 20;
/// The piece each task validates.
const PIECE: usize = 2 << 20;

/// `String::from_utf8`, validated on every core when the text is large: on
/// one core it took 7 ms of a 56 MB plan's check and 44 ms of a 575 MB
/// one, alone, between the read and the parse. Also whether it holds an
/// ESC; `Err(valid_up_to)` as [`valid_utf8_holds_escape`].
fn utf8_text(bytes: Vec<u8>) -> Result<(String, bool), usize> {
    let holds_escape = valid_utf8_holds_escape(&bytes)?;
    // SAFETY: just validated as UTF-8.
    Ok((unsafe { String::from_utf8_unchecked(bytes) }, holds_escape))
}

/// `Err(valid_up_to)` when `bytes` are not UTF-8, validated in pieces on
/// every core when large; otherwise whether they hold an ESC, looked for
/// in each piece right after it is validated.
fn valid_utf8_holds_escape(bytes: &[u8]) -> Result<bool, usize> {
    use rayon::prelude::*;
    if bytes.len() >= PARALLEL_FROM {
        let starts = piece_starts(bytes, PIECE);
        // The pieces cover `bytes` end to end (see `piece_starts`), and a
        // concatenation of valid UTF-8 texts is valid UTF-8, wherever the
        // pieces were cut. `None`: a piece is not UTF-8.
        let holds_escape = starts
            .par_windows(2)
            .map(|piece| {
                let piece = &bytes[piece[0]..piece[1]];
                std::str::from_utf8(piece)
                    .ok()
                    .map(|_| memchr::memchr(ESC, piece).is_some())
            })
            .try_reduce(|| false, |one, other| Some(one || other));
        if let Some(holds_escape) = holds_escape {
            return Ok(holds_escape);
        }
    }
    // Small, or invalid: validated again on one core, for the exact position.
    std::str::from_utf8(bytes)
        .map(|_| memchr::memchr(ESC, bytes).is_some())
        .map_err(|error| error.valid_up_to())
}

/// Where each piece of about `piece` bytes starts, then `bytes.len()`:
/// strictly increasing from 0. A piece starts on a byte that starts a
/// character, so valid text is never cut inside one (valid UTF-8 has at
/// most three continuation bytes in a row; after four, any cut will do:
/// the text is invalid whichever piece reports it).
fn piece_starts(bytes: &[u8], piece: usize) -> Vec<usize> {
    let is_continuation = |byte: u8| byte & 0xC0 == 0x80;
    let mut starts = vec![0];
    let mut next = piece;
    while next < bytes.len() {
        let start = match (next..bytes.len().min(next + 4)).find(|&at| !is_continuation(bytes[at]))
        {
            Some(start) => start,
            // The text ends inside this character: the last piece keeps it.
            None if next + 4 >= bytes.len() => break,
            None => next,
        };
        starts.push(start);
        next = start + piece;
    }
    starts.push(bytes.len());
    starts
}

fn sniff(bytes: &[u8]) -> Encoding {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => Encoding::Utf8Bom,
        [0xFF, 0xFE, ..] => Encoding::Utf16Le,
        [0xFE, 0xFF, ..] => Encoding::Utf16Be,
        // `{` or whitespace followed by a zero byte, twice: UTF-16 that lost
        // its BOM. Once only, it is UTF-8 with a NUL in it, which the JSON
        // reader refuses as such (it was reported as UTF-16 of odd length).
        [first, 0, second, 0, ..] if is_ascii_unit(*first) && is_ascii_unit(*second) => {
            Encoding::Utf16Le
        }
        [0, first, 0, second, ..] if is_ascii_unit(*first) && is_ascii_unit(*second) => {
            Encoding::Utf16Be
        }
        [first, 0] if is_ascii_unit(*first) => Encoding::Utf16Le,
        [0, first] if is_ascii_unit(*first) => Encoding::Utf16Be,
        _ => Encoding::Utf8,
    }
}

/// Whether `bytes` start as a JSON object or array does (after a
/// byte-order mark and white space), read in the encoding [`decode`] would
/// read them in: a directory's `tfplan` or `prod.log` may be a JSON plan,
/// in UTF-16 with or without its mark too.
pub fn starts_like_json(bytes: &[u8]) -> bool {
    let encoding = sniff(bytes);
    let mut units: Box<dyn Iterator<Item = u16> + '_> = match encoding {
        Encoding::Utf8 => Box::new(bytes.iter().map(|&byte| u16::from(byte))),
        Encoding::Utf8Bom => Box::new(bytes[3..].iter().map(|&byte| u16::from(byte))),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let body = bytes
                .strip_prefix(&[0xFF, 0xFE])
                .or_else(|| bytes.strip_prefix(&[0xFE, 0xFF]))
                .unwrap_or(bytes);
            let little = encoding == Encoding::Utf16Le;
            Box::new(body.chunks_exact(2).map(move |unit| {
                let pair = [unit[0], unit[1]];
                if little {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            }))
        }
    };
    units
        .find(|&unit| !matches!(unit, 0x20 | 0x09 | 0x0A | 0x0D))
        .is_some_and(|unit| unit == u16::from(b'{') || unit == u16::from(b'['))
}

fn is_ascii_unit(byte: u8) -> bool {
    byte.is_ascii() && byte != 0
}

fn decode_utf16(bytes: &[u8], encoding: Encoding) -> Result<String, String> {
    let has_bom = matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]);
    let body = if has_bom { &bytes[2..] } else { bytes };
    if body.len() % 2 != 0 {
        return Err(format!(
            "{} input has an odd number of bytes ({}): the file is cut",
            encoding.describe(),
            bytes.len()
        ));
    }
    let units = body.chunks_exact(2).map(|pair| match encoding {
        Encoding::Utf16Be => u16::from_be_bytes([pair[0], pair[1]]),
        _ => u16::from_le_bytes([pair[0], pair[1]]),
    });
    let mut text = String::with_capacity(body.len() / 2);
    for (index, unit) in char::decode_utf16(units).enumerate() {
        match unit {
            Ok(character) => text.push(character),
            Err(_) => {
                return Err(format!(
                    "invalid {} at byte {}",
                    encoding.describe(),
                    index * 2 + usize::from(has_bom) * 2
                ));
            }
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// Cut into pieces of any size, any text validates as it does whole,
        /// and the pieces cover it.
        #[test]
        fn validation_in_pieces_agrees_with_std(
            text in "\\PC{0,64}",
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            piece in 1_usize..9,
        ) {
            let mut bytes = text.into_bytes();
            for (at, byte) in flips {
                if !bytes.is_empty() {
                    let at = at.index(bytes.len());
                    bytes[at] = byte;
                }
            }
            let starts = super::piece_starts(&bytes, piece);
            prop_assert_eq!(starts.first(), Some(&0));
            prop_assert_eq!(starts.last(), Some(&bytes.len()));
            prop_assert!(starts.windows(2).all(|pair| pair[0] < pair[1]) || bytes.is_empty());
            let in_pieces = starts
                .windows(2)
                .all(|pair| std::str::from_utf8(&bytes[pair[0]..pair[1]]).is_ok());
            prop_assert_eq!(in_pieces, std::str::from_utf8(&bytes).is_ok());
        }
    }

    #[test]
    fn a_large_text_decodes_and_its_invalid_byte_is_named() {
        let mut bytes = "é€😀x".repeat((super::PARALLEL_FROM / 10) + 1).into_bytes();
        let expected = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(decode(bytes.clone()).unwrap().0, expected);
        let at = bytes.len() - 5;
        bytes[at] = 0xFF;
        assert_eq!(
            decode(bytes).unwrap_err(),
            format!("invalid UTF-8 at byte {at}")
        );
    }

    use super::*;

    /// What a text read into memory decodes to.
    fn decode(bytes: Vec<u8>) -> Result<(String, Encoding), String> {
        let Decoded { text, encoding, .. } =
            super::decode(crate::input::file::PlanBytes::Read(bytes))?;
        let PlanText::Owned(text) = text else {
            panic!("a text read into memory decodes to a string of its own");
        };
        Ok((text, encoding))
    }

    /// Whether the decoded text was found to hold an ESC.
    fn holds_escape(bytes: Vec<u8>) -> bool {
        super::decode(crate::input::file::PlanBytes::Read(bytes))
            .unwrap()
            .holds_escape
    }

    #[test]
    fn an_escape_byte_is_found_in_any_piece_of_a_large_text_and_in_any_encoding() {
        let large = PARALLEL_FROM + 3 * PIECE + 17;
        assert!(!holds_escape(vec![b' '; large]));
        for at in [0, PIECE - 1, PIECE + 5, large / 2, large - 1] {
            let mut bytes = vec![b' '; large];
            bytes[at] = ESC;
            assert!(holds_escape(bytes), "ESC at {at} of {large}");
        }
        assert!(holds_escape(b"{\"a\":\"\x1b[31m\"}".to_vec()));
        assert!(!holds_escape(b"{\"a\":1}".to_vec()));
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice(b"\x1b[0m{}");
        assert!(holds_escape(with_bom));
        assert!(holds_escape(utf16le_with_bom("\u{1b}[0m{}")));
        assert!(!holds_escape(utf16le_with_bom("{}")));
    }

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn json_is_recognised_by_its_start_in_every_encoding() {
        let utf16 = |text: &str, little: bool, mark: bool| {
            let mut bytes: Vec<u8> = Vec::new();
            if mark {
                bytes.extend(if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
            }
            for unit in text.encode_utf16() {
                bytes.extend(if little {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
            bytes
        };
        for text in [" \r\n{\"format_version\":\"1.2\"}", "[1]"] {
            assert!(starts_like_json(text.as_bytes()), "{text}");
            assert!(starts_like_json(
                &[b"\xEF\xBB\xBF", text.as_bytes()].concat()
            ));
            for (little, mark) in [(true, true), (false, true), (true, false), (false, false)] {
                assert!(
                    starts_like_json(&utf16(text, little, mark)),
                    "{little} {mark}"
                );
            }
        }
        for text in [
            "resource \"x\" \"y\" {}",
            "Terraform will perform",
            "",
            "  ",
        ] {
            assert!(!starts_like_json(text.as_bytes()), "{text}");
            assert!(!starts_like_json(&utf16(text, true, true)), "{text}");
        }
    }

    #[test]
    fn powershell_redirect_decodes() {
        let (text, encoding) = decode(utf16le_with_bom("{\"a\":\"ü✓\"}")).unwrap();
        assert_eq!(text, "{\"a\":\"ü✓\"}");
        assert_eq!(encoding, Encoding::Utf16Le);
    }

    #[test]
    fn utf16be_and_utf8_bom_decode() {
        let mut be = vec![0xFE, 0xFF];
        be.extend("{}".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(be).unwrap(), ("{}".to_owned(), Encoding::Utf16Be));
        assert_eq!(
            decode(b"\xEF\xBB\xBF{}".to_vec()).unwrap(),
            ("{}".to_owned(), Encoding::Utf8Bom)
        );
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_zero_bytes() {
        let little: Vec<u8> = "{\"a\":1}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            decode(little).unwrap(),
            ("{\"a\":1}".to_owned(), Encoding::Utf16Le)
        );
        let big: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(big).unwrap(), ("{}".to_owned(), Encoding::Utf16Be));
    }

    #[test]
    fn one_zero_byte_after_the_brace_is_not_utf16() {
        assert_eq!(sniff(b"{\0\"format_version\":\"1.2\"}"), Encoding::Utf8);
        assert_eq!(sniff(b"\0{\"a\":1}"), Encoding::Utf8);
        assert_eq!(sniff(b"{\0}\0"), Encoding::Utf16Le);
        assert_eq!(sniff(b"\0{\0}"), Encoding::Utf16Be);
    }

    #[test]
    fn odd_length_utf16_is_reported() {
        let mut bytes = utf16le_with_bom("{}");
        bytes.pop();
        assert!(decode(bytes).unwrap_err().contains("odd number of bytes"));
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        assert_eq!(
            decode(b"{\"a\":\xC3}".to_vec()).unwrap_err(),
            "invalid UTF-8 at byte 5"
        );
        // Counted in the file, byte-order mark included.
        assert_eq!(
            decode(b"\xEF\xBB\xBF{\"a\":\xC3}".to_vec()).unwrap_err(),
            "invalid UTF-8 at byte 8"
        );
        let (text, encoding) = decode(b"\xEF\xBB\xBF{}".to_vec()).unwrap();
        assert_eq!((text.as_str(), encoding), ("{}", Encoding::Utf8Bom));
    }
}
