//! Duplicate object keys anywhere in a document.
//!
//! JSON parsers disagree on `{"a":1,"a":2}`: serde's derived structs refuse
//! it, maps keep the last copy, other tools keep the first. A plan with two
//! `skip_final_snapshot` or two `actions` can therefore mean one thing to
//! Terraform and another to blastwall, so a duplicate key anywhere (payloads
//! included) refuses the plan. Terraform never writes one.
//!
//! The same pass refuses a `\u` escape that does not decode (payload
//! strings are otherwise never decoded), and measures the deepest nesting,
//! so that payloads are measured one by one only in a plan that nests deep.
//!
//! Two scans. The quick one ([`quick_scan`]) runs on every document
//! beside the typed parse, which is what checks the grammar: it only follows
//! strings, brackets and commas, and skips string contents with `memchr`.
//! When it finds a duplicate, the precise one (a serde visitor that keeps
//! the JSON path on a stack) explains it. serde_json has no option to refuse
//! duplicate keys, and a visitor over every value was the slowest pass of a
//! large check (0.64 s for a 575 MB plan, against 0.47 s for the typed parse).

use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::JsonFailure;

/// How often (in nesting levels) the scan checks the room left on the stack,
/// and how much it keeps free: the frames of this many levels of
/// serde_json's recursion fit in the red zone many times over.
const STACK_CHECK_EVERY: usize = 16;
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// The deepest a payload (a `before`, `after`, state `values`…) may nest.
/// The rules and the value-edge walk read payloads with serde_json's
/// default recursion limit (128), so a deeper payload would read as
/// unreadable and be skipped: padding one with a deep array could switch a
/// rule off. The whole document has its own bound, [`MAX_DOCUMENT_NESTING`].
pub const MAX_PAYLOAD_NESTING: usize = 120;

/// Objects with more keys than this are checked with a hash set.
const LINEAR_KEYS: usize = 16;

/// The quick scan compares a key with the others only when a 256-bit
/// summary of their hashes says it may be among them, so it keeps a list
/// (no hash set to allocate per object) for objects this large: payloads
/// have tens of attributes, and building a set for each was a fifth of
/// the scan.
const QUICK_LINEAR_KEYS: usize = 64;

#[derive(Debug)]
enum Segment<'de> {
    Key(Cow<'de, str>),
    Index(usize),
}

/// The deepest a whole document may nest. Real plans nest about 20 levels
/// (the deepest of ~370 public plans: 22); modules in modules add two levels
/// each, payloads at most [`MAX_PAYLOAD_NESTING`]. The bound is there for
/// time, not stack: when a read fails, serde_json works out the line and
/// column once per open level on the way out, each a scan back through the
/// text, so a malformed document nested 200,000 deep took minutes to refuse.
pub const MAX_DOCUMENT_NESTING: usize = 512;

/// Why [`find_duplicate`] refuses a document.
#[derive(Debug)]
pub enum Refused {
    /// Nested deeper than [`MAX_DOCUMENT_NESTING`]: no other read should
    /// start on it.
    TooDeep(JsonFailure),
    /// A duplicate key, or a string whose escapes do not decode.
    Duplicate(JsonFailure),
}

impl Refused {
    pub fn into_failure(self) -> JsonFailure {
        match self {
            Refused::TooDeep(failure) | Refused::Duplicate(failure) => failure,
        }
    }
}

/// The first duplicate key in `text` (a JSON document that parses), as a
/// failure at that key with its JSON path; without one, the deepest
/// nesting in `text` (a top-level object or array is 1).
pub fn find_duplicate(text: &str) -> Result<usize, Refused> {
    let quick = quick_scan(text.as_bytes());
    if let Some(offset) = quick.too_deep {
        return Err(Refused::TooDeep(JsonFailure {
            message: format!(
                "the document nests more than {MAX_DOCUMENT_NESTING} levels deep here; Terraform writes nothing this deep (real plans nest about 20 levels)"
            ),
            offset,
            json_path: String::new(),
            category: serde_json::error::Category::Data,
        }));
    }
    if quick.suspicious {
        explain_duplicate(text).map_err(Refused::Duplicate)?;
        // The quick scan stopped early, so its depth is only a lower bound:
        // report the deepest possible, and every payload gets measured.
        return Ok(usize::MAX);
    }
    Ok(quick.deepest)
}

/// What [`quick_scan`] found.
pub struct Quick {
    /// A duplicate key, or a string whose escapes do not decode, may be there.
    pub suspicious: bool,
    /// The deepest nesting of objects and arrays (up to where the scan
    /// stopped, when it stopped early on something suspicious).
    pub deepest: usize,
    /// Where the text first nests deeper than [`MAX_DOCUMENT_NESTING`]: the
    /// scan stops there.
    pub too_deep: Option<usize>,
}

#[cfg(test)]
fn has_duplicate(text: &[u8]) -> bool {
    quick_scan(text).suspicious
}

/// How deep `text` nests (the top-level object or array is 1).
pub fn deepest(text: &str) -> usize {
    quick_scan(text.as_bytes()).deepest
}

/// One object being scanned by [`quick_scan`].
struct Object<'t> {
    /// Where its keys start in the shared key stack.
    start: usize,
    /// One bit per key hash (mod 256): a key whose bit is clear is new.
    summary: [u64; 4],
    /// Its keys, once it has more than `QUICK_LINEAR_KEYS`.
    hashed: Option<HashSet<Cow<'t, [u8]>>>,
}

/// The bit of `key` in an object's summary (word, mask).
fn summary_bit(key: &[u8]) -> (usize, u64) {
    use std::hash::Hasher as _;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(key);
    // The top byte of a multiplicative hash mixes every input bit.
    let bit = (hasher.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
    (bit / 64, 1 << (bit % 64))
}

/// Whether any object in `text` may have the same key twice, or holds a
/// string whose escapes do not decode: either way the precise scan decides.
/// `text` should be JSON; on anything else this still ends (one pass, no
/// recursion) and its answer does not matter, as the typed parse refuses
/// the text first.
pub fn quick_scan(text: &[u8]) -> Quick {
    let suspicious = |deepest| Quick {
        suspicious: true,
        deepest,
        too_deep: None,
    };
    let too_deep = |deepest, at| Quick {
        suspicious: false,
        deepest,
        too_deep: Some(at),
    };
    let mut deepest = 0;
    // `None` marks an array; an object keeps where its keys start.
    let mut open: Vec<Option<Object<'_>>> = Vec::new();
    let mut keys: Vec<Cow<'_, [u8]>> = Vec::new();
    let mut expecting_key = false;
    let mut index = 0;
    while index < text.len() {
        match text[index] {
            b'"' => {
                let start = index + 1;
                let mut escaped = false;
                let mut end = start;
                loop {
                    match quote_or_backslash(text, end) {
                        Some(found) if text[end + found] == b'\\' => {
                            escaped = true;
                            end += found + 2;
                        }
                        Some(found) => {
                            end += found;
                            break;
                        }
                        None => {
                            return Quick {
                                suspicious: false,
                                deepest,
                                too_deep: None,
                            };
                        }
                    }
                }
                index = end + 1;
                let quoted = &text[start - 1..=end];
                // The typed parse skips payload strings without decoding
                // their `\u` escapes, so a lone surrogate would pass it: a
                // string that does not decode goes to the precise scan,
                // which refuses it.
                if escaped
                    && memchr::memmem::find(quoted, b"\\u").is_some()
                    && serde_json::from_slice::<String>(quoted).is_err()
                {
                    return suspicious(deepest);
                }
                if !expecting_key {
                    continue;
                }
                expecting_key = false;
                let Some(Some(object)) = open.last_mut() else {
                    continue;
                };
                let key = if escaped {
                    // `"a\u0062"` is the key `"ab"`: compare what the escapes spell.
                    match serde_json::from_slice::<String>(quoted) {
                        Ok(key) => Cow::Owned(key.into_bytes()),
                        Err(_) => return suspicious(deepest),
                    }
                } else {
                    Cow::Borrowed(&text[start..end])
                };
                match &mut object.hashed {
                    Some(set) => {
                        if !set.insert(key) {
                            return suspicious(deepest);
                        }
                    }
                    None => {
                        let (word, mask) = summary_bit(&key);
                        if object.summary[word] & mask != 0 && keys[object.start..].contains(&key) {
                            return suspicious(deepest);
                        }
                        object.summary[word] |= mask;
                        keys.push(key);
                        if keys.len() - object.start > QUICK_LINEAR_KEYS {
                            object.hashed = Some(keys.drain(object.start..).collect());
                        }
                    }
                }
            }
            b'{' => {
                open.push(Some(Object {
                    start: keys.len(),
                    summary: [0; 4],
                    hashed: None,
                }));
                deepest = deepest.max(open.len());
                if open.len() > MAX_DOCUMENT_NESTING {
                    return too_deep(deepest, index);
                }
                expecting_key = true;
                index += 1;
            }
            b'[' => {
                open.push(None);
                deepest = deepest.max(open.len());
                if open.len() > MAX_DOCUMENT_NESTING {
                    return too_deep(deepest, index);
                }
                expecting_key = false;
                index += 1;
            }
            b'}' | b']' => {
                if let Some(Some(object)) = open.pop() {
                    keys.truncate(object.start);
                }
                expecting_key = false;
                index += 1;
            }
            b',' => {
                expecting_key = matches!(open.last(), Some(Some(_)));
                index += 1;
            }
            _ => index += 1,
        }
    }
    Quick {
        suspicious: false,
        deepest,
        too_deep: None,
    }
}

/// Where the first `"` or `\\` of `text[from..]` is, counted from `from`.
/// Plan strings are short (ten bytes on average in the synthetic plans):
/// eight bytes at a time in a word finds their end before a vector search
/// has set up (the scan took 10 % less on the 10k plan); a string that runs
/// on goes to `memchr`.
#[inline]
fn quote_or_backslash(text: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const WORD_BYTES_FIRST: usize = 32;
    let rest = text.get(from..)?;
    let mut at = 0;
    while at < WORD_BYTES_FIRST {
        let Some(bytes) = rest.get(at..at + 8) else {
            break;
        };
        let word = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
        let quotes = word ^ (ONES * u64::from(b'"'));
        let slashes = word ^ (ONES * u64::from(b'\\'));
        // A zero byte of `quotes` or `slashes` is a match. A borrow can
        // flag a byte above a match too, but the lowest flag is always one.
        let found =
            (quotes.wrapping_sub(ONES) & !quotes | slashes.wrapping_sub(ONES) & !slashes) & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr2(b'"', b'\\', &rest[at.min(rest.len())..]).map(|found| at + found)
}

/// The duplicate [`quick_scan`] found, with its JSON path and position.
fn explain_duplicate(text: &str) -> Result<(), JsonFailure> {
    let mut path = Vec::new();
    let mut keys = Vec::new();
    let mut json = serde_json::Deserializer::from_str(text);
    json.disable_recursion_limit();
    let scan = Scan {
        path: &mut path,
        keys: &mut keys,
    };
    match scan.deserialize(&mut json) {
        Ok(()) => Ok(()),
        Err(error) => {
            let mut failure = super::failure_from_error(text, &error);
            failure.json_path = render_path(&path);
            Err(failure)
        }
    }
}

fn render_path(path: &[Segment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

struct Scan<'p, 'de> {
    path: &'p mut Vec<Segment<'de>>,
    /// The keys of every object being scanned, innermost last: an object's
    /// keys are the top of this stack while it is scanned. One buffer for
    /// the whole document instead of one allocation per object (a plan has
    /// millions).
    keys: &'p mut Vec<Cow<'de, str>>,
}

impl<'de> DeserializeSeed<'de> for Scan<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // Nesting has no limit (serde_json's is off), so the stack grows on
        // demand; checking every STACK_CHECK_EVERY levels instead of on
        // every value (what serde_stacker does) keeps the check off the
        // hot path of a scan of millions of values.
        if self.path.len().is_multiple_of(STACK_CHECK_EVERY) {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
                deserializer.deserialize_any(self)
            })
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Scan<'_, 'de> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            self.path.push(Segment::Index(index));
            let more = seq.next_element_seed(Scan {
                path: self.path,
                keys: self.keys,
            })?;
            self.path.pop();
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let start = self.keys.len();
        // Past LINEAR_KEYS keys, comparing with each is quadratic: a set
        // takes over (large payloads have hundreds of attributes).
        let mut hashed: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(key) = map.next_key_seed(Key)? {
            let duplicate = match &mut hashed {
                Some(set) => !set.insert(key.clone()),
                None => {
                    let seen = self.keys[start..].contains(&key);
                    self.keys.push(key.clone());
                    if self.keys.len() - start > LINEAR_KEYS {
                        hashed = Some(self.keys.drain(start..).collect());
                    }
                    seen
                }
            };
            self.path.push(Segment::Key(key));
            if duplicate {
                return Err(de::Error::custom(
                    "duplicate object key: JSON readers disagree on which copy counts",
                ));
            }
            map.next_value_seed(Scan {
                path: self.path,
                keys: self.keys,
            })?;
            self.path.pop();
        }
        self.keys.truncate(start);
        Ok(())
    }
}

/// An object key, borrowed from the text unless it holds escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time search answers as `memchr2` does, wherever the
        /// match is (in the first words, past them, none) and whatever the
        /// bytes around it (UTF-8 continuation bytes included).
        #[test]
        fn word_search_finds_what_memchr_finds(
            text in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'a'), Just(0xA2_u8), Just(0xDC_u8), proptest::num::u8::ANY],
                0..80,
            ),
            from in 0_usize..90,
        ) {
            let expected = text
                .get(from..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest));
            prop_assert_eq!(quote_or_backslash(&text, from), expected);
        }
    }

    #[test]
    fn duplicate_key_in_a_payload_is_found_with_its_path() {
        let text = r#"{"a":[{"x":1},{"change":{"after":{"k":false,"k":true}}}]}"#;
        let failure = find_duplicate(text).unwrap_err().into_failure();
        assert_eq!(failure.json_path, "a[1].change.after.k");
        assert!(failure.message.contains("duplicate object key"));
    }

    #[test]
    fn escaped_and_plain_spellings_of_one_key_are_the_same_key() {
        assert!(find_duplicate(r#"{"ab":1,"a\u0062":2}"#).is_err());
    }

    #[test]
    fn many_distinct_keys_pass_and_a_late_duplicate_is_found() {
        let mut text = String::from("{");
        for index in 0..100 {
            text.push_str(&format!("\"k{index}\":{index},"));
        }
        text.push_str("\"k7\":0}");
        assert_eq!(
            find_duplicate(&text).unwrap_err().into_failure().json_path,
            "k7"
        );
        assert!(find_duplicate(r#"{"a":{"a":{"a":[1,{"b":2}]}},"b":null}"#).is_ok());
    }

    #[test]
    fn quick_scan_follows_strings_escapes_and_nesting() {
        // Braces, commas and colons inside strings are not structure.
        assert!(!has_duplicate(
            br#"{"a":"{\"a\":1,","b":"}","c":[{"a":1},{"a":2}]}"#
        ));
        // Keys of sibling objects in an array are separate.
        assert!(!has_duplicate(br#"[{"a":1},{"a":2}]"#));
        // A key is compared with its own object's keys after nested ones close.
        assert!(has_duplicate(br#"{"a":{"b":1,"c":[1,{"d":2}]},"a":3}"#));
        // A value equal to a key is not a key.
        assert!(!has_duplicate(br#"{"a":"a","b":"a"}"#));
        // Escaped spellings of one key.
        assert!(has_duplicate(br#"{"ab":1,"a\u0062":2}"#));
        assert!(!has_duplicate(br#"{"a\"":1,"a":2}"#));
        // Truncated or stray text ends the scan without a false alarm.
        for text in [&br#"{"a":1,"a"#[..], b"{\"a", b"\"\\", b"}}]]", b"{{{"] {
            let _ = has_duplicate(text);
        }
    }

    /// A JSON value with small key and string alphabets, so that duplicate
    /// keys, keys equal to values and escapes all come up often.
    fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec!["a", "b", "a\\u0062", "ab", "{", ",", "a\\\"", ":"]);
        let leaf = prop_oneof![
            Just("1".to_owned()),
            Just("null".to_owned()),
            key.clone().prop_map(|text| format!("\"{text}\"")),
        ];
        leaf.prop_recursive(4, 32, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(|members| {
                    let members: Vec<String> = members
                        .into_iter()
                        .map(|(key, value)| format!("\"{key}\" : {value}"))
                        .collect();
                    format!("{{ {} }}", members.join(" , "))
                }),
            ]
        })
    }

    /// An object of 1 to 200 keys drawn from a set larger than the summary
    /// has bits, so summary collisions, the list and the hash set all come up.
    fn wide_object() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(0..400_u32, 1..200).prop_map(|keys| {
            let members: Vec<String> = keys.iter().map(|key| format!("\"k{key}\":{key}")).collect();
            format!("{{\"after\":{{{}}}}}", members.join(","))
        })
    }

    proptest::proptest! {
        #[test]
        fn quick_scan_agrees_with_the_precise_one_on_wide_objects(text in wide_object()) {
            proptest::prop_assert_eq!(has_duplicate(text.as_bytes()), explain_duplicate(&text).is_err(), "{}", text);
        }

        #[test]
        fn quick_scan_agrees_with_the_precise_one(text in json_value()) {
            proptest::prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{}", text);
            proptest::prop_assert_eq!(has_duplicate(text.as_bytes()), explain_duplicate(&text).is_err(), "{}", text);
        }
    }

    #[test]
    fn a_string_whose_escapes_do_not_decode_is_refused() {
        // serde_json skips a raw payload's strings without decoding them,
        // so only this scan sees a lone surrogate there.
        for text in [
            r#"{"after":{"tags":{"k":"\ud800"}}}"#,
            r#"{"after":{"\udc00":1}}"#,
        ] {
            assert!(has_duplicate(text.as_bytes()), "{text}");
            let failure = find_duplicate(text).unwrap_err().into_failure();
            let message = &failure.message;
            assert!(
                message.contains("surrogate") || message.contains("hex escape"),
                "{message}"
            );
        }
        assert!(find_duplicate(r#"{"k":"\ud83d\ude00 \u0041"}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_measured_up_to_the_document_bound() {
        let nested = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
        assert_eq!(
            find_duplicate(&nested(MAX_DOCUMENT_NESTING)).ok(),
            Some(MAX_DOCUMENT_NESTING)
        );
        assert_eq!(deepest(r#"{"a":"[[[{{","b":[{"c":[]}]}"#), 4);
        assert_eq!(deepest("1"), 0);
    }

    #[test]
    fn nesting_past_the_bound_is_refused_at_the_bracket_that_crosses_it() {
        // Objects and arrays both count; brackets inside strings do not.
        let text = r#"{"s":"[[[[","a":"#.to_owned()
            + &r#"[{"b":"#.repeat(MAX_DOCUMENT_NESTING)
            + "1"
            + &"}]".repeat(MAX_DOCUMENT_NESTING)
            + "}";
        let Err(Refused::TooDeep(failure)) = find_duplicate(&text) else {
            panic!("not refused as too deep");
        };
        // Level 513 is the 512th bracket after the outer object: the `{` of
        // the 256th `[{"b":`.
        let crossing = r#"{"s":"[[[[","a":"#.len() + (MAX_DOCUMENT_NESTING / 2 - 1) * 6 + 1;
        assert_eq!(failure.offset, crossing);
        assert_eq!(&text[crossing..=crossing], "{");
        assert!(failure.message.contains("more than 512 levels"));
        // One level less (the outer object is the first) passes.
        let within = "[".repeat(MAX_DOCUMENT_NESTING) + &"]".repeat(MAX_DOCUMENT_NESTING);
        assert!(find_duplicate(&within).is_ok());
        assert!(matches!(
            find_duplicate(
                &("[".repeat(MAX_DOCUMENT_NESTING + 1) + &"]".repeat(MAX_DOCUMENT_NESTING + 1))
            ),
            Err(Refused::TooDeep(_))
        ));
    }
}
