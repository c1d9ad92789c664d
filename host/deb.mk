# The Debian packages of the unit: `make deb` (host/debian/build-deb.sh; docs/INSTALL.md).
#
#   make deb                 build/deb/alpr_VERSION_ARCH.deb (the unit) and
#                            build/deb/alpr-simboard_VERSION_ARCH.deb (engineers)
#   tests/test_deb.sh        builds them, lists and extracts them, checks the tree, runs lintian
#   make test-systemd        the package in a Debian 12 booted under systemd-nspawn: the unit's
#                            sandbox, notify protocol and watchdog for real (tests/systemd_unit.sh;
#                            needs root and a Debian mirror; not part of `make test`)
#
# The packages are made from what `make install` puts in a staging tree with Debian's paths, so
# the package and `make install` cannot differ in what they ship.

DEB_OUT := $(B)/deb
DEB_STAGE := $(DEB_OUT)/stage
DEB_PATHS := PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d \
  SYSUSERSDIR=/usr/lib/sysusers.d TMPFILESDIR=/usr/lib/tmpfiles.d

.PHONY: deb deb-run deb-files
deb-files: install-files host/debian/build-deb.sh host/debian/control host/debian/copyright \
           host/debian/postinst.in host/debian/prerm host/debian/postrm host/system/activate.sh

deb: deps-check-all
	@$(MAKE) --no-print-directory deb-run

deb-run: deb-files
	@rm -rf $(DEB_STAGE)
	@$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_STAGE))/root $(DEB_PATHS) >/dev/null
	@host/debian/build-deb.sh $(DEB_STAGE) $(DEB_OUT) $(VERSION)

TEST_PROGS += tests/test_deb.sh

.PHONY: test-systemd
test-systemd: deps-check-all
	@tests/run-tests.sh tests/systemd_unit.sh
