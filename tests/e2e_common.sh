# Shared by tests/e2e_alprd.sh, tests/crash_alprd.sh, tests/bench_alprd.sh and sim/run-demo.sh
# (sourced, not run): finding the programs, a demo store with an administrator and a hotlist,
# drive-by sequences with their truth, and the test-line bookkeeping
# ("ok NAME" / "FAIL NAME: why" / "skip NAME: why", closed by "N passed, N failed, N skipped").

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${ALPR_BUILD:-build}
[[ $B = /* ]] || B="$E2E_ROOT/$B"
ALPR="$B/alpr"
ALPRD="$B/alprd"
SIMBOARD="$B/alpr-simboard"

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

# e2e_store DIR: creates DIR/alpr.db with the administrator "admin" logged on (session file in
# DIR). Sets DB and exports ALPR_SESSION_FILE.
e2e_store() {
  local dir=$1
  mkdir -p "$dir"
  DB="$dir/alpr.db"
  rm -f "$DB" "$DB-wal" "$DB-shm"
  export ALPR_SESSION_FILE="$dir/session"
  ALPR_PASSWORD=$ALPR_DEMO_PASSWORD "$ALPR" --db "$DB" user init --name admin \
    --training "$(date -u +%F)" >/dev/null &&
    ALPR_PASSWORD=$ALPR_DEMO_PASSWORD "$ALPR" --db "$DB" login --user admin >/dev/null
}

# e2e_hotlist DIR PLATE: imports a one-entry hotlist (stolen vehicle) for PLATE.
e2e_hotlist() {
  local csv="$1/hotlist.csv"
  {
    echo "plate,state,reason,source,expiry,incident"
    echo "$2,UT,stolen vehicle,NCIC,$(date -u -d '+30 days' +%F),DEMO-0001"
  } >"$csv"
  "$ALPR" --db "$DB" hotlist import "$csv" --name demo >/dev/null
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
  "$ALPR" --db "$DB" --csv search --unit "$1" --from 2000-01-01 --purpose investigation \
    --crime test --incident E2E-0001 --limit 10000 | awk -F, 'NR > 1 {print $3}'
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
