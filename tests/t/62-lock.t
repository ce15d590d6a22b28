#!/bin/sh
# The lock, with a real pkg as the holder: a transaction whose preinst
# sleeps holds ROOT/usr/lib/pkg/lock; a second pkg refuses at once naming
# the holder's pid, --wait=N waits for it (and gives up after N seconds
# when it does not end), and a holder killed with -9 mid-transaction
# leaves no lock behind: the next command rolls the transaction back.
# (tests/t/21-bad-input.t checks the same with a lock held by another
# program.) Run alone with `prove -v tests/t/62-lock.t`.

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/crash.sh"
need_pkg
need_cmd sqlite3
mk_tmp

R=$T/root
mk_plain_root "$R"
F=$T/feed
mkdir -p "$F"
mk_key "$T/key"
install_key "$T/key.pub" "$R/etc/opkg/keys"
mk_standin "$F" quick 1.0-1 libc
S=$T/src
mkdir -p "$S/CONTROL" "$S/usr/share/slow"
printf 'Package: slow\nVersion: 1.0-1\nDepends: libc\nArchitecture: %s\nDescription: a slow preinst\n' \
	"$ARCH" >"$S/CONTROL/control"
printf '#!/bin/sh\necho $$ >"%s/preinst.pid"\ntouch "%s/in-preinst"\nexec sleep 3\n' \
	"$T" "$T" >"$S/CONTROL/preinst"
chmod 755 "$S/CONTROL/preinst"
echo slow >"$S/usr/share/slow/README"
SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$S" -o "$F" >/dev/null 2>&1
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
echo "src/gz own file://$F" >>"$R/etc/opkg.conf"
op() { run "$PKG" -o "$R" "$@"; }
op update
is "$RC" 0 "update"

# start_slow: a pkg transaction in the background, in its preinst.
start_slow() {
	rm -f "$T/in-preinst"
	"$PKG" -o "$R" --force-postinstall install slow >"$T/slow.out" \
		2>"$T/slow.err" </dev/null &
	SLOW=$!
	wait_for "$T/in-preinst"
}

# ---- a second pkg refuses at once, naming the holder ----
start_slow
t_ok "the first pkg is in its transaction" test -e "$T/in-preinst"
start=$(date +%s)
op install quick
t_ok "a second install while the first runs: exit status != 0" \
	test "$RC" -ne 0
like "$ERR" "held by process $SLOW\b" "the message names the holder (pid $SLOW)"
t_ok "one line on stderr" one_err_line
diag "stderr: $ERR"
t_ok "it refuses at once" test $(($(date +%s) - start)) -lt 3
op list-installed
is "$RC" 0 "a read-only command while the transaction runs works"
[ "$RC" = 0 ] || diag "stderr: $ERR"

# ---- --wait=N waits for it ----
op --wait=30 install quick
is "$RC" 0 "--wait=30 install quick waits for the first, then runs"
[ "$RC" = 0 ] || show_run
wait "$SLOW"
is "$?" 0 "the first pkg finished its own install"
op list-installed
like "$OUT" "^quick - 1\.0-1\$" "quick is installed"
like "$OUT" "^slow - 1\.0-1\$" "slow is installed"

# ---- --wait=N gives up after N seconds ----
op remove slow
lock_holder "$R/usr/lib/pkg/lock" "$T/held" 30 &
holder=$!
wait_for "$T/held"
start=$(date +%s)
op --wait=2 install slow
took=$(($(date +%s) - start))
t_ok "--wait=2 against a holder that stays: exit status != 0" \
	test "$RC" -ne 0
like "$ERR" "held by process $holder\b" "...naming the holder"
t_ok "...after about 2 seconds (took $took)" \
	test "$took" -ge 1 -a "$took" -le 5
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# ---- a holder killed mid-transaction: no stale lock, rolled back ----
crash_state "$R" >"$T/before"
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"
start_slow
kill -9 "$SLOW"
wait "$SLOW" 2>/dev/null
kill "$(cat "$T/preinst.pid")" 2>/dev/null # its orphaned preinst
start=$(date +%s)
op list-installed
is "$RC" 0 "after kill -9 of the holder the next command runs"
t_ok "...at once (the lock died with its holder)" \
	test $(($(date +%s) - start)) -lt 3
crash_state "$R" >"$T/now"
# Killed while staging (in the preinst): only the staging area was
# written, and the next command removes it.
like "$ERR" "recovered an unfinished transaction" \
	"...and says it cleaned up the transaction"
t_ok "the root is as before the killed transaction" \
	cmp -s "$T/before" "$T/now"
cmp -s "$T/before" "$T/now" || diff "$T/before" "$T/now" | head | sed 's/^/# /'

# ---- what the killed run left in TMPDIR goes with the next write ----
left() { find "$T/tmp" -mindepth 1 -maxdepth 1 -name "$1" | wc -l; }
# A run's temporary files are in one private directory, "pkg-PID.XXXXXX"
# (mkdtemp, mode 0700): its downloads and its script copies.
is "$(left "pkg-$SLOW.*")" 1 \
	"the killed run left its private directory in TMPDIR"
is "$(find "$T/tmp" -path "*/pkg-$SLOW.*/*.preinst" | wc -l)" 1 \
	"...with its preinst copy in it, named as opkg's info/ names it"
is "$(stat -c %a "$T/tmp/pkg-$SLOW".* 2>/dev/null)" 700 \
	"...private (mode 700)"
mkdir "$T/tmp/pkg-$$" "$T/tmp/pkg-url-$$" "$T/tmp/pkg-notapid"
mkdir "$T/tmp/pkg-$$.AbCdEf"
: >"$T/tmp/pkg-script-$$.x.postinst"
: >"$T/tmp/nano.postinst.$SLOW"
op flag user quick
is "$RC" 0 "the next write command exits 0"
is "$(left "pkg-$SLOW.*") $(left "pkg-script-$SLOW.*")" "0 0" \
	"...and removed what the killed run left"
is "$(left "pkg-$$") $(left "pkg-url-$$") $(left "pkg-script-$$.*") $(left "pkg-$$.*")" \
	"1 1 1 1" "...not what a live process has"
is "$(left pkg-notapid) $(left "nano.postinst.$SLOW")" "1 1" \
	"...nor files that are not pkg's"
unset TMPDIR

done_testing
