#!/usr/bin/env bash
# Benchmark of alprd (figures only, never pass/fail on speed):
#   - the host's ceiling: sustained frames/s of the whole daemon (queue, recognition, tracker,
#     the ingest call to the store service) with the board's C model in alprd's process feeding
#     frames as fast as alprd takes them (--sim-fps 0), for 1280x720 and 1920x1080 drive-by
#     clips;
#   - CPU per frame on the host (the worker thread: recognition + tracking + ingest call; and the
#     whole process, which here includes the C model standing in for the board; the service's
#     own CPU, storing and matching, is not alprd's and is not counted);
#   - latency at the camera's 30 frames/s: from the end of a frame to its processing done
#     (p50/p99), and from the end of a vehicle's last frame to its read being committed
#     (p50/p99; includes the tracker's deliberate track_gap_ms wait of 600 ms);
#   - when the USB driver and the simulated board are built: the same clip through the real
#     libusb path (alpr-simboard, C-model engine, camera as fast as the output allows).
# Exits non-zero only when a run fails.
set -u
. "$(dirname "$0")/e2e_common.sh"

if [[ ! -x $ALPRD ]]; then
  echo "bench_alprd: skip: $ALPRD not built (needs the USB driver driver/alpr_dev.c)"
  exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alprd-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0

# field NAME FILE: the value of NAME=... in the summary line.
field() { grep -o "summary .*" "$2" | tail -n 1 | grep -o " $1=[0-9.]*" | cut -d= -f2; }

printf '%-14s %-22s %8s %11s %11s %10s %10s %10s %10s\n' "size/clip" mode frames/s "worker ms/f" "process ms/f" "frame p50" "frame p99" "commit p50" "commit p99"
for size in 1280x720 1920x1080; do
for seed in 5 21; do
  dir="$WORK/$size-$seed"
  mkdir -p "$dir"
  if ! e2e_sequence "$dir/frames" 6 6 "$size" "$seed"; then
    echo "bench_alprd: cannot generate the $size clip" >&2
    status=1
    continue
  fi
  e2e_store "$dir/service" >/dev/null || { status=1; continue; }
  e2e_config "$dir/alprd.conf" "$size" BENCH
  for mode in ceiling realtime; do
    fps=0
    [[ $mode = realtime ]] && fps=30
    if ! "$ALPRD" --config "$dir/alprd.conf" --sim-frames "$dir/frames" \
      --sim-fps "$fps" --idle-exit 2 >/dev/null 2>"$dir/$mode.log"; then
      echo "bench_alprd: alprd failed ($size $mode):" >&2
      tail -n 5 "$dir/$mode.log" >&2
      status=1
      continue
    fi
    printf '%-14s %-22s %8s %11s %11s %10s %10s %10s %10s\n' "$size/$seed" "in-process, $fps/s" \
      "$(field fps "$dir/$mode.log")" "$(field frame_cpu_ms "$dir/$mode.log")" \
      "$(field process_cpu_ms_per_frame "$dir/$mode.log")" \
      "$(field frame_latency_ms_p50 "$dir/$mode.log")" "$(field frame_latency_ms_p99 "$dir/$mode.log")" \
      "$(field commit_latency_ms_p50 "$dir/$mode.log")" "$(field commit_latency_ms_p99 "$dir/$mode.log")"
  done
  if [[ -x $SIMBOARD && $size = 1280x720 ]]; then
    args=()
    for f in "${FRAMES[@]}"; do args+=(--image "$f"); done
    if "$SIMBOARD" --engine model "${args[@]}" -- "$ALPRD" --config "$dir/alprd.conf" \
      --idle-exit 2 >/dev/null 2>"$dir/usb.log"; then
      printf '%-14s %-22s %8s %11s %11s %10s %10s %10s %10s   (queue_dropped=%s)\n' "$size/$seed" "USB sim board, model" \
        "$(field fps "$dir/usb.log")" "$(field frame_cpu_ms "$dir/usb.log")" \
        "$(field process_cpu_ms_per_frame "$dir/usb.log")" \
        "$(field frame_latency_ms_p50 "$dir/usb.log")" "$(field frame_latency_ms_p99 "$dir/usb.log")" \
        "$(field commit_latency_ms_p50 "$dir/usb.log")" "$(field commit_latency_ms_p99 "$dir/usb.log")" \
        "$(field queue_dropped "$dir/usb.log")"
    else
      echo "bench_alprd: alprd under alpr-simboard failed:" >&2
      tail -n 5 "$dir/usb.log" >&2
      status=1
    fi
  fi
done
done
echo "(clips: 6 vehicles, 6 s at 30 frames/s = ${#FRAMES[@]} frames, scene seed 5 or 21; 'worker ms/f' ="
echo " the worker's CPU in recognition + tracking + ingest call per frame, 'process ms/f' = all of alprd's"
echo " CPU per frame, including the C model standing in for the board; latencies in ms: 'frame' = end"
echo " of frame -> processed, 'commit' = end of a vehicle's last frame -> read committed, which"
echo " includes the tracker's 600 ms track gap by design)"
exit $status
