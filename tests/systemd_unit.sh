#!/usr/bin/env bash
# The Debian package under a real systemd (`make test-systemd`; not part of `make test`: it
# downloads a Debian system, a few minutes the first time, and needs root and systemd-nspawn).
#
# A minimal Debian 12 (debootstrap, kept in build/systemd-root for the next run) boots under
# systemd-nspawn; the package is installed with dpkg, and then, with systemd as PID 1 and the
# unit's whole sandbox applied:
#   - the install created the account and the private folders, and left the service disabled;
#   - alprd starts with no board: Type=notify says ready, STATUS says it waits for the board, the
#     store is created 0600 in the 0700 folder; systemctl stop is a clean stop (exit 0);
#   - with frames through the in-process board (a drop-in), the whole pipeline runs under the
#     sandbox (no system call refused, no restart) and stores reads, the watchdog being fed;
#   - a hung alprd (SIGSTOP) is killed by the watchdog and restarted;
#   - systemd-analyze security, on the running system, rates the unit below 2.0.
set -u
cd "$(dirname "$0")/.."
. tests/e2e_common.sh
. tests/install_common.sh

skip_all() {
  e2e_skipped "alprd under systemd" "$1"
  e2e_finish
  exit 0
}
[[ $(id -u) = 0 ]] || skip_all "needs root (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn missing (package systemd-container)"
command -v debootstrap >/dev/null || skip_all "debootstrap missing"

root=$E2E_ROOT/build/systemd-root
if [[ ! -e $root/.complete ]]; then
  echo "     debootstrap: a minimal Debian 12 in $root (once)"
  rm -rf "$root"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,udev,procps bookworm "$root" \
    http://deb.debian.org/debian >"$E2E_ROOT/build/debootstrap.log" 2>&1 ||
    skip_all "debootstrap failed (no Debian mirror?): build/debootstrap.log"
  touch "$root/.complete"
fi

deb=$B/deb/alpr_${ALPR_VERSION}_$(dpkg --print-architecture).deb
install_make deb >/dev/null 2>&1 ||
  { e2e_bad "make deb" "failed"; e2e_finish; exit 1; }

nspawn() { systemd-nspawn -q --register=no --keep-unit -D "$root" "$@"; }
# A fresh start: the package, the account and the store of an earlier run are removed first.
nspawn --pipe sh -c 'dpkg --purge alpr >/dev/null 2>&1; userdel alpr 2>/dev/null;
  groupdel alpr 2>/dev/null; rm -rf /var/lib/alpr /etc/alpr /etc/systemd/system/alprd.service.d /opt/clip' \
  >/dev/null 2>&1
cp "$deb" "$root/root/alpr.deb"
if out=$(nspawn --pipe sh -c 'apt-get update -qq && apt-get install -y -qq /root/alpr.deb' 2>&1); then
  e2e_ok "the package installs with apt (dependencies from the mirror)"
else
  e2e_bad "the package installs with apt" "$(tail -3 <<<"$out" | tr '\n' ' ')"
  e2e_finish
  exit 1
fi

# A drive-by clip at the configured size, for the in-process board.
e2e_sequence "$root/opt/clip" 4 5 1280x720 5 >/dev/null || { e2e_bad "clip" "alpr scene"; e2e_finish; exit 1; }

systemd-nspawn -q --register=no --keep-unit -D "$root" --boot >"$E2E_ROOT/build/nspawn.log" 2>&1 &
spawn=$!
trap 'kill $spawn 2>/dev/null; wait $spawn 2>/dev/null' EXIT
pid1=
ct() { nsenter -t "$pid1" -a "$@"; }
# descends PID ANCESTOR: whether PID is a descendant of ANCESTOR.
descends() {
  local p=$1
  while [[ -n $p && $p != 1 && $p != 0 ]]; do
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
    [[ $p = "$2" ]] && return 0
  done
  return 1
}
# The container's PID 1: the systemd that systemd-nspawn started.
for _ in $(seq 100); do
  pid1=$(for p in $(pgrep -x systemd); do descends "$p" "$spawn" && echo "$p"; done | head -1)
  [[ -n $pid1 && $(ct systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]] && break
  sleep 0.3
done
if [[ -z $pid1 ]]; then
  e2e_bad "the container boots" "$(tail -3 "$E2E_ROOT/build/nspawn.log" | tr '\n' ' ')"
  e2e_finish
  exit 1
fi
e2e_ok "the container boots systemd ($(ct systemctl is-system-running))"
prop() { ct systemctl show alprd -p "$1" --value; }

e2e_check "installed: user alpr" bash -c "nsenter -t $pid1 -a getent passwd alpr >/dev/null"
e2e_check "installed: /var/lib/alpr is 0700 alpr:alpr" \
  test "$(ct stat -c '%a %U:%G' /var/lib/alpr)" = "700 alpr:alpr"
e2e_check "installed: the service is not enabled" test "$(ct systemctl is-enabled alprd)" = disabled

# No board: ready, waiting; a stop is a clean stop.
ct systemctl start alprd
e2e_check "no board: systemctl start returns with the service active (READY=1)" \
  test "$(prop ActiveState)" = active
e2e_check "no board: STATUS says it waits for the board" bash -c "[[ '$(prop StatusText)' == *'waiting for the board'* ]]"
# The store service: its key sealed at installation, started by systemd, its files its own.
e2e_check "installed: the store's master key is a sealed credential, not a clear key" \
  bash -c "[[ \$(nsenter -t $pid1 -a stat -c %a /etc/alpr/store.key.cred) == 600 ]] &&
    ! nsenter -t $pid1 -a grep -Eq '^[0-9a-f]{64}$' /etc/alpr/store.key.cred"
ct systemctl start alpr-stored.socket alpr-stored-ingest.socket alpr-stored.service
e2e_check "the store service runs (READY=1) as alpr-store" \
  test "$(ct systemctl show alpr-stored -p ActiveState --value)/$(ct systemctl show alpr-stored -p User --value)" = "active/alpr-store"
e2e_check "the store is 0600 alpr-store in a 0700 folder" \
  test "$(ct stat -c '%a %U' /var/lib/alpr-store/alpr.db /var/lib/alpr-store)" = "600 alpr-store
700 alpr-store"
e2e_check "the members' socket is 0660 group alpr-users; the reader's 0660 group alpr" \
  test "$(ct stat -c '%a %G' /run/alpr-store/store.sock /run/alpr-store/ingest.sock)" = "660 alpr-users
660 alpr"
ct systemctl stop alprd
e2e_check "no board: systemctl stop is a clean stop (exit 0)" \
  test "$(prop Result)/$(prop ExecMainStatus)" = "success/0"

# Frames through the in-process board, the watchdog at 4 s.
ct mkdir -p /etc/systemd/system/alprd.service.d
ct sh -c 'cat >/etc/systemd/system/alprd.service.d/test.conf' <<'EOF'
[Service]
ExecStart=
ExecStart=/usr/sbin/alprd --config /etc/alpr/alprd.conf --sim-frames /opt/clip --sim-loop 0 --health 1
WatchdogSec=4
EOF
ct systemctl daemon-reload
ct systemctl start alprd
sleep 12
status=$(prop StatusText)
echo "     STATUS: ${status:0:150}"
reads=$(grep -o ' reads=[0-9]*' <<<"$status" | cut -d= -f2)
e2e_check "the pipeline runs under the sandbox and stores reads (${reads:-0})" test "${reads:-0}" -ge 2
e2e_check "no restart while it runs (the watchdog is fed)" test "$(prop NRestarts)" = 0
killed=$(ct journalctl -b -u alprd --no-pager | grep -cE 'code=(killed|dumped)|SIGSYS|status=31')
e2e_check "no process killed (no refused system call)" test "$killed" = 0

# Hung: the watchdog kills and restarts it.
main=$(prop MainPID)
host_pid=$(pgrep -f '^/usr/sbin/alprd ' | while read -r p; do
  [[ $(awk '/^NSpid/ { print $NF }' "/proc/$p/status") = "$main" ]] && echo "$p"; done)
kill -STOP "$host_pid"
sleep 10
e2e_check "a hung alprd is killed by the watchdog" \
  bash -c "nsenter -t $pid1 -a journalctl -b -u alprd --no-pager | grep -q \"Failed with result 'watchdog'\""
e2e_check "and restarted" test "$(prop NRestarts)" -ge 1
ct systemctl stop alprd

score=$(ct systemd-analyze security alprd 2>/dev/null | sed -n 's/.*Overall exposure level for alprd.service: \([0-9.]*\).*/\1/p')
echo "     systemd-analyze security (running system): ${score:-?}"
e2e_check "systemd-analyze security on the running system: below 2.0 (${score:-none})" \
  awk -v s="${score:-9}" 'BEGIN { exit !(s < 2.0) }'

ct systemctl poweroff >/dev/null 2>&1
wait $spawn 2>/dev/null
trap - EXIT
e2e_finish
