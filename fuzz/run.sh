#!/usr/bin/env bash
# Short fuzzing campaigns: every target in fuzz/ for FUZZ_SECONDS (default 30), starting from its
# checked-in corpus (fuzz/corpus/<target>). New inputs go to a scratch directory, so the corpus
# only changes when someone minimises a long campaign into it (fuzz/README.md). A crash, a panic
# or a 5xx from the engine fails the run and leaves the input in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [target...]
#
# Env: FUZZ_SECONDS, FUZZ_TARGET_DIR (default /var/tmp/portcullis-fuzz-target).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
seconds=${FUZZ_SECONDS:-30}
# cargo-fuzz, pinned; `-s none` builds with libFuzzer's coverage instrumentation on a stable
# compiler (sanitizers need nightly; Rust's own checks make a panic the finding).
cargo_fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$cargo_fuzz_version" ]; then
  cargo install -q cargo-fuzz --version "$cargo_fuzz_version" --locked
fi
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-/var/tmp/portcullis-fuzz-target}
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build -s none
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target" "corpus/$target"
  log="$scratch/$target.log"
  rc=0
  # The targets' databases and data directories go under the scratch directory too.
  TMPDIR="$scratch" cargo fuzz run -s none "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log")
  echo "fuzz $target: ${seconds}s, ${runs:-?} runs, ${added:-?} new inputs, exit $rc"
  if [ "$rc" != 0 ]; then
    tail -40 "$log" >&2
    echo "fuzz $target failed: the input is in fuzz/artifacts/$target" >&2
    exit 1
  fi
done
