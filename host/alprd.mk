# alprd, the roadside daemon (host/alprd.c on the library's host/roadside.c), a client of the
# store service's reader's socket, its demo, its end-to-end and crash tests and its benchmark.
#
#   make run            (top Makefile: deps, then run-demo) the demo of sim/run-demo.sh
#   build/alprd --help  the daemon
#   tests/e2e_alprd.sh  alprd through the real libusb path against the simulated board (RTL)
#   tests/crash_alprd.sh  kill -9 of alprd or of the service during ingest: nothing stored lost
#   tests/bench_alprd.sh  frames/s, CPU per frame and latency with the in-process C-model board

# The scripts find the programs of this build (build/ or build/san-*) through $ALPR_BUILD.
export ALPR_BUILD := $(B)

$(ALPRD): $(call objs,host/alprd.c) $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

PROGRAMS += $(ALPRD)

# The unplug/replug harness of tests/e2e_alprd.sh: the simulated board in-process, its plug
# pulled in mid-stream (sim/usb.mk provides libusbboard.a and the umockdev flags).
E2E_REPLUG := $(B)/tests/e2e_replug
$(E2E_REPLUG): tests/e2e_replug.c $(B)/libusbboard.a $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isim/usbboard $(UMOCKDEV_CFLAGS) $(LDFLAGS_ALL) -o $@ $< \
	  $(B)/libusbboard.a $(LIBS) $(UMOCKDEV_LIBS) $(PKG_LIBS)

PROGRAMS += $(E2E_REPLUG)

# The pipeline over a running store service (its test build) is a unit test of its own.
$(B)/tests/test_roadside_service: | $(STORED_TEST)

TEST_PROGS += tests/e2e_alprd.sh tests/crash_alprd.sh tests/notify_alprd.sh \
  tests/soak_alprd.sh
BENCH_PROGS += tests/bench_alprd.sh tests/bench_soak.sh

# The demo runs exactly these four programs (sim/run-demo.sh).
.PHONY: run-demo
run-demo: $(ALPR) $(ALPRD) $(SIMBOARD) $(STORED)
	@sim/run-demo.sh
