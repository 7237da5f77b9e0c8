#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback mock of the OpenAI Responses API (Codex) and Gemini's
streamGenerateContent (Gemini CLI), for capturing and testing the real CLIs offline.

usage: mock_llm.py PORT MODE   MODE: ok | 429 | 500 | 401
Serves on 127.0.0.1 only. Every answer is canned: "DONE-MOCK" or the error status."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE = int(sys.argv[1]), sys.argv[2]


def sse(events):
    return "".join(
        (f"event: {e['type']}\n" if "type" in e else "") + "data: " + json.dumps(e) + "\n\n" for e in events
    ).encode()


def responses_ok():
    usage = {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 3,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}
    return sse([
        {"type": "response.created", "response": {"id": "resp_1"}},
        {"type": "response.output_item.done", "output_index": 0,
         "item": {"type": "message", "role": "assistant", "id": "msg_1",
                  "content": [{"type": "output_text", "text": "DONE-MOCK", "annotations": []}]}},
        {"type": "response.completed", "response": {"id": "resp_1", "usage": usage}},
    ])


def gemini_ok():
    chunk = {"candidates": [{"content": {"role": "model", "parts": [{"text": "DONE-MOCK"}]}, "finishReason": "STOP",
                             "index": 0}],
             "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 3, "totalTokenCount": 15},
             "modelVersion": "gemini-2.5-pro"}
    return ("data: " + json.dumps(chunk) + "\r\n\r\n").encode()


ERRORS = {
    "429": (429, "Rate limit reached for requests", "RESOURCE_EXHAUSTED"),
    "500": (500, "Internal error", "INTERNAL"),
    "401": (401, "API key not valid. Please pass a valid API key.", "UNAUTHENTICATED"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.reply(200, b'{"models":[],"data":[]}', "application/json")

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        self.rfile.read(n)
        if MODE in ERRORS:
            code, msg, status = ERRORS[MODE]
            body = {"error": {"code": code, "message": msg, "status": status, "type": "error"}}
            return self.reply(code, json.dumps(body).encode(), "application/json")
        if "generateContent" in self.path.lower() or ":stream" in self.path:
            return self.reply(200, gemini_ok(), "text/event-stream")
        return self.reply(200, responses_ok(), "text/event-stream")

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
