#!/usr/bin/env bash
# Synthesis of the board pipeline for the iCE40 HX8K (ct256): Yosys synth_ice40, then
# nextpnr-ice40 over several placement seeds. Prints per seed the achieved Fmax, logic cells and
# block RAMs from nextpnr's --report JSON, and ends with one line a script can parse:
#   synth: part=hx8k fmax_min_mhz=... fmax_max_mhz=... lc=.../7680 bram=.../32
# Usage: rtl/synth.sh [OUTDIR] (default build/synth); SEEDS="1 2 3" overrides the seeds.
set -euo pipefail
out=${1:-build/synth}
seeds=${SEEDS:-1 2 3 4 5}
freq=${FREQ_MHZ:-82}
mkdir -p "$out"
srcs=$(ls rtl/*.v | tr '\n' ' ')
yosys -q -l "$out/yosys.log" -p "read_verilog -Irtl $srcs; synth_ice40 -top alpr_board -json $out/alpr_board.json" >/dev/null
# one number from a nextpnr report: field path like fmax/achieved or ICESTORM_LC/used
field() { # file key subkey
  tr -d ' \n' <"$1" | grep -o "\"$2\":{[^}]*}" | head -n1 | grep -o "\"$3\":[0-9.]*" | cut -d: -f2
}
fmin="" fmax="" lc="" bram=""
for s in $seeds; do
  rep="$out/report_$s.json"
  nextpnr-ice40 --hx8k --package ct256 --json "$out/alpr_board.json" --seed "$s" \
    --freq "$freq" --timing-allow-fail --report "$rep" -q -l "$out/nextpnr_$s.log" >/dev/null 2>&1 || {
      echo "synth: nextpnr failed for seed $s (see $out/nextpnr_$s.log)" >&2; exit 1; }
  f=$(tr -d ' \n' <"$rep" | grep -o '"achieved":[0-9.]*' | head -n1 | cut -d: -f2)
  l=$(field "$rep" ICESTORM_LC used)
  b=$(field "$rep" ICESTORM_RAM used)
  printf 'seed %s: fmax %.2f MHz, lc %s/7680, bram %s/32\n' "$s" "$f" "$l" "$b"
  if [ -z "$fmin" ] || awk "BEGIN{exit !($f < $fmin)}"; then fmin=$f; fi
  if [ -z "$fmax" ] || awk "BEGIN{exit !($f > $fmax)}"; then fmax=$f; fi
  lc=$l bram=$b
done
printf 'synth: part=hx8k fmax_min_mhz=%.2f fmax_max_mhz=%.2f lc=%s/7680 bram=%s/32\n' \
  "$fmin" "$fmax" "$lc" "$bram"
