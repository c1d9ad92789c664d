# The board RTL: lint (every module as top under verilator --lint-only -Wall) and synthesis
# (rtl/synth.sh: Yosys + nextpnr-ice40 for the HX8K over several seeds).
RTL_V := $(sort $(wildcard rtl/*.v))
RTL_MODULES := $(notdir $(basename $(RTL_V)))

.PHONY: lint-rtl
lint-rtl:
	@for m in $(RTL_MODULES); do \
	  verilator --lint-only -Wall -Irtl --top-module $$m $(RTL_V) || exit 1; \
	done; echo "lint-rtl: $(words $(RTL_MODULES)) modules clean"
LINT_TARGETS += lint-rtl

synth: deps-check-all
	@rtl/synth.sh build/synth

# Per-module test benches (tests/rtl/tb_NAME.v, plain Verilog run by Verilator --binary): each
# stream module is run with no stalls, random source gaps and random sink backpressure. Built
# once into build/tb (shared by sanitizer builds), run by `make test`.
RTL_TBS := $(notdir $(basename $(wildcard tests/rtl/tb_*.v)))
RTL_TB_BINS := $(foreach t,$(RTL_TBS),build/tb/$(t:tb_%=%)/$(t))
define rtl_tb_rule
build/tb/$(1:tb_%=%)/$(1): tests/rtl/$(1).v $(RTL_V) $(wildcard rtl/*.vh)
	@mkdir -p build/tb
	verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style -Irtl -Mdir build/tb/$(1:tb_%=%) \
	  --top-module $(1) \
	  tests/rtl/$(1).v $(RTL_V) -o $(1) >/dev/null
endef
$(foreach t,$(RTL_TBS),$(eval $(call rtl_tb_rule,$(t))))
TEST_PROGS += $(RTL_TB_BINS)
