# biljett — hand-written, explicit object lists, GNU make.
#
#   make            build lib/libbiljett.a, cgi-bin/*, ./biljett
#   make run        install deps, build, serve the demo at 127.0.0.1:8080
#                   (HTTP_PORT= HTTPS_PORT= RUN_DIR= to serve elsewhere)
#   make check      install deps, build with -Werror, run every test
#   make bench      wrk scenarios against the real stack
#   make fuzz       build the libFuzzer targets and run each FUZZ_SECONDS
#   make valgrind   unit tests under valgrind, failing on any leak
#   make install    PREFIX=/usr/local DESTDIR=

CC		?= cc
CLANG		?= clang
PYTHON		?= python3
PREFIX		?= /usr/local
FUZZ_SECONDS	?= 30
WERROR		?=

PKGS		= sqlite3 libcjson libsodium libcurl libqrencode libpng libjpeg liboath
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
		     echo -lsqlite3 -lcjson -lsodium -lcurl -lqrencode -lpng -ljpeg -loath)

WARNINGS	= -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
		  -Wmissing-prototypes -Wstrict-prototypes -Wvla
CFLAGS		?= -g -O2
ALL_CFLAGS	= -std=c11 -D_GNU_SOURCE -DDATADIR='"$(PREFIX)/share/biljett"' -iquote lib $(PKG_CFLAGS) $(WARNINGS) \
		  $(WERROR) $(CFLAGS) -MMD -MP
# libhpdf (Debian libhpdf-dev) ships no pkg-config file.
LDLIBS		= -lfcgi $(PKG_LIBS) -lhpdf -lm
SAN_FLAGS	= -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=undefined

LIB_OBJS	= lib/account.o \
		  lib/accountmail.o \
		  lib/arena.o \
		  lib/audit.o \
		  lib/auth.o \
		  lib/booking.o \
		  lib/buyer.o \
		  lib/cart.o \
		  lib/cancelmail.o \
		  lib/catalog.o \
		  lib/category.o \
		  lib/checkin.o \
		  lib/checkout.o \
		  lib/conf.o \
		  lib/crypto.o \
		  lib/csrf.o \
		  lib/db.o \
		  lib/err.o \
		  lib/env001.o \
		  lib/event.o \
		  lib/field.o \
		  lib/guestpay.o \
		  lib/http.o \
		  lib/idem.o \
		  lib/invoice.o \
		  lib/invoicepdf.o \
		  lib/i18n.o \
		  lib/image.o \
		  lib/httpc.o \
		  lib/import.o \
		  lib/jsonout.o \
		  lib/ledger.o \
		  lib/log.o \
		  lib/mail.o \
		  lib/mailconf.o \
		  lib/mailtmpl.o \
		  lib/media.o \
		  lib/metrics.o \
		  lib/migrations.o \
		  lib/money.o \
		  lib/mpesa.o \
		  lib/order.o \
		  lib/orderview.o \
		  lib/outbox.o \
		  lib/page.o \
		  lib/pagelogin.o \
		  lib/pager.o \
		  lib/parse.o \
		  lib/payment.o \
		  lib/pdfdoc.o \
		  lib/product.o \
		  lib/provider.o \
		  lib/providers.o \
		  lib/qr.o \
		  lib/queue.o \
		  lib/quota.o \
		  lib/respcache.o \
		  lib/report.o \
		  lib/route.o \
		  lib/scan.o \
		  lib/scanlog.o \
		  lib/scanner.o \
		  lib/seal.o \
		  lib/seat.o \
		  lib/session.o \
		  lib/shmcache.o \
		  lib/slug.o \
		  lib/spawn.o \
		  lib/store.o \
		  lib/stripe.o \
		  lib/swish.o \
		  lib/ticketkey.o \
		  lib/ticketmail.o \
		  lib/ticketpdf.o \
		  lib/ticketsig.o \
		  lib/transfer.o \
		  lib/transfermail.o \
		  lib/tfmt.o \
		  lib/text.o \
		  lib/tmpl.o \
		  lib/totp.o \
		  lib/user.o \
		  lib/variant.o \
		  lib/venue.o \
		  lib/wallet.o

PROGS		= cgi-bin/auth \
		  cgi-bin/backoffice \
		  cgi-bin/bookings \
		  cgi-bin/cart \
		  cgi-bin/catalog \
		  cgi-bin/events \
		  cgi-bin/hello \
		  cgi-bin/invoices \
		  cgi-bin/orders \
		  cgi-bin/organizer \
		  cgi-bin/pages \
		  cgi-bin/pay \
		  cgi-bin/scan \
		  cgi-bin/shop \
		  cgi-bin/tickets \
		  cgi-bin/venues

CLI		= biljett
CLI_OBJS	= scripts/biljett.o

LANGS		= sv en de fr
LOCALE_MOS	= $(LANGS:%=build/locale/%/LC_MESSAGES/biljett.mo)

MIGRATIONS	= sql/001_initial.sql \
		  sql/002_scanner_sessions.sql \
		  sql/003_accounts.sql \
		  sql/004_holds.sql \
		  sql/005_queue.sql \
		  sql/006_provider_events_retention.sql \
		  sql/007_factor_lockout.sql \
		  sql/008_scanlog.sql \
		  sql/009_catalogue.sql \
		  sql/010_names_last_login.sql \
		  sql/011_scanner_scopes.sql \
		  sql/012_venues.sql \
		  sql/013_stores.sql \
		  sql/014_cancel_mail.sql \
		  sql/015_orders.sql \
		  sql/016_mpesa.sql \
		  sql/017_bookings.sql \
		  sql/018_cart.sql \
		  sql/019_invoices.sql \
		  sql/020_signing_keys.sql \
		  sql/021_ticket_uids.sql \
		  sql/022_transfers.sql \
		  sql/023_checkin.sql \
		  sql/024_checkin_transferred.sql \
		  sql/025_scanlog_offsets.sql \
		  sql/026_checkins_first_admission.sql \
		  sql/027_expiry_indexes.sql \
		  sql/028_scan_writes.sql

UNIT_TESTS	= test-arena \
		  test-booking-parse \
		  test-buyer-keys \
		  test-catalogue-texts \
		  test-checkin \
		  test-conf \
		  test-db-batch \
		  test-db-checkpoint \
		  test-field \
		  test-image \
		  test-invoice-pdf \
		  test-invoice-vat \
		  test-log \
		  test-mail-addr \
		  test-metrics \
		  test-money \
		  test-mpesa \
		  test-order-caps \
		  test-order-race \
		  test-order-reserve \
		  test-page-origin \
		  test-parse \
		  test-parse-body \
		  test-parse-cookies \
		  test-parse-multipart \
		  test-parse-urlencoded \
		  test-provider \
		  test-qr-png \
		  test-queue \
		  test-route-match \
		  test-sale \
		  test-scan-throttle \
		  test-seat-moves \
		  test-seat-sell-race \
		  test-session \
		  test-shmcache \
		  test-status-names \
		  test-stripe-ops \
		  test-stripe-parse \
		  test-stripe-sig \
		  test-swish-parse \
		  test-tables \
		  test-tfmt \
		  test-ticket-pdf \
		  test-ticketsig \
		  test-tmpl \
		  test-totp \
		  test-uuid

FUZZERS		= fuzz-body \
		  fuzz-cookies \
		  fuzz-image \
		  fuzz-mpesa-callback \
		  fuzz-multipart \
		  fuzz-stripe-event \
		  fuzz-swish-callback \
		  fuzz-ticketsig \
		  fuzz-tmpl \
		  fuzz-urlencoded

SAN_LIB		= build/san/libbiljett.a
SAN_OBJS	= $(LIB_OBJS:%.o=build/san/%.o)
SAN_UNITS	= $(UNIT_TESTS:%=build/san/tests/unit/%)
SAN_PROGS	= $(PROGS:%=build/san/%) build/san/biljett
PLAIN_UNITS	= $(UNIT_TESTS:%=build/plain/tests/unit/%)
FUZZ_BINS	= $(FUZZERS:%=build/fuzz/%)

.PHONY: all run check unit san-progs fuzz-build fuzz valgrind bench install clean FORCE

all: lib/libbiljett.a $(PROGS) $(CLI) $(LOCALE_MOS)

# Message catalogues, compiled with GNU gettext's msgfmt.
build/locale/%/LC_MESSAGES/biljett.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt -o $@ $<

# Rebuild everything when the flags change (e.g. -Werror for check).
build/flags: FORCE
	@mkdir -p build
	@echo '$(ALL_CFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS)' > $@

lib/migrations.c: scripts/embed-sql.sh $(MIGRATIONS)
	sh scripts/embed-sql.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

%.o: %.c build/flags
	$(CC) $(ALL_CFLAGS) -c $< -o $@

lib/libbiljett.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

cgi-bin/%: cgi-bin/%.o lib/libbiljett.a
	$(CC) $(CFLAGS) -o $@ $< lib/libbiljett.a $(LDLIBS)

$(CLI): $(CLI_OBJS) lib/libbiljett.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) lib/libbiljett.a $(LDLIBS)

# The library again under AddressSanitizer and UBSan, for the unit tests.
build/san/%.o: %.c build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -c $< -o $@

$(SAN_LIB): $(SAN_OBJS)
	rm -f $@
	ar rcs $@ $(SAN_OBJS)

build/san/tests/unit/%: tests/unit/%.c $(SAN_LIB) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $< $(SAN_LIB) $(LDLIBS)

build/plain/tests/unit/%: tests/unit/%.c lib/libbiljett.a build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< lib/libbiljett.a $(LDLIBS)

unit: $(SAN_UNITS)

# The programs and the CLI under the sanitizers too: the API and browser
# tests run against these (tests/run.py sets BILJETT_BIN).
build/san/cgi-bin/%: cgi-bin/%.c $(SAN_LIB) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $< $(SAN_LIB) $(LDLIBS)

build/san/biljett: $(CLI_OBJS:%.o=%.c) $(SAN_LIB) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $(CLI_OBJS:%.o=%.c) $(SAN_LIB) $(LDLIBS)

san-progs: $(SAN_PROGS)

# libFuzzer targets: the parsers called directly, no network.
build/fuzz/%: tests/fuzz/%.c $(LIB_OBJS:%.o=%.c)
	@mkdir -p $(@D)
	$(CLANG) -std=c11 -D_GNU_SOURCE -iquote lib $(PKG_CFLAGS) -g -O1 \
	    -fsanitize=fuzzer,address,undefined -o $@ $< \
	    $(LIB_OBJS:%.o=%.c) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	    c=tests/fuzz/corpus/$${f#fuzz-}; w=build/fuzz/corpus-$${f#fuzz-}; \
	    d=tests/fuzz/$${f#fuzz-}.dict; [ -f $$d ] || d=tests/fuzz/http.dict; \
	    mkdir -p $$w; cp -r $$c/. $$w/ 2>/dev/null; \
	    echo "== $$f ($(FUZZ_SECONDS)s)"; \
	    build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
	        -dict=$$d $$w > build/fuzz/$$f.log 2>&1 \
	        || { tail -30 build/fuzz/$$f.log; exit 1; }; \
	    grep -E '^Done|stat::number_of_executed_units' build/fuzz/$$f.log | tail -1; \
	done

valgrind: $(PLAIN_UNITS)
	@for t in $(PLAIN_UNITS); do \
	    valgrind -q --error-exitcode=1 --leak-check=full \
	        --errors-for-leak-kinds=definite,indirect \
	        --suppressions=tests/valgrind.supp $$t > /dev/null || exit 1; \
	    echo "ok $$t"; \
	done

# Where `make run` keeps its files and which ports it serves (0: a free
# one).  Plain `=`, so only the command line changes them, never a stray
# HTTP_PORT in the environment.
RUN_DIR		= run/dev
HTTP_PORT	= 8080
HTTPS_PORT	= 8443
RUN_ARGS	= --dir "$(RUN_DIR)" --http-port $(HTTP_PORT) --https-port $(HTTPS_PORT)

run:
	scripts/deps.sh
	$(MAKE) all
	@if [ -n "$$BILJETT_CONF" ]; then \
	    exec $(PYTHON) scripts/devstack.py run $(RUN_ARGS) --conf "$$BILJETT_CONF"; \
	else \
	    exec $(PYTHON) scripts/devstack.py run $(RUN_ARGS) --demo; \
	fi

check:
	scripts/deps.sh browser
	tests/browser/setup.sh
	$(PYTHON) scripts/check-layers.py
	$(MAKE) WERROR=-Werror all unit san-progs fuzz-build
	$(PYTHON) tests/run.py

bench:
	scripts/deps.sh
	$(MAKE) all
	$(PYTHON) scripts/bench.py

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/biljett \
	    $(DESTDIR)$(PREFIX)/share/biljett
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 docs/man/biljett.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 docs/man/biljett.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/bin/biljett
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/libexec/biljett/
	cp -R static templates nginx sql docs $(DESTDIR)$(PREFIX)/share/biljett/
	cp -R build/locale $(DESTDIR)$(PREFIX)/share/biljett/

clean:
	rm -rf build lib/*.o lib/*.d lib/libbiljett.a lib/migrations.c \
	    cgi-bin/*.o cgi-bin/*.d $(PROGS) scripts/*.o scripts/*.d $(CLI)

FORCE:

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(PROGS:=.d)
# The sanitizer builds too: a header change must rebuild them, or a stale
# object disagrees with the new layout of a struct (an ASan report).
-include $(SAN_OBJS:.o=.d) $(SAN_PROGS:=.d) $(SAN_UNITS:=.d)
