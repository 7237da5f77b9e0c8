#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Python package as a user gets it: the wheel (scripts/python-wheel.sh) installed into
# a fresh virtual environment of Debian's /usr/bin/python3, imported away from the source
# tree with no FLOW_LIBRARY, and used to run a feature. Then the package without the
# library, finding the one `cmake --install` put into the environment's prefix.
#   wheel_test.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$1" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/flow-wheel-test-XXXXXX")"
trap 'rm -rf "$work"' EXIT
unset FLOW_LIBRARY PYTHONPATH PYTHONHOME
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1

"$here/scripts/python-wheel.sh" "$build" "$work/dist" >/dev/null
wheel="$(ls "$work"/dist/tasksmd_flow-*.whl)"
/usr/bin/python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"

# A feature to run: the bundled example, in a fresh git repository.
cp -r "$here/examples/todo-cli" "$work/feature"
git -C "$work/feature" init -q -b main
git -C "$work/feature" add -A
git -C "$work/feature" -c user.name=t -c user.email=t@t.invalid commit -qm feature

cat > "$work/check.py" <<'PY'
import os, sys
from pathlib import Path
import flow
pkg = Path(flow.__file__).parent
assert str(pkg).startswith(sys.prefix), f"flow imported from {pkg}, not the venv {sys.prefix}"
assert (pkg / "py.typed").exists(), "no py.typed"
mode = sys.argv[1]
if mode == "wheel":
    assert (pkg / "libflow_c.so").exists(), "the wheel carries no libflow_c.so"
else:
    assert not (pkg / "libflow_c.so").exists()
feature = Path(sys.argv[2])
tasks = feature / "specs" / "001-todo-cli" / "tasks.md"
plan = flow.Plan.load(tasks)
assert len(plan.tasks) == 24, len(plan.tasks)
try:
    flow.Plan.parse(123)
    raise SystemExit("Plan.parse(123) did not raise TypeError")
except TypeError:
    pass
if mode == "wheel":
    os.environ["DEMO_AGENT_SECONDS"] = "0.02"
    rep = flow.run(tasks, agent_cmd=str(feature / "demo-agent.sh"), workers=3)
    assert (rep.succeeded, rep.failed, rep.isolation) == (24, 0, "git"), rep
print(f"{mode} ok: flow {flow.version()} from {pkg}")
PY
(cd "$work" && "$work/venv/bin/python" check.py wheel "$work/feature")

# Without the library in the package: the one `cmake --install` put under the prefix.
/usr/bin/python3 -m venv "$work/venv2"
mkdir "$work/pure"
cp -r "$here/bindings/python/." "$work/pure/"
rm -f "$work/pure/flow/libflow_c.so"
/usr/bin/python3 -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$work/dist2" "$work/pure" >/dev/null
"$work/venv2/bin/python" -m pip install --quiet "$work"/dist2/tasksmd_flow-*.whl
cmake --install "$build" --prefix "$work/venv2" >/dev/null
(cd "$work" && "$work/venv2/bin/python" check.py installed "$work/feature")
echo "python wheel: installed and ran in a fresh venv"
