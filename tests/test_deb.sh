#!/usr/bin/env bash
# `make deb` (docs/INSTALL.md): builds the two packages, lists and extracts them with dpkg-deb,
# checks the unit's tree as tests/test_install.sh does (Debian's paths, compressed pages), the
# control fields (version, the libraries' packages from dpkg-shlibdeps), the conffile and the
# maintainer scripts, and runs lintian: no error.
set -u
cd "$(dirname "$0")/.."
. tests/e2e_common.sh
. tests/install_common.sh

work=$(mktemp -d "$E2E_ROOT/build/deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
version=$ALPR_VERSION
arch=$(dpkg --print-architecture)

if ! install_make deb >"$work/deb.log" 2>&1; then
  e2e_bad "make deb" "$(tail -5 "$work/deb.log" | tr '\n' ' ')"
  e2e_finish
  exit 1
fi
unit_deb=$B/deb/alpr_${version}_$arch.deb
sim_deb=$B/deb/alpr-simboard_${version}_$arch.deb
e2e_check "make deb built $(basename "$unit_deb")" test -s "$unit_deb"
e2e_check "make deb built $(basename "$sim_deb")" test -s "$sim_deb"

# dpkg-deb lists and extracts them.
dpkg-deb -c "$unit_deb" >"$work/list" 2>&1
e2e_check "dpkg-deb -c lists the unit's package" grep -q ' ./usr/sbin/alprd$' "$work/list"
e2e_check "the package's files belong to root" bash -c "! awk '\$2 != \"root/root\"' '$work/list' | grep -q ."
dpkg-deb -x "$unit_deb" "$work/root"
check_tree "$work/root" /usr /lib/systemd/system /lib/udev/rules.d /usr/lib .gz
check_activation "$work/root"
e2e_check "copyright and changelog in /usr/share/doc/alpr" \
  test -f "$work/root/usr/share/doc/alpr/copyright" -a -f "$work/root/usr/share/doc/alpr/changelog.gz"
e2e_check "the programs are stripped" \
  bash -c "! readelf -S '$work/root/usr/sbin/alprd' '$work/root/usr/bin/alpr' | grep -q '\.symtab'"
e2e_check "the unit's package has no alpr-simboard" test ! -e "$work/root/usr/bin/alpr-simboard"
dpkg-deb -x "$sim_deb" "$work/sim"
e2e_check "alpr-simboard is in its own package" test -x "$work/sim/usr/bin/alpr-simboard"
e2e_check "alpr-simboard's page goes with it" test -f "$work/sim/usr/share/man/man1/alpr-simboard.1.gz"
e2e_check "alpr-simboard's package has its copyright" test -f "$work/sim/usr/share/doc/alpr-simboard/copyright"

# Control fields: the one version, dependencies from the libraries the programs link.
field() { dpkg-deb -f "$1" "$2"; }
e2e_check "Version is $version (host/version.h)" test "$(field "$unit_deb" Version)" = "$version"
depends=$(field "$unit_deb" Depends)
echo "     Depends: $depends"
for lib in libc6 libusb-1.0-0 libsqlite3-0 libsodium23 libsystemd0 libpng16-16 libjpeg62-turbo \
  libfreetype6 systemd; do
  e2e_check "alpr depends on $lib" grep -q "\(^\|, \)$lib\( \|,\|$\)" <<<"$depends"
done
sim_depends=$(field "$sim_deb" Depends)
e2e_check "alpr-simboard depends on alpr (= $version) and umockdev" \
  bash -c "grep -q 'alpr (= $version)' <<<'$sim_depends' && grep -q 'umockdev' <<<'$sim_depends'"

# Maintainer scripts and conffiles.
dpkg-deb -e "$unit_deb" "$work/control"
e2e_check "conffiles: /etc/alpr/alprd.conf" grep -qx /etc/alpr/alprd.conf "$work/control/conffiles"
for s in postinst prerm postrm; do
  e2e_check "$s is a valid shell script" sh -n "$work/control/$s"
done
e2e_check "postinst creates the account and folders (sysusers, tmpfiles)" \
  bash -c "grep -q 'systemd-sysusers alpr.conf' '$work/control/postinst' &&
           grep -q 'systemd-tmpfiles --create alpr.conf' '$work/control/postinst'"
e2e_check "postinst reloads udev and systemd" \
  bash -c "grep -q 'udevadm control --reload-rules' '$work/control/postinst' &&
           grep -q 'systemctl daemon-reload' '$work/control/postinst'"
e2e_check "postinst never enables the service" \
  bash -c "! grep -Eq '(systemctl|deb-systemd-helper)( --?[a-z]+)* (enable|start)' '$work/control/postinst'"

# lintian: no error. Warnings are printed; docs/INSTALL.md lists the ones accepted and why.
if ! command -v lintian >/dev/null; then
  e2e_skipped "lintian" "not installed (make deps)"
else
  for deb in "$unit_deb" "$sim_deb"; do
    lintian --tag-display-limit 0 "$deb" >"$work/lintian" 2>&1
    sed 's/^/     /' "$work/lintian"
    errors=$(grep -c '^E:' "$work/lintian")
    e2e_check "lintian $(basename "$deb"): no error ($errors)" test "$errors" = 0
  done
fi

e2e_finish
