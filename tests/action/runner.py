#!/usr/bin/env python3
"""Runs a composite action.yml the way the GitHub Actions runner does, locally.

For the action's local test (tests/action/run-local.sh): it reads action.yml,
and for each step in order evaluates `if:` and the `${{ }}` expressions in
`env:` and `with:` (contexts inputs, github, steps, runner, env; functions
success, failure, always, cancelled), runs `run:` steps with
`bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`) with
GITHUB_OUTPUT set to a fresh file, and reads the step's outputs back. A `uses:`
step cannot run here: it is recorded (action and evaluated `with:`) as if it had
succeeded. Then it evaluates the action's outputs and appends them to the
caller's $GITHUB_OUTPUT, as the runner sets a step's outputs.

Every line a step prints (stdout and stderr) is read as the runner reads it
for workflow commands: `::name props::data` at the start of a line (after
spaces) and `##[name props]data` anywhere in it, for the runner's registered
command names, with `::stop-commands::TOKEN` … `::TOKEN::` honoured. Each
command found is recorded with the step (result: "commands"), so a test can
tell which commands the log would have run.

It also refuses an action.yml that pastes an expression into a `run:` script
(inputs must arrive through env:), or an input that action.yml does not declare.

  runner.py ACTION_YML --result FILE [--input NAME=VALUE]... [--github KEY=VALUE]...

Writes FILE: {"steps": [{"id", "name", "result", "exit_code", "outputs",
"uses", "with"}], "outputs": {...}, "failed": bool, "commands": [{"step",
"name", "properties", "data", "line"}]}. Exits 1 when the action
failed, 0 otherwise. Needs PyYAML.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover - a message instead of a traceback
    sys.exit("runner.py needs PyYAML (pip install pyyaml, or apt-get install python3-yaml)")

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|&&|\|\||!|\(|\)|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)
    )""",
    re.VERBOSE,
)


def as_string(value):
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def truthy(value):
    return value not in (None, False, 0, "")


class Expression:
    """A small evaluator for the GitHub Actions expression language."""

    def __init__(self, text, lookup, functions):
        self.tokens = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(f"cannot parse expression at {text[position:]!r}")
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.position = 0
        self.lookup = lookup
        self.functions = functions

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        if value is not None and token[1] != value:
            raise ValueError(f"expected {value!r}, found {token[1]!r}")
        self.position += 1
        return token

    def evaluate(self):
        value = self.disjunction()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()[1]!r}")
        return value

    def disjunction(self):
        value = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.conjunction()
            value = value if truthy(value) else right
        return value

    def conjunction(self):
        value = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.comparison()
            value = right if truthy(value) else value
        return value

    def comparison(self):
        value = self.unary()
        if self.peek() in (("op", "=="), ("op", "!=")):
            operator = self.take()[1]
            right = self.unary()
            equal = as_string(value).lower() == as_string(right).lower()
            value = equal if operator == "==" else not equal
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if kind == "op" and text == "(":
            value = self.disjunction()
            self.take(")")
            return value
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self.peek() == ("op", "("):
                self.take()
                arguments = []
                while self.peek() != ("op", ")"):
                    arguments.append(self.disjunction())
                    if self.peek() == ("op", ","):
                        self.take()
                self.take(")")
                if text not in self.functions:
                    raise ValueError(f"unknown function {text}()")
                return self.functions[text](*arguments)
            return self.lookup(text.split("."))
        raise ValueError(f"unexpected {text!r}")


# The runner's registered commands (actions/runner ActionCommandManager).
REGISTERED = {
    "add-mask", "add-matcher", "remove-matcher", "debug", "notice", "warning", "error",
    "group", "endgroup", "echo", "save-state", "set-output", "set-env", "add-path",
    "stop-commands",
}


class CommandParser:
    """Finds workflow commands in log lines as the Actions runner does
    (ActionCommand.TryParseV2, then the older TryParse)."""

    def __init__(self):
        self.stop_token = None
        self.commands = []

    def parse(self, line):
        text = line.rstrip("\r\n")
        found = None
        v2 = text.lstrip()
        if v2.startswith("::"):
            end = v2.find("::", 2)
            if end >= 0:
                info, data = v2[2:end], v2[end + 2:]
                name, _, properties = info.partition(" ")
                found = (name, properties, data)
        if found is None or not self.known(found[0]):
            found = None
            start = text.find("##[")
            if start >= 0:
                end = text.find("]", start)
                if end >= 0:
                    name, _, properties = text[start + 3:end].partition(" ")
                    found = (name, properties, text[end + 1:])
        if found is None or not self.known(found[0]):
            return None
        name, properties, data = found
        if self.stop_token is not None:
            if name.lower() == self.stop_token.lower():
                self.stop_token = None
            return None
        if name == "stop-commands":
            self.stop_token = data
        return {"name": name, "properties": properties, "data": data, "line": text}

    def known(self, name):
        return name in REGISTERED or (self.stop_token is not None and name.lower() == self.stop_token.lower())


def read_outputs(path):
    """Parses a GITHUB_OUTPUT file: NAME=VALUE lines and NAME<<DELIMITER blocks."""
    outputs = {}
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].rstrip("\r")
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while index < len(lines) and lines[index].rstrip("\r") != delimiter:
                value.append(lines[index])
                index += 1
            index += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        else:
            raise ValueError(f"malformed GITHUB_OUTPUT line {line!r}")
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action")
    parser.add_argument("--result", required=True)
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--github", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    action_file = os.path.abspath(args.action)
    with open(action_file, encoding="utf-8") as handle:
        action = yaml.safe_load(handle)
    if action.get("runs", {}).get("using") != "composite":
        sys.exit("runner.py runs composite actions only")

    github = {
        "action_path": os.path.dirname(action_file),
        "workspace": os.environ.get("GITHUB_WORKSPACE", os.getcwd()),
        "event_name": os.environ.get("GITHUB_EVENT_NAME", ""),
        "event_path": os.environ.get("GITHUB_EVENT_PATH", ""),
        "repository": os.environ.get("GITHUB_REPOSITORY", ""),
        "api_url": os.environ.get("GITHUB_API_URL", ""),
        "token": "",
        "action_repository": "",
        "action_ref": "",
    }
    for pair in args.github:
        key, value = pair.split("=", 1)
        github[key] = value
    runner = {
        "temp": os.environ.get("RUNNER_TEMP", tempfile.gettempdir()),
        "os": os.environ.get("RUNNER_OS", ""),
        "arch": os.environ.get("RUNNER_ARCH", ""),
    }
    declared = action.get("inputs") or {}
    given = {}
    for pair in args.input:
        name, value = pair.split("=", 1)
        if name not in declared:
            sys.exit(f"runner.py: action.yml declares no input {name!r}")
        given[name] = value

    steps_context = {}
    state = {"failed": False}
    parser = CommandParser()
    commands = []

    def lookup(path):
        head, rest = path[0], path[1:]
        scopes = {
            "inputs": inputs,
            "github": github,
            "runner": runner,
            "env": dict(os.environ),
            "steps": steps_context,
        }
        if head not in scopes:
            raise ValueError(f"unknown context {head}")
        value = scopes[head]
        for key in rest:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    functions = {
        "success": lambda: not state["failed"],
        "failure": lambda: state["failed"],
        "always": lambda: True,
        "cancelled": lambda: False,
    }

    def evaluate(text):
        return Expression(text, lookup, functions).evaluate()

    def substitute(text):
        if not isinstance(text, str):
            return as_string(text)
        return re.sub(r"\$\{\{(.*?)\}\}", lambda match: as_string(evaluate(match.group(1))), text)

    inputs = {}
    for name, spec in declared.items():
        default = (spec or {}).get("default", "")
        inputs[name] = given[name] if name in given else substitute(default)

    results = []
    for number, step in enumerate(action["runs"]["steps"], 1):
        step_id = step.get("id", f"__step{number}")
        name = step.get("name", step_id)
        entry = {"id": step_id, "name": name, "result": "skipped", "exit_code": None, "outputs": {}}
        results.append(entry)
        if "${{" in step.get("run", ""):
            sys.exit(f"runner.py: step {name!r} pastes an expression into its script; pass it through env:")
        condition = step.get("if", "success()")
        condition = condition.strip() if isinstance(condition, str) else as_string(condition)
        if condition.startswith("${{") and condition.endswith("}}"):
            condition = condition[3:-2]
        if not re.search(r"\b(success|failure|always|cancelled)\(", condition):
            condition = f"success() && ({condition})"
        if not truthy(evaluate(condition)):
            print(f"[runner] skip {name}", file=sys.stderr)
            steps_context[step_id] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
            continue

        if "uses" in step:
            entry["uses"] = step["uses"]
            entry["with"] = {key: substitute(value) for key, value in (step.get("with") or {}).items()}
            entry["result"] = "success"
            print(f"[runner] {name}: would run {step['uses']} with {entry['with']}", file=sys.stderr)
            steps_context[step_id] = {"outputs": {}, "outcome": "success", "conclusion": "success"}
            continue

        if step.get("shell") != "bash":
            sys.exit(f"runner.py: step {name!r} must use shell: bash")
        env = dict(os.environ)
        env["GITHUB_ACTION_PATH"] = github["action_path"]
        for key, value in (step.get("env") or {}).items():
            env[key] = substitute(value)
        with tempfile.TemporaryDirectory() as scratch:
            script = os.path.join(scratch, "step.sh")
            output_file = os.path.join(scratch, "output")
            with open(script, "w", encoding="utf-8") as handle:
                handle.write(step["run"])
            open(output_file, "w").close()
            env["GITHUB_OUTPUT"] = output_file
            print(f"[runner] run {name}", file=sys.stderr)
            sys.stdout.flush()
            process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                cwd=step.get("working-directory", github["workspace"]),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for raw in process.stdout:
                line = raw.decode("utf-8", "replace")
                sys.stdout.write(line)
                command = parser.parse(line)
                if command is not None:
                    command["step"] = step_id
                    commands.append(command)
            code = process.wait()
            sys.stdout.flush()
            # A step's stop-commands ends with the step.
            parser.stop_token = None
            outputs = read_outputs(output_file)
        entry["exit_code"] = code
        entry["outputs"] = outputs
        if code == 0:
            entry["result"] = "success"
        else:
            entry["result"] = "failure"
            print(f"[runner] {name} failed: exit {code}", file=sys.stderr)
            if not truthy(step.get("continue-on-error", False)):
                state["failed"] = True
        steps_context[step_id] = {"outputs": outputs, "outcome": entry["result"], "conclusion": entry["result"]}

    outputs = {
        name: substitute((spec or {}).get("value", "")) for name, spec in (action.get("outputs") or {}).items()
    }
    caller_output = os.environ.get("GITHUB_OUTPUT")
    if caller_output:
        with open(caller_output, "a", encoding="utf-8") as handle:
            for name, value in outputs.items():
                if "\n" in value:
                    handle.write(f"{name}<<EOF_RUNNER\n{value}\nEOF_RUNNER\n")
                else:
                    handle.write(f"{name}={value}\n")
    with open(args.result, "w", encoding="utf-8") as handle:
        json.dump(
            {"steps": results, "outputs": outputs, "failed": state["failed"], "commands": commands},
            handle,
            indent=2,
        )
    return 1 if state["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
