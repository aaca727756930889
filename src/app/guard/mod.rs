//! `blastwall guard -- terraform apply [ARGS…]`: the seatbelt in the path of
//! apply. It wraps only a terraform or tofu binary running `apply` or
//! `destroy`, makes (or takes) the saved plan, checks a private copy of its
//! bytes, and only on pass applies exactly that copy, after checking its
//! hash once more, forwarding terraform's output and exit code. Every
//! decision is recorded in the audit log first; what cannot be recorded is
//! not applied. `-auto-approve` never bypasses the check, and at a terminal
//! without it the guard asks as terraform would.

mod invocation;
pub mod user_config;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

pub use invocation::{Invocation, parse};

use crate::app::audit::{self, AuthorRecord, Entry};
use crate::app::error::RunError;
use crate::app::{CheckOptions, check, chosen_format, use_color};
use crate::cli::{CheckArgs, Format};
use crate::exit::Exit;
use crate::input::Source;
use crate::input::error::{InputError, InputErrors};
use crate::policy::authors::{Agents, AuthorChoice};
use crate::render;
use crate::report::Report;
use crate::util::escape::for_terminal;
use clap::ValueEnum;

/// The guard would not run the command: a one-line reason and what to do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("blastwall guard refused: {reason}")]
#[diagnostic(code(blastwall::guard::refused), help("{help}"))]
pub struct Refused {
    pub reason: String,
    pub help: String,
}

const APPROVE_HELP: &str = "an agent cannot loosen the gate; a person approves this exact plan with `blastwall approve PLAN`, then `blastwall guard -- terraform apply PLAN` applies it";

/// The variable of `rules/authors.toml` that says an AI agent runs this
/// process, if any is set (non-empty). Presence is a trusted signal; no
/// claim of "human" outranks it inside the guard.
pub fn agent_signal() -> Option<String> {
    let agents = Agents::builtin().ok()?;
    agents.agent.iter().find_map(|agent| {
        agent
            .env
            .iter()
            .find(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
            .map(|name| format!("{name} ({})", agent.name))
    })
}

/// Options of the guard that would loosen the gate, refused in an agent's run.
fn refuse_loosening(args: &CheckArgs, signal: &str) -> Result<(), Refused> {
    let human_claim = std::env::var("BLASTWALL_AUTHOR")
        .is_ok_and(|value| value.trim().eq_ignore_ascii_case("human"));
    let attempt = if args.terraform_bin.is_some() {
        Some("`--terraform-bin` (the binary that renders the plan the guard checks)")
    } else if AuthorChoice::from(args.author) == AuthorChoice::Human {
        Some("`--author human`")
    } else if human_claim {
        Some("`BLASTWALL_AUTHOR=human`")
    } else if args.profile.as_deref().is_some_and(|name| name != "agent") {
        Some("`--profile` other than agent")
    } else if args.config.is_some() {
        Some("`--config` (a configuration chosen on the command line)")
    } else {
        None
    };
    match attempt {
        Some(attempt) => Err(Refused {
            reason: format!("{attempt} in an agent's run ({signal} is set)"),
            help: APPROVE_HELP.to_owned(),
        }),
        None => Ok(()),
    }
}

/// `blastwall guard [OPTIONS] -- terraform apply|destroy …`: the report goes
/// to stderr (stdout belongs to terraform), in a format for the person or
/// agent at hand; the CI formats belong to `check` on the saved plan.
pub fn command(args: &crate::cli::GuardArgs) -> Result<Exit, RunError> {
    if let Some(format @ (Format::Sarif | Format::Markdown | Format::Github | Format::Junit)) =
        args.check.format
    {
        return Err(RunError::GuardFormat {
            format: format
                .to_possible_value()
                .map_or_else(String::new, |value| value.get_name().to_owned()),
        });
    }
    let color = use_color(args.check.color, std::io::stderr().is_terminal());
    let format = args.check.format;
    let quiet = args.check.quiet;
    run(&args.command, &args.check, &mut |report| {
        // The report goes to stderr: stdout belongs to terraform.
        let mut err = std::io::stderr().lock();
        render::warnings(report, &mut err, color).map_err(RunError::Output)?;
        match chosen_format(format, report) {
            Format::Json => render::json::render(report, &mut err),
            Format::Agent => render::agent::render(report, &mut err),
            _ => render::human::render_with(
                report,
                &mut err,
                &render::human::Layout {
                    color,
                    width: render::width::stderr(),
                    quiet,
                },
            ),
        }
        .map_err(RunError::Output)
    })
}

/// Runs the guard; `render` prints the report (the caller's format).
pub fn run(
    command: &[String],
    args: &CheckArgs,
    render: &mut dyn FnMut(&Report) -> Result<(), RunError>,
) -> Result<Exit, RunError> {
    let agent = agent_signal();
    let program = command
        .first()
        .map(|first| program_name(first))
        .unwrap_or_default();
    // A refusal is recorded (best effort: nothing runs anyway), then returned.
    let refuse = |action: String, refused: Refused| -> RunError {
        let mut entry = Entry::new("guard", "refused");
        entry.action = Some(action);
        entry.note = Some(refused.reason.clone());
        entry.author = agent.as_ref().map(|signal| AuthorRecord {
            kind: "agent".to_owned(),
            reason: format!("{signal} is set"),
        });
        if let Err(error) = audit::record(&entry) {
            eprintln!("{:?}", miette::Report::new(error));
        }
        refused.into()
    };
    if args.exit_zero {
        // In the guard it would mean "apply whatever the verdict", for anyone.
        return Err(refuse(
            program.clone(),
            Refused {
                reason: "`--exit-zero` would apply a plan the check blocks".to_owned(),
                help: APPROVE_HELP.to_owned(),
            },
        ));
    }
    if let Some(signal) = &agent {
        refuse_loosening(args, signal).map_err(|refused| refuse(program.clone(), refused))?;
    }
    let Some(invocation) = parse(command) else {
        return Err(RunError::GuardUsage);
    };
    let action = format!(
        "{program} {}",
        for_terminal(&crate::util::escape::bounded(&invocation.subcommand, 40))
    );
    let (binary, workdir, show_binary) =
        validate(&invocation, &program, args).map_err(|refused| {
            let action = if is_terraform(&program) {
                action.clone()
            } else {
                program.clone()
            };
            refuse(action, refused)
        })?;

    // The private copy: a directory only this user can read.
    let private = private_dir()?;
    let copy = private.path().join("checked.tfplan");
    let (bytes, label) = match &invocation.plan_file {
        Some(file) => {
            // As terraform resolves it: relative to -chdir.
            let original = workdir.join(file);
            let bytes = std::fs::read(&original).map_err(|source| {
                RunError::Inputs(InputErrors {
                    errors: vec![InputError::io(original.display().to_string(), source)],
                })
            })?;
            write_private(&copy, &bytes)?;
            (bytes, original.display().to_string())
        }
        None => {
            eprintln!("blastwall guard: planning first ({program} plan -out …)");
            let planned = forward(&binary, &invocation.plan_command(&copy))?;
            if planned != Exit::Pass {
                eprintln!("blastwall guard: `{program} plan` failed; nothing was applied");
                return Ok(Exit::NoVerdict);
            }
            let bytes = std::fs::read(&copy).map_err(RunError::Output)?;
            (bytes, format!("the plan `{program} plan` made"))
        }
    };
    let checked_hash = audit::sha256_hex(&bytes);

    // Render the copy where terraform would (-chdir), and check that.
    let json = private.path().join("checked.json");
    let shown = show_json(&show_binary, &invocation, &copy, &label)?;
    write_private(&json, &shown)?;
    drop(shown);
    let options = CheckOptions::from_args(args)?;
    let mut report = check(&[Source::Path(json)], &options)?;
    for plan in &mut report.plans {
        plan.label.clone_from(&label);
    }
    render(&report)?;
    let mut entry = Entry::new("guard", "blocked").with_report(&report, &options);
    entry.action = Some(action);
    for plan in &mut entry.plans {
        plan.sha256 = Some(checked_hash.clone());
    }

    if options.gate.exit(report.decision.verdict) == Exit::Blocked {
        let kept = keep_blocked(&invocation, &workdir, &bytes, &checked_hash)?;
        if let Err(error) = audit::record(&entry) {
            eprintln!("{:?}", miette::Report::new(error));
        }
        print_blocked(&invocation, &program, &kept, &report);
        return Ok(Exit::Blocked);
    }

    if needs_prompt(&invocation) && !confirm(&invocation) {
        entry.outcome = "cancelled".to_owned();
        if let Err(error) = audit::record(&entry) {
            eprintln!("{:?}", miette::Report::new(error));
        }
        eprintln!("blastwall guard: apply cancelled; nothing was applied");
        return Ok(Exit::Forwarded(1));
    }

    // The copy must still be exactly the bytes that were checked.
    let now = std::fs::read(&copy).map(|bytes| audit::sha256_hex(&bytes));
    if now.as_deref().ok() != Some(checked_hash.as_str()) {
        entry.outcome = "changed".to_owned();
        entry.note = Some("the private copy changed between the check and the apply".to_owned());
        if let Err(error) = audit::record(&entry) {
            eprintln!("{:?}", miette::Report::new(error));
        }
        eprintln!(
            "blastwall guard: the checked plan changed before it could be applied; nothing was applied"
        );
        return Ok(Exit::NoVerdict);
    }
    // Recorded before anything is applied: no record, no apply.
    entry.outcome = "applying".to_owned();
    audit::record(&entry)?;
    eprintln!(
        "blastwall guard: the plan passed ({}); applying exactly that plan (the checked copy)",
        report.decision.verdict.label()
    );
    let applied = forward(&binary, &invocation.apply_command(&copy))?;
    entry.outcome = if applied == Exit::Pass {
        "applied"
    } else {
        "failed"
    }
    .to_owned();
    entry.terraform_exit = Some(i32::from(applied.code()));
    if let Err(error) = audit::record(&entry) {
        eprintln!(
            "blastwall guard: terraform exited {}, but the result could not be recorded:",
            applied.code()
        );
        eprintln!("{:?}", miette::Report::new(error));
    }
    Ok(applied)
}

/// The name of the wrapped program (its file name), escaped and bounded.
fn program_name(first: &str) -> String {
    let name = Path::new(first).file_name().map_or_else(
        || first.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    for_terminal(&crate::util::escape::bounded(&name, 40)).into_owned()
}

fn is_terraform(program: &str) -> bool {
    matches!(program, "terraform" | "tofu" | "terraform.exe" | "tofu.exe")
}

/// What may be wrapped, and where terraform runs: returns the binary to
/// run, the directory terraform works in (`-chdir` applied), and the binary
/// that renders the plan.
fn validate(
    invocation: &Invocation,
    program: &str,
    args: &CheckArgs,
) -> Result<(PathBuf, PathBuf, PathBuf), Refused> {
    if !is_terraform(program) {
        return Err(Refused {
            reason: format!("`{program}` is not terraform or tofu; the guard wraps only those"),
            help: "write the command as `blastwall guard -- terraform apply [PLAN]` (or `tofu destroy`): no shell, script or other program in between".to_owned(),
        });
    }
    if !invocation.destroys_or_applies() {
        return Err(Refused {
            reason: format!(
                "`{program} {}` is not apply or destroy; the guard wraps only those",
                for_terminal(&crate::util::escape::bounded(&invocation.subcommand, 40))
            ),
            help: "run other terraform commands without the guard; state surgery (`state rm`, `import`, `taint`) is for a person to run".to_owned(),
        });
    }
    if invocation
        .global
        .iter()
        .any(|option| !option.starts_with("-chdir="))
        || invocation.global.len() > 1
    {
        return Err(Refused {
            reason: "the only option before the subcommand may be one `-chdir=DIR`".to_owned(),
            help: "e.g. `blastwall guard -- terraform -chdir=infra apply plan.out`".to_owned(),
        });
    }
    // These change what `apply` (or `show`) does beyond the checked plan.
    let mut variables: Vec<String> = std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.to_string_lossy().into_owned();
            (name.starts_with("TF_CLI_ARGS") && name != "TF_CLI_ARGS_plan" && !value.is_empty())
                .then_some(name)
        })
        .collect();
    variables.sort();
    if !variables.is_empty() {
        return Err(Refused {
            reason: format!(
                "{} is set: it would change what terraform applies beyond the checked plan",
                variables.join(", ")
            ),
            help: "unset it; put planning options on the command (`blastwall guard -- terraform apply -var …`) so the guard checks the plan they make".to_owned(),
        });
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let workdir = invocation
        .chdir()
        .map_or_else(|| cwd.clone(), |dir| cwd.join(dir));
    let user = user_config::load(&cwd).map_err(|problem| Refused {
        reason: problem,
        help: "fix ~/.config/blastwall/guard.toml (see docs/security.md)".to_owned(),
    })?;
    let base = program.trim_end_matches(".exe");
    let configured = if base == "tofu" {
        user.guard.tofu.clone()
    } else {
        user.guard.terraform.clone()
    };
    let trusted = match configured {
        Some(path) => path,
        None => which::which(base).map_err(|_| Refused {
            reason: format!("`{base}` is not on PATH"),
            help: format!(
                "install {base}, or name it in ~/.config/blastwall/guard.toml: `[guard] {base} = \"/path/to/{base}\"`"
            ),
        })?,
    };
    let trusted = std::fs::canonicalize(&trusted).unwrap_or(trusted);
    let named = Path::new(&invocation.binary);
    if named.components().count() > 1 || named.is_absolute() {
        let named = std::fs::canonicalize(workdir_relative(&cwd, named)).unwrap_or_default();
        if named != trusted {
            return Err(Refused {
                reason: format!(
                    "`{}` is not the {base} on PATH or in the user's guard.toml ({})",
                    for_terminal(&invocation.binary),
                    for_terminal(&trusted.to_string_lossy())
                ),
                help: format!("write the bare name: `blastwall guard -- {base} …`"),
            });
        }
    }
    for dir in [&cwd, &workdir] {
        if audit::is_inside(&trusted, dir) {
            return Err(Refused {
                reason: format!(
                    "the {base} found ({}) lies inside the working directory",
                    for_terminal(&trusted.to_string_lossy())
                ),
                help: format!(
                    "the guard runs a {base} from outside the tree it checks: fix PATH, or set `[guard] {base}` in ~/.config/blastwall/guard.toml"
                ),
            });
        }
    }
    let show = args
        .terraform_bin
        .clone()
        .unwrap_or_else(|| trusted.clone());
    Ok((trusted, workdir, show))
}

fn workdir_relative(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// A temporary directory only this user can enter (0700).
fn private_dir() -> Result<tempfile::TempDir, RunError> {
    let dir = tempfile::Builder::new()
        .prefix("blastwall-guard-")
        .tempdir()
        .map_err(RunError::Output)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(RunError::Output)?;
    }
    Ok(dir)
}

/// Writes a new file only this user can read (0600).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let failed = |source| RunError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(failed)
}

/// `BIN [-chdir=DIR] show -json COPY`: rendered where terraform will apply it.
fn show_json(
    binary: &Path,
    invocation: &Invocation,
    copy: &Path,
    label: &str,
) -> Result<Vec<u8>, RunError> {
    let failed = |status: String, stderr: &[u8]| {
        RunError::Inputs(InputErrors {
            errors: vec![InputError::ShowFailed {
                input: label.to_owned(),
                command: format!("{} show -json", binary.display()),
                status,
                stderr: String::from_utf8_lossy(&strip_ansi_escapes::strip(stderr))
                    .lines()
                    .take(10)
                    .map(|line| format!("\n    {}", for_terminal(line)))
                    .collect(),
            }],
        })
    };
    let output = Command::new(binary)
        .args(&invocation.global)
        .args(["show", "-json", "-no-color"])
        .arg(copy)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .map_err(|error| failed(format!("could not start it: {error}"), b""))?;
    if !output.status.success() || output.stdout.is_empty() {
        return Err(failed(output.status.to_string(), &output.stderr));
    }
    Ok(output.stdout)
}

/// Where a blocked plan stays for a person to approve and apply: a saved
/// plan where it was; a plan the guard made, in terraform's working
/// directory as `blastwall-<hash>.tfplan` (0600). Returns the path as
/// terraform resolves it (relative to -chdir) and as given to `approve`
/// (relative to the current directory).
fn keep_blocked(
    invocation: &Invocation,
    workdir: &Path,
    bytes: &[u8],
    hash: &str,
) -> Result<Kept, RunError> {
    if let Some(file) = &invocation.plan_file {
        let for_approve = match invocation.chdir() {
            Some(dir) if !Path::new(file).is_absolute() => Path::new(dir).join(file),
            _ => PathBuf::from(file),
        };
        return Ok(Kept {
            for_terraform: PathBuf::from(file),
            for_approve,
        });
    }
    let name = format!("blastwall-{}.tfplan", &hash[..12]);
    write_private(&workdir.join(&name), bytes)?;
    Ok(Kept {
        for_terraform: PathBuf::from(&name),
        for_approve: invocation
            .chdir()
            .map_or_else(|| PathBuf::from(&name), |dir| Path::new(dir).join(&name)),
    })
}

struct Kept {
    for_terraform: PathBuf,
    for_approve: PathBuf,
}

fn print_blocked(invocation: &Invocation, program: &str, kept: &Kept, report: &Report) {
    let chdir = invocation
        .chdir()
        .map(|dir| format!(" {}", shell_quote(&format!("-chdir={dir}"))))
        .unwrap_or_default();
    eprintln!(
        "blastwall guard: the plan is blocked; nothing was applied. The checked plan is kept at {}.",
        for_terminal(&kept.for_approve.to_string_lossy())
    );
    for plan in &report.plans {
        eprintln!(
            "  Its fingerprint is {}; an approval covers that plan only.",
            for_terminal(&plan.fingerprint)
        );
    }
    eprintln!("  Fix the plan, or have a person approve this exact plan and apply it:");
    eprintln!(
        "    blastwall approve {} --by YOUR_NAME",
        shell_quote(&kept.for_approve.to_string_lossy())
    );
    eprintln!(
        "    blastwall guard -- {program}{chdir} apply {}",
        shell_quote(&kept.for_terraform.to_string_lossy())
    );
}

/// A word a POSIX shell reads back as `text`, escaped for the terminal.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    let quoted = if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    };
    for_terminal(&quoted).into_owned()
}

/// Terraform asks before applying unless `-auto-approve`; applying a saved
/// plan never asks, so the guard asks for it at a terminal. Without a
/// terminal, a bare apply still asks on stdin, as terraform would.
fn needs_prompt(invocation: &Invocation) -> bool {
    !invocation.auto_approve() && (std::io::stdin().is_terminal() || invocation.plan_file.is_none())
}

/// Asks on stderr (stdout is terraform's); only exactly `yes` applies.
fn confirm(invocation: &Invocation) -> bool {
    if invocation.input_disabled() {
        eprintln!(
            "blastwall guard: -input=false without -auto-approve: nobody can be asked whether to apply"
        );
        return false;
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\nblastwall: apply this plan? (yes)\n  Only 'yes' will be accepted to apply it.\n\n  Enter a value: "
    );
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    eprintln!();
    answer.trim_end_matches(['\n', '\r']) == "yes"
}

/// Runs the real binary with inherited stdio and maps its exit code.
fn forward(binary: &Path, args: &[String]) -> Result<Exit, RunError> {
    let status =
        Command::new(binary)
            .args(args)
            .status()
            .map_err(|error| RunError::GuardSpawn {
                binary: binary.display().to_string(),
                message: error.to_string(),
            })?;
    Ok(match status.code() {
        Some(0) => Exit::Pass,
        Some(code) => Exit::Forwarded(code.clamp(1, 255) as u8),
        None => Exit::NoVerdict,
    })
}
