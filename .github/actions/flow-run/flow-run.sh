#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The flow-run action's script (action.yml next to it), also usable in any CI: installs
# flow unless it is there, runs `flow run` headless on a feature, and collects the journal
# and the events for upload. Every input comes from the environment, never from text
# pasted into a shell:
#   FLOW_TASKS        tasks.md; empty: the current Spec-Kit feature (feature.json, branch …)
#   FLOW_WORKERS      agents at once (default 3)
#   FLOW_AGENT        claude (default) or command
#   FLOW_AGENT_CMD    the agent command template for FLOW_AGENT=command
#   FLOW_TIMEOUT, FLOW_RETRIES, FLOW_ISOLATION   as flow run's --timeout, --retries, --isolation
#   FLOW_BIN          a flow binary to use; else `flow` on PATH; else built from FLOW_SOURCE
#   FLOW_SOURCE       flow's source tree (default: the repository holding this script)
#   FLOW_OUTPUT_DIR   where the journal and events are collected (default .flow/ci)
#   ANTHROPIC_API_KEY for Claude Code; passed through the environment only
# Writes exit-code, artifacts and summary to $GITHUB_OUTPUT when set. Exits with flow's status.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="${FLOW_SOURCE:-$(cd "$here/../../.." && pwd)}"
out_dir="${FLOW_OUTPUT_DIR:-.flow/ci}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

flow="${FLOW_BIN:-}"
if [ -z "$flow" ]; then
  if command -v flow >/dev/null; then
    flow="$(command -v flow)"
  else
    echo "flow-run: building flow from $source_dir"
    "$source_dir/scripts/install-deps.sh"
    cmake -S "$source_dir" -B "$source_dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$source_dir/build" --target flow_cli
    flow="$source_dir/build/flow"
  fi
fi
if [ ! -x "$flow" ]; then
  echo "flow-run: $flow is not an executable flow" >&2
  exit 2
fi

args=(run)
if [ -n "${FLOW_TASKS:-}" ]; then args+=("$FLOW_TASKS"); fi
args+=(--progress plain --workers "${FLOW_WORKERS:-3}" --events "$out_dir/events.jsonl")
case "${FLOW_AGENT:-claude}" in
  claude) args+=(--agent claude) ;;
  command)
    if [ -z "${FLOW_AGENT_CMD:-}" ]; then echo "flow-run: FLOW_AGENT=command needs FLOW_AGENT_CMD" >&2; exit 2; fi
    args+=(--agent-cmd "$FLOW_AGENT_CMD") ;;
  *) echo "flow-run: FLOW_AGENT must be claude or command, not '$FLOW_AGENT'" >&2; exit 2 ;;
esac
if [ -n "${FLOW_TIMEOUT:-}" ]; then args+=(--timeout "$FLOW_TIMEOUT"); fi
if [ -n "${FLOW_RETRIES:-}" ]; then args+=(--retries "$FLOW_RETRIES"); fi
if [ -n "${FLOW_ISOLATION:-}" ]; then args+=(--isolation "$FLOW_ISOLATION"); fi
if [ "${FLOW_AGENT:-claude}" = claude ] && [ -z "${ANTHROPIC_API_KEY:-}" ]; then
  echo "flow-run: warning: ANTHROPIC_API_KEY is empty; pass the secret as the anthropic-api-key input" >&2
fi

echo "flow-run: $("$flow" --version 2>/dev/null || echo flow) ${args[*]}"
status=0
"$flow" "${args[@]}" | tee "$out_dir/output.txt" || status=${PIPESTATUS[0]}

# The journal of the repository flow ran in (the nearest .flow/ with one, from here).
journal=""
for d in . $(git rev-parse --show-toplevel 2>/dev/null || true); do
  if [ -f "$d/.flow/implementation.log" ]; then journal="$d/.flow/implementation.log"; break; fi
done
if [ -n "$journal" ]; then cp "$journal" "$out_dir/implementation.log"; fi
"$flow" status ${FLOW_TASKS:+"$FLOW_TASKS"} --json > "$out_dir/status.json" 2>/dev/null || true

summary="$(tail -n 12 "$out_dir/output.txt" | grep -E 'succeeded, .* failed' | tail -n 1 || true)"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$status"
    echo "artifacts=$out_dir"
    echo "summary=$summary"
  } >> "$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  { echo "### flow run"; echo; echo "${summary:-flow exited with status $status}"; } >> "$GITHUB_STEP_SUMMARY"
fi
echo "flow-run: exit $status; journal and events in $out_dir"
exit "$status"
