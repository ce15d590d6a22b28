#!/bin/sh
# The C unit tests and the parser- and transaction-heavy integration
# tests again, with pkg built with AddressSanitizer + UndefinedBehavior-
# Sanitizer (build/asan, as `make asan test`), so that CI, which runs
# `make test`, catches a memory error or a leak there. `make asan test`
# runs the whole suite that way.

. "$(dirname "$0")/../lib/common.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mk_tmp
if ! command -v clang >/dev/null 2>&1 && ! gcc -fsanitize=address -x c \
	-o "$T/a.out" - </dev/null 2>/dev/null; then
	echo "1..0 # SKIP no compiler with AddressSanitizer"
	exit 0
fi

AB=$TOP/build/asan
run make -C "$TOP" --no-print-directory asan all
is "$RC" 0 "the ASan/UBSan build (build/asan) builds"
[ "$RC" = 0 ] || { show_run; done_testing; exit 1; }

# Reports go to files, so that no test's stderr capture can hide them.
mkdir -p "$T/san"
export ASAN_OPTIONS="detect_leaks=1:log_path=$T/san/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$T/san/ubsan"
# check NAME: the last run passed and no sanitizer wrote a report.
check() {
	if [ "$RC" = 0 ] && ! grep -q '^not ok' "$T/out" &&
		[ -z "$(ls -A "$T/san")" ]; then
		pass "under ASan/UBSan: $1"
		return
	fi
	fail "under ASan/UBSan: $1"
	grep '^not ok' "$T/out" | head -5 | sed 's/^/# /'
	cat "$T"/san/* 2>/dev/null | head -20 | sed 's/^/# /'
	rm -f "$T"/san/*
}
for u in "$AB"/tests/unit/test_*; do
	run env CMOCKA_MESSAGE_OUTPUT=TAP "$u"
	check "unit $(basename "$u")"
done
for t in 20-offline-install 21-bad-input 22-hostile 41-rom 50-opkg-compat \
	52-opkg-semantics 53-opkg-files 26-confine 51-opkg-files 64-reads; do
	run env PKG_BUILD="$AB" sh "$TOP/tests/t/$t.t"
	check "$t.t"
done

done_testing
