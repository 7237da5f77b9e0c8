# SPDX-License-Identifier: MIT
"""The Spec-Kit extension in integrations/spec-kit: its manifest against the schema that
Spec-Kit documents (extensions/EXTENSION-API-REFERENCE.md, schema 1.0), and its commands
— flow with no path — in a repository laid out as Spec-Kit lays one out."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "integrations" / "spec-kit"
FLOW = os.environ.get("FLOW_BIN", str(ROOT / "build" / "flow"))
AGENT = ROOT / "tests" / "agents" / "test-agent.sh"

# The documented hook events (EXTENSION-API-REFERENCE.md, "Hook Events").
EVENTS = {f"{when}_{what}" for when in ("before", "after")
          for what in ("specify", "plan", "tasks", "implement", "analyze", "checklist", "clarify", "constitution",
                       "taskstoissues")}
COMMAND = re.compile(r"^speckit\.[a-z0-9-]+\.[a-z0-9-]+$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
SPECIFIER = re.compile(r"^(?:(?:>=|<=|==|!=|~=|>|<)\d+(?:\.\d+)*)(?:,(?:>=|<=|==|!=|~=|>|<)\d+(?:\.\d+)*)*$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")


def manifest_errors(path: Path) -> list:
    """Everything in `path` that the documented schema 1.0 does not allow."""
    errors = []
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        return ["the manifest is not a mapping"]
    for field in ("schema_version", "extension", "requires", "provides"):
        if field not in data:
            errors.append(f"missing {field}")
    if data.get("schema_version") != "1.0":
        errors.append("schema_version must be the string \"1.0\"")
    ext = data.get("extension") or {}
    for field in ("id", "name", "version", "description", "author", "repository", "license"):
        if not isinstance(ext.get(field), str) or not ext.get(field).strip():
            errors.append(f"extension.{field} must be a non-empty string")
    if not re.match(r"^[a-z0-9-]+$", str(ext.get("id", ""))):
        errors.append("extension.id must match ^[a-z0-9-]+$")
    if not SEMVER.match(str(ext.get("version", ""))):
        errors.append("extension.version must be X.Y.Z")
    if len(str(ext.get("description", ""))) >= 200:
        errors.append("extension.description must be under 200 characters")
    for field in ("repository", "homepage"):
        if field in ext and not URL.match(str(ext[field])):
            errors.append(f"extension.{field} must be a URL")
    requires = data.get("requires") or {}
    if not SPECIFIER.match(str(requires.get("speckit_version", ""))):
        errors.append("requires.speckit_version must be a version specifier such as >=0.2.0")
    for tool in requires.get("tools", []) or []:
        if not isinstance(tool.get("name"), str):
            errors.append("requires.tools[].name must be a string")
        if "version" in tool and not SPECIFIER.match(str(tool["version"])):
            errors.append(f"requires.tools[{tool.get('name')}].version must be a version specifier")
        if "required" in tool and not isinstance(tool["required"], bool):
            errors.append("requires.tools[].required must be a boolean")
    provides = data.get("provides") or {}
    commands = provides.get("commands") or []
    if not (commands or provides.get("templates") or provides.get("scripts") or data.get("hooks")):
        errors.append("provides needs at least one of commands, templates, scripts or hooks")
    names = set()
    for cmd in commands:
        name, file = cmd.get("name", ""), cmd.get("file", "")
        if not COMMAND.match(name):
            errors.append(f"command {name!r} must match speckit.<id>.<command>")
        elif name.split(".")[1] != ext.get("id"):
            errors.append(f"command {name} is not in the extension's namespace")
        if not cmd.get("description"):
            errors.append(f"command {name} needs a description")
        target = (path.parent / file).resolve()
        if not file or Path(file).is_absolute() or path.parent.resolve() not in target.parents or not target.is_file():
            errors.append(f"command {name}: file {file!r} is not a file inside the extension")
        else:
            text = target.read_text()
            front = re.match(r"^---\n(.*?)\n---\n", text, re.S)
            if not front or not (yaml.safe_load(front.group(1)) or {}).get("description"):
                errors.append(f"command {name}: {file} needs front matter with a description")
        names.add(name)
    for event, hooks in (data.get("hooks") or {}).items():
        if event not in EVENTS:
            errors.append(f"hook event {event} is not one Spec-Kit defines")
        for hook in hooks if isinstance(hooks, list) else [hooks]:
            if hook.get("command") not in names:
                errors.append(f"hook {event} runs {hook.get('command')!r}, which the extension does not provide")
            if "priority" in hook and (not isinstance(hook["priority"], int) or hook["priority"] < 1):
                errors.append(f"hook {event}: priority must be an integer >= 1")
            if "optional" in hook and not isinstance(hook["optional"], bool):
                errors.append(f"hook {event}: optional must be a boolean")
    return errors


def test_the_manifest_follows_the_documented_schema():
    assert manifest_errors(EXT / "extension.yml") == []
    data = yaml.safe_load((EXT / "extension.yml").read_text())
    assert {c["name"] for c in data["provides"]["commands"]} >= {"speckit.flow.implement", "speckit.flow.status"}
    assert data["hooks"]["after_tasks"]["command"] == "speckit.flow.check"


def test_the_validator_rejects_what_the_schema_rejects(tmp_path):
    """The checks above can fail: a broken copy of the manifest is caught."""
    shutil.copytree(EXT, tmp_path / "ext")
    path = tmp_path / "ext" / "extension.yml"
    data = yaml.safe_load(path.read_text())
    data["extension"]["id"] = "Flow_Ext"
    data["extension"]["version"] = "1.0"
    data["provides"]["commands"][0]["name"] = "flow.implement"
    data["hooks"]["after_taskz"] = {"command": "speckit.flow.nothing"}
    del data["extension"]["license"]
    path.write_text(yaml.safe_dump(data))
    errors = "\n".join(manifest_errors(path))
    for expected in ("extension.id", "extension.version", "'flow.implement'", "after_taskz", "speckit.flow.nothing",
                     "extension.license"):
        assert expected in errors


def _bash_steps(command: str) -> list:
    """The ```bash blocks of a command file: what the agent is told to run."""
    text = (EXT / "commands" / f"{command}.md").read_text()
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, re.S)]


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args], check=True,
                   capture_output=True)


TASKS = """# Tasks: X

## Phase 1: Setup

- [ ] T001 Create the package in src/x/__init__.py
- [ ] T002 [P] Add src/x/a.py
- [ ] T003 [P] Add src/x/b.py
"""


@pytest.fixture
def speckit_repo(tmp_path):
    """A Spec-Kit project on its feature branch: .specify/, specs/001-x/, branch 001-x."""
    repo = tmp_path / "project"
    (repo / ".specify" / "memory").mkdir(parents=True)
    (repo / ".specify" / "memory" / "constitution.md").write_text("# Constitution\n")
    (repo / "specs" / "001-x").mkdir(parents=True)
    (repo / "specs" / "001-x" / "spec.md").write_text("# Feature: X\n")
    (repo / "specs" / "001-x" / "tasks.md").write_text(TASKS)
    (repo / "specs" / "002-y").mkdir()
    (repo / "specs" / "002-y" / "tasks.md").write_text("- [ ] T001 Other feature\n")
    (repo / ".flow").mkdir()
    (repo / ".flow" / "config.yaml").write_text(f"agent:\n  command: {AGENT}\ntesting:\n  runTests: false\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "spec and tasks")
    _git(repo, "checkout", "-qb", "001-x")
    return repo


def _run(repo, line, env=None, cwd=None):
    full = dict(os.environ, PATH=f"{Path(FLOW).parent}:{os.environ['PATH']}", **(env or {}))
    for var in ("SPECIFY_FEATURE", "SPECIFY_FEATURE_DIRECTORY", "SPECIFY_INIT_DIR"):
        if var not in (env or {}):
            full.pop(var, None)
    return subprocess.run(["bash", "-c", f"set -e; {line}"], cwd=cwd or repo, env=full, capture_output=True,
                          text=True, timeout=300)


def test_the_after_tasks_hook_checks_the_current_feature(speckit_repo):
    (step,) = _bash_steps("speckit.flow.check")
    assert step == "flow check"
    out = _run(speckit_repo, step)
    assert out.returncode == 0, out.stderr
    assert "specs/001-x/tasks.md" in out.stdout + out.stderr and "3 tasks" in out.stdout


def test_implement_runs_the_feature_of_the_branch_and_status_reports_it(speckit_repo):
    (step,) = _bash_steps("speckit.flow.implement")
    out = _run(speckit_repo, step, cwd=speckit_repo / "specs")  # from a subfolder too
    assert out.returncode == 0, out.stdout + out.stderr
    assert (speckit_repo / "specs" / "001-x" / "tasks.md").read_text().count("- [X] T00") == 3
    assert "- [ ] T001" in (speckit_repo / "specs" / "002-y" / "tasks.md").read_text()
    (status,) = _bash_steps("speckit.flow.status")
    out = _run(speckit_repo, status + " --json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["file"].endswith("specs/001-x/tasks.md") and report["run"]["finished"]
    assert [t["state"] for t in report["tasks"]] == ["done"] * 3


def test_the_feature_comes_from_spec_kits_own_settings_first(speckit_repo):
    # .specify/feature.json (Spec-Kit 1.0) beats the branch; SPECIFY_FEATURE_DIRECTORY beats both.
    (speckit_repo / ".specify" / "feature.json").write_text('{"feature_directory": "specs/002-y"}')
    assert "specs/002-y/tasks.md" in _run(speckit_repo, "flow plan").stdout
    out = _run(speckit_repo, "flow plan", env={"SPECIFY_FEATURE_DIRECTORY": "specs/001-x"})
    assert "specs/001-x/tasks.md" in out.stdout
    (speckit_repo / ".specify" / "feature.json").unlink()
    # SPECIFY_FEATURE names the feature; a branch matches its folder by number.
    assert "specs/002-y" in _run(speckit_repo, "flow plan", env={"SPECIFY_FEATURE": "002-y"}).stdout
    _git(speckit_repo, "checkout", "-qb", "002-rename")
    assert "specs/002-y" in _run(speckit_repo, "flow plan").stdout


def test_no_feature_is_an_error_that_says_what_it_tried(speckit_repo):
    _git(speckit_repo, "checkout", "-q", "main")
    for cmd in ("run", "plan", "status", "check"):
        out = _run(speckit_repo, f"flow {cmd}")
        assert out.returncode == 2, (cmd, out.stdout, out.stderr)
        assert "no current Spec-Kit feature" in out.stderr
        assert "the git branch 'main'" in out.stderr and "specs/main/tasks.md" in out.stderr, out.stderr
    out = _run(speckit_repo, "flow check", env={"SPECIFY_FEATURE_DIRECTORY": "specs/404"})
    assert out.returncode == 2 and "SPECIFY_FEATURE_DIRECTORY" in out.stderr and "specs/404/tasks.md" in out.stderr
