//! The wrapped command as terraform will read it.

use std::path::{Path, PathBuf};

/// What the wrapped command asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `terraform`, `tofu` or a path to either.
    pub binary: String,
    /// Global options before the subcommand (`-chdir=DIR`).
    pub global: Vec<String>,
    pub subcommand: String,
    /// Options after the subcommand.
    pub options: Vec<String>,
    /// A saved plan given to `apply`.
    pub plan_file: Option<String>,
}

/// Options written either `-var=a=b` or `-var a=b`.
const VALUE_OPTIONS: &[&str] = &[
    "-var",
    "-var-file",
    "-target",
    "-replace",
    "-state",
    "-state-out",
    "-backup",
    "-lock-timeout",
    "-parallelism",
    "-out",
];

/// Options of `apply` that `plan` does not take.
const APPLY_ONLY: &[&str] = &["-auto-approve", "-backup", "-state-out"];
/// Options `apply PLANFILE` accepts (the plan fixes everything else).
const SAVED_PLAN_APPLY: &[&str] = &[
    "-no-color",
    "-lock",
    "-lock-timeout",
    "-parallelism",
    "-input",
    "-backup",
    "-state-out",
    "-compact-warnings",
    "-json",
];

pub fn parse(command: &[String]) -> Option<Invocation> {
    let (binary, rest) = command.split_first()?;
    let position = rest.iter().position(|arg| !arg.starts_with('-'))?;
    let global = rest[..position].to_vec();
    let subcommand = rest[position].clone();
    let mut options = Vec::new();
    let mut plan_file = None;
    let mut arguments = rest[position + 1..].iter();
    while let Some(arg) = arguments.next() {
        if arg.starts_with('-') {
            // `-var a=b` is the flag and its value, not a plan file named `a=b`.
            let takes_value = !arg.contains('=') && VALUE_OPTIONS.contains(&arg.as_str());
            options.push(arg.clone());
            if takes_value && let Some(value) = arguments.next() {
                options.push(value.clone());
            }
        } else if subcommand == "apply" && plan_file.is_none() {
            plan_file = Some(arg.clone());
        } else {
            options.push(arg.clone());
        }
    }
    Some(Invocation {
        binary: binary.clone(),
        global,
        subcommand,
        options,
        plan_file,
    })
}

fn name_of(option: &str) -> &str {
    option.split('=').next().unwrap_or(option)
}

/// The options whose name `keep` accepts, each with its separate value.
fn select(options: &[String], keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut selected = Vec::new();
    let mut index = 0;
    while index < options.len() {
        let option = &options[index];
        let with_value = option.starts_with('-')
            && !option.contains('=')
            && VALUE_OPTIONS.contains(&option.as_str());
        let width = if with_value && index + 1 < options.len() {
            2
        } else {
            1
        };
        if keep(name_of(option)) {
            selected.extend(options[index..index + width].iter().cloned());
        }
        index += width;
    }
    selected
}

impl Invocation {
    pub fn destroys_or_applies(&self) -> bool {
        matches!(self.subcommand.as_str(), "apply" | "destroy")
    }

    /// `-auto-approve` (or `-auto-approve=true`): terraform would not ask.
    pub fn auto_approve(&self) -> bool {
        self.options
            .iter()
            .any(|option| matches!(option.as_str(), "-auto-approve" | "-auto-approve=true"))
    }

    /// `-input=false`: terraform could not ask.
    pub fn input_disabled(&self) -> bool {
        self.options
            .iter()
            .any(|option| matches!(option.as_str(), "-input=false" | "-input=0"))
    }

    /// `-chdir=DIR`, if given.
    pub fn chdir(&self) -> Option<&str> {
        self.global
            .iter()
            .find_map(|option| option.strip_prefix("-chdir="))
    }

    pub fn working_dir(&self) -> PathBuf {
        self.global
            .iter()
            .find_map(|option| option.strip_prefix("-chdir="))
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    }

    /// `plan -out FILE` with the planning options of the original command.
    pub fn plan_command(&self, out: &Path) -> Vec<String> {
        let mut args = self.global.clone();
        args.push("plan".to_owned());
        if self.subcommand == "destroy" {
            args.push("-destroy".to_owned());
        }
        // The guard names the plan file; a second `-out` could divert it.
        args.extend(select(&self.options, |name| {
            !APPLY_ONLY.contains(&name) && name != "-out"
        }));
        args.push("-input=false".to_owned());
        args.push(format!("-out={}", out.display()));
        args
    }

    /// `apply FILE`: exactly the checked plan, nothing re-planned.
    pub fn apply_command(&self, plan: &Path) -> Vec<String> {
        let mut args = self.global.clone();
        args.push("apply".to_owned());
        args.extend(select(&self.options, |name| {
            SAVED_PLAN_APPLY.contains(&name)
        }));
        args.push(plan.display().to_string());
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn bare_apply_plans_with_its_options_and_applies_the_file() {
        let invocation = parse(&args(
            "terraform -chdir=infra apply -auto-approve -var=a=1 -lock=false",
        ))
        .unwrap();
        assert_eq!(invocation.subcommand, "apply");
        assert_eq!(invocation.plan_file, None);
        assert_eq!(
            invocation.plan_command(Path::new("p.tfplan")),
            args("-chdir=infra plan -var=a=1 -lock=false -input=false -out=p.tfplan")
        );
        assert_eq!(
            invocation.apply_command(Path::new("p.tfplan")),
            args("-chdir=infra apply -lock=false p.tfplan")
        );
    }

    #[test]
    fn separate_option_values_are_not_plan_files() {
        let invocation = parse(&args(
            "terraform apply -var v=x -target aws_s3_bucket.b -auto-approve",
        ))
        .unwrap();
        assert_eq!(invocation.plan_file, None);
        assert_eq!(
            invocation.plan_command(Path::new("p")),
            args("plan -var v=x -target aws_s3_bucket.b -input=false -out=p")
        );
        assert_eq!(invocation.apply_command(Path::new("p")), args("apply p"));
        let diverted = parse(&args("terraform apply -out=elsewhere -out other")).unwrap();
        assert_eq!(
            diverted.plan_command(Path::new("p")),
            args("plan -input=false -out=p")
        );
    }

    #[test]
    fn apply_of_a_saved_plan_and_destroy() {
        let saved = parse(&args("tofu apply -auto-approve plan.out")).unwrap();
        assert_eq!(saved.plan_file.as_deref(), Some("plan.out"));
        let destroy = parse(&args("terraform destroy -auto-approve")).unwrap();
        assert!(
            destroy
                .plan_command(Path::new("p"))
                .contains(&"-destroy".to_owned())
        );
        let apply_destroy = parse(&args("terraform apply -destroy")).unwrap();
        assert!(
            apply_destroy
                .plan_command(Path::new("p"))
                .contains(&"-destroy".to_owned())
        );
    }
}
