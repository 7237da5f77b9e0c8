# SPDX-License-Identifier: MIT
"""The Python binding against the real shared library."""
import heapq
import json
import math
import subprocess

import pytest

import flow
from conftest import CORPUS, FLOW_BIN

EXAMPLE = CORPUS.parents[2] / "examples" / "todo-cli" / "specs" / "001-todo-cli" / "tasks.md"


def test_versions():
    assert flow.ABI_VERSION == 1
    assert flow.version().count(".") == 2


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.md")), ids=lambda p: p.name[:40])
def test_corpus_agrees_with_flow_check_json(path):
    done = subprocess.run([FLOW_BIN, "check", "--json", str(path)], capture_output=True)
    cli = json.loads(done.stdout)
    # No corpus file's graph has a real cycle.
    assert done.returncode == 0, done.stderr
    assert not [d for d in cli.get("graph_diagnostics", []) if d["code"] == "cycle"]
    with flow.Plan.load(str(path)) as plan:
        tasks = plan.tasks
        assert len(tasks) == len(cli["tasks"])
        for mine, theirs in zip(tasks, cli["tasks"]):
            assert mine.id == theirs["id"]
            assert mine.line == theirs["line"]
            assert mine.state == theirs["state"]
            assert mine.form == theirs["form"]
            assert mine.parallel == theirs["parallel"]
            assert mine.story == theirs["story"]
            assert list(mine.other_stories) == theirs["other_stories"]
            assert list(mine.paths) == theirs["paths"]
            assert [(d[0], d[1], d[2]) for d in mine.depends_on] == [(d["first"], d["last"], d["line"])
                                                                     for d in theirs["depends_on"]]
        assert [(d.line, d.code) for d in plan.diagnostics] == [(d["line"], d["code"]) for d in cli["diagnostics"]]
        assert [(p.line, p.story, p.story_label) for p in plan.phases] == [(p["line"], p["story"], p["story_label"])
                                                                            for p in cli["phases"]]


def test_a_story_phase_s_label_is_the_one_its_tasks_write():
    text = ("## Phase 1: Setup\n- [ ] T001 a\n## Phase 2: User Story AUTH-US1 - Login\n- [ ] T002 [AUTH-US1] b\n"
            "## Phase 3: User Story 2 (Priority: P2)\n- [ ] T003 [US2] c\n")
    with flow.Plan.parse(text) as plan:
        assert [(p.story, p.story_label) for p in plan.phases] == [(0, None), (1, "AUTH-US1"), (2, "US2")]


def test_a_task_for_several_stories_names_each():
    text = "- [ ] T001 [US1, US2] a\n- [ ] T002 [P] [US1][US3] b\n- [ ] T003 [US2-US4] c\n- [ ] T004 [US1] d\n"
    with flow.Plan.parse(text) as plan:
        assert [(t.story, t.other_stories) for t in plan.tasks] == [
            ("US1", ("US2",)), ("US1", ("US3",)), ("US2", ("US3", "US4")), ("US1", ())]


def test_graph_queries_and_cycle_error():
    with flow.Plan.load(str(EXAMPLE)) as plan, flow.Graph(plan) as g:
        ids = [t.id for t in plan.tasks]
        t012 = ids.index("T012")
        preds = {ids[p] for p in g.predecessors(t012)}
        assert {"T010", "T011"} <= preds
        assert any(e.rule == "task-reference" and e.words == "depends on T010" for e in g.edges)
        path, length = g.critical_path([1.0] * g.task_count)
        assert length == 12 and ids[path[0]] == "T001" and ids[path[-1]] == "T024"
        assert g.lower_bound([1.0] * g.task_count, 4) == 12
        assert g.wave(ids.index("T001")) == 1
    with flow.Plan.parse("- [ ] T001 [P] a (depends on T002)\n- [ ] T002 [P] b (depends on T001)\n") as bad:
        with pytest.raises(flow.CycleError) as e:
            flow.Graph(bad)
        assert "T001 (line 1)" in str(e.value) and e.value.code == flow.ECYCLE


def test_a_python_runner_drives_the_scheduler_to_the_end():
    """A full simulated run from Python: our own clock, our own runner, flow's decisions."""
    plan = flow.Plan.load(str(EXAMPLE))
    graph = flow.Graph(plan)
    durations = [1.0 + (i * 7) % 5 for i in range(graph.task_count)]
    sched = flow.Scheduler(graph, workers=3, estimates=durations)
    now, running, started, ended, peak = 0.0, [], {}, {}, 0
    while not sched.done:
        while (t := sched.next(now)) is not None:
            started[t] = now
            heapq.heappush(running, (now + durations[t], t))
        peak = max(peak, len(running))
        end, t = heapq.heappop(running)
        now = end
        ended[t] = now
        sched.finish(t, "succeeded")
    assert len(ended) == graph.task_count
    assert peak <= 3
    for t in range(graph.task_count):
        assert sched.status(t) == "succeeded"
        for p in graph.predecessors(t):
            assert ended[p] <= started[t]


def test_numbers_ctypes_would_wrap_or_c_would_misread_are_refused():
    # 2**32 + 1 used to reach C as 1 (task 1's status, task 1 finished); a NaN estimate
    # made a scheduler that lost tasks; a NUL cut a path short.
    graph = flow.Graph(flow.Plan.parse("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n"))
    sched = flow.Scheduler(graph, workers=2)
    for call in (lambda: sched.status(2**32 + 1), lambda: graph.predecessors(2**32 + 2),
                 lambda: flow.Scheduler(graph, workers=2**32 + 3), lambda: sched.finish(2**32)):
        with pytest.raises(ValueError, match="at most"):
            call()
    assert sched.status(1) == "waiting"
    with pytest.raises(ValueError):
        flow.Scheduler(graph, workers=2, estimates=[1, math.nan, 1])
    with pytest.raises(ValueError):
        flow.simulate(graph, seed=2**64)
    flow.simulate(graph, seed=2**64 - 1)  # a seed is 64 bits
    with pytest.raises(ValueError, match="NUL"):
        flow.Plan.load(str(EXAMPLE) + "\0junk")


def test_stock_policy_and_simulation():
    plan = flow.Plan.load(str(EXAMPLE))
    graph = flow.Graph(plan)
    stock = flow.StockPolicy(seed=7)
    d = stock.decide_for(plan, 0, 1, flow.Failure("network"))
    assert d.kind == "retry" and 0.75 <= d.delay <= 1.0
    assert stock.decide_for(plan, 0, 1, flow.Failure("auth")).kind == "fail"
    rep = flow.simulate(graph, stock, workers=2, faults="T014=auth")
    assert rep.failed == 1 and rep.blocked >= 1 and rep.makespan > 0
    with pytest.raises(flow.FlowError):
        flow.simulate(graph, stock, faults="T014=bogus")


class Retry2ThenSkip(flow.Policy):
    def __init__(self):
        super().__init__()
        self.calls = []

    def decide(self, task_id, attempt, failure, now):
        self.calls.append((task_id, attempt, failure.failure_class))
        if attempt < 2:
            return flow.Decision("retry", delay=3.0, reason="python says retry")
        return flow.Decision("skip", reason="python says skip")


class Boom(flow.Policy):
    def decide(self, task_id, attempt, failure, now):
        raise RuntimeError(f"policy exploded on {task_id}")


def test_a_python_policy_decides():
    graph = flow.Graph(flow.Plan.load(str(EXAMPLE)))
    policy = Retry2ThenSkip()
    rep = flow.simulate(graph, policy, workers=2, faults="T005=network*5")
    assert policy.calls == [("T005", 1, "network"), ("T005", 2, "network")]
    assert rep.retries == 1 and rep.skipped == 1 and rep.succeeded == graph.task_count - 1


def test_a_python_policy_that_raises_comes_out_of_simulate():
    graph = flow.Graph(flow.Plan.load(str(EXAMPLE)))
    with pytest.raises(RuntimeError, match="policy exploded on T005"):
        flow.simulate(graph, Boom(), workers=2, faults="T005=network")
    # The policy and everything else still work afterwards.
    assert flow.simulate(graph, workers=2).succeeded == graph.task_count


@pytest.mark.parametrize("order", [("plan", "graph", "sched"), ("sched", "graph", "plan"), ("graph", "plan", "sched"),
                                   ("plan", "sched", "graph"), "gc"])
def test_handles_free_in_any_order(order):
    """Closing any handle leaves the others working: a graph keeps its plan alive, a
    scheduler its graph."""
    plan = flow.Plan.load(str(EXAMPLE))
    graph = flow.Graph(plan)
    sched = flow.Scheduler(graph, workers=2)
    now = 0.0
    if order == "gc":
        del plan, graph
        import gc
        gc.collect()
        order = ("sched",)
    handles = {"plan": locals().get("plan"), "graph": locals().get("graph"), "sched": sched}
    for name in order:
        handles[name].close()
        handles[name].close()  # idempotent
        if handles["graph"] is not None and handles["graph"]._h:
            assert len(handles["graph"].predecessors(11)) > 0  # the graph still reads its plan
        if sched._h:
            t = sched.next(now)
            if t is not None:
                sched.finish(t)
            now += 1
    with pytest.raises(ValueError):
        sched.next(now)


def _rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


def test_ten_thousand_parse_free_cycles_do_not_grow_memory():
    text = EXAMPLE.read_text()
    for _ in range(500):  # warm up allocator and caches
        flow.Plan.parse(text).close()
    before = _rss_kb()
    for _ in range(10_000):
        p = flow.Plan.parse(text)
        assert len(p.tasks) == 24
        p.close()
    grown = _rss_kb() - before
    assert grown < 4096, f"resident memory grew by {grown} KiB over 10,000 cycles"


def test_set_marks_on_a_real_file(tmp_path):
    path = tmp_path / "tasks.md"
    original = b"- [ ] T001 a\r\n- [x] T002 b\r\n- [ ] T003 c"
    path.write_bytes(original)
    plan = flow.Plan.parse(original.decode())
    flow.set_marks(str(path), original, [(1, "T001", True), (3, "T003", True)])
    assert path.read_bytes() == b"- [x] T001 a\r\n- [x] T002 b\r\n- [x] T003 c"
    with pytest.raises(flow.NotFoundError):
        flow.set_marks(str(path), path.read_bytes(), [(2, "T009", True)])
    assert plan.tasks[0].state == "pending"


def test_the_embedding_example_host_runs_the_example_to_the_end(tmp_path):
    """examples/embedding/python_host.py: flow schedules, the host runs real processes."""
    import os
    import re
    import sys
    host = CORPUS.parents[2] / "examples" / "embedding" / "python_host.py"
    env = dict(os.environ, PYTHONPATH=str(CORPUS.parents[2] / "bindings" / "python"), TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, str(host), str(EXAMPLE), "--fail", "T005"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"failed  T005  -> retry", out.stdout)
    assert "24 of 24 tasks done" in out.stdout
    marked = next(tmp_path.glob("flow-host-*/tasks.md")).read_text()
    assert marked.count("- [X] T0") == 24 and "- [ ] T0" not in marked


def _example_copy(tmp_path):
    import shutil
    work = tmp_path / "repo"
    shutil.copytree(EXAMPLE.parents[2], work)
    subprocess.run(["git", "init", "-q", str(work)], check=True)  # no commit: tasks run in place
    return work / "specs" / "001-todo-cli" / "tasks.md", str(EXAMPLE.parents[2] / "demo-agent.sh")


def test_run_does_everything_and_reports_events(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_AGENT_SECONDS", "0.05")
    tasks, agent = _example_copy(tmp_path)
    events = []
    rep = flow.run(str(tasks), agent=agent, workers=3, on_event=events.append)
    assert (rep.succeeded, rep.failed, rep.blocked) == (24, 0, 0)
    assert tasks.read_text().count("- [X] T0") == 24
    kinds = [e.kind for e in events]
    assert kinds[0] == "run-started" and kinds[-1] == "run-finished"
    assert kinds.count("marked") == 24
    assert any(e.kind == "started" and e.task_id == "T001" and e.attempt == 1 for e in events)


def test_an_exception_in_on_event_stops_the_run_and_comes_out(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_AGENT_SECONDS", "0.05")
    tasks, agent = _example_copy(tmp_path)

    def stop_at_t005(e):
        if e.kind == "started" and e.task_id == "T005":
            raise KeyboardInterrupt("stop here")

    with pytest.raises(KeyboardInterrupt, match="stop here"):
        flow.run(str(tasks), agent=agent, workers=2, on_event=stop_at_t005)
    assert "- [ ] T024" in tasks.read_text()  # it stopped early


def test_a_python_policy_that_raises_comes_out_of_run(tmp_path):
    tasks, _ = _example_copy(tmp_path)
    with pytest.raises(RuntimeError, match="policy exploded on T001"):
        flow.run(str(tasks), agent="/bin/false", workers=2, policy=Boom())


def test_the_stock_policy_takes_a_recovery_ladder():
    plan = flow.Plan.load(str(EXAMPLE))
    stock = flow.StockPolicy(seed=7, fallback=[flow.FallbackStep(2, strategy="alternative"),
                                               flow.FallbackStep(3, agent="codex", strategy="simplified",
                                                                 instruction="one file")])
    d = stock.decide_for(plan, 0, 1, flow.Failure("network"))
    assert (d.kind, d.strategy, d.agent) == ("retry", "alternative", "")
    d = stock.decide_for(plan, 0, 2, flow.Failure("network"))
    assert (d.strategy, d.agent, d.instruction, d.needs_attention) == ("simplified", "codex", "one file", False)
    # The ladder runs out after three retries: a person's turn; an auth failure is not.
    d = stock.decide_for(plan, 0, 4, flow.Failure("network"))
    assert (d.kind, d.needs_attention, d.instruction) == ("fail", True, "")
    d = stock.decide_for(plan, 0, 1, flow.Failure("auth"))
    assert (d.kind, d.needs_attention) == ("fail", False)
    with pytest.raises(ValueError, match="strategy"):
        flow.StockPolicy(fallback=[flow.FallbackStep(2, strategy="sideways")])
    with pytest.raises(ValueError):
        flow.StockPolicy(fallback=[flow.FallbackStep(1, strategy="simplified")])


def test_needs_attention_then_run_retry_with_a_hint_from_another_thread(tmp_path):
    """A task whose ladder runs out needs attention (event and report); Run.retry() from
    another thread brings it back in the same run with the hint in its prompt, and what
    it blocked runs after it."""
    import threading
    tasks, _ = _example_copy(tmp_path)
    repo = tasks.parents[2]
    (repo / ".flow").mkdir(exist_ok=True)
    (repo / ".flow" / "config.yaml").write_text("errorRecovery:\n  maxRetries: 1\n  baseDelay: 10ms\n"
                                                "testing:\n  runTests: false\n  requireChanges: false\n")
    agent = ("sh -c '[ \"$FLOW_TASK_ID\" != T001 ] || grep -q HINT-PY \"$FLOW_PROMPT_FILE\"'")
    attention, posted = threading.Event(), threading.Event()
    events = []

    def on_event(e):  # a host's UI: it shows the task and waits for the person
        events.append(e)
        if e.kind == "needs-attention" and r is not None:
            attention.set()
            assert posted.wait(60)

    r = None

    # Without a hint: T001 needs attention, everything after it is blocked.
    rep = flow.run(str(tasks), agent_cmd=agent, isolation="none", on_event=on_event)
    assert (rep.failed, rep.needs_attention) == (1, 1) and rep.blocked == 23 and rep.succeeded == 0
    assert [e.task_id for e in events if e.kind == "needs-attention"] == ["T001"]
    # With a hint from another thread, while the run goes on.
    attention.clear()
    events.clear()
    r = flow.Run(str(tasks), agent_cmd=agent, isolation="none", on_event=on_event)

    def person():
        assert attention.wait(60)
        r.retry("T001", hint="HINT-PY: look at the spec")
        posted.set()

    helper = threading.Thread(target=person)
    helper.start()
    rep = r.execute()
    helper.join()
    assert (rep.succeeded, rep.failed, rep.needs_attention, rep.blocked) == (24, 0, 0, 0)
    assert any(e.kind == "control" and e.task_id == "T001" and "refused" not in e.detail for e in events)
    with pytest.raises(TypeError):
        r.retry(14)


class OwnLadder(flow.Policy):
    """A Python policy with a ladder of its own: T001's first failure is retried with the
    alternative strategy and an instruction; anything else waits for a person."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def decide(self, task_id, attempt, failure, now):
        self.calls.append((task_id, attempt))
        if task_id == "T001" and attempt == 1:
            return flow.Decision("retry", strategy="alternative", instruction="INSTR-PY: use pathlib",
                                 reason="python: another way")
        if task_id == "T004":
            return flow.Decision("retry", strategy="sideways")
        return flow.Decision("fail", needs_attention=True, reason="python: a person's turn")


def test_a_python_policy_reads_and_returns_the_ladder_fields():
    plan = flow.Plan.load(str(EXAMPLE))
    policy = OwnLadder()
    graph = flow.Graph(plan)
    # Through flow and back: what the policy said, as the stock policy's answers come.
    rep = flow.simulate(graph, policy, workers=2, faults="T001=network*2")
    assert policy.calls == [("T001", 1), ("T001", 2)] and rep.retries == 1 and rep.failed == 1
    with pytest.raises(ValueError, match="strategy"):
        flow.simulate(graph, policy, workers=2, faults="T004=network")


def test_a_python_policy_s_instruction_and_needs_attention_drive_a_real_run(tmp_path):
    """T001 succeeds only when its prompt carries the instruction the policy gave on its
    retry; T003 always fails and the policy hands it to a person, which blocks T004."""
    repo = tmp_path / "repo"
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".flow").mkdir()
    (repo / ".flow" / "config.yaml").write_text("testing:\n  runTests: false\n  requireChanges: false\n")
    tasks = repo / "tasks.md"
    tasks.write_text("## Phase 1: Setup\n- [ ] T001 Create a.py\n- [ ] T002 [P] Add b.py\n- [ ] T003 [P] Add c.py\n"
                     "## Phase 2: User Story 1\n- [ ] T004 [US1] Wire it (depends on T003)\n")
    agent = ("sh -c '[ \"$FLOW_TASK_ID\" != T003 ] || exit 1; "
             "[ \"$FLOW_TASK_ID\" != T001 ] || grep -q INSTR-PY \"$FLOW_PROMPT_FILE\"'")
    policy = OwnLadder()
    events = []
    rep = flow.run(str(tasks), agent_cmd=agent, isolation="none", workers=1, policy=policy, on_event=events.append)
    assert (rep.succeeded, rep.failed, rep.needs_attention, rep.blocked, rep.retries) == (2, 1, 1, 1, 1)
    assert [e.task_id for e in events if e.kind == "needs-attention"] == ["T003"]
    assert policy.calls == [("T001", 1), ("T003", 1)]
    prompt = next((repo / ".flow" / "runs").glob("*/T001-0.2.prompt.md")).read_text()
    assert "INSTR-PY: use pathlib" in prompt and "take a different one" in prompt
    journal = (repo / ".flow" / "implementation.log").read_text().splitlines()
    started = [json.loads(x) for x in journal if '"task-started"' in x and '"T001"' in x]
    assert [x.get("strategy", "") for x in started] == ["", "alternative+instruction"]


class RetryForever(flow.Policy):
    def decide(self, task_id, attempt, failure, now):
        return flow.Decision("retry", delay=math.inf)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_policy_numbers_that_are_not_finite_are_value_errors(bad):
    for name in ("base_delay", "max_delay", "jitter"):
        with pytest.raises(ValueError, match=name):
            flow.StockPolicy(**{name: bad})
    plan = flow.Plan.load(str(EXAMPLE))
    stock = flow.StockPolicy()
    with pytest.raises(ValueError, match="now"):
        stock.decide_for(plan, 0, 1, flow.Failure("network"), now=bad)
    if bad != -math.inf:  # a negative reset time means none
        with pytest.raises(ValueError, match="reset_at"):
            stock.decide_for(plan, 0, 1, flow.Failure("rate_limit", reset_at=bad))
    with pytest.raises(ValueError, match="delay"):
        flow.simulate(flow.Graph(plan), RetryForever(), faults="T001=network")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_scheduler_times_that_are_not_finite_are_misuse(bad):
    graph = flow.Graph(flow.Plan.parse("- [ ] T001 a\n- [ ] T002 [P] b\n"))
    sched = flow.Scheduler(graph)
    with pytest.raises(flow.MisuseError, match="now"):
        sched.next(bad)
    task = sched.next(0)
    with pytest.raises(flow.MisuseError, match="not_before"):
        sched.retry(task, bad)
    assert sched.status(task) == "running"
    with pytest.raises(flow.MisuseError, match="now"):
        sched.next_wake(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_run_timeout_that_is_not_finite_is_misuse(tmp_path, bad):
    tasks = tmp_path / "tasks.md"
    tasks.write_text("- [ ] T001 a\n")
    with pytest.raises(flow.MisuseError, match="task_timeout"):
        flow.run(tasks, dry_run=True, timeout=bad)
    assert tasks.read_text() == "- [ ] T001 a\n"
