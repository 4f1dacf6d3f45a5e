# fairtrack — plain GNU Makefile.
#
#   make            build build/fairtrack (optimised) and the library
#   make demo       install missing dependencies, build, run the demo label
#   make check      install missing dependencies, run every test twice:
#                   plain and under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks (figures, never pass/fail)
#   make fuzz       run every fuzz harness (libFuzzer, clang) for FUZZ_SECONDS each
#   make format / make lint
#
# Sources are found by wildcard: a new module is a new file, no Makefile edit.

CC       ?= cc
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
WERROR   ?= -Werror
PKGS     := sqlite3 zlib libarchive yaml-0.1 libcrypto pangocairo cairo xlsxwriter libmicrohttpd libargon2 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -lz -larchive -lyaml -lcrypto -lpangocairo-1.0 -lpango-1.0 -lgobject-2.0 -lglib-2.0 -lcairo -lxlsxwriter -lmicrohttpd -largon2 -ljansson)
WARN     := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
BASE     := -std=c11 -D_GNU_SOURCE -g $(WARN) $(PKG_CFLAGS)
LIBS     := $(PKG_LIBS) -lpthread -lm

# Library layers (lower first).  The CLI only ever sees include/.
LIB_DIRS := src/core src/catalog src/ingest src/contracts src/engine src/ledger src/report
# Shells over the public API: compiled with -Iinclude only (see the rules).
# src/http is archived into the library so its unit tests can link it.
SHELL_LIB_DIRS := src/http
LIB_SRC  := $(foreach d,$(LIB_DIRS) $(SHELL_LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

# Two flavours share one recipe set: build/rel and build/asan.
REL_FLAGS  := -O2
ASAN_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

# BUILD is the output root: parallel workers can use their own (BUILD=build/x).
BUILD ?= build
B ?= $(BUILD)/rel
FLAVOUR_FLAGS ?= $(REL_FLAGS)

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

.PHONY: all build demo check check-rel check-asan test-run bench bench-engine bench-statements bench-portal fuzz format lint clean bootstrap valgrind

# The portal's chart library, from npm at build time (scripts/web-assets).
WEB_VENDOR := web/vendor/chart.umd.min.js

all: build $(WEB_VENDOR)
	@ln -sf rel/fairtrack $(BUILD)/fairtrack

$(WEB_VENDOR): web-deps/package.json web-deps/package-lock.json scripts/web-assets
	@echo "  NPM     web-deps -> web/vendor"
	$(Q)scripts/web-assets

build: $(B)/fairtrack $(UNIT_BIN) $(FUZZ_REPLAY)

$(B)/libfairtrack.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(AR) rcs $@ $^

# Library code may include its own internal headers; the shells only include/.
$(B)/obj/src/http/%.o: src/http/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<  ($(notdir $(B)))"
	$(Q)$(CC) $(BASE) $(FLAVOUR_FLAGS) -Iinclude -MMD -MP -c $< -o $@

$(B)/obj/src/cli/%.o: src/cli/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<  ($(notdir $(B)))"
	$(Q)$(CC) $(BASE) $(FLAVOUR_FLAGS) -Iinclude -MMD -MP -c $< -o $@

$(B)/obj/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<  ($(notdir $(B)))"
	$(Q)$(CC) $(BASE) $(FLAVOUR_FLAGS) -Iinclude -Isrc -MMD -MP -c $< -o $@

$(B)/fairtrack: $(CLI_OBJ) $(B)/libfairtrack.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(FLAVOUR_FLAGS) -o $@ $(CLI_OBJ) $(B)/libfairtrack.a $(LIBS)

# Unit tests see internals (-Isrc): they test modules, not just the API.
$(B)/tests/%: tests/unit/%.c $(B)/libfairtrack.a tests/unit/testutil.h tests/unit/testlines.h
	@mkdir -p $(dir $@)
	@echo "  TEST    $<  ($(notdir $(B)))"
	$(Q)$(CC) $(BASE) $(FLAVOUR_FLAGS) -Iinclude -Isrc -Itests/unit $< -o $@ $(B)/libfairtrack.a $(LIBS) -lcmocka

# Fuzz harnesses built with the standalone replay driver (gcc, corpus replay).
$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/standalone_driver.c $(B)/libfairtrack.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $<  ($(notdir $(B)))"
	$(Q)$(CC) $(BASE) $(FLAVOUR_FLAGS) -Iinclude -Isrc $< tests/fuzz/standalone_driver.c -o $@ $(B)/libfairtrack.a $(LIBS)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

bootstrap:
	@scripts/bootstrap

demo: bootstrap
	@$(MAKE) --no-print-directory all
	@scripts/demo

check: bootstrap
	@$(MAKE) --no-print-directory check-rel check-asan
	@tests/summary $(BUILD)/rel/test-results.txt $(BUILD)/asan/test-results.txt

check-rel: $(WEB_VENDOR)
	@$(MAKE) --no-print-directory -j2 B=$(BUILD)/rel FLAVOUR_FLAGS="$(REL_FLAGS)" build
	@tests/run $(BUILD)/rel

check-asan:
	@$(MAKE) --no-print-directory -j2 B=$(BUILD)/asan FLAVOUR_FLAGS="$(ASAN_FLAGS)" build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 tests/run $(BUILD)/asan

# Every unit test under valgrind's memcheck (leaks included), on the -O2 build.
valgrind: bootstrap
	@$(MAKE) --no-print-directory -j2 B=$(BUILD)/rel FLAVOUR_FLAGS="$(REL_FLAGS)" build
	@status=0; for t in $(BUILD)/rel/tests/test_*; do \
		if CMOCKA_MESSAGE_OUTPUT=TAP FAIRTRACK_TEST_TMP=$(BUILD)/rel/tmp valgrind -q --error-exitcode=99 \
			--leak-check=full --errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp $$t > $(BUILD)/rel/$$(basename $$t).vg 2>&1; \
		then echo "  ok      $$t"; else echo "  FAILED  $$t (see $(BUILD)/rel/$$(basename $$t).vg)"; status=1; fi; \
	done; exit $$status

bench: bootstrap all
	@bench/run

# The other benchmarks (bench/RESULTS.md has their figures and knobs).
bench-engine: bootstrap all
	@bench/engine.sh
bench-statements: bootstrap all
	@bench/statements-e2e.sh 10000 realistic 2
bench-portal: bootstrap all
	@bench/portal.sh

FUZZ_SECONDS ?= 60
fuzz: bootstrap
	@tests/fuzz/run-libfuzzer $(FUZZ_SECONDS)

format:
	clang-format -i $$(find include src tests bench -name '*.[ch]')

lint:
	@scripts/lint

clean:
	rm -rf build demo
