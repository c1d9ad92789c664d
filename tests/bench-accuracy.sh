#!/usr/bin/env bash
# bench-accuracy: reads the shared benchmark data with `alpr read` and scores it side by side
# with OpenALPR (../shared/tools/score-reads). Prints every figure with the command behind it.
#
#   tests/bench-accuracy.sh ALPR OCR_TRAIN [DATA_DIR]      (make bench-accuracy)
#
# 1. crops/us with the committed (built-in) classifier: exact match, top-5, CER, ms per crop;
# 2. crops/us by 5-fold cross-validation: for each fold K, a classifier trained without the
#    crops of fold K (ocr_train --fold K) reads only those crops - the figure to trust, as the
#    committed classifier has seen every crop's characters;
# 3. frames/{us,eu,br}: plate found and read exactly (top-1, top-5), found but misread, ms;
# 4. the classifier's character confusions on crops/us (readings of the right length).
# Outputs go to build/bench-accuracy/. Skips (exit 0) when the data is absent.
set -euo pipefail
alpr=${1:?usage: bench-accuracy.sh ALPR OCR_TRAIN [DATA_DIR]}
train=${2:?usage: bench-accuracy.sh ALPR OCR_TRAIN [DATA_DIR]}
data=${3:-../shared/data/openalpr-bench}
score=${SCORE_READS:-../shared/tools/score-reads}
out=build/bench-accuracy
if [[ ! -d $data/crops/us ]]; then
  echo "bench-accuracy: data absent ($data), skipped"
  exit 0
fi
mkdir -p "$out"
# Shows a command the way it was written (globs unexpanded), then runs the real one.
say() { echo "\$ $1"; }

echo "== crops/us, built-in classifier"
say "$alpr read --crop --json $data/crops/us/*.png > $out/crops.jsonl"
"$alpr" read --crop --json "$data"/crops/us/*.png > "$out/crops.jsonl"
say "$score $out/crops.jsonl $data/crops/us"
"$score" "$out/crops.jsonl" "$data/crops/us"

echo "== crops/us, 5-fold cross-validation (classifier never saw the crops it reads)"
: > "$out/crops-cv.jsonl"
for k in 0 1 2 3 4; do
  say "$train --data $data/crops/us --fold $k --out-bin $out/fold$k.bin"
  "$train" --data "$data/crops/us" --fold $k --out-bin "$out/fold$k.bin" 2> "$out/train-fold$k.log"
  mapfile -t files < <("$train" --data "$data/crops/us" --list-fold $k)
  say "$alpr read --crop --json --model $out/fold$k.bin \$($train --data $data/crops/us --list-fold $k) >> $out/crops-cv.jsonl"
  "$alpr" read --crop --json --model "$out/fold$k.bin" "${files[@]}" >> "$out/crops-cv.jsonl"
done
say "$score $out/crops-cv.jsonl $data/crops/us"
"$score" "$out/crops-cv.jsonl" "$data/crops/us"

for set in us eu br; do
  echo "== frames/$set"
  say "$alpr read --json $data/frames/$set/*.jpg > $out/frames-$set.jsonl"
  "$alpr" read --json "$data"/frames/$set/*.jpg > "$out/frames-$set.jsonl" || true
  say "$score $out/frames-$set.jsonl $data/frames/$set"
  "$score" "$out/frames-$set.jsonl" "$data/frames/$set"
  python3 tests/bench-accuracy-detail.py frames "$out/frames-$set.jsonl" "$data/frames/$set"
done

echo "== frames/br with the Brazilian formats (--pattern LLLDDDD,LLLDLDD)"
say "$alpr read --json --pattern LLLDDDD,LLLDLDD $data/frames/br/*.jpg > $out/frames-br-pattern.jsonl"
"$alpr" read --json --pattern LLLDDDD,LLLDLDD "$data"/frames/br/*.jpg > "$out/frames-br-pattern.jsonl" || true
"$score" "$out/frames-br-pattern.jsonl" "$data/frames/br"

echo "== speed: thread CPU time per image, decode excluded (ms = board model + host)"
python3 tests/bench-accuracy-detail.py speed "$out/crops.jsonl" "$out"/frames-*.jsonl
echo "== character confusions (crops/us, built-in classifier; cross-validated in brackets)"
python3 tests/bench-accuracy-detail.py confusion "$out/crops.jsonl" "$data/crops/us" "$out/crops-cv.jsonl"
