# credo: per-thread credential switching for Linux.
# The kernel build itself is described by Kbuild; this Makefile drives builds, tests and installs.

KVER ?= $(shell find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' -printf '%f\n' 2>/dev/null | \
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
PWD := $(CURDIR)

.PHONY: all module modules clean style check kernel tests deps demo help tested-on deb

all: module

module modules:
	$(MAKE) -C $(KDIR) M=$(PWD) W=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	rm -rf build
	$(MAKE) -C selftests clean 2>/dev/null || true

deps:
	scripts/install-deps.sh

style:
	scripts/style.sh

tests:
	scripts/build-tests.sh

kernel:
	scripts/build-test-kernel.sh 6.1

# Everything: style, host build, both guests, one closing "N passed, N failed" line.
check:
	scripts/check.sh

# One guest alone (still runs style and the host build first): check-bookworm (alias
# check-stock), check-dkms, check-deb, check-bullseye, check-trixie, check-trixie-backports, check-debug,
# check-debug-newest.
check-%:
	scripts/check.sh $*

# Copy the "Tested on" table of the last make check into README.md and docs/testing.md.
tested-on:
	scripts/tested-on.sh

demo:
	scripts/demo.sh

# Debian packages (debian/): dpkg-buildpackage in a clean bookworm chroot, then lintian; the
# .debs land in build/deb/. make check-deb also installs and tests them (scripts/check-deb.sh).
deb:
	scripts/build-deb.sh

# Benchmark in the stock QEMU guest (not part of make check): see docs/performance.md.
.PHONY: bench
bench:
	scripts/bench.sh

help:
	@echo "make            build credo.ko against $(KDIR) (W=1)"
	@echo "make check      style, host build, stock and debug QEMU guests, all tests"
	@echo "make demo       boot Debian's kernel in QEMU, modprobe credo, run the demonstration"
	@echo "make check-GUEST  one guest only: bookworm dkms deb bullseye trixie trixie-backports debug debug-newest"
	@echo "make deb        Debian packages into build/deb/ (dpkg-buildpackage in a bookworm chroot, lintian)"
	@echo "make tested-on  copy the last run's Tested-on table into README.md and docs/testing.md"
	@echo "make style      checkpatch --strict and sparse"

# ---- User space: libcredo, the credo tool, make install ----------------------------------------
#   make lib        lib/: libcredo.a, libcredo.so.0, credo.pc into $(USER_BUILD)/lib
#   make tools      tools/credo (linked with libcredo.a) into $(USER_BUILD)/tools
#   make install    [DESTDIR=/tmp/x] [PREFIX=/usr]: headers, library, credo.pc, the tool, man
#                   pages, the udev rule, the modprobe.d file and the DKMS source tree
# The version is written in one place, the first line of debian/changelog (less any Debian
# revision); dkms.conf says #MODULE_VERSION#, replaced here and by dh_dkms -V.
CREDO_VERSION := $(shell sed -n '1s/^credo (\([^)-]*\).*/\1/p' $(CURDIR)/debian/changelog)
PREFIX ?= /usr
DESTDIR ?=
USER_BUILD ?= $(CURDIR)/build
CREDO_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR ?= $(PREFIX)/lib$(if $(CREDO_MULTIARCH),/$(CREDO_MULTIARCH))
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# udev and modprobe read these whatever PREFIX is.
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODPROBEDIR ?= /usr/lib/modprobe.d
DKMSSRCDIR ?= /usr/src/credo-$(CREDO_VERSION)
CREDO_LIBVARS = OUT=$(USER_BUILD)/lib PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR)
CREDO_MAN3_LINKS := credo_override credo_override_user credo_lookup_user credo_ids_free \
	credo_revert credo_get credo_spawn_as credo_spawn_as_user credo_fd credo_strerror \
	credo_handle_mint credo_handle_mint_user credo_handle_assume credo_handle_get \
	credo_handle_revoke credo_revert_fd credo_get_fd credo_handle_send credo_handle_recv

.PHONY: lib tools install

lib:
	$(MAKE) -C lib $(CREDO_LIBVARS)

tools: lib
	$(MAKE) -C tools OUT=$(USER_BUILD)/tools LIBOUT=$(USER_BUILD)/lib

install: lib tools
	$(MAKE) -C lib $(CREDO_LIBVARS) DESTDIR=$(DESTDIR) install
	$(MAKE) -C tools OUT=$(USER_BUILD)/tools LIBOUT=$(USER_BUILD)/lib SBINDIR=$(SBINDIR) \
		DESTDIR=$(DESTDIR) install
	install -D -m 0644 uapi/linux/credo.h $(DESTDIR)$(INCLUDEDIR)/linux/credo.h
	install -D -m 0644 man/libcredo.3 $(DESTDIR)$(MANDIR)/man3/libcredo.3
	install -D -m 0644 man/credo.4 $(DESTDIR)$(MANDIR)/man4/credo.4
	install -D -m 0644 man/credo.8 $(DESTDIR)$(MANDIR)/man8/credo.8
	for f in $(CREDO_MAN3_LINKS); do \
		echo '.so man3/libcredo.3' >$(DESTDIR)$(MANDIR)/man3/$$f.3 || exit 1; \
	done
	install -D -m 0644 packaging/60-credo.rules $(DESTDIR)$(UDEVRULESDIR)/60-credo.rules
	install -D -m 0644 packaging/credo-modprobe.conf $(DESTDIR)$(MODPROBEDIR)/credo.conf
	rm -rf $(DESTDIR)$(DKMSSRCDIR)
	install -d $(DESTDIR)$(DKMSSRCDIR)
	install -m 0644 Kbuild $(DESTDIR)$(DKMSSRCDIR)/
	sed 's/#MODULE_VERSION#/$(CREDO_VERSION)/' dkms.conf >$(DESTDIR)$(DKMSSRCDIR)/dkms.conf
	cd $(CURDIR) && find module uapi -type f \( -name '*.[ch]' -o -name Kbuild \) \
		! -name '*.mod.c' -print | while read -r f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(DKMSSRCDIR)/$$f" || exit 1; \
	done
	@echo "installed; for the kernel module: dkms install credo/$(CREDO_VERSION)"
