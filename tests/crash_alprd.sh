#!/usr/bin/env bash
# Crash test: alprd is killed with SIGKILL at several moments while it ingests a drive-by clip;
# after each kill the database must pass `PRAGMA integrity_check`, every read alprd reported as
# committed must be in the store, and a restart must continue (new reads added, audit chain
# intact). Then SIGTERM: everything received is committed before alprd exits 0.
# The frames go through the board's C model in alprd's own process (--sim-frames, paced at
# 30 frames/s) for speed: what is tested is the daemon and the store, not USB.
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/e2e_common.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/alprd-crash-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

if [[ ! -x $ALPRD ]]; then
  e2e_skipped "crash" "$ALPRD not built (the driver, driver/alpr_dev.c, is not in the tree yet)"
  e2e_finish
  exit
fi
if ! command -v sqlite3 >/dev/null; then
  e2e_skipped "crash" "the sqlite3 command-line shell is not installed"
  e2e_finish
  exit
fi

# 4 vehicles in 4 s at 30 frames/s.
if ! e2e_sequence "$WORK/frames" 4 4 1280x720 41; then
  e2e_bad "crash: scene" "alpr scene --sequence failed"
  e2e_finish
  exit
fi
e2e_store "$WORK" || { e2e_bad "crash: store" "user init / login failed"; e2e_finish; exit; }
e2e_config "$WORK/alprd.conf" 1280x720 CRASH-1
echo "   ${#FRAMES[@]} frames, plates: ${PLATES[*]}"

integrity() { [[ $(sqlite3 "$DB" 'PRAGMA integrity_check;' 2>&1) == ok ]]; }
# The read ids alprd printed (each is printed after its transaction committed).
printed_ids() { grep -ho '"event":"read","read_id":[0-9]*' "$WORK"/events-*.jsonl | grep -o '[0-9]*$' | sort -n; }
stored_ids() {
  "$ALPR" --db "$DB" --csv search --unit CRASH-1 --from 2000-01-01 --purpose investigation \
    --crime test --incident CRASH-0001 --limit 100000 | awk -F, 'NR > 1 {print $1}' | sort -n
}
all_printed_stored() { [[ -z $(comm -23 <(printed_ids) <(stored_ids)) ]]; }
audit_ok() { "$ALPR" --db "$DB" audit verify >/dev/null; }

# kill -9 during ingest, at different moments: right after the n-th read was reported, or a
# little later (between, or in the middle of, transactions).
run=0
for spec in 1:0 1:0.13 2:0.05 3:0.3; do
  run=$((run + 1))
  want=${spec%:*} extra=${spec#*:}
  ev="$WORK/events-$run.jsonl"
  "$ALPRD" --config "$WORK/alprd.conf" --db "$DB" --sim-frames "$WORK/frames" --sim-fps 30 \
    --show-reads >"$ev" 2>"$WORK/alprd-$run.log" &
  pid=$!
  for i in $(seq 1 1200); do
    (($(grep -c '"event":"read"' "$ev") >= want)) && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  sleep "$extra"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n_printed=$(printed_ids | wc -l)
  n_stored=$(stored_ids | wc -l)
  echo "   run $run: SIGKILL ${extra} s after read #$want was reported: $n_printed reads reported in all runs, $n_stored in the store"
  e2e_check "kill -9 #$run: integrity_check ok" integrity
  e2e_check "kill -9 #$run: every reported read is in the store" all_printed_stored
  e2e_check "kill -9 #$run: it was ingesting (read #$want reported)" test "$(grep -c '"event":"read"' "$ev")" -ge "$want"
done

# Restart and let it finish on its own; then SIGTERM mid-run must commit what was received.
before=$(stored_ids | wc -l)
"$ALPRD" --config "$WORK/alprd.conf" --db "$DB" --sim-frames "$WORK/frames" --sim-fps 30 \
  --idle-exit 2 --show-reads >"$WORK/events-restart.jsonl" 2>"$WORK/alprd-restart.log"
rc=$?
after=$(stored_ids | wc -l)
echo "   restart: $before reads before, $after after"
e2e_check "restart: exits 0" test "$rc" -eq 0
e2e_check "restart: continues (new reads added)" test "$after" -gt "$before"
e2e_check "restart: integrity_check ok" integrity
e2e_check "restart: audit verify" audit_ok

"$ALPRD" --config "$WORK/alprd.conf" --db "$DB" --sim-frames "$WORK/frames" --sim-fps 30 \
  --show-reads >"$WORK/events-term.jsonl" 2>"$WORK/alprd-term.log" &
pid=$!
# Wait until a vehicle is being tracked (SIGUSR1 prints the health line), then SIGTERM.
open=0
for i in $(seq 1 400); do
  sleep 0.1
  kill -USR1 "$pid" 2>/dev/null || break
  sleep 0.05
  if tail -n 3 "$WORK/alprd-term.log" | grep -q 'health .* tracks=[1-9]'; then
    open=1
    break
  fi
done
kill -TERM "$pid"
wait "$pid"
rc=$?
at_stop=$(grep -o 'committed at shutdown: [0-9]*' "$WORK/alprd-term.log" | grep -o '[0-9]*$')
echo "   SIGTERM with a vehicle in view: ${at_stop:-?} reads committed at shutdown"
e2e_check "SIGTERM: exits 0" test "$rc" -eq 0
e2e_check "SIGTERM: a vehicle was in view when the signal came" test "$open" -eq 1
e2e_check "SIGTERM: the vehicle in view committed at shutdown" test "${at_stop:-0}" -ge 1
e2e_check "SIGTERM: nothing held back (tracks=0 retry=0 in the last health line)" \
  grep -q 'health .* tracks=0 retry=0' "$WORK/alprd-term.log"
e2e_check "SIGTERM: integrity_check ok" integrity
e2e_check "SIGTERM: audit verify" audit_ok
e2e_finish
