//! Each agent's hook protocol: the JSON it sends on stdin, and the answer
//! (allow / ask / deny) in the form and with the exit code it acts on.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The agents `blastwall hook` speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
    Cursor,
    Kiro,
}

impl From<crate::cli::AgentArg> for Agent {
    fn from(arg: crate::cli::AgentArg) -> Self {
        use crate::cli::AgentArg;
        match arg {
            AgentArg::Claude => Self::Claude,
            AgentArg::Codex => Self::Codex,
            AgentArg::Cursor => Self::Cursor,
            AgentArg::Kiro => Self::Kiro,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allow,
    Ask,
    Deny,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Ask => "ask",
            Self::Deny => "deny",
        }
    }
}

/// What the agent is about to do.
#[derive(Debug)]
pub struct Event {
    /// The shell command; `None` for a tool that is not a shell.
    pub command: Option<String>,
    pub cwd: PathBuf,
}

const SHELL_TOOLS: &[&str] = &[
    "bash",
    "execute_bash",
    "shell",
    "run_shell_command",
    "exec_command",
];

fn string_field(data: &Value, key: &str) -> Result<Option<String>, String> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(format!("`{key}` is {other}, not a string")),
    }
}

fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// Reads the hook input. Anything malformed is an error: the caller denies.
pub fn read(agent: Agent, raw: &[u8], process_cwd: &Path) -> Result<Event, String> {
    let data: Value = serde_json::from_slice(raw)
        .map_err(|error| format!("the hook input is not valid JSON ({error})"))?;
    if !data.is_object() {
        return Err("the hook input is not a JSON object".to_owned());
    }
    let command = match agent {
        Agent::Cursor => Some(
            string_field(&data, "command")?.ok_or("the hook input has no `command`".to_owned())?,
        ),
        _ => {
            let tool = string_field(&data, "tool_name")?;
            if tool
                .as_deref()
                .is_some_and(|tool| !SHELL_TOOLS.contains(&tool.to_ascii_lowercase().as_str()))
            {
                None
            } else {
                let mut input = data.get("tool_input").cloned().unwrap_or(Value::Null);
                if let Value::String(text) = &input {
                    input = serde_json::from_str(text)
                        .unwrap_or_else(|_| json!({ "command": text.clone() }));
                }
                Some(match input.get("command") {
                    Some(Value::String(command)) => command.clone(),
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .map(|part| part.as_str().map(quote))
                        .collect::<Option<Vec<_>>>()
                        .ok_or("`tool_input.command` holds something other than strings")?
                        .join(" "),
                    _ => return Err("the hook input has no `tool_input.command` string".to_owned()),
                })
            }
        }
    };
    let cwd = match string_field(&data, "cwd")? {
        Some(cwd) if !cwd.is_empty() => PathBuf::from(cwd),
        _ => match data.pointer("/workspace_roots/0") {
            Some(Value::String(root)) if agent == Agent::Cursor => PathBuf::from(root),
            _ => process_cwd.to_path_buf(),
        },
    };
    Ok(Event {
        command,
        cwd: process_cwd.join(cwd),
    })
}

/// What is written, and the exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

/// The answer in `agent`'s form. `failed` (no decision could be made)
/// also sets the exit code the agent treats as blocking whatever it does
/// with the JSON, and puts the reason on stderr.
pub fn answer(agent: Agent, verdict: Verdict, reason: &str, failed: bool) -> Answer {
    // Agents without an "ask" answer get a deny that says a person decides.
    let verdict = match (agent, verdict) {
        (Agent::Codex | Agent::Kiro, Verdict::Ask) => Verdict::Deny,
        (_, verdict) => verdict,
    };
    let failed = failed && verdict == Verdict::Deny;
    let blocking = if failed { 2 } else { 0 };
    let stderr = if failed {
        format!("{reason}\n")
    } else {
        String::new()
    };
    match agent {
        Agent::Claude | Agent::Codex => {
            let stdout = match verdict {
                Verdict::Allow if reason.is_empty() => String::new(),
                Verdict::Allow => json!({"hookSpecificOutput": {
                    "hookEventName": "PreToolUse", "additionalContext": reason}})
                .to_string(),
                Verdict::Ask | Verdict::Deny => json!({"hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": verdict.label(),
                    "permissionDecisionReason": reason}})
                .to_string(),
            };
            Answer {
                stdout: line(stdout),
                stderr,
                code: blocking,
            }
        }
        Agent::Kiro => match verdict {
            Verdict::Allow => Answer {
                stdout: line(reason.to_owned()),
                stderr: String::new(),
                code: 0,
            },
            _ => Answer {
                stdout: String::new(),
                stderr: format!("{reason}\n"),
                code: 2,
            },
        },
        Agent::Cursor => {
            let mut value = json!({"continue": true, "permission": verdict.label()});
            if !reason.is_empty() {
                value["agent_message"] = json!(reason);
                if verdict != Verdict::Allow {
                    value["user_message"] = json!(reason.lines().next().unwrap_or_default());
                }
            }
            Answer {
                stdout: line(value.to_string()),
                stderr,
                code: blocking,
            }
        }
    }
}

fn line(text: String) -> String {
    if text.is_empty() { text } else { text + "\n" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_input_is_an_error() {
        let cwd = Path::new("/w");
        for raw in [
            &b"not json"[..],
            br#"{"tool_name":"Bash","tool_input":{"command":"terraform apply \ud800"}}"#,
            br#"{"tool_name":"Bash","cwd":7,"tool_input":{"command":"ls"}}"#,
            br#"{"tool_name":"Bash","tool_input":{}}"#,
            br#"[1]"#,
            b"\xff\xfe",
        ] {
            assert!(read(Agent::Claude, raw, cwd).is_err(), "{raw:?}");
        }
        let other = read(
            Agent::Claude,
            br#"{"tool_name":"Write","tool_input":{}}"#,
            cwd,
        )
        .unwrap();
        assert!(other.command.is_none());
    }

    #[test]
    fn failures_block_in_every_protocol() {
        for agent in [Agent::Claude, Agent::Codex, Agent::Cursor, Agent::Kiro] {
            let failed = answer(agent, Verdict::Deny, "broken", true);
            assert_eq!(failed.code, 2, "{agent:?}");
            assert!(failed.stderr.contains("broken"));
        }
        let ask = answer(Agent::Kiro, Verdict::Ask, "a person decides", false);
        assert_eq!(ask.code, 2);
        let ask = answer(Agent::Codex, Verdict::Ask, "a person decides", false);
        assert!(ask.stdout.contains("\"deny\""));
        let ask = answer(Agent::Claude, Verdict::Ask, "a person decides", false);
        assert!(ask.stdout.contains("\"ask\""));
    }
}
