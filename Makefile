# The two commands: `make run` and `make test`. Both install what is missing first.
#
#   make test WERROR=1      warnings are errors (CI)
#   make test SANITIZE=1    ASan + UBSan build in build-asan/ (CI)
#   make bench              benchmarks (release build in build-bench/)

WERROR   ?=
SANITIZE ?=

ifneq ($(SANITIZE),)
BUILDDIR     ?= build-asan
MESON_OPTS   += -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
# Leaks in the libraries below us (fontconfig, Mesa) are theirs; ours must be zero.
export ASAN_OPTIONS  = detect_leaks=1:abort_on_error=1:strict_string_checks=1:fast_unwind_on_malloc=0
export UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS  = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
export G_SLICE       = always-malloc
else
BUILDDIR     ?= build
endif

ifneq ($(WERROR),)
MESON_OPTS += -Dwerror=true
else
MESON_OPTS += -Dwerror=false
endif

MESON_TEST_OPTS ?= --print-errorlogs --num-processes 2

FUZZ_SECONDS ?= 30

.PHONY: all install-deps build run test bench fuzz pot screenshots clean

all: build

install-deps:
	@./tools/install-deps

# Reconfigure an existing build dir so WERROR and friends always take effect.
$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) $(MESON_OPTS)

build: install-deps $(BUILDDIR)/build.ninja
	meson configure $(BUILDDIR) $(MESON_OPTS) >/dev/null
	meson compile -C $(BUILDDIR)

# The schema compiled into the build dir stands in for an installed one.
run: build
	GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILDDIR)/data TOLLGATE_ICON_THEME_PATH=$(CURDIR)/data/icons ./$(BUILDDIR)/src/tollgate

test: build
	./tests/run-headless meson test -C $(BUILDDIR) $(MESON_TEST_OPTS)

bench:
	$(MAKE) build BUILDDIR=build-bench MESON_OPTS="-Dbuildtype=release -Dwerror=false"
	./tests/run-headless meson test -C build-bench --benchmark --verbose

# Each fuzz target runs FUZZ_SECONDS from the seeds in tests/fuzz-corpus/; what it
# discovers stays in build-fuzz/, and a crash leaves its input there and fails.
fuzz:
	@./tools/install-deps --fuzz
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzzing=true \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
	meson compile -C build-fuzz
	for target in build-fuzz/tests/fuzz/fuzz-*; do \
	  [ -f "$$target" ] && [ -x "$$target" ] || continue; \
	  name=$${target##*/fuzz-}; \
	  mkdir -p build-fuzz/corpus/$$name; \
	  echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
	  G_SLICE=always-malloc ASAN_OPTIONS=fast_unwind_on_malloc=0 "$$target" -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus/$$name tests/fuzz-corpus/$$name || exit 1; \
	done

# Every page, the preferences pages, the charts and the icons, light and dark,
# into docs/screenshots/ (README, AppStream). Each demo drives real services
# on a throwaway store under the headless harness; the data sets are built
# with the mock provider or written as the services would record them.
SCREENSHOTS ?= docs/screenshots
screenshots: build
	mkdir -p $(SCREENSHOTS)
	./tests/run-headless ./$(BUILDDIR)/tests/prompt-demo $(SCREENSHOTS)
	./tests/run-headless ./$(BUILDDIR)/tests/provider-selector-demo $(SCREENSHOTS)
	./tests/run-headless ./$(BUILDDIR)/tests/cost-dashboard-demo shots $(SCREENSHOTS)
	GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILDDIR)/data ./tests/run-headless ./$(BUILDDIR)/tests/preferences-demo $(SCREENSHOTS)
	./tests/run-headless ./$(BUILDDIR)/tests/chart-demo $(SCREENSHOTS)
	@command -v rsvg-convert >/dev/null 2>&1 && ./tools/render-icons $(SCREENSHOTS) || \
	  echo "screenshots: rsvg-convert is missing (apt install librsvg2-bin): icon sheets left as they are"

pot: build
	meson compile -C $(BUILDDIR) tollgate-pot

clean:
	rm -rf build build-asan build-bench build-fuzz
