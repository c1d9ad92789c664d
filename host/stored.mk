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
