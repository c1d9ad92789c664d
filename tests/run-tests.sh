#!/usr/bin/env bash
# Runs each test program given as an argument, shows its output, and sums the closing
# "N passed, N failed[, N skipped]" lines. A program that exits non-zero, or ends without a
# closing line, counts as one failure more, so a crash can never pass silently.
# Prints the total as the last line and exits 1 when anything failed.
set -u
tp=0 tf=0 ts=0
bad=()
for prog in "$@"; do
  echo "== $prog"
  log=$(mktemp)
  timeout "${TEST_TIMEOUT:-900}" "$prog" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  rm -f "$log"
  p=0 f=0 s=0
  if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
    p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
  fi
  if [[ -z $line || ( $rc -ne 0 && $f -eq 0 ) ]]; then
    echo "!! $prog exited with status $rc${line:+ after: $line}"
    f=$((f + 1))
  fi
  ((f > 0)) && bad+=("$prog")
  tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo
((${#bad[@]})) && echo "failing: ${bad[*]}"
echo "total: $tp passed, $tf failed, $ts skipped"
((tf == 0))
