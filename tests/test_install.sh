#!/usr/bin/env bash
# `make install` into a DESTDIR and `make uninstall` (docs/INSTALL.md): every file of the unit
# in place with its mode, the installed programs run, systemd accepts the unit and rates it below
# 2.0, the shipped sysusers.d / tmpfiles.d files create the account and private folders, an
# administrator's configuration survives a reinstall and an uninstall, and uninstall removes
# exactly what install put there.
set -u
cd "$(dirname "$0")/.."
. tests/e2e_common.sh
. tests/install_common.sh

work=$(mktemp -d "$E2E_ROOT/build/install.XXXXXX")
trap 'rm -rf "$work"' EXIT

dest=$work/root
if ! install_make install DESTDIR="$dest" >"$work/install.log" 2>&1; then
  e2e_bad "make install DESTDIR=..." "$(tail -5 "$work/install.log" | tr '\n' ' ')"
  e2e_finish
  exit 1
fi
e2e_ok "make install DESTDIR=... PREFIX=/usr/local (default)"
check_tree "$dest" /usr/local /usr/local/lib/systemd/system /usr/local/lib/udev/rules.d \
  /usr/local/lib ""
e2e_check "alpr-simboard installed (755)" test "$(stat -c %a "$dest/usr/local/bin/alpr-simboard")" = 755
e2e_check "alpr-simboard.1 installed (644)" \
  test "$(stat -c %a "$dest/usr/local/share/man/man1/alpr-simboard.1")" = 644
e2e_check "the example configuration is installed with the docs" \
  cmp -s docs/alprd.conf.example "$dest/usr/local/share/doc/alpr/alprd.conf.example"
e2e_check "install into a DESTDIR activates nothing" test ! -e "$dest/etc/passwd"

# PREFIX moves everything but /etc, and the unit follows it.
install_make install DESTDIR="$work/usr-root" PREFIX=/usr >"$work/install-usr.log" 2>&1
e2e_check "PREFIX=/usr: alprd in /usr/sbin, the unit starts it" \
  grep -qx 'ExecStart=/usr/sbin/alprd --config /etc/alpr/alprd.conf' \
  "$work/usr-root/usr/lib/systemd/system/alprd.service"

# The account and folders, as a system would make them from the installed files (in a copy:
# the uninstall checks below want the tree as install left it).
cp -a "$dest" "$work/active"
check_activation "$work/active"

# The administrator's configuration is theirs: a reinstall keeps it, uninstall keeps it.
echo "unit = UNIT-77" >>"$dest/etc/alpr/alprd.conf"
install_make install DESTDIR="$dest" >"$work/reinstall.log" 2>&1
e2e_check "a reinstall keeps a changed configuration" grep -qx 'unit = UNIT-77' "$dest/etc/alpr/alprd.conf"
e2e_check "a reinstall says it kept it" grep -q "kept $dest/etc/alpr/alprd.conf" "$work/reinstall.log"

# Uninstall removes exactly what was installed: not a file it did not put there.
touch "$dest/usr/local/bin/not-ours"
install_make uninstall DESTDIR="$dest" >"$work/uninstall.log" 2>&1
e2e_check "uninstall keeps a changed configuration" grep -qx 'unit = UNIT-77' "$dest/etc/alpr/alprd.conf"
e2e_check "uninstall says it kept it" grep -q "kept $dest/etc/alpr/alprd.conf" "$work/uninstall.log"
e2e_check "uninstall leaves a file it did not install" test -f "$dest/usr/local/bin/not-ours"
rm -f "$dest/usr/local/bin/not-ours" "$dest/etc/alpr/alprd.conf"
install_make uninstall DESTDIR="$dest" >/dev/null 2>&1
left=$(find "$dest" \( -type f -o -type l \) -printf '%P ')
e2e_check "uninstall removed every installed file${left:+ (left: $left)}" test -z "$left"
e2e_check "uninstall removed the unit's own folders" \
  bash -c "[[ ! -e '$dest/usr/local/share/doc/alpr' && ! -e '$dest/etc/alpr' ]]"

# An unchanged configuration goes with the rest.
install_make install DESTDIR="$work/again" >/dev/null 2>&1 && install_make uninstall DESTDIR="$work/again" >/dev/null 2>&1
left=$(find "$work/again" \( -type f -o -type l \) -printf '%P ')
e2e_check "install then uninstall leaves no file${left:+ (left: $left)}" test -z "$left"

e2e_finish
