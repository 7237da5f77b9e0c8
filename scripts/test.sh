#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds flow with its tests and runs the whole suite with ctest.
#   scripts/test.sh              RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   Debug build with ASan+UBSan in build-asan/; any report fails
set -euo pipefail
cd "$(dirname "$0")/.."

build_type=RelWithDebInfo
dir=build
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  build_type=Debug
  dir=build-asan
  extra=(-DFLOW_SANITIZE=address,undefined)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

# The real Claude Code CLI for the adapter's end-to-end test, from the npm registry, once.
# (2.1.197 is what Node 20 gets; newer releases need Node 22.)
claude_dir=.cache/claude-code
if [ ! -x "$claude_dir/node_modules/.bin/claude" ] && [ "${FLOW_SKIP_CLAUDE_TESTS:-}" != 1 ]; then
  if command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix "$claude_dir" @anthropic-ai/claude-code@2.1.197 >/dev/null
  else
    echo "scripts/test.sh: npm not found: the Claude Code test will fail (FLOW_SKIP_CLAUDE_TESTS=1 skips it)" >&2
  fi
fi

# The real agent CLIs for their adapters' end-to-end tests, at pinned versions (Qwen Code
# 0.15.10 is what Node 20 gets; newer releases need Node 22). Amp's package places its
# native binary in a postinstall script; its newest release names a native package that
# the registry does not have, so it is pinned to the one before.
for pkg in codex:@openai/codex@0.169.0 gemini:@google/gemini-cli@0.61.0 qwen:@qwen-code/qwen-code@0.15.10 \
           opencode:opencode-ai@1.18.33 copilot:@github/copilot@1.0.102 amp:@ampcode/cli@0.0.1790142911-g7618fb; do
  name=${pkg%%:*}
  if [ ! -x ".cache/$name/node_modules/.bin/$name" ] && [ "${FLOW_SKIP_AGENT_TESTS:-}" != 1 ]; then
    if command -v npm >/dev/null; then
      npm install --silent --no-audit --no-fund --prefix ".cache/$name" "${pkg#*:}" >/dev/null
    else
      echo "scripts/test.sh: npm not found: the $name test will fail (FLOW_SKIP_AGENT_TESTS=1 skips it)" >&2
    fi
  fi
done

# playwright-core, which drives Debian's chromium in the dashboard's browser test
# (label `browser`; it skips without chromium: `apt-get install chromium`).
if [ ! -d .cache/playwright-core/node_modules/playwright-core ] && [ "${FLOW_SKIP_BROWSER_TESTS:-}" != 1 ]; then
  if command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix .cache/playwright-core playwright-core@1.65.1 >/dev/null
  else
    echo "scripts/test.sh: npm not found: the browser test will skip (FLOW_SKIP_BROWSER_TESTS=1 says so)" >&2
  fi
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$build_type" \
  -DFLOW_BUILD_TESTS=ON -DFLOW_WARNINGS_AS_ERRORS=ON "${extra[@]}"
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)"
# The long tests (the kill -9 loop: `ctest -L long`) run in CI, not here.
ctest --test-dir "$dir" --output-on-failure -j 2 -LE long
