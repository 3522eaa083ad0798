# wdfio — `make run` runs the example on embedded defaults, `make test` runs the tests.
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
# fio, python3 and util-linux-extra (fincore): bench/compare's baselines, report and residency check.
# gnutls-bin (certtool): the NBD TLS tests' certificate authority.
PACKAGES   := cmake g++ make pkg-config liburing-dev libnbd-dev nbdkit gnutls-bin libgtest-dev libbenchmark-dev libcli11-dev \
              libfmt-dev nlohmann-json3-dev util-linux \
              fio python3 util-linux-extra clang-format clang-tidy

.PHONY: deps configure build run test test-asan test-tsan bench bench-smoke format format-check tidy check-docs ddi-table clean

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

run: build
	./$(BUILD)/examples/file_roundtrip

test: build
	ctest --test-dir $(BUILD) --output-on-failure

# The unit and integration tests once more under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DWDFIO_SANITIZE=address -DWDFIO_BUILD_BENCH=OFF $(CMAKE_OPTS) >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ctest --test-dir $(BUILD_ASAN) --output-on-failure

# The same tests under ThreadSanitizer (the send/cancel/timeout/stop races above all).
test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=Debug -DWDFIO_SANITIZE=thread -DWDFIO_BUILD_BENCH=OFF $(CMAKE_OPTS) >/dev/null
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	ctest --test-dir $(BUILD_TSAN) --output-on-failure

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
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN)
