#!/bin/sh
# Every libFuzzer harness of tests/fuzz/ runs briefly over its seed corpus
# (tests/fuzz/corpus/<harness>, which also holds the inputs of crashes
# found before: regression tests) so a parser regression shows up in
# `make test`. One TAP line per harness. PKG_FUZZ_SECONDS (default 5) per
# harness; the long runs are `make fuzz FUZZ_SECONDS=600`.

. "$(dirname "$0")/../lib/common.sh"
need_cmd clang make
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${PKG_FUZZ_SECONDS:-5}
mk_tmp

# Build (flock: two `make test` at once share build/fuzz).
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p "$TOP/build/fuzz"
if command -v flock >/dev/null 2>&1; then
	LOCK="flock $TOP/build/fuzz/.lock"
else
	LOCK=
fi
if ! $LOCK make -C "$TOP" --no-print-directory fuzz-build \
	>"$T/build.log" 2>&1; then
	if grep -q 'fsanitize=fuzzer\|libclang_rt.fuzzer' "$T/build.log" &&
		! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
			>/dev/null 2>&1; then
		echo "1..0 # SKIP clang has no libFuzzer runtime"
		exit 0
	fi
	echo "1..1"
	fail "make fuzz-build"
	tail -n 30 "$T/build.log" | sed 's/^/# /'
	exit 1
fi

for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	h=$(basename "$src" .c)
	mkdir -p "$T/corpus/$h" "$T/art"
	"$TOP/build/fuzz/$h" -max_total_time="$SECS" -timeout=10 \
		-rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$T/art/$h-" "$T/corpus/$h" \
		"$TOP/tests/fuzz/corpus/$h" >"$T/$h.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$h.log")
	cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*/\1/p' \
		"$T/$h.log")
	if [ "$rc" = 0 ]; then
		pass "$h: ${SECS} s, ${execs:-?} runs, ${cov:-?} edges, no crash"
	else
		fail "$h: exit $rc (crash, leak or timeout)"
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$T/$h.log" |
			head -n 25 | sed 's/^/# /'
		for a in "$T"/art/"$h"-*; do
			[ -e "$a" ] || continue
			mkdir -p "$TOP/build/fuzz/artifacts"
			cp "$a" "$TOP/build/fuzz/artifacts/"
			diag "input kept: build/fuzz/artifacts/$(basename "$a")"
		done
	fi
done
done_testing
