# The store service (host/stored.c): the installed program, and the test build whose clock each
# request may set (-DALPR_TEST_CLOCK; docs/STORE.md, "Trusted clock"), which only the tests run.

$(STORED): $(B)/host/stored.o $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/tests/stored-testclock.o: host/stored.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DALPR_TEST_CLOCK -c $< -o $@

$(STORED_TEST): $(B)/tests/stored-testclock.o $(LIBS)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

PROGRAMS += $(STORED) $(STORED_TEST)

# The full-disk purge through the service (issue 16, finding 5).
$(B)/tests/test_store_reserve: | $(STORED_TEST)

# The store through the service at scale (tests/bench_service.c), side by side with the in-process
# store's benchmark (host/store.mk): `make bench` runs both. build/tests/test_service_bench is the
# same program on 20,000 reads, run by `make test` for its checks (searches find the reads, the
# purge runs), not for its timings.
BENCH_SERVICE := $(B)/bench_service
$(BENCH_SERVICE): $(B)/tests/bench_service.o $(LIB_TEST) $(LIBS) | $(STORED_TEST)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter-out $(STORED_TEST),$^) $(PKG_LIBS)

$(B)/tests/test_service_bench.o: tests/bench_service.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DBENCH_DEFAULT_READS=20000 -c $< -o $@

$(B)/tests/test_service_bench: $(B)/tests/test_service_bench.o $(LIB_TEST) $(LIBS) | $(STORED_TEST)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter-out $(STORED_TEST),$^) $(PKG_LIBS)

BENCH_PROGS += $(BENCH_SERVICE)
TEST_PROGS += $(B)/tests/test_service_bench
