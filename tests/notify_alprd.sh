#!/usr/bin/env bash
# alprd under systemd's Type=notify protocol (sd_notify): a datagram socket stands in for
# systemd's ($NOTIFY_SOCKET, $WATCHDOG_USEC, $WATCHDOG_PID as systemd sets them). alprd must say
# READY=1 once its worker runs (naming the store service and whether it answered), STATUS= with
# the health line, WATCHDOG=1 at least every half watchdog period from the worker, and
# STOPPING=1 when it stops; without the watchdog variables meant for it, it must not ping; and
# with the store service down it is ready all the same, its STATUS saying the store is
# unreachable.
set -u
cd "$(dirname "$0")/.."
. tests/e2e_common.sh

work=$(mktemp -d "$E2E_ROOT/build/notify.XXXXXX")
listener=
trap '[[ -n $listener ]] && kill $listener 2>/dev/null; rm -rf "$work"' EXIT

# listen SOCKET LOG: records each datagram as one line (newlines inside shown as |).
listen() {
  perl -MIO::Socket::UNIX -MSocket -e '
    my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $ARGV[0]) or die "socket: $!";
    open(my $log, ">>", $ARGV[1]) or die; $log->autoflush(1);
    while (defined $s->recv(my $m, 65536)) { $m =~ s/\n+$//; $m =~ s/\n/|/g; print $log "$m\n" }
  ' "$1" "$2" &
  listener=$!
  for _ in $(seq 50); do [[ -S $1 ]] && return 0; sleep 0.1; done
  return 1
}

e2e_sequence "$work/frames" 2 3 640x360 11 || { e2e_bad "clip" "alpr scene failed"; e2e_finish; exit 1; }
e2e_config "$work/alprd.conf" 640x360 NOTIFY-01
e2e_store "$work/service" >/dev/null || { e2e_bad "store service" "did not start"; e2e_finish; exit 1; }

# run_alprd WATCHDOG_PID_MODE: alprd on the clip (3 s at 30 frames/s) under the fake systemd.
run_alprd() {
  : >"$work/notify.log" # truncated, not removed: the listener appends to it
  NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=400000 MODE=$1 \
    bash -c 'if [[ $MODE = self ]]; then export WATCHDOG_PID=$$; else export WATCHDOG_PID=1; fi
             exec "$0" "$@"' \
    "$ALPRD" --config "$work/alprd.conf" --sim-frames "$work/frames" --sim-fps 30 \
    --idle-exit 1 --health 1 "${@:2}" >"$work/out" 2>"$work/err"
}

if ! listen "$work/notify.sock" "$work/notify.log"; then
  e2e_bad "notify socket" "the listener did not start (perl IO::Socket::UNIX)"
  e2e_finish
  exit 1
fi

run_alprd self
rc=$?
sleep 0.3
e2e_check "alprd exits 0 under the notify protocol" test $rc = 0
head -1 "$work/notify.log" | cut -c1-100 | sed 's/^/     first: /'
e2e_check "the first message is READY=1" bash -c "head -1 '$work/notify.log' | grep -q '^READY=1'"
e2e_check "READY=1 comes once" test "$(grep -c 'READY=1' "$work/notify.log")" = 1
e2e_check "READY's STATUS names the store service, which answered" \
  grep -q "^READY=1|STATUS=running: unit NOTIFY-01, store service $ALPR_INGEST_SOCKET (ok)" "$work/notify.log"
e2e_check "STATUS carries the health line" grep -q '^STATUS=health frames=[0-9]* .* rss_kb=[0-9]' "$work/notify.log"
pings=$(grep -c '^WATCHDOG=1$' "$work/notify.log")
e2e_check "WATCHDOG=1 at least every 200 ms over the run ($pings pings)" test "$pings" -ge 10
e2e_check "STOPPING=1 when it stops" grep -q '^STOPPING=1' "$work/notify.log"
e2e_check "nothing after STOPPING but STATUS" \
  bash -c "grep -q '^STOPPING=1' '$work/notify.log' && ! sed '1,/^STOPPING=1/d' '$work/notify.log' | grep -qv '^STATUS='"

# The watchdog variables meant for another process (WATCHDOG_PID not alprd's): no pings.
run_alprd other
sleep 0.3
e2e_check "READY=1 without the watchdog too" grep -q '^READY=1' "$work/notify.log"
e2e_check "no WATCHDOG=1 when the watchdog is another process's" \
  bash -c "! grep -q '^WATCHDOG=1' '$work/notify.log'"

# No store service: ready all the same; the status says the store is unreachable. (It ends
# failing: reads it could not store.)
run_alprd self --store-socket "$work/no-service.sock"
rc=$?
sleep 0.3
e2e_check "no store service: READY=1 all the same, STATUS says unreachable" \
  grep -q '^READY=1|STATUS=running: .*no-service.sock (unreachable)' "$work/notify.log"
e2e_check "no store service: STATUS health lines say store=unreachable" \
  grep -q '^STATUS=health .* store=unreachable ' "$work/notify.log"
e2e_check "no store service: it still pings the watchdog" grep -q '^WATCHDOG=1$' "$work/notify.log"
e2e_check "no store service: the reads it holds make it exit 1 in the end" test "$rc" = 1

e2e_finish
