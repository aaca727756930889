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

pub fn decode(bytes: Vec<u8>) -> Result<(String, Encoding), String> {
    let encoding = sniff(&bytes);
    let text = match encoding {
        Encoding::Utf8 => String::from_utf8(bytes).map_err(|error| {
            format!("invalid UTF-8 at byte {}", error.utf8_error().valid_up_to())
        })?,
        Encoding::Utf8Bom => String::from_utf8(bytes[3..].to_vec()).map_err(|error| {
            format!(
                "invalid UTF-8 at byte {}",
                error.utf8_error().valid_up_to() + 3
            )
        })?,
        Encoding::Utf16Le | Encoding::Utf16Be => decode_utf16(&bytes, encoding)?,
    };
    Ok((text, encoding))
}

fn sniff(bytes: &[u8]) -> Encoding {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => Encoding::Utf8Bom,
        [0xFF, 0xFE, ..] => Encoding::Utf16Le,
        [0xFE, 0xFF, ..] => Encoding::Utf16Be,
        // `{` or whitespace followed by a zero byte: UTF-16 that lost its BOM.
        [first, 0, ..] if first.is_ascii() && *first != 0 => Encoding::Utf16Le,
        [0, second, ..] if second.is_ascii() && *second != 0 => Encoding::Utf16Be,
        _ => Encoding::Utf8,
    }
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
    use super::*;

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
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
    }
}
