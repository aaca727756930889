//! `blastwall hook` and the snippets of `docs/agents.md`, run as the agents
//! run them: each hook command of the documentation gets the JSON its agent
//! sends (Claude Code, Codex CLI, Kiro, Cursor) for a risky apply, a safe one,
//! commands that are not Terraform's and the ways an agent tried to get past
//! it, against the real terraform binary and a `terraform_data`
//! configuration (skipped without terraform).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::common::root;
use crate::tf_env::{environment, on_path, terraform_in, write_config};

/// terraform and bash, or why the test is skipped.
fn tools() -> bool {
    for tool in ["terraform", "bash"] {
        if on_path(tool).is_none() {
            eprintln!("SKIPPED: {tool} is not on PATH; the hook tests need terraform and bash");
            return false;
        }
    }
    true
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".blastwall-"))
        .collect()
}

fn docs() -> String {
    std::fs::read_to_string(root().join("docs/agents.md")).unwrap()
}

/// The fenced blocks of `docs/agents.md` in one language.
fn blocks(language: &str) -> Vec<String> {
    let fence = format!("```{language}\n");
    docs()
        .split(&fence)
        .skip(1)
        .map(|rest| rest.split("\n```").next().unwrap().to_owned())
        .collect()
}

/// Every string under a `command` key of a JSON value.
fn commands(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match inner {
                    Value::String(text) if key == "command" => found.push(text.clone()),
                    _ => commands(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| commands(item, found)),
        _ => {}
    }
}

/// The hook commands of the documented agent configurations, with the agent
/// each is for.
fn documented_hooks() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for block in blocks("json") {
        let value: Value = serde_json::from_str(&block)
            .unwrap_or_else(|error| panic!("a JSON block of docs/agents.md: {error}\n{block}"));
        commands(&value, &mut found);
    }
    found
        .into_iter()
        .filter(|command| command.starts_with("blastwall hook "))
        .map(|command| {
            let agent = command
                .split_whitespace()
                .nth(2)
                .unwrap_or_else(|| panic!("no agent in {command}"))
                .to_owned();
            (agent, command)
        })
        .collect()
}

/// A directory for PATH with `blastwall` (the binary under test).
fn install_dir() -> tempfile::TempDir {
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("blastwall"),
        bin.path().join("blastwall"),
    )
    .unwrap();
    bin
}

fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let original = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(
        dirs.iter()
            .map(|dir| dir.to_path_buf())
            .chain(std::env::split_paths(&original)),
    )
    .unwrap()
}

/// What each agent writes on the hook's stdin for a shell command.
fn event(agent: &str, command: &str, cwd: &Path) -> Value {
    let cwd = cwd.display().to_string();
    match agent {
        // https://code.claude.com/docs/en/hooks (PreToolUse input)
        "claude" => json!({
            "session_id": "abc123",
            "transcript_path": "/tmp/transcript.jsonl",
            "cwd": cwd,
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "Apply the change", "timeout": 120000},
            "tool_use_id": "toolu_01ABC"
        }),
        // openai/codex codex-rs/hooks/schema/generated/pre-tool-use.command.input.schema.json
        "codex" => json!({
            "session_id": "0199a213-81c0-7800-8aa1-bbab2a035a53",
            "turn_id": "1",
            "transcript_path": null,
            "cwd": cwd,
            "hook_event_name": "PreToolUse",
            "model": "gpt-5",
            "permission_mode": "default",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "call_1"
        }),
        // https://kiro.dev/docs/cli/hooks (hook event)
        "kiro" => json!({
            "hook_event_name": "preToolUse",
            "cwd": cwd,
            "tool_name": "execute_bash",
            "tool_input": {"command": command, "summary": "apply the change"}
        }),
        // https://cursor.com/docs/agent/hooks (beforeShellExecution input)
        "cursor" => json!({
            "conversation_id": "conv-1",
            "generation_id": "gen-1",
            "model": "claude-4-sonnet",
            "hook_event_name": "beforeShellExecution",
            "cursor_version": "1.7.2",
            "workspace_roots": [cwd],
            "user_email": null,
            "command": command,
            "cwd": cwd
        }),
        other => panic!("no event for agent {other}"),
    }
}

/// Runs a hook command the way the agent does: through a shell, the event
/// on stdin, in the agent's working directory.
fn run_hook(hook: &str, input: &Value, cwd: &Path, path: &std::ffi::OsStr) -> Output {
    let mut child = Command::new("sh")
        .args(["-c", hook])
        .current_dir(cwd)
        .env("PATH", path)
        .env("CHECKPOINT_DISABLE", "1")
        // No hook.toml of the person running the tests.
        .env("XDG_CONFIG_HOME", "/nonexistent-blastwall-test-config")
        .env_remove("TF_CLI_ARGS")
        .env_remove("TF_CLI_ARGS_apply")
        .env_remove("BLASTWALL_BIN")
        .env_remove("BLASTWALL_HOOK_ARGS")
        .env_remove("BLASTWALL_HOOK_REQUIRE_GUARD")
        .env_remove("BLASTWALL_AUTHOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[derive(Debug)]
enum Decision {
    Allow(String),
    /// A person decides (Claude Code and Cursor; the others deny instead).
    Ask(String),
    Deny(String),
}

/// The hook's answer as the agent reads it.
fn decision(agent: &str, output: &Output) -> Decision {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code();
    let context = format!("{agent}: exit {code:?}\n--- stdout\n{stdout}--- stderr\n{stderr}");
    match agent {
        "claude" | "codex" => {
            if code == Some(2) {
                // No decision could be made: exit 2 blocks, the reason on stderr.
                assert!(!stderr.trim().is_empty(), "{context}");
                return Decision::Deny(stderr);
            }
            assert_eq!(code, Some(0), "{context}");
            if stdout.trim().is_empty() {
                return Decision::Allow(String::new());
            }
            let answer: Value = serde_json::from_str(&stdout).expect(&context);
            let specific = &answer["hookSpecificOutput"];
            assert_eq!(specific["hookEventName"], "PreToolUse", "{context}");
            match specific["permissionDecision"].as_str() {
                Some("deny") => Decision::Deny(
                    specific["permissionDecisionReason"]
                        .as_str()
                        .expect(&context)
                        .to_owned(),
                ),
                // Codex has no "ask": it must get a deny.
                Some("ask") if agent == "claude" => Decision::Ask(
                    specific["permissionDecisionReason"]
                        .as_str()
                        .expect(&context)
                        .to_owned(),
                ),
                None => Decision::Allow(
                    specific["additionalContext"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ),
                // `allow` would skip the agent's own permission prompt (and
                // Codex rejects it without updatedInput): never sent.
                Some(other) => panic!("unexpected permissionDecision {other}: {context}"),
            }
        }
        "kiro" => match code {
            Some(0) => Decision::Allow(stdout),
            Some(2) => {
                assert!(!stderr.trim().is_empty(), "{context}");
                Decision::Deny(stderr)
            }
            _ => panic!("{context}"),
        },
        "cursor" => {
            if code == Some(2) {
                assert!(!stderr.trim().is_empty(), "{context}");
            } else {
                assert_eq!(code, Some(0), "{context}");
            }
            let answer: Value = serde_json::from_str(&stdout).expect(&context);
            let message = answer["agent_message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            match answer["permission"].as_str() {
                Some("allow") => Decision::Allow(message),
                Some("deny") => Decision::Deny(message),
                Some("ask") => Decision::Ask(message),
                _ => panic!("{context}"),
            }
        }
        other => panic!("unknown agent {other}"),
    }
}

#[test]
fn every_documented_hook_blocks_a_risky_apply_and_allows_a_safe_one() {
    if !tools() {
        return;
    }
    let hooks = documented_hooks();
    let agents: Vec<&str> = hooks.iter().map(|(agent, _)| agent.as_str()).collect();
    for agent in ["claude", "codex", "kiro", "cursor"] {
        assert!(
            agents.contains(&agent),
            "docs/agents.md has no hook for {agent}"
        );
    }
    let env = environment();
    let dir = env.path();
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    let elsewhere = tempfile::tempdir().unwrap();
    // The same policy where the agent's shell is: one delete of two
    // resources is no teardown, the database rule is what blocks it.
    std::fs::copy(
        dir.join("blastwall.toml"),
        elsewhere.path().join("blastwall.toml"),
    )
    .unwrap();
    std::fs::create_dir(elsewhere.path().join("policies")).unwrap();
    std::fs::copy(
        dir.join("policies/database-destroyed.toml"),
        elsewhere.path().join("policies/database-destroyed.toml"),
    )
    .unwrap();

    // Risky: the database disappears from the configuration.
    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    for (agent, hook) in &hooks {
        for command in [
            "terraform apply -auto-approve".to_owned(),
            format!("cd {} && terraform destroy -auto-approve", dir.display()),
            format!("terraform -chdir={} apply -auto-approve", dir.display()),
        ] {
            let cwd = if command.starts_with("terraform apply") {
                dir
            } else {
                elsewhere.path()
            };
            let output = run_hook(hook, &event(agent, &command, cwd), cwd, &path);
            match decision(agent, &output) {
                Decision::Deny(reason) => {
                    assert!(
                        reason.contains("blastwall blocked"),
                        "{agent} `{command}`: {reason}"
                    );
                    assert!(reason.contains("verdict=fail"), "{agent}: {reason}");
                    assert!(
                        reason.contains("blastwall guard -- terraform"),
                        "the reason says how to apply after an approval: {reason}"
                    );
                    // blastwall.toml (with the rule) is read from the working
                    // directory, as `blastwall guard` does; `-chdir` does not move it.
                    assert!(reason.contains("rule=database-destroyed"), "{reason}");
                }
                allowed => panic!("{agent} `{command}` was allowed: {allowed:?}"),
            }
        }
    }
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        before,
        "state untouched"
    );
    assert!(terraform_in(dir, &["state", "list"]).contains("terraform_data.database"));
    assert!(leftovers(dir).is_empty(), "temporary plans are removed");

    // A saved risky plan is checked as it is.
    terraform_in(
        dir,
        &["plan", "-input=false", "-no-color", "-out=risky.tfplan"],
    );
    for (agent, hook) in &hooks {
        let output = run_hook(
            hook,
            &event(agent, "terraform apply risky.tfplan", dir),
            dir,
            &path,
        );
        assert!(
            matches!(decision(agent, &output), Decision::Deny(reason) if reason.contains("saved plan risky.tfplan")),
            "{agent}: the saved risky plan is denied"
        );
    }

    // Safe: only the app's input changes.
    write_config(dir, true, "v2");
    terraform_in(
        dir,
        &["plan", "-input=false", "-no-color", "-out=safe.tfplan"],
    );
    for (agent, hook) in &hooks {
        let output = run_hook(
            hook,
            &event(agent, "terraform apply -auto-approve", dir),
            dir,
            &path,
        );
        match decision(agent, &output) {
            Decision::Allow(context) => {
                assert!(context.contains("verdict=pass"), "{agent}: {context}");
                assert!(
                    context.contains("blastwall guard -- terraform apply -auto-approve"),
                    "{agent}: the agent learns how to apply exactly the checked plan: {context}"
                );
            }
            denied => panic!("{agent}: the safe apply was denied: {denied:?}"),
        }
        let saved = run_hook(
            hook,
            &event(agent, "terraform apply safe.tfplan", dir),
            dir,
            &path,
        );
        assert!(
            matches!(decision(agent, &saved), Decision::Allow(context) if context.contains("verdict=pass")),
            "{agent}: the saved safe plan is allowed"
        );
    }
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        before,
        "checking never applies"
    );
    assert!(leftovers(dir).is_empty(), "temporary plans are removed");

    // What the agent does next is really applied.
    terraform_in(dir, &["apply", "-input=false", "-no-color", "safe.tfplan"]);
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v2\""));
}

#[test]
fn other_commands_are_allowed_without_running_anything() {
    if !tools() {
        return;
    }
    // Stand-ins that leave a mark when they run.
    let fakes = tempfile::tempdir().unwrap();
    let marks = tempfile::tempdir().unwrap();
    for name in ["terraform", "tofu"] {
        let script = fakes.path().join(name);
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ntouch '{}/{name}'\nexit 3\n",
                marks.path().display()
            ),
        )
        .unwrap();
        let mut permissions = std::fs::metadata(&script).unwrap().permissions();
        permissions.set_mode(0o755);
        std::fs::set_permissions(&script, permissions).unwrap();
    }
    let bin = install_dir();
    let path = path_with(&[fakes.path(), bin.path()]);
    let work = tempfile::tempdir().unwrap();
    for (agent, hook) in documented_hooks() {
        for command in [
            "ls",
            "git status && git diff",
            "terraform plan -out=plan.tfplan",
            "terraform init -input=false; tofu fmt -recursive",
            "grep -rn 'terraform apply' docs # terraform apply",
            "blastwall check plan.json",
            "terraform apply -help",
        ] {
            let output = run_hook(
                &hook,
                &event(&agent, command, work.path()),
                work.path(),
                &path,
            );
            assert!(
                matches!(decision(&agent, &output), Decision::Allow(context) if context.is_empty()),
                "{agent} `{command}` is allowed, silently"
            );
        }
    }
    let ran: Vec<_> = std::fs::read_dir(marks.path()).unwrap().flatten().collect();
    assert!(ran.is_empty(), "nothing was run: {ran:?}");

    // A tool that is not a shell is not looked at.
    let output = run_hook(
        "blastwall hook claude",
        &json!({"hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": "/",
                "tool_input": {"file_path": "/tmp/x", "content": "terraform apply"}}),
        work.path(),
        &path,
    );
    assert!(matches!(decision("claude", &output), Decision::Allow(context) if context.is_empty()));
}

/// The hook's answer (Claude Code's protocol) for `command` run in `cwd`.
fn claude(command: &str, cwd: &Path, path: &std::ffi::OsStr) -> Decision {
    let output = run_hook(
        "blastwall hook claude",
        &event("claude", command, cwd),
        cwd,
        path,
    );
    decision("claude", &output)
}

fn state_holds_everything(dir: &Path) {
    let listed = terraform_in(dir, &["state", "list"]);
    for resource in ["terraform_data.database", "terraform_data.app"] {
        assert!(listed.contains(resource), "{resource} is gone: {listed}");
    }
}

#[test]
fn every_way_an_agent_tried_around_the_hook_is_denied_or_asked() {
    if !tools() {
        return;
    }
    let env = environment();
    let dir = env.path();
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    // The database disappears from the configuration: the agent profile fails it.
    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();

    // Found and checked: the plan fails, so each is denied.
    for command in [
        "ter\"\"raform apply -auto-approve",
        "terr\\aform apply -auto-approve",
        "nice -n 5 terraform apply -auto-approve",
        "timeout -s KILL 600 terraform apply -auto-approve",
        "env -u X terraform apply -auto-approve",
        "env -u CLAUDECODE terraform apply -auto-approve",
        "BLASTWALL_AUTHOR=human blastwall guard -- terraform apply -auto-approve",
        "blastwall guard --author human --exit-zero -- terraform apply -auto-approve",
        "TF_CLI_ARGS_apply=-destroy terraform apply -auto-approve",
        "bash -c 'bash -c \"sh -c \\\"terraform apply -auto-approve\\\"\"'",
        "exec -a x terraform apply -auto-approve",
        "echo ok; terraform apply -auto-approve #x",
        "terraform apply -destroy -auto-approve #x",
        "echo \"$(terraform apply -auto-approve)\"",
        "ls | xargs echo && terraform apply -auto-approve",
        &format!(
            "{} apply -auto-approve",
            on_path("terraform").unwrap().display()
        ),
    ] {
        match claude(command, dir, &path) {
            Decision::Deny(reason) => assert!(
                reason.contains("verdict=fail") || reason.contains("did not pass"),
                "`{command}`: {reason}"
            ),
            other => panic!("`{command}` was not denied: {other:?}"),
        }
    }

    // Not resolvable without running the shell: a person decides.
    for command in [
        "ls | xargs terraform apply -auto-approve",
        "find . -maxdepth 0 -exec terraform apply -auto-approve \\;",
        "git -c alias.x='!terraform apply -auto-approve' x",
        "script -qc 'terraform apply -auto-approve' /dev/null",
        "printf 'terraform apply -auto-approve' | sh",
        "bash <<< 'terraform apply -auto-approve'",
        "blastwall guard -- bash -c 'terraform apply -auto-approve'",
        "sh -c \"$(echo terraform apply -auto-approve)\"",
        "eval terraform apply -auto-approve",
        "python3 -c 'import os; os.system(\"terraform apply -auto-approve\")'",
        "make apply",
        "./apply.sh",
        "$(echo terraform) apply -auto-approve",
        "`echo terraform` apply -auto-approve",
        "terraform${IFS}apply",
        "$'terraform\\x20apply'",
        "terrafor? apply -auto-approve",
        "PATH=/tmp:$PATH terraform apply -auto-approve",
        "terraform() { command terraform \"$@\"; }; terraform apply -auto-approve",
        "terraform state rm terraform_data.database",
        "terraform import terraform_data.x y",
        "terraform taint terraform_data.database",
        "terraform force-unlock 1",
        "terraform workspace delete empty",
        "env -u CLAUDECODE blastwall approve plan.out --by alice",
    ] {
        match claude(command, dir, &path) {
            Decision::Ask(reason) | Decision::Deny(reason) => {
                assert!(!reason.trim().is_empty(), "`{command}`: no reason")
            }
            allowed => panic!("`{command}` was allowed: {allowed:?}"),
        }
        // Codex has no "ask": a deny that says so.
        let output = run_hook(
            "blastwall hook codex",
            &event("codex", command, dir),
            dir,
            &path,
        );
        assert!(
            matches!(decision("codex", &output), Decision::Deny(_)),
            "codex `{command}`"
        );
    }

    // A fake `terraform` earlier on PATH is not the terraform the hook trusts.
    let fakes = tempfile::tempdir().unwrap();
    let fake = fakes.path().join("terraform");
    std::fs::write(&fake, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = run_hook(
        &format!(
            "blastwall hook claude --terraform {}",
            on_path("terraform").unwrap().display()
        ),
        &event("claude", "terraform apply -auto-approve", dir),
        dir,
        &path_with(&[fakes.path(), bin.path()]),
    );
    assert!(
        !matches!(decision("claude", &output), Decision::Allow(_)),
        "a fake terraform on PATH"
    );

    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        before,
        "state untouched"
    );
    state_holds_everything(dir);
}

#[test]
fn the_tf_cli_args_apply_destroy_is_checked_as_a_destroy() {
    if !tools() {
        return;
    }
    let env = environment();
    let dir = env.path();
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    // Nothing changes: a plain apply passes …
    assert!(matches!(
        claude("terraform apply -auto-approve", dir, &path),
        Decision::Allow(context) if context.contains("verdict=pass")
    ));
    // … but with TF_CLI_ARGS_apply=-destroy it would destroy everything.
    for command in [
        "TF_CLI_ARGS_apply=-destroy terraform apply -auto-approve",
        "export TF_CLI_ARGS_apply=-destroy && terraform apply -auto-approve",
        "env TF_CLI_ARGS=-destroy terraform apply -auto-approve",
    ] {
        assert!(
            matches!(claude(command, dir, &path), Decision::Deny(reason) if reason.contains("destroy")),
            "`{command}`"
        );
    }
    // In the hook's own environment too.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("blastwall"))
        .args(["hook", "claude"])
        .current_dir(dir)
        .env("PATH", &path)
        .env("TF_CLI_ARGS_apply", "-destroy")
        .env("XDG_CONFIG_HOME", "/nonexistent-blastwall-test-config")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            event("claude", "terraform apply -auto-approve", dir)
                .to_string()
                .as_bytes(),
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(matches!(decision("claude", &output), Decision::Deny(_)));
    state_holds_everything(dir);
}

#[test]
fn broken_input_and_failures_block() {
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    let work = tempfile::tempdir().unwrap();
    let raw_inputs = [
        "not json".to_owned(),
        r#"{"tool_name":"Bash","cwd":"/","tool_input":{"command":"terraform apply \ud800"}}"#
            .to_owned(),
        r#"{"tool_name":"Bash","cwd":7,"tool_input":{"command":"terraform apply"}}"#.to_owned(),
        r#"{"tool_name":"Bash","cwd":"/","tool_input":{}}"#.to_owned(),
    ];
    for agent in ["claude", "codex", "kiro", "cursor"] {
        for raw in &raw_inputs {
            let mut child = Command::new(assert_cmd::cargo::cargo_bin("blastwall"))
                .args(["hook", agent])
                .current_dir(work.path())
                .env("PATH", &path)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(raw.as_bytes())
                .unwrap();
            let output = child.wait_with_output().unwrap();
            assert_eq!(output.status.code(), Some(2), "{agent} {raw}");
            assert!(
                !output.stderr.is_empty(),
                "{agent}: the reason is on stderr"
            );
        }
    }
    // A missing terraform: the apply cannot be checked, so it is denied.
    let without_terraform: std::ffi::OsString = std::env::join_paths(
        std::env::split_paths(&path).filter(|dir| !dir.join("terraform").exists()),
    )
    .unwrap();
    let output = run_hook(
        "blastwall hook claude",
        &event("claude", "terraform apply -auto-approve", work.path()),
        work.path(),
        &without_terraform,
    );
    assert!(matches!(decision("claude", &output), Decision::Deny(_)));
}

#[test]
fn the_hook_plans_as_the_command_line_would() {
    if !tools() {
        return;
    }
    let env = environment();
    let dir = env.path();
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    let ask = |command: &str| claude(command, dir, &path);
    // A second, empty workspace: there the same configuration only creates.
    terraform_in(dir, &["workspace", "new", "-no-color", "empty"]);
    terraform_in(dir, &["workspace", "select", "-no-color", "default"]);
    write_config(dir, false, "v1");

    // `VAR=value terraform …` and `export VAR=value && …` reach the plan.
    for command in [
        "TF_WORKSPACE=empty terraform apply -auto-approve",
        "export TF_WORKSPACE=empty && terraform apply -auto-approve",
        "env TF_WORKSPACE=empty terraform apply -auto-approve",
    ] {
        assert!(
            matches!(ask(command), Decision::Allow(context) if context.contains("create=1")),
            "`{command}` is planned in the empty workspace"
        );
    }
    assert!(matches!(
        ask("terraform apply -auto-approve"),
        Decision::Deny(_)
    ));

    // `plan -out F && apply F`: F does not exist yet; the plan it would
    // hold is checked.
    match ask("terraform plan -input=false -out=next.tfplan && terraform apply next.tfplan") {
        Decision::Deny(reason) => {
            assert!(reason.contains("plan -out"), "{reason}");
            assert!(reason.contains("rule=database-destroyed"), "{reason}");
        }
        allowed => panic!("allowed: {allowed:?}"),
    }
    assert!(!dir.join("next.tfplan").exists());

    // Commands in the same line that can change what the apply applies: a
    // passing plan is not enough, a person decides.
    for command in [
        "terraform workspace select empty && TF_WORKSPACE=empty terraform apply -auto-approve",
        "echo 'resource \"terraform_data\" \"x\" {}' > extra.tf && TF_WORKSPACE=empty terraform apply -auto-approve",
    ] {
        assert!(
            matches!(ask(command), Decision::Ask(reason) if reason.contains("can change what is applied")),
            "`{command}`"
        );
    }
    assert!(!dir.join("extra.tf").exists(), "the hook ran nothing");
    // … while moving around first is fine.
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(matches!(
        claude(
            &format!("cd {} && pwd && terraform apply -auto-approve", dir.display()),
            elsewhere.path(),
            &path
        ),
        Decision::Deny(reason) if reason.contains("rule=database-destroyed")
    ));
    state_holds_everything(dir);
}

#[test]
fn the_shell_function_guards_apply_and_destroy_for_people() {
    if !tools() {
        return;
    }
    let script = std::fs::read_to_string(root().join("hooks/terraform-guard.sh")).unwrap();
    assert!(
        docs().contains(&script),
        "docs/agents.md shows hooks/terraform-guard.sh as it is"
    );
    let env = environment();
    let dir = env.path();
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    let shell = |command: &str| {
        Command::new("bash")
            .arg("-c")
            .arg(format!(
                ". '{}'\n{command}",
                root().join("hooks/terraform-guard.sh").display()
            ))
            .current_dir(dir)
            .env("PATH", &path)
            .env("CHECKPOINT_DISABLE", "1")
            .env("NO_COLOR", "1")
            .env_remove("BLASTWALL_BIN")
            .output()
            .unwrap()
    };

    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    for command in [
        "terraform apply -auto-approve",
        "terraform -chdir=. apply -auto-approve",
        "terraform destroy -auto-approve",
    ] {
        let refused = shell(command);
        assert_eq!(
            refused.status.code(),
            Some(3),
            "`{command}`: {}",
            String::from_utf8_lossy(&refused.stderr)
        );
        assert!(String::from_utf8_lossy(&refused.stderr).contains("nothing was applied"));
    }
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        before,
        "state untouched"
    );

    // Other subcommands are terraform's own.
    let version = shell("terraform version");
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("Terraform v"));

    // Safe: applied, through the guard.
    write_config(dir, true, "v2");
    let applied = shell("terraform apply -auto-approve");
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(String::from_utf8_lossy(&applied.stderr).contains("applying exactly that plan"));
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v2\""));
}

/// Sends `initialize` and `tools/list` to an MCP server started as a
/// configuration block says, and returns the tool names.
fn mcp_tools(command: &str, args: &[String], path: &std::ffi::OsStr) -> Vec<String> {
    let mut child = Command::new(command)
        .args(args)
        .env("PATH", path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "docs-test", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    ];
    let mut stdin = child.stdin.take().unwrap();
    for message in messages {
        writeln!(stdin, "{message}").unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let listed: Value = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|message| message["id"] == 2)
        .unwrap_or_else(|| panic!("no tools/list answer: {stdout}"));
    listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_documented_mcp_configurations_start_the_server() {
    let bin = install_dir();
    let path = path_with(&[bin.path()]);
    let mut servers = Vec::new();
    for block in blocks("json") {
        let value: Value = serde_json::from_str(&block).unwrap();
        if let Some(server) = value["mcpServers"].get("blastwall") {
            servers.push(server.clone());
        }
    }
    for block in blocks("toml") {
        let value: toml::Table = toml::from_str(&block)
            .unwrap_or_else(|error| panic!("a TOML block of docs/agents.md: {error}\n{block}"));
        if let Some(server) = value
            .get("mcp_servers")
            .and_then(|servers| servers.get("blastwall"))
        {
            servers.push(serde_json::to_value(server).unwrap());
        }
    }
    assert!(
        servers.len() >= 3,
        "Claude Code, Cursor and Codex MCP blocks: {servers:?}"
    );
    for server in servers {
        let command = server["command"].as_str().unwrap();
        let args: Vec<String> = server["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arg| arg.as_str().unwrap().to_owned())
            .collect();
        let tools = mcp_tools(command, &args, &path);
        assert_eq!(
            tools,
            ["blast_radius", "check_plan", "explain_rule", "findings"]
        );
    }
}
