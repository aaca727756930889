//! Who wrote the plan: an AI agent, a person, or unknown. Only trusted
//! context counts (never anything the plan says about itself): an explicit
//! flag or variable, environment variables coding agents set, and in GitHub
//! Actions the pull request's author and its commits' `Co-authored-by:`
//! trailers. The environment and git are injected so detection is testable.

use serde::Deserialize;

use crate::rules::{BUILTIN_FILES, RuleError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentEntry {
    pub name: String,
    pub env: Vec<String>,
    pub github_logins: Vec<String>,
    pub coauthor: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agents {
    #[serde(default)]
    pub agent: Vec<AgentEntry>,
}

impl Agents {
    /// `rules/authors.toml`, embedded.
    pub fn builtin() -> Result<Self, RuleError> {
        match BUILTIN_FILES
            .iter()
            .find(|(path, _)| path.ends_with("authors.toml"))
        {
            Some((path, text)) => {
                toml::from_str(text).map_err(|error| RuleError::toml(path, text, &error))
            }
            None => Ok(Agents::default()),
        }
    }
}

/// Who wrote the plan, as detected (or claimed), and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    Agent,
    Human,
    Unknown,
}

impl AuthorKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Human => "human",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Author {
    pub kind: AuthorKind,
    pub reason: String,
}

/// `--author`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorChoice {
    Agent,
    Human,
    Auto,
}

/// What detection may read.
pub struct DetectionSources<'c> {
    pub env: &'c dyn Fn(&str) -> Option<String>,
    /// Runs git with these arguments and returns its stdout.
    pub git: &'c dyn Fn(&[&str]) -> Option<String>,
    /// Reads a file (the GitHub event payload).
    pub read: &'c dyn Fn(&str) -> Option<String>,
}

/// One piece of evidence about the author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub kind: AuthorKind,
    /// What was seen, e.g. `CLAUDECODE is set: Claude Code is running`.
    pub what: String,
    /// A claim (`--author`, `BLASTWALL_AUTHOR`) anyone may make, as opposed
    /// to context an agent sets without asking (its variables, the pull
    /// request's author and trailers).
    pub claim: bool,
}

/// Every signal, and the author they add up to.
#[derive(Debug, Clone)]
pub struct Detection {
    pub author: Author,
    pub signals: Vec<Signal>,
}

impl Detection {
    /// Claims of `human` that an agent signal overrules: each is an attempt
    /// to pick the lenient profile from an agent's run.
    pub fn overruled_claims(&self) -> Vec<&Signal> {
        if self.author.kind != AuthorKind::Agent {
            return Vec::new();
        }
        self.signals
            .iter()
            .filter(|signal| signal.claim && signal.kind == AuthorKind::Human)
            .collect()
    }

    /// The agent signals seen, for messages: the first, and how many more.
    pub fn agent_evidence(&self) -> String {
        let agents: Vec<&Signal> = self
            .signals
            .iter()
            .filter(|signal| signal.kind == AuthorKind::Agent)
            .collect();
        match agents.as_slice() {
            [] => "no agent signal".to_owned(),
            [one] => one.what.clone(),
            [first, rest @ ..] => {
                format!("{} (and {} more agent signal(s))", first.what, rest.len())
            }
        }
    }
}

/// Collects every signal; when any says agent the run is an agent's, and a
/// claim of `human` cannot change that (the caller refuses it). Otherwise a
/// claim decides, then the pull request, else the author is unknown.
pub fn detect(choice: AuthorChoice, agents: &Agents, context: &DetectionSources<'_>) -> Detection {
    let mut signals = Vec::new();
    let claim = |kind, what: String| Signal {
        kind,
        what,
        claim: true,
    };
    match choice {
        AuthorChoice::Agent => signals.push(claim(AuthorKind::Agent, "--author agent".to_owned())),
        AuthorChoice::Human => signals.push(claim(AuthorKind::Human, "--author human".to_owned())),
        AuthorChoice::Auto => {}
    }
    let env = |name: &str| (context.env)(name).filter(|value| !value.trim().is_empty());
    if let Some(value) = env("BLASTWALL_AUTHOR") {
        match value.trim().to_ascii_lowercase().as_str() {
            "agent" => signals.push(claim(
                AuthorKind::Agent,
                "BLASTWALL_AUTHOR=agent".to_owned(),
            )),
            "human" => signals.push(claim(
                AuthorKind::Human,
                "BLASTWALL_AUTHOR=human".to_owned(),
            )),
            _ => {}
        }
    }
    for agent in &agents.agent {
        for variable in agent.env.iter().filter(|variable| env(variable).is_some()) {
            signals.push(Signal {
                kind: AuthorKind::Agent,
                what: format!("{variable} is set: {} is running", agent.name),
                claim: false,
            });
        }
    }
    if env("GITHUB_ACTIONS").as_deref() == Some("true")
        && let Some(found) = github_pull_request(agents, context, &env)
    {
        signals.push(Signal {
            kind: found.kind,
            what: found.reason,
            claim: false,
        });
    }
    let first = |kind: AuthorKind| signals.iter().find(|signal| signal.kind == kind);
    let author = match (first(AuthorKind::Agent), first(AuthorKind::Human)) {
        (Some(agent), _) => Author {
            kind: AuthorKind::Agent,
            reason: agent.what.clone(),
        },
        (None, Some(human)) => Author {
            kind: AuthorKind::Human,
            reason: human.what.clone(),
        },
        (None, None) => Author {
            kind: AuthorKind::Unknown,
            reason: "no agent variable, no pull request author or trailer identifies the author"
                .to_owned(),
        },
    };
    Detection { author, signals }
}

fn github_pull_request(
    agents: &Agents,
    context: &DetectionSources<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Author> {
    let event: serde_json::Value =
        serde_json::from_str(&(context.read)(&env("GITHUB_EVENT_PATH")?)?).ok()?;
    let pull_request = event.get("pull_request")?;
    let login = pull_request
        .pointer("/user/login")
        .and_then(|login| login.as_str())
        .unwrap_or_default();
    let login_type = pull_request
        .pointer("/user/type")
        .and_then(|kind| kind.as_str())
        .unwrap_or_default();
    let number = pull_request
        .get("number")
        .and_then(|number| number.as_u64())
        .unwrap_or_default();
    for agent in &agents.agent {
        if agent
            .github_logins
            .iter()
            .any(|bot| bot.eq_ignore_ascii_case(login))
        {
            return Some(Author {
                kind: AuthorKind::Agent,
                reason: format!(
                    "pull request #{number} was opened by {login} ({})",
                    agent.name
                ),
            });
        }
    }
    let base = pull_request
        .pointer("/base/sha")
        .and_then(|sha| sha.as_str());
    let head = pull_request
        .pointer("/head/sha")
        .and_then(|sha| sha.as_str());
    if let (Some(base), Some(head)) = (base, head) {
        let range = format!("{base}..{head}");
        let trailers = (context.git)(&[
            "log",
            "--format=%(trailers:key=Co-authored-by,valueonly)",
            &range,
        ])
        .unwrap_or_default();
        for trailer in trailers.lines().filter(|line| !line.trim().is_empty()) {
            let lowered = trailer.to_ascii_lowercase();
            if let Some(agent) = agents.agent.iter().find(|agent| {
                agent
                    .coauthor
                    .iter()
                    .any(|needle| lowered.contains(&needle.to_ascii_lowercase()))
            }) {
                return Some(Author {
                    kind: AuthorKind::Agent,
                    reason: format!(
                        "a commit of pull request #{number} is co-authored by {} ({})",
                        crate::util::escape::for_terminal(trailer.trim()),
                        agent.name
                    ),
                });
            }
        }
    }
    if login_type == "User" {
        return Some(Author {
            kind: AuthorKind::Human,
            reason: format!(
                "pull request #{number} was opened by {login}, and no commit names an agent co-author"
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn agents() -> Agents {
        toml::from_str(
            r#"
[[agent]]
name = "Claude Code"
env = ["CLAUDECODE"]
github_logins = ["claude[bot]"]
coauthor = ["noreply@anthropic.com"]
source = "test"
[[agent]]
name = "Copilot coding agent"
env = []
github_logins = ["Copilot", "copilot-swe-agent[bot]"]
coauthor = []
source = "test"
"#,
        )
        .unwrap()
    }

    fn detect_with(vars: &[(&str, &str)], event: Option<&str>, trailers: &str) -> Author {
        detection_with(AuthorChoice::Auto, vars, event, trailers).author
    }

    fn detection_with(
        choice: AuthorChoice,
        vars: &[(&str, &str)],
        event: Option<&str>,
        trailers: &str,
    ) -> Detection {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = move |name: &str| vars.get(name).cloned();
        let git = |_: &[&str]| Some(trailers.to_owned());
        let read = |_: &str| event.map(str::to_owned);
        detect(
            choice,
            &agents(),
            &DetectionSources {
                env: &env,
                git: &git,
                read: &read,
            },
        )
    }

    fn event(login: &str, kind: &str) -> String {
        format!(
            r#"{{"pull_request":{{"number":7,"user":{{"login":"{login}","type":"{kind}"}},"base":{{"sha":"aaa"}},"head":{{"sha":"bbb"}}}}}}"#
        )
    }

    #[test]
    fn scrubbed_environment_is_unknown() {
        assert_eq!(detect_with(&[], None, "").kind, AuthorKind::Unknown);
    }

    #[test]
    fn agent_variable_and_explicit_override() {
        let found = detect_with(&[("CLAUDECODE", "1")], None, "");
        assert_eq!(found.kind, AuthorKind::Agent);
        assert!(found.reason.contains("CLAUDECODE"));
        // A claim of `human` does not outrank an agent variable.
        let claimed = detection_with(
            AuthorChoice::Auto,
            &[("CLAUDECODE", "1"), ("BLASTWALL_AUTHOR", "human")],
            None,
            "",
        );
        assert_eq!(claimed.author.kind, AuthorKind::Agent);
        assert_eq!(claimed.overruled_claims()[0].what, "BLASTWALL_AUTHOR=human");
        let flag = detection_with(AuthorChoice::Human, &[("CODEX_THREAD_ID", "t")], None, "");
        assert_eq!(
            flag.author.kind,
            AuthorKind::Human,
            "CODEX is not in this test list"
        );
        let flag = detection_with(AuthorChoice::Human, &[("CLAUDECODE", "1")], None, "");
        assert_eq!(flag.author.kind, AuthorKind::Agent);
        assert_eq!(flag.overruled_claims()[0].what, "--author human");
        // Without an agent signal, a person's claim decides.
        let person = detection_with(AuthorChoice::Human, &[], None, "");
        assert_eq!(person.author.kind, AuthorKind::Human);
        assert!(person.overruled_claims().is_empty());
        assert_eq!(
            detect_with(&[("CLAUDECODE", "")], None, "").kind,
            AuthorKind::Unknown
        );
    }

    #[test]
    fn github_bot_author_and_trailers() {
        let github = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_PATH", "/event.json"),
        ];
        let bot = detect_with(&github, Some(&event("copilot-swe-agent[bot]", "Bot")), "");
        assert_eq!(bot.kind, AuthorKind::Agent);
        assert!(
            bot.reason.contains("Copilot coding agent"),
            "{}",
            bot.reason
        );
        let trailer = detect_with(
            &github,
            Some(&event("alice", "User")),
            "Claude <noreply@anthropic.com>\n",
        );
        assert_eq!(trailer.kind, AuthorKind::Agent);
        let human = detect_with(
            &github,
            Some(&event("alice", "User")),
            "Bob <bob@example.com>\n",
        );
        assert_eq!(human.kind, AuthorKind::Human);
        assert!(human.reason.contains("alice"));
        // A person's pull request, checked from an agent's shell, is an agent's run.
        let mut both = github.to_vec();
        both.push(("CLAUDECODE", "1"));
        let mixed = detect_with(&both, Some(&event("alice", "User")), "");
        assert_eq!(mixed.kind, AuthorKind::Agent);
    }
}
