#!/bin/sh
# Runs every built libFuzzer harness in turn for SECONDS each and prints a summary table.
#
#   tests/fuzz/run-all.sh SECONDS [HARNESS...]
#
# It builds nothing: configure and build the `fuzz` preset first
# (cmake --preset fuzz && cmake --build --preset fuzz). Every fuzz_<name> binary found in
# $KBAUDIT_FUZZ_BUILD (default build-fuzz/tests/fuzz) is run with
#   - a scratch corpus fuzz-corpus/<name>/ (ignored by git, kept between runs: new inputs go there),
#   - the seeds tests/fuzz/seeds/<name>/ (required: a harness without seeds is an error),
#   - the saved findings tests/fuzz/regressions/<name>/ and the fixtures built by ctest
#     ($KBAUDIT_FIXTURE_DIR/<name>, default build/fixtures/<name>) when they exist,
#   - the dictionary tests/fuzz/<name>.dict when there is one,
#   - -timeout=10 (an input that takes over 10 s is a finding) and -rss_limit_mb=2048,
#   - the options in tests/fuzz/<name>.options when there is one (e.g. -max_len=32768: a
#     large fixture would otherwise raise libFuzzer's default input size to its own).
# Findings (crash-*, leak-*, timeout-*, oom-*, slow-unit-* is not one) are written to
# fuzz-findings/<name>/; the script exits 1 if any harness left one, or if one failed to run.
# HARNESS names (regf, pe, ...) restrict the run; FUZZ_EXTRA adds libFuzzer options to every run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 2

if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
  echo "usage: tests/fuzz/run-all.sh SECONDS [HARNESS...]" >&2
  exit 2
fi
secs=$1
shift
bin=${KBAUDIT_FUZZ_BUILD:-build-fuzz/tests/fuzz}
fixtures=${KBAUDIT_FIXTURE_DIR:-build/fixtures}

if [ $# -gt 0 ]; then
  names="$*"
else
  # Every harness source in the tree must have been built: a missing binary is reported,
  # not silently skipped.
  names=$(for s in "$here"/fuzz_*.c; do basename "$s" .c | sed 's/^fuzz_//'; done)
fi
[ -n "$names" ] || { echo "run-all.sh: no harness in $here" >&2; exit 2; }

summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
status=0
for name in $names; do
  exe=$bin/fuzz_$name
  log=fuzz-findings/$name.log
  mkdir -p "fuzz-corpus/$name" "fuzz-findings/$name"
  if [ ! -x "$exe" ]; then
    echo "run-all.sh: $exe not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
    printf '%s\t-\t-\t-\t-\tnot built\n' "$name" >> "$summary"
    status=1
    continue
  fi
  seeds=tests/fuzz/seeds/$name
  if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
    echo "run-all.sh: $name has no seed corpus in $seeds" >&2
    printf '%s\t-\t-\t-\t-\tno seeds\n' "$name" >> "$summary"
    status=1
    continue
  fi
  set -- "fuzz-corpus/$name" "$seeds"
  for extra in "tests/fuzz/regressions/$name" "$fixtures/$name"; do
    [ -d "$extra" ] && set -- "$@" "$extra"
  done
  dict=
  [ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
  opts=
  [ -f "tests/fuzz/$name.options" ] && opts=$(cat "tests/fuzz/$name.options")
  before=$(ls "fuzz-findings/$name" | grep -cE '^(crash|leak|timeout|oom)-')
  echo "== $name: $secs s, corpus: $*" >&2
  # shellcheck disable=SC2086 # $dict, $opts and FUZZ_EXTRA are word lists on purpose
  nice "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="fuzz-findings/$name/" $dict $opts ${FUZZ_EXTRA:-} "$@" > "$log" 2>&1
  rc=$?
  after=$(ls "fuzz-findings/$name" | grep -cE '^(crash|leak|timeout|oom)-')
  found=$((after - before))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  # the last status line: "#N  DONE|pulse|REDUCE ... cov: C ft: F corp: ..."
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/ft: //')
  what=none
  if [ "$found" -gt 0 ]; then
    what="$found: $(ls -t "fuzz-findings/$name" | grep -E '^(crash|leak|timeout|oom)-' | head -n "$found" | tr '\n' ' ')"
    status=1
  elif [ "$rc" -ne 0 ]; then
    what="exit $rc, see $log"
    status=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${took:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$what" >> "$summary"
done

printf '\n%-8s %8s %12s %6s %8s  %s\n' harness seconds executions cov ft findings
while IFS='	' read -r n s e c f w; do
  printf '%-8s %8s %12s %6s %8s  %s\n' "$n" "$s" "$e" "$c" "$f" "$w"
done < "$summary"
[ $status -eq 0 ] || echo "run-all.sh: findings or failures; logs and inputs in fuzz-findings/" >&2
exit $status
