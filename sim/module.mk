# The Verilator harness of the board RTL (sim/verilator/) and the RTL tests and benchmarks that
# use it. The Verilated model is built once into build/verilator (shared by sanitizer builds)
# and rebuilt only when rtl/ changes.
#
#   build/verilator/libvboard.a    the C API of sim/verilator/vboard.h over the Verilated RTL
#                                  (link it with $(CXX))
#   $(B)/tests/rtl/test_equiv      model vs RTL byte-identical streams (run by `make test`)
#   $(B)/bench_board               C model and Verilator frames/s (`make bench`)
#   $(B)/alpr-vsim                 plays image files into the Verilated board, writes the stream
# (The per-module Verilog benches are built by rtl/module.mk.)

VL_ROOT := $(shell verilator --getenv VERILATOR_ROOT 2>/dev/null)
VL_INC := -I$(VL_ROOT)/include -I$(VL_ROOT)/include/vltstd -I$(VL_DIR)/obj
VL_CXXFLAGS := -std=gnu++17 -O2 -g -w -faligned-new -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=1 \
  -DVM_TRACE_FST=0 -DVM_TRACE_VCD=1 $(VL_INC) -Isim/verilator
RTL_SRCS := $(sort $(wildcard rtl/*.v))
RTL_HDRS := $(wildcard rtl/*.vh)
VL_FLAGS := --cc -O3 --x-assign fast --x-initial fast --trace -Irtl

$(VL_DIR)/obj/Valpr_board__ALL.a: $(RTL_SRCS) $(RTL_HDRS)
	@mkdir -p $(VL_DIR)
	verilator $(VL_FLAGS) --build -j 2 --top-module alpr_board -Mdir $(VL_DIR)/obj $(RTL_SRCS) >/dev/null

VL_RUNTIME := $(VL_DIR)/verilated.o $(VL_DIR)/verilated_vcd_c.o $(VL_DIR)/verilated_threads.o
$(VL_RUNTIME): $(VL_DIR)/%.o: $(VL_DIR)/obj/Valpr_board__ALL.a
	$(CXX) $(VL_CXXFLAGS) -c $(VL_ROOT)/include/$*.cpp -o $@

$(VL_DIR)/vboard.o: sim/verilator/vboard.cpp sim/verilator/vboard.h $(VL_DIR)/obj/Valpr_board__ALL.a
	$(CXX) $(VL_CXXFLAGS) -c $< -o $@

$(VBOARD_LIB): $(VL_DIR)/vboard.o $(VL_RUNTIME) \
               $(VL_DIR)/obj/Valpr_board__ALL.a
	rm -f $@ && cp $(VL_DIR)/obj/Valpr_board__ALL.a $@ && \
	  ar rs $@ $(VL_DIR)/vboard.o $(VL_RUNTIME) 2>/dev/null

VSIM_TESTS := $(B)/tests/rtl/test_equiv
$(VSIM_TESTS): $(B)/tests/rtl/%: $(B)/tests/rtl/%.o $(VBOARD_LIB) $(LIB_TEST) $(LIBS)
	$(CXX) $(LDFLAGS_ALL) -o $@ $< $(LIB_TEST) $(LIBS) $(VBOARD_LIB) $(PKG_LIBS)

TEST_PROGS += $(VSIM_TESTS)

BENCH_BOARD := $(B)/bench_board
$(BENCH_BOARD): $(B)/tests/rtl/bench_board.o $(LIB_TEST) $(VBOARD_LIB) $(LIBS)
	$(CXX) $(LDFLAGS_ALL) -o $@ $< $(LIB_TEST) $(LIBS) $(VBOARD_LIB) $(PKG_LIBS)
BENCH_PROGS += $(BENCH_BOARD)

VSIM := $(B)/alpr-vsim
$(VSIM): $(B)/sim/verilator/vsim_main.o $(VBOARD_LIB) $(LIBS)
	$(CXX) $(LDFLAGS_ALL) -o $@ $< $(LIBS) $(VBOARD_LIB) $(PKG_LIBS)
PROGRAMS += $(VSIM)
