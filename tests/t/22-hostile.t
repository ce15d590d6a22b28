#!/bin/sh
# Hostile packages and feeds (issue 8's list, the cases 21-bad-input.t does
# not have). Each case: exit status != 0, one line on stderr, the root
# byte for byte unchanged (hash listing before and after) and nothing
# created outside the root (every payload is named pwned*; $T/outside must
# stay empty). Run alone with `prove tests/t/22-hostile.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

R=$T/root
mk_plain_root "$R"
C=$R/etc/opkg.conf
mkdir -p "$T/outside"

# bad WHAT CMD...: CMD fails with one line on stderr and leaves the root as
# $T/base says, and nothing named pwned* appears outside the root.
bad() {
	_what=$1
	shift
	run "$@"
	t_ok "$_what: exit status != 0" test "$RC" -ne 0
	if one_err_line; then
		pass "$_what: one line on stderr"
		diag "stderr: $ERR"
	else
		fail "$_what: one line on stderr"
		show_run
	fi
	check_root "$_what"
	_out=$(find "$T" /tmp -path "$R" -prune -o -name 'pwned*' -print \
		2>/dev/null | grep -v "^$T/src/" | head -n 3)
	[ -z "$(ls -A "$T/outside")" ] || _out="$_out $(ls -A "$T/outside")"
	is "$_out" "" "$_what: nothing created outside the root"
}

# check_root WHAT: the root is byte for byte as $T/base says.
check_root() {
	snap "$R" >"$T/now"
	if cmp -s "$T/base" "$T/now"; then
		pass "$1: nothing under the root changed"
		return 0
	fi
	fail "$1: nothing under the root changed"
	diff "$T/base" "$T/now" | head -n 10 | sed 's/^/# /'
}

# ipk_of NAME DATA-ARGS...: $T/NAME.ipk with a valid control for NAME and
# a data.tar.gz made by `tar DATA-ARGS` (run in $T/src).
ipk_of() {
	_n=$1
	shift
	control_of "$_n" "$T/control"
	(cd "$T/src" && tar --owner=0 --group=0 -czf "$T/data.tar.gz" "$@") ||
		diag "tar for $_n failed"
	wrap_ipk "$T/$_n.ipk" "$T/control" "$T/data.tar.gz"
}

op() { run "$PKG" -f "$C" -o "$R" "$@"; }
op update
is "$RC" 0 "update of the fixture feeds"
# update writes lists only, a query reads opkg's files and writes
# nothing; the first command that may change the state imports them into
# pkg.db: the root as every later run sees it.
op recover
snap "$R" >"$T/base"

# ==== hand-made archives, installed as local files ======================
S=$T/src
mkdir -p "$S/usr/share/ok" "$S/tmpd"
echo data >"$S/usr/share/ok/file"
echo pwned >"$S/tmpd/pwned"

ipk_of dotslashdotdot ./usr/share/ok/file ./tmpd/pwned \
	--transform 's|^\./tmpd/pwned$|./../pwned-dsdd|'
bad "data member './../pwned'" "$PKG" -f "$C" -o "$R" install \
	"$T/dotslashdotdot.ipk"
like "$ERR" "unsafe path" "./../: the line says why"

ipk_of leaddotdot ./usr/share/ok/file ./tmpd/pwned \
	--transform 's|^\./tmpd/pwned$|../../../../../../..'"$T"'/outside/pwned|'
bad "data member '../...' (leading)" "$PKG" -f "$C" -o "$R" install \
	"$T/leaddotdot.ipk"

# A symlink to a directory inside the package, then a file through it:
# no entry may go below a symlink, wherever it points.
ln -s ok "$S/usr/share/lnk"
ipk_of symin ./usr/share/ok/file ./usr/share/lnk ./tmpd/pwned \
	--transform 's|^\./tmpd/pwned$|./usr/share/lnk/pwned-in|'
bad "symlink to a directory in the package, then a file through it" \
	"$PKG" -f "$C" -o "$R" install "$T/symin.ipk"
rm -f "$S/usr/share/lnk"

# Hardlinks whose target is outside the package: ../, absolute, and a
# file of the root that the package does not have.
mkdir -p "$S/hl"
echo pwned >"$S/hl/a"
ln "$S/hl/a" "$S/hl/b"
for tgt in "../../../../../..$T/outside/pwned-hl" "/etc/passwd" \
	"etc/opkg.conf"; do
	control_of hardlink "$T/control"
	# tar stores hl/b as a link to hl/a: rewrite only the link target.
	(cd "$S" && tar -P --owner=0 --group=0 -czf "$T/data.tar.gz" \
		./usr/share/ok/file ./hl/a ./hl/b \
		--transform "s|^\./hl/a\$|$tgt|hRS" 2>/dev/null)
	tar -P -tvzf "$T/data.tar.gz" | grep -q " link to $tgt\$" ||
		diag "hardlink archive not as intended for $tgt"
	wrap_ipk "$T/hardlink.ipk" "$T/control" "$T/data.tar.gz"
	bad "hardlink to '$tgt'" "$PKG" -f "$C" -o "$R" install \
		"$T/hardlink.ipk"
done
rm -rf "$S/hl"

# Device nodes, fifos, setuid and setgid files: refused unless the user
# trusts the package by name with --force-special-files.
mkdir -p "$S/dev"
if mknod "$S/dev/pwned-null" c 1 3 2>/dev/null; then
	ipk_of devnode ./usr/share/ok/file ./dev/pwned-null
	bad "character device in data" "$PKG" -f "$C" -o "$R" install \
		"$T/devnode.ipk"
	like "$ERR" "device" "device node: the line says why"
	rm -f "$S/dev/pwned-null"
else
	skip 4 "mknod not permitted"
fi
mkfifo "$S/dev/pwned-fifo"
ipk_of fifo ./usr/share/ok/file ./dev/pwned-fifo
bad "fifo in data" "$PKG" -f "$C" -o "$R" install "$T/fifo.ipk"
rm -rf "$S/dev"
mkdir -p "$S/usr/bin"
echo '#!/bin/sh' >"$S/usr/bin/pwned-su"
chmod 4755 "$S/usr/bin/pwned-su"
ipk_of setuid ./usr/share/ok/file ./usr/bin/pwned-su
bad "setuid file in data" "$PKG" -f "$C" -o "$R" install "$T/setuid.ipk"
like "$ERR" "setuid" "setuid: the line says why"
chmod 2755 "$S/usr/bin/pwned-su"
ipk_of setgid ./usr/share/ok/file ./usr/bin/pwned-su
bad "setgid file in data" "$PKG" -f "$C" -o "$R" install "$T/setgid.ipk"
# Trusted by name: --force-special-files keeps them (setuid bit included).
run "$PKG" -f "$C" -o "$R" --force-special-files install "$T/setgid.ipk"
is "$RC" 0 "--force-special-files: the setgid file is installed"
is "$(stat -c %a "$R/usr/bin/pwned-su" 2>/dev/null)" 2755 "...with its setgid bit"
run "$PKG" -f "$C" -o "$R" remove setgid
is "$RC" 0 "...and removed again"
snap "$R" >"$T/base"
run "$PKG" -f "$C" -o "$R" --force-special-files --force-checksum install "$T/setuid.ipk"
t_nok "...but not together with --force-checksum (not verified)" test "$RC" = 0
check_root "special files with --force-checksum"
rm -rf "$S/usr/bin"

# Decompression bombs in the control part: 64 MiB that gzip to ~64 KiB.
mkdir -p "$T/bomb"
control_of bomb "$T/bomb/control"
printf 'Description: x' >>"$T/bomb/control"
head -c 67108864 /dev/zero | tr '\0' 'a' >>"$T/bomb/control"
printf '\n' >>"$T/bomb/control"
printf '2.0\n' >"$T/bomb/debian-binary"
(cd "$S" && tar --owner=0 --group=0 -czf "$T/bomb/data.tar.gz" \
	./usr/share/ok/file)
(cd "$T/bomb" && tar --owner=0 --group=0 -czf control.tar.gz ./control &&
	tar --owner=0 --group=0 -czf "$T/bomb.ipk" ./debian-binary \
		./control.tar.gz ./data.tar.gz)
diag "bomb.ipk: $(wc -c <"$T/bomb.ipk") bytes, control 64 MiB"
start=$(date +%s)
bad "64 MiB control file (decompression bomb)" "$PKG" -f "$C" -o "$R" \
	install "$T/bomb.ipk"
t_ok "the bomb is refused quickly (< 10 s)" \
	test $(($(date +%s) - start)) -lt 10
control_of bomb "$T/bomb/control"
head -c 67108864 /dev/zero >"$T/bomb/postinst"
(cd "$T/bomb" && tar --owner=0 --group=0 -czf control.tar.gz ./control \
	./postinst &&
	tar --owner=0 --group=0 -czf "$T/bomb2.ipk" ./debian-binary \
		./control.tar.gz ./data.tar.gz)
bad "64 MiB postinst (decompression bomb)" "$PKG" -f "$C" -o "$R" \
	install "$T/bomb2.ipk"
rm -rf "$T/bomb"

# A package that installs a symlink to an absolute directory, then a
# second package with a file below that symlink (as OpenWrt's /var ->
# /tmp): the file goes where the link points inside the root, never to the
# host's directory of that name.
mkdir -p "$S/usr/share"
ln -s "$T/outside" "$S/usr/share/esc"
ipk_of linkpkg ./usr/share/esc
op install "$T/linkpkg.ipk"
is "$RC" 0 "a package with a symlink to an absolute directory installs"
[ "$RC" = 0 ] || show_run
rm -f "$S/usr/share/esc"
mkdir -p "$S/usr/share/esc"
echo pwned >"$S/usr/share/esc/pwned-through"
ipk_of throughpkg ./usr/share/ok/file ./usr/share/esc/pwned-through
op install "$T/throughpkg.ipk"
is "$RC" 0 "a package with a file below that symlink installs"
[ "$RC" = 0 ] || show_run
t_ok "...the file is inside the root (link resolved against the root)" \
	test -f "$R$T/outside/pwned-through"
is "$(ls -A "$T/outside")" "" \
	"...and nothing was written to the host's $T/outside"
rm -rf "$S/usr/share/esc"
op remove throughpkg linkpkg
is "$RC" 0 "both are removed again"
snap "$R" >"$T/base"

# The package manager's own state is no package's: pkg's database and
# lock, opkg's status file and info directory, the lists, pkg's feed
# caches, the world file. opkg-lede installs such a file; pkg refuses it,
# with --force-overwrite too, whether the path is there or new, named
# directly or reached through a link another package of the same
# transaction makes.
mkdir -p "$S/usr/lib/pkg" "$S/usr/lib/opkg/info" "$S/var/opkg-lists" \
	"$S/tmp/pkg-cache" "$S/etc/pkg"
for p in usr/lib/pkg/pkg.db usr/lib/pkg/pwned-new usr/lib/opkg/status \
	usr/lib/opkg/info/pwned.list usr/lib/opkg/info/busybox.postinst \
	var/opkg-lists/openwrt_core tmp/pkg-cache/pwned.solv etc/pkg/world; do
	echo pwned >"$S/$p"
	ipk_of ownstate ./usr/share/ok/file "./$p"
	bad "a package with /$p" "$PKG" -f "$C" -o "$R" \
		--force-overwrite install "$T/ownstate.ipk"
	like "$ERR" "'/$p' is in the package manager's own state" \
		"/$p: the line says why"
	rm -f "$S/$p"
done
ln -s ../lib/pkg "$S/usr/share/state"
ipk_of statelink ./usr/share/state
mkdir -p "$S/usr/share/state"
echo pwned >"$S/usr/share/state/pkg.db"
ipk_of throughstate ./usr/share/state/pkg.db
rm -rf "$S/usr/share/state"
bad "a file through another package's link into usr/lib/pkg" \
	"$PKG" -f "$C" -o "$R" --force-overwrite install \
	"$T/statelink.ipk" "$T/throughstate.ipk"
like "$ERR" "'/usr/lib/pkg/pkg.db' is in the package manager's own state" \
	"through a link: the line names the path the link leads to"
# A directory that is itself part of the state may be shipped (opkg's
# own package makes usr/lib/opkg): nothing is placed.
# usr/lib/pkgconfig is not usr/lib/pkg (libpam has /usr/lib/pkgconfig/pam.pc)
mkdir -p "$S/usr/lib/pkgconfig"
echo ok >"$S/usr/lib/pkgconfig/ok.pc"
ipk_of statedir ./usr/share/ok/file ./usr/lib/opkg ./usr/lib/pkgconfig/ok.pc
op install "$T/statedir.ipk"
is "$RC" 0 "a package shipping the directory usr/lib/opkg and usr/lib/pkgconfig/ok.pc installs"
t_ok "...usr/lib/pkgconfig/ok.pc is in place" test -f "$R/usr/lib/pkgconfig/ok.pc"
[ "$RC" = 0 ] || show_run
op remove statedir
is "$RC" 0 "...and is removed, usr/lib/opkg staying"
t_ok "...usr/lib/opkg/status is still there" test -f "$R/usr/lib/opkg/status"
snap "$R" >"$T/base"

# ==== feeds (file://, signed by our own key) ============================
mk_key "$T/key" || diag "pkg-repo keygen failed"
mk_key "$T/key2" || diag "pkg-repo keygen failed"
KID=$(key_id "$T/key.pub")
install_key "$T/key.pub" "$R/etc/opkg/keys"
# C2: the same configuration with only the feed `hostile`.
C2=$T/hostile.conf
grep -v '^src' "$C" >"$C2"
echo "src/gz hostile file://$T/feed" >>"$C2"
F=$T/feed
mkdir -p "$F"
mk_standin "$F" good 1.0-1 libc
mk_standin "$F" changing 1.0-1 libc
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>"$T/index.err" ||
	diag "pkg-repo index: $(cat "$T/index.err")"
run "$PKG" -f "$C2" -o "$R" update
is "$RC" 0 "update of our own signed feed"
[ "$RC" = 0 ] || show_run
snap "$R" >"$T/base"
cp "$F/Packages" "$F/Packages.gz" "$F/Packages.sig" "$T/"

# resign: Packages.gz from Packages, signature with key $1.
resign() {
	rm -f "$F/Packages.zst"
	gzip -9nc "$F/Packages" >"$F/Packages.gz"
	"$PKG_REPO" sign "$F/Packages" -k "$1" >/dev/null 2>&1 ||
		diag "pkg-repo sign failed"
}
restore_feed() { cp "$T/Packages" "$T/Packages.gz" "$T/Packages.sig" "$F/"; }

# A 10 MB field (signed: only the size is wrong).
{
	cat "$T/Packages"
	printf 'Package: huge\nVersion: 1\nArchitecture: all\nDescription: '
	head -c 10485760 /dev/zero | tr '\0' 'x'
	printf '\nFilename: huge_1_all.ipk\nSize: 1\n\n'
} >"$F/Packages"
resign "$T/key"
bad "Packages stanza with a 10 MB field" "$PKG" -f "$C2" -o "$R" update
like "$ERR" "feed .hostile.*too long" \
	"10 MB field: the line names the feed and says why"
restore_feed

# b64_patch FILE OFFSET HEX: overwrite bytes of the base64 blob on line 2.
b64_patch() {
	sed -n 2p "$1" | base64 -d >"$T/blob"
	_oct=
	for _h in $(echo "$3" | sed 's/../& /g'); do
		_oct="$_oct$(printf '\\%03o' $((0x$_h)))"
	done
	printf "$_oct" | dd of="$T/blob" bs=1 seek="$2" conv=notrunc 2>/dev/null
	{ sed -n 1p "$1"; base64 -w0 "$T/blob"; echo; } >"$1.new" &&
		mv "$1.new" "$1"
}

# A signature made by another key that carries our key's id.
cp "$T/key2" "$T/key2-forged"
b64_patch "$T/key2-forged" 32 "$KID"
"$PKG_REPO" sign "$F/Packages" -k "$T/key2-forged" >/dev/null 2>&1 ||
	diag "signing with the forged key failed"
is "$(key_id "$F/Packages.sig")" "$KID" "the forged signature has our key id"
bad "signature with our key id from another key" "$PKG" -f "$C2" -o "$R" \
	update
like "$ERR" "bad signature" "forged signature: the line says why"
restore_feed

# A signature with our key id and one byte of the signature changed.
b64_patch "$F/Packages.sig" 40 "00ff"
bad "signature with our key id, signature bytes changed" \
	"$PKG" -f "$C2" -o "$R" update
restore_feed

# Key files in the wrong format under the right name: the secret key, a
# PEM key, a truncated key, and random bytes.
cp "$R/etc/opkg/keys/$KID" "$T/key.good"
openssl genpkey -algorithm ed25519 2>/dev/null >"$T/key.pem" ||
	printf -- '%s\n' '-----BEGIN PUBLIC KEY-----' MCowBQYDK2VwAyEA \
		'-----END PUBLIC KEY-----' >"$T/key.pem"
head -c 60 "$T/key.pub" >"$T/key.trunc"
head -c 200 /dev/urandom >"$T/key.random"
for kf in key key.pem key.trunc key.random; do
	cp "$T/$kf" "$R/etc/opkg/keys/$KID"
	snap "$R" >"$T/base"
	bad "key file in the wrong format ($kf)" "$PKG" -f "$C2" -o "$R" update
	like "$ERR" "key" "wrong key format ($kf): the line names the key"
done
cp "$T/key.good" "$R/etc/opkg/keys/$KID"
snap "$R" >"$T/base"

# Maintainer scripts run as opkg runs them: from a feed whose index was
# signed and checked, and also when the user turned signature checking
# off or forced it (skipping them would protect nothing: the package's
# own programs run as root anyway), without a warning, as opkg.
S5=$T/src.scripted
mkdir -p "$S5/CONTROL" "$S5/usr/share/scripted" "$T/sfeed"
printf 'Package: scripted\nVersion: 1.0\nArchitecture: all\nDescription: x\n' \
	>"$S5/CONTROL/control"
printf '#!/bin/sh\necho ran >"${PKG_ROOT}scripted-ran"\n' >"$S5/CONTROL/postinst"
chmod 755 "$S5/CONTROL/postinst"
echo data >"$S5/usr/share/scripted/data"
"$PKG_REPO" build "$S5" -o "$T/sfeed" >/dev/null 2>&1
"$PKG_REPO" index "$T/sfeed" --sign "$T/key" >/dev/null 2>&1
C5=$T/scripted.conf
grep -v '^src' "$C" >"$C5"
echo "src/gz sfeed file://$T/sfeed" >>"$C5"
run "$PKG" -f "$C5" -o "$R" update
run "$PKG" -f "$C5" -o "$R" --force-postinstall install scripted
is "$RC" 0 "signed feed: install with its postinst exits 0"
t_ok "...and the postinst ran" test -f "$R/scripted-ran"
rm -f "$R/scripted-ran"
run "$PKG" -f "$C5" -o "$R" remove scripted
sed 's/^option check_signature 1/option check_signature 0/' "$C5" >"$T/unsigned.conf"
run "$PKG" -f "$T/unsigned.conf" -o "$R" --force-postinstall install scripted
is "$RC" 0 "signature checking off: the install works"
t_ok "...and the postinst ran, as opkg runs it" test -f "$R/scripted-ran"
is "$ERR" "" "...without a warning"
rm -f "$R/scripted-ran"
run "$PKG" -f "$C5" -o "$R" remove scripted
run "$PKG" -f "$C5" -o "$R" --force-postinstall --force-signature \
	install scripted
t_ok "--force-signature: the postinst ran too" test -f "$R/scripted-ran"
rm -f "$R/scripted-ran"
run "$PKG" -f "$C5" -o "$R" remove scripted
run "$PKG" -f "$C5" -o "$R" --force-postinstall install "$T"/sfeed/scripted_1.0_all.ipk
t_ok "a local file named on the command line runs its postinst" test -f "$R/scripted-ran"
rm -f "$R/scripted-ran"
run "$PKG" -f "$C5" -o "$R" remove scripted
run "$PKG" -f "$C2" -o "$R" update
snap "$R" >"$T/base"

# The feed changes between update and install: same file name, other
# contents (re-indexed and re-signed on the server); and a new version
# whose old file is gone.
run "$PKG" -f "$C2" -o "$R" update
snap "$R" >"$T/base"
rm -f "$F"/changing_*.ipk
mkdir -p "$T/other"
mk_standin "$T/other" changing 1.0-1 "libc, good"
cp "$T/other"/changing_*.ipk "$F/"
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
bad "feed changed after update (same name, other contents)" \
	"$PKG" -f "$C2" -o "$R" install changing
like "$ERR" "checksum|mismatch|exceeds" "changed feed: the line says why"
rm -f "$F"/changing_*.ipk
mk_standin "$F" changing 2.0-1 libc
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
bad "feed changed after update (old version gone)" \
	"$PKG" -f "$C2" -o "$R" install changing
restore_feed

# ==== HTTP: a server that misbehaves ====================================
if ! command -v python3 >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1
then
	skip 12 "needs python3 and openssl for the hostile HTTP server"
	done_testing
	exit $?
fi
W=$T/www
mkdir -p "$W/feed"
mk_standin "$W/feed" hsha 1.0-1 libc
mk_standin "$W/feed" endless 1.0-1 libc
mk_standin "$W/feed" slow 1.0-1 libc
"$PKG_REPO" index "$W/feed" --sign "$T/key" >/dev/null 2>&1
# Same size, other bytes: the index's SHA256sum does not match.
f=$(ls "$W"/feed/hsha_*.ipk)
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" \
	-out "$T/tls.crt" -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1
cat >"$T/srv.py" <<'PYEOF'
# Hostile HTTP(S) server: static files from a directory, except
# endless_*.ipk (zeros without end, no Content-Length); the https port
# redirects every request to the same path over http.
import http.server, os, socketserver, ssl, sys, threading, time
root, portfile, crt, key = sys.argv[1:5]

class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.server.tls:
            self.send_response(301)
            self.send_header("Location", "http://127.0.0.1:%d%s"
                             % (plain.server_address[1], self.path))
            self.end_headers()
            return
        if os.path.basename(self.path).startswith("slow_"):
            data = open(os.path.join(root, self.path.lstrip("/")),
                         "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            half = len(data) // 2
            self.wfile.write(data[:half])
            self.wfile.flush()
            time.sleep(1.5)
            self.wfile.write(data[half:])
            return
        if os.path.basename(self.path).startswith("endless_"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                for _ in range(16384):  # 1 GiB at most
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        super().do_GET()

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

plain = S(("127.0.0.1", 0), H)
plain.tls = False
tls = S(("127.0.0.1", 0), H)
tls.tls = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
threading.Thread(target=tls.serve_forever, daemon=True).start()
with open(portfile + ".tmp", "w") as f:
    f.write("%d %d\n" % (plain.server_address[1], tls.server_address[1]))
os.rename(portfile + ".tmp", portfile)
plain.serve_forever()
PYEOF
python3 "$T/srv.py" "$W" "$T/ports" "$T/tls.crt" "$T/tls.key" \
	2>"$T/srv.err" &
SRV=$!
trap 'kill $SRV 2>/dev/null; _cleanup' EXIT
if ! wait_for "$T/ports"; then
	diag "server: $(cat "$T/srv.err")"
	skip 12 "the hostile HTTP server does not start"
	done_testing
	exit $?
fi
read -r HPORT SPORT <"$T/ports"
C3=$T/http.conf
grep -v '^src' "$C" >"$C3"
echo "src/gz web http://127.0.0.1:$HPORT/feed" >>"$C3"
run "$PKG" -f "$C3" -o "$R" update
is "$RC" 0 "update from the http server"
[ "$RC" = 0 ] || show_run
snap "$R" >"$T/base"

bad "package whose SHA256sum does not match the index (http)" \
	"$PKG" -f "$C3" -o "$R" install hsha
like "$ERR" "checksum mismatch" "SHA-256 over http: the line says why"

start=$(date +%s)
bad "server sending endless data for a package" \
	"$PKG" -f "$C3" -o "$R" install endless
like "$ERR" "exceeds [0-9]+ bytes" "endless data: stopped at the index's Size"
t_ok "endless data: stopped quickly (< 20 s)" \
	test $(($(date +%s) - start)) -lt 20

# ---- progress: on a terminal a slow download shows bytes, size, rate ----
mkdir -p "$T/dl"
(cd "$T/dl" && script -qec "'$PKG' -f '$C3' -o '$R' download slow" \
	/dev/null) >"$T/tty.out" 2>&1
like "$(tr '\r' '\n' <"$T/tty.out")" \
	"slow: [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B +[0-9.]+ [KMG]?i?B/s" \
	"on a terminal a slow download shows its bytes, size and rate"
t_ok "...and the package is downloaded" ls "$T/dl"/slow_1.0-1_*.ipk
rm -f "$T/dl"/slow_*.ipk
(cd "$T/dl" && "$PKG" -f "$C3" -o "$R" download slow) >"$T/pipe.out" 2>&1
unlike "$(cat "$T/pipe.out")" "B/s" "...and nothing of it on a pipe"

C4=$T/https.conf
grep -v '^src' "$C" >"$C4"
echo "src/gz tls https://127.0.0.1:$SPORT/feed" >>"$C4"
bad "https feed redirected to http" "$PKG" --no-check-certificate \
	-f "$C4" -o "$R" update
like "$ERR" "redirect" "https -> http: the line says it was a redirect"

kill "$SRV" 2>/dev/null
wait "$SRV" 2>/dev/null
done_testing
