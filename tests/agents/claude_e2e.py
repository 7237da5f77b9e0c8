#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""flow run --agent claude with the real Claude Code CLI against a loopback mock of the
Messages API (mock_anthropic.py). One run, five tasks:

  T001 [P]  its file gets written by the CLI's Write tool      -> done, marked
  T002 [P]  429 first, then the file                           -> retried by flow, done
  T003 [P]  529 first, then the file                           -> retried by flow, done
  T004 [P]  401                                                 -> auth: failed, never retried
  T005      phase 2, after everything                          -> blocked by T004

Usage: claude_e2e.py FLOW_BINARY
Finds the CLI in $FLOW_TEST_CLAUDE, on PATH, or in .cache/claude-code (scripts/test.sh
installs it there with npm). Exits 77 (skipped) only when FLOW_SKIP_CLAUDE_TESTS=1.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

TASKS = """# Tasks: greeting files

## Phase 1: Setup

- [ ] T001 [P] Create hello.txt
- [ ] T002 [P] Create world.txt
- [ ] T003 [P] Create moon.txt
- [ ] T004 [P] Create sun.txt

## Phase 2: Polish

- [ ] T005 Create bye.txt
"""


def find_claude():
    for c in (os.environ.get("FLOW_TEST_CLAUDE"), shutil.which("claude"),
              os.path.join(REPO, ".cache/claude-code/node_modules/.bin/claude")):
        if c and os.access(c, os.X_OK):
            return c
    return None


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    flow = os.path.abspath(sys.argv[1])
    claude = find_claude()
    if not claude:
        if os.environ.get("FLOW_SKIP_CLAUDE_TESTS") == "1":
            print("skipped: no Claude Code CLI")
            sys.exit(77)
        fail("no Claude Code CLI: set FLOW_TEST_CLAUDE, put claude on PATH, or run scripts/test.sh, "
             "which installs @anthropic-ai/claude-code into .cache/claude-code with npm")
    work = tempfile.mkdtemp(prefix="flow-claude-")
    try:
        run(flow, claude, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(flow, claude, work):
    repo = os.path.join(work, "repo")
    os.makedirs(os.path.join(repo, "specs"))
    subprocess.run(["git", "init", "-q", repo], check=True)
    tasks = os.path.join(repo, "specs", "tasks.md")
    with open(tasks, "w") as f:
        f.write(TASKS)
    done = [{"text": "Done."}]
    script = {
        "T001": [{"write": os.path.join(repo, "hello.txt"), "content": "hello\n"}] + done,
        "T002": [{"status": 429}, {"write": os.path.join(repo, "world.txt"), "content": "world\n"}] + done,
        "T003": [{"status": 529}, {"write": os.path.join(repo, "moon.txt"), "content": "moon\n"}] + done,
        "T004": [{"status": 401}, {"write": os.path.join(repo, "sun.txt"), "content": "sun\n"}] + done,
        "T005": [{"write": os.path.join(repo, "bye.txt"), "content": "bye\n"}] + done,
    }
    with open(os.path.join(work, "script.json"), "w") as f:
        json.dump(script, f)
    port_file = os.path.join(work, "port")
    requests = os.path.join(work, "requests.jsonl")
    mock = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_anthropic.py"),
                             os.path.join(work, "script.json"), port_file, requests])
    try:
        for _ in range(100):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        port = open(port_file).read().strip()
        env = dict(os.environ)
        env.update({
            "PATH": os.path.dirname(claude) + os.pathsep + env.get("PATH", ""),
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:" + port,
            "ANTHROPIC_API_KEY": "x",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_MAX_RETRIES": "0",  # flow retries, not the CLI
            "HOME": os.path.join(work, "home"),
        })
        env.pop("IS_SANDBOX", None)  # flow sets it itself when it runs as root
        events = os.path.join(work, "events.jsonl")
        # No --agent: Claude Code is the default when it is on PATH.
        p = subprocess.run([flow, "run", tasks, "--workers", "3", "--retries", "2", "--progress", "plain",
                            "--events", events, "--timeout", "120"],
                           cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    finally:
        mock.kill()
        mock.wait()
    print(p.stdout)
    if p.returncode != 1:
        fail("exit %d, expected 1 (T004 fails, T005 blocked)" % p.returncode)

    # Files written by the real CLI's Write tool; marks only on the tasks that succeeded.
    for name, text in (("hello.txt", "hello\n"), ("world.txt", "world\n"), ("moon.txt", "moon\n")):
        path = os.path.join(repo, name)
        if not os.path.exists(path) or open(path).read() != text:
            fail(name + " was not written")
    for name in ("sun.txt", "bye.txt"):
        if os.path.exists(os.path.join(repo, name)):
            fail(name + " should not exist")
    want = TASKS
    for t in ("T001", "T002", "T003"):
        want = want.replace("- [ ] " + t, "- [X] " + t)
    if open(tasks).read() != want:
        fail("tasks.md marks are wrong:\n" + open(tasks).read())

    journal = [json.loads(l) for l in open(os.path.join(repo, ".flow", "implementation.log"))]
    by = lambda ev, task: [e for e in journal if e["event"] == ev and e.get("task") == task]
    # T001: one attempt, with what the stream said.
    fin = by("task-finished", "T001")
    if len(fin) != 1 or fin[0]["turns"] != 2 or fin[0]["cost_usd"] <= 0 or fin[0]["output_tokens"] != 40:
        fail("T001 finished wrong: %s" % fin)
    # T002 and T003: one classified failure each, retried by flow, then done.
    for task, cls in (("T002", "rate_limit"), ("T003", "temporary")):
        failed = by("attempt-failed", task)
        if [(e["class"], e["decision"]) for e in failed] != [(cls, "retry")]:
            fail("%s failures: %s" % (task, failed))
        if [e["attempt"] for e in by("task-finished", task)] != [2]:
            fail(task + " did not succeed on attempt 2")
    # T004: auth is not retryable: exactly one attempt, one request to the API.
    failed = by("attempt-failed", "T004")
    if [(e["class"], e["decision"]) for e in failed] != [("auth", "fail")] or by("retry-scheduled", "T004"):
        fail("T004: %s" % failed)
    if "Failed to authenticate" not in failed[0]["lines"]:
        fail("T004's lines do not carry the CLI's message: %r" % failed[0]["lines"])
    # T005 never started.
    if by("task-started", "T005") or [e["by"] for e in by("blocked", "T005")] != ["T004"]:
        fail("T005 should be blocked by T004")
    sent = [json.loads(l) for l in open(requests)]
    count = lambda t: sum(1 for r in sent if r.get("task") == t)
    if (count("T001"), count("T002"), count("T004"), count("T005")) != (2, 3, 1, 0):
        fail("requests per task: %s" % sent)
    # The live activity came from the CLI's stream.
    acts = [json.loads(l) for l in open(events)]
    writes = [e for e in acts if e["kind"] == "activity" and e.get("task") == "T001" and e["detail"].startswith("Write ")]
    if not writes:
        fail("no Write activity for T001 in the events")
    # flow status shows the cost.
    st = subprocess.run([flow, "status", tasks, "--json"], cwd=repo, stdout=subprocess.PIPE, text=True)
    status = json.loads(st.stdout)
    if not status["run"]["cost_usd"] > 0 or not [t for t in status["tasks"] if t["id"] == "T001"][0]["turns"] == 2:
        fail("flow status --json has no cost: %s" % st.stdout[:500])
    print("claude e2e: 3 done (one after a 429, one after a 529), auth failure not retried, dependent blocked")


if __name__ == "__main__":
    main()
