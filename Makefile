# AutoEncoder Toolkit — one plain Makefile.
#   make               build the library (build/libaet.a)
#   make test          install missing Debian packages, build and run the doctest suite
#   make test-kernels  the suite again with every other GEMM kernel this CPU can run
#   make test-aarch64  the suite cross-built for ARM64, run under qemu-aarch64
#   make tutorial-N    build and run tutorial N (e.g. make tutorial-1)
#   make tutorials     build every tutorial (so none can silently rot)
#   make bench         build and run the benchmarks (installs the benchmark peers)
#   make data          find Fashion-MNIST, or download it into the cache (DATASET=mnist for MNIST)
#   make doctor        one screen about this machine's setup, to paste into a question
#   make test-clang    the suite built by clang (build-clang/); test-libcxx: clang + libc++
#   make explorer      tutorial 7's page: the toolkit's decoder compiled to WebAssembly (emscripten)
#   make test-explorer the page in headless chromium, checked against the native decoder
#   make readme-figures  rerun the tutorials' default runs, check the figures the READMEs quote
#   make check [TASK=4.2]  the coursework tasks: points, pass/fail, what is wrong (docs/instructors.md)
#   make progress      one line per tutorial: tasks done; make student-copy DEST=dir [HIDDEN=0];
#   make grade SUBMISSIONS=dir [OUT=grades.csv]; make test-coursework (both directions, for CI)
#   make clean
# Objects go under build/; header dependencies are tracked with -MMD -MP.

CXX      ?= g++
OPTFLAGS ?= -O2 -g
# -fno-math-errno lets g++ vectorise sqrt (Adam); nothing here reads errno after math calls.
# third_party/stb is searched after the system folders: a fallback for machines with no
# stb package (macOS), never used where Debian's libstb-dev is installed.
CXXFLAGS := $(OPTFLAGS) -std=c++20 -Wall -Wextra -fno-math-errno -pthread -I. -idirafter third_party/stb -MMD -MP
LDLIBS   := -lfmt -lz -pthread
BUILD    := build

# macOS: Homebrew puts headers and libraries under its prefix (/opt/homebrew on Apple
# silicon, /usr/local on Intel), where Apple's clang does not look by itself.
ifeq ($(shell uname -s),Darwin)
  BREW_PREFIX := $(shell brew --prefix 2>/dev/null)
  ifneq ($(BREW_PREFIX),)
    CXXFLAGS += -isystem $(BREW_PREFIX)/include
    LDLIBS   := -L$(BREW_PREFIX)/lib $(LDLIBS)
  endif
endif

# Files named *_avx2.cpp / *_avx512.cpp hold kernels compiled for AVX2+FMA / AVX-512;
# they run only after a run-time CPU check, so the rest of the library stays portable.
# Everything in autograd/kernels/ is compiled with -O3: GCC's -O3 vectoriser takes a loop
# of any length (at -O2 GCC 12 only takes trip counts that are a multiple of the vector
# width), so the kernels' element loops are written as plain loops.
KERNEL_OPT ?= -O3
AVX2_FLAGS   := -mavx2 -mfma
AVX512_FLAGS := -mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx2 -mfma

# Builds run in parallel on every core (the install steps below are chained, so two
# apt-get never run at once).
JOBS     ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
SUBMAKE  := $(MAKE) --no-print-directory -j$(JOBS)

# Debian packages each target needs (installed on demand by scripts/install-deps.sh).
DEPS_BUILD := doctest-dev libfmt-dev libstb-dev zlib1g-dev libcli11-dev
DEPS_DATA  := dataset-fashion-mnist curl
DEPS_PLOT  := gnuplot-nox
DEPS_BENCH := libopenblas-dev python3-torch

# The micro-kernels of other architectures are left out: *_avx2/*_avx512 are built for
# x86-64 targets only, *_neon for aarch64 (the target is the compiler's, so a cross
# compiler, `make CXX=aarch64-linux-gnu-g++`, gets the right files).
TARGET_ARCH_NAME := $(firstword $(subst -, ,$(shell $(CXX) -dumpmachine)))
ISA_SRC_x86_64  := %_neon.cpp
ISA_SRC_aarch64 := %_avx2.cpp %_avx512.cpp
# Apple's clang names the same target arm64 (arm64-apple-darwin23.0.0).
ISA_SRC_arm64   := %_avx2.cpp %_avx512.cpp
ISA_LEFT_OUT := $(or $(ISA_SRC_$(TARGET_ARCH_NAME)),%_neon.cpp %_avx2.cpp %_avx512.cpp)
LIB_SRC  := $(filter-out $(ISA_LEFT_OUT),$(wildcard autograd/*.cpp autograd/kernels/*.cpp nn/*.cpp models/*.cpp datasets/*.cpp tutorials/common/*.cpp))
LIB_OBJ  := $(LIB_SRC:%.cpp=$(BUILD)/%.o)
LIB      := $(BUILD)/libaet.a
TEST_SRC := $(wildcard tests/*.cpp)
TEST_OBJ := $(TEST_SRC:%.cpp=$(BUILD)/%.o)
TEST_BIN := $(BUILD)/tests/run_tests
TUT_DIRS := $(sort $(wildcard tutorials/[0-9][0-9]-*))
TUT_BINS := $(TUT_DIRS:tutorials/%=$(BUILD)/tutorials/%)
TUT_OBJ  := $(TUT_BINS:=.o)
BENCH_SRC := $(wildcard bench/*.cpp)
BENCH_BINS := $(BENCH_SRC:bench/%.cpp=$(BUILD)/bench/%)
TOOL_SRC := $(wildcard tools/*.cpp)
TOOL_BINS := $(TOOL_SRC:tools/%.cpp=$(BUILD)/tools/%)
CHECK_SRC := $(wildcard coursework/checker/*.cpp coursework/tests/*.cpp coursework/tests/hidden/*.cpp)
CHECK_OBJ := $(CHECK_SRC:%.cpp=$(BUILD)/%.o)
CHECK_BIN := $(BUILD)/coursework/check

.PHONY: check progress student-copy grade test-coursework test-bins
.PHONY: all lib test test-asan test-kernels test-aarch64 test-clang test-libcxx fuzz tutorials readme-figures bench data doctor \
        clean deps deps-data deps-plot deps-bench explorer test-explorer tutorial-7 deps-wasm deps-browser
.DEFAULT_GOAL := all

all: lib
lib: $(LIB)

deps:
	@scripts/install-deps.sh $(DEPS_BUILD)
deps-data: | deps
	@scripts/install-deps.sh $(DEPS_DATA)
deps-plot: | deps-data
	@scripts/install-deps.sh $(DEPS_PLOT)
deps-bench: | deps-plot
	@scripts/install-deps.sh $(DEPS_BENCH)

$(BUILD)/autograd/kernels/%.o: CXXFLAGS += $(KERNEL_OPT)
# The stencil's sums give the same bits on every CPU only if no multiply and add are fused
# (stencil_sums.h); its AVX-512 copy could otherwise be contracted into FMAs.
$(BUILD)/autograd/kernels/stencil_sums.o: CXXFLAGS += -ffp-contract=off

$(BUILD)/%_avx2.o: %_avx2.cpp | deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(AVX2_FLAGS) -c $< -o $@

$(BUILD)/%_avx512.o: %_avx512.cpp | deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(AVX512_FLAGS) -c $< -o $@

$(BUILD)/%.o: %.cpp | deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# ---- tests -------------------------------------------------------------------
$(TEST_BIN): $(TEST_OBJ) $(LIB)
	$(CXX) $(CXXFLAGS) $(TEST_OBJ) $(LIB) $(LDLIBS) -o $@

# The suite also runs every tutorial in --smoke mode and tools/doctor, so they are built first.
# In a student copy, the tests that need a coursework task whose stub is still in place are
# left out, with a note naming the tasks (coursework/skipped-tests.sh; nothing in the repo).
test: deps-data deps-plot | deps
	@$(SUBMAKE) $(TEST_BIN) $(TUT_BINS) $(GET_DATA) $(TOOL_BINS)
	$(TEST_BIN) $(shell coursework/skipped-tests.sh)

# What `make test` runs, built but not run (coursework/map_suite.py and ci.sh use it).
test-bins: | deps
	@$(SUBMAKE) $(TEST_BIN) $(TUT_BINS) $(GET_DATA) $(TOOL_BINS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer, built apart in
# build-asan/ (halts on the first report). The smoke tests run the sanitized tutorials.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-asan: deps-data deps-plot | deps
	@$(SUBMAKE) BUILD=build-asan OPTFLAGS="$(ASAN_FLAGS)" KERNEL_OPT= \
	  build-asan/tests/run_tests $(TUT_BINS:$(BUILD)/%=build-asan/%) $(GET_DATA:$(BUILD)/%=build-asan/%) \
	  $(TOOL_BINS:$(BUILD)/%=build-asan/%)
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  AET_TUTORIAL_BIN_DIR=build-asan/tutorials build-asan/tests/run_tests

# The suite again with each other GEMM kernel this CPU can run forced (AET_GEMM_KERNEL):
# on an AVX-512 machine the AVX2 and portable kernels, as most students' laptops pick.
test-kernels: deps-data deps-plot | deps
	@$(SUBMAKE) $(TEST_BIN) $(TUT_BINS) $(GET_DATA) $(TOOL_BINS)
	scripts/test-every-kernel.sh $(TEST_BIN)

# The same suite and tutorials cross-built for ARM64 (Debian's g++-aarch64-linux-gnu),
# statically linked (fmt header-only: Debian ships no libfmt.a), and run under qemu-aarch64
# one test file at a time with a time limit each (scripts/test-under-qemu.sh). Static,
# because dynamically linked aarch64 binaries hang at the first std::thread under
# Debian 12's qemu 7.2. The NEON kernel is the one chosen there.
AARCH64_CXX := aarch64-linux-gnu-g++
test-aarch64: deps-data deps-plot | deps
	@scripts/install-arm64-deps.sh
	@$(SUBMAKE) BUILD=build-aarch64 CXX=$(AARCH64_CXX) OPTFLAGS="-O2 -g -DFMT_HEADER_ONLY" \
	  LDLIBS="-lz -pthread -static" build-aarch64/tests/run_tests $(TUT_BINS:$(BUILD)/%=build-aarch64/%) \
	  $(GET_DATA:$(BUILD)/%=build-aarch64/%) $(TOOL_BINS:$(BUILD)/%=build-aarch64/%)
	scripts/test-under-qemu.sh build-aarch64

# The same suite built by clang, against GNU's libstdc++ (build-clang/) and against LLVM's
# libc++ (build-libcxx/), the library Apple's toolchain uses. -Werror: both must build
# without a warning. Debian's libfmt.so is built for libstdc++, so the libc++ build uses
# fmt header-only.
CLANG_FLAGS := -O2 -g -Werror
test-clang: deps-data deps-plot | deps
	@scripts/install-deps.sh clang
	@$(SUBMAKE) BUILD=build-clang CXX=clang++ OPTFLAGS="$(CLANG_FLAGS)" \
	  build-clang/tests/run_tests $(TUT_BINS:$(BUILD)/%=build-clang/%) $(TOOL_BINS:$(BUILD)/%=build-clang/%) \
	  $(GET_DATA:$(BUILD)/%=build-clang/%)
	AET_TUTORIAL_BIN_DIR=build-clang/tutorials build-clang/tests/run_tests

test-libcxx: deps-data deps-plot | deps
	@scripts/install-deps.sh clang libc++-dev libc++abi-dev
	@$(SUBMAKE) BUILD=build-libcxx CXX="clang++ -stdlib=libc++" OPTFLAGS="$(CLANG_FLAGS) -DFMT_HEADER_ONLY" \
	  LDLIBS="$(filter-out -lfmt,$(LDLIBS))" \
	  build-libcxx/tests/run_tests $(TUT_BINS:$(BUILD)/%=build-libcxx/%) $(TOOL_BINS:$(BUILD)/%=build-libcxx/%) \
	  $(GET_DATA:$(BUILD)/%=build-libcxx/%)
	AET_TUTORIAL_BIN_DIR=build-libcxx/tutorials build-libcxx/tests/run_tests

# libFuzzer targets for the IDX reader and the checkpoint loader (clang, not part of
# `make test`). Each runs FUZZ_SECONDS on a copy of its checked-in seed corpus;
# crashes are written to build-fuzz/ and should become regression tests.
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_TARGETS := fuzz_idx fuzz_checkpoint
fuzz: | deps
	@scripts/install-deps.sh clang libclang-rt-14-dev
	@$(SUBMAKE) BUILD=build-fuzz CXX=clang++ OPTFLAGS="$(FUZZ_FLAGS)" KERNEL_OPT= build-fuzz/libaet.a
	@for t in $(FUZZ_TARGETS); do \
	  clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer -std=c++20 -I. -pthread tests/fuzz/$$t.cpp build-fuzz/libaet.a \
	    $(LDLIBS) -o build-fuzz/$$t || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
	  corpus=build-fuzz/corpus-$$t; mkdir -p $$corpus; cp -n tests/fuzz/corpus/$${t#fuzz_}/* $$corpus/; \
	  echo "== $$t for $(FUZZ_SECONDS) s"; \
	  (cd build-fuzz && ./$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 \
	     -print_final_stats=1 corpus-$$t) || exit 1; \
	done

# ---- coursework (docs/instructors.md) ----------------------------------------------
# The checker links the task checks (coursework/tests/, hidden/ unless the copy left it out)
# against the library, so an edit recompiles the student's file, re-archives and relinks.
$(CHECK_BIN): $(CHECK_OBJ) $(LIB)
	$(CXX) $(CXXFLAGS) $(CHECK_OBJ) $(LIB) $(LDLIBS) -o $@

check: | deps
	@$(SUBMAKE) $(CHECK_BIN)
	@$(CHECK_BIN) $(if $(TASK),--task $(TASK))

progress: | deps
	@$(SUBMAKE) $(CHECK_BIN)
	@$(CHECK_BIN) --progress

# HIDDEN=0 leaves coursework/tests/hidden/ out of the copy (make grade compiles it anyway).
student-copy:
	@test -n "$(DEST)" || { echo "usage: make student-copy DEST=dir [HIDDEN=0]"; exit 2; }
	python3 coursework/student_copy.py --dest "$(DEST)" $(if $(filter 0,$(HIDDEN)),--no-hidden)

# Each folder in SUBMISSIONS is one student's copy; the CSV gets one row per student.
grade: | deps
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [OUT=grades.csv]"; exit 2; }
	@$(SUBMAKE) $(CHECK_BIN)
	python3 coursework/grade.py --submissions "$(SUBMISSIONS)" --out "$(or $(OUT),grades.csv)" --build $(BUILD) --jobs $(JOBS)

# CI: make check passes 100 %; a student copy builds, every task says "not done yet", its
# suite passes without the stubbed code's tests; make grade scores three prepared copies.
test-coursework: | deps
	@$(SUBMAKE) $(CHECK_BIN) $(TEST_BIN)
	coursework/ci.sh

# ---- tutorials ---------------------------------------------------------------
# Each main.cpp compiles to its own object (build/tutorials/NN-name.o) and is then linked
# with the library, so an edit of a file under models/ recompiles that one file, re-archives
# the library and relinks, and an edit of main.cpp recompiles main.cpp alone. CLI11 is
# compiled once, in tutorials/common/options.cpp (see options.h); bench/rebuild.sh times it.
$(TUT_OBJ): $(BUILD)/tutorials/%.o: tutorials/%/main.cpp | deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(TUT_BINS): $(BUILD)/tutorials/%: $(BUILD)/tutorials/%.o $(LIB)
	$(CXX) $(CXXFLAGS) $< $(LIB) $(LDLIBS) -o $@

tutorials: $(TUT_BINS)

tutorial-%: deps deps-data deps-plot
	@dir=$$(ls -d tutorials/0$*-* 2>/dev/null | head -n1); \
	 if [ -z "$$dir" ]; then echo "no tutorial $* (see tutorials/)"; exit 1; fi; \
	 name=$${dir#tutorials/}; \
	 $(SUBMAKE) $(BUILD)/tutorials/$$name && \
	 mkdir -p out && ./$(BUILD)/tutorials/$$name $(ARGS)

# ---- data --------------------------------------------------------------------
# Without the Debian package (or off Debian), `make data` downloads the four .gz files
# into $XDG_CACHE_HOME/aet/NAME (~/.cache/aet/NAME; ~/Library/Caches/aet/NAME on macOS),
# checked against their published MD5s; AET_DATA_URL=URL fetches from a mirror instead.
# It needs only the build dependencies and curl, not apt.
DATASET  ?= fashion-mnist
GET_DATA := $(BUILD)/get-data
$(GET_DATA): datasets/cli/get_data.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -MF $@.d $< $(LIB) $(LDLIBS) -o $@

data: | deps
	@$(SUBMAKE) $(GET_DATA)
	$(GET_DATA) --dataset $(DATASET)
# ---- tools -------------------------------------------------------------------
$(BUILD)/tools/%: tools/%.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -MF $@.d $< $(LIB) $(LDLIBS) -o $@

# ARGS="--data DIR" checks another data folder.
doctor: | deps
	@$(SUBMAKE) $(BUILD)/tools/doctor
	@./$(BUILD)/tools/doctor $(ARGS)

# The figures the READMEs quote, checked against what the current build prints
# (scripts/readme_figures.py says how they are marked). FULL=1 also reruns the long
# full-recipe runs; WRITE=1 rewrites the quoted figures instead of failing.
readme-figures: deps deps-data deps-plot
	@$(SUBMAKE) $(TUT_BINS)
	/usr/bin/python3 scripts/readme_figures.py $(if $(FULL),--full) $(if $(WRITE),--write)

# ---- benchmarks --------------------------------------------------------------
$(BUILD)/bench/%: bench/%.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -O3 $< $(LIB) $(LDLIBS) -ldl -o $@

# bench/epoch runs bench/epoch_torch.py (PyTorch, /usr/bin/python3) as its peer, in
# alternation with our epochs; it needs the repository root as working directory. On an
# AVX-512 machine it runs a second time with both sides forced to their AVX2 code.
# The native epoch rows run with OPENBLAS_CORETYPE unset, so that PyTorch's OpenBLAS picks
# its own core as ours does (some machines set it in the environment; bench/matmul sets it
# per row itself).
bench: deps deps-data deps-bench
	@$(SUBMAKE) $(BENCH_BINS)
	@if [ -n "$$OPENBLAS_CORETYPE" ]; then echo "== OPENBLAS_CORETYPE=$$OPENBLAS_CORETYPE in the environment: unset for the native rows"; fi
	@for b in $(BENCH_BINS); do echo "== $$b"; env -u OPENBLAS_CORETYPE ./$$b || exit 1; done
	@if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then \
	  echo "== $(BUILD)/bench/epoch, both sides forced to AVX2 (our avx2 kernel, OpenBLAS Haswell): an AVX2 laptop's path"; \
	  AET_GEMM_KERNEL=avx2 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \
	    ./$(BUILD)/bench/epoch || exit 1; fi

# ---- tutorial 7: the latent-space explorer in the browser -----------------------
# The page's decoder is the library itself, compiled by emscripten (Debian's 3.1.6) into
# build-wasm/: the portable GEMM kernel (the x86/ARM micro-kernels are left out, so the
# driver's table holds only it), -msimd128 so clang may vectorise it, and one thread (the
# page calls set_num_threads(1); the pool then runs serially). Two shims in
# tutorials/07-latent-explorer/wasm/include stand in for what emscripten 3.1.6 lacks
# offline: zlib's crc32_z and C++20's std::bit_cast (its libc++ is version 13). fmt is used
# header-only from Debian's libfmt-dev, whose headers are linked into build-wasm/include.
# NODE_PATH: emscripten's tools need Debian's acorn, which a Node.js not from Debian misses.
WASM_BUILD := build-wasm
EXPLORER   := tutorials/07-latent-explorer
EMXX       := NODE_PATH=/usr/share/nodejs em++
WASM_FLAGS := -O2 -std=c++20 -fexceptions -msimd128 -DFMT_HEADER_ONLY -Wall -Wextra \
              -I$(EXPLORER)/wasm/include -I. -isystem $(WASM_BUILD)/include -MMD -MP
WASM_SRC   := $(filter-out %_avx2.cpp %_avx512.cpp %_neon.cpp,$(wildcard autograd/*.cpp autograd/kernels/*.cpp nn/*.cpp)) \
              models/vae.cpp models/cvae.cpp tutorials/common/latent_explorer.cpp $(EXPLORER)/wasm/explorer_api.cpp
WASM_OBJ   := $(WASM_SRC:%.cpp=$(WASM_BUILD)/%.o)
WASM_SITE  := $(WASM_BUILD)/site
WASM_LINK  := -fexceptions -sMODULARIZE=1 -sEXPORT_NAME=createExplorer -sENVIRONMENT=web -sALLOW_MEMORY_GROWTH=1 \
              -sFORCE_FILESYSTEM=1 -sEXPORTED_FUNCTIONS=_aet_load,_aet_error,_aet_layers,_aet_classes,_aet_pixels,_aet_decode \
              -sEXPORTED_RUNTIME_METHODS=ccall,FS,HEAPF32
PAGE_FILES := $(wildcard $(EXPLORER)/page/*)
DEPS_WASM    := emscripten
DEPS_BROWSER := chromium
EXPLORER_PORT ?= 8007
T7_OUT ?= out/07-latent-explorer

deps-wasm: | deps
	@scripts/install-deps.sh $(DEPS_WASM)
# Node.js and npm: Debian's nodejs and npm, unless a node with its own npm (NodeSource's
# package, as on these machines) is there already; Debian's npm would conflict with it.
deps-browser: | deps-wasm
	@scripts/install-deps.sh $(DEPS_BROWSER)
	@command -v node >/dev/null || scripts/install-deps.sh nodejs
	@command -v npm >/dev/null || scripts/install-deps.sh npm

$(WASM_BUILD)/include/fmt:
	@mkdir -p $(@D)
	ln -sfn /usr/include/fmt $@

$(WASM_BUILD)/autograd/kernels/%.o: WASM_FLAGS += -O3
$(WASM_BUILD)/autograd/kernels/stencil_sums.o: WASM_FLAGS += -ffp-contract=off
$(WASM_BUILD)/%.o: %.cpp | $(WASM_BUILD)/include/fmt
	@mkdir -p $(@D)
	$(EMXX) $(WASM_FLAGS) -c $< -o $@

$(WASM_SITE)/aet_explorer.js: $(WASM_OBJ)
	@mkdir -p $(@D)
	$(EMXX) -O2 $(WASM_OBJ) $(WASM_LINK) -o $@

$(WASM_SITE)/.page: $(PAGE_FILES)
	@mkdir -p $(@D)
	cp $(PAGE_FILES) $(WASM_SITE)/ && touch $@

explorer: deps-wasm
	@$(SUBMAKE) $(WASM_SITE)/aet_explorer.js $(WASM_SITE)/.page
	@echo "explorer: $(WASM_SITE)/ holds the page and aet_explorer.{js,wasm}"

# Exports the models and codes (main.cpp), adds the page and the wasm, serves the folder.
tutorial-7: deps deps-data explorer
	@$(SUBMAKE) $(BUILD)/tutorials/07-latent-explorer
	mkdir -p out && ./$(BUILD)/tutorials/07-latent-explorer --out $(T7_OUT) $(ARGS)
	cp $(WASM_SITE)/* $(T7_OUT)/
	@echo "open http://127.0.0.1:$(EXPLORER_PORT)/ in a browser (Ctrl-C stops the server)"
	python3 -m http.server $(EXPLORER_PORT) --bind 127.0.0.1 --directory $(T7_OUT)

$(BUILD)/tests/explorer/%: tests/explorer/%.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -MF $@.d $< $(LIB) $(LDLIBS) -o $@

# The page in headless chromium (playwright-core from npm, pinned by
# tests/explorer/package-lock.json, driving Debian's /usr/bin/chromium).
test-explorer: deps deps-data explorer deps-browser
	@$(SUBMAKE) $(BUILD)/tutorials/07-latent-explorer $(BUILD)/tests/explorer/native_decode
	tests/explorer/run.sh $(WASM_SITE) $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-aarch64 build-clang build-libcxx $(WASM_BUILD)

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CHECK_OBJ:.o=.d) $(TUT_OBJ:.o=.d) $(GET_DATA).d $(TOOL_BINS:=.d) $(WASM_OBJ:.o=.d) \
  $(BUILD)/tests/explorer/native_decode.d
