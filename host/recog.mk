# Recognition (host/recog.c, host/ocr.c): the OCR trainer and the accuracy benchmark.
#
#   make train-ocr        retrain the character classifier -> host/ocr_model.inc (committed)
#   make bench-accuracy   read the shared benchmark data, score it side by side with OpenALPR

OCR_TRAIN := $(B)/ocr_train
$(OCR_TRAIN): $(B)/host/train/ocr_train.o $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

PROGRAMS += $(OCR_TRAIN)
OCR_DATA ?= ../shared/data/openalpr-bench/crops/us

.PHONY: train-ocr bench-accuracy
train-ocr: $(OCR_TRAIN)
	$(OCR_TRAIN) --data $(OCR_DATA) --out host/ocr_model.inc

bench-accuracy: $(ALPR) $(OCR_TRAIN)
	tests/bench-accuracy.sh $(ALPR) $(OCR_TRAIN)
