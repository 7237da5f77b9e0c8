# SPDX-License-Identifier: MIT
"""What a Python host gets besides the basics: types checked, every public name documented,
what `flow run` can set, and Ctrl-C as in the CLI."""
import inspect
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import flow
from conftest import ROOT

SEQUENTIAL = "# Tasks\n\n## Phase 1: Setup\n\n- [ ] T001 First\n- [ ] T002 Second\n- [ ] T003 Third\n"


def _repo(tmp_path, text=SEQUENTIAL):
    repo = tmp_path / "repo"
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    tasks = repo / "tasks.md"
    tasks.write_text(text)
    return tasks


@pytest.mark.parametrize("call", [
    lambda: flow.Plan.parse(123),
    lambda: flow.Plan.parse(None),
    lambda: flow.Plan.load(5),
    lambda: flow.Graph("- [ ] T001 a\n"),
    lambda: flow.Scheduler(None),
    lambda: flow.Scheduler(flow.Graph(flow.Plan.parse("- [ ] T001 a\n")), workers="2"),
    lambda: flow.Scheduler(flow.Graph(flow.Plan.parse("- [ ] T001 a\n")), workers=True),
    lambda: flow.Graph(flow.Plan.parse("- [ ] T001 a\n")).critical_path("1"),
    lambda: flow.simulate("graph"),
    lambda: flow.StockPolicy(max_retries="3"),
    lambda: flow.run(123),
    lambda: flow.run("tasks.md", workers="4"),
    lambda: flow.run("tasks.md", on_event="print"),
    lambda: flow.run("tasks.md", policy=object()),
    lambda: flow.set_marks("tasks.md", "text", []),
], ids=lambda f: inspect.getsource(f).strip()[len("lambda: "):][:60])
def test_wrong_argument_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_parse_of_bytes_and_str_agree():
    assert [t.id for t in flow.Plan.parse(b"- [ ] T001 a\n").tasks] == [t.id for t in flow.Plan.parse("- [ ] T001 a\n").tasks]


def _public_members():
    for name in flow.__all__:
        obj = getattr(flow, name)
        if isinstance(obj, (int, str, tuple)):
            continue
        yield name, obj
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if member.startswith("_") or member in getattr(obj, "__dataclass_fields__", {}):
                    continue
                yield f"{name}.{member}", value


def test_every_public_name_has_a_docstring_and_type_hints():
    undocumented, unhinted = [], []
    for name, obj in _public_members():
        fn = obj.fget if isinstance(obj, property) else obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
        if not (getattr(fn, "__doc__", None) or "").strip():
            undocumented.append(name)
        if inspect.isfunction(fn):
            sig = inspect.signature(fn)
            params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
            if sig.return_annotation is inspect.Signature.empty or any(p.annotation is inspect.Parameter.empty
                                                                         for p in params):
                unhinted.append(name)
    assert not undocumented, f"no docstring: {undocumented}"
    assert not unhinted, f"no type hints: {unhinted}"
    assert (Path(flow.__file__).parent / "py.typed").exists()


def test_run_sets_what_the_cli_can(tmp_path):
    """Settings file, events file, isolation, a selection and retries, as `flow run` has them."""
    tasks = _repo(tmp_path)
    flowdir = tasks.parent / ".flow"
    flowdir.mkdir()
    (flowdir / "config.yaml").write_text("implementer:\n  parallel:\n    maxWorkers: 2\ntesting:\n  runTests: false\n")
    events = tmp_path / "events.jsonl"
    seen = []
    rep = flow.run(tasks, agent_cmd="true", isolation="none", events=events, only=["T001", "T002"],
                   on_event=seen.append)
    assert (rep.succeeded, rep.failed, rep.workers, rep.isolation) == (2, 0, 2, "none")
    assert rep.run_id and rep.journal_path.endswith("implementation.log")
    text = tasks.read_text()
    assert "- [X] T001" in text and "- [X] T002" in text and "- [ ] T003" in text
    lines = [json.loads(x) for x in events.read_text().splitlines()]
    assert lines and all(x["schema"] == "flow-event/1" for x in lines)
    assert {x["task"] for x in lines if x["kind"] == "marked"} == {"T001", "T002"}
    assert all(e.kind != "tick" for e in seen)
    assert any(e.kind == "started" and e.line == 5 for e in seen)

    # A flag beats the file; a bad settings file is a ParseError with its line.
    tasks.write_text(SEQUENTIAL)
    assert flow.run(tasks, agent_cmd="true", isolation="none", workers=1).workers == 1
    (flowdir / "config.yaml").write_text("implementer:\n  parallel:\n    maxWorkers: lots\n")
    with pytest.raises(flow.ParseError) as e:
        flow.run(tasks, agent_cmd="true", isolation="none")
    assert e.value.line == 3
    tasks.write_text(SEQUENTIAL)
    assert flow.run(tasks, agent_cmd="true", isolation="none", no_config=True).succeeded == 3
    with pytest.raises(flow.NotFoundError):
        flow.run(tasks, agent_cmd="/nonexistent/agent", no_config=True)
    with pytest.raises(ValueError):
        flow.run(tasks, agent_cmd="true", only=["T999"])

    # The settings file reaches a host's run as it reaches flow run's: with
    # testing.requireChanges false, an agent that changes nothing finishes a task that
    # names a file; without the file, it fails as "no changes".
    tasks.write_text("- [ ] T001 Write `out.txt`\n")
    assert flow.run(tasks, agent_cmd="true", isolation="none", no_config=True, retries=0).failed == 1
    tasks.write_text("- [ ] T001 Write `out.txt`\n")
    (flowdir / "config.yaml").write_text("testing:\n  requireChanges: false\n")
    assert flow.run(tasks, agent_cmd="true", isolation="none", retries=0).succeeded == 1

    # retries: a failing agent is tried 1 + retries times.
    tasks.write_text("- [ ] T001 Only\n")
    rep = flow.run(tasks, agent_cmd="sh -c 'echo connection refused; exit 1'", isolation="none", no_config=True,
                   retries=1)
    assert (rep.failed, rep.retries) == (1, 1)


def test_git_isolation_from_python(tmp_path):
    repo = tmp_path / "g"
    repo.mkdir()
    (repo / "tasks.md").write_text(SEQUENTIAL)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "tasks"], check=True)
    rep = flow.run(repo / "tasks.md", agent_cmd="true", isolation="git", no_config=True)
    assert (rep.succeeded, rep.isolation, rep.branch) == (3, "git", "main")
    assert len(rep.checkpoint) == 40
    log = subprocess.run(git + ["log", "--format=%s"], capture_output=True, text=True, check=True).stdout
    assert log.count("T00") == 3


HOST = """
import sys, flow
def on_event(e):
    if e.kind in ("started", "killed", "interrupted"):
        print(e.kind, e.task_id, flush=True)
try:
    flow.run(sys.argv[1], agent_cmd=sys.argv[2], workers=1, isolation="none", no_config=True, on_event=on_event)
    print("finished without an interrupt", flush=True)
except KeyboardInterrupt as e:
    r = e.report
    print(f"KeyboardInterrupt succeeded={r.succeeded} interrupted={r.interrupted}", flush=True)
    sys.exit(130)
"""


def _host(tmp_path, agent):
    tasks = _repo(tmp_path)
    script = tmp_path / "host.py"
    script.write_text(HOST)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "bindings" / "python"))
    proc = subprocess.Popen([sys.executable, str(script), str(tasks), agent], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    assert line.strip() == "started T001", line + proc.stderr.read()
    return proc, tasks


def test_one_ctrl_c_starts_nothing_new_and_raises_keyboard_interrupt_after_cleanup(tmp_path):
    proc, tasks = _host(tmp_path, "sleep 2")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "started T002" not in out
    assert "KeyboardInterrupt succeeded=1 interrupted=True" in out, out + err
    assert "Exception ignored" not in err, err
    text = tasks.read_text()
    assert "- [X] T001" in text and "- [ ] T002" in text


def test_two_ctrl_c_kill_the_running_agent(tmp_path):
    proc, tasks = _host(tmp_path, "sleep 60")
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert time.monotonic() - start < 50, "the agent was not killed"
    assert proc.returncode == 130, out + err
    assert "killed T001" in out and "KeyboardInterrupt succeeded=0 interrupted=True" in out, out + err
    assert "Exception ignored" not in err, err
    assert "- [ ] T001" in tasks.read_text()


AGENTS_DIR = ROOT / "tests" / "agents"
PARALLEL = "- [ ] T001 [P] Write `a.py`\n- [ ] T002 [P] Write `b.py`\n- [ ] T003 [P] Write `c.py`\n"


def test_run_chooses_any_agent_with_its_settings_and_a_budget(tmp_path, monkeypatch):
    """A stand-in Aider (agents.aider.program) through flow's Aider adapter: model and extra
    args reach its argv, it reports cost, and the budget stops the run."""
    tasks = _repo(tmp_path, PARALLEL)
    (tasks.parent / ".flow").mkdir()
    (tasks.parent / ".flow" / "config.yaml").write_text(
        f"testing:\n  runTests: false\nagents:\n  aider:\n    program: {AGENTS_DIR / 'fake-aider.sh'}\n")
    args = tmp_path / "args.txt"
    monkeypatch.setenv("FAKE_AIDER_ARGS", str(args))
    seen = []
    rep = flow.run(tasks, agent="aider", model="m1", extra_args=["--no-git"], append_instructions="Be brief.",
                   workers=1, isolation="none", max_cost_usd=0.1, on_event=seen.append)
    assert (rep.succeeded, rep.blocked) == (2, 1)
    assert rep.cost_usd == pytest.approx(0.1)
    budget = [e for e in seen if e.kind == "budget-reached"]
    assert len(budget) == 1 and "budget.maxCostUsd" in budget[0].detail
    assert [e.detail for e in seen if e.kind == "cost"] == ["0.050000", "0.050000"]
    argv = args.read_text().splitlines()
    assert "--message-file" in argv and argv[argv.index("--model") + 1] == "m1" and "--no-git" in argv
    assert "--read" in argv  # Aider takes appended instructions as a read-only file
    # A task's budget ends its retries: each attempt fails retryably for $0.05; after the
    # second ($0.10 >= $0.08) it is not retried again, though 3 retries are allowed.
    tasks.write_text("- [ ] T001 Write `a.py`\n")
    monkeypatch.setenv("FAKE_AIDER_FAIL", "T001")
    seen.clear()
    rep = flow.run(tasks, agent="aider", workers=1, isolation="none", max_task_cost_usd=0.08, retries=3,
                   stall_timeout=60, on_event=seen.append)
    assert (rep.failed, rep.retries) == (1, 1)
    assert [e.task_id for e in seen if e.kind == "budget-reached"] == ["T001"]


def test_run_refuses_an_agent_that_is_not_installed_by_name(tmp_path, monkeypatch):
    tasks = _repo(tmp_path)
    monkeypatch.delenv("AMP_API_KEY", raising=False)
    with pytest.raises(flow.NotFoundError) as e:
        flow.run(tasks, agent="amp", no_config=True, isolation="none")
    assert "amp" in str(e.value)
    assert "- [ ] T001" in tasks.read_text()  # nothing ran


def test_run_takes_the_slurm_runner_with_its_settings(tmp_path, monkeypatch):
    """The runner word and Slurm's partition, account and time limit, as sbatch is asked (a
    stand-in sbatch first on PATH records its argv and refuses the job)."""
    tasks = _repo(tmp_path, "- [ ] T001 Write `a.py`\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(f"#!/bin/sh\nexec {AGENTS_DIR / 'fake-sbatch.sh'} \"$@\"\n")
    (bin_dir / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    sbatch_args = tmp_path / "sbatch.txt"
    monkeypatch.setenv("FAKE_SBATCH_ARGS", str(sbatch_args))
    rep = flow.run(tasks, agent_cmd="true", no_config=True, isolation="none", retries=0, runner="slurm",
                   slurm_partition="p1", slurm_account="acct", slurm_time_limit="0:05:00")
    assert rep.failed == 1
    asked = sbatch_args.read_text().splitlines()
    assert {"--partition=p1", "--account=acct", "--time=0:05:00"} <= set(asked)


@pytest.mark.parametrize("kwargs, error", [
    ({"extra_args": "--no-git"}, TypeError),
    ({"extra_args": [1]}, TypeError),
    ({"stall_timeout": "60"}, TypeError),
    ({"max_cost_usd": True}, TypeError),
    ({"max_cost_usd": -1}, ValueError),
    ({"runner": "cloud"}, ValueError),
    ({"runner": 1}, TypeError),
    ({"slurm_partition": 5}, TypeError),
], ids=str)
def test_run_checks_the_new_arguments(kwargs, error):
    with pytest.raises(error):
        flow.run("tasks.md", agent="claude", **kwargs)


COUNTED = ("## Phase 1: Setup\n- [X] T001 Create `src/app.py`\n- [ ] T002 Add `src/a.py`\n- [ ] T003 Add `src/b.py`\n"
           "## Phase 2: User Story 1\n- [ ] T004 [US1] Add `src/c.py`\n"
           "- [ ] T005 [US1] Wire it in src/app.py (depends on T003)\n")


def test_an_interrupted_run_reports_every_task_in_one_count(tmp_path, monkeypatch):
    """T001 was done before, T002 succeeds, T003 is stopped by Run.cancel() twice (as two
    Ctrl-C), T004 is not selected and T005, after T003, is blocked: seven counts that add
    up to the file's five tasks."""
    tasks = _repo(tmp_path, COUNTED)
    monkeypatch.setenv("TEST_AGENT_PLAN", "T003:hang")
    r = None

    def on_event(e):
        if e.kind == "started" and e.task_id == "T003":
            r.cancel()
            r.cancel()

    r = flow.Run(tasks, agent_cmd=str(AGENTS_DIR / "test-agent.sh"), workers=1, isolation="none", no_config=True,
                 only=["T001", "T002", "T003", "T005"], on_event=on_event)
    rep = r.execute()
    assert rep.interrupted
    assert (rep.succeeded, rep.failed, rep.blocked, rep.skipped) == (1, 0, 1, 0)
    assert (rep.stopped, rep.done_before, rep.excluded) == (1, 1, 1)
    counts = (rep.succeeded, rep.failed, rep.blocked, rep.skipped, rep.stopped, rep.done_before, rep.excluded)
    with flow.Plan.load(tasks) as plan:
        assert sum(counts) == len(plan.tasks)
