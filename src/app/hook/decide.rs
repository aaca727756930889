//! From the analysis of a command to one decision: every apply/destroy is
//! planned as it would run, to a private temporary file, and checked
//! in-process with the agent profile, within the hook's time budget.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::command::{Analysis, Run, Step, Tool};
use super::config::HookConfig;
use super::protocol::Verdict;
use crate::cli::{CheckArgs, ColorChoice};
use crate::exit::Exit;
use crate::input::Source;

/// Longest report passed back to the agent.
const REPORT_LIMIT: usize = 8_000;

pub struct Decision {
    pub verdict: Verdict,
    pub reason: String,
    /// No decision could be made (an error): the caller blocks harder.
    pub failed: bool,
}

impl Decision {
    pub fn deny_error(reason: String) -> Self {
        Self {
            verdict: Verdict::Deny,
            reason,
            failed: true,
        }
    }
}

pub struct Budget {
    deadline: Instant,
}

impl Budget {
    pub fn new(total: Duration) -> Self {
        Self {
            deadline: Instant::now() + total,
        }
    }

    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// The binaries the hook trusts.
pub struct Binaries {
    pub terraform: Option<PathBuf>,
    pub tofu: Option<PathBuf>,
    pub blastwall: Option<PathBuf>,
    /// The hook's own PATH, for commands that name a program without a path.
    pub path: Option<std::ffi::OsString>,
}

impl Binaries {
    pub fn new(config: &HookConfig, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let path = env("PATH").map(std::ffi::OsString::from);
        let find = |configured: &Option<PathBuf>, name: &str| {
            configured.clone().or_else(|| {
                let cwd = std::env::current_dir().ok()?;
                which::which_in(name, path.as_ref(), cwd).ok()
            })
        };
        Self {
            terraform: find(&config.terraform, "terraform"),
            tofu: find(&config.tofu, "tofu"),
            blastwall: config
                .blastwall
                .clone()
                .or_else(|| std::env::current_exe().ok()),
            path,
        }
    }

    /// Whether `word`, run in `cwd`, is `trusted`: `Err` says why not.
    fn same(
        &self,
        word: &str,
        cwd: &Path,
        trusted: Option<&PathBuf>,
        what: &str,
    ) -> Result<PathBuf, String> {
        let Some(trusted) = trusted else {
            return Err(format!(
                "no {what} binary was found (set `{what} = \"/path\"` in the hook's configuration)"
            ));
        };
        let runs = if word.contains('/') {
            Some(cwd.join(word))
        } else {
            which::which_in(word, self.path.as_ref(), cwd).ok()
        };
        let canonical = |path: &Path| std::fs::canonicalize(path).ok();
        match runs {
            Some(runs) if canonical(&runs).is_some() && canonical(&runs) == canonical(trusted) => {
                Ok(trusted.clone())
            }
            Some(runs) => Err(format!(
                "`{word}` would run {}, not the {what} the hook trusts ({})",
                runs.display(),
                trusted.display()
            )),
            None => Err(format!(
                "`{word}` is not found where the command would look"
            )),
        }
    }
}

/// The decision for a whole command line.
pub fn decide(
    analysis: &Analysis,
    binaries: &Binaries,
    budget: &Budget,
    base_env: &dyn Fn(&str) -> Option<String>,
) -> Decision {
    let mut asks = Vec::new();
    let mut passes = Vec::new();
    for step in &analysis.steps {
        match step {
            Step::Ask(reason) => asks.push(reason.clone()),
            Step::Check(run) => match check(run, binaries, budget, base_env) {
                Outcome::Pass(report) => passes.push(report),
                Outcome::Ask(reason) => asks.push(reason),
                Outcome::Deny(reason) => {
                    return Decision {
                        verdict: Verdict::Deny,
                        reason,
                        failed: false,
                    };
                }
                Outcome::Error(reason) => {
                    return Decision::deny_error(format!(
                        "blastwall: `{}` was not run: {reason}. Nothing was applied; the hook denies what it cannot check.",
                        run.text
                    ));
                }
            },
        }
    }
    if !passes.is_empty() && !analysis.changes.is_empty() {
        asks.push(format!(
            "the same command line also runs {}, which can change what is applied after blastwall checked it; run those first, then the apply on its own",
            analysis.changes.join(", ")
        ));
    }
    if !asks.is_empty() {
        let mut reason = format!(
            "blastwall: a person should decide whether to run this command. The hook cannot tell what it would apply: {}.",
            asks.join("; ")
        );
        for report in &passes {
            reason.push('\n');
            reason.push_str(report);
        }
        reason.push_str("\nTo apply infrastructure changes, run `blastwall guard -- terraform apply …` as a command of its own, with literal arguments.");
        return Decision {
            verdict: Verdict::Ask,
            reason,
            failed: false,
        };
    }
    Decision {
        verdict: Verdict::Allow,
        reason: passes.join("\n\n"),
        failed: false,
    }
}

enum Outcome {
    Pass(String),
    Ask(String),
    Deny(String),
    Error(String),
}

fn bounded(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > REPORT_LIMIT {
        let cut: String = text.chars().take(REPORT_LIMIT).collect();
        format!("{cut}\n… (report cut; run `blastwall check` for all of it)")
    } else {
        text.to_owned()
    }
}

fn check(
    run: &Run,
    binaries: &Binaries,
    budget: &Budget,
    base_env: &dyn Fn(&str) -> Option<String>,
) -> Outcome {
    let trusted = match run.tool {
        Tool::Terraform => binaries.terraform.as_ref(),
        Tool::Tofu => binaries.tofu.as_ref(),
    };
    if let Some(guard) = &run.guard
        && let Err(why) = binaries.same(guard, &run.cwd, binaries.blastwall.as_ref(), "blastwall")
    {
        return Outcome::Ask(format!("`{}`: {why}", run.text));
    }
    let binary = match binaries.same(&run.program, &run.cwd, trusted, run.tool.name()) {
        Ok(binary) => binary,
        Err(why) if trusted.is_none() => return Outcome::Error(why),
        Err(why) => return Outcome::Ask(format!("`{}`: {why}", run.text)),
    };
    let temporary = match tempfile::Builder::new().prefix("blastwall-hook-").tempdir() {
        Ok(dir) => dir,
        Err(error) => return Outcome::Error(format!("no private temporary directory: {error}")),
    };
    let source = run.planned_by.as_ref().unwrap_or(&run.invocation);
    let (plan, what) = match (&run.invocation.plan_file, &run.planned_by) {
        (Some(file), None) => (
            run.invocation.workdir(&run.cwd).join(file),
            format!("the saved plan {file}"),
        ),
        (_, planned_by) => {
            let plan = temporary.path().join("plan.tfplan");
            let lock = (budget.left().as_secs() / 3).clamp(1, 30);
            let args = source.plan_args(&plan, lock);
            if let Err(error) = run_tool(&binary, &args, run, budget, base_env) {
                return Outcome::Error(format!(
                    "`{} {}` failed, so there is no plan to check: {}",
                    run.tool.name(),
                    args[..args.len() - 1].join(" "),
                    bounded(&error)
                ));
            }
            let what = if planned_by.is_some() {
                "the plan the earlier `plan -out` would write".to_owned()
            } else {
                "the plan it would apply".to_owned()
            };
            (plan, what)
        }
    };
    if !plan.is_file() {
        return Outcome::Error(format!("{} does not exist", plan.display()));
    }
    let mut show = source.global.clone();
    show.extend([
        "show".to_owned(),
        "-json".to_owned(),
        plan.display().to_string(),
    ]);
    let json = match run_tool(&binary, &show, run, budget, base_env) {
        Ok(json) => json,
        Err(error) => {
            return Outcome::Error(format!(
                "`{} show -json` failed: {}",
                run.tool.name(),
                bounded(&error)
            ));
        }
    };
    let json_path = temporary.path().join("plan.json");
    if let Err(error) = std::fs::write(&json_path, json) {
        return Outcome::Error(format!("cannot write {}: {error}", json_path.display()));
    }
    let config = run.cwd.join(crate::policy::config::FILE_NAME);
    let args = CheckArgs {
        paths: Vec::new(),
        format: None,
        terraform_bin: Some(binary.clone()),
        color: ColorChoice::Never,
        rules: Vec::new(),
        author: crate::cli::AuthorArg::Agent,
        profile: None,
        config: config.is_file().then_some(config),
        approvals: Vec::new(),
        fail_on: None,
        exit_zero: false,
        write: Vec::new(),
        max_length: 65_536,
        quiet: false,
    };
    let report = crate::app::CheckOptions::from_args(&args).and_then(|options| {
        let report = crate::app::check(&[Source::Path(json_path.clone())], &options)?;
        Ok((options.gate.exit(report.decision.verdict), report))
    });
    let (exit, report) = match report {
        Ok(found) => found,
        Err(error) => {
            return Outcome::Error(format!(
                "the check failed: {}",
                crate::util::escape::for_terminal(&format!("{error}"))
            ));
        }
    };
    let mut text = Vec::new();
    if let Err(error) = crate::render::agent::render(&report, &mut text) {
        return Outcome::Error(format!("cannot render the report: {error}"));
    }
    let text = bounded(&String::from_utf8_lossy(&text));
    let guard = format!(
        "blastwall guard -- {}",
        run.text.trim_start_matches("blastwall guard -- ")
    );
    match exit {
        Exit::Pass => Outcome::Pass(
            if run.invocation.plan_file.is_some() && run.planned_by.is_none() {
                format!(
                    "blastwall checked {what} of `{}`: it may be applied.\n{text}",
                    run.text
                )
            } else {
                format!(
                    "blastwall planned `{}` and checked {what}: it may be applied. Terraform plans again when the command runs, so what it applies can differ from what was checked; to apply exactly the checked plan, run `{guard}` instead.\n{text}",
                    run.text
                )
            },
        ),
        _ => Outcome::Deny(format!(
            "blastwall blocked `{}` (in {}): {what} did not pass the check with the agent profile. Nothing was applied.\n{text}\nWhat to do: change the configuration so that the plan passes (the findings above say what is wrong), or stop and ask a person to review it. Once a person has approved this exact plan with `blastwall approve`, apply it with `{guard}`. Do not try to get around this check.",
            run.text,
            run.cwd.display()
        )),
    }
}

/// Runs terraform/tofu as the command would (directory, environment, with
/// `TF_CLI_ARGS*` already folded into the arguments), within the budget.
fn run_tool(
    binary: &Path,
    args: &[String],
    run: &Run,
    budget: &Budget,
    base_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<u8>, String> {
    let _ = base_env;
    let mut command = Command::new(binary);
    command.args(args).current_dir(&run.cwd);
    if run.env.clear {
        command.env_clear();
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TF_CLI_ARGS") {
            command.env_remove(&name);
        }
    }
    for (name, value) in &run.env.set {
        if !name.starts_with("TF_CLI_ARGS") {
            command.env(name, value);
        }
    }
    for name in &run.env.unset {
        command.env_remove(name);
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
        .env("TF_IN_AUTOMATION", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if budget.left().is_zero() => {
                // The whole group: terraform and the provider plugins it started.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                return Err("it did not finish within the hook's time limit (`timeout_seconds` in the hook's configuration); a held state lock or a slow provider can cause this".to_owned());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(format!("waiting for it failed: {error}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else {
        let text =
            String::from_utf8_lossy(if stderr.is_empty() { &stdout } else { &stderr }).into_owned();
        Err(format!(
            "exit {}: {}",
            status.code().map_or("signal".to_owned(), |c| c.to_string()),
            crate::util::escape::for_terminal(&text)
        ))
    }
}
