//! Duplicate object keys anywhere in a document.
//!
//! JSON parsers disagree on `{"a":1,"a":2}`: serde's derived structs refuse
//! it, maps keep the last copy, other tools keep the first. A plan with two
//! `skip_final_snapshot` or two `actions` can therefore mean one thing to
//! Terraform and another to blastwall, so a duplicate key anywhere (payloads
//! included) refuses the plan. Terraform never writes one.
//!
//! One pass over the document with a visitor that only compares keys
//! (borrowed, no tree is built); the JSON path is kept on a stack so the
//! diagnostic can name where the duplicate is.

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

/// Objects with more keys than this are checked with a hash set.
const LINEAR_KEYS: usize = 16;

#[derive(Debug)]
enum Segment<'de> {
    Key(Cow<'de, str>),
    Index(usize),
}

/// The first duplicate key in `text` (a JSON document that parses), as a
/// failure at that key with its JSON path.
pub fn find_duplicate(text: &str) -> Result<(), JsonFailure> {
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

    #[test]
    fn duplicate_key_in_a_payload_is_found_with_its_path() {
        let text = r#"{"a":[{"x":1},{"change":{"after":{"k":false,"k":true}}}]}"#;
        let failure = find_duplicate(text).unwrap_err();
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
        assert_eq!(find_duplicate(&text).unwrap_err().json_path, "k7");
        assert!(find_duplicate(r#"{"a":{"a":{"a":[1,{"b":2}]}},"b":null}"#).is_ok());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 20_000;
        let text = "[".repeat(depth) + &"]".repeat(depth);
        assert!(find_duplicate(&text).is_ok());
    }
}
