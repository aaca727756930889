//! What a shell command line would run, read with `brush-parser` (a bash
//! parser) instead of by hand: every terraform/tofu apply or destroy in it,
//! with the directory, environment and arguments it would get once the
//! shell has removed quotes. Anything the hook cannot work out without
//! running the shell (a computed command name, `eval`, a script, a pipe
//! into a shell) is answered "ask": a person decides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use brush_parser::ast::{self, Command, CommandPrefixOrSuffixItem as Item, CompoundCommand};
use brush_parser::word::{self, Parameter, ParameterExpr, TildeExpr, WordPiece};

use super::terraform::{self, Kind};

/// The longest command line the hook reads (longer ones are asked).
const MAX_COMMAND: usize = 64 * 1024;
/// The deepest `bash -c '…'` / `$(…)` nesting the hook follows.
const MAX_DEPTH: usize = 8;
/// Brackets nested deeper than this are asked, not parsed (the parser recurses).
const MAX_NESTING: usize = 48;
/// Simple commands the hook reads in one line before asking instead.
const MAX_COMMANDS: usize = 2_000;

/// Variables that change which program runs or what a shell runs first.
const DANGEROUS_VARIABLES: &[&str] = &[
    "PATH",
    "BASH_ENV",
    "ENV",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "DYLD_INSERT_LIBRARIES",
    "IFS",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "CDPATH",
    "BASH_FUNC",
];

/// Programs that cannot run another program or change infrastructure.
const READ_ONLY: &[&str] = &[
    "ls",
    "cat",
    "head",
    "tail",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "wc",
    "echo",
    "printf",
    "pwd",
    "true",
    "false",
    ":",
    "test",
    "[",
    "date",
    "diff",
    "cmp",
    "stat",
    "file",
    "sort",
    "uniq",
    "cut",
    "tr",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "du",
    "df",
    "jq",
    "tree",
    "which",
    "type",
    "whoami",
    "id",
    "uname",
    "hostname",
    "sleep",
    "nl",
    "printenv",
    "seq",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "wait",
    "jobs",
    "set",
];

/// Programs that change files, which a later apply in the same line could
/// read, but cannot run another program.
const FILE_CHANGES: &[&str] = &[
    "mkdir", "rmdir", "rm", "cp", "mv", "touch", "chmod", "ln", "tee",
];

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "busybox"];

/// A terraform/tofu apply or destroy to plan and check.
#[derive(Debug, Clone)]
pub struct Run {
    /// The program word as the shell would run it (`terraform`, `/usr/bin/tofu`).
    pub program: String,
    pub tool: Tool,
    pub invocation: terraform::Invocation,
    pub cwd: PathBuf,
    pub env: Env,
    /// The command as typed (quotes removed), for messages.
    pub text: String,
    /// `terraform plan -out F` earlier in the line, for `apply F`.
    pub planned_by: Option<terraform::Invocation>,
    /// `blastwall guard …`: the program word of blastwall.
    pub guard: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Terraform,
    Tofu,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Self::Terraform => "terraform",
            Self::Tofu => "tofu",
        }
    }
}

/// The environment a command gets, relative to the hook's own.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub clear: bool,
    pub set: BTreeMap<String, String>,
    pub unset: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Step {
    Ask(String),
    Check(Box<Run>),
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub steps: Vec<Step>,
    /// Commands that may change what an apply in the same line applies.
    pub changes: Vec<String>,
}

/// A value the shell knows, or one only it can compute.
#[derive(Debug, Clone)]
enum Value {
    Known(String),
    Unknown,
}

#[derive(Debug, Clone)]
struct State {
    cwd: Option<PathBuf>,
    vars: BTreeMap<String, Value>,
    /// Changes to the environment of the commands that follow.
    exported: BTreeMap<String, Option<Value>>,
    plans: Vec<(PathBuf, terraform::Invocation)>,
}

struct Analyser<'a> {
    base_env: &'a dyn Fn(&str) -> Option<String>,
    out: Analysis,
    commands: usize,
}

/// Reads `command` as bash would in `cwd`; `base_env` is the environment
/// the command starts with (the hook's own).
pub fn analyse(command: &str, cwd: &Path, base_env: &dyn Fn(&str) -> Option<String>) -> Analysis {
    let mut analyser = Analyser {
        base_env,
        out: Analysis::default(),
        commands: 0,
    };
    let mut state = State {
        cwd: Some(cwd.to_path_buf()),
        vars: BTreeMap::new(),
        exported: BTreeMap::new(),
        plans: Vec::new(),
    };
    analyser.script(command, &mut state, 0);
    analyser.out
}

fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for byte in text.bytes() {
        match byte {
            b'(' | b'{' | b'[' | b'`' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Quotes a word for messages when it needs it.
fn shown(words: &[String]) -> String {
    words
        .iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=./:,@%+".contains(c))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Analyser<'_> {
    fn ask(&mut self, reason: impl Into<String>) {
        self.out.steps.push(Step::Ask(reason.into()));
    }

    fn script(&mut self, text: &str, state: &mut State, depth: usize) {
        if depth > MAX_DEPTH {
            return self.ask("commands nested deeper than the hook follows");
        }
        if text.len() > MAX_COMMAND {
            return self.ask("a command line longer than the hook reads");
        }
        if nesting(text) > MAX_NESTING {
            return self.ask("brackets nested deeper than the hook reads");
        }
        let mut parser = brush_parser::Parser::new(
            std::io::BufReader::new(text.as_bytes()),
            &brush_parser::ParserOptions::default(),
        );
        match parser.parse_program() {
            Ok(program) => {
                for complete in &program.complete_commands {
                    self.compound_list(complete, state, depth);
                }
            }
            Err(error) => self.ask(format!("the shell syntax could not be read ({error})")),
        }
    }

    fn compound_list(&mut self, list: &ast::CompoundList, state: &mut State, depth: usize) {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            self.pipeline(&and_or.first, state, depth);
            for next in &and_or.additional {
                match next {
                    ast::AndOr::And(pipeline) | ast::AndOr::Or(pipeline) => {
                        self.pipeline(pipeline, state, depth)
                    }
                }
            }
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, state: &mut State, depth: usize) {
        if pipeline.seq.len() == 1 {
            return self.command(&pipeline.seq[0], state, depth);
        }
        // Each part of a pipe runs in a subshell of its own.
        for command in &pipeline.seq {
            let mut inner = state.clone();
            self.command(command, &mut inner, depth);
        }
    }

    fn command(&mut self, command: &Command, state: &mut State, depth: usize) {
        self.commands += 1;
        if self.commands > MAX_COMMANDS {
            if self.commands == MAX_COMMANDS + 1 {
                self.ask("more commands in one line than the hook reads");
            }
            return;
        }
        match command {
            Command::Simple(simple) => self.simple(simple, state, depth),
            Command::Compound(compound, redirects) => {
                if let Some(list) = redirects {
                    for redirect in &list.0 {
                        self.redirect(redirect, state, depth);
                    }
                }
                self.compound(compound, state, depth)
            }
            Command::Function(function) => self.ask(format!(
                "it defines the shell function `{}`, which the hook does not follow",
                function.fname.value
            )),
            Command::ExtendedTest(test, _) => {
                let text = format!("{test:?}");
                if text.contains("$(") || text.contains('`') {
                    self.ask("a `[[ … ]]` test runs a command substitution");
                }
            }
        }
    }

    fn compound(&mut self, compound: &CompoundCommand, state: &mut State, depth: usize) {
        match compound {
            CompoundCommand::BraceGroup(group) => self.compound_list(&group.list, state, depth),
            CompoundCommand::Subshell(subshell) => {
                let mut inner = state.clone();
                self.compound_list(&subshell.list, &mut inner, depth)
            }
            CompoundCommand::IfClause(clause) => {
                self.compound_list(&clause.condition, state, depth);
                self.compound_list(&clause.then, state, depth);
                for other in clause.elses.iter().flatten() {
                    if let Some(condition) = &other.condition {
                        self.compound_list(condition, state, depth);
                    }
                    self.compound_list(&other.body, state, depth);
                }
            }
            CompoundCommand::WhileClause(clause) | CompoundCommand::UntilClause(clause) => {
                self.compound_list(&clause.0, state, depth);
                self.compound_list(&clause.1.list, state, depth);
            }
            CompoundCommand::ForClause(clause) => {
                for value in clause.values.iter().flatten() {
                    self.word(&value.value, state, depth);
                }
                state
                    .vars
                    .insert(clause.variable_name.clone(), Value::Unknown);
                self.compound_list(&clause.body.list, state, depth);
            }
            CompoundCommand::CaseClause(clause) => {
                self.word(&clause.value.value, state, depth);
                for case in &clause.cases {
                    if let Some(list) = &case.cmd {
                        self.compound_list(list, state, depth);
                    }
                }
            }
            CompoundCommand::Arithmetic(arithmetic) => {
                if arithmetic.expr.value.contains("$(") || arithmetic.expr.value.contains('`') {
                    self.ask("an arithmetic expression runs a command substitution");
                }
            }
            CompoundCommand::ArithmeticForClause(clause) => {
                self.ask("an arithmetic `for` loop, which the hook does not follow");
                self.compound_list(&clause.body.list, state, depth);
            }
            CompoundCommand::Coprocess(_) => {
                self.ask("a coprocess, which the hook does not follow")
            }
        }
    }

    fn redirect(&mut self, redirect: &ast::IoRedirect, state: &mut State, depth: usize) -> bool {
        use ast::{IoFileRedirectKind as K, IoFileRedirectTarget as T, IoRedirect as R};
        match redirect {
            R::File(_, kind, target) => match target {
                T::Filename(word) => {
                    self.word(&word.value, state, depth);
                    let harmless = matches!(
                        word.value.as_str(),
                        "/dev/null" | "/dev/stdout" | "/dev/stderr"
                    );
                    matches!(kind, K::Write | K::Append | K::Clobber | K::ReadAndWrite) && !harmless
                }
                T::ProcessSubstitution(_, subshell) => {
                    let mut inner = state.clone();
                    self.compound_list(&subshell.list, &mut inner, depth + 1);
                    false
                }
                T::Fd(_) | T::Duplicate(_) => false,
            },
            R::HereDocument(_, here) => {
                if here.requires_expansion {
                    match word::parse_heredoc(
                        &here.doc.value,
                        &brush_parser::ParserOptions::default(),
                    ) {
                        Ok(pieces) => {
                            let pieces: Vec<_> = pieces.into_iter().map(|p| p.piece).collect();
                            self.resolve_pieces(&pieces, state, depth, false);
                        }
                        Err(_) => self.ask("a here-document the hook cannot read"),
                    }
                }
                false
            }
            R::HereString(_, word) => {
                self.word(&word.value, state, depth);
                false
            }
            R::OutputAndError(word, _) => {
                self.word(&word.value, state, depth);
                word.value != "/dev/null"
            }
        }
    }

    /// Resolves a word as the shell would, following its command
    /// substitutions; `None` when only the shell can compute it.
    fn word(&mut self, raw: &str, state: &State, depth: usize) -> Option<String> {
        match word::parse(raw, &brush_parser::ParserOptions::default()) {
            Ok(pieces) => {
                let pieces: Vec<_> = pieces.into_iter().map(|p| p.piece).collect();
                self.resolve_pieces(&pieces, state, depth, false)
            }
            Err(_) => {
                if raw.contains("$(") || raw.contains('`') {
                    self.ask("a word with a command substitution the hook cannot read");
                }
                None
            }
        }
    }

    fn resolve_pieces(
        &mut self,
        pieces: &[WordPiece],
        state: &State,
        depth: usize,
        quoted: bool,
    ) -> Option<String> {
        let mut text = Some(String::new());
        let push = |text: &mut Option<String>, part: Option<&str>| match (text.as_mut(), part) {
            (Some(current), Some(part)) => current.push_str(part),
            _ => *text = None,
        };
        for piece in pieces {
            match piece {
                WordPiece::Text(part) => {
                    // Globs, brace expansion and extglobs: only the shell knows.
                    let special = !quoted
                        && (part.contains(['*', '?'])
                            || (part.contains('{') && part.contains('}'))
                            || (part.contains('[') && part.contains(']'))
                            || part.contains('('));
                    push(&mut text, (!special).then_some(part.as_str()));
                }
                WordPiece::SingleQuotedText(part) => push(&mut text, Some(part)),
                WordPiece::AnsiCQuotedText(part) => {
                    push(&mut text, (!part.contains('\\')).then_some(part.as_str()))
                }
                WordPiece::EscapeSequence(escape) => {
                    let escaped: String = escape.chars().skip(1).collect();
                    if escaped == "\n" {
                        continue;
                    }
                    if quoted && !matches!(escaped.as_str(), "$" | "`" | "\"" | "\\") {
                        push(&mut text, Some(escape));
                    } else {
                        push(&mut text, Some(&escaped));
                    }
                }
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    let inner: Vec<_> = inner.iter().map(|p| p.piece.clone()).collect();
                    let part = self.resolve_pieces(&inner, state, depth, true);
                    push(&mut text, part.as_deref());
                }
                WordPiece::TildeExpansion(TildeExpr::Home) => {
                    let home = (self.base_env)("HOME");
                    push(&mut text, home.as_deref());
                }
                WordPiece::TildeExpansion(_) => push(&mut text, None),
                WordPiece::ParameterExpansion(ParameterExpr::Parameter {
                    parameter: Parameter::Named(name),
                    indirect: false,
                }) => {
                    let value = match state.vars.get(name) {
                        Some(Value::Known(value)) => Some(value.clone()),
                        Some(Value::Unknown) => None,
                        None if name == "HOME" => (self.base_env)("HOME"),
                        None if name == "PWD" => {
                            state.cwd.as_ref().map(|cwd| cwd.display().to_string())
                        }
                        None => None,
                    };
                    push(&mut text, value.as_deref());
                }
                WordPiece::ParameterExpansion(expression) => {
                    let debug = format!("{expression:?}");
                    if debug.contains("$(") || debug.contains('`') {
                        self.ask("a parameter expansion runs a command substitution");
                    }
                    push(&mut text, None);
                }
                WordPiece::CommandSubstitution(inner)
                | WordPiece::BackquotedCommandSubstitution(inner) => {
                    let mut sub = state.clone();
                    self.script(inner, &mut sub, depth + 1);
                    push(&mut text, None);
                }
                WordPiece::ArithmeticExpression(expression) => {
                    if expression.value.contains("$(") || expression.value.contains('`') {
                        self.ask("an arithmetic expansion runs a command substitution");
                    }
                    push(&mut text, None);
                }
            }
        }
        text
    }

    /// The value of an assignment word, `None` when the shell computes it.
    fn assignment(
        &mut self,
        assignment: &ast::Assignment,
        state: &State,
        depth: usize,
    ) -> (String, Value) {
        let name = match &assignment.name {
            ast::AssignmentName::VariableName(name) => name.clone(),
            ast::AssignmentName::ArrayElementName(name, _) => name.clone(),
        };
        let value = match &assignment.value {
            ast::AssignmentValue::Scalar(word) if !assignment.append => {
                match self.word(&word.value, state, depth) {
                    Some(value) => Value::Known(value),
                    None => Value::Unknown,
                }
            }
            ast::AssignmentValue::Scalar(word) => {
                self.word(&word.value, state, depth);
                Value::Unknown
            }
            ast::AssignmentValue::Array(items) => {
                for (key, value) in items {
                    if let Some(key) = key {
                        self.word(&key.value, state, depth);
                    }
                    self.word(&value.value, state, depth);
                }
                Value::Unknown
            }
        };
        (name, value)
    }

    fn simple(&mut self, simple: &ast::SimpleCommand, state: &mut State, depth: usize) {
        let mut assignments = Vec::new();
        let mut raw_words: Vec<&str> = Vec::new();
        let mut writes = false;
        let items = simple
            .prefix
            .iter()
            .flat_map(|prefix| prefix.0.iter())
            .map(|item| (item, true))
            .chain(
                simple
                    .suffix
                    .iter()
                    .flat_map(|suffix| suffix.0.iter())
                    .map(|item| (item, false)),
            );
        let mut name_done = false;
        let mut all: Vec<(&Item, bool)> = items.collect();
        // The command name sits between the prefix and the suffix.
        let split = all
            .iter()
            .position(|(_, prefix)| !prefix)
            .unwrap_or(all.len());
        let suffix = all.split_off(split);
        for (item, _) in &all {
            match item {
                Item::AssignmentWord(assignment, _) => {
                    assignments.push(self.assignment(assignment, state, depth))
                }
                Item::IoRedirect(redirect) => writes |= self.redirect(redirect, state, depth),
                Item::Word(word) => raw_words.push(&word.value),
                Item::ProcessSubstitution(_, subshell) => {
                    let mut inner = state.clone();
                    self.compound_list(&subshell.list, &mut inner, depth + 1);
                }
            }
        }
        if let Some(name) = &simple.word_or_name {
            raw_words.push(&name.value);
            name_done = true;
        }
        for (item, _) in &suffix {
            match item {
                // `export X=1` arrives as an assignment word in the suffix.
                Item::AssignmentWord(_, word) | Item::Word(word) => raw_words.push(&word.value),
                Item::IoRedirect(redirect) => writes |= self.redirect(redirect, state, depth),
                Item::ProcessSubstitution(_, subshell) => {
                    let mut inner = state.clone();
                    self.compound_list(&subshell.list, &mut inner, depth + 1);
                }
            }
        }
        let _ = name_done;
        let words: Vec<Option<String>> = raw_words
            .iter()
            .map(|raw| self.word(raw, state, depth))
            .collect();
        for (name, _) in &assignments {
            if DANGEROUS_VARIABLES.contains(&name.as_str()) || name.starts_with("GIT_") {
                self.ask(format!("it sets {name}, which changes what programs run"));
            }
        }
        if words.is_empty() {
            // `X=1`: a shell variable (and the environment, when exported).
            for (name, value) in assignments {
                if state.exported.contains_key(&name) || (self.base_env)(&name).is_some() {
                    state.exported.insert(name.clone(), Some(value.clone()));
                }
                state.vars.insert(name, value);
            }
            if writes {
                self.out.changes.push("a redirection to a file".to_owned());
            }
            return;
        }
        let mut env: BTreeMap<String, Option<Value>> = state.exported.clone();
        for (name, value) in assignments {
            env.insert(name, Some(value));
        }
        let mut context = Context {
            env,
            clear: false,
            cwd: state.cwd.clone(),
            guard: None,
        };
        let text = shown(
            &words
                .iter()
                .zip(&raw_words)
                .map(|(word, raw)| word.clone().unwrap_or_else(|| (*raw).to_owned()))
                .collect::<Vec<_>>(),
        );
        if writes {
            self.out.changes.push(format!("`{text}` (writes a file)"));
        }
        self.program(&words, &mut context, state, depth, &text);
    }
}

/// What the wrappers before a program change for it.
struct Context {
    env: BTreeMap<String, Option<Value>>,
    clear: bool,
    cwd: Option<PathBuf>,
    guard: Option<String>,
}

fn literal(words: &[Option<String>]) -> Option<Vec<String>> {
    words.iter().cloned().collect()
}

impl Analyser<'_> {
    fn program(
        &mut self,
        words: &[Option<String>],
        context: &mut Context,
        state: &mut State,
        depth: usize,
        text: &str,
    ) {
        let Some(first) = words.first() else {
            return;
        };
        let Some(program) = first.clone() else {
            return self.ask(format!(
                "`{text}`: the command name is computed by the shell (a variable, a substitution or a glob)"
            ));
        };
        let name = program.rsplit('/').next().unwrap_or(&program).to_owned();
        let rest = &words[1..];
        match name.as_str() {
            "env" => self.env(rest, context, state, depth, text),
            "command" | "builtin" | "nohup" | "setsid" => {
                let skip = rest
                    .iter()
                    .take_while(|word| word.as_deref() == Some("-p") || word.as_deref() == Some("--"))
                    .count();
                if rest
                    .first()
                    .is_some_and(|word| matches!(word.as_deref(), Some("-v" | "-V")))
                {
                    return;
                }
                if rest.len() == skip {
                    return;
                }
                self.program(&rest[skip..], context, state, depth, text)
            }
            "exec" => {
                let mut index = 0;
                while let Some(Some(word)) = rest.get(index) {
                    match word.as_str() {
                        "-c" | "-l" | "-cl" | "-lc" => index += 1,
                        "-a" => index += 2,
                        "--" => {
                            index += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                if index >= rest.len() {
                    return;
                }
                self.program(&rest[index..], context, state, depth, text)
            }
            "time" => {
                let skip = rest
                    .iter()
                    .take_while(|word| matches!(word.as_deref(), Some("-p" | "--")))
                    .count();
                self.program(&rest[skip..], context, state, depth, text)
            }
            "nice" => {
                let mut index = 0;
                while let Some(Some(word)) = rest.get(index) {
                    if word == "-n" || word == "--adjustment" {
                        index += 2;
                    } else if word.starts_with('-') && word != "--" {
                        index += 1;
                    } else {
                        if word == "--" {
                            index += 1;
                        }
                        break;
                    }
                }
                self.program(rest.get(index..).unwrap_or(&[]), context, state, depth, text)
            }
            "timeout" => {
                let mut index = 0;
                while let Some(Some(word)) = rest.get(index) {
                    if matches!(word.as_str(), "-s" | "--signal" | "-k" | "--kill-after") {
                        index += 2;
                    } else if word == "--" {
                        index += 1;
                        break;
                    } else if word.starts_with('-') {
                        index += 1;
                    } else {
                        break;
                    }
                }
                // The duration, then the program.
                self.program(rest.get(index + 1..).unwrap_or(&[]), context, state, depth, text)
            }
            "cd" | "pushd" => {
                let target: Vec<&Option<String>> = rest
                    .iter()
                    .filter(|word| !word.as_deref().is_some_and(|w| w.starts_with('-')))
                    .collect();
                state.cwd = match (target.first(), &state.cwd) {
                    (None, _) => (self.base_env)("HOME").map(PathBuf::from),
                    (Some(Some(dir)), Some(cwd))
                        if (self.base_env)("CDPATH").is_none() || dir.starts_with(['/', '.']) =>
                    {
                        Some(cwd.join(dir))
                    }
                    _ => None,
                };
            }
            "popd" => state.cwd = None,
            "export" => {
                for word in rest {
                    let Some(word) = word else {
                        self.ask(format!("`{text}`: an export the hook cannot read"));
                        continue;
                    };
                    if word.starts_with('-') {
                        if word != "-p" {
                            self.ask(format!("`{text}`: `export {word}`"));
                        }
                        continue;
                    }
                    let (name, value) = match word.split_once('=') {
                        Some((name, value)) => (name.to_owned(), Value::Known(value.to_owned())),
                        None => (
                            word.clone(),
                            state.vars.get(word).cloned().unwrap_or(Value::Unknown),
                        ),
                    };
                    if DANGEROUS_VARIABLES.contains(&name.as_str()) || name.starts_with("GIT_") {
                        self.ask(format!("it exports {name}, which changes what programs run"));
                    }
                    state.vars.insert(name.clone(), value.clone());
                    state.exported.insert(name, Some(value));
                }
            }
            "unset" => {
                for word in rest.iter().flatten().filter(|word| !word.starts_with('-')) {
                    state.vars.remove(word);
                    state.exported.insert(word.clone(), None);
                }
            }
            "terraform" | "tofu" => self.terraform(&program, rest, context, state, text),
            "terragrunt" => {
                let args = literal(rest).unwrap_or_default();
                if !args.iter().any(|arg| matches!(arg.as_str(), "--version" | "-version" | "--help" | "-help")) {
                    self.ask(format!(
                        "`{text}`: terragrunt runs terraform through its own configuration and hooks, which the hook cannot reproduce"
                    ));
                }
            }
            "blastwall" => self.blastwall(&program, rest, context, state, depth, text),
            "git" => self.git(rest, text),
            "find" => {
                if rest.iter().any(|word| {
                    matches!(word.as_deref(), Some("-exec" | "-execdir" | "-ok" | "-okdir") | None)
                }) {
                    self.ask(format!("`{text}`: find runs a command"));
                } else if rest
                    .iter()
                    .flatten()
                    .any(|word| word == "-delete" || word.starts_with("-fprint"))
                {
                    self.out.changes.push(format!("`{text}`"));
                }
            }
            "eval" | "source" | "." => {
                self.ask(format!("`{text}`: `{name}` runs text the hook cannot see"))
            }
            _ if SHELLS.contains(&name.as_str()) => self.shell(&name, rest, context, state, depth, text),
            _ if READ_ONLY.contains(&name.as_str()) && !program.contains('/') => {}
            _ if FILE_CHANGES.contains(&name.as_str()) && !program.contains('/') => {
                self.out.changes.push(format!("`{text}`"));
            }
            _ => self.ask(format!(
                "`{text}`: `{name}` is not a command the hook knows cannot run terraform (a script, an interpreter, a build tool)"
            )),
        }
    }

    fn env(
        &mut self,
        rest: &[Option<String>],
        context: &mut Context,
        state: &mut State,
        depth: usize,
        text: &str,
    ) {
        let mut index = 0;
        while let Some(word) = rest.get(index) {
            let Some(word) = word else {
                return self.ask(format!("`{text}`: env with an argument the shell computes"));
            };
            if word == "-i" || word == "-" || word == "--ignore-environment" {
                context.clear = true;
                context.env.clear();
                index += 1;
            } else if word == "-u" || word == "--unset" {
                match rest.get(index + 1) {
                    Some(Some(name)) => {
                        context.env.insert(name.clone(), None);
                    }
                    _ => return self.ask(format!("`{text}`: env -u without a name")),
                }
                index += 2;
            } else if let Some(name) = word
                .strip_prefix("--unset=")
                .or_else(|| word.strip_prefix("-u").filter(|name| !name.is_empty()))
            {
                context.env.insert(name.to_owned(), None);
                index += 1;
            } else if word == "-C" || word == "--chdir" {
                match (rest.get(index + 1), &context.cwd) {
                    (Some(Some(dir)), Some(cwd)) => context.cwd = Some(cwd.join(dir)),
                    _ => context.cwd = None,
                }
                index += 2;
            } else if word == "-0" || word == "--null" || word == "-v" || word == "--debug" {
                index += 1;
            } else if word == "--" {
                index += 1;
                break;
            } else if word.starts_with('-') {
                return self.ask(format!(
                    "`{text}`: `env {word}` is not an option the hook follows"
                ));
            } else if let Some((name, value)) = word.split_once('=') {
                if DANGEROUS_VARIABLES.contains(&name) || name.starts_with("GIT_") {
                    self.ask(format!("it sets {name}, which changes what programs run"));
                }
                context
                    .env
                    .insert(name.to_owned(), Some(Value::Known(value.to_owned())));
                index += 1;
            } else {
                break;
            }
        }
        if index >= rest.len() {
            return; // `env` alone prints the environment
        }
        self.program(&rest[index..], context, state, depth, text)
    }

    fn shell(
        &mut self,
        name: &str,
        rest: &[Option<String>],
        context: &mut Context,
        state: &mut State,
        depth: usize,
        text: &str,
    ) {
        let Some(args) = literal(rest) else {
            return self.ask(format!(
                "`{text}`: a shell whose arguments the shell computes"
            ));
        };
        let mut index = 0;
        let mut command_string = false;
        while let Some(arg) = args.get(index) {
            if arg == "--" {
                index += 1;
                break;
            }
            if arg == "-o" || arg == "+o" || arg == "-O" || arg == "+O" {
                index += 2;
                continue;
            }
            if arg.starts_with("--") {
                if matches!(arg.as_str(), "--rcfile" | "--init-file") {
                    return self.ask(format!("`{text}`: a shell reading a start-up file"));
                }
                index += 1;
                continue;
            }
            if (arg.starts_with('-') || arg.starts_with('+')) && arg.len() > 1 {
                if arg.contains('c') {
                    command_string = true;
                }
                if arg.contains('s') || arg.contains('i') {
                    return self.ask(format!("`{text}`: {name} reads commands from its input"));
                }
                index += 1;
                continue;
            }
            break;
        }
        if !command_string {
            return self.ask(format!(
                "`{text}`: {name} runs a script or reads commands from its input, which the hook cannot see"
            ));
        }
        let Some(script) = args.get(index) else {
            return self.ask(format!("`{text}`: {name} -c without a command"));
        };
        if name == "busybox" {
            return self.ask(format!("`{text}`: busybox"));
        }
        // A new shell: it sees exported variables only, and the wrappers' changes.
        let mut inner = State {
            cwd: context.cwd.clone(),
            vars: BTreeMap::new(),
            exported: context.env.clone(),
            plans: state.plans.clone(),
        };
        for (key, value) in &context.env {
            if let Some(value) = value {
                inner.vars.insert(key.clone(), value.clone());
            }
        }
        if context.clear {
            self.ask(format!(
                "`{text}`: a shell started with an empty environment"
            ));
        }
        if args.len() > index + 1 {
            // $0, $1…: positional parameters the script may use.
            inner.vars.insert("0".to_owned(), Value::Unknown);
        }
        if context.guard.is_some() {
            return self.ask(format!(
                "`{text}`: blastwall guard wraps something that is not terraform or tofu"
            ));
        }
        self.script(script, &mut inner, depth + 1);
    }

    fn blastwall(
        &mut self,
        program: &str,
        rest: &[Option<String>],
        context: &mut Context,
        state: &mut State,
        depth: usize,
        text: &str,
    ) {
        let Some(args) = literal(rest) else {
            return self.ask(format!(
                "`{text}`: blastwall with arguments the shell computes"
            ));
        };
        let subcommand = args.iter().find(|arg| !arg.starts_with('-'));
        if args
            .iter()
            .take_while(|arg| arg.starts_with('-'))
            .any(|arg| matches!(arg.as_str(), "--version" | "-V" | "--help" | "-h"))
        {
            return;
        }
        match subcommand.map(String::as_str) {
            Some("check" | "explain" | "rules" | "help") | None => {}
            Some("guard") => {
                let Some(separator) = args.iter().position(|arg| arg == "--") else {
                    return self.ask(format!("`{text}`: blastwall guard without `--`"));
                };
                let wrapped: Vec<Option<String>> =
                    args[separator + 1..].iter().cloned().map(Some).collect();
                let Some(Some(first)) = wrapped.first() else {
                    return self.ask(format!("`{text}`: blastwall guard without a command"));
                };
                let name = first.rsplit('/').next().unwrap_or(first);
                if name != "terraform" && name != "tofu" {
                    return self.ask(format!(
                        "`{text}`: blastwall guard wraps `{name}`, not terraform or tofu"
                    ));
                }
                context.guard = Some(program.to_owned());
                self.program(&wrapped, context, state, depth, text)
            }
            Some(other) => self.ask(format!(
                "`{text}`: `blastwall {other}` is for a person to run"
            )),
        }
    }

    fn git(&mut self, rest: &[Option<String>], text: &str) {
        let Some(args) = literal(rest) else {
            return self.ask(format!("`{text}`: git with arguments the shell computes"));
        };
        let mut index = 0;
        while let Some(arg) = args.get(index) {
            match arg.as_str() {
                "-C" => index += 2,
                "--no-pager" | "-P" => index += 1,
                _ if arg.starts_with('-') => {
                    return self.ask(format!("`{text}`: `git {arg}` can change what git runs"));
                }
                _ => break,
            }
        }
        match args.get(index).map(String::as_str) {
            Some(
                "status" | "diff" | "log" | "show" | "rev-parse" | "ls-files" | "blame"
                | "describe" | "shortlog" | "grep",
            )
            | None => {}
            Some(other) => self.ask(format!(
                "`{text}`: `git {other}` can run hooks or change the working tree"
            )),
        }
    }

    fn terraform(
        &mut self,
        program: &str,
        rest: &[Option<String>],
        context: &mut Context,
        state: &mut State,
        text: &str,
    ) {
        let Some(args) = literal(rest) else {
            // Read-only subcommands with computed arguments are still read-only.
            let first = rest.iter().flatten().find(|word| !word.starts_with('-'));
            if let Some(first) = first
                && rest.first().is_some_and(Option::is_some)
                && matches!(
                    first.as_str(),
                    "plan" | "show" | "validate" | "fmt" | "output"
                )
                && context.guard.is_none()
            {
                return;
            }
            return self.ask(format!(
                "`{text}`: terraform arguments computed by the shell (a variable, a substitution or a glob)"
            ));
        };
        let tool = if program.rsplit('/').next() == Some("tofu") {
            Tool::Tofu
        } else {
            Tool::Terraform
        };
        // The environment terraform would get.
        let mut env = Env {
            clear: context.clear,
            ..Env::default()
        };
        for (name, value) in &context.env {
            match value {
                Some(Value::Known(value)) => {
                    env.set.insert(name.clone(), value.clone());
                }
                Some(Value::Unknown) => {
                    return self.ask(format!(
                        "`{text}`: the value of {name} is computed by the shell"
                    ));
                }
                None => env.unset.push(name.clone()),
            }
        }
        let lookup = |name: &str| -> Option<String> {
            if env.unset.iter().any(|unset| unset == name) {
                return None;
            }
            env.set
                .get(name)
                .cloned()
                .or_else(|| (!env.clear).then(|| (self.base_env)(name)).flatten())
        };
        let unreadable = std::cell::RefCell::new(None);
        let inserted = |subcommand: &str| -> Vec<String> {
            let mut words = Vec::new();
            for name in [
                "TF_CLI_ARGS".to_owned(),
                format!("TF_CLI_ARGS_{subcommand}"),
            ] {
                if let Some(value) = lookup(&name) {
                    match split_words(&value) {
                        Some(split) => words.extend(split),
                        None => *unreadable.borrow_mut() = Some(name),
                    }
                }
            }
            words
        };
        let invocation = terraform::parse(&args, &inserted);
        if let Some(name) = unreadable.into_inner() {
            return self.ask(format!("`{text}`: {name} holds words the hook cannot read"));
        }
        let kind = invocation.kind();
        if context.guard.is_some() && kind != Kind::Change {
            return self.ask(format!(
                "`{text}`: blastwall guard wraps something that is not an apply or a destroy"
            ));
        }
        match kind {
            Kind::ReadOnly => {
                if invocation.subcommand.as_deref() == Some("plan")
                    && let Some(cwd) = &context.cwd
                    && let Some(out) = invocation.plan_output(cwd)
                {
                    state.plans.push((out, invocation));
                }
            }
            Kind::ChangesContext => self.out.changes.push(format!("`{text}`")),
            Kind::Ask(reason) => self.ask(format!("`{text}`: {reason}")),
            Kind::Change => {
                let Some(cwd) = context.cwd.clone() else {
                    return self.ask(format!(
                        "`{text}`: the directory it runs in depends on a `cd` the hook cannot follow"
                    ));
                };
                let planned_by = invocation.plan_file.as_ref().and_then(|file| {
                    let saved = invocation.workdir(&cwd).join(file);
                    state
                        .plans
                        .iter()
                        .rev()
                        .find(|(out, _)| *out == saved)
                        .map(|(_, plan)| plan.clone())
                });
                self.out.steps.push(Step::Check(Box::new(Run {
                    program: program.to_owned(),
                    tool,
                    invocation,
                    cwd,
                    env,
                    text: text.to_owned(),
                    planned_by,
                    guard: context.guard.clone(),
                })));
            }
        }
    }
}

/// Splits `TF_CLI_ARGS` into words as terraform does (shell quoting, no
/// expansion); `None` when it holds anything a shell would expand.
fn split_words(value: &str) -> Option<Vec<String>> {
    let program = brush_parser::Parser::new(
        std::io::BufReader::new(format!(": {value}").as_bytes()),
        &brush_parser::ParserOptions::default(),
    )
    .parse_program()
    .ok()?;
    let [complete] = program.complete_commands.as_slice() else {
        return None;
    };
    let [ast::CompoundListItem(and_or, _)] = complete.0.as_slice() else {
        return None;
    };
    let [Command::Simple(simple)] = and_or.first.seq.as_slice() else {
        return None;
    };
    if !and_or.additional.is_empty() || simple.prefix.is_some() {
        return None;
    }
    let mut analyser = Analyser {
        base_env: &|_| None,
        out: Analysis::default(),
        commands: 0,
    };
    let state = State {
        cwd: None,
        vars: BTreeMap::new(),
        exported: BTreeMap::new(),
        plans: Vec::new(),
    };
    let mut words = Vec::new();
    for item in simple.suffix.iter().flat_map(|suffix| suffix.0.iter()) {
        match item {
            Item::Word(word) | Item::AssignmentWord(_, word) => {
                words.push(analyser.word(&word.value, &state, MAX_DEPTH)?)
            }
            _ => return None,
        }
    }
    analyser.out.steps.is_empty().then_some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check`, `ask` or `allow` for a command line, as the analysis says.
    fn outcome(command: &str) -> &'static str {
        let env = |name: &str| match name {
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        };
        let analysis = analyse(command, Path::new("/w"), &env);
        if analysis
            .steps
            .iter()
            .any(|step| matches!(step, Step::Ask(_)))
        {
            "ask"
        } else if analysis.steps.is_empty() {
            "allow"
        } else {
            "check"
        }
    }

    #[test]
    fn every_way_to_run_terraform_is_found_or_asked() {
        let table = [
            ("ls -la", "allow"),
            ("git status && git diff && git log -3", "allow"),
            ("terraform plan -out=p.tfplan", "allow"),
            ("terraform init -input=false; tofu fmt -recursive", "allow"),
            ("grep -rn 'terraform apply' docs # terraform apply", "allow"),
            ("terraform apply -help", "allow"),
            ("blastwall check plan.json", "allow"),
            ("echo $(date)", "allow"),
            ("terraform apply -auto-approve", "check"),
            ("ter\"\"raform apply", "check"),
            ("terr\\aform apply", "check"),
            ("$'terraform' apply", "check"),
            ("nice -n 5 terraform apply", "check"),
            ("timeout -s KILL 600 terraform apply", "check"),
            ("env -u X terraform apply", "check"),
            ("env -u CLAUDECODE terraform apply -auto-approve", "check"),
            ("env VAR=x command exec nohup time terraform apply", "check"),
            ("/usr/bin/terraform apply", "check"),
            ("./terraform destroy", "check"),
            ("terraform -chdir=infra apply", "check"),
            ("bash -c 'terraform apply -auto-approve'", "check"),
            ("bash -ec 'terraform apply'", "check"),
            ("bash -c -- 'terraform apply'", "check"),
            (
                "sh -c \"zsh -c 'bash -c \\\"sh -c terraform\\\\ apply\\\"'\"",
                "check",
            ),
            ("cd infra && terraform apply", "check"),
            ("true || terraform apply; ls\nterraform destroy", "check"),
            ("(terraform apply)", "check"),
            ("echo yes | terraform apply", "check"),
            ("X=1 terraform apply", "check"),
            (
                "BLASTWALL_AUTHOR=human blastwall guard -- terraform apply -auto-approve",
                "check",
            ),
            ("echo \"$(terraform apply -auto-approve)\"", "check"),
            ("exec -a x terraform apply", "check"),
            (
                "blastwall guard -- bash -c 'terraform apply -auto-approve'",
                "ask",
            ),
            ("blastwall guard -- terraform state rm x", "ask"),
            ("blastwall approve plan.out --by alice", "ask"),
            ("sh -c \"$(cat cmd)\"", "ask"),
            ("eval terraform apply", "ask"),
            (
                "python -c 'import os; os.system(\"terraform apply\")'",
                "ask",
            ),
            ("make apply", "ask"),
            ("./deploy.sh", "ask"),
            ("ls | xargs terraform apply", "ask"),
            ("find . -exec terraform apply \\;", "ask"),
            ("git -c alias.x='!terraform apply' x", "ask"),
            ("script -qc 'terraform apply' /dev/null", "ask"),
            ("printf 'terraform apply' | sh", "ask"),
            ("bash <<< 'terraform apply'", "ask"),
            ("$(echo terraform) apply", "ask"),
            ("`echo terraform` apply", "ask"),
            ("terraform${IFS}destroy", "ask"),
            ("terrafor? apply", "ask"),
            ("{terraform,apply}", "ask"),
            ("T=terraform; $T apply", "check"),
            ("$T apply", "ask"),
            ("PATH=/evil:$PATH terraform apply", "ask"),
            ("export PATH=/evil && terraform apply", "ask"),
            ("terraform() { echo; }; terraform apply", "ask"),
            ("tf apply", "ask"),
            ("terraform apply $(cat plan-name)", "ask"),
            ("terraform apply -var region=$UNSET", "ask"),
            ("cd \"$UNSET\" && tofu destroy", "ask"),
            ("terraform state rm aws_db.x", "ask"),
            ("terraform import a b", "ask"),
            ("terraform taint x", "ask"),
            ("terraform force-unlock 1", "ask"),
            ("terraform workspace delete w", "ask"),
            ("terragrunt run-all apply", "ask"),
            ("sudo terraform apply", "ask"),
            ("awk 'BEGIN{system(\"terraform apply\")}'", "ask"),
            ("BASH_ENV=x.sh bash -c ls", "ask"),
            ("terraform apply -var-file=*.tfvars", "ask"),
        ];
        let mut wrong = Vec::new();
        for (command, expected) in table {
            let found = outcome(command);
            if found != expected {
                wrong.push(format!("{command:?}: {found}, expected {expected}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn quotes_are_removed_and_the_environment_followed() {
        let env = |name: &str| (name == "TF_CLI_ARGS").then(|| "-lock=false".to_owned());
        let analysis = analyse(
            "cd infra && TF_CLI_ARGS_apply=-destroy ter''raform -chdir=\"a b\" apply -auto-approve",
            Path::new("/w"),
            &env,
        );
        let [Step::Check(run)] = analysis.steps.as_slice() else {
            panic!("{analysis:?}");
        };
        assert_eq!(run.program, "terraform");
        assert_eq!(run.cwd, Path::new("/w/infra"));
        assert!(run.invocation.destroys());
        assert!(run.invocation.options.contains(&"-lock=false".to_owned()));
        assert_eq!(run.invocation.global, ["-chdir=a b"]);
    }

    #[test]
    fn hostile_input_does_not_crash() {
        let env = |_: &str| None;
        for command in [
            "eval ".repeat(1000),
            "(".repeat(100_000),
            format!("bash -c {}", "'bash -c ".repeat(50)),
            "$(".repeat(5000),
            "\u{0}\u{1b}[2J".to_owned(),
        ] {
            let _ = analyse(&command, Path::new("/w"), &env);
        }
    }
}
