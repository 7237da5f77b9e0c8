#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""flow run --agent codex|gemini|qwen|opencode|copilot|amp with the real CLI (from npm,
pinned by scripts/test.sh) against a loopback mock of its provider's API (mock_llm.py:
OpenAI Responses, Gemini, OpenAI chat completions; for Amp, whose model runs on Amp's
server, mock_amp.py plays that server). One run in a git repository (each task a
commit), five or six tasks:

  T001 [P]  its file written by the CLI's own tool            -> done, committed, marked
  T002 [P]  429 first, then the file                          -> retried by flow, done
  T003 [P]  500 first, then the file                          -> retried by flow, done
  T004 [P]  401                                               -> auth: failed, never retried
(A CLI that retries on its own gets as many errors as it makes requests before it gives
up, so that flow sees the failure; Qwen Code and opencode back off for a minute or more
and then succeed on their own, so for them T002 and T003 succeed in their first attempt
after the CLI's own retry.)
  T006 [P]  (codex) a usage limit whose reset is ~90 s away   -> rate_limit, retried at the
                                                                 reset Codex names, done
  T005      phase 2, after everything                         -> blocked by T004

Usage: cli_e2e.py FLOW_BINARY AGENT
Finds the CLI in .cache/<agent>/node_modules/.bin (scripts/test.sh installs it there) or
$FLOW_TEST_<AGENT>. Exits 77 (skipped) only when FLOW_SKIP_AGENT_TESTS=1.
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
BINARY = {"codex": "codex", "gemini": "gemini", "qwen": "qwen", "opencode": "opencode", "copilot": "copilot",
          "amp": "amp"}
# How many requests each CLI makes for one call before it reports the error itself.
TRIES = {"codex": 1, "gemini": 1, "qwen": 1, "opencode": 1, "copilot": 6, "amp": 1}
SELF_RETRY = {"qwen", "opencode"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def find_cli(agent):
    for c in (os.environ.get("FLOW_TEST_" + agent.upper()),
              os.path.join(REPO, ".cache", agent, "node_modules", ".bin", BINARY[agent])):
        if c and os.access(c, os.X_OK):
            return c
    return None


def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True, stdout=subprocess.PIPE, text=True).stdout


def main():
    flow, agent = os.path.abspath(sys.argv[1]), sys.argv[2]
    cli = find_cli(agent)
    if not cli:
        if os.environ.get("FLOW_SKIP_AGENT_TESTS") == "1":
            print("skipped: no %s CLI" % agent)
            sys.exit(77)
        fail("no %s CLI: run scripts/test.sh, which installs it into .cache/%s with npm" % (agent, agent))
    work = tempfile.mkdtemp(prefix="flow-%s-" % agent)
    try:
        run(flow, agent, cli, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(flow, agent, cli, work):
    codex = agent == "codex"
    repo = os.path.join(work, "repo")
    os.makedirs(os.path.join(repo, "specs"))
    git(work, "init", "-q", repo)
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "user.name", "test")
    tasks_text = "# Tasks: greeting files\n\n## Phase 1: Setup\n\n" \
                 "- [ ] T001 [P] Create hello.txt\n- [ ] T002 [P] Create world.txt\n" \
                 "- [ ] T003 [P] Create moon.txt\n- [ ] T004 [P] Create sun.txt\n" + \
                 ("- [ ] T006 [P] Create star.txt\n" if codex else "") + \
                 "\n## Phase 2: Polish\n\n- [ ] T005 Create bye.txt\n"
    tasks = os.path.join(repo, "specs", "tasks.md")
    with open(tasks, "w") as f:
        f.write(tasks_text)
    home = os.path.join(work, "home")
    os.makedirs(os.path.join(home, ".gemini"))
    os.makedirs(os.path.join(repo, ".flow"))
    done = [{"text": "Done."}]
    n = TRIES[agent]
    # Relative paths: each attempt runs in its own worktree.
    script = {
        "T001": [{"write": "hello.txt", "content": "hello\n"}] + done,
        "T002": [{"status": 429}] * n + [{"write": "world.txt", "content": "world\n"}] + done,
        "T003": [{"status": 500}] * n + [{"write": "moon.txt", "content": "moon\n"}] + done,
        "T004": [{"status": 401}] * n + [{"write": "sun.txt", "content": "sun\n"}] + done,
        "T005": [{"write": "bye.txt", "content": "bye\n"}] + done,
        "T006": [{"usage_limit": 90}, {"write": "star.txt", "content": "star\n"}] + done,
    }
    with open(os.path.join(work, "script.json"), "w") as f:
        json.dump(script, f)
    port_file = os.path.join(work, "port")
    requests = os.path.join(work, "requests.jsonl")
    open(requests, "w").close()
    mock = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_amp.py" if agent == "amp" else "mock_llm.py"),
                             os.path.join(work, "script.json"), port_file, requests])
    try:
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        port = open(port_file).read().strip()
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(cli) + os.pathsep + env.get("PATH", "")
        env["HOME"] = home
        config = {"agent": {"name": agent}, "agents": {agent: {"model": "mock-model"}},
                  "validation": {"linting": False, "typeChecking": False, "formatting": False},
                  "testing": {"runTests": False}}
        if codex:
            # The provider, its key and Codex's home through flow's per-agent settings.
            config["agents"]["codex"]["args"] = [
                "-c", "model_provider=mock", "-c",
                'model_providers.mock={name="mock",base_url="http://127.0.0.1:%s/v1",wire_api="responses",'
                'env_key="MOCK_KEY",request_max_retries=0,stream_max_retries=0}' % port]
            config["agents"]["codex"]["env"] = {"MOCK_KEY": "x", "CODEX_HOME": os.path.join(work, "codex-home")}
            os.makedirs(os.path.join(work, "codex-home"))
        elif agent == "qwen":
            config["agents"]["qwen"]["args"] = ["--auth-type", "openai", "--openai-base-url",
                                                "http://127.0.0.1:%s/v1" % port, "--openai-api-key", "mock-key"]
        elif agent == "opencode":
            oc = {"provider": {"mock": {"npm": "@ai-sdk/openai-compatible", "name": "mock",
                                        "options": {"baseURL": "http://127.0.0.1:%s/v1" % port, "apiKey": "mock-key"},
                                        "models": {"mock-model": {"name": "mock-model"}}}},
                  "model": "mock/mock-model"}
            config["agents"]["opencode"]["model"] = "mock/mock-model"
            config["agents"]["opencode"]["env"] = {"OPENCODE_CONFIG_CONTENT": json.dumps(oc),
                                                   "OPENCODE_DISABLE_MODELS_FETCH": "1"}
        elif agent == "amp":
            # Amp's server URL and key; without a key `amp -x` would wait for a login.
            config["agents"]["amp"] = {"env": {"AMP_URL": "http://127.0.0.1:" + port, "AMP_API_KEY": "mock-key"}}
        elif agent == "copilot":
            config["agents"]["copilot"]["env"] = {
                "COPILOT_OFFLINE": "true", "COPILOT_PROVIDER_BASE_URL": "http://127.0.0.1:%s/v1" % port,
                "COPILOT_PROVIDER_API_KEY": "mock-provider-key-7f3a", "COPILOT_MODEL": "mock-model"}
        else:
            config["agents"]["gemini"]["model"] = "gemini-2.5-pro"  # an explicit model skips its router
            env.update({"GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:" + port, "GEMINI_API_KEY": "x"})
            with open(os.path.join(home, ".gemini", "settings.json"), "w") as f:
                json.dump({"security": {"auth": {"selectedType": "gemini-api-key"}}, "general": {"maxAttempts": 1}}, f)
        with open(os.path.join(repo, ".flow", "config.yaml"), "w") as f:
            json.dump(config, f)  # JSON is YAML
        with open(os.path.join(repo, ".gitignore"), "w") as f:
            f.write(".flow/\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "tasks")
        if agent == "opencode":
            # opencode creates its database on first use; several first uses at once (four
            # workers in a fresh HOME) race on its migration and crash. A user has run it
            # before; so does the test.
            subprocess.run([cli, "session", "list"], cwd=repo, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
        events = os.path.join(work, "events.jsonl")
        p = subprocess.run([flow, "run", tasks, "--workers", "4", "--retries", "2", "--progress", "plain",
                            "--events", events, "--timeout", "180"],
                           cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=500)
    finally:
        mock.kill()
        mock.wait()
    print(p.stdout)
    if p.returncode != 1:
        fail("exit %d, expected 1 (T004 fails, T005 blocked)" % p.returncode)

    ok = [("T001", "hello.txt", "hello\n"), ("T002", "world.txt", "world\n"), ("T003", "moon.txt", "moon\n")]
    if codex:
        ok.append(("T006", "star.txt", "star\n"))
    # Files written by the real CLI's own tool, each committed in its task's commit.
    log = git(repo, "log", "--format=%s", "--name-only")
    for task, name, text in ok:
        path = os.path.join(repo, name)
        if not os.path.exists(path) or open(path).read() != text:
            fail(name + " was not written")
        if name not in log:
            fail(name + " is not committed:\n" + log)
    for name in ("sun.txt", "bye.txt"):
        if os.path.exists(os.path.join(repo, name)):
            fail(name + " should not exist")
    want = tasks_text
    for task, _, _ in ok:
        want = want.replace("- [ ] " + task, "- [X] " + task)
    if open(tasks).read() != want:
        fail("tasks.md marks are wrong:\n" + open(tasks).read())

    journal = [json.loads(l) for l in open(os.path.join(repo, ".flow", "implementation.log"))]
    by = lambda ev, task: [e for e in journal if e["event"] == ev and e.get("task") == task]
    fin = by("task-finished", "T001")
    tokens = agent != "copilot"  # Copilot reports premium requests, not tokens
    if len(fin) != 1 or (tokens and fin[0]["output_tokens"] <= 0) or not fin[0]["session"]:
        fail("T001 finished wrong (tokens and session from the stream): %s" % fin)
    retried = [("T002", "rate_limit"), ("T003", "temporary")] + ([("T006", "rate_limit")] if codex else [])
    for task, cls in retried:
        if agent in SELF_RETRY and task in ("T002", "T003"):
            # The CLI retried the 429 / 500 itself and went on: one attempt, done.
            sent = [json.loads(l) for l in open(requests)]
            if by("attempt-failed", task) or [e["attempt"] for e in by("task-finished", task)] != [1] or \
                    sum(1 for r in sent if r.get("task") == task) < 3:
                fail("%s: the CLI's own retry: %s" % (task, by("attempt-failed", task)))
            continue
        failed = by("attempt-failed", task)
        if [(e["class"], e["decision"]) for e in failed] != [(cls, "retry")]:
            fail("%s failures: %s" % (task, failed))
        if [e["attempt"] for e in by("task-finished", task)] != [2]:
            fail(task + " did not succeed on attempt 2")
    if codex:
        # The retry waited for the reset Codex named ("try again at 3:42 PM", minute
        # precision): far longer than the first backoff of about a second.
        delay = by("retry-scheduled", "T006")[0]["delay"]
        if delay < 20:
            fail("T006's retry did not wait for the usage limit's reset: delay %s" % delay)
    failed = by("attempt-failed", "T004")
    if [(e["class"], e["decision"]) for e in failed] != [("auth", "fail")] or by("retry-scheduled", "T004"):
        fail("T004: %s" % failed)
    if by("task-started", "T005") or [e["by"] for e in by("blocked", "T005")] != ["T004"]:
        fail("T005 should be blocked by T004")
    sent = [json.loads(l) for l in open(requests)]
    # T004: the CLI's own requests for one attempt, no more; T005: none.
    if not 0 < sum(1 for r in sent if r.get("task") == "T004") <= n or any(r.get("task") == "T005" for r in sent):
        fail("requests per task: %s" % sent)
    acts = [json.loads(l) for l in open(events)]
    if not [e for e in acts if e["kind"] == "activity" and e.get("task") == "T001"]:
        fail("no activity for T001 in the events")
    print("%s e2e: %d done (after a 429, a 500%s%s), auth failure not retried, dependent blocked"
          % (agent, len(ok), ", a usage limit with its reset" if codex else "",
             ", retried by the CLI itself" if agent in SELF_RETRY else ""))


if __name__ == "__main__":
    main()
