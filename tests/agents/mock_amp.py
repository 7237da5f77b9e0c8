#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback mock of the Amp server, for driving the real Amp CLI (`amp -x`) offline.

Amp does not call a model provider from the CLI: the model runs on Amp's server, in a
"thread actor" that the CLI reaches over a WebSocket, and the CLI only executes the
tools the server hands it. So this mock plays that server (measured against
@ampcode/cli-linux-x64 0.0.1790142911-g7618fb with AMP_URL=http://127.0.0.1:P):

  POST /api/internal?<method>      JSON {"method","params"} -> {"ok":true,"result":…}
                                   (getUserInfo, loadPlugins, loadSkills, getThreadTail,
                                   getThreadProject, archiveThread, …)
  POST /api/telemetry              ignored
  POST /api/thread-actors          creates a thread: {threadId, wsToken, ownerUserId,
                                   threadVersion, poolName, usesThreadActors}
  GET  /actors/gateway/threadActor/websocket/?…   the thread actor: a WebSocket (sub-
                                   protocol "rivet") carrying JSON-RPC 2.0 text frames,
                                   "ping" answered "pong". The CLI's requests
                                   (executor_connect, client_resume,
                                   client_append_user_msg, executor_tool_result, …) get
                                   {"result":{}}; the server's side is notifications:
                                   executor_connected, message_added, agent_state,
                                   inference_tools, tool_lease, error_set.

It answers from a script, as mock_llm.py does: a JSON object mapping a task ID to the
list of steps its model turns consume, one step per turn:

  {"write": "path", "content": "text"}   the model calls the CLI's create_file tool (the
                                          CLI writes the file; relative paths land in
                                          its working directory)
  {"text": "done"}                        a final answer
  {"status": 429}                         the turn fails: an error_set notification whose
                                          message names the status (the wording is this
                                          mock's: the real server's is not known)

The task is found in the prompt flow writes ("# Task T012"); "*" is used for prompts
that name none. Once a task's steps run out it answers {"text": "DONE-MOCK"}. With the
script key "http_status" (a number) every HTTP request is answered with that status
instead (a rejected API key is a 401 from Amp's own API, before any thread exists).
Every model turn is appended to LOG_FILE as one JSON line {"task", "step", "status"}.

Usage: mock_amp.py SCRIPT.json PORT_FILE LOG_FILE
It binds 127.0.0.1 on a free port, writes the port to PORT_FILE, and serves until killed.
"""
import base64
import hashlib
import json
import os
import random
import re
import string
import struct
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TASK = re.compile(r"# Task (T\d+)")
MESSAGES = {401: "401 Unauthorized: invalid x-api-key (model provider authentication failed)",
            429: "429 Too Many Requests: rate limit reached for requests",
            500: "500 Internal Server Error: the model provider returned an error",
            529: "529 Overloaded: the model provider is overloaded"}
USAGE = {"model": "mock-model", "maxInputTokens": 200000, "inputTokens": 12, "outputTokens": 3,
         "cacheCreationInputTokens": 0, "cacheReadInputTokens": 0, "totalInputTokens": 12}
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ident(prefix):
    """Amp's message and tool-call IDs: a prefix and 22 letters or digits."""
    return prefix + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(22))


def notification(method, **params):
    return {"jsonrpc": "2.0", "method": method, "params": params}


class State:
    def __init__(self, script, log):
        self.script, self.log, self.used = script, log, {}
        self.lock = threading.Lock()

    def next_step(self, task):
        with self.lock:
            key = task if task in self.script else "*"
            i = self.used.get(key, 0)
            self.used[key] = i + 1
            steps = self.script.get(key, [])
            step = steps[i] if i < len(steps) else {"text": "DONE-MOCK"}
        self.record({"task": task, "step": i, "status": step.get("status", 200)})
        return step

    def record(self, entry):
        with self.lock, open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Thread:
    """One thread actor's side of a connection: its sequence numbers, the task its
    prompt named, the CLI's working directory and the tool call it waits on."""

    def __init__(self, thread_id):
        self.id, self.seq, self.task, self.cwd, self.pending = thread_id, 0, None, None, None

    def next_seq(self):
        self.seq += 1
        return self.seq

    def added(self, message):
        return notification("message_added", seq=self.next_seq(), message=dict(message, threadId=self.id))

    def turn(self):
        """The next model turn of this thread's task, as notifications."""
        step = STATE.next_step(self.task)
        mid = ident("M-")
        out = [notification("agent_state", state="working", messageId=mid),
               notification("inference_tools", messageId=mid, agentMode="medium", tools=["create_file", "Read"])]
        if "status" in step:
            message = MESSAGES.get(step["status"], "%d error" % step["status"])
            return out + [notification("error_set", seq=self.next_seq(), error={"message": message}),
                          notification("agent_state", state="error", messageId=mid)]
        if "write" in step:
            tool = ident("TU-")
            path = os.path.join(self.cwd or "/", step["write"])
            args = {"path": path, "content": step.get("content", "")}
            self.pending = tool
            return out + [self.added({"role": "assistant", "messageId": mid, "state": {"type": "complete"},
                                      "usage": USAGE,
                                      "content": [{"type": "tool_use", "id": tool, "name": "create_file", "complete": True,
                                                   "input": args}]}),
                          notification("agent_state", state="running_tools", messageId=mid),
                          notification("tool_lease", toolCallId=tool, toolName="create_file", args=args,
                                       messageId=mid)]
        return out + [self.added({"role": "assistant", "messageId": mid, "state": {"type": "complete"},
                                  "usage": USAGE, "content": [{"type": "text", "text": step.get("text", "")}]}),
                      notification("agent_state", state="idle")]

    def on_request(self, method, params):
        if method == "executor_connect":
            self.cwd = (params.get("capabilities") or {}).get("workingDirectory")
            return [notification("executor_connected", executorId=params.get("clientId"),
                                 registeredToolCount=0, guidanceInventory=[])]
        if method == "client_append_user_msg":
            text = " ".join(b.get("text", "") for b in params.get("content", []) if b.get("type") == "text")
            found = TASK.search(text)
            self.task = found.group(1) if found else None
            return [self.added({"role": "user", "messageId": params["messageId"], "content": params["content"]})] + \
                self.turn()
        if method == "executor_tool_result" and params.get("toolCallId") == self.pending:
            self.pending = None
            result = {"type": "tool_result", "toolUseID": params["toolCallId"], "run": params.get("run")}
            return [self.added({"role": "user", "messageId": ident("M-"), "content": [result]})] + self.turn()
        return []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.headers.get("upgrade", "").lower() == "websocket":
            return self.websocket()
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        status = STATE.script.get("http_status")
        if status:
            return self.reply(status, {"error": "Unauthorized" if status == 401 else "error"})
        if self.path == "/api/thread-actors":
            request = json.loads(body or b"{}")
            thread_id = request.get("threadId") or "T-" + str(uuid.uuid4())
            return self.reply(200, {"threadId": thread_id, "wsToken": "mock-ws-token", "ownerUserId": "mock-user",
                                    "threadVersion": 1, "poolName": "default", "usesThreadActors": True,
                                    "capability": "execute"})
        method = self.path.partition("?")[2]
        if method == "getUserInfo":
            return self.reply(200, {"ok": True, "result": {"id": "mock-user", "email": "mock@example.com",
                                                           "emailVerified": True, "features": [], "team": None}})
        if method == "getThreadTail":
            thread = json.loads(body or b"{}").get("params", {}).get("thread")
            return self.reply(200, {"ok": True, "result": {"thread": {"data": {"id": thread, "v": 1, "agentMode": "medium",
                                                                               "meta": {"usesThreadActors": True}}},
                                                           "messages": [], "hasMoreBefore": False}})
        self.reply(200, {"ok": True, "result": {}})

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def websocket(self):
        # The thread ID is the rvt-key query parameter; the CLI opens one socket as the
        # executor and one for its plugin host, both on the same thread.
        thread_id = re.search(r"rvt-key=([^&]+)", self.path)
        thread = Thread(thread_id.group(1) if thread_id else "T-" + str(uuid.uuid4()))
        accept = base64.b64encode(hashlib.sha1((self.headers["Sec-WebSocket-Key"] + WS_GUID).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.send_header("Sec-WebSocket-Protocol", "rivet")
        self.end_headers()
        self.wfile.flush()
        # The CLI takes any first frame as the sign that it is attached to the thread.
        self.send_frame(notification("observers", count=1, observers=[], hasExecutor=False))
        while True:
            op, data = self.read_frame()
            if op is None or op == 8:
                return
            if op == 9:
                self.send_frame(data, op=10)
                continue
            text = data.decode("utf-8", "replace")
            if text == "ping":
                self.send_frame("pong")
                continue
            try:
                msg = json.loads(text)
            except ValueError:
                continue
            if msg.get("id") is not None:
                self.send_frame({"jsonrpc": "2.0", "id": msg["id"], "result": {}})
            for out in thread.on_request(msg.get("method"), msg.get("params") or {}):
                self.send_frame(out)

    def read_frame(self):
        head = self.rfile.read(2)
        if len(head) < 2:
            return None, None
        op, size = head[0] & 0x0F, head[1] & 0x7F
        if size == 126:
            size = struct.unpack(">H", self.rfile.read(2))[0]
        elif size == 127:
            size = struct.unpack(">Q", self.rfile.read(8))[0]
        mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = bytearray(self.rfile.read(size))
        for i in range(size):
            data[i] ^= mask[i % 4]
        return op, bytes(data)

    def send_frame(self, payload, op=1):
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        size = len(payload)
        head = bytes([0x80 | op])
        if size < 126:
            head += bytes([size])
        elif size < 65536:
            head += bytes([126]) + struct.pack(">H", size)
        else:
            head += bytes([127]) + struct.pack(">Q", size)
        self.wfile.write(head + payload)
        self.wfile.flush()


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        STATE = State(json.load(f), sys.argv[3])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
    server.serve_forever()
