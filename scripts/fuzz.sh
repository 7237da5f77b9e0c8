#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan+UBSan, the library instrumented too) in
# build-fuzz/ and runs each for a fixed time, seeded from tests/data:
#   parse_fuzz     tasks.md: parser, write-back, graph, estimator  (tests/data/corpus, tests/data/fuzz)
#   settings_fuzz  .flow/config.yaml                              (tests/data/fuzz-seeds/settings)
#   journal_fuzz   .flow/implementation.log readers                (tests/data/fuzz-seeds/journal)
# A crash stops that fuzzer; its input is copied to tests/data/fuzz/ (settings/ and
# journal/ for those two), where the unit tests replay it, and the script fails. (Large
# tasks.md seeds are cut to 16 KiB: whole, parse_fuzz manages some 40 runs a second.)
#   scripts/fuzz.sh [SECONDS_EACH]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
dir=build-fuzz
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DFLOW_BUILD_FUZZERS=ON -DFLOW_BUILD_TESTS=ON -DFLOW_BUILD_CLI=OFF -DFLOW_BUILD_CAPI=OFF \
  -DFLOW_INSTALL=OFF -DFLOW_SANITIZE=fuzzer-no-link,address,undefined > /dev/null
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" --target parse_fuzz settings_fuzz journal_fuzz

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for target in parse settings journal; do
  case $target in
    parse) seeds=(tests/data/corpus tests/data/fuzz); findings=tests/data/fuzz; max_len=16384 ;;
    *) seeds=("tests/data/fuzz-seeds/$target" "tests/data/fuzz/$target"); findings="tests/data/fuzz/$target"; max_len=65536 ;;
  esac
  work="$dir/fuzz-$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  for s in "${seeds[@]}"; do [ -d "$s" ] && find "$s" -maxdepth 1 -type f -exec cp {} "$work/corpus/" \;; done
  echo "fuzz: $target for $seconds s"
  rc=0
  "$dir/tests/${target}_fuzz" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" > "$work/log" 2>&1 || rc=$?
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$work/log" | sed "s/^/fuzz: $target /" || true
  if [ "$rc" != 0 ]; then
    failed=1
    mkdir -p "$findings"
    for a in "$work"/artifacts/*; do
      [ -e "$a" ] || continue
      cp "$a" "$findings/$target-$(basename "$a")"
      echo "fuzz: $target found $(basename "$a"), kept as $findings/$target-$(basename "$a")"
    done
    grep -m1 -A12 'ERROR: \|runtime error\|deadly signal' "$work/log" || tail -20 "$work/log"
  fi
done
[ "$failed" = 0 ] && echo "fuzz: no findings"
exit "$failed"
