#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dashboard's cost to the run (issue #18, item 5).

run_bench's no-op run (N tasks, default 500, one wide [P] phase, /bin/true as the agent,
each task naming its own file, 2 workers, no git isolation), timed three ways in each
round, the order rotated round by round so that a noisy moment of the machine hits
each alike:
  plain      flow run, no dashboard
  dashboard  flow run --dashboard, nobody watching
  8 clients  flow run --dashboard with 8 SSE clients on /api/events, connected as soon as
             the URL is printed and reading until the run ends. CLIENTS_BY=socket (the
             default): 8 connections read by one thread of this script, started before
             the run, as 8 browser tabs are 8 connections of a browser already running;
             CLIENTS_BY=curl: 8 `curl -N` processes started then, whose start-up (on 2
             cores) is in the run's wall time though it is not the dashboard's
The wall time from start to exit, per task; the figure is the median over ROUNDS of the
paired ratio (8 clients / plain, in the same round). Every client must have received every
task's events (a snapshot, then the stream), or the round does not count. Also flow's CPU
time with its agents', and flow's own (its threads, the server's included, read from
/proc before it is reaped): the dashboard's work is all in the latter, which the
machine's other load changes far less than the wall time.

usage: [ROUNDS=21] [CLIENTS_BY=socket|curl] benchmarks/dashboard_cost.py [FLOW] [N] [CLIENTS]
"""
import os
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

flow = sys.argv[1] if len(sys.argv) > 1 else "build/flow"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
clients = int(sys.argv[3]) if len(sys.argv) > 3 else 8
# 21 rounds: on a 2-core VM whose speed drifts, the median of 7 paired ratios still
# moved by several per cent from one run of the script to the next.
rounds = int(os.environ.get("ROUNDS", "21"))
clients_by = os.environ.get("CLIENTS_BY", "socket")
if clients_by not in ("socket", "curl"):
    sys.exit("CLIENTS_BY: socket or curl")
if not os.access(flow, os.X_OK) or (clients_by == "curl" and not shutil.which("curl")):
    sys.exit("needs a built flow (argument 1), and curl for CLIENTS_BY=curl")


class SocketClients:
    """k SSE connections read by one thread until the server closes each, every byte
    kept in a file as curl -o would. The thread runs before the URL is known, so that
    nothing starts during the run but the connections themselves."""

    def __init__(self, k, outs):
        self.k, self.outs = k, outs
        self.go = threading.Event()
        self.cpu = 0.0
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def connect(self, port, token):
        self.port, self.token = port, token
        self.go.set()

    def serve(self):
        self.go.wait()
        begin = time.thread_time()
        sel = selectors.DefaultSelector()
        files = []
        for out in self.outs:
            s = socket.create_connection(("127.0.0.1", self.port))
            s.sendall(f"GET /api/events?token={self.token} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
            s.setblocking(False)
            f = open(out, "wb")
            files.append(f)
            sel.register(s, selectors.EVENT_READ, f)
        open_ = len(self.outs)
        while open_:
            for key, _ in sel.select():
                data = key.fileobj.recv(1 << 16)
                if data:
                    key.data.write(data)
                else:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    open_ -= 1
        for f in files:
            f.close()
        self.cpu = time.thread_time() - begin

    def wait(self, timeout):
        self.thread.join(timeout)
        if self.thread.is_alive():
            sys.exit("an SSE client did not end after the run")
        return self.cpu

work = tempfile.mkdtemp(prefix="flow-dashboard-cost-")
repo = os.path.join(work, "repo")
config = os.path.join(work, "bench.yaml")
with open(config, "w") as f:
    f.write("testing:\n  requireChanges: false\n")
tasks = "# Tasks: dashboard cost\n## Phase 1: Work\n" + "".join(
    f"- [ ] T{i} [P] no-op task on `out/t{i}.txt`\n" for i in range(1, n + 1))


def fresh():
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    subprocess.run(["git", "init", "-q", repo], check=True)
    with open(os.path.join(repo, "tasks.md"), "w") as f:
        f.write(tasks)


def reap(proc, timeout):
    """Waits for proc (up to timeout seconds) and returns its CPU time, from wait4."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            proc.kill()
            sys.exit("an SSE client did not end after the run")
        time.sleep(0.01)


def run(arm):
    fresh()
    argv = [flow, "run", os.path.join(repo, "tasks.md"), "--workers", "2", "--progress", "plain",
            "--agent-cmd", "/bin/true", "--config", config]
    if arm != "plain":
        argv.append("--dashboard")
    start = time.monotonic()
    log = open(os.path.join(work, "flow.out"), "w+")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.PIPE, text=True)
    readers, outs, connected, together = [], [], None, None
    if arm == "clients" and clients_by == "socket":
        outs = [os.path.join(work, f"sse{k}.txt") for k in range(clients)]
        together = SocketClients(clients, outs)
    if arm != "plain":
        line = ""
        while "dashboard at" not in line:   # printed before the run starts
            line = proc.stderr.readline()
            if not line:
                break
        m = re.search(r"dashboard at (http://127\.0\.0\.1:\d+)/\?token=([0-9a-f]+)", line)
        if not m:
            sys.exit("no dashboard URL: " + line)
        if together:
            together.connect(int(m[1].rsplit(":", 1)[1]), m[2])
            connected = time.monotonic() - start
        elif arm == "clients":
            for k in range(clients):
                out = os.path.join(work, f"sse{k}.txt")
                outs.append(out)
                readers.append(subprocess.Popen(["curl", "-sN", "-o", out, f"{m[1]}/api/events?token={m[2]}"]))
            connected = time.monotonic() - start
    stderr = proc.stderr.read()   # until flow closes it, at its exit
    # Exited, not yet reaped: /proc still has its threads' CPU time, without its children's.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # The clients' own CPU (curl's start-up included): on 2 cores it is time the run
    # cannot have, though none of it is flow's.
    client_cpu = together.wait(30) if together else sum(reap(r, 30) for r in readers)
    log.seek(0)
    stdout = log.read()
    log.close()
    if f"{n} succeeded" not in stdout:
        sys.exit(f"flow run did not finish ({arm}): {stdout[-300:]} {stderr[-300:]}")
    # Each client saw every task finish: in its snapshot, or as a `succeeded` event.
    for out in outs:
        text = open(out, encoding="utf-8", errors="replace").read()
        finished = text.count('"kind":"succeeded"') + text.count('"s":"succeeded"')
        if finished < n:
            sys.exit(f"an SSE client saw {finished} of {n} tasks finish ({out})")
    # CPU: flow's own (its threads, the server's included) and its agents', which a
    # loaded machine changes far less than the wall time.
    if readers or together:
        client_ms.append(client_cpu * 1000 / n)
    return wall * 1000 / n, (usage.ru_utime + usage.ru_stime) * 1000 / n, own * 1000 / n, connected


arms = ["plain", "dashboard", "clients"]
ms = {a: [] for a in arms}
cpu = {a: [] for a in arms}
ratio = {a: [] for a in arms}
cpu_ratio = {a: [] for a in arms}
own = {a: [] for a in arms}
own_ratio = {a: [] for a in arms}
connect = []
client_ms = []
try:
    for k in range(rounds):
        wall, used, mine = {}, {}, {}
        for a in arms[k % 3:] + arms[:k % 3]:
            wall[a], used[a], mine[a], c = run(a)
            ms[a].append(wall[a])
            cpu[a].append(used[a])
            own[a].append(mine[a])
            if c is not None:
                connect.append(c * 1000)
        for a in arms:
            ratio[a].append(wall[a] / wall["plain"])
            cpu_ratio[a].append(used[a] / used["plain"])
            own_ratio[a].append(mine[a] / mine["plain"])
        print(f"round {k + 1}: wall (CPU, flow's own CPU) ms/task: plain {wall['plain']:.3f} ({used['plain']:.3f}, "
              f"{mine['plain']:.3f}), dashboard {wall['dashboard']:.3f} ({used['dashboard']:.3f}, {mine['dashboard']:.3f}), "
              f"{clients} clients {wall['clients']:.3f} ({used['clients']:.3f}, {mine['clients']:.3f}); "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
finally:
    shutil.rmtree(work, ignore_errors=True)

med = statistics.median
pct = lambda r: 100 * (med(r) - 1)
print(f"\n{n} no-op tasks, 2 workers, {rounds} rounds; medians, and the median of the ratios paired by round:")
print(f"  {'':24} {'wall ms/task':>12} {'vs plain':>9} {'CPU ms/task':>12} {'vs plain':>9} {'flow own CPU':>12} {'vs plain':>9}")
for a, name in (("plain", "plain"), ("dashboard", "--dashboard, no client"), ("clients", f"--dashboard, {clients} clients")):
    print(f"  {name:24} {med(ms[a]):12.3f} {pct(ratio[a]):+8.1f}% {med(cpu[a]):12.3f} {pct(cpu_ratio[a]):+8.1f}%"
          f" {med(own[a]):12.3f} {pct(own_ratio[a]):+8.1f}%")
print(f"clients started a median {med(connect):.0f} ms after flow; load {os.getloadavg()[0]:.1f} at the end")
extra = med(ms["clients"]) - med(ms["plain"])
print(f"the {clients} clients' own CPU ({'one thread here' if clients_by == 'socket' else 'curl, start-up included'}): {med(client_ms):.3f} ms/task, on 2 cores "
      f"{med(client_ms) / 2:.3f} ms/task of wall time, against {extra:+.3f} ms/task measured with them")
print(f"goal: wall time per task at most +5% with {clients} clients: {'met' if med(ratio['clients']) <= 1.05 else 'NOT met'}")
