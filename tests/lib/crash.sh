# Crash, ENOSPC and EIO loops over a scenario (SQLite's way: fail every
# operation once). Source after common.sh, with $T set (mk_tmp).
#
#   crash_pkg NAME VERSION DIR [DEPENDS [POSTINST [CONTROL-LINE]]]
#       build a package with a binary, a library and its symlink, a
#       conffile /etc/NAME.conf and a data file that changes name between
#       versions (1.x: README, 2.x: NEWS) into DIR; CONTROL-LINE is added
#       to its control (e.g. an Alternatives: field)
#   crash_state ROOT          canonical state of ROOT on stdout: every
#       entry (type, mode, owner, link target, device), file hashes, opkg
#       status with Installed-Time blanked, the database's packages,
#       files and scripts rows and its journal state
#   crash_leftovers ROOT      staging, backup, temp and SQLite journal
#       files left under ROOT (empty when clean)
#   The three fault kinds run in parallel, each in $T/cr.KIND.
#   crash_scenario NAME TEMPLATE WANT_RC CMD...
#       run CMD (pkg arguments after -o ROOT) on copies of TEMPLATE: once
#       normally ("after"), once counting operations, then crash@N,
#       enospc@N and eio@N for every N; after each, `pkg list-installed`
#       must recover and the state must be "before" or "after".
#       Emits one TAP line per fault kind.
#
# Variables: CR_KINDS (default "crash enospc eio").

CR_KINDS=${CR_KINDS:-"crash enospc eio"}

crash_pkg() {
	_n=$1 _v=$2 _o=$3
	_s=$(mktemp -d "$T/src.XXXXXX") || return 1
	mkdir -p "$_s/CONTROL" "$_s/usr/bin" "$_s/usr/lib" "$_s/etc" \
		"$_s/usr/share/$_n"
	{
		echo "Package: $_n"
		echo "Version: $_v"
		[ -n "${4:-}" ] && echo "Depends: $4"
		[ -n "${6:-}" ] && echo "$6"
		echo "Architecture: $ARCH"
		echo "Description: crash-test package $_n"
	} >"$_s/CONTROL/control"
	echo "/etc/$_n.conf" >"$_s/CONTROL/conffiles"
	if [ -n "${5:-}" ]; then
		printf '#!/bin/sh\n%s\n' "$5" >"$_s/CONTROL/postinst"
		chmod 755 "$_s/CONTROL/postinst"
	fi
	printf '#!/bin/sh\necho %s %s\n' "$_n" "$_v" >"$_s/usr/bin/$_n"
	chmod 755 "$_s/usr/bin/$_n"
	echo "lib$_n $_v" >"$_s/usr/lib/lib$_n.so.1"
	ln -s "lib$_n.so.1" "$_s/usr/lib/lib$_n.so"
	printf 'config %s\n\toption version %s\n' "$_n" "${_v%%.*}" \
		>"$_s/etc/$_n.conf"
	chmod 600 "$_s/etc/$_n.conf"
	case $_v in
	1.*) echo "readme $_n $_v" >"$_s/usr/share/$_n/README" ;;
	*) echo "news $_n $_v" >"$_s/usr/share/$_n/NEWS" ;;
	esac
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$_o" \
		>/dev/null 2>"$T/build.err"
	_rc=$?
	rm -rf "$_s"
	return $_rc
}

# crash_state ROOT: one listing (few processes: it runs thousands of
# times). Directory order differs between copies, hence the sort.
crash_state() {
	(
		cd "$1" || exit 1
		find . ! -path './*/var/opkg-lists/*' ! -path './var/opkg-lists/*' \
			! -path './*tmp/pkg-cache/*' \
			! -name pkg.db ! -name opkg-synced -printf '%y %m %U:%G %l %p\n' \
			-type f ! -path '*/usr/lib/opkg/status' \
			-exec sha256sum {} + | sort
		for _f in usr/lib/opkg/status overlay/upper/usr/lib/opkg/status; do
			[ -f "$_f" ] || continue
			echo "== $_f"
			sed 's/^Installed-Time: .*/Installed-Time: N/' "$_f"
		done
		for _f in usr/lib/pkg/pkg.db overlay/upper/usr/lib/pkg/pkg.db; do
			[ -f "$_f" ] || continue
			echo "== $_f"
			sqlite3 "$_f" "PRAGMA integrity_check;
			SELECT 'P',name,version,arch,origin,state,user,hold,
				noprune,rom_version,auto_installed,length(control)
			 FROM packages ORDER BY name;
			 SELECT 'F',* FROM files ORDER BY package, path;
			 SELECT 'S',package,name,length(body) FROM scripts
			 ORDER BY package, name;
			 SELECT 'J',count(*) FROM journal;
			 SELECT 'M',key,value FROM meta WHERE key LIKE 'tx_%'
			 ORDER BY key;" 2>&1
		done
	)
}

crash_leftovers() {
	find "$1" \( -name '*.pkg-tmp.*' -o -name '*.pkg-bak~' -o -name '*.pkg-alt~' \
		-o -name 'pkg.db-journal' -o -name 'pkg.db-wal' \
		-o -path '*/usr/lib/pkg/staging' \) -print 2>/dev/null
}

# _cr_fresh TEMPLATE: $CR_W becomes a fresh copy of TEMPLATE.
_cr_fresh() {
	rm -rf "$CR_W" && cp -a "$1" "$CR_W"
}

# _cr_bad KIND N WHY: record the first failures of a loop as diag lines.
_cr_bad() {
	CR_BAD=$((CR_BAD + 1))
	[ "$CR_BAD" -le 3 ] || return 0
	diag "$CR_NAME $1@$2: $3"
	[ -s "$T/cr.diff" ] && head -n 8 "$T/cr.diff" | sed 's/^/# /'
	: >"$T/cr.diff"
}

# _cr_check KIND N RC: the root after fault KIND at N and exit RC; sets
# _st to before or after.
_cr_check() {
	_k=$1 _n=$2 _rc=$3
	"$PKG" -o "$CR_W" list-installed >/dev/null 2>"$CR_D/rec.err" </dev/null
	_rrc=$?
	if [ "$_rrc" != 0 ]; then
		_cr_bad "$_k" "$_n" "recovery (list-installed) exit $_rrc: $(cat "$CR_D/rec.err")"
		return 1
	fi
	_now=$(crash_state "$CR_W")
	if [ "$_now" = "$CR_BEFORE" ]; then
		_st=before
	elif [ "$_now" = "$CR_AFTER" ]; then
		_st=after
	else
		printf '%s\n' "$_now" >"$CR_D/now"
		diff "$CR_D/before" "$CR_D/now" >"$CR_D/diff"
		if ! printf '%s\n' "$_now" | grep -qx ok; then
			_cr_bad "$_k" "$_n" "PRAGMA integrity_check failed"
		elif [ -n "$(crash_leftovers "$CR_W")" ]; then
			_cr_bad "$_k" "$_n" "leftovers: $(crash_leftovers "$CR_W")"
		else
			_cr_bad "$_k" "$_n" "neither before nor after (diff to before:)"
		fi
		return 1
	fi
	[ "$_k" = crash ] && return 0
	# An error before the commit point: the command fails, says so in
	# one line and leaves "before". After it (the cleanup of a committed
	# transaction) the command succeeds; the next run finishes.
	if [ "$_rc" = 0 ] && [ "$_st" = before ]; then
		_cr_bad "$_k" "$_n" "exit 0 but nothing done"
		return 1
	fi
	if [ "$_rc" != 0 ] && [ "$_st" = after ] && [ "$CR_WANT_RC" = 0 ]; then
		_cr_bad "$_k" "$_n" "exit $_rc but the transaction took effect"
		return 1
	fi
	if [ "$_rc" != 0 ] && [ "$_st" = before ] &&
		[ "$(grep -c . "$CR_D/err")" -ne 1 ]; then
		CR_MULTI=$((CR_MULTI + 1))
		[ "$CR_MULTI" -le 2 ] &&
			echo "# $CR_NAME $_k@$_n: more than one line: $(tr '\n' '|' <"$CR_D/err")" >>"$CR_D/diag"
	fi
	return 0
}

# _cr_bad KIND N WHY: record the first failures of a loop as diag lines.
_cr_bad() {
	CR_BAD=$((CR_BAD + 1))
	[ "$CR_BAD" -le 3 ] || return 0
	{
		echo "$CR_NAME $1@$2: $3" | sed 's/^/# /'
		[ -s "$CR_D/diff" ] && head -n 8 "$CR_D/diff" | sed 's/^/# /'
	} >>"$CR_D/diag"
	: >"$CR_D/diff"
}

# _cr_loop KIND TEMPLATE CMD...: every N of one fault kind, in its own
# directory $CR_D; writes $CR_D/result "bad multi before after".
_cr_loop() {
	_kind=$1 _tpl=$2
	shift 2
	CR_D=$T/cr.$_kind CR_W=$T/cr.$_kind/root
	mkdir -p "$CR_D/tmp"
	: >"$CR_D/diag"
	: >"$CR_D/diff"
	printf '%s\n' "$CR_BEFORE" >"$CR_D/before"
	printf '%s\n' "$CR_AFTER" >"$CR_D/after"
	CR_BAD=0 CR_MULTI=0 _nb=0 _na=0 _i=1
	while [ "$_i" -le "$CR_COUNT" ]; do
		_cr_fresh "$_tpl"
		TMPDIR=$CR_D/tmp PKG_FAULT=$_kind@$_i "$PKG_FAULT_BIN" \
			-o "$CR_W" "$@" >/dev/null 2>"$CR_D/err" </dev/null
		_rc=$?
		if [ "$_kind" = crash ] && [ "$_rc" != 99 ]; then
			_cr_bad "$_kind" "$_i" "did not crash (exit $_rc)"
		elif _cr_check "$_kind" "$_i" "$_rc"; then
			if [ "$_st" = before ]; then
				_nb=$((_nb + 1))
			else
				_na=$((_na + 1))
			fi
		fi
		_i=$((_i + 1))
	done
	echo "$CR_BAD $CR_MULTI $_nb $_na" >"$CR_D/result"
}

crash_scenario() {
	CR_NAME=$1 _tpl=$2 CR_WANT_RC=$3
	shift 3
	CR_W=$T/cr.root
	CR_BEFORE=$(crash_state "$_tpl")
	_cr_fresh "$_tpl"
	TMPDIR=$T "$PKG" -o "$CR_W" "$@" >/dev/null 2>"$T/cr.err" </dev/null
	_rc=$?
	if [ "$_rc" != "$CR_WANT_RC" ]; then
		fail "$CR_NAME: runs without faults (exit $_rc, want $CR_WANT_RC)"
		diag_file "$T/cr.err"
		return 1
	fi
	CR_AFTER=$(crash_state "$CR_W")
	if [ "$CR_BEFORE" = "$CR_AFTER" ]; then
		fail "$CR_NAME: the scenario changes something"
		return 1
	fi
	_cr_fresh "$_tpl"
	TMPDIR=$T PKG_FAULT=count "$PKG_FAULT_BIN" -o "$CR_W" "$@" \
		>/dev/null 2>"$T/cr.err" </dev/null
	CR_COUNT=$(sed -n 's/^pkg-fault: \([0-9]*\) operations$/\1/p' "$T/cr.err")
	if [ -z "$CR_COUNT" ]; then
		fail "$CR_NAME: PKG_FAULT=count printed no count"
		return 1
	fi
	CR_REPORT="$CR_REPORT $CR_NAME=$CR_COUNT"
	# pkg audit, when it exists, must be clean on the "before" and the
	# "after" root; a recovered root equal to one of them (files and
	# database rows) then audits clean too, so it is not rerun each time.
	if "$PKG" help 2>/dev/null | grep -q '^ *\*\{0,1\} *audit '; then
		rm -rf "$T/cr.a" && cp -a "$_tpl" "$T/cr.a"
		_aud=ok
		for _r in "$T/cr.a" "$CR_W"; do
			"$PKG" -o "$_r" audit >"$T/cr.audit" 2>&1 && continue
			_aud="$_aud|$(grep -v '^ok' "$T/cr.audit" | head -n 3 | tr '\n' '|')"
		done
		is "$_aud" ok "$CR_NAME: pkg audit is clean before and after"
		rm -rf "$T/cr.a"
	fi
	for _kind in $CR_KINDS; do
		_cr_loop "$_kind" "$_tpl" "$@" &
	done
	wait
	for _kind in $CR_KINDS; do
		_cd=$T/cr.$_kind
		read -r _bad _multi _nb _na <"$_cd/result" ||
			_bad=$CR_COUNT
		_ok=$((CR_COUNT - _bad))
		_t="$CR_NAME: $_kind@N covered $_ok/$CR_COUNT points, all recovered ($_nb before, $_na after)"
		[ "$_ok" = "$CR_COUNT" ] ||
			_t="$CR_NAME: $_kind@N covered $_ok/$CR_COUNT points ($_nb before, $_na after)"
		if [ "$_ok" = "$CR_COUNT" ]; then pass "$_t"; else fail "$_t"; fi
		cat "$_cd/diag"
		CR_MULTI_ALL=$((${CR_MULTI_ALL:-0} + ${_multi:-0}))
	done
}
