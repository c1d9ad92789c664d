# The edge ALPR stack: one Makefile for the C host, the driver, the simulator and the RTL.
#
#   make run      set up what is missing (apt), build, run the roadside job on the simulated board
#   make test     set up what is missing (apt), build, run every test (SANITIZE=address,undefined too)
#   make deps     install the missing Debian packages (the only targets that install packages are
#                 these three)
#   make [all] | install | uninstall | deb | lint | synth | bench | format | format-check | clean
#                 need the packages present (they say which are missing) and never need root,
#                 but for `make install` into a system folder
#
# Each folder adds its own rules in *.mk files; this file holds what they share. The build's
# graph must not depend on the order in which those files are read: every program that more
# than one file names is defined here, before them, and `tests/test_build_graph.sh` reads them
# in both orders (MK_ORDER=reverse) and compares what each top-level target would build.

.DEFAULT_GOAL := all
SHELL := /bin/bash
comma := ,

# The one version (host/version.h), reported by the programs and the Debian package.
VERSION := $(shell sed -n 's/^\#define ALPR_VERSION "\([^"]*\)".*/\1/p' host/version.h)

# BUILD is the output folder (tests point it elsewhere to see what a fresh clone would build).
BUILD ?= build
SANITIZE ?=
ifeq ($(SANITIZE),)
B := $(BUILD)
# Debian's hardening (dpkg-buildflags): the programs installed and packaged are these.
HARDEN_CFLAGS := -fstack-protector-strong -D_FORTIFY_SOURCE=2
HARDEN_LDFLAGS := -Wl,-z,relro -Wl,-z,now
else
B := $(BUILD)/san-$(subst $(comma),-,$(SANITIZE))
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC ?= cc
CXX ?= c++
OPT ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wformat=2
PKGS := freetype2 libpng libusb-1.0 sqlite3 libsodium zlib libsystemd libmicrohttpd libcurl jansson
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ljpeg -lm -lpthread
INCLUDES := -Idriver -Ihost -Isim -Itests
CFLAGS_ALL = -std=c11 $(WARN) $(OPT) $(HARDEN_CFLAGS) $(SAN_FLAGS) -D_DEFAULT_SOURCE $(INCLUDES) \
             $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL = $(SAN_FLAGS) $(HARDEN_LDFLAGS) -Wl,--as-needed

# ---------------------------------------------------------------------------------------------
# Debian packages. BUILD_PACKAGES are what `make` needs to build the programs; the rest are
# what the tests, benchmarks, RTL tools and packaging need. `make deps` installs whichever are
# missing (idempotent, silent when all are present); `make run` and `make test` call it.
BUILD_PACKAGES := build-essential pkg-config libfreetype-dev libpng-dev libjpeg-dev zlib1g-dev \
  libusb-1.0-0-dev libsqlite3-dev libsodium-dev libsystemd-dev verilator umockdev \
  libumockdev-dev libglib2.0-dev scdoc libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
DEB_PACKAGES := $(BUILD_PACKAGES) sqlite3 clang-format yosys nextpnr-ice40 fpga-icestorm usbutils \
  clang llvm libclang-rt-14-dev systemd systemd-container debootstrap man-db groff-base \
  bash-completion dpkg-dev lintian \
  fonts-dejavu-core fonts-dejavu-extra \
  fonts-liberation2 fonts-roboto-unhinted fonts-urw-base35 fonts-b612 fonts-bebas-neue \
  fonts-national-park fonts-freefont-ttf fonts-open-sans fonts-league-spartan fonts-roadgeek \
  fonts-opendin fonts-allerta

missing_packages = $(shell for p in $(1); do \
  [ "$$(dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null)" = installed ] || echo $$p; done)

.PHONY: deps deps-check deps-check-all
deps:
	@missing="$(strip $(call missing_packages,$(DEB_PACKAGES)))"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	  { echo "deps: apt-get install failed for: $$missing" >&2; exit 1; }; \
	fi

# Targets that must not install anything check instead, and say what to do.
check_packages = missing="$(strip $(call missing_packages,$(1)))"; \
  [ -z "$$missing" ] || { echo "missing Debian packages: $$missing (run \`make deps\`)" >&2; exit 1; }
deps-check:
	@$(call check_packages,$(BUILD_PACKAGES))
deps-check-all:
	@$(call check_packages,$(DEB_PACKAGES))

# ---------------------------------------------------------------------------------------------
# Libraries: every .c directly in driver/, sim/ and host/ (but the programs' own files) goes
# into that folder's static library.
DRIVER_SRCS := $(wildcard driver/*.c)
SIM_SRCS := $(wildcard sim/*.c)
HOST_PROG_SRCS := host/alpr.c $(wildcard host/cmd_*.c) $(wildcard host/alprd*.c) host/stored.c
HOST_SRCS := $(filter-out $(HOST_PROG_SRCS),$(wildcard host/*.c)) $(wildcard host/recog/*.c)

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

# The programs that several *.mk files name (rules, tests, the demo, install) are defined here,
# before any of those files is read. alpr is built here, alprd by host/alprd.mk, the simulated
# board by sim/usb.mk, the Verilated board library by sim/module.mk (in build/verilator, shared
# by the sanitizer builds).
ALPR := $(B)/alpr
ALPRD := $(B)/alprd
# The store service, and its test build whose clock each request may set (host/stored.mk).
STORED := $(B)/alpr-stored
STORED_TEST := $(B)/tests/alpr-stored-testclock
SIMBOARD := $(B)/alpr-simboard
VL_DIR := build/verilator
VBOARD_LIB := $(VL_DIR)/libvboard.a
# The manual pages, made from host/man/*.scd by host/man.mk.
MAN_PAGES := $(B)/man/alpr.1 $(B)/man/alpr-simboard.1 $(B)/man/alprd.8 $(B)/man/alprd.conf.5 \
  $(B)/man/alpr-stored.8

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
TEST_PROGS := $(UNIT_TESTS) tests/test_build_graph.sh
BENCH_PROGS :=
LINT_TARGETS :=

MODULE_MKS := $(sort $(wildcard rtl/*.mk sim/*.mk driver/*.mk host/*.mk tests/*.mk))
ifeq ($(MK_ORDER),reverse)
MODULE_MKS := $(shell printf '%s\n' $(MODULE_MKS) | tac)
endif
include $(MODULE_MKS)

# ---------------------------------------------------------------------------------------------
.PHONY: all build test test-run bench bench-run lint synth run format format-check clean

# `make run` and `make test` install packages first, then re-enter make so that pkg-config sees
# them; every other target only checks.
all: deps-check
	@$(MAKE) --no-print-directory build

build: $(PROGRAMS) $(TEST_PROGS)

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: $(PROGRAMS) $(TEST_PROGS)
	@tests/run-tests.sh $(TEST_PROGS)

bench: deps-check-all
	@$(MAKE) --no-print-directory bench-run

bench-run: $(PROGRAMS) $(BENCH_PROGS)
	@for b in $(BENCH_PROGS); do echo "== $$b"; $$b || exit 1; done

lint: deps-check-all
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

# The compilers' dependency files (-MMD) of this build's objects.
-include $(shell find $(B)/driver $(B)/host $(B)/sim $(B)/tests -name '*.d' -type f 2>/dev/null)
