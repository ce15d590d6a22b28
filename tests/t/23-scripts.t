#!/bin/sh
# Maintainer scripts as opkg runs them (docs/opkg-behaviour.md section 8):
# install (preinst install, postinst configure), upgrade (old prerm
# upgrade NEW, new preinst upgrade OLD, files replaced, old postrm upgrade
# NEW, new postinst configure), remove (prerm remove, files deleted,
# postrm remove); PKG_UPGRADE=1 in every call of an upgrade and 0
# otherwise; a failing postrm is reported, the package stays removed; the
# -pkg variants are kept in the info directory; IPKG_INSTROOT comes from
# the caller; a crash at any step of a removal runs its postrm at most
# once more on recovery. Run alone with `prove -v tests/t/23-scripts.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

R=$T/root
mk_plain_root "$R"
F=$T/files
mkdir -p "$F"

# mk_sc NAME VERSION [POSTRM-EXIT]: a package with all six scripts; each
# appends "script version args PKG_UPGRADE=x data=<data file>" to
# ROOT/scripts.log (data=none when the data file is not there).
mk_sc() {
	_s=$T/src-$1-$2
	rm -rf "$_s"
	mkdir -p "$_s/CONTROL" "$_s/usr/share/$1"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nDescription: scripts\n' \
		"$1" "$2" >"$_s/CONTROL/control"
	for _n in preinst postinst prerm postrm postinst-pkg prerm-pkg; do
		printf '#!/bin/sh\nd=$(cat "${PKG_ROOT}usr/share/%s/data" 2>/dev/null || echo none)\necho "%s %s $* PKG_UPGRADE=$PKG_UPGRADE data=$d" >>"${PKG_ROOT}scripts.log"\n' \
			"$1" "$_n" "$2" >"$_s/CONTROL/$_n"
		chmod 755 "$_s/CONTROL/$_n"
	done
	printf 'echo "$IPKG_INSTROOT" >"${PKG_ROOT}instroot"\n' \
		>>"$_s/CONTROL/preinst"
	[ -z "${3:-}" ] || echo "exit $3" >>"$_s/CONTROL/postrm"
	echo "$2" >"$_s/usr/share/$1/data"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$F" \
		>/dev/null 2>&1
}
mk_sc sc 1.0-1
mk_sc sc 2.0-1
mk_sc bad 1.0-1 3
LOG=$R/scripts.log
op() { run "$PKG" -o "$R" --force-postinstall "$@"; }
log() { cat "$LOG" 2>/dev/null; }

# ---- install ------------------------------------------------------------
IPKG_INSTROOT=/the/instroot op install "$F/sc_1.0-1_all.ipk"
is "$RC" 0 "install 1.0: exit 0" || show_run
is "$(log)" "preinst 1.0-1 install PKG_UPGRADE=0 data=none
postinst 1.0-1 configure PKG_UPGRADE=0 data=1.0-1" \
	"install: preinst install, postinst configure, PKG_UPGRADE=0"
is "$(cat "$R/instroot")" /the/instroot \
	"IPKG_INSTROOT is passed through from the caller's environment"
I=$R/usr/lib/opkg/info
t_ok "info/sc.postinst-pkg is saved" \
	cmp -s "$I/sc.postinst-pkg" "$T/src-sc-1.0-1/CONTROL/postinst-pkg"
t_ok "info/sc.prerm-pkg is saved" \
	cmp -s "$I/sc.prerm-pkg" "$T/src-sc-1.0-1/CONTROL/prerm-pkg"
t_ok "info/sc.postrm is saved" test -f "$I/sc.postrm"

# ---- upgrade ------------------------------------------------------------
rm -f "$LOG"
env -u IPKG_INSTROOT "$PKG" -o "$R" --force-postinstall install \
	"$F/sc_2.0-1_all.ipk" >"$T/out" 2>"$T/err" </dev/null
RC=$?
is "$RC" 0 "upgrade to 2.0: exit 0" || show_run
is "$(log)" "prerm 1.0-1 upgrade 2.0-1 PKG_UPGRADE=1 data=1.0-1
preinst 2.0-1 upgrade 1.0-1 PKG_UPGRADE=1 data=1.0-1
postrm 1.0-1 upgrade 2.0-1 PKG_UPGRADE=1 data=2.0-1
postinst 2.0-1 configure PKG_UPGRADE=1 data=2.0-1" \
	"upgrade: old prerm, new preinst, files, old postrm, new postinst"
like "$(cat "$R/instroot")" "^$R/?\$" \
	"IPKG_INSTROOT is the offline root when the caller has none"
t_ok "info/sc.postrm is the new one" \
	cmp -s "$I/sc.postrm" "$T/src-sc-2.0-1/CONTROL/postrm"

# ---- remove -------------------------------------------------------------
cp -a "$R" "$T/with-sc2"
rm -f "$LOG"
op remove sc
is "$RC" 0 "remove: exit 0" || show_run
is "$(log)" "prerm 2.0-1 remove PKG_UPGRADE=0 data=2.0-1
postrm 2.0-1 remove PKG_UPGRADE=0 data=none" \
	"remove: prerm remove, files deleted, postrm remove, PKG_UPGRADE=0"
op list-installed
is "$(log | wc -l)" 2 "the next command runs no script again"
is "$(ls "$I" | grep -c '^sc\.')" 0 "the info files of sc are gone"

# ---- no scripts on an offline root without --force-postinstall -----------
rm -f "$LOG"
run "$PKG" -o "$R" install "$F/sc_1.0-1_all.ipk"
is "$RC" 0 "offline install without --force-postinstall: exit 0"
run "$PKG" -o "$R" remove sc
is "$RC" 0 "offline remove without --force-postinstall: exit 0"
is "$(log)" "" "offline without --force-postinstall: no script runs"

# ---- a failing postrm ---------------------------------------------------
op install "$F/bad_1.0-1_all.ipk"
is "$RC" 0 "install bad: exit 0" || show_run
rm -f "$LOG"
op remove bad
t_ok "remove with a failing postrm: exit status != 0" test "$RC" -ne 0
t_ok "one line on stderr" one_err_line
like "$ERR" "postrm script of 'bad' failed: exit 3" \
	"the failure is reported: $ERR"
is "$(log)" "prerm 1.0-1 remove PKG_UPGRADE=0 data=1.0-1
postrm 1.0-1 remove PKG_UPGRADE=0 data=none" "prerm and postrm ran once"
op list-installed
is "$RC" 0 "the next command: exit 0"
unlike "$OUT" "^bad " "the package stays removed"
t_ok "its files are gone" test ! -e "$R/usr/share/bad/data"
is "$(log | wc -l)" 2 "the failed postrm is not run again"

# ---- a crash at every step of a removal ---------------------------------
# The postrm runs after the commit and is taken off the pending list once
# it ran: a crash before the commit runs none, a crash after it runs it on
# recovery unless it already ran. The one window where it runs twice: a
# crash after the script ended and before it is taken off the list (the
# removal of the script's temporary copy is the only step there).
W=$T/crash
cp -a "$T/with-sc2" "$W"
rm -f "$W/scripts.log"
TMPDIR=$T PKG_FAULT=count "$PKG_FAULT_BIN" -o "$W" --force-postinstall \
	remove sc >/dev/null 2>"$T/count" </dev/null
N=$(sed -n 's/^pkg-fault: \([0-9]*\) operations$/\1/p' "$T/count")
like "$N" '^[0-9]+$' "the removal counts its steps ($N)"
bad=0 twice=0 after=0 i=1
while [ "$i" -le "${N:-0}" ]; do
	rm -rf "$W" && cp -a "$T/with-sc2" "$W" && rm -f "$W/scripts.log"
	mkdir -p "$T/tmp"
	TMPDIR=$T/tmp PKG_FAULT=crash@$i "$PKG_FAULT_BIN" -o "$W" \
		--force-postinstall remove sc >/dev/null 2>&1 </dev/null
	"$PKG" -o "$W" list-installed >"$T/li" 2>/dev/null </dev/null
	n=$(grep -c '^postrm' "$W/scripts.log" 2>/dev/null)
	n=${n:-0}
	if grep -q '^sc ' "$T/li"; then
		[ "$n" = 0 ] || { bad=$((bad + 1)); diag "crash@$i: sc kept, postrm ran $n"; }
	else
		after=$((after + 1))
		case $n in
		1) ;;
		2) twice=$((twice + 1)); diag "crash@$i: postrm ran twice" ;;
		*) bad=$((bad + 1)); diag "crash@$i: sc removed, postrm ran $n" ;;
		esac
	fi
	i=$((i + 1))
done
is "$bad" 0 "crash at each of $N steps: postrm ran iff sc is removed"
t_ok "some crashes were rolled forward ($after)" test "$after" -gt 0
t_ok "postrm ran twice after at most one crash point ($twice)" \
	test "$twice" -le 1

done_testing
