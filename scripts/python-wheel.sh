#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Python wheel (distribution tasksmd-flow, import name flow) with libflow_c.so
# inside, offline, with Debian's python3, pip, setuptools and wheel.
#   scripts/python-wheel.sh [BUILD_DIR [OUT_DIR]]   (defaults: build, BUILD_DIR/python-dist)
# Then: pip install OUT_DIR/tasksmd_flow-*.whl
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
out="${2:-$build/python-dist}"
python="${PYTHON:-/usr/bin/python3}"
lib="$build/capi/libflow_c.so"
if [ ! -e "$lib" ]; then
  echo "python-wheel: $lib not found: build it first (cmake --build $build --target flow_c)" >&2
  exit 2
fi
stage="$(mktemp -d "${TMPDIR:-/tmp}/flow-wheel-XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp -r "$here/bindings/python/." "$stage/"
cp "$here/LICENSE" "$stage/LICENSE"
rm -f "$stage/flow/libflow_c.so"
cp -L "$lib" "$stage/flow/libflow_c.so"   # the real file, not the symlink
# Debug information is most of a RelWithDebInfo library's size; the wheel goes without.
if command -v strip >/dev/null; then strip --strip-debug "$stage/flow/libflow_c.so"; fi
mkdir -p "$out"
rm -f "$out"/tasksmd_flow-*.whl
"$python" -m pip wheel --quiet --no-deps --no-build-isolation --no-index --wheel-dir "$out" "$stage"
ls "$out"/tasksmd_flow-*.whl
