//! Mutations of real plans for the reader fuzzer (`tests/it/fuzz.rs`,
//! `scripts/fuzz.sh`). Stable Rust only: a seeded xorshift picks a seed plan
//! and one to three mutations; everything is reproducible from the case
//! number and the run's seed.

#![allow(dead_code)]

use serde_json::Value;

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Addresses Terraform would never write, each a distinct parser attack.
const BAD_ADDRESSES: &[&str] = &[
    "aws_s3_bucket.b[\"k",
    "aws_s3_bucket.b[0",
    "module..aws_s3_bucket.b",
    "module.m",
    "aws_s3_bucket.b x",
    " aws_s3_bucket.b",
    "aws_s3_bucket..b",
    "data.",
    "aws_s3_bucket.b[\"k\"]extra",
    "module.m[\"a\"].",
    "a.b\u{1b}[2Jc",
    "a.b\u{7}",
    "a.b\u{202e}",
    "",
];

const NASTY_SCALARS: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "1e999999",
    "-0.0",
    "18446744073709551616",
    "\"\"",
    "[]",
    "{}",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "[null]",
    "{\"\":null}",
];

/// One mutated text and a short description of what was done.
pub struct Mutant {
    pub bytes: Vec<u8>,
    pub what: Vec<String>,
}

pub fn mutate(seed: &[u8], others: &[&[u8]], rng: &mut Rng) -> Mutant {
    let mut bytes = seed.to_vec();
    let mut what = Vec::new();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let choice = rng.below(16);
        let description = match choice {
            0 => truncate_at_token(&mut bytes, rng),
            1 => truncate_anywhere(&mut bytes, rng),
            2 => flip_bytes(&mut bytes, rng),
            3 => insert_control(&mut bytes, rng),
            4 => splice(&mut bytes, others, rng),
            5 => wrap_in_noise(&mut bytes, rng),
            _ => match structural(&bytes, rng) {
                Some((mutated, description)) => {
                    bytes = mutated;
                    description
                }
                None => flip_bytes(&mut bytes, rng),
            },
        };
        what.push(description);
    }
    Mutant { bytes, what }
}

fn truncate_at_token(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    let tokens: &[u8] = match rng.below(6) {
        0 => b"{",
        1 => b"[",
        2 => b",",
        3 => b":",
        4 => b"\"",
        _ => b"0123456789",
    };
    let positions: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| tokens.contains(byte))
        .map(|(index, _)| index)
        .collect();
    if positions.is_empty() {
        return truncate_anywhere(bytes, rng);
    }
    let at = positions[rng.below(positions.len())] + rng.below(2);
    bytes.truncate(at.min(bytes.len()));
    format!("truncate after {:?} at {at}", tokens[0] as char)
}

fn truncate_anywhere(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    let at = rng.below(bytes.len() + 1);
    bytes.truncate(at);
    format!("truncate at {at}")
}

fn flip_bytes(bytes: &mut [u8], rng: &mut Rng) -> String {
    if bytes.is_empty() {
        return "flip (empty)".into();
    }
    let count = 1 + rng.below(8);
    for _ in 0..count {
        let at = rng.below(bytes.len());
        bytes[at] = if rng.chance(50) {
            bytes[at] ^ (1 << rng.below(8))
        } else {
            rng.next() as u8
        };
    }
    format!("flip {count} byte(s)")
}

fn insert_control(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    const CONTROLS: &[&[u8]] = &[
        b"\x1b[31m",
        b"\x07",
        b"\n",
        b"\x00",
        b"\x1b]0;x\x07",
        b"\r",
        b"\xef\xbb\xbf",
    ];
    let control = CONTROLS[rng.below(CONTROLS.len())];
    // Prefer the inside of a string: right after a quote.
    let quotes: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'"')
        .map(|(index, _)| index + 1)
        .collect();
    let at = if !quotes.is_empty() && rng.chance(70) {
        quotes[rng.below(quotes.len())]
    } else {
        rng.below(bytes.len() + 1)
    };
    bytes.splice(at..at, control.iter().copied());
    format!("insert control {control:?} at {at}")
}

fn splice(bytes: &mut Vec<u8>, others: &[&[u8]], rng: &mut Rng) -> String {
    if others.is_empty() || bytes.is_empty() {
        return "splice (none)".into();
    }
    let other = others[rng.below(others.len())];
    if other.is_empty() {
        return "splice (empty)".into();
    }
    let from = rng.below(other.len());
    let to = (from + 1 + rng.below(2000)).min(other.len());
    let at = rng.below(bytes.len());
    let end = (at + rng.below(2000)).min(bytes.len());
    bytes.splice(at..end, other[from..to].iter().copied());
    format!("splice {} byte(s) at {at}", to - from)
}

fn wrap_in_noise(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    let (before, after): (&[u8], &[u8]) = match rng.below(4) {
        0 => (b"\x1b[36m12:00 INFO\x1b[0m running show\n", b"\n\x1b[0m"),
        1 => (
            b"[command]/x/terraform-bin show -json plan.out\n",
            b"%0A\n::debug::exit 0\n",
        ),
        2 => (b"\xef\xbb\xbf", b""),
        _ => (b"", b"\n}\n"),
    };
    let mut wrapped = before.to_vec();
    wrapped.append(bytes);
    wrapped.extend_from_slice(after);
    *bytes = wrapped;
    "wrap in noise".into()
}

/// Mutations of the parsed document, written back as JSON text (with a
/// duplicated key where asked, which no JSON library writes).
fn structural(bytes: &[u8], rng: &mut Rng) -> Option<(Vec<u8>, String)> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let mut paths = Vec::new();
    collect_paths(&value, &mut Vec::new(), &mut paths, 0);
    if paths.is_empty() {
        return None;
    }
    // Favour the structural keys blastwall reads.
    let interesting: Vec<&Vec<Step>> = paths
        .iter()
        .filter(|path| {
            path.iter().any(|step| {
                matches!(step, Step::Key(key) if matches!(key.as_str(),
                "resource_changes" | "address" | "actions" | "mode" | "type" | "name" | "index"
                | "module_address" | "format_version" | "deposed" | "configuration"
                | "module_calls" | "prior_state" | "planned_values" | "child_modules"
                | "resources" | "depends_on" | "references" | "action_reason" | "before"))
            })
        })
        .collect();
    let path = if !interesting.is_empty() && rng.chance(80) {
        interesting[rng.below(interesting.len())].clone()
    } else {
        paths[rng.below(paths.len())].clone()
    };
    let shown = show(&path);
    let mut duplicate_key = None;
    let description = match rng.below(9) {
        0 => {
            *at(&mut value, &path)? = Value::Null;
            format!("null at {shown}")
        }
        1 => {
            let scalar = NASTY_SCALARS[rng.below(NASTY_SCALARS.len())];
            *at(&mut value, &path)? = serde_json::from_str(scalar).unwrap_or(Value::Null);
            format!("{scalar} at {shown}")
        }
        2 => {
            let target = at(&mut value, &path)?;
            let swapped = match &*target {
                Value::Array(items) => Value::Object(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v.clone()))
                        .collect(),
                ),
                Value::Object(map) => Value::Array(map.values().cloned().collect()),
                Value::String(text) => Value::Array(vec![Value::String(text.clone())]),
                other => Value::String(other.to_string()),
            };
            *target = swapped;
            format!("type swap at {shown}")
        }
        3 => {
            let address = BAD_ADDRESSES[rng.below(BAD_ADDRESSES.len())];
            let target = at(&mut value, &path)?;
            *target = Value::String(address.to_owned());
            format!("address {address:?} at {shown}")
        }
        4 => {
            // Duplicate an array element (a resource change twice) or a key.
            let (parent, last) = path
                .split_last()
                .map(|(last, parent)| (parent.to_vec(), last.clone()))?;
            match (at(&mut value, &parent)?, last) {
                (Value::Array(items), Step::Index(index)) => {
                    let copy = items[index].clone();
                    let place = rng.below(items.len() + 1);
                    items.insert(place, copy);
                    format!("duplicate element {shown}")
                }
                (Value::Object(_), Step::Key(key)) => {
                    duplicate_key = Some((parent, key));
                    format!("duplicate key {shown}")
                }
                _ => return None,
            }
        }
        5 => {
            let (parent, last) = path
                .split_last()
                .map(|(last, parent)| (parent.to_vec(), last.clone()))?;
            match (at(&mut value, &parent)?, last) {
                (Value::Array(items), Step::Index(index)) => {
                    items.remove(index);
                }
                (Value::Object(map), Step::Key(key)) => {
                    map.shift_remove(&key);
                }
                _ => return None,
            }
            format!("remove {shown}")
        }
        6 => {
            let depth = 1000 + rng.below(100_000);
            let mut nested = at(&mut value, &path)?.take();
            for _ in 0..depth.min(2000) {
                nested = Value::Array(vec![nested]);
            }
            *at(&mut value, &path)? = nested;
            format!("nest {} deep at {shown}", depth.min(2000))
        }
        7 => {
            let huge = if rng.chance(50) {
                Value::String("x".repeat(1 << (10 + rng.below(11))))
            } else {
                serde_json::from_str(&"9".repeat(1 + rng.below(20_000))).unwrap_or(Value::Null)
            };
            *at(&mut value, &path)? = huge;
            format!("huge value at {shown}")
        }
        _ => {
            let target = at(&mut value, &path)?;
            if let Value::String(text) = target {
                let mut chars: Vec<char> = text.chars().collect();
                if !chars.is_empty() {
                    let i = rng.below(chars.len());
                    chars[i] =
                        ['"', '\\', '.', '[', ']', ' ', '\u{1b}', '\u{0}', 'é'][rng.below(9)];
                }
                *text = chars.into_iter().collect();
                format!("edit string at {shown}")
            } else {
                return None;
            }
        }
    };
    let mut out = Vec::new();
    write(
        &value,
        &mut Vec::new(),
        duplicate_key.as_ref(),
        rng,
        &mut out,
    );
    Some((out, description))
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn show(path: &[Step]) -> String {
    path.iter()
        .map(|step| match step {
            Step::Key(key) => format!(".{key}"),
            Step::Index(index) => format!("[{index}]"),
        })
        .collect()
}

fn collect_paths(value: &Value, current: &mut Vec<Step>, out: &mut Vec<Vec<Step>>, depth: usize) {
    if depth > 64 || out.len() > 200_000 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                current.push(Step::Key(key.clone()));
                out.push(current.clone());
                collect_paths(child, current, out, depth + 1);
                current.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                current.push(Step::Index(index));
                out.push(current.clone());
                collect_paths(child, current, out, depth + 1);
                current.pop();
            }
        }
        _ => {}
    }
}

fn at<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut current = value;
    for step in path {
        current = match (current, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key)?,
            (Value::Array(items), Step::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// JSON text of `value`; at `duplicate` (object path, key) the key is
/// written a second time with a different value. Iterative enough for the
/// nesting `structural` makes (2,000 levels).
fn write(
    value: &Value,
    path: &mut Vec<Step>,
    duplicate: Option<&(Vec<Step>, String)>,
    rng: &mut Rng,
    out: &mut Vec<u8>,
) {
    match value {
        Value::Object(map) => {
            out.push(b'{');
            let mut first = true;
            for (key, child) in map {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend(serde_json::to_vec(key).unwrap_or_default());
                out.push(b':');
                path.push(Step::Key(key.clone()));
                write(child, path, duplicate, rng, out);
                path.pop();
                if let Some((at_path, at_key)) = duplicate
                    && at_path == path
                    && at_key == key
                {
                    out.push(b',');
                    out.extend(serde_json::to_vec(key).unwrap_or_default());
                    out.push(b':');
                    let other = match child {
                        Value::Array(items) if items.len() > 1 => Value::Array(items[..1].to_vec()),
                        Value::Array(_) => Value::Array(vec![Value::String("delete".into())]),
                        Value::String(text) => Value::String(format!("{text}x")),
                        Value::Bool(flag) => Value::Bool(!flag),
                        Value::Null => Value::Bool(true),
                        Value::Number(_) => Value::from(rng.below(10)),
                        Value::Object(_) => Value::Object(Default::default()),
                    };
                    out.extend(serde_json::to_vec(&other).unwrap_or_default());
                }
            }
            out.push(b'}');
        }
        Value::Array(items) if path.len() < 128 => {
            out.push(b'[');
            for (index, child) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                path.push(Step::Index(index));
                write(child, path, duplicate, rng, out);
                path.pop();
            }
            out.push(b']');
        }
        other => out.extend(serde_json::to_vec(other).unwrap_or_default()),
    }
}
