//! Every string value of a raw JSON payload, with the key of the member that
//! holds it, visited without building a tree: plans are mostly payload.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// Calls `visit(key, string)` for each string below `raw`; `key` is the
/// object member holding it (array elements inherit their array's key).
/// Members for which `skip(key, depth)` is true are not entered; depth 0 is
/// the top-level object.
pub fn walk(
    raw: &RawValue,
    skip: &dyn Fn(&str, usize) -> bool,
    visit: &mut dyn FnMut(Option<&str>, &str),
) {
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    let _ = deserializer.deserialize_any(Walker {
        skip,
        visit,
        key: None,
        depth: 0,
    });
}

struct Walker<'w, 'k> {
    skip: &'w dyn Fn(&str, usize) -> bool,
    visit: &'w mut dyn FnMut(Option<&str>, &str),
    key: Option<&'k str>,
    depth: usize,
}

impl<'de> Visitor<'de> for Walker<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("JSON")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
        (self.visit)(self.key, value);
        Ok(())
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
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Walker {
                skip: self.skip,
                visit: &mut *self.visit,
                key: self.key,
                depth: self.depth,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if (self.skip)(&key, self.depth) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Walker {
                skip: self.skip,
                visit: &mut *self.visit,
                key: Some(&key),
                depth: self.depth + 1,
            })?;
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Walker<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}
