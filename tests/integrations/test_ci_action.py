# SPDX-License-Identifier: MIT
"""The flow-run GitHub Action (.github/actions/flow-run): its script run as the action runs
it, in a Spec-Kit-layout repository with a test agent; and its action.yml wiring."""
import json
import os
import subprocess
from pathlib import Path

import yaml

from test_speckit import AGENT, FLOW, ROOT, TASKS, _git

ACTION = ROOT / ".github" / "actions" / "flow-run"
SECRET = "sk-ant-test-0123456789-do-not-log"


def _repo(tmp_path):
    repo = tmp_path / "project"
    (repo / ".specify").mkdir(parents=True)
    (repo / "specs" / "001-x").mkdir(parents=True)
    (repo / "specs" / "001-x" / "tasks.md").write_text(TASKS)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "tasks")
    _git(repo, "checkout", "-qb", "001-x")
    return repo


def _action(repo, tmp_path, **env):
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "SPECIFY_", "GITHUB_"))}
    full.update(FLOW_BIN=FLOW, FLOW_AGENT="command", FLOW_AGENT_CMD=str(AGENT), FLOW_WORKERS="2",
                FLOW_OUTPUT_DIR=str(tmp_path / "artifacts"), GITHUB_OUTPUT=str(outputs),
                GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"), ANTHROPIC_API_KEY=SECRET)
    full.update(env)
    out = subprocess.run(["bash", str(ACTION / "flow-run.sh")], cwd=repo, env=full, capture_output=True, text=True,
                         timeout=300)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return out, values


def test_the_action_script_runs_the_feature_and_collects_journal_and_events(tmp_path):
    repo = _repo(tmp_path)
    out, values = _action(repo, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (repo / "specs" / "001-x" / "tasks.md").read_text().count("- [X] T00") == 3
    art = tmp_path / "artifacts"
    events = [json.loads(x) for x in (art / "events.jsonl").read_text().splitlines()]
    assert events[0]["kind"] == "run-started" and events[-1]["kind"] == "run-finished"
    assert sum(e["kind"] == "marked" for e in events) == 3
    journal = (art / "implementation.log").read_text().splitlines()
    assert any(json.loads(x).get("event") == "run-finished" for x in journal)
    status = json.loads((art / "status.json").read_text())
    assert status["schema"] == "flow-status/1" and status["run"]["finished"]
    assert values["exit-code"] == "0" and values["artifacts"] == str(art)
    assert "3 succeeded, 0 failed" in values["summary"]
    assert "3 succeeded" in (tmp_path / "summary.md").read_text()
    for f in list(art.iterdir()) + [repo / ".flow" / "implementation.log"]:
        assert SECRET not in f.read_text(errors="replace"), f"the key leaked into {f.name}"
    assert SECRET not in out.stdout + out.stderr


def test_a_failing_run_fails_the_step_and_still_collects(tmp_path):
    repo = _repo(tmp_path)
    out, values = _action(repo, tmp_path, TEST_AGENT_PLAN="T001:auth")
    assert out.returncode == 1, out.stdout + out.stderr
    assert values["exit-code"] == "1"
    assert (tmp_path / "artifacts" / "implementation.log").exists()
    assert any(json.loads(x)["kind"] == "failed" for x in (tmp_path / "artifacts" / "events.jsonl").read_text().splitlines())


def test_without_flow_bin_the_flow_on_path_is_used(tmp_path):
    repo = _repo(tmp_path)
    out, values = _action(repo, tmp_path, FLOW_BIN="", PATH=f"{Path(FLOW).parent}:{os.environ['PATH']}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "building flow" not in out.stdout and values["exit-code"] == "0"


def test_bad_inputs_are_refused_before_anything_runs(tmp_path):
    repo = _repo(tmp_path)
    out, _ = _action(repo, tmp_path, FLOW_AGENT="gpt; rm -rf /")
    assert out.returncode == 2 and "must be claude or command" in out.stderr
    out, _ = _action(repo, tmp_path, FLOW_AGENT_CMD="")
    assert out.returncode == 2 and "needs FLOW_AGENT_CMD" in out.stderr


def test_action_yml_passes_every_input_through_the_environment():
    action = yaml.safe_load((ACTION / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    run_step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    assert "${{" not in run_step["run"], "inputs must not be pasted into the script"
    script = (ACTION / "flow-run.sh").read_text()
    for var, value in run_step["env"].items():
        assert var in script, f"{var} is set by action.yml but the script never reads it"
        if value.startswith("${{ inputs."):
            assert value[len("${{ inputs."):-3].strip() in action["inputs"]
    upload = next(s for s in action["runs"]["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == run_step["env"]["FLOW_OUTPUT_DIR"]
    for key in ("exit-code", "summary"):
        assert f"echo \"{key}=" in script
