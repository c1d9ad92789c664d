#!/usr/bin/env bash
# Soak benchmark of alprd (figures only; `make bench`): the roadside job for a long run through
# the real libusb path, the simulated board (C model) showing a drive-by clip over and over at
# the camera's rate, and alprd's resident memory printed over time against the reads stored.
# A unit must run for months: its memory must stay flat (alprd keeps no store cache: the store
# service, alpr-stored, owns the store). tests/soak_alprd.sh is the shorter run `make test`
# checks.
#
# Environment: ALPR_SOAK_FRAMES (default 21600: 12 min at 30 frames/s), ALPR_SOAK_FPS (30),
# ALPR_SOAK_VEHICLES (24 per loop of 30 s), ALPR_SOAK_ALPRD (another alprd to measure, e.g. an
# older build, for a before/after comparison).
set -u
. "$(dirname "$0")/e2e_common.sh"

frames=${ALPR_SOAK_FRAMES:-21600}
fps=${ALPR_SOAK_FPS:-30}
vehicles=${ALPR_SOAK_VEHICLES:-24}
alprd=${ALPR_SOAK_ALPRD:-$ALPRD}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alprd-soak-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

e2e_sequence "$WORK/frames" "$vehicles" 30 1280x720 5 || { echo "bench_soak: no clip" >&2; exit 1; }
e2e_store "$WORK/service" >/dev/null || { echo "bench_soak: no store service" >&2; exit 1; }
e2e_config "$WORK/alprd.conf" 1280x720 SOAK-01
args=()
for f in "${FRAMES[@]}"; do args+=(--image "$f"); done
echo "soak: $frames frames at $fps frames/s through alpr-simboard (C model), a clip of" \
  "${#FRAMES[@]} frames with $vehicles vehicles, looped; alprd: $alprd"
printf '%8s %8s %8s %10s\n' "time_s" frames reads rss_kb

# alprd prints a health line every 10 s; rss_kb is in it (older builds: read from /proc here).
"$SIMBOARD" --engine model --fps "$fps" --loop --count "$frames" "${args[@]}" -- \
  "$alprd" --config "$WORK/alprd.conf" --idle-exit 5 --health 10 \
  >/dev/null 2>"$WORK/alprd.log" &
runner=$!
t0=$(date +%s)
seen=0
while kill -0 "$runner" 2>/dev/null; do
  sleep 2
  mapfile -t lines < <(grep 'alprd: health' "$WORK/alprd.log")
  while ((seen < ${#lines[@]})); do
    l=${lines[seen]}
    seen=$((seen + 1))
    rss=$(grep -o ' rss_kb=[0-9]*' <<<"$l" | cut -d= -f2)
    if [[ -z $rss ]]; then
      pid=$(pgrep -n -f "^$alprd --config $WORK/alprd.conf")
      rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    fi
    printf '%8s %8s %8s %10s\n' "$(($(date +%s) - t0))" "$(grep -o ' frames=[0-9]*' <<<"$l" | cut -d= -f2)" \
      "$(grep -o ' reads=[0-9]*' <<<"$l" | cut -d= -f2)" "${rss:-?}"
  done
done
wait "$runner"
rc=$?
grep -o 'summary frames=[0-9]* reads=[0-9]* .*dropped=[0-9]* queue_dropped=[0-9]*' "$WORK/alprd.log" | sed 's/^/soak: /'
if stored=$("$ALPR" --csv search --unit SOAK-01 --limit 100000 --purpose investigation \
  --crime "vehicle theft" --incident SOAK-2026-0001 2>"$WORK/search.err"); then
  echo "soak: $(($(wc -l <<<"$stored") - 1)) reads in the store"
else
  echo "soak: cannot count the reads in the store: $(cat "$WORK/search.err")"
fi
exit $rc
