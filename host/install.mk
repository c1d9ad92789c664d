# Installing the roadside unit: `make install` / `make uninstall` (docs/INSTALL.md).
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   programs, configuration, systemd unit, udev
#                                                 rule, sysusers.d, tmpfiles.d, man pages, bash
#                                                 completion, docs
#   make uninstall                                removes exactly those files again
#   tests/test_install.sh                         installs into a DESTDIR and checks the tree
#
# Neither target installs packages or builds as root by itself: the programs come from $(B) (built
# by the user first, or by make here when missing). Without DESTDIR and as root, install then
# activates what it installed (host/system/activate.sh: the account, the folders, udev, systemd);
# it never enables or starts the service, which needs its configuration first.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/alpr
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DESTDIR ?=

# The units name the installed paths, so they are made for the paths of this invocation.
SYSTEM_OUT := $(B)/system
$(SYSTEM_OUT)/%.service: host/system/%.service.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
.PHONY: FORCE
FORCE:

# What is installed: DESTINATION:MODE:SOURCE, one per file. The docs go with the package too.
INSTALL_DOCS := README.md $(wildcard docs/*.md)
INSTALL_MAP = \
  $(BINDIR)/alpr:0755:$(ALPR) \
  $(BINDIR)/alpr-simboard:0755:$(SIMBOARD) \
  $(SBINDIR)/alprd:0755:$(ALPRD) \
  $(SBINDIR)/alpr-stored:0755:$(STORED) \
  $(UNITDIR)/alprd.service:0644:$(SYSTEM_OUT)/alprd.service \
  $(UNITDIR)/alpr-stored.service:0644:$(SYSTEM_OUT)/alpr-stored.service \
  $(UNITDIR)/alpr-stored.socket:0644:host/system/alpr-stored.socket \
  $(UNITDIR)/alpr-stored-ingest.socket:0644:host/system/alpr-stored-ingest.socket \
  $(UDEVRULESDIR)/60-alpr-board.rules:0644:host/system/60-alpr-board.rules \
  $(SYSUSERSDIR)/alpr.conf:0644:host/system/alpr.sysusers \
  $(TMPFILESDIR)/alpr.conf:0644:host/system/alpr.tmpfiles \
  $(BASHCOMPDIR)/alpr:0644:host/system/alpr.bash-completion \
  $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)):0644:$(m)) \
  $(DOCDIR)/alprd.conf.example:0644:docs/alprd.conf.example \
  $(foreach d,$(INSTALL_DOCS),$(DOCDIR)/$(d):0644:$(d))
# The configuration is the administrator's once installed: written only when absent, removed
# only when unchanged.
INSTALL_CONF := $(SYSCONFDIR)/alpr/alprd.conf

INSTALL_SOURCES = $(foreach e,$(INSTALL_MAP),$(word 3,$(subst :, ,$(e))))

.PHONY: install-files install uninstall
install-files: $(INSTALL_SOURCES)

install: deps-check install-files
	@set -e; for e in $(INSTALL_MAP); do \
	  IFS=: read -r dest mode src <<<"$$e"; \
	  install -D -m "$$mode" "$$src" "$(DESTDIR)$$dest"; \
	  echo "installed $(DESTDIR)$$dest"; \
	done; \
	conf="$(DESTDIR)$(INSTALL_CONF)"; \
	if [ -e "$$conf" ]; then echo "kept $$conf (yours; the shipped one is $(DESTDIR)$(DOCDIR)/alprd.conf.example)"; \
	else install -D -m 0644 docs/alprd.conf.example "$$conf"; echo "installed $$conf"; fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  host/system/activate.sh; \
	fi
	@echo "install: done. Edit $(INSTALL_CONF) (unit, camera, position), then:" \
	  "systemctl enable --now alpr-stored.socket alpr-stored-ingest.socket alprd"

uninstall:
	@for e in $(INSTALL_MAP); do \
	  IFS=: read -r dest mode src <<<"$$e"; \
	  if [ -e "$(DESTDIR)$$dest" ] || [ -L "$(DESTDIR)$$dest" ]; then \
	    rm -f "$(DESTDIR)$$dest" && echo "removed $(DESTDIR)$$dest"; fi; \
	done; \
	conf="$(DESTDIR)$(INSTALL_CONF)"; \
	if [ -e "$$conf" ]; then \
	  if cmp -s "$$conf" docs/alprd.conf.example; then rm -f "$$conf" && echo "removed $$conf"; \
	  else echo "kept $$conf: it was changed after installation"; fi; \
	fi; \
	for d in "$(DESTDIR)$(DOCDIR)/docs" "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(SYSCONFDIR)/alpr"; do \
	  [ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; \
	done
	@echo "uninstall: done. The accounts alpr and alpr-store, the store in /var/lib/alpr-store" \
	  "and its key $(SYSCONFDIR)/alpr/store.key.cred are kept (records under the retention" \
	  "policy); remove them deliberately if that is what you want."

TEST_PROGS += tests/test_install.sh
