# Shared by tests/e2e_alprd.sh, tests/crash_alprd.sh, tests/bench_alprd.sh and sim/run-demo.sh
# (sourced, not run): finding the programs, a store service with an administrator and a hotlist,
# drive-by sequences with their truth, and the test-line bookkeeping
# ("ok NAME" / "FAIL NAME: why" / "skip NAME: why", closed by "N passed, N failed, N skipped").

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${ALPR_BUILD:-build}
[[ $B = /* ]] || B="$E2E_ROOT/$B"
ALPR="$B/alpr"
ALPRD="$B/alprd"
SIMBOARD="$B/alpr-simboard"
# The store service; its test build takes its clock from ALPR_NOW (sent by the clients), the
# installed one refuses that: e2e_service runs the test build when ALPR_NOW is set.
STORED="$B/alpr-stored"
STORED_TEST="$B/tests/alpr-stored-testclock"

e2e_pass=0 e2e_fail=0 e2e_skip=0
e2e_ok() { echo "ok   $1"; e2e_pass=$((e2e_pass + 1)); }
e2e_bad() { echo "FAIL $1: $2"; e2e_fail=$((e2e_fail + 1)); }
e2e_skipped() { echo "skip $1: $2"; e2e_skip=$((e2e_skip + 1)); }
# e2e_check NAME CONDITION-COMMAND... : ok when the command succeeds.
e2e_check() {
  local name=$1
  shift
  if "$@"; then e2e_ok "$name"; else e2e_bad "$name" "$*"; fi
}
e2e_finish() {
  echo "$e2e_pass passed, $e2e_fail failed, $e2e_skip skipped"
  ((e2e_fail == 0))
}

# The demo administrator's password: from the environment (never on a command line).
export ALPR_DEMO_PASSWORD=${ALPR_DEMO_PASSWORD:-demo-password-$$-$RANDOM$RANDOM}

# The services started here (pids; by folder), stopped when the shell exits.
E2E_SERVICE_PIDS=()
E2E_SERVICE_PID=
declare -A E2E_SERVICE_OF=()

# e2e_service_stop_all: SIGTERM to every service started here, and waits for them.
e2e_service_stop_all() {
  local p
  for p in "${E2E_SERVICE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${E2E_SERVICE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  E2E_SERVICE_PIDS=()
  E2E_SERVICE_OF=()
}

# e2e_service_stop DIR: stops (SIGTERM) the service started on DIR, if one runs.
e2e_service_stop() {
  local dir pid
  dir=$(cd "$1" 2>/dev/null && pwd) || return 0
  pid=${E2E_SERVICE_OF[$dir]:-}
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "E2E_SERVICE_OF[$dir]"
}

# The second word of `trap -p`'s answer (-- 'CMD' EXIT): the command.
_e2e_second() { printf '%s' "$2"; }

# Puts e2e_service_stop_all before the EXIT trap the script has (once).
_e2e_trap_services() {
  [[ -n ${_E2E_SERVICE_TRAP:-} ]] && return 0
  _E2E_SERVICE_TRAP=1
  local prev cmd=''
  prev=$(trap -p EXIT)
  [[ -n $prev ]] && cmd=$(eval "_e2e_second ${prev#trap }")
  # shellcheck disable=SC2064 # the script's own command, expanded now on purpose
  trap "e2e_service_stop_all; $cmd" EXIT
  # Interrupted (Ctrl-C, a test runner's timeout), the shell exits through its EXIT trap too.
  [[ -n $(trap -p INT) ]] || trap 'exit 130' INT
  [[ -n $(trap -p TERM) ]] || trap 'exit 143' TERM
}

# e2e_service DIR: starts a store service on DIR (made 0700): its master key DIR/key (made
# first, kept when it exists: calling it again on DIR restarts the same store, stopping the one
# started there before), its state DIR/state, the members' socket DIR/store.sock and the
# reader's DIR/ingest.sock, its log DIR/service.log. Waits until both sockets listen; exports
# ALPR_SOCKET and ALPR_INGEST_SOCKET (what `alpr` and alprd use) and sets E2E_SERVICE_PID.
# Stopped when the shell exits.
e2e_service() {
  local dir=$1 prog=$STORED i served
  [[ -n ${ALPR_NOW:-} ]] && prog=$STORED_TEST
  mkdir -p "$dir" && chmod 700 "$dir" || return 1
  dir=$(cd "$dir" && pwd)
  e2e_service_stop "$dir"
  if [[ ! -f $dir/key ]]; then
    "$prog" --generate-key "$dir/key" >>"$dir/service.log" 2>&1 || return 1
  fi
  _e2e_trap_services
  # It logs "serving" once both sockets listen (a stale socket file proves nothing).
  served=$(grep -c ': serving ' "$dir/service.log" 2>/dev/null || true)
  "$prog" --state "$dir/state" --socket "$dir/store.sock" --ingest-socket "$dir/ingest.sock" \
    --key-file "$dir/key" 2>>"$dir/service.log" &
  E2E_SERVICE_PID=$!
  E2E_SERVICE_PIDS+=("$E2E_SERVICE_PID")
  E2E_SERVICE_OF[$dir]=$E2E_SERVICE_PID
  export ALPR_SOCKET="$dir/store.sock" ALPR_INGEST_SOCKET="$dir/ingest.sock"
  for i in $(seq 200); do
    (($(grep -c ': serving ' "$dir/service.log" || true) > ${served:-0})) && return 0
    kill -0 "$E2E_SERVICE_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "e2e_service: $prog did not start on $dir:" >&2
  tail -n 5 "$dir/service.log" >&2
  return 1
}

# e2e_service_kill: SIGKILL to the last service started (a crash; its sockets stay behind).
e2e_service_kill() {
  [[ -n $E2E_SERVICE_PID ]] || return 0
  kill -KILL "$E2E_SERVICE_PID" 2>/dev/null || true
  wait "$E2E_SERVICE_PID" 2>/dev/null || true
  E2E_SERVICE_PID=
}

# e2e_store DIR: a new store service on DIR (a fresh state and key: e2e_service) with the
# administrator "admin" logged on (session file DIR/session). Exports ALPR_SESSION_FILE.
e2e_store() {
  local dir=$1
  e2e_service_stop "$dir"
  rm -rf "$dir/state" "$dir/key" "$dir/session"
  e2e_service "$dir" || return 1
  export ALPR_SESSION_FILE="$dir/session"
  ALPR_PASSWORD=$ALPR_DEMO_PASSWORD "$ALPR" user init --name admin \
    --training "$(date -u +%F)" >/dev/null &&
    ALPR_PASSWORD=$ALPR_DEMO_PASSWORD "$ALPR" login --user admin >/dev/null
}

# e2e_hotlist DIR PLATE: imports a one-entry hotlist (stolen vehicle) for PLATE.
e2e_hotlist() {
  local csv="$1/hotlist.csv"
  {
    echo "plate,state,reason,source,expiry,incident"
    echo "$2,UT,stolen vehicle,NCIC,$(date -u -d '+30 days' +%F),DEMO-0001"
  } >"$csv"
  "$ALPR" hotlist import "$csv" --name demo >/dev/null
}

# e2e_sequence DIR VEHICLES SECONDS WxH SEED: a drive-by clip (PGM frames + truth) in DIR.
# Sets FRAMES (array of frame files) and PLATES (array: the vehicles' plates, in order of
# appearance).
e2e_sequence() {
  local dir=$1 w=${4%x*} h=${4#*x}
  rm -rf "$dir"
  "$ALPR" -q scene --sequence --vehicles "$2" --seconds "$3" --fps 30 --width "$w" --height "$h" \
    --seed "$5" --inverse 0 --out "$dir" >/dev/null || return 1
  mapfile -t FRAMES < <(ls "$dir"/*.pgm | sort)
  mapfile -t PLATES < <(cat "$dir"/*.txt | awk -F'\t' 'NF >= 6 && !seen[$6]++ {print $6}')
  ((${#FRAMES[@]} > 0))
}

# e2e_config FILE WxH UNIT [TRACK_GAP_MS]: an alprd configuration for the demo / tests.
e2e_config() {
  cat >"$1" <<EOF
unit = $3
camera = CAM-1
agency = demo police
frame_width = ${2%x*}
frame_height = ${2#*x}
min_frames = 2
track_gap_ms = ${4:-600}
health_interval_s = 5
queue_frames = 16
syslog = no
EOF
}

# e2e_stored_plates UNIT: the plates of the unit's stored reads, one per line (an audited search).
e2e_stored_plates() {
  "$ALPR" --csv search --unit "$1" --from 2000-01-01 --purpose investigation \
    --crime "vehicle theft" --incident E2E-2026-0001 --limit 10000 | awk -F, 'NR > 1 {print $3}'
}

# e2e_match_reads "PLATE..." "READ...": assigns each read to the vehicle whose plate is nearest
# (edit distance <= 2: a misread of that vehicle) and prints, per line, "exact N", "near N",
# "unmatched N", "twice N" (vehicles with more than one read) and "missed N".
e2e_match_reads() {
  awk -v plates="$1" -v reads="$2" '
    function lev(a, b,   i, j, la, lb, d, c, x) {
      la = length(a); lb = length(b)
      for (i = 0; i <= la; i++) d[i, 0] = i
      for (j = 0; j <= lb; j++) d[0, j] = j
      for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
          c = substr(a, i, 1) != substr(b, j, 1)
          x = d[i - 1, j - 1] + c
          if (d[i - 1, j] + 1 < x) x = d[i - 1, j] + 1
          if (d[i, j - 1] + 1 < x) x = d[i, j - 1] + 1
          d[i, j] = x
        }
      return d[la, lb]
    }
    BEGIN {
      np = split(plates, P, " "); nr = split(reads, R, " ")
      exact = near = unmatched = twice = missed = 0
      for (r = 1; r <= nr; r++) {
        best = 0; bd = 3
        for (p = 1; p <= np; p++) { dd = lev(R[r], P[p]); if (dd < bd) { bd = dd; best = p } }
        if (!best) { unmatched++; continue }
        hits[best]++
        if (bd == 0) exact++; else near++
      }
      for (p = 1; p <= np; p++) { if (hits[p] > 1) twice++; if (!hits[p]) missed++ }
      print "exact " exact; print "near " near; print "unmatched " unmatched
      print "twice " twice; print "missed " missed
    }'
}
