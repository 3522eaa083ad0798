# wdfio — `make run` runs `wdfio demo` (a narrated tour on embedded defaults), `make test` runs the tests.
# Both install missing Debian packages first (as root; otherwise they print the apt-get line).
# `make bench-smoke` runs bench/compare --quick: every comparison once, briefly (CI).
# `make format-check`, `make tidy`, `make check-docs`: style, lint, spec references (CONTRIBUTING.md).
# WERROR=1 builds everything with warnings as errors (CI does; off by default so that
# another compiler version's new warnings never stop a user's build).

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
JOBS       ?= $(shell nproc)
WERROR     ?= 0
CMAKE_OPTS := -DWDFIO_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF)
ASAN_OPTS  := -DCMAKE_BUILD_TYPE=Debug -DWDFIO_SANITIZE=address -DWDFIO_BUILD_BENCH=OFF
TSAN_OPTS  := -DCMAKE_BUILD_TYPE=Debug -DWDFIO_SANITIZE=thread -DWDFIO_BUILD_BENCH=OFF
# `make stress`: seconds each mixed stress test runs (tests/stress/mixed_stress_test.cpp), and
# a ctest -R filter within the stress suite (empty: all of it).
STRESS_SECONDS ?= 30
STRESS_FILTER  ?=
# Extra ctest arguments for test-asan and test-tsan (CI: -E MixedStress, run longer by make stress).
CTEST_ARGS     ?=
# `make fuzz`: the libFuzzer targets (fuzz/), built with clang + ASan + UBSan in BUILD_FUZZ,
# each run for FUZZ_SECONDS from its seed corpus (fuzz/corpus/NAME); FUZZERS picks some.
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS      ?= fuzz_cli_args fuzz_format fuzz_sequence fuzz_handles
CCACHE       := $(shell command -v ccache 2>/dev/null)
FUZZ_OPTS    := -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
                -DCMAKE_C_FLAGS_DEBUG='-g -O1' -DCMAKE_CXX_FLAGS_DEBUG='-g -O1' \
                -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link \
                -DWDFIO_SANITIZE=address -DWDFIO_BUILD_FUZZ=ON -DWDFIO_BUILD_TESTS=OFF -DWDFIO_BUILD_BENCH=OFF \
                -DWDFIO_BUILD_EXAMPLES=OFF \
                $(if $(CCACHE),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# clang and libclang-rt-14-dev (libFuzzer, the sanitizer runtimes): make fuzz.
# fio, python3 and util-linux-extra (fincore): bench/compare's baselines, report and residency check.
# gnutls-bin (certtool): the NBD TLS tests' certificate authority.
PACKAGES   := cmake g++ make pkg-config liburing-dev libnbd-dev nbdkit gnutls-bin libgtest-dev libbenchmark-dev libcli11-dev \
              libfmt-dev nlohmann-json3-dev util-linux \
              fio python3 util-linux-extra clang-format clang-tidy \
              clang libclang-rt-14-dev

.PHONY: deps configure build run test test-asan test-tsan stress fuzz bench bench-smoke format format-check tidy check-docs ddi-table clean

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run:  sudo apt-get install -y" $$missing; exit 1; \
	  fi; \
	fi

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_OPTS) >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The tour needs nothing but the build: a temporary file and an in-process RAM disk.
run: build
	./$(BUILD)/tools/wdfio/wdfio demo

test: build
	ctest --test-dir $(BUILD) --output-on-failure

# The unit and integration tests once more under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) $(ASAN_OPTS) $(CMAKE_OPTS) >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ctest --test-dir $(BUILD_ASAN) --output-on-failure $(CTEST_ARGS)

# The same tests under ThreadSanitizer (the send/cancel/timeout/stop races above all).
test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) $(TSAN_OPTS) $(CMAKE_OPTS) >/dev/null
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	ctest --test-dir $(BUILD_TSAN) --output-on-failure $(CTEST_ARGS)

# The stress suite (ctest label `stress`: tests/stress/), each mixed test for STRESS_SECONDS, in the
# build BUILD names: $(BUILD_ASAN) and $(BUILD_TSAN) configured as test-asan and test-tsan do, any
# other as `make build` does. E.g. `make stress BUILD=build-tsan STRESS_SECONDS=60 STRESS_FILTER=MixedStress`.
stress_opts = $(if $(filter $(BUILD_ASAN),$(BUILD)),$(ASAN_OPTS),$(if $(filter $(BUILD_TSAN),$(BUILD)),$(TSAN_OPTS),-DCMAKE_BUILD_TYPE=RelWithDebInfo))
stress: deps
	cmake -S . -B $(BUILD) $(stress_opts) $(CMAKE_OPTS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target wdfio_tests
	WDFIO_STRESS_SECONDS=$(STRESS_SECONDS) ctest --test-dir $(BUILD) -L stress $(if $(STRESS_FILTER),-R '$(STRESS_FILTER)') --output-on-failure

# Each fuzzer for FUZZ_SECONDS on its seed corpus (copied, so the repository's stays small);
# any crash, leak, hang (-timeout) or sanitizer report fails the target and leaves the input in
# $(BUILD_FUZZ)/artifacts/. Rerun one input: $(BUILD_FUZZ)/fuzz/NAME FILE.
fuzz: deps
	cmake -S . -B $(BUILD_FUZZ) $(FUZZ_OPTS) $(CMAKE_OPTS) >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target wdfio_fuzzers
	@mkdir -p $(BUILD_FUZZ)/artifacts
	@set -e; for f in $(FUZZERS); do \
	  rm -rf $(BUILD_FUZZ)/corpus/$$f; mkdir -p $(BUILD_FUZZ)/corpus/$$f; cp fuzz/corpus/$$f/* $(BUILD_FUZZ)/corpus/$$f/; \
	  echo "== $$f for $(FUZZ_SECONDS) s"; \
	  if WDFIO_VERIFIER=report ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(BUILD_FUZZ)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(BUILD_FUZZ)/artifacts/$$f- $(BUILD_FUZZ)/corpus/$$f >$(BUILD_FUZZ)/$$f.log 2>&1; \
	  then grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' $(BUILD_FUZZ)/$$f.log || true; \
	  else tail -n 60 $(BUILD_FUZZ)/$$f.log; echo "make fuzz: $$f failed; its input is in $(BUILD_FUZZ)/artifacts/"; exit 1; fi; \
	done

bench: build
	./$(BUILD)/bench/wdfio_bench_read

# A report, not a check: fails only when a run fails or a tool is missing, never on speed.
bench-smoke: build
	bench/compare --quick --build $(BUILD)

# `format` applies .clang-format to the tracked C and C++ files; `format-check` fails on any difference.
FORMAT_FILES = git ls-files -z '*.c' '*.h' '*.cpp' '*.hpp'

format: deps
	$(FORMAT_FILES) | xargs -0 clang-format -i

format-check: deps
	$(FORMAT_FILES) | xargs -0 clang-format --dry-run -Werror

# .clang-tidy over every file in the build's compile_commands.json; headers are checked
# through the files that include them (.clang-tidy's HeaderFilterRegex).
tidy: configure
	python3 -c 'import json,sys; print("\0".join(e["file"] for e in json.load(open(sys.argv[1]))), end="")' \
	  $(BUILD)/compile_commands.json | xargs -0 -n 4 -P $(JOBS) clang-tidy -p $(BUILD) --quiet

# Every "spec §N" names a section that exists in docs/spec/ (convention: docs/README.md).
check-docs: deps
	python3 tools/check_spec_refs.py

# Rewrites README.md's table of implemented KMDF DDIs from include/wdfio (ctest readme_ddi_table checks it).
ddi-table:
	python3 tools/ddi_table.py --write README.md

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_FUZZ)
