# credo: per-thread credential switching for Linux.
# The kernel build itself is described by Kbuild; this Makefile drives builds, tests and installs.

KVER ?= $(shell find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' -printf '%f\n' 2>/dev/null | \
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
PWD := $(CURDIR)

.PHONY: all module modules clean style check check-stock check-debug guest-stock guest-debug \
	kernel tests deps demo help

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

# One guest alone (still runs style and the host build first).
check-stock guest-stock:
	scripts/check.sh stock

check-debug guest-debug:
	scripts/check.sh debug

demo:
	scripts/demo.sh

help:
	@echo "make            build credo.ko against $(KDIR) (W=1)"
	@echo "make check      style, host build, stock and debug QEMU guests, all tests"
	@echo "make demo       boot Debian's kernel in QEMU, modprobe credo, run the demonstration"
	@echo "make check-stock | check-debug   one guest only"
	@echo "make style      checkpatch --strict and sparse"
