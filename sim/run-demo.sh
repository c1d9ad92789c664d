#!/usr/bin/env bash
# `make run`: the roadside job on the simulated board, end to end, in about a minute.
#
#   1. a synthetic drive-by clip: 4 vehicles in 5 s at 30 frames/s, 1280x720 (alpr scene)
#   2. the store service (alpr-stored) on a new demo store: its state in build/demo/state, its
#      master key in build/demo/key (on the unit, "a key file on separate media"), its sockets in
#      build/demo/; the first administrator created through it (password from the environment,
#      never on a command line) and a hotlist holding one of the clip's plates
#   3. the simulated USB board (alpr-simboard, the board's C model behind umockdev) showing the
#      clip at 30 frames/s, and alprd running against it through the real libusb driver,
#      sending its reads to the service's reader's socket
#   4. the reads and the alert printed as they happen; at the end, how to query the store
#      through the service (which stops with the demo)
#
# Environment: ALPR_BUILD (default build), ALPR_DEMO_ENGINE (model | rtl | pass, default model),
# ALPR_DEMO_PASSWORD (the demo administrator's password; default: a random one, saved 0600 in
# build/demo/admin-password).
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/e2e_common.sh

DEMO="$E2E_ROOT/build/demo"
ENGINE=${ALPR_DEMO_ENGINE:-model}
mkdir -p "$DEMO"
chmod 700 "$DEMO"

for p in "$ALPR" "$ALPRD" "$SIMBOARD" "$STORED"; do
  if [[ ! -x $p ]]; then
    echo "run-demo: $p is not built (run \`make\`; alprd needs the USB driver driver/alpr_dev.c)" >&2
    exit 1
  fi
done

if [[ ! -f $DEMO/admin-password ]]; then
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DEMO/admin-password")
fi
ALPR_DEMO_PASSWORD=$(cat "$DEMO/admin-password")
export ALPR_DEMO_PASSWORD

echo "== 1. a drive-by clip: 4 vehicles, 5 s at 30 frames/s, 1280x720"
e2e_sequence "$DEMO/frames" 4 5 1280x720 "${ALPR_DEMO_SEED:-7}"
echo "   ${#FRAMES[@]} frames in $DEMO/frames; the vehicles' plates: ${PLATES[*]}"

echo "== 2. the store service on a new demo store: state $DEMO/state, key $DEMO/key"
e2e_store "$DEMO"
echo "   alpr-stored serving: members' socket $ALPR_SOCKET, reader's socket $ALPR_INGEST_SOCKET"
HOT=${PLATES[1]:-${PLATES[0]}}
e2e_hotlist "$DEMO" "$HOT"
echo "   administrator 'admin' (password in $DEMO/admin-password), hotlist 'demo' with $HOT (stolen vehicle)"
e2e_config "$DEMO/alprd.conf" 1280x720 DEMO-01

echo "== 3. the simulated USB board ($ENGINE engine) at 30 frames/s, alprd against it, its reads to the service"
args=()
for f in "${FRAMES[@]}"; do args+=(--image "$f"); done

# Pretty-print alprd's JSON lines as they come.
show() {
  while IFS= read -r line; do
    plate=$(sed -n 's/.*"plate":"\([^"]*\)".*/\1/p' <<<"$line")
    case $line in
    *'"event":"read"'*)
      conf=$(sed -n 's/.*"confidence":\([0-9.]*\).*/\1/p' <<<"$line")
      agree=$(sed -n 's/.*"frames_agree":\([0-9]*\).*/\1/p' <<<"$line")
      seen=$(sed -n 's/.*"frames_seen":\([0-9]*\).*/\1/p' <<<"$line")
      id=$(sed -n 's/.*"read_id":\([0-9]*\).*/\1/p' <<<"$line")
      printf '   READ  #%-3s %-9s confidence %s, %s of %s frames agreed\n' "$id" "$plate" "$conf" "$agree" "$seen"
      ;;
    *'"event":"alert"'*)
      reason=$(sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' <<<"$line")
      printf '   ALERT %-9s on the hotlist (%s): UNVERIFIED - confirm against the official database before any enforcement\n' "$plate" "$reason"
      echo "         $line"
      ;;
    *) echo "   $line" ;;
    esac
  done
}

# alprd's log, filtered as it comes. Opened here, in this shell, so that its end can be waited
# for alone (a bare `wait` would wait for the store service too).
exec {log_fd}> >(tee "$DEMO/alprd.log" |
  grep --line-buffered -E 'health|error|alprd [0-9]|board|stopping|store' | sed -u 's/^/   /' >&2)
log_filter=$!
"$SIMBOARD" --engine "$ENGINE" --fps 30 "${args[@]}" -- \
  "$ALPRD" --config "$DEMO/alprd.conf" --store-socket "$ALPR_INGEST_SOCKET" --idle-exit 3 \
  --show-reads 2>&"$log_fd" | show
exec {log_fd}>&-
wait "$log_filter" || true

echo "== 4. done. The store is the service's: $DEMO/state (encrypted; key $DEMO/key)"
n=$(grep -o 'summary frames=[0-9]* reads=[0-9]*' "$DEMO/alprd.log" | grep -o '[0-9]*$')
echo "   ${n:-no} reads stored for unit DEMO-01 (the clip had ${#PLATES[@]} vehicles: ${PLATES[*]});"
echo "   alprd's log: $DEMO/alprd.log, the service's: $DEMO/service.log"
cat <<EOF

The service stops with the demo. Query the store through it (every search is audited: purpose,
crime type and incident number are required):

  $STORED --state $DEMO/state --socket $DEMO/store.sock \\
    --ingest-socket $DEMO/ingest.sock --key-file $DEMO/key &
  export ALPR_SOCKET=$DEMO/store.sock ALPR_SESSION_FILE=$DEMO/session
  ALPR_PASSWORD=\$(cat $DEMO/admin-password) $ALPR login --user admin
  $ALPR search $HOT --purpose stolen-vehicle --crime vehicle-theft --incident DEMO-0001
  $ALPR search --unit DEMO-01 --from $(date -u +%F) --purpose investigation --crime robbery --incident 2026-000123
  $ALPR search --show 1 --image /tmp/read-1.png --purpose investigation --crime robbery --incident 2026-000123
  $ALPR alert list --state unverified --purpose stolen-vehicle --crime "stolen vehicle" --incident DEMO-0001
  $ALPR audit verify
  kill %1    # the service

EOF
