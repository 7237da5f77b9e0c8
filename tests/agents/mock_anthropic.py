#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback mock of the Anthropic Messages API, for driving the real Claude Code CLI.

It answers POST /v1/messages (streaming SSE or plain JSON) from a script: a JSON object
mapping a task ID to the list of steps its requests consume, one step per request:

  {"write": "path", "content": "text"}   a Write tool call (the CLI writes the file)
  {"text": "done"}                        a final answer (end_turn)
  {"status": 429}                         an API error: 429 rate_limit_error, 529
                                          overloaded_error, 401 authentication_error, ...

The task is found in the request by the prompt flow writes ("# Task T012"). Once a
task's steps run out it answers {"text": "done"}. Every request is appended to
<log> as one JSON line {"task", "step", "status"} so tests can see what the CLI sent.

Usage: mock_anthropic.py SCRIPT.json PORT_FILE LOG_FILE
It binds 127.0.0.1 on a free port, writes the port to PORT_FILE, and serves until killed.
"""
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
TASK = re.compile(r"# Task (\S+)")


class State:
    def __init__(self, script, log):
        self.script = script
        self.log = log
        self.used = {}
        self.lock = threading.Lock()
        self.ids = 0

    def next_step(self, task):
        with self.lock:
            i = self.used.get(task, 0)
            self.used[task] = i + 1
            self.ids += 1
            steps = self.script.get(task, [])
            step = steps[i] if i < len(steps) else {"text": "done"}
            return i, step, self.ids

    def record(self, entry):
        with self.lock:
            with open(self.log, "a") as f:
                f.write(json.dumps(entry) + "\n")


def find_task(body):
    for m in body.get("messages", []):
        content = m.get("content")
        texts = [content] if isinstance(content, str) else [
            c.get("text", "") for c in content or [] if isinstance(c, dict)]
        for t in texts:
            found = TASK.search(t or "")
            if found:
                return found.group(1)
    return None


def message(step, n, model):
    if "write" in step:
        content = [{"type": "tool_use", "id": "toolu_mock%d" % n, "name": "Write",
                    "input": {"file_path": step["write"], "content": step.get("content", "")}}]
        stop = "tool_use"
    else:
        content = [{"type": "text", "text": step.get("text", "done")}]
        stop = "end_turn"
    return {"id": "msg_mock%d" % n, "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 20,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(404, {"type": "error", "error": {"type": "not_found_error", "message": "no such path"}})

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        state = self.server.state
        if not self.path.startswith("/v1/messages") or self.path.startswith("/v1/messages/count_tokens"):
            if "count_tokens" in self.path:
                return self.reply(200, {"input_tokens": 100})
            return self.reply(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
        task = find_task(body)
        if task is None:
            # Side requests (titles, summaries): answer briefly, consume nothing.
            state.record({"task": None, "path": self.path})
            step, i, n = {"text": "ok"}, -1, 0
        else:
            i, step, n = state.next_step(task)
            state.record({"task": task, "step": i, "status": step.get("status", 200)})
        status = step.get("status")
        if status:
            kind = ERRORS.get(status, "api_error")
            headers = [("retry-after", "1")] if status in (429, 529) else []
            return self.reply(status, {"type": "error", "error": {"type": kind, "message": "mock %d" % status}}, headers)
        msg = message(step, n, body.get("model", "claude-mock"))
        if not body.get("stream"):
            return self.reply(200, msg)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()

        def event(name, data):
            self.wfile.write(("event: %s\ndata: %s\n\n" % (name, json.dumps(data))).encode())

        start = dict(msg, content=[], stop_reason=None)
        start["usage"] = dict(msg["usage"], output_tokens=1)
        event("message_start", {"type": "message_start", "message": start})
        for idx, block in enumerate(msg["content"]):
            if block["type"] == "text":
                event("content_block_start", {"type": "content_block_start", "index": idx,
                                              "content_block": {"type": "text", "text": ""}})
                event("content_block_delta", {"type": "content_block_delta", "index": idx,
                                              "delta": {"type": "text_delta", "text": block["text"]}})
            else:
                event("content_block_start", {"type": "content_block_start", "index": idx,
                                              "content_block": dict(block, input={})})
                event("content_block_delta", {"type": "content_block_delta", "index": idx,
                                              "delta": {"type": "input_json_delta",
                                                        "partial_json": json.dumps(block["input"])}})
            event("content_block_stop", {"type": "content_block_stop", "index": idx})
        event("message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
                                "usage": {"output_tokens": msg["usage"]["output_tokens"]}})
        event("message_stop", {"type": "message_stop"})
        self.wfile.flush()
        self.close_connection = True


def main():
    script_path, port_file, log = sys.argv[1:4]
    with open(script_path) as f:
        script = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(script, log)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
