# Shared by tests/test_install.sh and tests/test_deb.sh (sourced after tests/e2e_common.sh): what
# an installed unit must hold, checked the same way whether `make install` or the Debian package
# put it there.

# The one version (host/version.h), as the programs and the package report it.
ALPR_VERSION=$(sed -n 's/^#define ALPR_VERSION "\([^"]*\)".*/\1/p' "$E2E_ROOT/host/version.h")

# install_make ARGS...: make in the project for this build (build/ or build/san-*).
install_make() {
  local b=${B#"$E2E_ROOT/"} sel
  if [[ $b == */san-* ]]; then
    sel=("BUILD=${b%/san-*}" "SANITIZE=$(tr - , <<<"${b##*/san-}")")
  else
    sel=("BUILD=$b")
  fi
  make --no-print-directory -C "$E2E_ROOT" "${sel[@]}" "$@"
}

# check_tree ROOT PREFIX UNITDIR UDEVDIR LIBDIR MANSUFFIX: every file of the unit is in ROOT with
# its mode. LIBDIR holds sysusers.d and tmpfiles.d; MANSUFFIX is "" or ".gz".
check_tree() {
  local root=$1 prefix=$2 unitdir=$3 udevdir=$4 libdir=$5 gz=$6 entry path mode
  local -a want=(
    "$prefix/bin/alpr:755"
    "$prefix/sbin/alprd:755"
    "$prefix/sbin/alpr-stored:755"
    "/etc/alpr/alprd.conf:644"
    "$unitdir/alprd.service:644"
    "$unitdir/alpr-stored.service:644"
    "$unitdir/alpr-stored.socket:644"
    "$unitdir/alpr-stored-ingest.socket:644"
    "$udevdir/60-alpr-board.rules:644"
    "$libdir/sysusers.d/alpr.conf:644"
    "$libdir/tmpfiles.d/alpr.conf:644"
    "$prefix/share/man/man1/alpr.1$gz:644"
    "$prefix/share/man/man8/alprd.8$gz:644"
    "$prefix/share/man/man8/alpr-stored.8$gz:644"
    "$prefix/share/man/man5/alprd.conf.5$gz:644"
    "$prefix/share/bash-completion/completions/alpr:644"
  )
  for entry in "${want[@]}"; do
    path=${entry%:*} mode=${entry##*:}
    if [[ ! -f $root$path ]]; then
      e2e_bad "installed $path" "missing"
    elif [[ $(stat -c %a "$root$path") != "$mode" ]]; then
      e2e_bad "installed $path" "mode $(stat -c %a "$root$path"), want $mode"
    else
      e2e_ok "installed $path ($mode)"
    fi
  done
  e2e_check "installed docs: README.md" test -n "$(ls "$root$prefix/share/doc/alpr/" | grep -E '^README\.md')"
  local bad
  bad=$(find "$root" -type f -perm /022 -printf '%P ' 2>/dev/null)
  e2e_check "no installed file is group- or world-writable${bad:+: $bad}" test -z "$bad"
  bad=$(find "$root" -perm /6000 -printf '%P ' 2>/dev/null)
  e2e_check "no installed file is set-uid or set-gid${bad:+: $bad}" test -z "$bad"

  # The programs run from where they were installed, and report the one version.
  e2e_check "installed alpr --version says $ALPR_VERSION" \
    bash -c "[[ \$('$root$prefix/bin/alpr' --version) == 'alpr $ALPR_VERSION' ]]"
  e2e_check "installed alprd --version says $ALPR_VERSION" \
    bash -c "[[ \$('$root$prefix/sbin/alprd' --version) == 'alprd $ALPR_VERSION' ]]"
  # The installed service is not the test build: it has no test clock.
  e2e_check "installed alpr-stored --version says $ALPR_VERSION (not a test build)" \
    bash -c "[[ \$('$root$prefix/sbin/alpr-stored' --version) == 'alpr-stored $ALPR_VERSION' ]]"
  e2e_check "installed alpr-stored holds no test-clock code" \
    bash -c "! grep -q 'clock set by requests' '$root$prefix/sbin/alpr-stored'"

  # The unit starts the installed daemon with the installed configuration.
  local unit=$root$unitdir/alprd.service
  e2e_check "the unit starts $prefix/sbin/alprd with /etc/alpr/alprd.conf" \
    grep -qx "ExecStart=$prefix/sbin/alprd --config /etc/alpr/alprd.conf" "$unit"
  e2e_check "the unit has no @...@ left" bash -c "! grep -q '@[A-Z]*@' '$unit'"
  check_unit "$root" "$unitdir" alprd.service Type=notify LimitCORE=0 UMask=0077 \
    StateDirectoryMode=0700 NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
    ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes \
    'RestrictAddressFamilies=AF_UNIX AF_NETLINK' SystemCallFilter=@system-service \
    DevicePolicy=closed 'DeviceAllow=char-usb_device rw' User=alpr WatchdogSec=
  # The store service: its own account, its key sealed, no devices, no network.
  unit=$root$unitdir/alpr-stored.service
  e2e_check "the store's unit starts $prefix/sbin/alpr-stored, reader account alpr" \
    grep -qx "ExecStart=$prefix/sbin/alpr-stored --state /var/lib/alpr-store --ingest-user alpr" "$unit"
  e2e_check "the store's unit has no @...@ left" bash -c "! grep -q '@[A-Z]*@' '$unit'"
  check_unit "$root" "$unitdir" alpr-stored.service Type=notify LimitCORE=0 UMask=0077 \
    StateDirectoryMode=0700 NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
    PrivateDevices=yes PrivateNetwork=yes 'RestrictAddressFamilies=AF_UNIX' \
    SystemCallFilter=@system-service User=alpr-store \
    'LoadCredentialEncrypted=store.key:/etc/alpr/store.key.cred' WatchdogSec=
  local sock=$root$unitdir/alpr-stored.socket
  e2e_check "the members' socket: group alpr-users, mode 0660, named store" \
    bash -c "grep -qx SocketGroup=alpr-users '$sock' && grep -qx SocketMode=0660 '$sock' &&
      grep -qx FileDescriptorName=store '$sock'"
  sock=$root$unitdir/alpr-stored-ingest.socket
  e2e_check "the reader's socket: group alpr, mode 0660, named ingest" \
    bash -c "grep -qx SocketGroup=alpr '$sock' && grep -qx SocketMode=0660 '$sock' &&
      grep -qx FileDescriptorName=ingest '$sock'"

  # The udev rule names the board the driver opens, and the group sysusers creates.
  local vid pid rule=$root$udevdir/60-alpr-board.rules
  vid=$(sed -n 's/^#define WIRE_USB_VID *0x\([0-9a-fA-F]*\).*/\1/p' "$E2E_ROOT/driver/wire.h")
  pid=$(sed -n 's/^#define WIRE_USB_PID *0x\([0-9a-fA-F]*\).*/\1/p' "$E2E_ROOT/driver/wire.h")
  e2e_check "the udev rule matches the board $vid:$pid (driver/wire.h)" \
    grep -q "ATTR{idVendor}==\"$vid\", ATTR{idProduct}==\"$pid\"" "$rule"
  e2e_check "the udev rule gives the node to group alpr, mode 0660" \
    grep -q 'GROUP="alpr", MODE="0660"' "$rule"
  e2e_check "the udev rule has one rule line" \
    test "$(grep -cv '^\s*\(#\|$\)' "$rule")" = 1
}

# check_unit ROOT UNITDIR NAME DIRECTIVE...: systemd accepts the unit NAME and rates its exposure
# below 2.0, and the unit sets each DIRECTIVE (a line prefix).
check_unit() {
  local root=$1 unitdir=$2 name=$3 out score vroot
  shift 3
  # verify: the unit's syntax, directives and dependencies, in a copy of the tree that also holds
  # the host's units (the targets every service depends on); the man: links are the man page
  # test's business.
  vroot=$(mktemp -d "$E2E_ROOT/build/verify.XXXXXX")
  cp -a "$root/." "$vroot/" && mkdir -p "$vroot/lib/systemd" && cp -a /lib/systemd/system "$vroot/lib/systemd/"
  # It exits 0 on directives it ignores ("Failed to parse ..., ignoring"): any output fails.
  if out=$(systemd-analyze verify --man=no --root="$vroot" "$vroot$unitdir/$name" 2>&1) &&
    [[ -z $out ]]; then
    e2e_ok "systemd-analyze verify $name"
  else
    e2e_bad "systemd-analyze verify $name" "$(head -3 <<<"$out" | tr '\n' ' ')"
  fi
  rm -rf "$vroot"
  out=$(systemd-analyze security --offline=yes --root="$root" "$root$unitdir/$name" 2>&1)
  score=$(sed -n "s/.*Overall exposure level for $name: \\([0-9.]*\\).*/\\1/p" <<<"$out")
  if [[ -n $score ]] && awk -v s="$score" 'BEGIN { exit !(s < 2.0) }'; then
    e2e_ok "systemd-analyze security $name: exposure $score (below 2.0)"
  else
    e2e_bad "systemd-analyze security $name: exposure below 2.0" "got '${score:-none}': $(tail -2 <<<"$out")"
  fi
  local d
  for d in "$@"; do
    e2e_check "$name sets $d" grep -q "^$d" "$root$unitdir/$name"
  done
}

# check_activation ROOT: the shipped sysusers.d and tmpfiles.d files (found under ROOT, as a
# system finds them), applied to ROOT, create the account and the private folders.
check_activation() {
  local root=$1 out uid
  if [[ $(id -u) != 0 ]]; then
    e2e_skipped "activation (account, folders)" "needs root to give the folders their owner"
    return
  fi
  mkdir -p "$root/etc"
  if ! out=$("$E2E_ROOT/host/system/activate.sh" --root "$root" 2>&1); then
    e2e_bad "activate.sh --root creates the account and folders" "$out"
    return
  fi
  e2e_check "sysusers: user alpr, no login shell, home /var/lib/alpr" \
    grep -Eq '^alpr:x:[0-9]+:[0-9]+:[^:]*:/var/lib/alpr:/usr/sbin/nologin$' "$root/etc/passwd"
  e2e_check "sysusers: group alpr" grep -Eq '^alpr:x:[0-9]+:' "$root/etc/group"
  e2e_check "sysusers: alpr cannot log on with a password" grep -Eq '^alpr:!' "$root/etc/shadow"
  uid=$(awk -F: '$1 == "alpr" { print $3 }' "$root/etc/passwd")
  local dir
  for dir in /var/lib/alpr /run/alpr; do
    e2e_check "tmpfiles: $dir is 0700, owned by alpr ($uid)" \
      test "$(stat -c '%a %u' "$root$dir" 2>/dev/null)" = "700 $uid"
  done
  e2e_check "sysusers: user alpr-store, no login shell, home /var/lib/alpr-store" \
    grep -Eq '^alpr-store:x:[0-9]+:[0-9]+:[^:]*:/var/lib/alpr-store:/usr/sbin/nologin$' "$root/etc/passwd"
  e2e_check "sysusers: group alpr-users (who may reach the store's socket)" \
    grep -Eq '^alpr-users:x:[0-9]+:' "$root/etc/group"
  uid=$(awk -F: '$1 == "alpr-store" { print $3 }' "$root/etc/passwd")
  e2e_check "tmpfiles: /var/lib/alpr-store is 0700, owned by alpr-store ($uid)" \
    test "$(stat -c '%a %u' "$root/var/lib/alpr-store" 2>/dev/null)" = "700 $uid"
}
