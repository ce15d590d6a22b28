#!/bin/sh
# A real HTTP feed: nginx (Debian's) on 127.0.0.1 with a free port serves a
# feed made by `pkg-repo index --sign` from real fixture ipks and a
# stand-in; update, install, download and install-by-URL go over HTTP with
# signature checking on; a 404 feed and a 404 package give clear errors.
# Run alone with `prove tests/t/25-http.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
need_cmd nginx
mk_tmp

W=$T/www
mkdir -p "$W/feed"
for p in nano libncurses6 terminfo zlib; do
	cp "$(fixture_ipk $p)" "$W/feed/"
done
mk_standin "$W/feed" hello 1.0-1 libc
mk_standin "$W/feed" vanished 1.0-1 libc
mk_key "$T/key"
"$PKG_REPO" index "$W/feed" --sign "$T/key" >/dev/null 2>"$T/index.err" ||
	diag "pkg-repo index: $(cat "$T/index.err")"
rm -f "$W/feed"/vanished_*.ipk

if ! start_nginx "$W"; then
	command -v nginx >/dev/null 2>&1 || { echo "1..0 # SKIP nginx is not installed"; exit 0; }
	echo "Bail out! nginx is installed but does not start: $(tail -n 1 "$T/nginx/error.log" 2>/dev/null)"
	exit 1
fi
URL=http://127.0.0.1:$NGINX_PORT

R=$T/root
mk_plain_root "$R"
install_key "$T/key.pub" "$R/etc/opkg/keys"
C=$R/etc/opkg.conf
grep -v '^src' "$C" >"$C.new" && mv "$C.new" "$C"
echo "src/gz web $URL/feed" >>"$C"
op() { run "$PKG" -f "$C" -o "$R" "$@"; }

op update
is "$RC" 0 "update over http exits 0"
[ "$RC" = 0 ] || show_run
like "$OUT" "$URL/feed/Packages" "update names the http URL it fetched"

op install nano
is "$RC" 0 "install nano over http exits 0"
[ "$RC" = 0 ] || show_run
op list-installed
is "$OUT" "libc - 1.2.4-4
libgcc1 - 13.1.0-4
libncurses6 - 6.4-2
nano - 7.2-2
terminfo - 6.4-2" "nano, libncurses6 and terminfo are installed"
want=$(tar -xzOf "$(fixture_ipk nano)" ./data.tar.gz | tar -xzO ./usr/bin/nano |
	sha256sum | cut -d' ' -f1)
is "$(sha256sum <"$R/usr/bin/nano" 2>/dev/null | cut -d' ' -f1)" "$want" \
	"ROOT/usr/bin/nano arrived intact"

op install hello
is "$RC" 0 "install of a pkg-repo built stand-in over http"
is "$(cat "$R/usr/share/hello/README" 2>/dev/null)" "hello 1.0-1" \
	"the stand-in's file is in place"

mkdir -p "$T/dl"
(cd "$T/dl" && "$PKG" -f "$C" -o "$R" download zlib >"$T/out" 2>"$T/err")
is "$?" 0 "download zlib over http exits 0"
t_ok "the downloaded file equals the served one" \
	cmp -s "$T/dl/$(basename "$(fixture_ipk zlib)")" "$(fixture_ipk zlib)"

op install "$URL/feed/$(basename "$(fixture_ipk zlib)")"
is "$RC" 0 "install by http URL exits 0"
[ "$RC" = 0 ] || show_run
t_ok "zlib installed from its URL" test -f "$R/usr/lib/libz.so.1.2.13"

# ---- errors ----
snap "$R" >"$T/base"
op install vanished
t_ok "a package whose file is gone (404): exit != 0" test "$RC" -ne 0
t_ok "a 404 package: one line on stderr" one_err_line
[ "$RC" -ne 0 ] && one_err_line || show_run
like "$ERR" "vanished" "the 404 line names the package or its URL"
snap "$R" >"$T/now"
t_ok "a 404 package: nothing under the root changed" cmp -s "$T/base" "$T/now"

echo "src/gz gone $URL/gone" >>"$C"
op update
t_ok "update with a 404 feed: exit != 0" test "$RC" -ne 0
t_ok "a 404 feed: one line on stderr" one_err_line
like "$ERR" "gone" "the line names the feed or its URL"
like "$ERR" "404|[Nn]ot [Ff]ound" "the line says it was not found"
op list hello
like "$OUT" "^hello - 1\.0-1" "the good feed is still usable"

stop_nginx
op update
t_ok "update with the server down: exit != 0" test "$RC" -ne 0
like "$ERR" "127\.0\.0\.1" "the error names the server"

done_testing
