#!/usr/bin/env bash
# A short soak of alprd: memory must stay flat per read.
#
# The board's C model in alprd's process plays a drive-by clip (640x360, 8 vehicles in 10 s)
# over and over at 20 times the camera's rate (the tracker's gap scaled to match: 30 ms), so 400
# reads go through the whole pipeline (recognition, tracker, crop, the ingest call to the store
# service, which stores them and matches the hotlists) in about 25 s. A health line every 0.2 s
# (SIGUSR1) gives heap_kb (what alprd holds from malloc) and rss_kb against reads. Warm-up: the
# first 120 reads (alprd keeps no store cache any more: the service does, in its own process).
# After it, the floor of each half of the samples (the floor: frames in the queue come and go)
# may grow by at most 1 KiB per read for the heap and 2 KiB per read for the resident memory.
#
# The control: the same run with the service down. alprd then holds every read (its crop
# included) for a retry, memory that grows with each read as a leak would: the measurement
# (against the reads held, retry=) must see it.
set -u
cd "$(dirname "$0")/.."
. tests/e2e_common.sh

if [[ $B == */san-* ]]; then
  e2e_skipped "soak" "memory under the sanitizers is their quarantine's, not alprd's"
  e2e_finish
  exit 0
fi
work=$(mktemp -d "$E2E_ROOT/build/soak.XXXXXX")
trap 'rm -rf "$work"' EXIT
e2e_sequence "$work/frames" 8 10 640x360 5 || { e2e_bad "clip" "alpr scene failed"; e2e_finish; exit 1; }

# soak NAME LOOPS [down]: runs alprd (with a store service, or with none: down), leaves
# "reads heap_kb rss_kb" per health line in NAME.mem (down: the reads held, retry=, for reads).
soak() {
  local name=$1 socket count=reads
  mkdir -p "$work/$name"
  if [[ ${3:-} = down ]]; then
    socket="$work/$name/no-service.sock"
    count=retry
  else
    e2e_store "$work/$name" >/dev/null || return 1
    socket=$ALPR_INGEST_SOCKET
  fi
  e2e_config "$work/$name/alprd.conf" 640x360 SOAK-01 30
  "$ALPRD" --config "$work/$name/alprd.conf" --store-socket "$socket" --sim-frames "$work/frames" \
    --sim-fps 600 --sim-loop "$2" --health 0 --idle-exit 1 >/dev/null 2>"$work/$name.log" &
  local pid=$!
  # A health line every 0.2 s (SIGUSR1): many samples, so that each half has a quiet moment.
  sleep 1
  while kill -USR1 "$pid" 2>/dev/null; do sleep 0.2; done
  # With the service down, alprd ends failing (reads it could not store): expected.
  wait "$pid" || [[ ${3:-} = down ]] || return 1
  # The heap less the frames waiting in the queue (up to queue_frames of 640x360 gray, 225 KiB
  # each): how many wait depends on how fast the recognizer is at that moment, not on what alprd
  # keeps, and 16 of them are 3.6 MiB - more than the control's held reads add.
  grep 'alprd: health' "$work/$name.log" |
    awk -v count="$count" -v frame_kb=225 '{
      for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v }
      split(f["queue"], q, "/")
      if (f[count] != "" && f["heap_kb"] != "") print f[count], f["heap_kb"] - q[1] * frame_kb, f["rss_kb"]
    }' >"$work/$name.mem"
}

# growth FILE COLUMN WARMUP: KiB per read between the floors of the two halves of the samples
# after WARMUP reads (COLUMN 2: heap, 3: rss). Prints "per_read floor1 floor2 reads1 reads2".
growth() {
  awk -v col="$2" -v warm="$3" 'BEGIN { n = 0 } $1 >= warm { r[n] = $1; v[n] = $col; n++ }
    END {
      if (n < 6) { print "none"; exit }
      h = int(n / 2); f1 = f2 = -1
      for (i = 0; i < n; i++) {
        if (i < h) { if (f1 < 0 || v[i] < f1) f1 = v[i] }
        else if (f2 < 0 || v[i] < f2) f2 = v[i]
      }
      r1 = r[int(h / 2)]; r2 = r[h + int((n - h) / 2)]
      printf "%.2f %d %d %d %d\n", (f2 - f1) / (r2 - r1), f1, f2, r1, r2
    }' "$1"
}

if ! soak run 50; then
  e2e_bad "soak: alprd ran" "$(tail -3 "$work/run.log" | tr '\n' ' ')"
  e2e_finish
  exit 1
fi
reads=$(tail -1 "$work/run.mem" | cut -d' ' -f1)
e2e_check "soak: alprd stored reads ($reads, 8 vehicles x 50 plays)" test "${reads:-0}" -ge 250
read -r heap_per f1 f2 r1 r2 <<<"$(growth "$work/run.mem" 2 120)"
echo "     heap: floor $f1 KiB near read $r1, $f2 KiB near read $r2: $heap_per KiB per read"
e2e_check "soak: heap grows at most 1 KiB per read after warm-up ($heap_per)" \
  awk -v g="$heap_per" 'BEGIN { exit !(g != "none" && g <= 1.0) }'
read -r rss_per f1 f2 r1 r2 <<<"$(growth "$work/run.mem" 3 120)"
echo "     rss:  floor $f1 KiB near read $r1, $f2 KiB near read $r2: $rss_per KiB per read"
e2e_check "soak: resident memory grows at most 2 KiB per read after warm-up ($rss_per)" \
  awk -v g="$rss_per" 'BEGIN { exit !(g != "none" && g <= 2.0) }'
e2e_check "soak: nothing held back at the end (retry=0, tracks=0)" \
  grep -q 'health .* tracks=0 retry=0 ' "$work/run.log"

# The control: with the service down every read stays in memory (at most 256 are held).
if soak control 25 down; then
  read -r ctl_per f1 f2 r1 r2 <<<"$(growth "$work/control.mem" 2 20)"
  echo "     control heap: $f1 -> $f2 KiB from read $r1 to $r2 held: $ctl_per KiB per read"
  e2e_check "soak control: reads held for a retry show as growth (> 1 KiB per read: $ctl_per)" \
    awk -v g="$ctl_per" 'BEGIN { exit !(g != "none" && g > 1.0) }'
else
  e2e_bad "soak control: alprd ran" "$(tail -3 "$work/control.log" | tr '\n' ' ')"
fi

e2e_finish
