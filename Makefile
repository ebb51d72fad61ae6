# sealntp: GNU make build.
#
# Library code is picked up by wildcard: every .c file in common/, keyd/,
# ntpd/ and ctl/ that is not a program's main file (listed below) goes into
# that directory's static library.  Every regress/<module>/*_test.c is an
# ATF-C test program, every regress/<module>/*_test.sh an atf-sh one; both
# land in $(BUILD)/regress/<module>/ where kyua finds them (--build-root).

BUILD		?= build
PREFIX		?= /usr/local
DESTDIR		?=
SHARED		?= $(CURDIR)/../shared

CC		?= cc
PKGS		= libcrypto libsodium libbsd-overlay libseccomp
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ATF_LIBS	:= $(shell pkg-config --libs atf-c 2>/dev/null)

WARN		= -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		  -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
		  -Wno-unused-parameter
OPT		?= -O2 -g
SAN		?=
CFLAGS		+= -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SAN) \
		   -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
		   -Icommon -Intpd -Ikeyd -Ictl $(PKG_CFLAGS) \
		   -DPREFIX='"$(PREFIX)"'
LDFLAGS		+= $(SAN) -pie -Wl,-z,relro,-z,now
LIBS		= $(PKG_LIBS) -lm

# Files holding main(): never part of a library.
MAINS		= ntpd/ntpd.c keyd/keyd.c keyd/ntp-keygen.c ctl/ntpctl.c

COMMON_SRCS	= $(filter-out $(MAINS), $(wildcard common/*.c))
KEYS_SRCS	= $(filter-out $(MAINS), $(wildcard keyd/*.c))
NTP_SRCS	= $(filter-out $(MAINS), $(wildcard ntpd/*.c))
CTL_SRCS	= $(filter-out $(MAINS), $(wildcard ctl/*.c))

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCOMMON	= $(BUILD)/libcommon.a
LIBKEYS		= $(BUILD)/libkeys.a
LIBNTP		= $(BUILD)/libntp.a
LIBCTL		= $(BUILD)/libctl.a
ALLLIBS		= $(LIBNTP) $(LIBCTL) $(LIBKEYS) $(LIBCOMMON)

PROGS		= $(BUILD)/ntpd $(BUILD)/ntp-keyd $(BUILD)/ntp-keygen \
		  $(BUILD)/ntpctl

TEST_C		= $(wildcard regress/*/*_test.c)
TEST_SH		= $(wildcard regress/*/*_test.sh)
TEST_HELPERS_C	= $(wildcard regress/*/*_helper.c)
KYUAFILES	= $(wildcard regress/Kyuafile regress/*/Kyuafile)
TEST_PROGS	= $(patsubst %.c,$(BUILD)/%,$(TEST_C)) \
		  $(patsubst %.sh,$(BUILD)/%,$(TEST_SH)) \
		  $(patsubst %.c,$(BUILD)/%,$(TEST_HELPERS_C))
TEST_DATA	= $(patsubst %,$(BUILD)/%,$(KYUAFILES)) \
		  $(patsubst %,$(BUILD)/%,$(wildcard regress/*/data/*) \
		  $(wildcard regress/lib/*.sh))

# Keep the objects of test programs between runs.
.SECONDARY:

.PHONY: all deps check check-san test-build demo bench fuzz install \
	clean cppcheck clang

all: $(PROGS)

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/regress/*/*.d)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRCS))
$(LIBKEYS): $(call obj,$(KEYS_SRCS))
$(LIBNTP): $(call obj,$(NTP_SRCS))
$(LIBCTL): $(call obj,$(CTL_SRCS))
$(ALLLIBS):
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/ntpd: $(call obj,ntpd/ntpd.c) $(LIBNTP) $(LIBKEYS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/ntp-keyd: $(call obj,keyd/keyd.c) $(LIBKEYS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/ntp-keygen: $(call obj,keyd/ntp-keygen.c) $(LIBKEYS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/ntpctl: $(call obj,ctl/ntpctl.c) $(LIBCTL) $(LIBNTP) $(LIBKEYS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Test programs link every library so that a module test needs no rule.
$(BUILD)/regress/%: $(BUILD)/obj/regress/%.o $(ALLLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALLLIBS) $(LIBS) $(ATF_LIBS)
$(BUILD)/regress/%: regress/%.sh
	@mkdir -p $(dir $@)
	sed -e 's|@BUILD@|$(abspath $(BUILD))|g' $< > $@.tmp
	chmod 755 $@.tmp && mv $@.tmp $@
$(BUILD)/regress/lib/%.sh: regress/lib/%.sh
	@mkdir -p $(dir $@)
	sed -e 's|@BUILD@|$(abspath $(BUILD))|g' $< > $@
$(BUILD)/regress/Kyuafile: regress/Kyuafile
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/regress/%: regress/%
	@mkdir -p $(dir $@)
	cp $< $@

test-build: $(PROGS) $(TEST_PROGS) $(TEST_DATA)

# The README's test command.  It installs what is missing, builds, runs
# kyua and prints kyua's report.
check: deps
	$(MAKE) test-build
	sh regress/run-kyua.sh $(BUILD) $(SHARED)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-san: deps
	$(MAKE) BUILD=build-san OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    test-build
	SEAL_SANITIZER=1 sh regress/run-kyua.sh build-san $(SHARED)

demo: deps all
	sh etc/demo.sh $(BUILD)

bench: deps all $(BUILD)/bench/loadgen
	sh regress/bench/run.sh $(BUILD)

# The benchmark's load generator: a plain program, not a test.
$(BUILD)/bench/loadgen: $(BUILD)/obj/regress/bench/loadgen.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS)

fuzz: deps
	sh regress/fuzz/run.sh

deps:
	@sh .ci/deps.sh

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --std=c11 -D__linux__ -Icommon -Intpd -Ikeyd \
	    --include=/usr/include/$(shell gcc -print-multiarch)/sys/queue.h \
	    common ntpd keyd ctl

clang:
	$(MAKE) CC=clang BUILD=build-clang all test-build

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/examples/sealntp
	install -m 755 $(BUILD)/ntpd $(DESTDIR)$(PREFIX)/sbin/ntpd
	install -m 755 $(BUILD)/ntp-keyd $(DESTDIR)$(PREFIX)/sbin/ntp-keyd
	install -m 755 $(BUILD)/ntp-keygen $(DESTDIR)$(PREFIX)/sbin/ntp-keygen
	install -m 755 $(BUILD)/ntpctl $(DESTDIR)$(PREFIX)/sbin/ntpctl
	for m in ntpd/ntpd.8 keyd/ntp-keygen.8 keyd/ntp-keyd.8 ctl/ntpctl.8; do \
	    [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; \
	done; true
	[ -f ntpd/ntp.conf.5 ] && install -m 644 ntpd/ntp.conf.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/ || true
	install -m 644 etc/*.conf etc/*.service \
	    $(DESTDIR)$(PREFIX)/share/examples/sealntp/
	sh etc/create-users.sh "$(DESTDIR)"

clean:
	rm -rf build build-san build-clang build-fuzz
