#!/bin/sh
# SPDX-License-Identifier: MIT
# A stand-in for Slurm's sbatch, first on PATH in hosts' tests: it records its argv (one
# per line) in $FAKE_SBATCH_ARGS and refuses the job as sbatch does a bad partition, so a
# test sees what flow's Slurm runner asked for without a cluster.
printf '%s\n' "$@" >> "${FAKE_SBATCH_ARGS:-/dev/null}"
echo "sbatch: error: invalid partition specified" >&2
exit 1
