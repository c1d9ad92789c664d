# The edge ALPR stack: one Makefile for the C host, the driver, the simulator and the RTL.
#
#   make run      set up what is missing, build, and run the roadside job on the simulated board
#   make test     set up what is missing, build, and run every test (SANITIZE=address,undefined too)
#   make lint | synth | bench | format | format-check | clean | deps
#
# Each folder adds its own rules in module.mk; this file holds what they share.

.DEFAULT_GOAL := all
SHELL := /bin/bash
comma := ,

SANITIZE ?=
ifeq ($(SANITIZE),)
B := build
else
B := build/san-$(subst $(comma),-,$(SANITIZE))
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC ?= cc
CXX ?= c++
OPT ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wformat=2
PKGS := freetype2 libpng libusb-1.0 sqlite3 libsodium zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ljpeg -lm -lpthread
INCLUDES := -Idriver -Ihost -Isim -Itests
CFLAGS_ALL = -std=c11 $(WARN) $(OPT) $(SAN_FLAGS) -D_DEFAULT_SOURCE $(INCLUDES) $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL = $(SAN_FLAGS)

# ---------------------------------------------------------------------------------------------
# Debian packages the project needs; `make deps` installs whichever are missing (idempotent,
# silent when all are present).
DEB_PACKAGES := build-essential pkg-config clang-format libfreetype-dev fonts-dejavu-core fonts-dejavu-extra \
  libpng-dev libjpeg-dev zlib1g-dev libusb-1.0-0-dev libsqlite3-dev sqlite3 libsodium-dev \
  verilator yosys nextpnr-ice40 fpga-icestorm umockdev libumockdev-dev libglib2.0-dev \
  usbutils clang llvm libclang-rt-14-dev \
  fonts-liberation2 fonts-roboto-unhinted fonts-urw-base35 fonts-b612 fonts-bebas-neue \
  fonts-national-park fonts-freefont-ttf fonts-open-sans fonts-league-spartan

.PHONY: deps
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  [ "$$(dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null)" = installed ] || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	  { echo "deps: apt-get install failed for:$$missing" >&2; exit 1; }; \
	fi

# ---------------------------------------------------------------------------------------------
# Libraries: every .c directly in driver/, sim/ and host/ (but the programs' own files) goes
# into that folder's static library.
DRIVER_SRCS := $(wildcard driver/*.c)
SIM_SRCS := $(wildcard sim/*.c)
HOST_PROG_SRCS := host/alpr.c $(wildcard host/cmd_*.c) $(wildcard host/alprd*.c)
HOST_SRCS := $(filter-out $(HOST_PROG_SRCS),$(wildcard host/*.c))

LIB_DRIVER := $(B)/libalprdrv.a
LIB_SIM := $(B)/libalprsim.a
LIB_HOST := $(B)/libalprhost.a
LIB_TEST := $(B)/libtest.a
# Link order: host uses sim (the C model engine) and driver; sim uses driver (wire format).
LIBS := $(LIB_HOST) $(LIB_SIM) $(LIB_DRIVER)

objs = $(patsubst %.c,$(B)/%.o,$(1))

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB_DRIVER): $(call objs,$(DRIVER_SRCS))
$(LIB_SIM): $(call objs,$(SIM_SRCS))
$(LIB_HOST): $(call objs,$(HOST_SRCS))
$(LIB_TEST): $(call objs,tests/testlib.c)
$(B)/lib%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

ALPR := $(B)/alpr
$(ALPR): $(call objs,host/alpr.c $(wildcard host/cmd_*.c)) $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

PROGRAMS := $(ALPR)

# Test objects are intermediates of their programs; keep them for incremental builds.
.SECONDARY:

# Unit tests: every tests/test_*.c is one test program linked against all libraries.
UNIT_TEST_SRCS := $(wildcard tests/test_*.c)
UNIT_TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(UNIT_TEST_SRCS))
$(B)/tests/%: $(B)/tests/%.o $(LIB_TEST) $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# Folders append to these: TEST_PROGS (run by `make test`, in order), BENCH_PROGS (`make
# bench`), LINT_TARGETS, and whatever else they build in PROGRAMS.
TEST_PROGS := $(UNIT_TESTS)
BENCH_PROGS :=
LINT_TARGETS :=

-include $(sort $(wildcard rtl/*.mk sim/*.mk driver/*.mk host/*.mk tests/*.mk))

# ---------------------------------------------------------------------------------------------
.PHONY: all build test test-run bench bench-run lint synth run run-demo format format-check clean

# The top-level targets install packages first, then re-enter make so that pkg-config sees them.
all: deps
	@$(MAKE) --no-print-directory build

build: $(PROGRAMS) $(TEST_PROGS)

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: $(PROGRAMS) $(TEST_PROGS)
	@tests/run-tests.sh $(TEST_PROGS)

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: $(PROGRAMS) $(BENCH_PROGS)
	@for b in $(BENCH_PROGS); do echo "== $$b"; $$b || exit 1; done

lint: deps
	@$(MAKE) --no-print-directory lint-run

.PHONY: lint-run
lint-run: $(LINT_TARGETS)

run: deps
	@$(MAKE) --no-print-directory run-demo

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' '*.cpp' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "format-check: clean"

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
