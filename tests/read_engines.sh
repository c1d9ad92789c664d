#!/usr/bin/env bash
# `alpr read --engine usb` (under the simulated USB board, C model and Verilated RTL) and
# `--engine sim` print the same plates as `--engine model` on small synthetic frames; exit codes
# and errors without a board, without alpr-simboard and for a frame larger than the board's.
# Usage: tests/read_engines.sh [BUILD_DIR] (default build, or $ALPR_BUILD).
# Prints one line per check and the closing "N passed, N failed, N skipped" line.
set -u
B=${1:-${ALPR_BUILD:-build}}
ALPR="$B/alpr"
SIM="$B/alpr-simboard"
pass=0 fail=0 skip=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
skipped() { echo "skip $1"; skip=$((skip + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; ((fail == 0)); exit $?; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ ! -x $ALPR || ! -x $SIM ]]; then
  skipped "engines: $ALPR or $SIM not built"
  finish
fi
# Three 640x360 frames with one plate each, and one with two.
"$ALPR" -q scene --out "$tmp/f" --count 3 --width 640 --height 360 --seed 7 >/dev/null &&
  "$ALPR" -q scene --out "$tmp/g" --count 1 --width 640 --height 360 --plates 2 --seed 31 \
    --min-plate-width 100 --max-plate-width 140 >/dev/null
check "scenes generated" test -f "$tmp/f/scene-000002.pgm" -a -f "$tmp/g/scene-000000.pgm"
frames=("$tmp"/f/scene-*.pgm "$tmp/g/scene-000000.pgm")

# The readings without the timings: "FILE: TEXT (CONF%) [BOX] ..." per image.
strip_ms() { sed -E 's/  [0-9.]+ ms$//'; }
"$ALPR" read --engine model "${frames[@]}" | strip_ms >"$tmp/model.txt"
check "model engine reads the frames" test "$(grep -c 'no plate' "$tmp/model.txt")" -lt 2
# The truth: every plate of the first three frames (one each) read by the model.
for f in "${frames[@]:0:3}"; do
  want=$(cut -f6 "${f%.pgm}.txt")
  check "model reads $(basename "$f") as $want" grep -q "$(basename "$f"): $want " "$tmp/model.txt"
done

timeout 120 "$SIM" --scenes 1 --scene-size 320x240 -- "$ALPR" read --engine usb "${frames[@]}" \
  >"$tmp/usb.raw" 2>"$tmp/usb.err"
rc=$?
check "usb engine under alpr-simboard (C model): exit 0" test $rc -eq 0
strip_ms <"$tmp/usb.raw" >"$tmp/usb.txt"
check "usb engine (C model) prints the same plates as the model" cmp -s "$tmp/model.txt" "$tmp/usb.txt"

# JSON: characters, confidences and candidates equal too (timings removed).
strip_json_ms() { sed -E 's/,"ms":.*$//'; }
"$ALPR" --json read --engine model "${frames[0]}" | strip_json_ms >"$tmp/model.json"
timeout 120 "$SIM" --scenes 1 --scene-size 320x240 -- "$ALPR" --json read --engine usb \
  "${frames[0]}" | strip_json_ms >"$tmp/usb.json"
check "usb engine --json equals the model's" cmp -s "$tmp/model.json" "$tmp/usb.json"

if "$SIM" --engine rtl --scenes 1 --scene-size 320x240 -- true >/dev/null 2>&1; then
  timeout 300 "$SIM" --engine rtl --scenes 1 --scene-size 320x240 -- \
    "$ALPR" read --engine usb "${frames[@]}" 2>"$tmp/rtl.err" | strip_ms >"$tmp/rtl.txt"
  check "usb engine under alpr-simboard --engine rtl prints the same plates as the model" \
    cmp -s "$tmp/model.txt" "$tmp/rtl.txt"
  timeout 300 "$ALPR" read --engine sim "${frames[@]}" >"$tmp/sim.raw" 2>"$tmp/sim.err"
  rc=$?
  check "sim engine: exit 0" test $rc -eq 0
  strip_ms <"$tmp/sim.raw" >"$tmp/sim.txt"
  check "sim engine prints the same plates as the model" cmp -s "$tmp/model.txt" "$tmp/sim.txt"
  timeout 300 "$ALPR" --json read --engine=sim "${frames[0]}" | strip_json_ms >"$tmp/sim.json"
  check "sim engine --json (global option forwarded) equals the model's" \
    cmp -s "$tmp/model.json" "$tmp/sim.json"
  # The command's options reach the re-executed reader unchanged (--pattern's commas too).
  opts=(--candidates 2 --max-plates 1 --pattern DDDDDDD,LLDDDDD,LLLDDDD)
  "$ALPR" --json read "${opts[@]}" "${frames[@]}" | strip_json_ms >"$tmp/model-opts.json"
  timeout 300 "$ALPR" --json read --engine sim "${opts[@]}" "${frames[@]}" |
    strip_json_ms >"$tmp/sim-opts.json"
  check "sim engine passes the options on (--candidates, --max-plates, --pattern)" \
    cmp -s "$tmp/model-opts.json" "$tmp/sim-opts.json"
  first=$(head -n 1 "$tmp/sim-opts.json")
  cands=${first#*\"candidates\":[}
  cands=${cands%%]*}
  check "  ... and they took effect (2 candidates, not the default 10)" \
    test "$(grep -o '"text"' <<<"$cands" | wc -l)" -eq 2
else
  skipped "sim engine: alpr-simboard has no Verilated RTL engine in this build"
fi

# No board: exit 5 and a message naming the file and the cause.
"$ALPR" read --engine usb "${frames[0]}" >/dev/null 2>"$tmp/noboard.err"
rc=$?
check "usb engine without a board: exit 5" test $rc -eq 5
check "usb engine without a board: says so" grep -q "scene-000000.pgm: .*no board" "$tmp/noboard.err"

# No alpr-simboard next to alpr: exit 5, the path named.
mkdir -p "$tmp/lone" && cp "$ALPR" "$tmp/lone/alpr"
"$tmp/lone/alpr" read --engine sim "${frames[0]}" >/dev/null 2>"$tmp/nosim.err"
rc=$?
check "sim engine without alpr-simboard: exit 5" test $rc -eq 5
check "sim engine without alpr-simboard: names it" grep -q "lone/alpr-simboard" "$tmp/nosim.err"

# A frame larger than the board's 2048x2048 is refused with the file named; the others are read.
{ printf 'P5\n2100 16\n255\n'; head -c $((2100 * 16)) /dev/zero | tr '\0' '\200'; } >"$tmp/wide.pgm"
timeout 120 "$SIM" --scenes 1 --scene-size 320x240 -- "$ALPR" read --engine usb "$tmp/wide.pgm" \
  "${frames[0]}" >"$tmp/wide.out" 2>"$tmp/wide.err"
rc=$?
check "oversized frame: exit 1" test $rc -eq 1
check "oversized frame: error names the file and the limit" \
  grep -q "wide.pgm: 2100x16 is larger than the board's 2048x2048" "$tmp/wide.err"
check "oversized frame: the next image is still read" \
  grep -q "scene-000000.pgm: $(cut -f6 "$tmp/f/scene-000000.txt") " "$tmp/wide.out"

# --help mentions the engines and that sim is slow.
"$ALPR" read --help >"$tmp/help.txt"
check "--help describes usb and sim (and that sim is slow)" grep -q "1 frame/s" "$tmp/help.txt"
finish
