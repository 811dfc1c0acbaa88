# modeltop -- terminal operator console for fleets of model-serving workers.
#
#   make          build ./modeltop (installs missing Debian packages first)
#   make demo     the console on the demo fleet
#   make check    every test: unit (cmocka), end-to-end (tmux, real workers)
#   make asan     the same suite under AddressSanitizer and UBSan
#   make bench    benchmarks; figures go to docs/performance.md
#   make fuzz     SECS=60: every libFuzzer target for SECS seconds (clang)
#   make install  PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
DATADIR	 = $(PREFIX)/share/modeltop
MANDIR	 = $(PREFIX)/share/man/man1
UNITDIR	 = $(PREFIX)/lib/systemd/system

BUILD	?= build
BIN	?= modeltop
VERSION	 = 0.1.0

CC	?= cc
OPT	?= -O2 -g
CFLAGS	?=
LDFLAGS	?=
PKGS	 = ncursesw termkey sqlite3 inih libcurl zlib
# Recursive (=) so that pkg-config runs after 'deps' has installed it all.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	     -D_GNU_SOURCE -DMODELTOP_VERSION='"$(VERSION)"' \
	     -DMODELTOP_DATADIR='"$(DATADIR)"' \
	     -Isrc -Iui $(OPT) $(PKG_CFLAGS) $(CFLAGS)
ALL_LIBS   = $(PKG_LIBS) -lm -ldl -lpthread

# Debian packages the build and the tests need.
DEB_PKGS = gcc make pkg-config libncurses-dev libtermkey-dev libsqlite3-dev \
	   libinih-dev libcurl4-openssl-dev zlib1g-dev libcmocka-dev tmux \
	   sqlite3 python3 python3-prometheus-client procps faketime

ENGINE_SRC = $(filter-out src/main.c,$(wildcard src/*.c))
UI_SRC	   = $(wildcard ui/*.c)
ENGINE_OBJ = $(ENGINE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ	   = $(UI_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ   = $(BUILD)/src/main.o
LIBENGINE  = $(BUILD)/libmodeltop.a
LIBUI	   = $(BUILD)/libmodeltop-ui.a

UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC  = $(wildcard tests/bench/bench_*.c)
BENCH_BIN  = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
# Small shared objects and programs the tests load or run (fakes for what
# cannot run here, such as NVML without a GPU).
SUPPORT_SO  = $(BUILD)/tests/libnvidia-ml.so.1
SUPPORT_SRC = $(filter-out tests/support/fake_nvml.c,$(wildcard tests/support/*.c))
SUPPORT_BIN = $(SUPPORT_SRC:tests/support/%.c=$(BUILD)/tests/%)
# Fuzz targets: built with clang and libFuzzer by 'make fuzz' into
# build-fuzz/, and with $(CC) against a small replay main into
# $(BUILD)/tests/, so that 'make check' replays every seed corpus.
FUZZ_SRC    = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%_replay)
FUZZ_BUILD ?= build-fuzz
FUZZ_BIN    = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
SECS	   ?= 60

.PHONY: all deps deps-fuzz check unit e2e asan bench demo install uninstall clean \
	fuzz fuzz-build

all: $(BIN)

deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "deps: missing$$missing; install them as root" >&2; exit 1; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBENGINE): $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBUI): $(UI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBUI) $(LIBENGINE)
	$(CC) $(OPT) $(CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) -Wl,--start-group $(LIBUI) $(LIBENGINE) -Wl,--end-group $(ALL_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBUI) $(LIBENGINE) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< -Wl,--start-group $(LIBUI) $(LIBENGINE) -Wl,--end-group $(LDFLAGS) $(ALL_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/libnvidia-ml.so.1: tests/support/fake_nvml.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 -o $@ $<

$(BUILD)/tests/%: tests/support/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS) -lm

$(BUILD)/tests/fuzz_%_replay: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIBUI) $(LIBENGINE) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c -Wl,--start-group $(LIBUI) $(LIBENGINE) -Wl,--end-group $(LDFLAGS) $(ALL_LIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIBUI) $(LIBENGINE) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< -Wl,--start-group $(LIBUI) $(LIBENGINE) -Wl,--end-group $(LDFLAGS) $(ALL_LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIBUI) $(LIBENGINE) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $< -Wl,--start-group $(LIBUI) $(LIBENGINE) -Wl,--end-group $(LDFLAGS) $(ALL_LIBS)

unit: $(UNIT_BIN)

# Every test: unit tests, then end-to-end tests against the real binary.
check: $(BIN) $(UNIT_BIN) $(FUZZ_REPLAY) $(SUPPORT_BIN) $(if $(wildcard tests/support/fake_nvml.c),$(SUPPORT_SO))
	@BUILD=$(BUILD) MODELTOP=$(abspath $(BIN)) sh tests/run.sh

asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/modeltop \
	  OPT="-O1 -g -fno-omit-frame-pointer" \
	  CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" check

bench: $(BIN) $(BENCH_BIN)
	@BUILD=$(BUILD) MODELTOP=$(abspath $(BIN)) sh tests/bench/run.sh

# libFuzzer comes with Debian's clang; only 'make fuzz' needs it.
deps-fuzz:
	@command -v clang >/dev/null 2>&1 || $(MAKE) DEB_PKGS=clang deps

fuzz-build: $(FUZZ_BIN)

# Every target for SECS seconds, one at a time; executions and crashes
# accumulate in tests/fuzz/tally.tsv.  FUZZ=NAME runs only fuzz_NAME.
fuzz: deps-fuzz
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang \
	  OPT="-O1 -g -fno-omit-frame-pointer" \
	  CFLAGS="-Wno-error -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_BUILD)/fuzz $(SECS) $(FUZZ)

demo: $(BIN)
	@MODELTOP=$(abspath $(BIN)) sh data/demo/demo.sh

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR) \
	  $(DESTDIR)$(UNITDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/modeltop
	install -m 644 docs/modeltop.1 $(DESTDIR)$(MANDIR)/modeltop.1
	cp -R data/. $(DESTDIR)$(DATADIR)/
	cp -R themes $(DESTDIR)$(DATADIR)/
	install -m 644 data/modeltop-record.service $(DESTDIR)$(UNITDIR)/modeltop-record.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/modeltop $(DESTDIR)$(MANDIR)/modeltop.1 \
	  $(DESTDIR)$(UNITDIR)/modeltop-record.service
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan $(FUZZ_BUILD) $(BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
