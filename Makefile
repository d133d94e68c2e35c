# provscan - plain Makefile. `make help` lists the targets.
#
#   make            build ./provscan and ./libprovscan.a (make V=1: the full commands)
#   make SANITIZE=address,undefined test    the same under sanitizers (in out/san/)
#   make install PREFIX=/usr/local DESTDIR=   provscan, the library, its header, provscan.pc,
#                   the man page; make uninstall removes them

CC       ?= cc
CLANG    ?= clang
SANITIZE ?=
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
LIBDIR    = $(PREFIX)/lib
INCDIR    = $(PREFIX)/include
MANDIR    = $(PREFIX)/share/man
PCDIR     = $(LIBDIR)/pkgconfig
VERSION   = $(shell sed -n 's/^\#define PV_VERSION_STRING "\(.*\)"/\1/p' include/provscan.h)

# One short line per step (`CC scanner/tokenize.c`); `make V=1` prints the full commands.
V ?= 0
ifeq ($(V),0)
say = @printf '  %-6s %s\n' $(1) $(2);
else
say =
endif
PKGS      = libpcre2-8 libzstd libxxhash libutf8proc libcjson libgit2 libarchive expat libxml-2.0 zlib libcrypto
# Debian packages the build, the tests and `make check` need (installed by `make deps`);
# chromium renders the HTML report in tests/test_report_html.c.
DEB_PKGS  = gcc make pkg-config libc6-dev libpcre2-dev libzstd-dev libxxhash-dev \
            libutf8proc-dev libcjson-dev libgit2-dev libarchive-dev libexpat1-dev libxml2-dev \
            zlib1g-dev libssl-dev libcriterion-dev clang libclang-rt-14-dev \
            clang-format cppcheck binutils git python3 chromium ripgrep zstd nodejs npm \
            libopenmpi-dev openmpi-bin
# The JSON schema validator tests/test_report_check.c runs on the SARIF, SPDX and CycloneDX
# reports (npm registry, pinned; installed by `make deps` into out/npm).
NPM_DIR   = out/npm
NPM_PKGS  = ajv@8.17.1 ajv-cli@5.0.0 ajv-formats@3.0.1

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -Iinclude -Icommon -Iscanner -Iindex -Ibuild -Imatch \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -pthread -MMD -MP
# OpenMPI, for `provscan index --mpi` (cli/mpi.c alone includes mpi.h; the library does not).
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c 2>/dev/null || echo -I/usr/lib/x86_64-linux-gnu/openmpi/include)
MPI_LIBS   = $(shell pkg-config --libs ompi-c 2>/dev/null || echo -lmpi)
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcre2-8 -lzstd -lxxhash -lutf8proc -lcjson -lgit2 -larchive -lexpat -lxml2 -lz -lcrypto) -lpthread -lm

ifneq ($(SANITIZE),)
BUILD      = out/san
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN      = -fsanitize=$(SANITIZE)
BIN        = $(BUILD)/provscan
LIB        = $(BUILD)/libprovscan.a
else
BUILD      = out/rel
LDSAN      =
BIN        = provscan
LIB        = libprovscan.a
endif

LIB_SRCS  = $(wildcard common/*.c scanner/*.c index/*.c build/*.c match/*.c)
CLI_SRCS  = $(wildcard cli/*.c)
TEST_SRCS = $(wildcard tests/test_*.c)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
# The license texts matched as common (scanner/licenses/README.md), embedded in the library
# as a C file generated at build time.
LICENSE_TEXTS = $(sort $(wildcard scanner/licenses/*.txt))
LICENSE_C = out/gen/license_texts.c
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/license_texts.o
CLI_OBJS  = $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS = $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
REPLAY_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/replay_%)
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=out/fuzz/%)
FMT_FILES = $(wildcard include/*.h common/*.[ch] scanner/*.[ch] index/*.[ch] build/*.[ch] match/*.[ch] \
              cli/*.[ch] tests/*.[ch] tests/fuzz/*.[ch] tests/install/*.c bench/*.[ch])

.PHONY: FORCE all deps demo test unit-tests fuzz-replay bench check fuzz help clean install uninstall
.DEFAULT_GOAL := all

all: $(BIN) $(LIB)

help:
	@echo 'make            build ./provscan and ./libprovscan.a'
	@echo 'make deps       install the Debian packages the build and tests need (as root)'
	@echo 'make demo       index the fixtures, attribute fixtures/outputs, write credit.html'
	@echo 'make test       build and run every test (Criterion suites, CLI tests, fuzz corpora)'
	@echo 'make bench      build an index of a >=100 MB local corpus and print speeds and sizes'
	@echo 'make check      public header alone, pv_ symbols only, clang-format, cppcheck'
	@echo 'make fuzz       run the libFuzzer targets (FUZZ_TIME=60 seconds each)'
	@echo 'make install    install provscan, libprovscan.a, provscan.h, provscan.pc and the man'
	@echo '                page under PREFIX (default /usr/local; DESTDIR for staging)'
	@echo 'make uninstall  remove what make install installed'
	@echo 'make V=1 ...    print the full compiler commands'
	@echo 'make SANITIZE=address,undefined test   the tests under ASan and UBSan'
	@echo 'make clean'

# Installs only what is missing; quick when everything is there.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    case $$p in nodejs|npm) command -v npm >/dev/null 2>&1 && continue;; esac; \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing Debian packages (apt-get; about a minute):" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing \
	    >/dev/null || { echo "make deps: apt-get failed" >&2; exit 1; }; \
	  echo "make deps: done"; \
	fi
	@if [ ! -x $(NPM_DIR)/node_modules/.bin/ajv ]; then \
	  echo "make deps: installing the schema validator into $(NPM_DIR) (npm):" $(NPM_PKGS); \
	  mkdir -p $(NPM_DIR) && npm install --prefix $(NPM_DIR) --no-audit --no-fund --no-save \
	    --loglevel=error $(NPM_PKGS) >/dev/null || { echo "make deps: npm install failed" >&2; exit 1; }; \
	fi

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LICENSE_C): scanner/licenses/embed.py $(LICENSE_TEXTS) | deps
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)python3 scanner/licenses/embed.py $(LICENSE_TEXTS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/license_texts.o: $(LICENSE_C)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(call say,LD,$@)$(CC) $(LDSAN) -pthread -o $@ $(CLI_OBJS) $(LIB) $(LIBS) $(MPI_LIBS)
$(BUILD)/cli/mpi.o: ALL_CFLAGS += $(MPI_CFLAGS)

# tests/util.c holds the scaffolding every suite shares (temp dirs, files, recording sinks).
$(BUILD)/tests/%: tests/%.c tests/util.c tests/util.h $(LIB) | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< tests/util.c $(LIB) $(LIBS) -lcriterion

# The project's home, named in check's reports (SARIF informationUri and helpUri, the SPDX
# namespace) and by `provscan --version`: set it when you publish a fork (docs/ci.md). Passed
# to cli/report_check.c alone; a stamp file rebuilds it when the value changes.
PROVSCAN_HOME_URL ?= https://github.com/provscan/provscan
HOME_STAMP = $(BUILD)/gen/home-url
$(HOME_STAMP): FORCE
	@mkdir -p $(dir $@); echo '$(PROVSCAN_HOME_URL)' | cmp -s - $@ || echo '$(PROVSCAN_HOME_URL)' > $@
FORCE:
$(BUILD)/cli/report_check.o $(BUILD)/tests/test_report_check $(BUILD)/fuzz/replay_fuzz_check_report: \
  ALL_CFLAGS += -DPROVSCAN_HOME_URL='"$(PROVSCAN_HOME_URL)"'
$(BUILD)/cli/report_check.o: $(HOME_STAMP)

# Fuzz targets of the command-line tool's code also link these files of cli/ (FUZZ_CLI_name).
CHECK_REPORT_SRCS = cli/report_check.c cli/report_json.c cli/output.c
FUZZ_CLI_fuzz_options = cli/options.c cli/output.c
FUZZ_CLI_fuzz_check_report = $(CHECK_REPORT_SRCS)
FUZZ_CLI_fuzz_report_scan = cli/report_scan.c cli/report_json.c cli/output.c
FUZZ_CLI_fuzz_match_report = cli/report_text.c cli/report_json.c cli/report_jsonl.c cli/output.c

# Fuzz targets replayed over their corpora with a plain main (no clang needed).
.SECONDEXPANSION:
$(BUILD)/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c tests/fuzz/util.c $(LIB) \
                        $$(FUZZ_CLI_$$*) | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -Icli -Wno-missing-prototypes -o $@ $< tests/fuzz/replay_main.c tests/fuzz/util.c \
	  $(FUZZ_CLI_$*) $(LIB) $(LIBS)

# The check report writers live in cli/; their suite links them directly.
$(BUILD)/tests/test_report_check: tests/test_report_check.c tests/util.c tests/util.h \
  $(CHECK_REPORT_SRCS) cli/check.h cli/cli_int.h $(LIB) | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -Icli -Wno-missing-prototypes -o $@ $< tests/util.c \
	  $(CHECK_REPORT_SRCS) $(LIB) $(LIBS) -lcriterion

demo: all
	@sh fixtures/demo.sh ./$(BIN)

# Each suite's output goes to out/.../tests/NAME.log; a suite that fails shows it all.
unit-tests: $(BIN) $(TEST_BINS)
	@sh tests/run_suites.sh ./$(BIN) $(TEST_BINS)

fuzz-replay: $(REPLAY_BINS)
	@fail=0; for t in $(REPLAY_BINS); do \
	  name=$${t##*/replay_fuzz_}; $$t tests/fuzz/corpus/$$name || fail=1; \
	done; exit $$fail

# The fuzz corpora first, then the suites, which end with the total line.
test: fuzz-replay
	@$(MAKE) --no-print-directory unit-tests

bench: all
	@sh bench/run.sh ./$(BIN)

check: $(LIB) | deps
	@echo 'check: public header compiles alone'
	@echo '#include "provscan.h"' | $(CC) -std=c11 -Wall -Wextra -Werror -pedantic \
	  -Iinclude -fsyntax-only -x c -
	@echo 'check: every exported symbol starts with pv_'
	@bad=$$(nm -g --defined-only $(LIB) | awk 'NF==3 && $$2 ~ /[TDRBCV]/ {print $$3}' \
	  | grep -v '^pv_' || true); \
	  if [ -n "$$bad" ]; then echo "exported without pv_: $$bad" >&2; exit 1; fi
	@echo 'check: clang-format'
	@clang-format --dry-run --Werror $(FMT_FILES)
	@echo 'check: cppcheck'
	@cppcheck -q --error-exitcode=1 --enable=warning,portability --std=c11 \
	  --inline-suppr --suppress=missingIncludeSystem -Iinclude -Icommon -Iscanner -Iindex \
	  -Ibuild -Imatch common scanner index build match cli
	@echo 'check: ok'

out/fuzz/%: tests/fuzz/%.c tests/fuzz/util.c $(LIB_SRCS) $(LICENSE_C) $$(FUZZ_CLI_$$*) | deps
	@mkdir -p $(dir $@)
	$(call say,CLANG,$<)$(CLANG) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Icommon \
	  -Iscanner -Iindex -Ibuild -Imatch -Icli $(shell pkg-config --cflags $(PKGS)) -pthread \
	  -o $@ $< tests/fuzz/util.c $(FUZZ_CLI_$*) $(LIB_SRCS) $(LICENSE_C) $(LIBS)

# UB stops a run like a crash does (UBSan only prints by default).
FUZZ_TIME ?= 60
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_BINS); do name=$${t##*/fuzz_}; \
	  mkdir -p out/fuzz/corpus-$$name; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $$t -max_total_time=$(FUZZ_TIME) \
	    out/fuzz/corpus-$$name tests/fuzz/corpus/$$name || exit 1; \
	done

# provscan.pc is written for the PREFIX given (the library is static: Libs name everything)
PC_LINES = 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
  'Name: provscan' \
  'Description: whose work is this? n-gram index and attribution of text and code' \
  'Version: $(VERSION)' 'Requires: $(PKGS)' 'Cflags: -I$${includedir}' \
  'Libs: -L$${libdir} -lprovscan -lpthread -lm'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PCDIR)
	install -m 755 provscan $(DESTDIR)$(BINDIR)/provscan
	install -m 644 libprovscan.a $(DESTDIR)$(LIBDIR)/libprovscan.a
	install -m 644 include/provscan.h $(DESTDIR)$(INCDIR)/provscan.h
	printf '%s\n' $(PC_LINES) > $(DESTDIR)$(PCDIR)/provscan.pc
	install -m 644 docs/provscan.1 $(DESTDIR)$(MANDIR)/man1/provscan.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/provscan $(DESTDIR)$(LIBDIR)/libprovscan.a \
	  $(DESTDIR)$(INCDIR)/provscan.h $(DESTDIR)$(PCDIR)/provscan.pc \
	  $(DESTDIR)$(MANDIR)/man1/provscan.1

clean:
	rm -rf out provscan libprovscan.a

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
