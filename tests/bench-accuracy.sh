#!/usr/bin/env bash
# bench-accuracy: reads the shared benchmark data with `alpr read` and scores it side by side
# with OpenALPR (../shared/tools/score-reads). Prints every figure with the command behind it,
# and the elapsed time of each stage.
#
#   tests/bench-accuracy.sh ALPR OCR_TRAIN BENCH_DEGRADE [DATA_DIR]      (make bench-accuracy)
#
# The figures to trust are cross-validated by image: the development images (crops and frames)
# fall into 5 folds by a hash of their file name (ocr_train --list-fold); for each fold K a
# classifier trained without the images of fold K (ocr_train --fold K --dump-samples with OCR_TRAIN_ARGS, then cnn_train, as
# `make train-ocr` trains the committed one) reads only the images of fold K. The committed
# (built-in) classifier has seen every crop: its figures are in-sample, printed beside.
#
# 1. the 5 fold models, 2 trainings at a time (reused when ocr_train, its arguments and the
#    data are unchanged: build/bench-accuracy/folds.key; BENCH_RETRAIN=1 trains anyway);
# 2. the robustness sets, made here from the development data into build/bench-accuracy/robust
#    (never committed): crops/us downscaled so the plate is 60, 80 and 100 px wide and frames
#    us/eu/br downscaled to fit 640x480 (area averaging, JPEG quality 70: bench_degrade), and
#    synthetic scenes with plates 60-400 px wide (`alpr scene`);
# 3. every set read with the built-in classifier (in-sample; the speed figures come from here);
# 4. every development set and its degraded copies read with the fold models;
# 5. per set: score-reads (this project and OpenALPR), then for frames the plate-found rate and
#    the reading figures apart (by plate width for the small sets), and the character confusions;
# 6. the summary table and the speed targets.
# Outputs go to build/bench-accuracy/. Skips (exit 0) when the data is absent.
set -euo pipefail
usage="usage: bench-accuracy.sh ALPR OCR_TRAIN BENCH_DEGRADE [DATA_DIR]"
alpr=${1:?$usage}
train=${2:?$usage}
degrade=${3:?$usage}
data=${4:-../shared/data/openalpr-bench}
score=${SCORE_READS:-../shared/tools/score-reads}
detail="python3 tests/bench-accuracy-detail.py"
folds=5
out=${BENCH_OUT:-build/bench-accuracy}
robust=$out/robust
if [[ ! -d $data/crops/us ]]; then
  echo "bench-accuracy: data absent ($data), skipped"
  exit 0
fi
# How the fold models are trained (recog.mk passes the arguments of `make train-ocr`).
read -r -a train_args <<< "${OCR_TRAIN_ARGS:---data $data}"
# The classifier is the convolutional network, as `make train-ocr` makes it: ocr_train gathers
# each fold's samples (--dump-samples), cnn_train trains on them.
cnn=${CNN_TRAIN:-$(dirname "$train")/cnn_train}
mkdir -p "$out"
# Shows a command the way it was written (globs unexpanded), then the real one is run.
say() { echo "\$ $1"; }
t_bench=$SECONDS
t_stage=$SECONDS
stage_done() {
  echo "-- $1: $((SECONDS - t_stage)) s"
  t_stage=$SECONDS
}

echo "== 1. fold models: $folds classifiers, each trained without the images of its fold"
key=$( (sha256sum "$train" "$cnn" "$data"/crops/us/truth.csv | cut -d' ' -f1; echo "${train_args[*]} --folds $folds") | sha256sum | cut -d' ' -f1)
have=1
for ((k = 0; k < folds; k++)); do [[ -s $out/fold$k.bin ]] || have=0; done
if [[ ${BENCH_RETRAIN:-0} != 1 && $have == 1 && -f $out/folds.key && $(cat "$out/folds.key") == "$key" ]]; then
  echo "reusing $out/fold[0-$((folds - 1))].bin: same ocr_train and cnn_train binaries, arguments and data (BENCH_RETRAIN=1 retrains)"
else
  rm -f "$out/folds.key"
  # Two trainings at a time: one per core of the reference machine.
  for ((k = 0; k < folds; k += 2)); do
    pids=()
    for j in $k $((k + 1)); do
      ((j < folds)) || continue
      say "$train ${train_args[*]} --folds $folds --fold $j --dump-samples $out/samples$j.bin 2> $out/train-fold$j.log"
      say "$cnn --samples $out/samples$j.bin --out $out/fold$j.bin 2>> $out/train-fold$j.log"
      ("$train" "${train_args[@]}" --folds $folds --fold $j --dump-samples "$out/samples$j.bin" &&
        "$cnn" --samples "$out/samples$j.bin" --out "$out/fold$j.bin" &&
        rm -f "$out/samples$j.bin") 2> "$out/train-fold$j.log" &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do
      wait "$pid" || { echo "bench-accuracy: a fold training failed (see $out/train-fold*.log)" >&2; exit 1; }
    done
  done
  echo "$key" > "$out/folds.key"
fi
stage_done "fold models"

echo "== 2. robustness sets (made from the development data, in $robust)"
rm -rf "$robust"
for w in 60 80 100; do
  mkdir -p "$robust/crops-w$w"
  say "$degrade crops $data/crops/us $robust/crops-w$w $w 70"
  "$degrade" crops "$data/crops/us" "$robust/crops-w$w" $w 70
done
for set in us eu br; do
  mkdir -p "$robust/frames640-$set"
  say "$degrade frames $data/frames/$set $robust/frames640-$set 640 480 70"
  "$degrade" frames "$data/frames/$set" "$robust/frames640-$set" 640 480 70
done
say "$alpr -q scene --out $robust/scenes --count 100 --seed 1000 --format png --min-plate-width 60 --max-plate-width 400"
"$alpr" -q scene --out "$robust/scenes" --count 100 --seed 1000 --format png \
  --min-plate-width 60 --max-plate-width 400 > /dev/null
stage_done "robustness sets"

# read_set NAME crop|frame MODEL FILES...: one JSON line per file into $out/NAME.jsonl (appended).
read_set() {
  local name=$1 mode=$2 model=$3
  shift 3
  local flags=(--json)
  [[ $mode == crop ]] && flags+=(--crop)
  [[ $model != builtin ]] && flags+=(--model "$model")
  # alpr read exits non-zero when an image has no plate; the JSON line is there all the same.
  "$alpr" read "${flags[@]}" "$@" >> "$out/$name.jsonl" || true
}

# The sets: name, mode, source folder and extension (what the fold is taken from), folder and
# extension of the images read.
sets=("crops crop $data/crops/us png $data/crops/us png")
for set in us eu br; do sets+=("frames-$set frame $data/frames/$set jpg $data/frames/$set jpg"); done
for w in 60 80 100; do sets+=("crops-w$w crop $data/crops/us png $robust/crops-w$w jpg"); done
for set in us eu br; do
  sets+=("frames640-$set frame $data/frames/$set jpg $robust/frames640-$set jpg")
done

echo "== 3. built-in classifier (in-sample: it has seen every crop; speed figures)"
for s in "${sets[@]}"; do
  read -r name mode src sext dir ext <<< "$s"
  : > "$out/$name.jsonl"
  say "$alpr read --json$([[ $mode == crop ]] && echo ' --crop') $dir/*.$ext > $out/$name.jsonl"
  read_set "$name" "$mode" builtin "$dir"/*."$ext"
done
: > "$out/scenes.jsonl"
say "$alpr read --json $robust/scenes/*.png > $out/scenes.jsonl"
read_set scenes frame builtin "$robust"/scenes/*.png
: > "$out/frames-br-pattern.jsonl"
say "$alpr read --json --pattern LLLDDDD,LLLDLDD $data/frames/br/*.jpg > $out/frames-br-pattern.jsonl"
"$alpr" read --json --pattern LLLDDDD,LLLDLDD "$data"/frames/br/*.jpg > "$out/frames-br-pattern.jsonl" || true
stage_done "built-in reads"

echo "== 4. cross-validated: each image read by the model of its fold"
for s in "${sets[@]}"; do
  read -r name mode src sext dir ext <<< "$s"
  : > "$out/$name-cv.jsonl"
  say "for K in 0..$((folds - 1)): $alpr read --json$([[ $mode == crop ]] && echo ' --crop') --model $out/foldK.bin \$($train --folds $folds --list-fold K $src/*.$sext, as $dir/*.$ext) >> $out/$name-cv.jsonl"
  for ((k = 0; k < folds; k++)); do
    files=()
    # The degraded copy of an image is in the fold of its source (same name, other extension).
    while IFS= read -r f; do
      b=${f##*/}
      files+=("$dir/${b%.*}.$ext")
    done < <("$train" --folds $folds --list-fold $k "$src"/*."$sext")
    ((${#files[@]})) && read_set "$name-cv" "$mode" "$out/fold$k.bin" "${files[@]}"
  done
  n=$(ls "$dir"/*."$ext" | wc -l)
  got=$(wc -l < "$out/$name-cv.jsonl")
  ((n == got)) || echo "bench-accuracy: $name: $got readings for $n images" >&2
done
# The development frames again with their region's plate formats (--region), cross-validated.
for set in us eu br; do
  f=$out/frames-$set-region-cv.jsonl
  : > "$f"
  say "for K in 0..$((folds - 1)): $alpr read --json --region $set --model $out/foldK.bin \$($train --folds $folds --list-fold K $data/frames/$set/*.jpg) >> $f"
  for ((k = 0; k < folds; k++)); do
    mapfile -t files < <("$train" --folds $folds --list-fold $k "$data/frames/$set"/*.jpg)
    ((${#files[@]})) && { "$alpr" read --json --region $set --model "$out/fold$k.bin" "${files[@]}" >> "$f" || true; }
  done
done
stage_done "cross-validated reads"

echo "== 5. scores (project = this build; OpenALPR 2.3 where the data folder has its results)"
for s in "${sets[@]}"; do
  read -r name mode src sext dir ext <<< "$s"
  for v in cv builtin; do
    if [[ $v == cv ]]; then f=$out/$name-cv.jsonl; what="cross-validated"; else f=$out/$name.jsonl; what="built-in classifier, in-sample"; fi
    echo "-- ${dir#"$data"/} ($what)"
    say "$score $f $dir"
    "$score" "$f" "$dir"
    bands=()
    [[ $name == frames640-* ]] && bands=(--bands)
    if [[ $mode == frame ]]; then $detail frames "$f" "$dir" "${bands[@]}"; fi
  done
done
echo "-- ${robust}/scenes (built-in classifier; synthetic, never trained on; by plate width)"
say "$score $out/scenes.jsonl $robust/scenes"
"$score" "$out/scenes.jsonl" "$robust/scenes"
$detail frames "$out/scenes.jsonl" "$robust/scenes" --bands
for set in us eu br; do
  echo "-- frames/$set with --region $set (cross-validated)"
  say "$score $out/frames-$set-region-cv.jsonl $data/frames/$set"
  "$score" "$out/frames-$set-region-cv.jsonl" "$data/frames/$set"
done
echo "-- frames/br with the Brazilian formats (--pattern LLLDDDD,LLLDLDD; built-in classifier)"
"$score" "$out/frames-br-pattern.jsonl" "$data/frames/br"

echo "== speed: thread CPU time per image, decode excluded (ms = board model + host; built-in classifier)"
$detail speed "$out/crops.jsonl" "$out"/frames-{us,eu,br}.jsonl "$out"/crops-w80.jsonl \
  "$out"/frames640-us.jsonl "$out/scenes.jsonl"
echo "== character confusions (crops/us, built-in classifier; cross-validated in brackets)"
$detail confusion "$out/crops.jsonl" "$data/crops/us" "$out/crops-cv.jsonl"
stage_done "scores"

echo "== summary (top-1 = exact for crops, the first-ranked reading for frames)"
$detail summary "$out" "$data"
echo "-- bench-accuracy: $((SECONDS - t_bench)) s in all"
