#!/usr/bin/env python3
"""A fake GitHub for the action's local test (tests/action/run-local.sh).

Listens on 127.0.0.1 (a free port, written to --port-file), records every
request as one JSON line in --log (method, path, authorization, body), and
answers:

  GET   /repos/O/R/issues/N/comments?page=P   the comments of the current mode
  POST  /repos/O/R/issues/N/comments          201 and the new comment
  PATCH /repos/O/R/issues/comments/ID         200, or 404 for an unknown ID
  GET   /repos/O/R/pulls/N                    the scenario's "pull"
  GET   /repos/O/R/pulls/N/commits?page=P     the scenario's "commits", 100 a page
                                              (or its "commits_status", e.g. 500)
  GET   /repos/O/R/pulls/N/files?page=P       the scenario's "files"
  GET   /repos/O/R/pulls/N/reviews            the scenario's "reviews"
  GET   /repos/O/R/pulls/N/comments           the scenario's "review_comments"
  GET   /repos/O/R/collaborators/U/permission the scenario's "permissions"[U]
                                              (404 for anyone else)
  GET   anything else                         a file below --files (releases)

The mode is read from --mode-file at each request, so one server serves every
case of the test:
  empty      no comment yet
  existing   page 1: 100 comments of people, one of them quoting the marker
             mid-text; page 2: the bot's comment (id 4242) starting with it
  forbidden  lists comments, but writing one answers 403 (a fork's token)

The mode file may instead hold a JSON scenario: {"comments": one of the
modes above, and the keys listed beside the endpoints; "issue_comments"
replaces page 1 of the issue comments}.

It stops by itself after --lifetime seconds. Standard library only.
"""

import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MARKER = "<!-- blastwall-report -->"
EXISTING_ID = 4242


def page_of(items, query):
    page = int(parse_qs(query).get("page", ["1"])[0])
    per_page = int(parse_qs(query).get("per_page", ["30"])[0])
    return items[(page - 1) * per_page : page * per_page]


def comments_page(mode, page, scenario=None):
    if scenario and "issue_comments" in scenario:
        return scenario["issue_comments"] if page == 1 else []
    if mode not in ("existing",):
        return []
    if page == 1:
        people = [
            {
                "id": 1000 + i,
                "user": {"login": "someone", "type": "User"},
                "body": f"looks good {i}",
            }
            for i in range(99)
        ]
        people.append(
            {
                "id": 1099,
                "user": {"login": "someone", "type": "User"},
                "body": f"> {MARKER}\n> quoting the bot is not the bot's comment",
            }
        )
        return people
    if page == 2:
        return [
            {
                "id": EXISTING_ID,
                "user": {"login": "github-actions[bot]", "type": "Bot"},
                "body": f"{MARKER}\nan old report",
                "html_url": f"https://github.example/owner/name/pull/42#issuecomment-{EXISTING_ID}",
            }
        ]
    return []


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-github/1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "body": body,
        }
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")

    def scenario(self):
        try:
            with open(self.server.mode_path, encoding="utf-8") as handle:
                text = handle.read().strip()
        except OSError:
            return {"comments": "empty"}
        if text.startswith("{"):
            return json.loads(text)
        return {"comments": text}

    def mode(self):
        return self.scenario().get("comments", "empty")

    def reply(self, status, payload=None, raw=None, content_type="application/json"):
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return {"unparsable": raw.decode("utf-8", "replace")}

    def do_GET(self):  # noqa: N802 - http.server's name
        self.record(None)
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        scenario = self.scenario()
        if len(parts) == 6 and parts[0] == "repos" and parts[3] == "issues" and parts[5] == "comments":
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            return self.reply(200, comments_page(self.mode(), page, scenario))
        if len(parts) == 5 and parts[0] == "repos" and parts[3] == "pulls":
            if "pull" in scenario:
                return self.reply(200, scenario["pull"])
            return self.reply(404, {"message": "Not Found"})
        if len(parts) == 6 and parts[0] == "repos" and parts[3] == "pulls":
            key = {"commits": "commits", "files": "files", "reviews": "reviews", "comments": "review_comments"}.get(parts[5])
            status = scenario.get(f"{key}_status", 200)
            if key is None or status != 200:
                return self.reply(status if key else 404, {"message": "Server Error" if key else "Not Found"})
            return self.reply(200, page_of(scenario.get(key, []), url.query))
        if len(parts) == 6 and parts[0] == "repos" and parts[3] == "collaborators" and parts[5] == "permission":
            permission = scenario.get("permissions", {}).get(parts[4])
            if permission is None:
                return self.reply(404, {"message": f"{parts[4]} is not a user"})
            role = permission
            if permission in ("maintain", "triage"):
                permission = "write" if permission == "maintain" else "read"
            return self.reply(200, {"permission": permission, "role_name": role, "user": {"login": parts[4]}})
        # A release asset.
        root = os.path.realpath(self.server.files)
        path = os.path.realpath(os.path.join(root, url.path.lstrip("/")))
        if path.startswith(root + os.sep) and os.path.isfile(path):
            with open(path, "rb") as handle:
                return self.reply(200, raw=handle.read(), content_type="application/octet-stream")
        return self.reply(404, {"message": "Not Found"})

    def do_POST(self):  # noqa: N802
        body = self.read_body()
        self.record(body)
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 6 and parts[3] == "issues" and parts[5] == "comments":
            if self.mode() == "forbidden":
                return self.reply(403, {"message": "Resource not accessible by integration"})
            return self.reply(
                201,
                {
                    "id": 5000,
                    "body": (body or {}).get("body"),
                    "html_url": f"https://github.example/{parts[1]}/{parts[2]}/pull/{parts[4]}#issuecomment-5000",
                },
            )
        return self.reply(404, {"message": "Not Found"})

    def do_PATCH(self):  # noqa: N802
        body = self.read_body()
        self.record(body)
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 6 and parts[3:5] == ["issues", "comments"]:
            if self.mode() == "forbidden":
                return self.reply(403, {"message": "Resource not accessible by integration"})
            if parts[5] == str(EXISTING_ID):
                return self.reply(
                    200,
                    {
                        "id": EXISTING_ID,
                        "body": (body or {}).get("body"),
                        "html_url": f"https://github.example/{parts[1]}/{parts[2]}/pull/42#issuecomment-{EXISTING_ID}",
                    },
                )
        return self.reply(404, {"message": "Not Found"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--mode-file", required=True)
    parser.add_argument("--files", required=True)
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log_path = args.log
    server.mode_path = args.mode_file
    server.files = args.files
    timer = threading.Timer(args.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
