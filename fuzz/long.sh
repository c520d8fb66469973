#!/usr/bin/env bash
# A long fuzzing campaign, recorded: each target (all by default) runs FUZZ_SECONDS (default 600)
# writing what it finds into its checked-in corpus (fuzz/corpus/<target>), which is then
# minimised (`cargo fuzz cmin`). The campaign is written to bench/results/fuzz-<UTC>.md: per
# target the seconds, executions, exec/s, new inputs, the corpus before and after, libFuzzer's
# last coverage line (cov, ft) and the crashes (which must be 0). See fuzz/README.md.
#
#   fuzz/long.sh [target...]
#
# One target at a time (the machine has two cores; the engine targets use both). A crash stops
# that target's run, leaves its input in fuzz/artifacts/<target>/, and the script goes on to the
# next target, then exits 1. The corpus changes are left for review and commit.
#
# Env: FUZZ_SECONDS, FUZZ_TARGET_DIR (default /var/tmp/portcullis-fuzz-target), FUZZ_REPORT (the
# report's path; default bench/results/fuzz-<UTC date-time>.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
seconds=${FUZZ_SECONDS:-600}
cargo_fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$cargo_fuzz_version" ]; then
  cargo install -q cargo-fuzz --version "$cargo_fuzz_version" --locked
fi
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-/var/tmp/portcullis-fuzz-target}
stamp=$(date -u +%Y-%m-%d-%H%M)
report=${FUZZ_REPORT:-$root/bench/results/fuzz-$stamp.md}
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build -s none
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

count() {
  if [ -d "$1" ]; then find "$1" -maxdepth 1 -type f | wc -l | tr -d ' '; else echo 0; fi
}
# `stat::name: value` from libFuzzer's final statistics.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

rows=()
failed=0
for target in "${targets[@]}"; do
  corpus="corpus/$target"
  artifacts="artifacts/$target"
  mkdir -p "$corpus" "$scratch/$target"
  before=$(count "$corpus")
  crashes_before=$(count "$artifacts")
  log="$scratch/$target.log"
  echo "fuzz $target: ${seconds}s into $corpus ($before inputs)"
  start=$(date +%s)
  rc=0
  # The targets' databases and data directories go under the scratch directory.
  TMPDIR="$scratch/$target" cargo fuzz run -s none "$target" "$corpus" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - start))
  runs=$(final_stat number_of_executed_units "$log")
  per_sec=$(final_stat average_exec_per_sec "$log")
  added=$(final_stat new_units_added "$log")
  # The last status line: `#N  DONE  cov: C ft: F corp: ...` (or the last pulse before a crash).
  last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  after_run=$(count "$corpus")
  crashes=$(($(count "$artifacts") - crashes_before))
  if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then
    # A failure that left no input (the build, the harness): counted, and its log shown.
    crashes=1
  fi
  if [ "$crashes" != 0 ]; then
    failed=1
    tail -40 "$log" >&2
    echo "fuzz $target: exit $rc, see fuzz/$artifacts" >&2
    after=$after_run
  else
    TMPDIR="$scratch/$target" cargo fuzz cmin -s none "$target" "$corpus" >"$scratch/$target.cmin.log" 2>&1 ||
      { tail -20 "$scratch/$target.cmin.log" >&2; failed=1; }
    after=$(count "$corpus")
  fi
  echo "fuzz $target: ${elapsed}s, ${runs:-?} runs (${per_sec:-?}/s), ${added:-?} new, corpus $before -> $after_run -> $after (cmin), cov ${cov:-?} ft ${ft:-?}, crashes $crashes"
  rows+=("| \`$target\` | $elapsed | ${runs:-?} | ${per_sec:-?} | ${added:-?} | $before | $after_run | $after | ${cov:-?} | ${ft:-?} | $crashes |")
done

commit=$(git -C "$root" rev-parse --short HEAD)
git -C "$root" diff --quiet HEAD -- crates fuzz/fuzz_targets fuzz/src || commit="$commit (with uncommitted changes)"
mkdir -p "$(dirname "$report")"
{
  echo "# Fuzzing campaign $stamp (UTC)"
  echo
  echo "\`fuzz/long.sh\`, ${seconds} s per target, one target at a time, at $commit on $(nproc) cores;"
  echo "cargo-fuzz $cargo_fuzz_version, \`-s none\` (libFuzzer's coverage, no sanitizer). New inputs were"
  echo "written into \`fuzz/corpus/<target>\`, then minimised with \`cargo fuzz cmin\`."
  echo
  echo "| target | seconds | executions | exec/s | new inputs | corpus before | after run | after cmin | cov | ft | crashes |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "cov and ft are libFuzzer's last status line: edges covered and features (edges with hit"
  echo "counts and compared values). Crashes must be 0; each one's input is in \`fuzz/artifacts/<target>/\`."
} >"$report"
echo "report: ${report#"$root"/}"
exit "$failed"
