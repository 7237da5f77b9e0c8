#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A scripted agent for the dashboard's tests: it waits until the test lets its attempt
# go (a file go-<task>-<attempt>, or go-all), then writes the task's file and exits with
# the code in rc-<task>-<attempt> (0 when there is none).
set -u
dir=${FLOW_WORKDIR:?}
echo "attempt $FLOW_ATTEMPT of $FLOW_TASK_ID starts"
while [ ! -e "$dir/go-$FLOW_TASK_ID-$FLOW_ATTEMPT" ] && [ ! -e "$dir/go-all" ]; do sleep 0.05; done
echo "$FLOW_TASK_ID attempt $FLOW_ATTEMPT" >> "$dir/$FLOW_TASK_ID.txt"
echo "attempt $FLOW_ATTEMPT of $FLOW_TASK_ID done"
rc=0
[ -e "$dir/rc-$FLOW_TASK_ID-$FLOW_ATTEMPT" ] && rc=$(cat "$dir/rc-$FLOW_TASK_ID-$FLOW_ATTEMPT")
exit "$rc"
