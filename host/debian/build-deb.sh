#!/usr/bin/env bash
# Builds the Debian packages from a tree that `make install` staged (run by `make deb`; see
# host/deb.mk and docs/INSTALL.md). Debian's own tools do the packaging work: dpkg-shlibdeps
# declares the libraries the programs link, dpkg-gencontrol writes each control file from
# host/debian/control, dpkg-deb builds the archives.
#
#   build-deb.sh STAGE OUT VERSION
#     STAGE/root   the tree `make install DESTDIR=STAGE/root PREFIX=/usr ...` made
#     OUT          where the .deb files go
#
# Two packages: alpr (the roadside unit) and alpr-simboard (engineers; it pulls in umockdev and
# the Verilated board, which a roadside unit does not need).
set -euo pipefail
cd "$(dirname "$0")/../.."

stage=$(realpath -m "$1") out=$(realpath -m "$2") version=$3
root=$stage/root
[[ -x $root/usr/bin/alpr && -x $root/usr/sbin/alprd ]] || {
  echo "build-deb: $root is not an installed tree (run \`make deb\`)" >&2
  exit 1
}
arch=$(dpkg --print-architecture)
src=$stage/src # what dpkg-shlibdeps and dpkg-gencontrol expect: debian/control, debian/changelog
rm -rf "$src" "$stage/alpr" "$stage/alpr-simboard"
mkdir -p "$src/debian" "$out"
cp host/debian/control "$src/debian/control"

# The changelog carries the one version (host/version.h) and the date of the commit built.
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
{
  echo "alpr ($version) unstable; urgency=medium"
  echo
  echo "  * Release $version of the edge ALPR stack (README.md, docs/)."
  echo
  echo " -- $(sed -n 's/^Maintainer: //p' host/debian/control)  $date"
} >"$src/debian/changelog"

# Split the staged tree: alpr-simboard and its page go to their own package.
mv "$root" "$stage/alpr"
pkg_sim=$stage/alpr-simboard
mkdir -p "$pkg_sim/usr/bin"
mv "$stage/alpr/usr/bin/alpr-simboard" "$pkg_sim/usr/bin/"
if [[ -e $stage/alpr/usr/share/man/man1/alpr-simboard.1 ]]; then
  mkdir -p "$pkg_sim/usr/share/man/man1"
  mv "$stage/alpr/usr/share/man/man1/alpr-simboard.1" "$pkg_sim/usr/share/man/man1/"
fi

# elves DIR: the ELF files under DIR, in ELVES.
elves() {
  ELVES=()
  local f
  while IFS= read -r -d '' f; do
    [[ $(LC_ALL=C head -c 4 "$f") == $'\x7fELF' ]] && ELVES+=("$f")
  done < <(find "$1" -type f -print0)
  return 0
}

for pkg in alpr alpr-simboard; do
  d=$stage/$pkg
  doc=$d/usr/share/doc/$pkg
  mkdir -p "$doc" "$d/DEBIAN"
  # Debian's conventions (what dh_strip, dh_compress and dh_installchangelogs do).
  elves "$d"
  strip --remove-section=.comment --remove-section=.note --strip-unneeded "${ELVES[@]}"
  find "$d/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} + 2>/dev/null || :
  find "$doc" -type f -name '*.md' -size +4k -exec gzip -9n {} +
  install -m 0644 host/debian/copyright "$doc/copyright"
  gzip -9nc "$src/debian/changelog" >"$doc/changelog.gz"
  chmod 0644 "$doc/changelog.gz"
  find "$d" -type d -exec chmod 0755 {} +

  # Libraries the ELF files link -> ${shlibs:Depends}.
  if ! (cd "$src" && dpkg-shlibdeps -T"debian/$pkg.substvars" "${ELVES[@]/#/-e}") 2>"$stage/shlibdeps.log"; then
    cat "$stage/shlibdeps.log" >&2
    exit 1
  fi
  (cd "$src" && dpkg-gencontrol -p"$pkg" -T"debian/$pkg.substvars" -P"$d")
done

# The unit's maintainer scripts and its configuration file.
install -m 0755 host/debian/prerm host/debian/postrm "$stage/alpr/DEBIAN/"
{
  sed -n '1,/^#ACTIVATE#$/p' host/debian/postinst.in | sed '$d'
  sed -e '1,/^set -eu$/d' host/system/activate.sh | sed 's/^/    /'
  sed -n '/^#ACTIVATE#$/,$p' host/debian/postinst.in | sed '1d'
} >"$stage/alpr/DEBIAN/postinst"
chmod 0755 "$stage/alpr/DEBIAN/postinst"
(cd "$stage/alpr" && find etc -type f | sed 's|^|/|') >"$stage/alpr/DEBIAN/conffiles"

for pkg in alpr alpr-simboard; do
  d=$stage/$pkg
  (cd "$d" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$d/DEBIAN/md5sums"
  chmod 0644 "$d/DEBIAN/md5sums" "$d/DEBIAN/control"
  deb=$out/${pkg}_${version}_$arch.deb
  dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >/dev/null
  echo "built $deb ($(du -k "$deb" | cut -f1) KiB)"
done
