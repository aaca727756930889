//! `blastwall hook claude|codex|cursor|kiro`: the agents' pre-tool hook, in
//! the binary. It reads the hook JSON on stdin, finds every terraform/tofu
//! apply or destroy in the shell command (`command.rs`), plans and checks
//! each with the agent profile (`decide.rs`), and answers allow, ask or
//! deny in the agent's protocol (`protocol.rs`). It fails closed: malformed
//! input, a missing binary, a timeout or a bug all deny, with the exit code
//! the agent treats as blocking.

pub mod command;
pub mod config;
pub mod decide;
pub mod protocol;
pub mod terraform;

use std::io::{Read, Write};
use std::path::PathBuf;

use crate::cli::HookArgs;
use crate::exit::Exit;
use decide::Decision;
use protocol::{Agent, Verdict};

/// The largest hook input read (the command is a small part of it).
const MAX_INPUT: u64 = 4 * 1024 * 1024;

/// Where a decision is final: every answer goes to the audit log. The log
/// holds no command text (a `-var` can carry a password), only who asked,
/// where, and what the hook answered. A log that cannot be written does not
/// change the answer: the hook's answer is already fail-closed.
pub fn record_decision(
    agent: Agent,
    command: Option<&str>,
    cwd: Option<&std::path::Path>,
    decision: &Decision,
) {
    let mut entry = crate::app::audit::Entry::new("hook", decision.verdict.label());
    if let Some(cwd) = cwd {
        entry.cwd = cwd.display().to_string();
    }
    entry.author = Some(crate::app::audit::AuthorRecord {
        kind: "agent".to_owned(),
        reason: format!("the {agent:?} pre-tool hook"),
    });
    entry.action = command.map(|command| {
        let words = command.split_whitespace().count();
        format!("a shell command of {words} word(s)")
    });
    if decision.failed {
        entry.note = Some("no decision could be made: denied".to_owned());
    }
    let _ = crate::app::audit::record(&entry);
}

/// Runs the hook and writes its answer; the exit code is the agent's.
pub fn run(args: &HookArgs) -> Exit {
    let mut raw = Vec::new();
    let read = std::io::stdin().take(MAX_INPUT + 1).read_to_end(&mut raw);
    let agent = Agent::from(args.agent);
    let config = args.config.clone();
    let terraform = args.terraform.clone();
    let tofu = args.tofu.clone();
    let timeout = args.timeout;
    // A thread with a large stack (the shell parser recurses), and a caught
    // panic, so that no input makes the hook exit in a way that lets the
    // command through.
    let handled = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let raw = match read {
                    Ok(_) if raw.len() as u64 > MAX_INPUT => {
                        return (
                            None,
                            None,
                            Decision::deny_error(
                                "blastwall: the hook input is larger than the hook reads"
                                    .to_owned(),
                            ),
                        );
                    }
                    Ok(_) => raw,
                    Err(error) => {
                        return (
                            None,
                            None,
                            Decision::deny_error(format!(
                                "blastwall: cannot read the hook input: {error}"
                            )),
                        );
                    }
                };
                handle(agent, &raw, config, terraform, tofu, timeout)
            }))
        })
        .map_err(|error| error.to_string())
        .and_then(|thread| {
            thread
                .join()
                .map_err(|_| "the hook thread failed".to_owned())
        })
        .and_then(|caught| caught.map_err(|_| "the hook panicked".to_owned()));
    let (command, cwd, decision) = handled.unwrap_or_else(|why| {
        (
            None,
            None,
            Decision::deny_error(format!(
                "blastwall: the hook failed ({why}); it denies what it cannot check"
            )),
        )
    });
    record_decision(agent, command.as_deref(), cwd.as_deref(), &decision);
    let reason = decision
        .reason
        .lines()
        .map(|line| crate::util::escape::for_terminal(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let answer = protocol::answer(agent, decision.verdict, &reason, decision.failed);
    let wrote = std::io::stdout()
        .write_all(answer.stdout.as_bytes())
        .and_then(|()| std::io::stdout().flush());
    let _ = std::io::stderr().write_all(answer.stderr.as_bytes());
    if wrote.is_err() {
        return Exit::Forwarded(2);
    }
    match answer.code {
        0 => Exit::Pass,
        code => Exit::Forwarded(code),
    }
}

type Handled = (Option<String>, Option<PathBuf>, Decision);

fn handle(
    agent: Agent,
    raw: &[u8],
    config: Option<PathBuf>,
    terraform: Option<PathBuf>,
    tofu: Option<PathBuf>,
    timeout: Option<u64>,
) -> Handled {
    let env = |name: &str| std::env::var(name).ok();
    let process_cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let event = match protocol::read(agent, raw, &process_cwd) {
        Ok(event) => event,
        Err(why) => {
            return (
                None,
                None,
                Decision::deny_error(format!(
                    "blastwall: {why}; the hook denies what it cannot read"
                )),
            );
        }
    };
    let Some(command) = event.command else {
        return (
            None,
            Some(event.cwd),
            Decision {
                verdict: Verdict::Allow,
                reason: String::new(),
                failed: false,
            },
        );
    };
    let mut hook_config = match config::HookConfig::load(config.as_deref(), &env) {
        Ok(config) => config,
        Err(why) => {
            return (
                Some(command),
                Some(event.cwd),
                Decision::deny_error(format!(
                    "blastwall: the hook's configuration is broken ({why})"
                )),
            );
        }
    };
    hook_config.terraform = terraform.or(hook_config.terraform);
    hook_config.tofu = tofu.or(hook_config.tofu);
    hook_config.timeout_seconds = timeout.or(hook_config.timeout_seconds);
    let budget = decide::Budget::new(hook_config.timeout());
    let analysis = command::analyse(&command, &event.cwd, &env);
    let binaries = decide::Binaries::new(&hook_config, &env);
    let decision = decide::decide(&analysis, &binaries, &budget, &env);
    (Some(command), Some(event.cwd), decision)
}
