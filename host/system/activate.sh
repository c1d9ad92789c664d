#!/bin/sh
# Activates an installed unit: creates the service account and its folders from the installed
# sysusers.d and tmpfiles.d files (both named alpr.conf), makes udev apply the board's rule to a
# board already plugged in, and makes systemd read the unit. The one definition of these steps:
# `make install` (as root, no DESTDIR) runs it, and the Debian package's postinst is built from it.
# It never enables or starts the service: the unit needs its configuration first.
#
# usage: activate.sh [--root DIR]
#   --root DIR   act on the system image in DIR (tests): account and folders only
set -eu
root=
if [ "${1-}" = --root ]; then
  root=$2
  shift 2
fi
if [ -n "$root" ]; then
  systemd-sysusers --root="$root" alpr.conf
  systemd-tmpfiles --root="$root" --create alpr.conf
  exit 0
fi
systemd-sysusers alpr.conf
systemd-tmpfiles --create alpr.conf
# The store's master key: made once, never written in clear to the disk. It goes straight into
# an encrypted credential sealed to this machine (the TPM2 when there is one, else the host key
# /var/lib/systemd/credential.secret: see docs/STORE.md for what each protects against).
cred=/etc/alpr/store.key.cred
if [ ! -e "$cred" ] && command -v systemd-creds >/dev/null 2>&1; then
  mkdir -p /etc/alpr
  (umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' |
    systemd-creds encrypt --name=store.key - "$cred")
  echo "activate: sealed a new store master key in $cred"
fi
if [ -d /run/udev ] && command -v udevadm >/dev/null 2>&1; then
  udevadm control --reload-rules
  udevadm trigger --subsystem-match=usb --attr-match=idVendor=1209 --attr-match=idProduct=0001 || :
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
