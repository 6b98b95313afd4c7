# Makefile: the two commands a newcomer needs (make test, make demo) plus the builds
# CI uses. Everything real happens in scripts/ and CMake; this only sequences it.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all bootstrap build test test-asan fuzz demo bench clean

all: build

# scripts/bootstrap is idempotent: a second run only checks and prints the cached prefix.
$(BUILD)/.llama-prefix: scripts/bootstrap
	@mkdir -p $(BUILD)
	@scripts/bootstrap > $@.tmp && mv $@.tmp $@

bootstrap: $(BUILD)/.llama-prefix

$(BUILD)/CMakeCache.txt: $(BUILD)/.llama-prefix
	cmake -S . -B $(BUILD) -DDS_WERROR=ON -DDS_LLAMA_PREFIX="$$(cat $(BUILD)/.llama-prefix)" $(CMAKE_ARGS) >/dev/null

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: $(BUILD)/.llama-prefix
	cmake -S . -B $(ASAN_BUILD) -DDS_WERROR=ON -DDS_SANITIZE=ON -DDS_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
	  -DDS_LLAMA_PREFIX="$$(cat $(BUILD)/.llama-prefix)" $(CMAKE_ARGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS)

# libFuzzer targets, each run briefly: FUZZ_SECONDS each, or exactly FUZZ_RUNS inputs with a
# fixed seed (repeatable; what CI uses).
FUZZ_SECONDS ?= 20
export FUZZ_RUNS
fuzz: $(BUILD)/.llama-prefix
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DDS_FUZZ=ON -DDS_SANITIZE=ON -DDS_BENCH=OFF \
	  -DDS_LLAMA_PREFIX="$$(cat $(BUILD)/.llama-prefix)" >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	scripts/run-fuzzers $(FUZZ_BUILD) $(FUZZ_SECONDS)

demo: build
	scripts/demo $(BUILD)

bench: build
	@echo "benchmarks are in $(BUILD)/bench; see bench/README.md"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
