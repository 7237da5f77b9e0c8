#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The dashboard's server over real HTTP on loopback, during a real `flow run --dashboard`
# with a scripted agent: the page and its headers, the token, Host and Origin checks,
# the event stream and its resumption with Last-Event-ID, each control applied by the run
# loop and journaled, size limits, and `flow serve` replaying the finished run from the
# journal, read-only. Then two processes: `flow serve` controlling a `flow run` started on
# its own, through the run's control inbox.
#   test_server.py <flow> <agent.sh>
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

FLOW, AGENT = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


TASKS = """# Tasks: dashboard test

## Phase 1: Setup

- [ ] T001 [P] Create `T001.txt`
- [ ] T002 [P] Create `T002.txt`
- [ ] T003 [P] Create `T003.txt` named <img src=x onerror=alert(1)>

## Phase 2: Core

- [ ] T004 [P] Create `T004.txt`
- [ ] T005 [P] Create `T005.txt`
"""


class Server:
    def __init__(self, port, token):
        self.port, self.token = port, token

    def request(self, method, path, body=None, headers=None, host=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = {"Host": host or f"127.0.0.1:{self.port}"}
        h.update(headers or {})
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            c.putheader(k, v)
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            c.putheader("Content-Length", str(len(data)))
        c.endheaders()
        if data is not None:
            c.send(data)
        r = c.getresponse()
        out = (r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read())
        c.close()
        return out

    def control(self, action, task=None, index=None, line=None, token=None, origin=None, feature=0, answer=False):
        body = {"feature": feature, "action": action}
        if task:
            body.update(task=task, index=index, line=line)
        h = {"Content-Type": "application/json"}
        if token is not False:
            h["X-Flow-Token"] = token or self.token
        if origin:
            h["Origin"] = origin
        st, _, out = self.request("POST", "/api/control", json.dumps(body), h)
        return (st, json.loads(out or b"{}")) if answer else st


class Sse:
    """A raw Server-Sent Events client: frames as (id, event, data)."""

    def __init__(self, port, path, last_id=None):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
        if last_id is not None:
            req += f"Last-Event-ID: {last_id}\r\n"
        self.s.sendall((req + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split()[1])
        self.head = head.decode()

    def frames(self, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            while b"\n\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n\n", 1)
                fid, ev, data = None, "message", []
                for line in raw.decode().split("\n"):
                    if line.startswith("id: "):
                        fid = line[4:]
                    elif line.startswith("event: "):
                        ev = line[7:]
                    elif line.startswith("data: "):
                        data.append(line[6:])
                if data:
                    yield fid, ev, json.loads("\n".join(data))
            self.s.settimeout(max(0.05, end - time.time()))
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return
            if not chunk:
                return
            self.buf += chunk

    def close(self):
        self.s.close()


def journal(d):
    path = os.path.join(d, ".flow", "implementation.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def wait_for(pred, what, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    check(False, "timed out waiting for " + what)
    return False


def started(d, task, attempt=1):
    return any(e["event"] == "task-started" and e.get("task") == task and e.get("attempt") == attempt for e in journal(d))


def url_of(proc):
    line = proc.stderr.readline().decode()
    m = re.search(r"dashboard at (http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+))", line)
    check(m is not None, "the URL is printed: " + line.strip())
    return int(m.group(2)), m.group(3)


procs = []

CROSS_TASKS = """# Tasks: controls across processes

## Phase 1: Setup

- [ ] T001 [P] Create `T001.txt`
- [ ] T002 [P] Create `T002.txt`
- [ ] T003 [P] Create `T003.txt`
- [ ] T004 [P] Create `T004.txt`
"""


def controls_across_processes():
    """`flow serve` started on its own while a `flow run` of the same tasks.md goes on in
    another process: the page's controls reach that run (its control inbox), the run
    applies and journals them, and with no run going on a control is refused with 409."""
    d = tempfile.mkdtemp(prefix="flow-serve-x-")
    idle = tempfile.mkdtemp(prefix="flow-serve-idle-")  # a second feature with no run
    run = None
    try:
        tasks = os.path.join(d, "tasks.md")
        for where in (d, idle):
            with open(os.path.join(where, "tasks.md"), "w") as f:
                f.write(CROSS_TASKS)
        serve = subprocess.Popen([FLOW, "serve", tasks, os.path.join(idle, "tasks.md")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=d)
        procs.append(serve)
        port, token = url_of(serve)
        srv = Server(port, token)
        structure = json.loads(srv.request("GET", f"/api/structure?token={token}")[2])
        line = {t["id"]: (i, t["line"]) for i, t in enumerate(structure[0]["tasks"])}

        # Nothing going on yet: refused, and said why; no inbox is made up.
        st, out = srv.control("pause", answer=True)
        check(st == 409 and "no run" in out.get("error", ""), f"no live run: a control gets 409 with why ({st} {out})")
        check(not os.path.exists(os.path.join(d, ".flow", "control")), "no live run: nothing is written for one")
        state = json.loads(srv.request("GET", f"/api/state?token={token}")[2])
        check(not state["read_only"] and "control" not in state["features"][0]["run"],
              "no live run: the state offers no controls")

        run = subprocess.Popen([FLOW, "run", tasks, "--agent-cmd", AGENT, "--workers", "2", "--retries", "0",
                                "--isolation", "none", "--progress", "plain"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=d)
        procs.append(run)
        wait_for(lambda: started(d, "T001") and started(d, "T002"), "T001 and T002 to start in the other process")
        time.sleep(0.6)  # the server reads the journal every 200 ms
        state = json.loads(srv.request("GET", f"/api/state?token={token}")[2])
        r0 = state["features"][0]["run"]
        check(r0.get("control") == "inbox" and r0.get("control_pid") == run.pid,
              f"the state says the controls reach the run of pid {run.pid}: {r0}")
        check("control" not in state["features"][1]["run"], "the idle feature offers no controls")

        # The guards stand as they do for a run in this process.
        check(srv.control("pause", token=False) == 403, "across processes: a control without the token gets 403")
        check(srv.control("pause", origin="http://evil.example") == 403, "across processes: a foreign Origin gets 403")
        check(srv.control("skip", "T003", 2, 99) == 404, "across processes: a task that is not there gets 404")
        st, out = srv.control("pause", feature=1, answer=True)
        check(st == 409, f"each feature's controls reach its own run: the idle one gets 409 ({st} {out})")

        def control_line(action, task=None):
            return [e for e in journal(d) if e["event"] == "control" and e.get("action") == action
                    and (task is None or e.get("task") == task)]

        # Pause: the run journals it as the dashboard's, and starts nothing new.
        posted = time.time()
        st, out = srv.control("pause", answer=True)
        check(st == 202 and out.get("queued") and out.get("request"), f"pause is accepted and posted ({st} {out})")
        wait_for(lambda: control_line("pause"), "the run to take the pause")
        print(f"     the run journaled the pause {1000 * (time.time() - posted):.0f} ms after the POST", flush=True)
        c = (control_line("pause") or [{}])[0]
        check("refused" not in c and "flow serve" in c.get("by", "") and c.get("request") == out.get("request"),
              f"the pause is journaled by the run, from flow serve: {c}")
        with open(os.path.join(d, "rc-T002-1"), "w") as f:
            f.write("1")
        open(os.path.join(d, "go-T002-1"), "w").close()
        wait_for(lambda: any(e["event"] == "attempt-failed" and e.get("task") == "T002" for e in journal(d)), "T002 to fail")
        time.sleep(1.0)
        check(not started(d, "T003") and not started(d, "T004"), "paused: nothing new starts on the free worker")

        # Retry the failed task: taken, but it waits while the run is paused; resume runs it.
        check(srv.control("retry", "T002", *line["T002"]) == 202, "retry is accepted")
        wait_for(lambda: control_line("retry", "T002"), "the run to take the retry")
        check(all("refused" not in e for e in control_line("retry", "T002")), "the retry is applied")
        time.sleep(0.5)
        check(not started(d, "T002", 2), "paused: the retried task waits")
        check(srv.control("resume") == 202, "resume is accepted")
        wait_for(lambda: started(d, "T002", 2), "T002 to run again after the resume")

        # Cancel T001, running since the start: it is stopped, not retried.
        check(srv.control("cancel", "T001", *line["T001"]) == 202, "cancel is accepted")
        wait_for(lambda: any(e["event"] == "attempt-failed" and e.get("task") == "T001" and e.get("class") == "canceled"
                             for e in journal(d)), "T001 to be canceled (class canceled)")
        open(os.path.join(d, "go-all"), "w").close()
        rc = run.wait(timeout=60)
        j = journal(d)
        finished = {e.get("task") for e in j if e["event"] == "task-finished"}
        check({"T002", "T003", "T004"} <= finished and "T001" not in finished,
              f"the retried task and the rest succeed; the canceled one does not (exit {rc}): {sorted(finished)}")
        check(not any(e["event"] == "task-started" and e.get("task") == "T001" and e.get("attempt") == 2 for e in j),
              "the canceled task is not run again")
        check(sum(1 for e in j if e["event"] == "control" and "flow serve" in e.get("by", "")) == 4,
              "four controls journaled, each from flow serve")

        # The run is over: its inbox went with it, and a control says so.
        time.sleep(0.5)
        st, out = srv.control("resume", answer=True)
        check(st == 409 and out.get("error"), f"after the run: a control gets 409 with why ({st} {out})")
        state = json.loads(srv.request("GET", f"/api/state?token={token}")[2])
        check(state["features"][0]["run"]["finished"] and "control" not in state["features"][0]["run"],
              "after the run: the state offers no controls")
        serve.terminate()
        serve.wait(timeout=10)
    finally:
        for where in (d, idle):
            open(os.path.join(where, "go-all"), "w").close()
        if run is not None and run.poll() is None:
            run.terminate()
            run.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(idle, ignore_errors=True)


def dead_run_seen():
    """`flow serve` watching a `flow run` in another process sees on its own when that run
    is gone: killed with SIGKILL, the event stream carries `run-ended` within a second or
    two and the controls are refused (409); ended normally, `run-finished` and no
    `run-ended`, and the controls are refused too."""
    d = tempfile.mkdtemp(prefix="flow-serve-dead-")
    try:
        tasks = os.path.join(d, "tasks.md")
        with open(tasks, "w") as f:
            f.write(CROSS_TASKS)
        serve = subprocess.Popen([FLOW, "serve", tasks], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=d)
        procs.append(serve)
        port, token = url_of(serve)
        srv = Server(port, token)

        def flow_run():
            p = subprocess.Popen([FLOW, "run", tasks, "--agent-cmd", AGENT, "--workers", "2", "--retries", "0",
                                  "--isolation", "none", "--progress", "plain"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=d)
            procs.append(p)
            return p

        # A run killed with SIGKILL while a page listens: its agents wait for their go files.
        run = flow_run()
        wait_for(lambda: started(d, "T001") and started(d, "T002"), "T001 and T002 to start in the other process")
        sse = Sse(port, f"/api/events?token={token}")
        frames = sse.frames(timeout=15)
        _, ev, snap = next(frames)
        r = snap["features"][0]["run"]
        check(ev == "snapshot" and r.get("control") == "inbox" and not r.get("ended") and not r["finished"],
              f"the run going on is controllable: {r}")
        run.kill()
        run.wait(timeout=10)  # reaped: a zombie would still answer kill(pid, 0)
        killed = time.time()
        ended = next((e for _, _, e in frames if e.get("kind") == "run-ended"), None)
        took = time.time() - killed
        sse.close()
        check(ended is not None and ended.get("run") == r["id"] and ended["schema"] == "flow-event/1",
              f"killed with SIGKILL: the stream says the run ended ({ended})")
        check(took < 3.0, f"... within a second or two, not at a click ({took:.2f} s)")
        print(f"     run-ended came {1000 * took:.0f} ms after the SIGKILL", flush=True)
        st, out = srv.control("pause", answer=True)
        check(st == 409 and out.get("error"), f"killed: a control gets 409 with why ({st} {out})")
        st, out = srv.control("cancel", "T001", 0, structure_line(srv, token, 0), answer=True)
        check(st == 409, f"killed: a task's control gets 409 too ({st} {out})")
        state = json.loads(srv.request("GET", f"/api/state?token={token}")[2])
        r = state["features"][0]["run"]
        check(r.get("ended") and not r["finished"] and "control" not in r,
              f"killed: the state shows the run ended, unfinished, without controls: {r}")
        # A page opened later hears it in its snapshot.
        sse = Sse(port, f"/api/events?token={token}")
        _, ev, snap = next(sse.frames(timeout=5))
        sse.close()
        check(ev == "snapshot" and snap["features"][0]["run"].get("ended"), "a page opened later sees the run ended")

        # A run that ends normally: run-finished, never run-ended.
        open(os.path.join(d, "go-all"), "w").close()  # the killed run's agents end too
        sse = Sse(port, f"/api/events?token={token}")
        frames = sse.frames(timeout=60)
        next(frames)
        run = flow_run()
        kinds = []
        for _, _, e in frames:
            kinds.append((e.get("kind"), e.get("run")))
            if e.get("kind") == "run-finished":
                break
        rc = run.wait(timeout=60)
        new_id = next((rid for k, rid in kinds if k == "run-started"), None)
        check(rc == 0 and new_id and new_id != r["id"] and ("run-finished", new_id) in kinds,
              f"ended normally (exit {rc}): the stream carries its start and its run-finished")
        later = list(sse.frames(timeout=2.0))  # longer than the liveness probe's second
        sse.close()
        seen = kinds + [(e.get("kind"), e.get("run")) for _, _, e in later]
        check(not any(k == "run-ended" for k, _ in seen), f"ended normally: no run-ended ({seen})")
        st, out = srv.control("resume", answer=True)
        check(st == 409, f"ended normally: a control gets 409 ({st} {out})")
        r = json.loads(srv.request("GET", f"/api/state?token={token}")[2])["features"][0]["run"]
        check(r["finished"] and not r.get("ended") and "control" not in r, f"ended normally: the state says finished: {r}")
        serve.terminate()
        serve.wait(timeout=10)
    finally:
        open(os.path.join(d, "go-all"), "w").close()
        shutil.rmtree(d, ignore_errors=True)


def structure_line(srv, token, index):
    return json.loads(srv.request("GET", f"/api/structure?token={token}")[2])[0]["tasks"][index]["line"]


def main():
    d = tempfile.mkdtemp(prefix="flow-serve-")
    try:
        with open(os.path.join(d, "tasks.md"), "w") as f:
            f.write(TASKS)
        proc = subprocess.Popen([FLOW, "run", os.path.join(d, "tasks.md"), "--agent-cmd", AGENT, "--workers", "2",
                                 "--isolation", "none", "--progress", "plain", "--dashboard"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=d)
        procs.append(proc)
        port, token = url_of(proc)
        srv = Server(port, token)

        # The page, self-contained, with a strict policy.
        st, h, body = srv.request("GET", "/")
        check(st == 200 and b"/app.js" in body and b"http" not in body.replace(b"http://www.w3.org", b""),
              "GET / serves the page, which loads nothing from elsewhere")
        check("script-src 'self'" in h.get("content-security-policy", ""), "the page has a Content-Security-Policy")
        st, h, body = srv.request("GET", "/app.js")
        check(st == 200 and b"textContent" in body and b"innerHTML" not in body, "app.js renders text only")

        # Token, Host, Origin.
        check(srv.request("GET", "/api/state")[0] == 403, "no token: 403")
        check(srv.request("GET", "/api/state?token=" + "0" * 32)[0] == 403, "a wrong token: 403")
        check(srv.request("GET", f"/api/state?token={token}")[0] == 200, "the token: 200")
        check(srv.request("GET", f"/api/state?token={token}", host=f"evil.example:{port}")[0] == 403,
              "a foreign Host (DNS rebinding): 403")
        check(srv.request("GET", f"/api/state?token={token}", headers={"Origin": "http://evil.example"})[0] == 403,
              "a foreign Origin: 403")
        check(srv.request("GET", f"/api/state?token={token}", headers={"Origin": f"http://127.0.0.1:{port}"})[0] == 200,
              "its own Origin: 200")
        check(srv.control("pause", token=False) == 403, "a control without the token: 403")
        check(srv.control("pause", origin="http://evil.example") == 403, "a control from a foreign Origin: 403")
        check(srv.request("POST", "/api/control", "x" * 70000, {"Content-Type": "application/json", "X-Flow-Token": token})[0] == 413,
              "a request over the size limit: 413")
        check(srv.control("explode") == 400, "an unknown control: 400")
        check(srv.control("skip", "T003", 2, 99) == 404, "a control on a task that is not there: 404")

        structure = json.loads(srv.request("GET", f"/api/structure?token={token}")[2])
        ids = [t["id"] for t in structure[0]["tasks"]]
        check(ids == ["T001", "T002", "T003", "T004", "T005"], "the structure lists the tasks")
        check("<img src=x onerror=alert(1)>" in structure[0]["tasks"][2]["d"], "task text is passed on as it is")
        line = {t["id"]: (i, t["line"]) for i, t in enumerate(structure[0]["tasks"])}

        # The stream: a snapshot first, then the run's events as they happen.
        wait_for(lambda: started(d, "T001") and started(d, "T002"), "T001 and T002 to start (2 workers)")
        time.sleep(0.6)  # the server reads the journal every 200 ms
        sse = Sse(port, f"/api/events?token={token}")
        check(sse.status == 200 and "text/event-stream" in sse.head, "the event stream opens")
        frames = sse.frames(timeout=15)
        fid, ev, snap = next(frames)
        states = [t["s"] for t in snap["features"][0]["tasks"]]
        check(ev == "snapshot" and states[:3] == ["running", "running", "pending"],
              f"a first connection gets a snapshot: {states}")
        # Pause: the finished one frees a worker, and T003 still does not start.
        check(srv.control("pause") == 202, "pause is accepted")
        wait_for(lambda: any(e["event"] == "control" and e.get("action") == "pause" for e in journal(d)), "pause journaled")
        open(os.path.join(d, "go-T001-1"), "w").close()
        seen = []
        for fid, ev, e in frames:
            seen.append((int(fid), e))
            if e["kind"] == "succeeded":
                break
        sse.close()
        kinds = [(e["kind"], e.get("task")) for _, e in seen]
        check(kinds[:2] == [("control", None), ("succeeded", "T001")], f"the events come live: {kinds}")
        check(all(e["schema"] == "flow-event/1" and e["feature"] == 0 for _, e in seen), "they are flow-event/1")
        check(seen[0][1].get("action") == "pause", "the control event names its action")
        # Resumption: from the first of them, the next one and no snapshot.
        first_id = seen[0][0]
        sse = Sse(port, f"/api/events?token={token}", last_id=first_id)
        fid, ev, e = next(sse.frames(timeout=5))
        check(ev == "message" and int(fid) == first_id + 1 and e == seen[1][1],
              "Last-Event-ID resumes with the next event")
        sse.close()
        sse = Sse(port, f"/api/events?token={token}", last_id=5)
        fid, ev, e = next(sse.frames(timeout=5))
        check(ev == "snapshot", "a Last-Event-ID from before what is kept gets a snapshot")
        sse.close()

        wait_for(lambda: any(e["event"] == "task-finished" and e.get("task") == "T001" for e in journal(d)), "T001 done")
        time.sleep(1.0)
        check(not started(d, "T003"), "paused: T003 does not start on the free worker")
        # Skip T003; cancel T002, which is running; retry it; resume.
        check(srv.control("skip", "T003", *line["T003"]) == 202, "skip is accepted")
        wait_for(lambda: any(e["event"] == "control" and e.get("action") == "skip" and e.get("task") == "T003"
                             and "refused" not in e for e in journal(d)), "skip journaled and applied")
        check(srv.control("cancel", "T002", *line["T002"]) == 202, "cancel is accepted")
        wait_for(lambda: any(e["event"] == "attempt-failed" and e.get("task") == "T002" and e.get("class") == "canceled"
                             for e in journal(d)), "T002 canceled (journaled as a failed attempt, class canceled)")
        time.sleep(0.5)
        check(not started(d, "T002", 2), "a canceled task is not retried by the policy")
        check(srv.control("retry", "T002", *line["T002"]) == 202, "retry is accepted")
        wait_for(lambda: any(e["event"] == "control" and e.get("action") == "retry" and "refused" not in e
                             for e in journal(d)), "retry journaled and applied")
        check(srv.control("resume") == 202, "resume is accepted")
        wait_for(lambda: started(d, "T002", 2), "T002 runs again after the retry")
        open(os.path.join(d, "go-all"), "w").close()
        rc = proc.wait(timeout=60)
        j = journal(d)
        check(rc == 0, f"the run ends well after the retry (exit {rc})")
        check(not any(e["event"] == "task-started" and e.get("task") == "T003" for e in j), "the skipped task never ran")
        check(all(any(e["event"] == "task-finished" and e.get("task") == t for e in j) for t in ["T001", "T002", "T004", "T005"]),
              "every other task succeeded")
        check(sum(1 for e in j if e["event"] == "control") == 5, "five controls journaled")

        # The finished run, from its journal, read-only.
        proc = subprocess.Popen([FLOW, "serve", os.path.join(d, "tasks.md"), "--read-only"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=d)
        procs.append(proc)
        port, token = url_of(proc)
        srv = Server(port, token)
        time.sleep(0.5)
        state = json.loads(srv.request("GET", f"/api/state?token={token}")[2])
        states = [t["s"] for t in state["features"][0]["tasks"]]
        check(state["features"][0]["run"]["finished"], "the replayed run is finished")
        check(states == ["succeeded", "succeeded", "skipped", "succeeded", "succeeded"], f"replayed states: {states}")
        check(state["features"][0]["tasks"][1]["a"] == 2, "T002's two attempts are replayed")
        check(srv.control("pause") == 403, "read-only: controls get 403")
        st, h, out = srv.request("GET", f"/api/output?token={token}&f=0&t=1")
        check(st == 200 and b"attempt 2 of T002 done" in out, "a task's output is served")
        proc.terminate()
        proc.wait(timeout=10)

        controls_across_processes()
        dead_run_seen()
    finally:
        # A check that failed half-way must not leave a run waiting for its go files.
        open(os.path.join(d, "go-all"), "w").close()
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)
    if failures:
        print(f"serve http: {len(failures)} check(s) failed")
        return 1
    print("serve http: all checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
