//! A terraform/tofu command line as the hook sees it, after the shell's
//! work is done: which subcommand, where it runs, and the `plan` that
//! reproduces what an `apply`/`destroy` would do.

use std::path::{Path, PathBuf};

/// Options written either `-var=a=b` or `-var a=b`.
const VALUE_OPTIONS: &[&str] = &[
    "-var",
    "-var-file",
    "-target",
    "-replace",
    "-lock-timeout",
    "-parallelism",
    "-state",
    "-state-out",
    "-backup",
    "-out",
];

/// Options of `apply`/`plan` the hook's own `plan` drops: it writes its own
/// plan file, decides `-destroy` itself, bounds the lock wait and never
/// prompts.
const DROPPED: &[&str] = &[
    "-auto-approve",
    "-backup",
    "-state-out",
    "-out",
    "-destroy",
    "-lock-timeout",
    "-input",
    "-no-color",
    "-json",
    "-detailed-exitcode",
];

/// Subcommands that read or prepare, and cannot change infrastructure.
const READ_ONLY: &[&str] = &[
    "plan",
    "show",
    "validate",
    "fmt",
    "output",
    "version",
    "providers",
    "graph",
    "get",
    "console",
    "metadata",
    "modules",
];

/// What a terraform/tofu command is, for the hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandClass {
    /// Reads only (`plan`, `show`, `state list`, `-help`): allowed.
    ReadOnly,
    /// Allowed alone, but changes what a later apply in the same line
    /// would do (`init`, `workspace select`).
    ChangesContext,
    /// `apply` or `destroy`: planned and checked.
    Change,
    /// State surgery and everything the hook does not know: a person decides.
    Ask(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Global options before the subcommand (`-chdir=DIR`).
    pub global: Vec<String>,
    pub subcommand: Option<String>,
    /// Options and arguments after the subcommand, a saved plan excepted.
    pub options: Vec<String>,
    /// A saved plan given to `apply`.
    pub plan_file: Option<String>,
}

fn name_of(option: &str) -> &str {
    option.split('=').next().unwrap_or(option)
}

fn is_help(arg: &str) -> bool {
    matches!(
        arg,
        "-help" | "--help" | "-h" | "-version" | "--version" | "-v"
    )
}

/// Parses `ARGS` of `terraform ARGS`; `inserted` are the words of
/// `TF_CLI_ARGS` and `TF_CLI_ARGS_<subcommand>`, which terraform puts right
/// after the subcommand.
pub fn parse(args: &[String], inserted: &dyn Fn(&str) -> Vec<String>) -> Invocation {
    let position = args.iter().position(|arg| !arg.starts_with('-'));
    let (global, subcommand, rest) = match position {
        Some(index) => (
            args[..index].to_vec(),
            Some(args[index].clone()),
            args[index + 1..].to_vec(),
        ),
        None => (args.to_vec(), None, Vec::new()),
    };
    let mut words = subcommand.as_deref().map(inserted).unwrap_or_default();
    words.extend(rest);
    let mut options = Vec::new();
    let mut plan_file = None;
    let mut iter = words.into_iter();
    while let Some(arg) = iter.next() {
        if arg.starts_with('-') {
            let takes_value = !arg.contains('=') && VALUE_OPTIONS.contains(&arg.as_str());
            options.push(arg);
            if takes_value && let Some(value) = iter.next() {
                options.push(value);
            }
        } else if subcommand.as_deref() == Some("apply") && plan_file.is_none() {
            plan_file = Some(arg);
        } else {
            options.push(arg);
        }
    }
    Invocation {
        global,
        subcommand,
        options,
        plan_file,
    }
}

impl Invocation {
    pub fn kind(&self) -> CommandClass {
        if self
            .global
            .iter()
            .chain(&self.options)
            .any(|arg| is_help(arg))
        {
            return CommandClass::ReadOnly;
        }
        if let Some(bad) = self
            .global
            .iter()
            .find(|option| !option.starts_with("-chdir="))
        {
            return CommandClass::Ask(format!(
                "the global option `{bad}` is not one the hook can reproduce"
            ));
        }
        let Some(subcommand) = self.subcommand.as_deref() else {
            return CommandClass::ReadOnly;
        };
        let first = self
            .options
            .iter()
            .find(|option| !option.starts_with('-'))
            .map(String::as_str);
        match subcommand {
            "apply" | "destroy" => CommandClass::Change,
            _ if READ_ONLY.contains(&subcommand) => CommandClass::ReadOnly,
            "init" => CommandClass::ChangesContext,
            "state" => match first {
                Some("list" | "show" | "pull") => CommandClass::ReadOnly,
                Some(other) => CommandClass::Ask(format!(
                    "`state {other}` changes the state by hand (state surgery)"
                )),
                None => CommandClass::ReadOnly,
            },
            "workspace" => match first {
                Some("list" | "show") | None => CommandClass::ReadOnly,
                Some("select" | "new") => CommandClass::ChangesContext,
                Some(other) => CommandClass::Ask(format!("`workspace {other}` changes workspaces")),
            },
            "import" | "taint" | "untaint" | "force-unlock" | "refresh" => CommandClass::Ask(
                format!("`{subcommand}` changes the state without a plan blastwall can check"),
            ),
            "test" => CommandClass::Ask(
                "`test` applies and destroys real infrastructure without a plan to check"
                    .to_owned(),
            ),
            other => CommandClass::Ask(format!("`{other}` is not a subcommand the hook knows")),
        }
    }

    pub fn destroys(&self) -> bool {
        self.subcommand.as_deref() == Some("destroy")
            || self
                .options
                .iter()
                .any(|option| name_of(option) == "-destroy" && option != "-destroy=false")
    }

    /// The directory terraform works in: `-chdir` from `cwd` (the last one wins).
    pub fn workdir(&self, cwd: &Path) -> PathBuf {
        match self
            .global
            .iter()
            .rev()
            .find_map(|option| option.strip_prefix("-chdir="))
        {
            Some(dir) => cwd.join(dir),
            None => cwd.to_path_buf(),
        }
    }

    /// The `-out` of a `plan`, as terraform resolves it (from `-chdir`).
    pub fn plan_output(&self, cwd: &Path) -> Option<PathBuf> {
        let mut iter = self.options.iter();
        while let Some(option) = iter.next() {
            if let Some(file) = option.strip_prefix("-out=") {
                return Some(self.workdir(cwd).join(file));
            }
            if option == "-out" {
                return iter.next().map(|file| self.workdir(cwd).join(file));
            }
        }
        None
    }

    /// `plan` arguments reproducing this apply/destroy/plan, to `out`.
    pub fn plan_args(&self, out: &Path, lock_timeout_seconds: u64) -> Vec<String> {
        let mut args = self.global.clone();
        args.push("plan".to_owned());
        if self.destroys() {
            args.push("-destroy".to_owned());
        }
        let mut iter = self.options.iter();
        while let Some(option) = iter.next() {
            let name = name_of(option);
            let separate_value = !option.contains('=') && VALUE_OPTIONS.contains(&name);
            if DROPPED.contains(&name) {
                if separate_value {
                    iter.next();
                }
                continue;
            }
            args.push(option.clone());
            if separate_value && let Some(value) = iter.next() {
                args.push(value.clone());
            }
        }
        args.push("-input=false".to_owned());
        args.push("-no-color".to_owned());
        args.push(format!("-lock-timeout={lock_timeout_seconds}s"));
        args.push(format!("-out={}", out.display()));
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    fn none(_: &str) -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn apply_is_planned_with_its_options() {
        let invocation = parse(
            &words("-chdir=infra apply -auto-approve -var a=1 -lock-timeout=900s -lock=false"),
            &none,
        );
        assert_eq!(invocation.kind(), CommandClass::Change);
        assert_eq!(
            invocation.plan_args(Path::new("/t/p"), 20),
            words(
                "-chdir=infra plan -var a=1 -lock=false -input=false -no-color -lock-timeout=20s -out=/t/p"
            )
        );
    }

    #[test]
    fn tf_cli_args_are_part_of_the_command() {
        let inserted = |sub: &str| {
            if sub == "apply" {
                words("-destroy")
            } else {
                Vec::new()
            }
        };
        let invocation = parse(&words("apply -auto-approve"), &inserted);
        assert!(invocation.destroys());
        let with_file = parse(&words("apply"), &|_: &str| words("other.tfplan"));
        assert_eq!(with_file.plan_file.as_deref(), Some("other.tfplan"));
    }

    #[test]
    fn state_surgery_is_asked() {
        for command in [
            "state rm x",
            "state mv a b",
            "state push f",
            "import a b",
            "taint x",
            "untaint x",
            "force-unlock 1",
            "workspace delete w",
            "test",
        ] {
            assert!(
                matches!(parse(&words(command), &none).kind(), CommandClass::Ask(_)),
                "{command}"
            );
        }
        assert_eq!(
            parse(&words("state list"), &none).kind(),
            CommandClass::ReadOnly
        );
        assert_eq!(
            parse(&words("apply -help"), &none).kind(),
            CommandClass::ReadOnly
        );
    }
}
