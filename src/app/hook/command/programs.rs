//! The programs a simple command runs, once the shell words are known: the
//! wrappers before it (`env`, `sudo`, `bash -c`…), and what terraform/tofu,
//! blastwall and git would do with their arguments.

use super::*;

/// What the wrappers before a program change for it.
pub(super) struct WrapperEffects {
    pub(super) env: BTreeMap<String, Option<Value>>,
    pub(super) clear: bool,
    pub(super) cwd: Option<PathBuf>,
    pub(super) guard: Option<String>,
}

pub(super) fn literal(words: &[Option<String>]) -> Option<Vec<String>> {
    words.iter().cloned().collect()
}

impl Analyser<'_> {
    pub(super) fn program(
        &mut self,
        words: &[Option<String>],
        context: &mut WrapperEffects,
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
        context: &mut WrapperEffects,
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
        context: &mut WrapperEffects,
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
        context: &mut WrapperEffects,
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
        context: &mut WrapperEffects,
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
        if context.guard.is_some() && kind != CommandClass::Change {
            return self.ask(format!(
                "`{text}`: blastwall guard wraps something that is not an apply or a destroy"
            ));
        }
        match kind {
            CommandClass::ReadOnly => {
                if invocation.subcommand.as_deref() == Some("plan")
                    && let Some(cwd) = &context.cwd
                    && let Some(out) = invocation.plan_output(cwd)
                {
                    state.plans.push((out, invocation));
                }
            }
            CommandClass::ChangesContext => self.out.changes.push(format!("`{text}`")),
            CommandClass::Ask(reason) => self.ask(format!("`{text}`: {reason}")),
            CommandClass::Change => {
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
pub(super) fn split_words(value: &str) -> Option<Vec<String>> {
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
