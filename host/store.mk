# The host store (host/store*.c): its benchmark, and a small run of it as a test.
#
#   make bench                      includes build/bench_store: 10M reads (ALPR_BENCH_READS
#                                   overrides; ALPR_BENCH_IMAGE_BYTES sets the crop size)
#   build/tests/test_store_bench    the same program on 20,000 reads, run by `make test`

BENCH_STORE := $(B)/bench_store
$(BENCH_STORE): $(B)/tests/bench_store.o $(LIB_TEST) $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/tests/test_store_bench.o: tests/bench_store.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DBENCH_DEFAULT_READS=20000 -c $< -o $@

$(B)/tests/test_store_bench: $(B)/tests/test_store_bench.o $(LIB_TEST) $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

BENCH_PROGS += $(BENCH_STORE)
TEST_PROGS += $(B)/tests/test_store_bench
