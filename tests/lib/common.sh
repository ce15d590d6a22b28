# Shared helpers for the shell integration tests (POSIX sh, TAP output).
# Source it first:   . "$(dirname "$0")/../lib/common.sh"
#
# TAP:      pass DESC | fail DESC | t_ok DESC CMD... | t_nok DESC CMD...
#           is GOT WANT DESC | like GOT ERE DESC | unlike GOT ERE DESC
#           diag MSG | skip N REASON | done_testing
#           TODO="why" before a test marks it TAP todo; unset it after.
# Running:  run CMD...       stdout -> $T/out, stderr -> $T/err, status $RC
#           one_err_line     true when $T/err holds exactly one line
# Roots:    mk_plain_root DIR | mk_image_root DIR | snap DIR (hash listing)
# HTTP:     start_nginx DOCROOT (sets NGINX_PORT) | stop_nginx
# Keys:     key_id PUBKEY (usign key id, 16 hex digits)
# Fixtures: $FX (tests/fixtures, SOURCES.md there) and its folders: $F23
#           (23.05.2: signed feeds, .ipk files, key: installs), $F19
#           (19.07.1: the seven official feeds, .gz and .sig, and the
#           router that downloaded them), $F230 and $FSNAP (23.05.0 and
#           23.05-SNAPSHOT routers' opkg state), $FIMM (ImmortalWrt 24.10
#           feed), $FSDK (a small SDK-built feed)

PKG_BUILD=${PKG_BUILD:-$PWD/build}
PKG=$PKG_BUILD/bin/pkg
OPKG=$PKG_BUILD/bin/opkg
PKG_REPO=$PKG_BUILD/bin/pkg-repo
PKG_FAULT_BIN=$PKG_BUILD/test/bin/pkg
# The repository: the nearest directory above the running script ($0: a
# test, the demo, a bench script) that holds this file. The fixtures are
# its tests/fixtures (tests/fixtures/SOURCES.md); FX may point elsewhere.
PKG_TOP=$(cd "$(dirname "$0")" && pwd)
while [ ! -f "$PKG_TOP/tests/lib/common.sh" ] && [ "$PKG_TOP" != / ]; do
	PKG_TOP=$(dirname "$PKG_TOP")
done
FX=${FX:-$PKG_TOP/tests/fixtures}
F23=$FX/openwrt-23.05.2-buildroot_arm_cortex-a9_vfpv3-d16_mvebu-cortexa9
F23_KEY=$F23/keys/d95e275d41a63bff
F19=$FX/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710
F230=$FX/openwrt-23.05.0-official_rootfs_arm_arm1176jzf-s_vfp_bcm27xx-bcm2708
FSNAP=$FX/openwrt-23.05-SNAPSHOT-ekoonepl_rootfs_x86_64
FIMM=$FX/immortalwrt-24.10-SNAPSHOT_core_aarch64_cortex-a53_qualcommax-ipq50xx
FSDK=$FX/sdk-23.05.4_mips_24kc_pekmop1024
ARCH=arm_cortex-a9_vfpv3-d16
FEEDS="base core packages luci"

_tap_n=0
_tap_failed=0
NGINX_PREFIX=

# ---- TAP ----------------------------------------------------------------

_tap_line() { # _tap_line ok|not-ok DESC
	_tap_n=$((_tap_n + 1))
	_d=$2
	if [ -n "${TODO:-}" ]; then
		_d="$_d # TODO $TODO"
	fi
	if [ "$1" = ok ]; then
		echo "ok $_tap_n - $_d"
	else
		echo "not ok $_tap_n - $_d"
		[ -n "${TODO:-}" ] || _tap_failed=$((_tap_failed + 1))
	fi
}

plan() { echo "1..$1"; _tap_planned=1; }
pass() { _tap_line ok "$1"; }
fail() { _tap_line not-ok "$1"; }
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# diag_file FILE: show a file (stdout/stderr of the last run) as comments.
diag_file() {
	[ -s "$1" ] || return 0
	head -n 20 "$1" | sed "s|^|# $(basename "$1"): |"
}

# t_ok DESC CMD...: pass when CMD exits 0.
t_ok() {
	_d=$1
	shift
	if "$@"; then pass "$_d"; else fail "$_d"; diag "command: $*"; fi
}

# t_nok DESC CMD...: pass when CMD exits non-zero.
t_nok() {
	_d=$1
	shift
	if "$@"; then fail "$_d"; diag "command succeeded: $*"; else pass "$_d"; fi
}

# is GOT WANT DESC: exact string comparison, both sides shown on failure.
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "     got: '$1'"
	diag "expected: '$2'"
	return 1
}

# like GOT ERE DESC: GOT matches the extended regular expression.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "     got: '$1'"
	diag "expected to match: /$2/"
	return 1
}

# unlike GOT ERE DESC: GOT does not match.
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3"
		diag "     got: '$1'"
		diag "expected not to match: /$2/"
		return 1
	fi
	pass "$3"
}

# skip N REASON: N skipped tests.
skip() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $2"
		_i=$((_i + 1))
	done
}

done_testing() {
	[ -n "${_tap_planned:-}" ] || echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# ---- temp dir, cleanup --------------------------------------------------

_cleanup() {
	stop_nginx
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ -n "${KEEP:-}" ]; then
			echo "# kept $T" >&2
		else
			rm -rf "$T"
		fi
	fi
}

# mk_tmp: make the test's temp dir $T (tmpfs when /dev/shm exists).
mk_tmp() {
	_base=/tmp
	[ -d /dev/shm ] && [ -w /dev/shm ] && _base=/dev/shm
	T=$(mktemp -d "$_base/pkg-t.XXXXXX") || exit 1
	trap '_cleanup' EXIT
	trap 'exit 1' INT TERM HUP
}

# need_root WHY: skip the whole test unless running as root.
need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root: $1"
		exit 0
	fi
}

# need_cmd CMD...: skip the whole test when a program is missing.
need_cmd() {
	for _c in "$@"; do
		if ! command -v "$_c" >/dev/null 2>&1; then
			echo "1..0 # SKIP needs $_c"
			exit 0
		fi
	done
}

# need_pkg: skip everything when the binaries are not built.
need_pkg() {
	if [ ! -x "$PKG" ]; then
		echo "1..0 # SKIP $PKG not built (run make)"
		exit 0
	fi
}

# ---- running pkg --------------------------------------------------------

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $RC.
# OUT and ERR hold the text too.
run() {
	"$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	return 0
}

# one_err_line: stderr of the last run is exactly one non-empty line.
one_err_line() {
	[ -s "$T/err" ] && [ "$(wc -l <"$T/err")" -le 1 ] &&
		[ "$(grep -c . "$T/err")" -eq 1 ]
}

# show_run: print the last run's output as TAP comments.
show_run() {
	diag "exit status: $RC"
	diag_file "$T/out"
	diag_file "$T/err"
}

# snap DIR: a listing of every entry under DIR (type, mode, size, link
# target, device numbers) and the SHA-256 of every regular file; two equal
# listings mean nothing on disk changed.
snap() {
	(
		cd "$1" || exit 1
		find . -printf '%y %m %s %l %p\n' | sed 's/^d \([0-7]*\) [0-9]* /d \1 - /' |
			sort -k5
		find . -type c -exec stat -c 'c %t:%T %n' {} + | sort
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum
	)
}

# ---- keys ---------------------------------------------------------------

# key_id PUBKEY: the usign key id (16 hex digits) of a key or signature
# file: bytes 3..10 of the base64 blob on line 2.
key_id() {
	sed -n 2p "$1" | base64 -d 2>/dev/null | od -An -tx1 -j2 -N8 | tr -d ' \n'
}

# ---- roots --------------------------------------------------------------

# write_conf FILE [EXTRA LINES]: an OpenWrt opkg.conf for the four 23.05.2
# fixture feeds (file://), signature checking on.
write_conf() {
	_f=$1
	shift
	{
		echo "dest root /"
		echo "dest ram /tmp"
		echo "lists_dir ext /var/opkg-lists"
		echo "option check_signature 1"
		for _l in "$@"; do echo "$_l"; done
		echo "arch all 1"
		echo "arch noarch 1"
		echo "arch $ARCH 10"
		for _feed in $FEEDS; do
			echo "src/gz $_feed file://$F23/feeds/$_feed"
		done
	} >"$_f"
}

# status_libc_libgcc: the two stanzas an OpenWrt image lists for packages
# no feed carries (libc) or that the image provides (libgcc1).
status_libc_libgcc() {
	cat <<EOF
Package: libc
Version: 1.2.4-4
Depends: libgcc
Status: install hold,user installed
Essential: yes
Architecture: $ARCH
Installed-Time: 1700000000

Package: libgcc1
ABIVersion: 1
Version: 13.1.0-4
Provides: libgcc
Status: install hold,user installed
Essential: yes
Architecture: $ARCH
Installed-Time: 1700000000
Auto-Installed: yes

EOF
}

# info_libc_libgcc INFODIR: control and (empty) list files for the two.
info_libc_libgcc() {
	printf 'Package: libc\nVersion: 1.2.4-4\nDepends: libgcc\nSection: libs\nEssential: yes\nArchitecture: %s\nDescription:  C library\n' \
		"$ARCH" >"$1/libc.control"
	printf 'Package: libgcc1\nVersion: 13.1.0-4\nProvides: libgcc\nABIVersion: 1\nSection: libs\nEssential: yes\nArchitecture: %s\nDescription:  GCC support library\n' \
		"$ARCH" >"$1/libgcc1.control"
	: >"$1/libc.list"
	: >"$1/libgcc1.list"
}

# mk_plain_root DIR: an offline root the way opkg users make one.
mk_plain_root() {
	_r=$1
	mkdir -p "$_r/etc/opkg/keys" "$_r/usr/lib/opkg/info" \
		"$_r/var/opkg-lists" "$_r/tmp" || return 1
	cp "$F23_KEY" "$_r/etc/opkg/keys/" || return 1
	write_conf "$_r/etc/opkg.conf"
	status_libc_libgcc >"$_r/usr/lib/opkg/status"
	info_libc_libgcc "$_r/usr/lib/opkg/info"
}

# fixture_ipk NAME: path of the 23.05.2 fixture ipk of package NAME.
fixture_ipk() {
	for _f in "$F23"/feeds/*/"$1"_*.ipk; do
		[ -f "$_f" ] && { echo "$_f"; return 0; }
	done
	return 1
}

# control_field FILE FIELD: value of a one-line control field.
control_field() {
	sed -n "s/^$2: //p" "$1" | head -n 1
}

# rom_add_ipk ROM IPK USER: extract IPK into ROM and record it in ROM's
# opkg status and info/ as opkg would (USER=1: asked for by the user).
rom_add_ipk() {
	_rom=$1
	_ipk=$2
	_w=$(mktemp -d "${T:-/tmp}/ipk.XXXXXX") || return 1
	tar -xzOf "$_ipk" ./data.tar.gz >"$_w/data.tar.gz" || return 1
	tar -xzOf "$_ipk" ./control.tar.gz | tar -xz -C "$_w" || return 1
	tar -xzf "$_w/data.tar.gz" -C "$_rom" || return 1
	_p=$(control_field "$_w/control" Package)
	_info=$_rom/usr/lib/opkg/info
	tar -tzf "$_w/data.tar.gz" | grep -v '/$' | sed 's|^\./|/|' \
		>"$_info/$_p.list"
	for _m in "$_w"/*; do
		case $_m in *data.tar.gz) continue ;; esac
		cp "$_m" "$_info/$_p.$(basename "$_m")"
	done
	{
		echo "Package: $_p"
		for _k in ABIVersion Version Depends Provides Replaces Conflicts; do
			_v=$(control_field "$_w/control" $_k)
			[ -n "$_v" ] && echo "$_k: $_v"
		done
		if [ "$3" = 1 ]; then
			echo "Status: install user installed"
		else
			echo "Status: install ok installed"
		fi
		echo "Architecture: $(control_field "$_w/control" Architecture)"
		if [ -s "$_w/conffiles" ]; then
			echo "Conffiles:"
			while read -r _c; do
				[ -n "$_c" ] || continue
				echo " $_c $(sha256sum <"$_rom$_c" | cut -d' ' -f1)"
			done <"$_w/conffiles"
		fi
		echo "Installed-Time: 1700000000"
		[ "$3" = 1 ] || echo "Auto-Installed: yes"
		echo
	} >>"$_rom/usr/lib/opkg/status"
	rm -rf "$_w"
}

# The image's packages: name and whether the user asked for it.
IMAGE_PKGS="terminfo:0 libncurses6:0 zlib:0 ca-bundle:1 openwrt-keyring:0"

# mk_image_root DIR: DIR/rom (an image built from real fixture ipks, with
# its opkg status and info) and an empty DIR/overlay/upper.
mk_image_root() {
	_r=$1
	mkdir -p "$_r/rom/etc/opkg/keys" "$_r/rom/usr/lib/opkg/info" \
		"$_r/rom/var" "$_r/rom/tmp" "$_r/overlay/upper" "$_r/overlay/work" ||
		return 1
	cp "$F23_KEY" "$_r/rom/etc/opkg/keys/" || return 1
	write_conf "$_r/rom/etc/opkg.conf" "option overlay_root /overlay"
	status_libc_libgcc >"$_r/rom/usr/lib/opkg/status"
	info_libc_libgcc "$_r/rom/usr/lib/opkg/info"
	for _e in $IMAGE_PKGS; do
		_ipk=$(fixture_ipk "${_e%:*}") || return 1
		rom_add_ipk "$_r/rom" "$_ipk" "${_e#*:}" || return 1
	done
}

# ---- stand-in packages and own feeds ------------------------------------

# mk_key PREFIX: a usign key pair PREFIX (secret) and PREFIX.pub.
mk_key() {
	"$PKG_REPO" keygen -o "$1" -c "pkg test key" >/dev/null 2>&1
}

# install_key PUB ROOTKEYS: copy PUB into the keys dir under its key id.
install_key() {
	mkdir -p "$2" && cp "$1" "$2/$(key_id "$1")"
}

# mk_standin OUTDIR NAME VERSION [DEPENDS [EXTRA-CONTROL-LINE]]: build a
# small package with one file /usr/share/NAME/README.
mk_standin() {
	_s=$(mktemp -d "${T:-/tmp}/src.XXXXXX") || return 1
	mkdir -p "$_s/CONTROL" "$_s/usr/share/$2"
	{
		echo "Package: $2"
		echo "Version: $3"
		[ -n "${4:-}" ] && echo "Depends: $4"
		[ -n "${5:-}" ] && echo "$5"
		echo "Architecture: $ARCH"
		echo "Description: stand-in $2 for the pkg tests"
	} >"$_s/CONTROL/control"
	echo "$2 $3" >"$_s/usr/share/$2/README"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" \
		>/dev/null 2>"$T/build.err"
	_rc=$?
	rm -rf "$_s"
	return $_rc
}

# ---- nginx --------------------------------------------------------------

# start_nginx DOCROOT: serve DOCROOT on 127.0.0.1:$NGINX_PORT (free port).
start_nginx() {
	NGINX_PREFIX=$T/nginx
	mkdir -p "$NGINX_PREFIX/tmp"
	_port=$((20000 + ($$ % 20000)))
	_try=0
	while [ "$_try" -lt 30 ]; do
		cat >"$NGINX_PREFIX/nginx.conf" <<EOF
daemon on;
user root;
worker_processes 1;
pid $NGINX_PREFIX/nginx.pid;
error_log $NGINX_PREFIX/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $NGINX_PREFIX/tmp/body;
	proxy_temp_path $NGINX_PREFIX/tmp/proxy;
	fastcgi_temp_path $NGINX_PREFIX/tmp/fastcgi;
	uwsgi_temp_path $NGINX_PREFIX/tmp/uwsgi;
	scgi_temp_path $NGINX_PREFIX/tmp/scgi;
	types { application/octet-stream ipk gz sig; }
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$_port;
		root $1;
		autoindex on;
	}
}
EOF
		if nginx -e "$NGINX_PREFIX/error.log" -p "$NGINX_PREFIX" \
			-c "$NGINX_PREFIX/nginx.conf" 2>>"$NGINX_PREFIX/start.log"; then
			NGINX_PORT=$_port
			return 0
		fi
		_port=$((_port + 1 + _try * 7))
		_try=$((_try + 1))
	done
	NGINX_PREFIX=
	return 1
}

stop_nginx() {
	[ -n "${NGINX_PREFIX:-}" ] || return 0
	if [ -s "$NGINX_PREFIX/nginx.pid" ]; then
		kill "$(cat "$NGINX_PREFIX/nginx.pid")" 2>/dev/null
		_i=0
		while [ -e "$NGINX_PREFIX/nginx.pid" ] && [ "$_i" -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	fi
	NGINX_PREFIX=
}

# ---- hand-made (bad) packages -------------------------------------------

# wrap_ipk OUT CONTROL-FILE DATA.TAR.GZ: an OpenWrt ipk (gzip'd tar of
# ./debian-binary ./data.tar.gz ./control.tar.gz) around a control file and
# a data archive made by hand.
wrap_ipk() {
	_w=$(mktemp -d "${T:-/tmp}/wrap.XXXXXX") || return 1
	mkdir -p "$_w/c"
	cp "$2" "$_w/c/control"
	printf '2.0\n' >"$_w/debian-binary"
	tar --owner=0 --group=0 -czf "$_w/control.tar.gz" -C "$_w/c" ./control &&
		cp "$3" "$_w/data.tar.gz" &&
		tar --owner=0 --group=0 -czf "$1" -C "$_w" ./debian-binary \
			./data.tar.gz ./control.tar.gz
	_rc=$?
	rm -rf "$_w"
	return $_rc
}

# control_of NAME FILE: a minimal valid control file for package NAME.
control_of() {
	printf 'Package: %s\nVersion: 1.0-1\nDepends: libc\nArchitecture: %s\nDescription: hand-made test package\n' \
		"$1" "$ARCH" >"$2"
}

# lock_holder LOCKFILE READYFILE SECONDS: hold a POSIX (fcntl) write lock
# on LOCKFILE for SECONDS, touch READYFILE once it is held. Run it with &.
lock_holder() {
	mkdir -p "$(dirname "$1")"
	if command -v python3 >/dev/null 2>&1; then
		exec python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))' "$1" "$2" "$3"
	fi
	exec perl -e 'use Fcntl; open(F, ">>", $ARGV[0]) or die;
		fcntl(F, F_SETLKW, pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0))
			or die "lock: $!";
		open(R, ">", $ARGV[1]); close(R); sleep($ARGV[2]);' "$1" "$2" "$3"
}

# wait_for FILE: wait up to 10 s for FILE to exist.
wait_for() {
	_i=0
	while [ ! -e "$1" ] && [ "$_i" -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -e "$1" ]
}
