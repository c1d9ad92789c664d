# The manual pages alpr(1), alpr-simboard(1), alprd(8) and alprd.conf(5), built with scdoc from
# host/man/*.scd, and the tests that keep them and the bash completion
# (host/system/alpr.bash-completion) in step with the programs' --help. See docs/MANPAGES.md.
#
#   make build/man/alpr.1            one page (also built by `make`)
#   man -l build/man/alpr.1          read it before it is installed
#   tests/test_manpages.sh           pages render without warnings, cover every command,
#                                    option and configuration key
#   tests/test_completion.sh         completion offers exactly what --help lists

# MAN_PAGES (the built pages) is defined in the top Makefile: the install rules name it too.

# The page's date is its source's last commit (the build date outside a git checkout), so that
# rebuilding an unchanged page gives the same file.
$(B)/man/%: host/man/%.scd
	@mkdir -p $(dir $@)
	@d=$$(git log -1 --format=%ct -- $< 2>/dev/null); \
	  SOURCE_DATE_EPOCH=$${d:-$$(date +%s)} scdoc <$< >$@.tmp && mv $@.tmp $@ && echo "scdoc $< -> $@"

PROGRAMS += $(MAN_PAGES)

# Both scripts find the programs and the pages through $ALPR_BUILD (host/alprd.mk exports it);
# `make test` builds $(PROGRAMS), pages included, before it runs them.
TEST_PROGS += tests/test_manpages.sh tests/test_completion.sh
