#!/bin/sh
# Durability costs a fixed number of syncs per transaction, not one per
# file or directory (issue 17): what was staged, the steps applied, the
# state files and the clean-up are each made durable with one syncfs of
# the layer pkg writes, and SQLite syncs its own transactions. Counted
# with strace (fsync, fdatasync, syncfs, the whole process): a package of
# one file and one of 240 files in 12 directories take the same number,
# on install and on remove, and that number is small. 60-crash.t shows
# that the batches keep the before-or-after guarantee at every step.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd strace
mk_tmp
unset PKG_NO_FSYNC

R=$T/root
mk_plain_root "$R"
P=$T/pkgs
mkdir -p "$P"

# mk_files NAME DIRS FILES: a package with FILES files in each of DIRS
# directories under /usr/share/NAME.
mk_files() {
	_s=$T/src-$1
	mkdir -p "$_s/CONTROL"
	printf 'Package: %s\nVersion: 1.0-1\nArchitecture: all\nDescription: sync test\n' \
		"$1" >"$_s/CONTROL/control"
	_d=0
	while [ $_d -lt "$2" ]; do
		mkdir -p "$_s/usr/share/$1/d$_d"
		_f=0
		while [ $_f -lt "$3" ]; do
			echo "$1 $_d $_f" >"$_s/usr/share/$1/d$_d/f$_f"
			_f=$((_f + 1))
		done
		_d=$((_d + 1))
	done
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$P" \
		>/dev/null 2>"$T/build.err" || diag_file "$T/build.err"
}
mk_files one 1 1
mk_files many 12 20
t_ok "two packages built" test -f "$P/one_1.0-1_all.ipk" -a \
	-f "$P/many_1.0-1_all.ipk"

# syncs CMD...: $N, the sync calls of pkg -o $R CMD (and $RC). (Under
# `make asan test`: LeakSanitizer cannot run under ptrace; the other
# checks stay on.)
syncs() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=fsync,fdatasync,syncfs -o "$T/strace" \
		"$PKG" -o "$R" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	N=$(grep -c 'sync(' "$T/strace")
}

# The database is built first, so that its one-time build is not counted.
"$PKG" -o "$R" remove nothing >/dev/null 2>&1
t_ok "the database is there" test -f "$R/usr/lib/pkg/pkg.db"

syncs install "$P/one_1.0-1_all.ipk"
is "$RC" 0 "install of a 1-file package"
n_one=$N
syncs install "$P/many_1.0-1_all.ipk"
is "$RC" 0 "install of a 240-file package"
t_ok "...all its files are there" \
	test "$(find "$R/usr/share/many" -type f | wc -l)" -eq 240
is "$N" "$n_one" "240 files in 12 directories take as many syncs as 1 ($n_one)"
t_ok "...and that is few (at most 20)" test "$n_one" -le 20

syncs remove one
is "$RC" 0 "remove of the 1-file package"
r_one=$N
syncs remove many
is "$RC" 0 "remove of the 240-file package"
# (its empty directories stay, as opkg-lede leaves them)
is "$(find "$R/usr/share/many" -type f | wc -l)" 0 "...its files are gone"
is "$N" "$r_one" "remove: as many syncs for 240 files as for 1 ($r_one)"
t_ok "...the batch is a syncfs" grep -q 'syncfs(' "$T/strace"

done_testing
