#!/usr/bin/env bash
# Crash test of alprd and of its way to the store service (alpr-stored, its reader's socket):
#   - alprd killed with SIGKILL at several moments while it ingests a drive-by clip: every read
#     it reported as stored is in the store (it reports a read once the service answered), and
#     a restart continues (new reads added, audit chain intact);
#   - the service killed with SIGKILL while alprd ingests, started again 2 s later: alprd holds
#     its reads meanwhile (health: store=unreachable), stores them once the service is back,
#     loses none (every vehicle of the clip read) and exits 0;
#   - alprd started while the service is down: it runs, and its reads are stored when the
#     service comes;
#   - SIGTERM: everything received is stored before alprd exits 0, also when the service is
#     down at that moment and comes back within alprd's stop grace (10 s).
# The frames go through the board's C model in alprd's own process (--sim-frames, paced at
# 30 frames/s) for speed: what is tested is the daemon and the service, not USB.
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

# 4 vehicles in 4 s at 30 frames/s.
if ! e2e_sequence "$WORK/frames" 4 4 1280x720 41; then
  e2e_bad "crash: scene" "alpr scene --sequence failed"
  e2e_finish
  exit
fi
e2e_store "$WORK" || { e2e_bad "crash: store" "service, user init or login failed"; e2e_finish; exit; }
e2e_config "$WORK/alprd.conf" 1280x720 CRASH-1
echo "   ${#FRAMES[@]} frames, plates: ${PLATES[*]}"

# The read ids alprd printed (each is printed after the service answered it stored the read).
printed_ids() { grep -ho '"event":"read","read_id":[0-9]*' "$WORK"/events-*.jsonl | grep -o '[0-9]*$' | sort -n; }
# The plates alprd printed in one events file.
printed_plates() { grep -o '"event":"read",.*"plate":"[A-Z0-9]*"' "$1" | sed 's/.*"plate":"//; s/"$//'; }
stored_ids() {
  "$ALPR" --csv search --unit CRASH-1 --from 2000-01-01 --purpose investigation \
    --crime "vehicle theft" --incident CRASH-2026-0001 --limit 100000 | awk -F, 'NR > 1 {print $1}' | sort -n
}
all_printed_stored() { [[ -z $(comm -23 <(printed_ids | sort) <(stored_ids | sort)) ]]; }
audit_ok() { "$ALPR" audit verify >/dev/null; }
# every_vehicle FILE: each plate of the clip was read and reported in FILE (within 2 edits).
every_vehicle() {
  local missed
  missed=$(e2e_match_reads "${PLATES[*]}" "$(printed_plates "$1" | tr '\n' ' ')" | awk '$1 == "missed" {print $2}')
  [[ ${missed:-1} -eq 0 ]]
}
# wait_reads FILE N PID: until FILE holds N reported reads (or PID is gone; 60 s at most).
wait_reads() {
  local i
  for i in $(seq 1 1200); do
    (($(grep -c '"event":"read"' "$1") >= $2)) && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# kill -9 during ingest, at different moments: right after the n-th read was reported, or a
# little later (between, or in the middle of, calls to the service).
run=0
for spec in 1:0 1:0.13 2:0.05 3:0.3; do
  run=$((run + 1))
  want=${spec%:*} extra=${spec#*:}
  ev="$WORK/events-$run.jsonl"
  "$ALPRD" --config "$WORK/alprd.conf" --sim-frames "$WORK/frames" --sim-fps 30 \
    --show-reads >"$ev" 2>"$WORK/alprd-$run.log" &
  pid=$!
  wait_reads "$ev" "$want" "$pid"
  sleep "$extra"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n_printed=$(printed_ids | wc -l)
  n_stored=$(stored_ids | wc -l)
  echo "   run $run: SIGKILL ${extra} s after read #$want was reported: $n_printed reads reported in all runs, $n_stored in the store"
  e2e_check "kill -9 #$run: every reported read is in the store" all_printed_stored
  e2e_check "kill -9 #$run: it was ingesting (read #$want reported)" test "$(grep -c '"event":"read"' "$ev")" -ge "$want"
done

# Restart and let it finish on its own.
before=$(stored_ids | wc -l)
"$ALPRD" --config "$WORK/alprd.conf" --sim-frames "$WORK/frames" --sim-fps 30 \
  --idle-exit 2 --show-reads >"$WORK/events-restart.jsonl" 2>"$WORK/alprd-restart.log"
rc=$?
after=$(stored_ids | wc -l)
echo "   restart: $before reads before, $after after"
e2e_check "restart: exits 0" test "$rc" -eq 0
e2e_check "restart: continues (new reads added)" test "$after" -gt "$before"
e2e_check "restart: audit verify" audit_ok

# The service crashes while alprd ingests, and comes back 2 s later.
ev="$WORK/events-service.jsonl"
"$ALPRD" --config "$WORK/alprd.conf" --sim-frames "$WORK/frames" --sim-fps 30 --health 1 \
  --idle-exit 2 --show-reads >"$ev" 2>"$WORK/alprd-service.log" &
pid=$!
wait_reads "$ev" 1 "$pid"
e2e_service_kill
sleep 2
e2e_service "$WORK" || e2e_bad "service crash: restart" "the service did not start again"
wait "$pid"
rc=$?
held=$(grep -o 'health .* retry=[0-9]* store=unreachable' "$WORK/alprd-service.log" | grep -o 'retry=[0-9]*' | cut -d= -f2 | sort -n | tail -n 1)
echo "   service killed after read #1: up to ${held:-0} reads held while it was down;" \
  "$(printed_plates "$ev" | wc -l) reads reported: $(printed_plates "$ev" | tr '\n' ' ')"
e2e_check "service crash: alprd exits 0" test "$rc" -eq 0
e2e_check "service crash: alprd said the store was unreachable" \
  grep -q 'store unreachable: cannot reach the store service' "$WORK/alprd-service.log"
e2e_check "service crash: the health line said so (store=unreachable)" \
  grep -q 'health .* store=unreachable ' "$WORK/alprd-service.log"
e2e_check "service crash: reads were held meanwhile" test "${held:-0}" -ge 1
e2e_check "service crash: and stored once it was back" grep -q 'store ok again' "$WORK/alprd-service.log"
e2e_check "service crash: every vehicle of the clip reported" every_vehicle "$ev"
e2e_check "service crash: no read lost (refused or dropped)" \
  bash -c "! grep -q 'lost:\|could not be stored\|refused by the store' '$WORK/alprd-service.log'"
e2e_check "service crash: every reported read is in the store" all_printed_stored
e2e_check "service crash: audit verify" audit_ok

# alprd first; the service once alprd has found it missing (it loads its frames first: that
# takes a while under the sanitizers), and 1.5 s later.
e2e_service_stop "$WORK"
ev="$WORK/events-late.jsonl"
"$ALPRD" --config "$WORK/alprd.conf" --sim-frames "$WORK/frames" --sim-fps 30 --health 1 \
  --idle-exit 2 --show-reads >"$ev" 2>"$WORK/alprd-late.log" &
pid=$!
said=0
for i in $(seq 1 600); do
  grep -q 'store unreachable' "$WORK/alprd-late.log" && said=1 && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
sleep 1.5
e2e_service "$WORK" || e2e_bad "late service: start" "the service did not start"
wait "$pid"
rc=$?
e2e_check "late service: alprd said the store was unreachable at first" test "$said" -eq 1
e2e_check "late service: alprd ran without it, exits 0" test "$rc" -eq 0
e2e_check "late service: every vehicle of the clip reported" every_vehicle "$ev"
e2e_check "late service: every reported read is in the store" all_printed_stored

# SIGTERM with a vehicle in view: committed at shutdown.
"$ALPRD" --config "$WORK/alprd.conf" --sim-frames "$WORK/frames" --sim-fps 30 \
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
e2e_check "SIGTERM: audit verify" audit_ok

# SIGTERM while the service is down: alprd keeps retrying for its stop grace; the service is
# back 3 s later and gets the reads.
ev="$WORK/events-term-down.jsonl"
"$ALPRD" --config "$WORK/alprd.conf" --sim-frames "$WORK/frames" --sim-fps 30 \
  --show-reads >"$ev" 2>"$WORK/alprd-term-down.log" &
pid=$!
wait_reads "$ev" 1 "$pid"
e2e_service_kill
sleep 1.5 # a vehicle or two pass meanwhile: their reads are held
kill -TERM "$pid"
sleep 3
e2e_service "$WORK" || e2e_bad "SIGTERM, service down: restart" "the service did not start again"
wait "$pid"
rc=$?
grep -E 'wait for the store service|committed at shutdown' "$WORK/alprd-term-down.log" | sed 's/^/   /'
e2e_check "SIGTERM, service down: exits 0 once the service took the reads" test "$rc" -eq 0
e2e_check "SIGTERM, service down: it waited for the service" \
  grep -q 'reads wait for the store service; retrying' "$WORK/alprd-term-down.log"
e2e_check "SIGTERM, service down: nothing held back in the end" \
  grep -q 'health .* tracks=0 retry=0 store=ok' "$WORK/alprd-term-down.log"
e2e_check "SIGTERM, service down: every reported read is in the store" all_printed_stored
e2e_finish
