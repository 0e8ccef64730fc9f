# credo: per-thread credential switching for Linux.
# The kernel build itself is described by Kbuild; this Makefile drives builds, tests and installs.

KVER ?= $(shell find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' -printf '%f\n' 2>/dev/null | \
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
PWD := $(CURDIR)

.PHONY: all module modules clean style check kernel tests deps demo help tested-on

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
# check-stock), check-bullseye, check-trixie, check-trixie-backports, check-debug,
# check-debug-newest.
check-%:
	scripts/check.sh $*

# Copy the "Tested on" table of the last make check into README.md and docs/testing.md.
tested-on:
	scripts/tested-on.sh

demo:
	scripts/demo.sh

help:
	@echo "make            build credo.ko against $(KDIR) (W=1)"
	@echo "make check      style, host build, stock and debug QEMU guests, all tests"
	@echo "make demo       boot Debian's kernel in QEMU, modprobe credo, run the demonstration"
	@echo "make check-GUEST  one guest only: bookworm bullseye trixie trixie-backports debug debug-newest"
	@echo "make tested-on  copy the last run's Tested-on table into README.md and docs/testing.md"
	@echo "make style      checkpatch --strict and sparse"
