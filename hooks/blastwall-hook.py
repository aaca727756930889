#!/usr/bin/env python3
"""blastwall pre-tool hook: check a Terraform/OpenTofu plan before an AI agent
applies it.

An agent (Claude Code, Codex CLI, Kiro, Cursor) runs this before each shell
command and passes the command as JSON on stdin. Commands that are not
`terraform`/`tofu` `apply`/`destroy` are allowed at once, without running
anything. For an apply or a destroy the hook checks what would be applied:

  terraform apply PLANFILE     blastwall check PLANFILE
  terraform apply / destroy    terraform plan [-destroy] -out TMP with the
                               command's options, directory and environment,
                               then blastwall check TMP (TMP removed afterwards)

and blocks the command unless the check exits 0 (3 = blocked by policy,
1 = no verdict: both block), with blastwall's agent report as the reason.
`blastwall guard -- terraform apply …` is always allowed: the guard checks the
plan itself and applies exactly the plan it checked.

Usage (see docs/agents.md):  blastwall-hook.py --agent claude|codex|kiro|cursor

Environment:
  BLASTWALL_BIN                  the blastwall binary (default: `blastwall` on PATH)
  BLASTWALL_HOOK_ARGS            extra `blastwall check` options, e.g. "--config ci/blastwall.toml"
  BLASTWALL_HOOK_REQUIRE_GUARD=1 deny every bare `apply`/`destroy` without planning,
                                 and tell the agent to run it through `blastwall guard`

Needs only python3 (standard library) and blastwall.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

TERRAFORM = ("terraform", "tofu")
SHELL_TOOLS = ("bash", "execute_bash", "shell", "run_shell_command", "exec_command")
# Options of `apply`/`destroy` that take a value when written `-flag value`.
VALUE_OPTIONS = {
    "-var", "-var-file", "-target", "-replace", "-lock-timeout",
    "-parallelism", "-state", "-state-out", "-backup", "-out",
}
# Options of `apply` that `plan` does not take, and the `-out` of a `plan`
# (dropped when the hook plans to its own file).
APPLY_ONLY = {"-auto-approve", "-backup", "-state-out", "-out"}
# Words that run the next word as the command.
PREFIXES = {
    "{", "}", "!", "if", "then", "else", "elif", "do", "while", "until",
    "time", "exec", "command", "builtin", "nohup", "noglob",
}
SHELLS = {"sh", "bash", "zsh", "dash", "ksh"}
RISKY_TEXT = re.compile(r"\b(terraform|tofu)\b.*(\b(apply|destroy)\b|-auto-approve)", re.S)
REPORT_LIMIT = 8000


class Unverifiable(Exception):
    """A terraform apply/destroy whose plan the hook cannot reproduce."""


class Invocation:
    def __init__(self, words, cwd):
        self.words = words
        self.cwd = cwd
        self.environment = {}  # `VAR=x terraform …`, `export VAR=x && …`
        self.planned_by = None  # the `terraform plan -out FILE` before `apply FILE`
        self.earlier = []  # commands before it in the same command line
        self.binary = words[0]
        rest = words[1:]
        self.global_opts = []
        index = 0
        while index < len(rest) and rest[index].startswith("-"):
            option = rest[index]
            if option == "-chdir" and index + 1 < len(rest):
                # `-chdir DIR` is not valid for terraform, but keep it together.
                self.global_opts += [option, rest[index + 1]]
                index += 2
                continue
            self.global_opts.append(option)
            index += 1
        self.subcommand = rest[index] if index < len(rest) else None
        self.options = []
        self.plan_file = None
        args = rest[index + 1:]
        position = 0
        while position < len(args):
            arg = args[position]
            name = arg.split("=", 1)[0]
            if arg.startswith("-"):
                if "=" not in arg and name in VALUE_OPTIONS and position + 1 < len(args):
                    self.options += [arg, args[position + 1]]
                    position += 2
                    continue
                self.options.append(arg)
            elif self.subcommand == "apply" and self.plan_file is None:
                self.plan_file = arg
            else:
                self.options.append(arg)
            position += 1

    def is_change(self):
        if self.subcommand not in ("apply", "destroy"):
            return False
        helps = ("-help", "--help", "-h")
        return not any(option in helps for option in self.global_opts + self.options)

    def destroys(self):
        return self.subcommand == "destroy" or any(
            option.split("=", 1)[0] == "-destroy" and option != "-destroy=false"
            for option in self.options
        )

    def workdir(self):
        chdir = None
        for index, option in enumerate(self.global_opts):
            if option.startswith("-chdir="):
                chdir = option.split("=", 1)[1]
            elif option == "-chdir" and index + 1 < len(self.global_opts):
                chdir = self.global_opts[index + 1]
        if chdir is None:
            return self.cwd
        return os.path.normpath(os.path.join(self.cwd, os.path.expanduser(chdir)))

    def plan_options(self):
        kept = []
        skip = False
        for option in self.options:
            if skip:
                skip = False
                continue
            name = option.split("=", 1)[0]
            if name in APPLY_ONLY:
                skip = "=" not in option and name in VALUE_OPTIONS
                continue
            if name == "-destroy":
                continue
            kept.append(option)
        return kept

    def text(self):
        return " ".join(shlex.quote(word) for word in self.words)


# --- reading the command ---------------------------------------------------


def tokens(command):
    lexer = shlex.shlex(command.replace("\\\n", " "), posix=True, punctuation_chars=";&|()<>\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def is_operator(token):
    return token != "" and all(char in ";&|()<>\n" for char in token)


def segments(command):
    """Simple commands of a shell command line, redirections removed, each
    with whether it writes a file (`> main.tf`)."""
    current = []
    writes = False
    words = tokens(command)
    index = 0
    while index < len(words):
        word = words[index]
        if is_operator(word):
            if "<" in word or ">" in word:
                if current and current[-1].isdigit():
                    current.pop()  # the `2` of `2>&1`
                target = words[index + 1] if index + 1 < len(words) else ""
                if ">" in word and not word.endswith("&") and target != "/dev/null":
                    writes = True
                index += 2  # the operator and its target
                continue
            if current:
                yield current, writes
            current = []
            writes = False
        elif word.strip():
            current.append(word)
        index += 1
    if current:
        yield current, writes


VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(word, variables):
    """Expands $VAR and ${VAR}; raises Unverifiable for anything else."""

    def value(match):
        name = match.group(1) or match.group(2)
        if name in variables:
            return variables[name]
        if name in os.environ:
            return os.environ[name]
        raise Unverifiable(f"`${name}` is not set where the hook can see it")

    expanded = VARIABLE.sub(value, word)
    if "$" in expanded or "`" in expanded:
        raise Unverifiable(f"`{word}` needs the shell to expand it")
    if expanded.startswith("~"):
        expanded = os.path.expanduser(expanded)
    return expanded


ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Commands that may come before an apply in the same command line without
# changing what it would apply.
HARMLESS = {
    "cd", "pushd", "popd", "export", "set", "true", ":", "echo", "printf", "pwd",
    "ls", "cat", "test", "[", "which", "type", "date", "sleep",
}
READ_ONLY = {"fmt", "validate", "plan", "show", "version", "output", "providers", "graph"}


class Scan:
    """What the shell would know when it reaches each simple command."""

    def __init__(self, cwd):
        self.cwd = cwd
        self.variables = {}  # shell variables, for expansion
        self.exported = {}  # what terraform would get in its environment
        self.earlier = []  # commands before, that may change the plan
        self.plans = {}  # plan file path -> the `terraform plan -out` writing it


def assign(scan, assignment, target):
    name, value = assignment.split("=", 1)
    try:
        target[name] = expand(value, scan.variables)
    except Unverifiable:
        target.pop(name, None)
        scan.variables.pop(name, None)
        return
    scan.variables[name] = target[name]


def strip_prefixes(words, scan):
    """Drops `VAR=value`, `env`, `sudo`, `timeout 5m` … before the program,
    and returns the words left and the environment they add."""
    environment = {}
    while words:
        first = words[0]
        if ASSIGNMENT.match(first):
            if len(words) == 1:
                assign(scan, first, {})  # a shell variable, not exported
            else:
                assign(scan, first, environment)
            words = words[1:]
        elif first in PREFIXES:
            words = words[1:]
        elif first == "env":
            index = 1
            while index < len(words) and (words[index].startswith("-") or "=" in words[index]):
                if ASSIGNMENT.match(words[index]):
                    assign(scan, words[index], environment)
                index += 1
            words = words[index:]
        elif first == "sudo":
            index = 1
            while index < len(words) and words[index].startswith("-"):
                index += 2 if words[index] in ("-u", "-g", "-C", "-D") else 1
            words = words[index:]
        elif first in ("timeout", "nice", "ionice", "stdbuf", "xargs"):
            index = 1
            while index < len(words) and words[index].startswith("-"):
                index += 1
            if first == "timeout" and index < len(words):
                index += 1  # the duration
            words = words[index:]
        else:
            return words, environment
    return words, environment


def plan_output(invocation):
    """The file a `terraform plan -out FILE` writes, as an absolute path."""
    for index, option in enumerate(invocation.options):
        if option.startswith("-out="):
            return os.path.join(invocation.workdir(), option.split("=", 1)[1])
        if option == "-out" and index + 1 < len(invocation.options):
            return os.path.join(invocation.workdir(), invocation.options[index + 1])
    return None


def invocations(command, scan, depth=0):
    """Every terraform/tofu apply/destroy in `command`, with where and how it runs."""
    found = []
    for words, writes in segments(command):
        text = " ".join(words)
        words, environment = strip_prefixes(words, scan)
        if not words:
            continue
        try:
            program = os.path.basename(expand(words[0], scan.variables))
        except Unverifiable:
            program = os.path.basename(words[0])
        if writes and program not in TERRAFORM:
            scan.earlier.append(text + " > …")
            continue
        if program == "export":
            for assignment in words[1:]:
                if "=" in assignment:
                    assign(scan, assignment, scan.exported)
            continue
        if program in ("cd", "pushd"):
            targets = [word for word in words[1:] if not word.startswith("-")]
            try:
                target = expand(targets[0], scan.variables) if targets else os.path.expanduser("~")
            except Unverifiable:
                scan.cwd = None
                continue
            if scan.cwd is not None:
                scan.cwd = os.path.normpath(os.path.join(scan.cwd, target))
            continue
        if program in SHELLS and "-c" in words[1:]:
            script_index = words.index("-c") + 1
            if script_index < len(words) and depth < 3:
                found += invocations(words[script_index], scan, depth + 1)
            continue
        if program == "eval":
            found += invocations(" ".join(words[1:]), scan, depth + 1)
            continue
        if program == "blastwall" or program.startswith("blastwall-"):
            # `blastwall guard -- terraform apply` checks the plan itself;
            # `check`, `explain` and `rules` change nothing.
            if len(words) < 2 or words[1] not in ("check", "explain", "rules"):
                scan.earlier.append(text)
            continue
        if program not in TERRAFORM:
            if program not in HARMLESS:
                scan.earlier.append(text)
            continue
        try:
            invocation = Invocation([expand(word, scan.variables) for word in words], scan.cwd)
        except Unverifiable:
            raw = Invocation(words, scan.cwd)
            if raw.is_change() or re.search(r"[$`]", raw.subcommand or ""):
                raise
            if raw.subcommand not in READ_ONLY or raw.subcommand == "plan":
                scan.earlier.append(text)
            continue
        if invocation.subcommand == "plan":
            invocation.environment = dict(scan.exported, **environment)
            output = plan_output(invocation) if scan.cwd is not None else None
            if output is not None:
                scan.plans[os.path.normpath(output)] = invocation
            continue
        if not invocation.is_change():
            if invocation.subcommand not in READ_ONLY:
                scan.earlier.append(text)
            continue
        if scan.cwd is None:
            raise Unverifiable("the directory it runs in is not known (a `cd` the hook cannot follow)")
        invocation.environment = dict(scan.exported, **environment)
        if invocation.plan_file is not None:
            saved = os.path.normpath(os.path.join(invocation.workdir(), invocation.plan_file))
            invocation.planned_by = scan.plans.get(saved)
        invocation.earlier = list(scan.earlier)
        found.append(invocation)
        scan.earlier.append(text)
    return found


# --- checking --------------------------------------------------------------


def blastwall_binary():
    configured = os.environ.get("BLASTWALL_BIN")
    if configured:
        return configured
    return shutil.which("blastwall")


def resolve_binary(binary, cwd):
    if os.sep in binary:
        return os.path.normpath(os.path.join(cwd, binary))
    return shutil.which(binary) or binary


def bounded(text):
    text = text.strip()
    if len(text) > REPORT_LIMIT:
        return text[:REPORT_LIMIT] + "\n… (report cut; run `blastwall check` for all of it)"
    return text


def run(args, cwd, extra=None):
    environment = dict(os.environ, **(extra or {}))
    environment.update(TF_IN_AUTOMATION="1", NO_COLOR="1")
    try:
        return subprocess.run(
            args, cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, errors="replace",
        )
    except OSError as error:
        return subprocess.CompletedProcess(args, 127, "", f"could not run {args[0]}: {error}")


def check_plan(blastwall, plan, invocation, binary):
    args = [blastwall, "check", "--author", "agent", "--format", "agent", "--color", "never"]
    args += ["--terraform-bin", binary]
    args += shlex.split(os.environ.get("BLASTWALL_HOOK_ARGS", ""))
    args.append(plan)
    result = run(args, invocation.cwd, invocation.environment)
    report = bounded("\n".join(part for part in (result.stdout, result.stderr) if part.strip()))
    return result.returncode, report


def plan_and_check(blastwall, source, binary):
    """`terraform plan` as `source` would plan, to a temporary file beside
    `.terraform/`, then `blastwall check` of it. Returns (exit, report) or
    (None, why it could not plan)."""
    workdir = source.workdir()
    if not os.path.isdir(workdir):
        return None, f"{workdir} is not a directory"
    try:
        handle, plan = tempfile.mkstemp(prefix=".blastwall-hook-", suffix=".tfplan", dir=workdir)
        os.close(handle)
    except OSError as error:
        return None, f"no temporary plan file in {workdir}: {error}"
    try:
        args = [binary] + source.global_opts + ["plan"]
        if source.destroys():
            args.append("-destroy")
        args += source.plan_options() + ["-input=false", "-no-color", f"-out={plan}"]
        planned = run(args, source.cwd, source.environment)
        if planned.returncode != 0:
            shown = " ".join(shlex.quote(arg) for arg in args[:-1])
            return None, (
                f"`{shown} -out=…` failed (exit {planned.returncode}), so there is no plan to "
                "check:\n" + bounded(planned.stderr or planned.stdout)
            )
        return check_plan(blastwall, plan, source, binary)
    finally:
        try:
            os.remove(plan)
        except OSError:
            pass


def guard_command(invocation):
    return "blastwall guard -- " + invocation.text()


def decide(invocation):
    """Returns (allowed, message) for one apply/destroy."""
    command = invocation.text()
    guard = guard_command(invocation)
    bare = invocation.plan_file is None
    if os.environ.get("BLASTWALL_HOOK_REQUIRE_GUARD") == "1" and bare:
        return False, (
            f"blastwall: `{command}` was not run. In this project an apply or destroy goes through "
            f"blastwall, which plans, checks and applies exactly the checked plan: run `{guard}` instead."
        )
    if invocation.earlier:
        before = " && ".join(f"`{text}`" for text in invocation.earlier)
        return False, (
            f"blastwall: `{command}` was not run: it comes after {before} in the same command line, "
            "and the hook checks the plan before any of it runs, so it cannot see what those change. "
            f"Run them first, then the apply as a command of its own (or `{guard}`, which plans "
            "when it runs)."
        )
    blastwall = blastwall_binary()
    if not blastwall:
        return False, (
            f"blastwall: `{command}` was not run: the blastwall binary was not found "
            "(install it, or set BLASTWALL_BIN), so the plan could not be checked."
        )
    binary = resolve_binary(invocation.binary, invocation.cwd)
    if bare:
        code, report = plan_and_check(blastwall, invocation, binary)
        what = "the plan it would apply"
        done = f"blastwall planned `{command}` and checked that plan"
    elif invocation.planned_by is not None:
        # `terraform plan -out F && terraform apply F`: F is not written yet.
        source = invocation.planned_by
        code, report = plan_and_check(blastwall, source, binary)
        what = f"the plan `{source.text()}` would write"
        done = f"blastwall planned as `{source.text()}` does and checked that plan"
    else:
        plan = os.path.join(invocation.workdir(), os.path.expanduser(invocation.plan_file))
        code, report = check_plan(blastwall, plan, invocation, binary)
        what = f"the saved plan {invocation.plan_file}"
        done = f"blastwall checked {what}"
    if code is None:
        return False, f"blastwall: `{command}` was not run: {report}"
    if code == 0:
        if not bare and invocation.planned_by is None:
            return True, f"{done}: it may be applied.\n{report}"
        return True, (
            f"{done}: it may be applied. Terraform plans again when the command runs, so what it "
            "applies can differ from what was checked; to apply exactly the checked plan, run "
            f"`{guard}` for the apply instead.\n{report}"
        )
    verdict = "blocked by policy" if code == 3 else f"no verdict (blastwall exit {code})"
    return False, (
        f"blastwall blocked `{command}` (in {invocation.cwd}): {what} did not pass the check "
        f"({verdict}). Nothing was applied.\n{report}\n"
        "What to do: change the configuration so that the plan passes (the findings above say what "
        "is wrong), or stop and ask a person to review it. Once a person has approved this exact plan "
        f"with `blastwall approve`, apply it with `{guard}`. Do not try to get around this check."
    )


# --- the agents' protocols -------------------------------------------------


def read_input(agent):
    raw = sys.stdin.read()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        return agent or "claude", None, None, raw
    if agent is None:
        if data.get("hook_event_name") == "beforeShellExecution" or (
            "command" in data and "tool_input" not in data
        ):
            agent = "cursor"
        elif str(data.get("tool_name", "")) in ("execute_bash", "shell"):
            agent = "kiro"
        else:
            agent = "claude"
    if agent == "cursor":
        command = data.get("command")
        cwd = data.get("cwd") or next(iter(data.get("workspace_roots") or []), None)
    else:
        tool = str(data.get("tool_name", ""))
        if tool and tool.lower() not in SHELL_TOOLS:
            return agent, None, None, ""
        tool_input = data.get("tool_input")
        if isinstance(tool_input, str):
            try:
                tool_input = json.loads(tool_input)
            except json.JSONDecodeError:
                tool_input = {"command": tool_input}
        command = tool_input.get("command") if isinstance(tool_input, dict) else None
        if isinstance(command, list):
            command = " ".join(shlex.quote(str(part)) for part in command)
        cwd = data.get("cwd")
    return agent, command, cwd or os.getcwd(), raw


def respond(agent, allowed, message):
    """Writes the agent's answer and returns the exit code."""
    if agent == "cursor":
        answer = {"continue": True, "permission": "allow" if allowed else "deny"}
        if message:
            answer["agent_message"] = message
            if not allowed:
                answer["user_message"] = message.splitlines()[0]
        print(json.dumps(answer))
        return 0
    if agent == "kiro":
        # Kiro: exit 2 blocks and STDERR goes to the model; exit 0 allows.
        if allowed:
            if message:
                print(message)
            return 0
        print(message, file=sys.stderr)
        return 2
    # Claude Code and Codex CLI: JSON on stdout with exit 0. A deny carries the
    # reason to the model; an allow only adds context (no `allow` decision, so
    # the agent's own permission rules still apply).
    if allowed:
        if message:
            print(json.dumps({"hookSpecificOutput": {
                "hookEventName": "PreToolUse", "additionalContext": message}}))
        return 0
    print(json.dumps({"hookSpecificOutput": {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": message,
    }}))
    return 0


def main(argv):
    agent = None
    if "--agent" in argv:
        position = argv.index("--agent")
        agent = argv[position + 1] if position + 1 < len(argv) else None
        if agent not in ("claude", "codex", "kiro", "cursor"):
            print("usage: blastwall-hook.py [--agent claude|codex|kiro|cursor]", file=sys.stderr)
            return 1
    agent, command, cwd, raw = read_input(agent)
    if command is None:
        if raw and RISKY_TEXT.search(raw):
            return respond(agent, False, (
                "blastwall: the hook could not read this command, and it looks like a terraform "
                "apply or destroy; run it as `blastwall guard -- terraform apply …`."))
        return respond(agent, True, "")
    if not isinstance(command, str) or not re.search(r"terraform|tofu", command):
        return respond(agent, True, "")
    try:
        found = invocations(command, Scan(os.path.abspath(cwd)))
    except (Unverifiable, ValueError) as problem:
        if not RISKY_TEXT.search(command):
            return respond(agent, True, "")
        return respond(agent, False, (
            f"blastwall: this command looks like a terraform/tofu apply or destroy, but the hook "
            f"cannot tell exactly what it would apply ({problem}). Run it as a plain command with "
            "literal arguments, or as `blastwall guard -- terraform apply …`, which checks the plan "
            "it applies."))
    messages = []
    for invocation in found:
        allowed, message = decide(invocation)
        if not allowed:
            # The first blocked one is enough: nothing of the command runs.
            return respond(agent, False, message)
        messages.append(message)
    return respond(agent, True, "\n\n".join(messages))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
