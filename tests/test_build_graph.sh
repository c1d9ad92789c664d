#!/usr/bin/env bash
# The build's dependency graph, as a fresh clone sees it.
#
# `make run` once failed on a fresh clone: host/alprd.mk's `run-demo: $(PROGRAMS)` was read
# before sim/usb.mk had added the simulated board to PROGRAMS (make expands a rule's
# prerequisites when it reads the rule, and the *.mk files are read in sorted order), so the demo
# started before alpr-simboard was built. It only worked once `make test` had built everything.
#
# This test asks make (rules database, dry runs; nothing is built) about an empty build folder:
#   1. every top-level target needs the same files whichever order the *.mk files are read in
#      (MK_ORDER=reverse reads them backwards): the graph cannot depend on include order;
#   2. the demo's dry run builds each program sim/run-demo.sh runs before running it;
#   3. `make` / `make all` does not install packages (it checks, and needs no root).
set -u
cd "$(dirname "$0")/.."
. tests/e2e_common.sh

# The plain build's graph, whatever make this runs under (make SANITIZE=... test passes its
# variables down in MAKEFLAGS).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory SANITIZE= "$@"; }

mkdir -p "$E2E_ROOT/build"
fresh=$(mktemp -d "$E2E_ROOT/build/graph.XXXXXX")
trap 'rm -rf "$fresh"' EXIT

# The rules database for BUILD=$fresh with the given include order: "target: prerequisites".
rules() {
  mk -pq BUILD="$fresh" MK_ORDER="$1" DESTDIR="$fresh/root" deps-check \
    2>/dev/null |
    awk '/^# Files/ { files = 1 } files && /^[^#\t ][^=]*:([^=]|$)/'
}

# closure RULES TARGET: every file TARGET needs, directly or not (order-only ones included).
closure() {
  awk -v goal="$2" '
    {
      t = $1; sub(/:+$/, "", t)
      for (i = 2; i <= NF; i++) if ($i != "|") deps[t] = deps[t] " " $i
    }
    END {
      todo[goal] = 1; seen[goal] = 1
      while (length(todo)) {
        for (t in todo) break
        delete todo[t]
        n = split(deps[t], d, " ")
        for (i = 1; i <= n; i++) if (!(d[i] in seen)) { seen[d[i]] = 1; todo[d[i]] = 1 }
      }
      for (s in seen) if (s != goal) print s
    }' "$1" | sort
}

rules sorted >"$fresh/rules.sorted"
rules reverse >"$fresh/rules.reverse"
e2e_check "the rules database was read (sorted order)" test -s "$fresh/rules.sorted"
e2e_check "the rules database was read (reverse order)" test -s "$fresh/rules.reverse"

for target in build run-demo test-run bench-run install-files deb-files; do
  closure "$fresh/rules.sorted" "$target" >"$fresh/$target.sorted"
  closure "$fresh/rules.reverse" "$target" >"$fresh/$target.reverse"
  if [[ ! -s $fresh/$target.sorted ]]; then
    e2e_bad "$target needs the same files in either include order" "no prerequisites found"
  elif diff -u "$fresh/$target.sorted" "$fresh/$target.reverse" >"$fresh/$target.diff"; then
    e2e_ok "$target needs the same $(wc -l <"$fresh/$target.sorted") files in either include order"
  else
    e2e_bad "$target needs the same files in either include order" \
      "$(grep -E '^[-+][^-+]' "$fresh/$target.diff" | head -5 | tr '\n' ' ')"
  fi
done

# The demo: every program the script checks for is built before the script runs, in either order.
mapfile -t needed < <(sed -n 's/^for p in \(.*\); do$/\1/p' sim/run-demo.sh | tr -d '"' | tr ' ' '\n')
e2e_check "sim/run-demo.sh names the programs it needs" test "${#needed[@]}" -ge 3
for order in sorted reverse; do
  mk -n BUILD="$fresh" MK_ORDER=$order run-demo >"$fresh/demo.$order" 2>&1
  demo_line=$(grep -n 'sim/run-demo.sh' "$fresh/demo.$order" | head -1 | cut -d: -f1)
  for var in "${needed[@]}"; do
    prog="$fresh/$(basename "$(ALPR_BUILD=build bash -c ". tests/e2e_common.sh; echo $var")")"
    link_line=$(grep -n -- "-o $prog\( \|$\)" "$fresh/demo.$order" | head -1 | cut -d: -f1)
    if [[ -n $demo_line && -n $link_line && $link_line -lt $demo_line ]]; then
      e2e_ok "make run-demo ($order) builds $(basename "$prog") before the demo runs"
    else
      e2e_bad "make run-demo ($order) builds $(basename "$prog") before the demo runs" \
        "link at line ${link_line:-none}, demo at line ${demo_line:-none}"
    fi
  done
done

# `make all` checks packages and never calls apt-get or sudo.
mk -n BUILD="$fresh" all >"$fresh/all.dry" 2>&1
e2e_check "make all does not install packages" bash -c "! grep -q 'apt-get' '$fresh/all.dry'"
e2e_check "make all checks the build packages" grep -q 'missing Debian packages' "$fresh/all.dry"

e2e_finish
