//! Terraform resource instance addresses such as `module.a["k"].data.aws_x.y[0]`,
//! parsed by HCL traversal rules and printed byte-for-byte as Terraform prints them.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

impl Mode {
    /// As the plan writes it in `mode`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Managed => "managed",
            Self::Data => "data",
        }
    }
}

/// Variant order matters: the derived `Ord` sorts `Int` keys before `Str` keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    Int(i64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<InstanceKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub module: Vec<ModuleStep>,
    pub mode: Mode,
    pub resource_type: String,
    pub name: String,
    pub key: Option<InstanceKey>,
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{message} at byte {offset}")]
pub struct AddressError {
    pub offset: usize,
    pub message: String,
}

/// Root names Terraform refuses as resource types (addrs.parseResourceUnderModule).
const RESERVED_TYPES: &[&str] = &[
    "count",
    "each",
    "local",
    "module",
    "path",
    "self",
    "terraform",
    "var",
    "template",
    "lazy",
    "arg",
];
/// Modes Terraform accepts that `Mode` cannot represent; reject rather than misread them.
const UNSUPPORTED_MODES: &[&str] = &["ephemeral", "list"];

/// A list, not words in one string: every address of a plan is parsed, and
/// splitting the string for each was 1.7 % of a large check.
fn is_word_in(word: &str, list: &[&str]) -> bool {
    list.contains(&word)
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, AddressError> {
        let mut p = Parser { src: s, pos: 0 };
        let module = p.module_path()?;
        if !module.is_empty() {
            p.expect(".", "after module path")?;
        }
        let mode = if p.eat("data.") {
            Mode::Data
        } else {
            Mode::Managed
        };
        let type_offset = p.pos;
        let resource_type = p.ident("resource type")?;
        if is_word_in(&resource_type, RESERVED_TYPES) {
            return p.fail(type_offset, format!("`{resource_type}` is a reserved word"));
        }
        if is_word_in(&resource_type, UNSUPPORTED_MODES) {
            let message = format!("`{resource_type}` resources are not supported");
            return p.fail(type_offset, message);
        }
        p.expect(".", "after resource type")?;
        let name = p.ident("resource name")?;
        let key = p.instance_key()?;
        p.finish("address")?;
        Ok(Address {
            module,
            mode,
            resource_type,
            name,
            key,
        })
    }
}

/// Parses a module instance path such as `module.a["k"].module.b`; `""` is the root module.
pub fn parse_module_path(s: &str) -> Result<Vec<ModuleStep>, AddressError> {
    let mut p = Parser { src: s, pos: 0 };
    let steps = p.module_path()?;
    p.finish("module path")?;
    Ok(steps)
}

impl Address {
    pub fn module_path(&self) -> String {
        let steps: Vec<String> = self.module.iter().map(ToString::to_string).collect();
        steps.join(".")
    }

    pub fn config_address(&self) -> String {
        // Built in one buffer: this runs for every resource of a plan.
        let modules: usize = self.module.iter().map(|m| m.name.len() + 8).sum();
        let mut address =
            String::with_capacity(modules + 6 + self.resource_type.len() + self.name.len());
        for step in &self.module {
            address.push_str("module.");
            address.push_str(&step.name);
            address.push('.');
        }
        if self.is_data() {
            address.push_str("data.");
        }
        address.push_str(&self.resource_type);
        address.push('.');
        address.push_str(&self.name);
        address
    }

    pub fn resource_address(&self) -> String {
        let (path, resource) = (self.module_path(), self.resource_in_module());
        let separator = if path.is_empty() { "" } else { "." };
        format!("{path}{separator}{resource}")
    }

    pub fn is_data(&self) -> bool {
        self.mode == Mode::Data
    }

    fn resource_in_module(&self) -> String {
        let prefix = if self.is_data() { "data." } else { "" };
        format!("{prefix}{}.{}", self.resource_type, self.name)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource_address())?;
        self.key.iter().try_for_each(|key| write!(f, "{key}"))
    }
}

impl fmt::Display for ModuleStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "module.{}", self.name)?;
        self.key.iter().try_for_each(|key| write!(f, "{key}"))
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write_hcl_quoted_key(f, s),
        }
    }
}

/// `["s"]`, quoted as Terraform's `toHCLQuotedString` does (internal/addrs/instance_key.go).
fn write_hcl_quoted_key(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_str("[\"")?;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '$' | '%' if chars.peek() == Some(&'{') => write!(f, "{c}{c}")?,
            c if is_go_printable(c) => f.write_char(c)?,
            c if (c as u32) < 0x10000 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "\\U{:08x}", c as u32)?,
        }
    }
    f.write_str("\"]")
}

/// Go's `unicode.IsPrint`: categories L, M, N, P, S plus ASCII space.
fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    // std's Debug escaping flags exactly categories C* and Z* (except ASCII space), i.e. Go's
    // non-printables, which saves shipping Unicode tables. The leading char stops it from
    // also escaping grapheme extenders, which it only does at the start of a string.
    let pair: String = ['a', c].into_iter().collect();
    pair.escape_debug().nth(1) == Some(c)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, token: &str) -> bool {
        let matched = self.rest().starts_with(token);
        if matched {
            self.pos += token.len();
        }
        matched
    }

    fn take_while(&mut self, pred: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c| !pred(c)).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    fn fail<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, AddressError> {
        let message = message.into();
        Err(AddressError { offset, message })
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("`{}`", c.escape_debug()),
            None => "end of input".to_owned(),
        }
    }

    fn expect(&mut self, token: &str, context: &str) -> Result<(), AddressError> {
        if self.eat(token) {
            return Ok(());
        }
        let message = format!("expected `{token}` {context}, found {}", self.found());
        self.fail(self.pos, message)
    }

    fn finish(&self, what: &str) -> Result<(), AddressError> {
        if self.pos == self.src.len() {
            return Ok(());
        }
        let message = format!("expected end of {what}, found {}", self.found());
        self.fail(self.pos, message)
    }

    fn module_path(&mut self) -> Result<Vec<ModuleStep>, AddressError> {
        let mut steps = Vec::new();
        let mut separator = "module.";
        while self.eat(separator) {
            let name = self.ident("module name")?;
            let key = self.instance_key()?;
            steps.push(ModuleStep { name, key });
            separator = ".module.";
        }
        Ok(steps)
    }

    fn ident(&mut self, what: &str) -> Result<String, AddressError> {
        if !self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            return self.fail(self.pos, format!("expected {what}, found {}", self.found()));
        }
        // Nearly every identifier is ASCII: its bytes are its characters,
        // with no decoding. A run that stops at a non-ASCII byte is read
        // again by character (letters of any script are allowed).
        let rest = self.rest().as_bytes();
        let ascii = rest
            .iter()
            .position(|&byte| !(byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'))
            .unwrap_or(rest.len());
        let ident = if rest.get(ascii).is_some_and(|byte| !byte.is_ascii()) {
            self.take_while(|c| c.is_alphanumeric() || c == '_' || c == '-')
        } else {
            let ident = &self.rest()[..ascii];
            self.pos += ascii;
            ident
        };
        Ok(ident.to_owned())
    }

    fn instance_key(&mut self) -> Result<Option<InstanceKey>, AddressError> {
        if !self.eat("[") {
            return Ok(None);
        }
        let start = self.pos;
        let key = match self.peek() {
            Some('"') => InstanceKey::Str(self.quoted_string()?),
            Some(c) if c.is_ascii_digit() => {
                match self.take_while(|c| c.is_ascii_digit()).parse() {
                    Ok(n) => InstanceKey::Int(n),
                    Err(_) => return self.fail(start, "instance key out of range"),
                }
            }
            Some('-') => return self.fail(start, "negative instance keys are not valid"),
            _ => {
                let message = format!("expected integer or string key, found {}", self.found());
                return self.fail(start, message);
            }
        };
        self.expect("]", "after instance key")?;
        Ok(Some(key))
    }

    fn quoted_string(&mut self) -> Result<String, AddressError> {
        let open = self.pos;
        self.pos += 1;
        // The key up to its first character that needs a look (an escape,
        // a template sign, a line break or the closing quote) is copied
        // whole: in most keys that is all of it. None of these is a byte of
        // a multi-byte character, so the cut falls between characters.
        let plain = self
            .rest()
            .bytes()
            .position(|byte| matches!(byte, b'"' | b'\\' | b'$' | b'%' | b'\n' | b'\r'))
            .unwrap_or(self.rest().len());
        let mut out = self.rest()[..plain].to_owned();
        self.pos += plain;
        loop {
            let at = self.pos;
            let Some(c) = self.peek() else {
                let message = format!("expected `\"` to close string opened at byte {open}");
                return self.fail(at, message);
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape(at)?),
                '\n' | '\r' => return self.fail(at, "line breaks in string keys must be escaped"),
                '$' | '%' if self.rest().starts_with('{') => {
                    let message = format!("template `{c}{{` not allowed; `{c}{c}{{` is literal");
                    return self.fail(at, message);
                }
                '$' | '%' => {
                    out.push(c);
                    if self.eat(&format!("{c}{{")) {
                        out.push('{');
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self, at: usize) -> Result<char, AddressError> {
        let Some(c) = self.peek() else {
            return self.fail(self.pos, "expected escape character after `\\`");
        };
        self.pos += c.len_utf8();
        let digits = match c {
            'n' => return Ok('\n'),
            'r' => return Ok('\r'),
            't' => return Ok('\t'),
            '"' | '\\' => return Ok(c),
            'u' => 4,
            'U' => 8,
            _ => return self.fail(at, format!("invalid escape `\\{}`", c.escape_debug())),
        };
        let hex = self.rest().get(..digits);
        let Some(hex) = hex.filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) else {
            let message = format!("expected {digits} hex digits after `\\{c}`");
            return self.fail(self.pos, message);
        };
        self.pos += digits;
        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            Some(scalar) => Ok(scalar),
            None => self.fail(at, format!("`\\{c}{hex}` is not a Unicode scalar value")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Address {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn canonical_addresses_from_plans_round_trip_byte_identically() {
        for s in [
            r#"module.stack["prod"].module.app["web"].aws_instance.this[0]"#,
            "data.aws_iam_policy_document.x",
            r#"aws_s3_bucket.b["a.b[c]\"d"]"#,
            "module.a.data.aws_x.y",
            "module.vpc[3].aws_subnet.private[12]",
            r#"aws_route53_record.r["*.example.com"]"#,
            r#"aws_x.y["$${var.x} %%{ if } $x % { $$$${"]"#,
            r#"aws_x.y["back\\slash\ttab\nnl\rcr"]"#,
            r#"aws_x.y["\u202e\u200b\u00a0\u0000\u007f\u0085\ufeff\u2028"]"#,
            r#"aws_x.y["\U000e0001\U000f0000"]"#,
            "aws_x.y[\"ünïcødé 日本 😀 é e\u{301} \u{301}\"]",
            "aws_x.y[\"\u{301}leading combining mark\"]",
            r#"aws_x.y[""]"#,
            r#"module.модуль.aws_x.имя-2["k"]"#,
            "_a.b-c[9223372036854775807]",
        ] {
            assert_eq!(parse(s).to_string(), s);
        }
    }

    #[test]
    fn parses_structure_and_derived_forms() {
        let a = parse(r#"module.stack["prod"].module.app[1].aws_instance.this["a.b"]"#);
        assert_eq!(
            format!("{a:?}"),
            r#"Address { module: [ModuleStep { name: "stack", key: Some(Str("prod")) }, ModuleStep { name: "app", key: Some(Int(1)) }], mode: Managed, resource_type: "aws_instance", name: "this", key: Some(Str("a.b")) }"#
        );
        let derived = |a: Address| [a.module_path(), a.config_address(), a.resource_address()];
        let stack = r#"module.stack["prod"].module.app[1]"#;
        let expected =
            format!("{stack} module.stack.module.app.aws_instance.this {stack}.aws_instance.this");
        assert_eq!(derived(a).join(" "), expected);
        let d = parse(r#"module.a["k"].data.aws_x.y[0]"#);
        assert!(d.is_data() && !parse("aws_x.y").is_data());
        let expected = r#"module.a["k"] module.a.data.aws_x.y module.a["k"].data.aws_x.y"#;
        assert_eq!(derived(d).join(" "), expected);
        assert_eq!(derived(parse("data.x.y[0]")), ["", "data.x.y", "data.x.y"]);
    }

    #[test]
    fn accepts_non_canonical_spellings() {
        let a = parse(r#"aws_x.y["\u0041\U0001F600\u202E$$x"]"#);
        assert_eq!(a.key, Some(InstanceKey::Str("A😀\u{202e}$$x".into())));
        assert_eq!(a.to_string(), r#"aws_x.y["A😀\u202e$$x"]"#);
        assert_eq!(parse("aws_x.y[007]").key, Some(InstanceKey::Int(7)));
    }

    #[test]
    fn module_paths() {
        assert_eq!(parse_module_path(""), Ok(vec![]));
        let steps = parse_module_path(r#"module.a["k"].module.b"#).unwrap();
        let shown: Vec<String> = steps.iter().map(ToString::to_string).collect();
        assert_eq!(shown, [r#"module.a["k"]"#, "module.b"]);
        for (input, offset) in [("module.a.", 8), ("module.a.aws_x.y", 8), ("module.1", 7)] {
            assert_eq!(parse_module_path(input).unwrap_err().offset, offset);
        }
    }

    /// One case per line: `input => error`; `\n` in the input stands for a raw line break.
    const ERROR_CASES: &str = r#"
 => expected resource type, found end of input at byte 0
module.a["k".aws_x.y => expected `]` after instance key, found `.` at byte 12
module.a => expected `.` after module path, found end of input at byte 8
module.a. => expected resource type, found end of input at byte 9
module.a[0]aws_x.y => expected `.` after module path, found `a` at byte 11
aws_x => expected `.` after resource type, found end of input at byte 5
aws_x.y[0 => expected `]` after instance key, found end of input at byte 9
aws_x.y[0]x => expected end of address, found `x` at byte 10
aws_x.y.z => expected end of address, found `.` at byte 7
aws_x.y[0][1] => expected end of address, found `[` at byte 10
aws_x.y  => expected end of address, found ` ` at byte 7
aws_x.y[-1] => negative instance keys are not valid at byte 8
aws_x.y[1.5] => expected `]` after instance key, found `.` at byte 9
aws_x.y[k] => expected integer or string key, found `k` at byte 8
aws_x.y[99999999999999999999] => instance key out of range at byte 8
1x.y => expected resource type, found `1` at byte 0
-x.y => expected resource type, found `-` at byte 0
count.index => `count` is a reserved word at byte 0
module.m.ephemeral.x.y => `ephemeral` resources are not supported at byte 9
aws_x.y["abc => expected `"` to close string opened at byte 8 at byte 12
aws_x.y["a\qb"] => invalid escape `\q` at byte 10
aws_x.y["a\ => expected escape character after `\` at byte 11
aws_x.y["\u12"] => expected 4 hex digits after `\u` at byte 11
aws_x.y["\u00é"] => expected 4 hex digits after `\u` at byte 11
aws_x.y["\ud800"] => `\ud800` is not a Unicode scalar value at byte 9
aws_x.y["\U00110000"] => `\U00110000` is not a Unicode scalar value at byte 9
aws_x.y["a\nb"] => line breaks in string keys must be escaped at byte 10
aws_x.y["${x}"] => template `${` not allowed; `$${` is literal at byte 9
aws_x.y["a%{x}"] => template `%{` not allowed; `%%{` is literal at byte 10
"#;

    #[test]
    fn precise_errors() {
        for line in ERROR_CASES.lines().skip(1) {
            let (input, expected) = line.split_once(" => ").expect("malformed case");
            let input = input.replace("\\n", "\n");
            let err = input.parse::<Address>().expect_err(&input);
            assert_eq!(err.to_string(), expected, "input {input:?}");
        }
    }

    #[test]
    fn ordering_is_deterministic_with_int_keys_first() {
        let mut addrs: Vec<&str> = r#"x.y["0"] x.y[10] x.y[2] x.y module.m.x.y data.x.y"#
            .split(' ')
            .collect();
        addrs.sort_by_key(|s| parse(s));
        let expected = r#"x.y x.y[2] x.y[10] x.y["0"] data.x.y module.m.x.y"#;
        assert_eq!(addrs.join(" "), expected);
    }

    fn ident() -> impl Strategy<Value = String> {
        "[a-zA-Z_é日][a-zA-Z0-9_é日-]{0,8}"
    }

    fn key() -> impl Strategy<Value = InstanceKey> {
        prop_oneof![
            (0..=i64::MAX).prop_map(InstanceKey::Int),
            any::<String>().prop_map(InstanceKey::Str),
            "[\"\\\\$%{}\\[\\]. \n\r\t\u{0}\u{7f}\u{85}\u{a0}\u{202e}\u{200b}\u{e0001}a-zé]{0,12}"
                .prop_map(InstanceKey::Str),
        ]
    }

    fn address() -> impl Strategy<Value = Address> {
        let step = (ident(), proptest::option::of(key()));
        let modules =
            proptest::collection::vec(step.prop_map(|(name, key)| ModuleStep { name, key }), 0..4);
        let mode = prop_oneof![Just(Mode::Managed), Just(Mode::Data)];
        let resource_type = ident().prop_filter("reserved word", |t| {
            !is_word_in(t, RESERVED_TYPES) && !is_word_in(t, UNSUPPORTED_MODES)
        });
        let key = proptest::option::of(key());
        (modules, mode, resource_type, ident(), key).prop_map(
            |(module, mode, resource_type, name, key)| Address {
                module,
                mode,
                resource_type,
                name,
                key,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn display_then_parse_round_trips(a in address()) {
            let shown = a.to_string();
            let reparsed: Address = shown.parse().map_err(|e| TestCaseError::fail(format!("{shown}: {e}")))?;
            prop_assert_eq!(&reparsed, &a);
            prop_assert_eq!(reparsed.to_string(), shown);
            prop_assert_eq!(parse_module_path(&a.module_path()), Ok(a.module.clone()));
        }

        #[test]
        fn arbitrary_input_never_panics(s in prop_oneof![
            any::<String>(),
            "(module|data|\\.|\\[|\\]|\"|\\\\|u|U|[0-9a-f]|-|\\$|%|\\{|é|\n)*",
        ]) {
            let _ = s.parse::<Address>();
            let _ = parse_module_path(&s);
        }

        #[test]
        fn every_prefix_of_a_valid_address_is_handled(a in address()) {
            let shown = a.to_string();
            for (cut, _) in shown.char_indices() {
                if let Ok(parsed) = shown[..cut].parse::<Address>() {
                    prop_assert_eq!(parsed.to_string(), &shown[..cut]);
                }
            }
        }
    }
}
