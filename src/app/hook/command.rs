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

use super::terraform::{self, CommandClass};

mod programs;

use programs::*;

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
        let mut context = WrapperEffects {
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

#[cfg(test)]
mod tests;
