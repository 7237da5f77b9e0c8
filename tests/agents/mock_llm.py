#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback mock of the OpenAI Responses API (Codex), OpenAI chat completions (Qwen
Code, opencode, Copilot CLI) and Gemini's streamGenerateContent (Gemini CLI), for
driving the real CLIs offline.

It answers from a script: a JSON object mapping a task ID to the list of steps its
requests consume, one step per request (as mock_anthropic.py does for Claude Code):

  {"write": "path", "content": "text"}   a tool call that writes the file: Codex's
                                          exec_command, Gemini's write_file, and for chat
                                          completions the request's own shell tool (else
                                          its tool that writes or creates a file)
  {"text": "done"}                        a final answer
  {"status": 429}                         an API error with that HTTP status
  {"usage_limit": 5}                      Codex: a 429 "usage_limit_reached" whose reset
                                          is 5 seconds away

The task is found in the request by the prompt flow writes ("# Task T012"); the key
"*" is used for requests that name no task. Once a task's steps run out it answers
{"text": "DONE-MOCK"}. Side requests (Gemini's non-streaming "who speaks next", a
chat request with no tools such as opencode's session title) are answered without
using a step. Every request is appended to LOG_FILE as one JSON line
{"task", "step", "api"}.

Usage: mock_llm.py SCRIPT.json PORT_FILE LOG_FILE
It binds 127.0.0.1 on a free port, writes the port to PORT_FILE, and serves until killed.
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TASK = re.compile(r"# Task (T\d+)")
GEMINI_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
MESSAGES = {400: "Bad request", 401: "API key not valid. Please pass a valid API key.",
            429: "Rate limit reached for requests", 500: "Internal error", 503: "The model is overloaded."}


class State:
    def __init__(self, script, log):
        self.script, self.log, self.used, self.n = script, log, {}, 0
        self.lock = threading.Lock()

    def next_step(self, task):
        with self.lock:
            key = task if task in self.script else "*"
            i = self.used.get(key, 0)
            self.used[key] = i + 1
            self.n += 1
            steps = self.script.get(key, [])
            return i, (steps[i] if i < len(steps) else {"text": "DONE-MOCK"}), self.n

    def record(self, entry):
        with self.lock, open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def sse(events, named=True):
    return "".join((f"event: {e['type']}\n" if named else "") + "data: " + json.dumps(e) + "\n\n"
                   for e in events).encode()


def responses(step, n):
    usage = {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 3,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}
    if "write" in step:
        cmd = "printf '%s' " % step.get("content", "").replace("'", "'\\''") + " > '" + step["write"] + "'"
        item = {"type": "function_call", "id": "fc_%d" % n, "call_id": "call_%d" % n, "name": "exec_command",
                "arguments": json.dumps({"cmd": cmd})}
    else:
        item = {"type": "message", "role": "assistant", "id": "msg_%d" % n,
                "content": [{"type": "output_text", "text": step.get("text", "DONE-MOCK"), "annotations": []}]}
    return sse([
        {"type": "response.created", "response": {"id": "resp_%d" % n}},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": {"id": "resp_%d" % n, "usage": usage}},
    ])


def write_tool(body, path, content):
    """The chat request's shell tool running printf (relative paths land in the CLI's
    working directory), else its file-writing tool, with its own parameter names."""
    for t in body.get("tools") or []:
        fn = t.get("function", t)
        if fn.get("name") in ("run_shell_command", "bash", "shell"):
            props = (fn.get("parameters") or {}).get("properties", {})
            args = {"command": "printf '%s' " % content.replace("'", "'\\''") + " > '" + path + "'"}
            if "description" in props:
                args["description"] = "Write " + path
            if "is_background" in props:
                args["is_background"] = False
            return fn["name"], args
    for t in body.get("tools") or []:
        fn = t.get("function", t)
        name = fn.get("name", "")
        if name in ("write_file", "write", "create", "create_file") or name.endswith("write_file"):
            props = (fn.get("parameters") or {}).get("properties", {})
            pk = next((k for k in ("filePath", "file_path", "path", "absolute_path") if k in props), "file_path")
            ck = next((k for k in ("content", "file_text", "contents") if k in props), "content")
            return name, {pk: path, ck: content}
    return "write_file", {"file_path": path, "content": content}


def chat(step, n, body):
    base = {"id": "chatcmpl-%d" % n, "object": "chat.completion.chunk", "created": 0, "model": body.get("model", "m")}
    usage = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    if "write" in step:
        name, args = write_tool(body, step["write"], step.get("content", ""))
        delta = {"role": "assistant", "tool_calls": [{"index": 0, "id": "call_%d" % n, "type": "function",
                                                      "function": {"name": name, "arguments": json.dumps(args)}}]}
        finish = "tool_calls"
    else:
        delta = {"role": "assistant", "content": step.get("text", "DONE-MOCK")}
        finish = "stop"
    if not body.get("stream"):
        msg = dict(delta)
        msg.pop("index", None)
        return json.dumps({"id": base["id"], "object": "chat.completion", "created": 0, "model": base["model"],
                           "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
                           "usage": usage}).encode(), "application/json"
    chunks = [dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": None}]),
              dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish}], usage=usage)]
    return ("".join("data: " + json.dumps(c) + "\n\n" for c in chunks) + "data: [DONE]\n\n").encode(), \
        "text/event-stream"


def gemini(step):
    if "write" in step:
        part = {"functionCall": {"name": "write_file",
                                 "args": {"file_path": step["write"], "content": step.get("content", "")}}}
    else:
        part = {"text": step.get("text", "DONE-MOCK")}
    chunk = {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
             "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 3, "totalTokenCount": 15}}
    return ("data: " + json.dumps(chunk) + "\r\n\r\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.reply(200, b'{"models":[],"data":[]}', "application/json")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8", "replace")
        found = TASK.search(raw)
        task = found.group(1) if found else None
        is_gemini = "generateContent" in self.path or "streamGenerateContent" in self.path
        if is_gemini and "streamGenerateContent" not in self.path:
            # A side question (is the model or the user next?): the user, without a step.
            answer = {"candidates": [{"content": {"role": "model", "parts": [
                {"text": json.dumps({"reasoning": "done", "next_speaker": "user"})}]}, "finishReason": "STOP"}]}
            return self.reply(200, json.dumps(answer).encode(), "application/json")
        if self.path.rstrip("/").endswith("/chat/completions") and not json.loads(raw or "{}").get("tools"):
            # A side request with no tools (opencode's session title): no step.
            return self.reply(200, *chat({"text": "Mock title"}, 0, json.loads(raw or "{}")))
        i, step, n = STATE.next_step(task)
        api = "gemini" if is_gemini else "chat" if "chat/completions" in self.path else "responses"
        STATE.record({"task": task, "step": i, "api": api,
                      "status": step.get("status", 429 if "usage_limit" in step else 200)})
        if "usage_limit" in step:
            reset = int(time.time() + step["usage_limit"])
            body = {"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached",
                              "plan_type": "plus", "resets_at": reset, "resets_in_seconds": step["usage_limit"]}}
            return self.reply(429, json.dumps(body).encode(), "application/json")
        if "status" in step:
            code = step["status"]
            msg = MESSAGES.get(code, "error")
            body = {"error": {"code": code, "message": msg, "status": GEMINI_STATUS.get(code, "UNKNOWN"),
                              "type": "error"}}
            return self.reply(code, json.dumps(body).encode(), "application/json")
        if is_gemini:
            return self.reply(200, gemini(step), "text/event-stream")
        if self.path.rstrip("/").endswith("/chat/completions"):
            return self.reply(200, *chat(step, n, json.loads(raw or "{}")))
        return self.reply(200, responses(step, n), "text/event-stream")

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        STATE = State(json.load(f), sys.argv[3])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
    server.serve_forever()
