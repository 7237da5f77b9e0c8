#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A Python host that drives flow's scheduler while dispatching tasks its own way.

flow decides *what* may start (dependencies, file locks, critical path first); this
host decides *how* to run it: here, each task is a subprocess (`sleep` for a moment,
failing once for a task named on the command line), run by a thread pool. Failures go
through flow's stock recovery policy, and finished tasks are marked [X] in a copy of
the tasks.md. Usage:

    FLOW_LIBRARY=build/capi/libflow_c.so PYTHONPATH=bindings/python \\
        python3 examples/embedding/python_host.py examples/todo-cli/specs/001-todo-cli/tasks.md --fail T005
"""
import argparse
import concurrent.futures as cf
import shutil
import subprocess
import sys
import tempfile
import time

import flow


def run_task(task: flow.Task, attempt: int, fail_ids: set) -> int:
    """The host's own way of running a task: a real process, argv only."""
    code = "1" if task.id in fail_ids and attempt == 1 else "0"
    return subprocess.run(["sh", "-c", f"sleep 0.05; exit {code}"], stdin=subprocess.DEVNULL).returncode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tasks_md")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--fail", action="append", default=[], help="a task ID whose first attempt fails")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="flow-host-")
    path = shutil.copy(args.tasks_md, f"{work}/tasks.md")
    original = open(path, "rb").read()
    plan = flow.Plan.parse(original.decode())
    graph = flow.Graph(plan)
    sched = flow.Scheduler(graph, workers=args.workers)
    policy = flow.StockPolicy(base_delay=0.1, max_delay=0.5)
    tasks, attempts, marked = plan.tasks, {}, []
    start = time.monotonic()

    with cf.ThreadPoolExecutor(max_workers=args.workers) as pool:
        running = {}
        while not sched.done:
            now = time.monotonic() - start
            while (t := sched.next(now)) is not None:  # flow: what may start now
                attempts[t] = attempts.get(t, 0) + 1
                running[pool.submit(run_task, tasks[t], attempts[t], set(args.fail))] = t
            if not running:  # only retries waiting: sleep until the next one
                wake = sched.next_wake(now)
                time.sleep(max(0.0, (wake or now) - now))
                continue
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                t = running.pop(fut)
                now = time.monotonic() - start
                if fut.result() == 0:
                    sched.finish(t, "succeeded")
                    flow.set_marks(path, original, [(tasks[t].line, tasks[t].id, True)])
                    original = open(path, "rb").read()
                    marked.append(tasks[t].id)
                    print(f"{now:6.2f}s  done    {tasks[t].id}  {tasks[t].description[:60]}")
                    continue
                d = policy.decide_for(plan, t, attempts[t], flow.Failure("crash", message="exit 1"), now)
                print(f"{now:6.2f}s  failed  {tasks[t].id}  -> {d.kind} ({d.reason})")
                if d.kind == "retry":
                    sched.retry(t, now + d.delay)
                else:
                    sched.finish(t, "skipped" if d.kind == "skip" else "failed")

    statuses = [sched.status(t) for t in range(len(tasks))]
    print(f"{statuses.count('succeeded')} of {len(tasks)} tasks done, marked [X] in {path}")
    return 0 if statuses.count("succeeded") == len(tasks) else 1


if __name__ == "__main__":
    sys.exit(main())
