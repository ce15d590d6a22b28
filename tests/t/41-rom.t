#!/bin/sh
# ROM awareness, offline mode (ROOT/rom + ROOT/overlay/upper): the image
# database and its fingerprint, restore of upgraded packages (downgrade to
# the image's version, --from-rom, --from-feed), reclaim, reset, audit,
# status --conffiles, a new image under pkg, the build-time manifest.
# The live-mount twin of this file is 42-live.t.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

R=$T/root
U=$R/overlay/upper
DB=$U/usr/lib/pkg/pkg.db
op() { run "$PKG" -o "$R" "$@"; }
sql() { sqlite3 "$DB" "$1"; }
whiteout_at() { [ -c "$1" ] && [ "$(stat -c '%t:%T' "$1")" = "0:0" ]; }
data_bytes() {
	find "$U" -type f ! -path "$U/usr/lib/pkg/*" ! -path "$U/usr/lib/opkg/*" \
		! -path "$U/var/*" ! -path "$U/tmp/*" ! -path "$U/etc/pkg/*" ! -path "$U/etc/opkg/*" \
		! -path "$U/etc/backup/*" -printf '%s\n' |
		awk '{ s += $1 } END { print s + 0 }'
}

# mk_conf_pkg OUTDIR VERSION CONF-CONTENT: "democonf", a file and a conffile.
mk_conf_pkg() {
	_s=$T/src.democonf
	rm -rf "$_s"
	mkdir -p "$_s/CONTROL" "$_s/etc" "$_s/usr/share/democonf"
	printf 'Package: democonf\nVersion: %s\nArchitecture: %s\nDescription: conffile stand-in\n' \
		"$2" "$ARCH" >"$_s/CONTROL/control"
	echo /etc/democonf.conf >"$_s/CONTROL/conffiles"
	printf '#!/bin/sh\necho "$1" >>"${PKG_ROOT}configured-democonf"\n' \
		>"$_s/CONTROL/postinst"
	chmod 755 "$_s/CONTROL/postinst"
	printf '%s\n' "$3" >"$_s/etc/democonf.conf"
	echo "democonf $2 data" >"$_s/usr/share/democonf/data"
	SOURCE_DATE_EPOCH=1700000000 "$PKG_REPO" build "$_s" -o "$1" >/dev/null
}

mkdir -p "$T/img" "$T/feed"
mk_conf_pkg "$T/img" 1.0 "setting=image" || { echo "Bail out! pkg-repo build"; exit 1; }
mk_conf_pkg "$T/feed" 2.0 "setting=image" || exit 1
mk_key "$T/key"
"$PKG_REPO" index "$T/feed" --sign "$T/key" >/dev/null 2>&1 || exit 1
mk_image_root "$R"
rom_add_ipk "$R/rom" "$T/img"/democonf_1.0_*.ipk 1
install_key "$T/key.pub" "$R/rom/etc/opkg/keys"
echo "src/gz mine file://$T/feed" >>"$R/rom/etc/opkg.conf"

# ---- the image database ----
op update
is "$RC" 0 "update exits 0"
op list democonf
is "$OUT" "democonf - 2.0 - conffile stand-in" "list reads the feeds alone"
t_ok "update and list write no database" test ! -e "$DB"
op list-installed
is "$RC" 0 "the first command that reads the installed state exits 0"
t_ok "...and writes no database (it reads opkg's files)" test ! -e "$DB"
op recover
is "$RC" 0 "the first command that may change the state exits 0"
is "$(sql "SELECT count(*) FROM rom_packages")" 8 "first run: 8 image packages recorded"
is "$(sql "SELECT count(*) FROM rom_files WHERE type='f' AND length(sha256)=64")" \
	"$(sql "SELECT count(*) FROM rom_files WHERE type='f'")" "every image file has its SHA-256"
is "$(sql "SELECT sha256 FROM rom_files WHERE path='etc/democonf.conf'")" \
	"$(sha256sum <"$R/rom/etc/democonf.conf" | cut -d' ' -f1)" "the conffile's hash is the image's"
is "$(sql "SELECT conffile FROM rom_files WHERE path='etc/democonf.conf'")" 1 "...and it is marked a conffile"
is "$(sql "SELECT value FROM meta WHERE key='rom_fingerprint'")" \
	"$(sha256sum <"$R/rom/usr/lib/opkg/status" | cut -d' ' -f1)" "fingerprint: the image status's SHA-256"
# The quick id: size, mtime and CRC-32 (gzip's trailer holds it) of the
# image status; while it stays, a command hashes nothing to know the
# image is the same, and the OpenSSL build does not load libcrypto.
RS=$R/rom/usr/lib/opkg/status
crc=$(gzip -c <"$RS" | tail -c 8 | head -c 4 | od -An -tx4 | tr -d ' ')
is "$(sql "SELECT value FROM meta WHERE key='rom_quick'")" \
	"$(stat -c '%s %.9Y' "$RS") $crc" "...taken with the status's size, mtime and CRC-32"
if "$PKG" --version | grep -q 'crypto: openssl'; then
	t_nok "a query with the database hashes nothing (libcrypto not loaded)" \
		sh -c 'LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -q "file=libcrypto"' \
		- "$PKG" -o "$R" list-installed
fi
# A new image whose status has the same size and mtime: the CRC-32 sees it.
cp -a "$RS" "$T/status.orig"
sed -i '0,/^Installed-Time: 17/s//Installed-Time: 18/' "$RS"
touch -r "$T/status.orig" "$RS"
t_ok "(an image status of the same size and mtime, another text)" \
	test "$(stat -c '%s %.9Y' "$RS")" = "$(stat -c '%s %.9Y' "$T/status.orig")" -a \
	"$(sha256sum <"$RS")" != "$(sha256sum <"$T/status.orig")"
op list-installed
like "$OUT" "The image changed: image database rebuilt" \
	"...is noticed (the CRC-32 differs), and the database rebuilt"
is "$(sql "SELECT value FROM meta WHERE key='rom_fingerprint'")" \
	"$(sha256sum <"$RS" | cut -d' ' -f1)" "...with the new fingerprint"
cp -a "$T/status.orig" "$RS"
op list-installed
like "$OUT" "The image changed" "(the first image back)"
# A key the user added in the overlay does not hide the image's keys.
mk_key "$T/key2"
install_key "$T/key2.pub" "$U/etc/opkg/keys"
op update
is "$RC" 0 "update with keys in both the image and the overlay exits 0"
[ "$RC" = 0 ] || diag "$ERR"
op audit
is "$RC" 0 "audit of the fresh image root exits 0"
like "$OUT" "0 problems" "...and finds no problem"

# ---- conffile states ----
op status --conffiles
is "$OUT" "/etc/democonf.conf	democonf	unchanged" "status --conffiles: unchanged"
mkdir -p "$U/etc"
echo "setting=mine" >"$U/etc/democonf.conf"
op status --conffiles --json
like "$OUT" '"state": "changed here"' "status --conffiles --json: changed here"
op list-changed-conffiles
is "$OUT" "/etc/democonf.conf" "list-changed-conffiles lists the edited conffile"
op reclaim --dry-run
is "$OUT" "Would free 0 bytes in 0 files." "reclaim never touches a copy that differs"
t_ok "...which stays" test -f "$U/etc/democonf.conf"

# ---- reclaim: the config edited back ----
cp "$R/rom/etc/democonf.conf" "$U/etc/democonf.conf"
op list-changed-conffiles
is "$OUT" "" "edited back: no longer listed as changed"
snap "$R" >"$T/before"
op reclaim --dry-run
like "$OUT" "Would reclaim /etc/democonf.conf" "reclaim --dry-run names the identical copy"
snap "$R" >"$T/after"
t_ok "...and changes nothing" cmp -s "$T/before" "$T/after"
op reclaim
is "$RC" 0 "reclaim exits 0"
like "$OUT" "Freed 14 bytes in 1 file\." "reclaim prints what it freed"
t_ok "the overlay copy is gone" test ! -e "$U/etc/democonf.conf"
is "$(data_bytes)" 0 "the overlay holds no data"
chmod 600 "$R/rom/etc/democonf.conf" 2>/dev/null
cp -p "$R/rom/etc/democonf.conf" "$U/etc/democonf.conf"
chmod 644 "$U/etc/democonf.conf" "$R/rom/etc/democonf.conf"
chmod 640 "$U/etc/democonf.conf"
op reclaim
like "$OUT" "Freed 0 bytes" "a copy with another mode is not reclaimed"
rm -f "$U/etc/democonf.conf"
# opkg's files are the package manager's own state: never reclaimed, not
# even a copy identical to the image's
mkdir -p "$U/usr/lib/opkg/info"
cp -p "$R/rom/usr/lib/opkg/info/democonf.control" "$U/usr/lib/opkg/info/"
t_ok "(the image's democonf.control copied to the overlay, mode kept)" \
	cmp -s "$R/rom/usr/lib/opkg/info/democonf.control" \
	"$U/usr/lib/opkg/info/democonf.control"
op reclaim --dry-run
is "$OUT" "Would free 0 bytes in 0 files." \
	"reclaim leaves an info file identical to the image's alone"
rm -f "$U/usr/lib/opkg/info/democonf.control"

# ---- upgrade an image package, then go back: a restore ----
op install democonf
is "$RC" 0 "install democonf: upgrade 1.0 -> 2.0 from the feed"
like "$OUT" "Upgrading democonf" "...an upgrade"
t_ok "2.0's data is in the overlay" grep -q "2.0" "$U/usr/share/democonf/data"
# opkg's files in OpenWrt's form: sysupgrade checks Conffiles: with
# sha256sum -c, and info/<pkg>.conffiles lists them.
conf_line=$(awk '/^Package: democonf$/{p=1} p && /^Conffiles:/{getline; print; exit}' \
	"$U/usr/lib/opkg/status")
like "$conf_line" '^ /etc/democonf.conf [0-9a-f]{64}$' \
	"status: the conffile with a SHA-256 (64 hex digits)"
is "${conf_line##* }" "$(sha256sum <"$U/etc/democonf.conf" | cut -d' ' -f1)" \
	"...the hash of the installed conffile"
# (read through the merged view: info files identical to the image's are
# not copied up)
merged_cat() { if [ -e "$U/$1" ]; then cat "$U/$1"; else cat "$R/rom/$1"; fi; }
is "$(merged_cat usr/lib/opkg/info/democonf.conffiles)" /etc/democonf.conf \
	"info/democonf.conffiles lists it"
like "$(merged_cat usr/lib/opkg/info/democonf.control)" "Version: 2.0" \
	"info/democonf.control is 2.0's"
op install democonf=1.0 --force-downgrade
is "$RC" 0 "install democonf=1.0 --force-downgrade exits 0"
[ "$RC" = 0 ] || show_run
like "$OUT" "Restoring democonf \(1.0\) from the image" "the image's version is restored, not downloaded"
unlike "$OUT" "Downloading" "nothing is downloaded"
is "$(data_bytes)" 0 "the overlay copies are gone: zero data bytes"
op list-installed democonf
is "$OUT" "democonf - 1.0" "list-installed: democonf 1.0"
is "$(sql "SELECT origin FROM packages WHERE name='democonf'")" rom "the database says: from the image"
op audit
is "$RC" 0 "audit is clean after the restore"

op install democonf
op install --from-rom democonf
is "$RC" 0 "install --from-rom democonf (2.0 installed) exits 0"
like "$OUT" "Restoring democonf \(1.0\)" "--from-rom chooses the image's version"
is "$(data_bytes)" 0 "...with zero data bytes"

# ---- a restored image package is configured again (its postinst) ----
op remove democonf
rm -f "$R/configured-democonf"
op --force-postinstall install democonf=1.0
is "$RC" 0 "restore of democonf with --force-postinstall exits 0"
like "$OUT" "Restoring democonf \(1.0\)" "...a restore"
is "$(cat "$R/configured-democonf" 2>/dev/null)" configure "...and the image's postinst ran (configure)"
rm -f "$R/configured-democonf"

# ---- --from-feed, and reclaim of what it copied ----
op remove ca-bundle
op install --from-feed ca-bundle
is "$RC" 0 "install --from-feed ca-bundle exits 0"
like "$OUT" "Downloading" "--from-feed downloads even though the image has it"
t_ok "...and copies it into the overlay" test -f "$U/etc/ssl/certs/ca-certificates.crt"
op reclaim
like "$OUT" "Reclaiming /etc/ssl/certs/ca-certificates.crt" "reclaim frees the copy identical to the image"
like "$OUT" "Reclaiming /etc/ssl/cert.pem" "...including the identical symlink"
is "$(data_bytes)" 0 "the overlay holds no data again"
op audit
is "$RC" 0 "audit is clean after reclaim"

# ---- reset ----
mkdir -p "$U/usr/share/terminfo/x"
echo garbage >"$U/usr/share/terminfo/x/xterm"
op audit
is "$RC" 1 "audit exits 1 when an image file was changed in the overlay"
like "$OUT" "modified +/usr/share/terminfo/x/xterm \(terminfo, overlay\)" "...and names it"
op reset terminfo
is "$RC" 0 "reset terminfo exits 0"
like "$OUT" "Reset /usr/share/terminfo/x/xterm: changed here" "reset says what it changes"
t_ok "the overlay copy is gone" test ! -e "$U/usr/share/terminfo/x/xterm"
echo "setting=mine" >"$U/etc/democonf.conf"
op reset democonf
is "$OUT" "democonf: its files are the image's." "reset keeps an edited conffile without --conffiles"
t_ok "...which stays" grep -q mine "$U/etc/democonf.conf"
op reset --conffiles democonf
like "$OUT" "Reset /etc/democonf.conf" "reset --conffiles resets it"
t_ok "...the image's copy shows" test ! -e "$U/etc/democonf.conf"
op install democonf
op reset democonf
like "$OUT" "Restoring democonf to the image's version 1.0" "reset of an upgraded package restores the image's version"
op list-installed democonf
is "$OUT" "democonf - 1.0" "...democonf is 1.0 again"
op reset nano
is "$RC" 1 "reset of a package the image lacks fails"
like "$ERR" "not an image package" "...with a clear message"

# ---- a whiteout nobody knows ----
mknod "$U/usr/share/terminfo/x/xterm" c 0 0
op audit --json
is "$RC" 1 "audit exits 1 on a whiteout the database does not know"
like "$OUT" '"path": "usr/share/terminfo/x/xterm".*"state": "whiteout"' "...and reports it"
op install democonf=1.0
t_ok "a restore leaves the unknown whiteout alone" test -c "$U/usr/share/terminfo/x/xterm"
rm -f "$U/usr/share/terminfo/x/xterm"

# ---- a database error fails audit (not a finding, not a clean exit) ----
cp "$DB" "$T/pkg.db.good"
sql "ALTER TABLE rom_files RENAME TO rom_files_gone"
op audit
t_ok "audit with an unreadable image table fails" test "$RC" -ne 0
unlike "$OUT" "files checked" "...with no summary of a partial scan"
like "$ERR" "rom_files" "...and says what it could not read"
t_ok "...in one line" one_err_line
cp "$T/pkg.db.good" "$DB"
op audit
is "$RC" 0 "audit is clean again with the table back"

# ---- a failure mid-restore changes nothing ----
# state: the files (the database file's bytes aside) and the database rows.
state() {
	snap "$R" | grep -v 'usr/lib/pkg/pkg.db'
	sql "SELECT * FROM packages ORDER BY name; SELECT * FROM files ORDER BY package, path; SELECT count(*) FROM journal"
}
op remove ca-bundle
state >"$T/before"
run env PKG_FAULT=eio@2 "$PKG_FAULT_BIN" -o "$R" install ca-bundle
t_nok "an I/O error in the middle of a restore fails the command" test "$RC" = 0
t_ok "...with a one-line error" one_err_line
state >"$T/after"
t_ok "...and nothing is half-visible (files and rows unchanged)" cmp -s "$T/before" "$T/after"
op install ca-bundle
is "$RC" 0 "the restore then works"

# ---- restore under a directory the user removed and made again ----
M=$T/merged
merged() { # merged CMD: CMD with the offline root mounted for real at $M
	mkdir -p "$M" "$R/overlay/work"
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=$R/rom,upperdir=$U,workdir=$R/overlay/work $M && $1"
}
LIVE=
[ "$(id -u)" = 0 ] && LIVE=1 # as root the real mount must work
echo other >"$R/rom/etc/ssl/other.txt"
op remove ca-bundle
rm -rf "$U/etc/ssl"
mkdir -p "$U/etc/ssl"
setfattr -n trusted.overlay.opaque -v y "$U/etc/ssl"
echo mine >"$U/etc/ssl/mine.pem"
op install ca-bundle
is "$RC" 0 "restore under an opaque directory exits 0"
t_nok "the opaque mark is cleared" sh -c "getfattr --only-values -n trusted.overlay.opaque \"$U/etc/ssl\" 2>/dev/null"
t_ok "what the user had hidden is whited out again" whiteout_at "$U/etc/ssl/other.txt"
t_ok "the user's own file stays" test -f "$U/etc/ssl/mine.pem"
t_ok "no data was copied" test ! -e "$U/etc/ssl/certs/ca-certificates.crt"
if [ -n "$LIVE" ]; then
	t_ok "mounted: the package's files show, the hidden file stays hidden" \
		merged "test -f $M/etc/ssl/certs/ca-certificates.crt && test -L $M/etc/ssl/cert.pem && test ! -e $M/etc/ssl/other.txt && test -f $M/etc/ssl/mine.pem"
else
	skip 1 "needs root and overlayfs for a real mount"
fi
op audit
is "$RC" 0 "audit is clean"
[ "$RC" = 0 ] || diag "$OUT"
op remove ca-bundle
rm -rf "$U/etc/ssl"
mknod "$U/etc/ssl" c 0 0
op install ca-bundle
is "$RC" 0 "restore under a whited-out directory exits 0"
t_ok "the directory's whiteout became an upper directory" test -d "$U/etc/ssl"
t_ok "...in which the rest of the image's directory stays hidden" whiteout_at "$U/etc/ssl/other.txt"
if [ -n "$LIVE" ]; then
	t_ok "mounted: the package's files show, the rest stays hidden" \
		merged "test -f $M/etc/ssl/certs/ca-certificates.crt && test ! -e $M/etc/ssl/other.txt"
else
	skip 1 "needs root and overlayfs for a real mount"
fi
op audit
is "$RC" 0 "audit is clean"

# ---- a new image under pkg ----
echo "setting=mine" >"$U/etc/democonf.conf"
op install nano
op remove ca-bundle
mkdir -p "$T/img2"
mk_conf_pkg "$T/img2" 1.1 "setting=image2" || exit 1
R2=$T/newrom
mkdir -p "$R2/usr/lib/opkg/info" "$R2/etc/opkg/keys"
cp -a "$R/rom/." "$R2/"
awk -v RS= -v ORS='\n\n' '!/Package: democonf\n/ && !/^Package: ca-bundle\n/' \
	"$R/rom/usr/lib/opkg/status" >"$R2/usr/lib/opkg/status"
rm -f "$R2"/usr/lib/opkg/info/democonf.* "$R2"/usr/lib/opkg/info/ca-bundle.* \
	"$R2/etc/ssl/certs/ca-certificates.crt" "$R2/etc/ssl/cert.pem"
rom_add_ipk "$R2" "$T/img2"/democonf_1.1_*.ipk 1
rm -rf "$R/rom" && mv "$R2" "$R/rom"
op list-installed
like "$OUT" "The image changed: image database rebuilt" "a new image is noticed and its database rebuilt"
like "$OUT" "democonf - 1\.1" "the image's new version is installed"
like "$OUT" "nano - " "the user's overlay package is kept"
like "$OUT" "ca-bundle is no longer in the image: installing it again will download it" \
	"a removed image package the new image lacks: the user is told"
op list-installed
unlike "$OUT" "ca-bundle" "...and it is gone from the database"
op status --conffiles
is "$OUT" "/etc/democonf.conf	democonf	changed here and in the image" \
	"the edited conffile: changed here and in the image"
op install ca-bundle
is "$RC" 0 "a package the image no longer has comes from the feed"
like "$OUT" "Downloading" "...downloaded"
# list-upgradable: the image's version is a candidate too, behind the
# feeds' and not with --from-feed; from the rows caches and from the
# pool alike. democonf 2.0 from the feed in the overlay, then an image
# with democonf 3.0.
op list-upgradable
is "$OUT" "democonf - 1.1 - 2.0" "list-upgradable: the feed's newer version"
op install democonf
is "$RC" 0 "democonf 2.0 from the feed"
mkdir -p "$T/img3"
mk_conf_pkg "$T/img3" 3.0 "setting=image3" || exit 1
R2=$T/newrom3
mkdir -p "$R2"
cp -a "$R/rom/." "$R2/"
awk -v RS= -v ORS='\n\n' '!/Package: democonf\n/' \
	"$R/rom/usr/lib/opkg/status" >"$R2/usr/lib/opkg/status"
rm -f "$R2"/usr/lib/opkg/info/democonf.*
rom_add_ipk "$R2" "$T/img3"/democonf_3.0_*.ipk 1
rm -rf "$R/rom" && mv "$R2" "$R/rom"
op list-installed
like "$OUT" "democonf - 2\.0" "an image with democonf 3.0: the overlay's 2.0 stays"
for how in rows pool; do
	[ $how = pool ] && rm -f "$R"/tmp/pkg-cache/*.rows "$U"/tmp/pkg-cache/*.rows
	op list-upgradable
	is "$OUT" "democonf - 2.0 - 3.0" \
		"list-upgradable ($how): the image's version, newer than the feed's"
	op list-upgradable --from-feed
	is "$OUT" "" "...not with --from-feed"
done

# ---- the manifest made at image build time ----
R3=$T/r3
mk_image_root "$R3"
run "$PKG" -o "$R3/rom" image-manifest
is "$RC" 0 "image-manifest on an image tree exits 0"
t_ok "it writes usr/lib/pkg/rom-manifest" test -s "$R3/rom/usr/lib/pkg/rom-manifest"
is "$(head -c 20 "$R3/rom/usr/lib/pkg/rom-manifest")" "#pkg-rom-manifest 1 " "...with its header"
# A manifest hash that differs from the file proves it is used, not recomputed.
sed -i 's|^\(usr/share/terminfo/x/xterm\t[0-9]*\t\)[0-9a-f]*|\1'"$(printf '%064d' 0)"'|' \
	"$R3/rom/usr/lib/pkg/rom-manifest"
run "$PKG" -o "$R3" recover
is "$(sqlite3 "$R3/overlay/upper/usr/lib/pkg/pkg.db" "SELECT sha256 FROM rom_files WHERE path='usr/share/terminfo/x/xterm'")" \
	"$(printf '%064d' 0)" "the first run takes the hashes from the manifest"
is "$(sqlite3 "$R3/overlay/upper/usr/lib/pkg/pkg.db" "SELECT sha256 FROM rom_files WHERE path='usr/lib/libncursesw.so.6.4'")" \
	"$(sha256sum <"$R3/rom/usr/lib/libncursesw.so.6.4" | cut -d' ' -f1)" "...which match the files"

# ---- a schema 1 database (as pkg wrote it before) is migrated ----
# Schema 1 kept the image's control texts and hashes in packages and
# files too, in tables with rowids; built here from the schema 2 one.
D3=$R3/overlay/upper/usr/lib/pkg/pkg.db
run "$PKG" -o "$R3" remove --force-depends zlib
for c in list-installed "files terminfo" "info libncurses6" "status zlib" \
	list-changed-conffiles; do
	$PKG -o "$R3" $c
done >"$T/v2.out" 2>&1
rm -f "$T/v1.db"
sqlite3 "$T/v1.db" "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE packages(name TEXT PRIMARY KEY, version TEXT NOT NULL, arch TEXT,
 origin TEXT NOT NULL DEFAULT 'overlay', state TEXT NOT NULL DEFAULT 'installed',
 user INTEGER NOT NULL DEFAULT 0, hold INTEGER NOT NULL DEFAULT 0,
 noprune INTEGER NOT NULL DEFAULT 0, installed_time INTEGER,
 control TEXT NOT NULL, rom_version TEXT, auto_installed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE files(path TEXT NOT NULL, package TEXT NOT NULL, type TEXT NOT NULL,
 mode INTEGER, size INTEGER, sha256 TEXT, target TEXT,
 conffile INTEGER NOT NULL DEFAULT 0, conf_sha256 TEXT,
 origin TEXT NOT NULL DEFAULT 'overlay', PRIMARY KEY(path, package));
CREATE INDEX files_pkg ON files(package);
CREATE TABLE scripts(package TEXT NOT NULL, name TEXT NOT NULL, body BLOB,
 PRIMARY KEY(package, name));
CREATE TABLE rom_packages(name TEXT PRIMARY KEY, version TEXT NOT NULL, arch TEXT,
 control TEXT NOT NULL);
CREATE TABLE rom_files(path TEXT PRIMARY KEY, package TEXT NOT NULL,
 type TEXT NOT NULL, mode INTEGER, size INTEGER, sha256 TEXT, target TEXT,
 conffile INTEGER NOT NULL DEFAULT 0);
CREATE INDEX rom_files_pkg ON rom_files(package);
CREATE TABLE hidden(path TEXT PRIMARY KEY);
CREATE TABLE journal(seq INTEGER PRIMARY KEY, op TEXT NOT NULL,
 path TEXT NOT NULL, staged TEXT, backup TEXT, aux TEXT);
ATTACH '$D3' AS n;
INSERT INTO meta SELECT * FROM n.meta;
UPDATE meta SET value='1' WHERE key='schema';
INSERT INTO packages SELECT name,version,arch,origin,state,user,hold,noprune,
 installed_time,COALESCE(p.control,(SELECT r.control FROM n.rom_packages r
 WHERE r.name=p.name AND r.version=p.version)),rom_version,auto_installed
 FROM n.packages p;
INSERT INTO files SELECT path,package,type,mode,size,COALESCE(f.sha256,
 CASE WHEN f.origin='rom' THEN (SELECT r.sha256 FROM n.rom_files r
 WHERE r.path=f.path) END),target,conffile,conf_sha256,origin FROM n.files f;
INSERT INTO scripts SELECT * FROM n.scripts;
INSERT INTO rom_packages SELECT * FROM n.rom_packages;
INSERT INTO rom_files SELECT * FROM n.rom_files;
INSERT INTO hidden SELECT * FROM n.hidden;" || fail "sqlite3 builds a schema 1 database"
cp "$T/v1.db" "$D3"
v1size=$(stat -c %s "$D3")
run "$PKG" -o "$R3" flag noprune terminfo
is "$RC" 0 "the first write to a schema 1 database exits 0"
is "$(sqlite3 "$D3" "SELECT value FROM meta WHERE key='schema'")" 2 \
	"...and migrates it to schema 2"
is "$(sqlite3 "$D3" "SELECT count(*) FROM sqlite_master WHERE type='table' AND sql LIKE '%WITHOUT ROWID'")" \
	5 "...with the five tables keyed by text WITHOUT ROWID"
is "$(sqlite3 "$D3" "SELECT count(*) FROM packages WHERE origin='rom' AND control IS NOT NULL")" \
	0 "...the image's control texts stored once"
is "$(sqlite3 "$D3" "SELECT count(*) FROM files WHERE origin='rom' AND sha256 IS NOT NULL")" \
	0 "...and the image's file hashes"
is "$(sqlite3 "$D3" "PRAGMA integrity_check")" ok "...the database is sound"
t_ok "...and smaller ($v1size -> $(stat -c %s "$D3") bytes)" \
	test "$(stat -c %s "$D3")" -lt "$v1size"
run "$PKG" -o "$R3" flag ok terminfo
for c in list-installed "files terminfo" "info libncurses6" "status zlib" \
	list-changed-conffiles; do
	$PKG -o "$R3" $c
done >"$T/v2b.out" 2>&1
t_ok "every listing reads the same as before the migration" \
	cmp -s "$T/v2.out" "$T/v2b.out"
cmp -s "$T/v2.out" "$T/v2b.out" || diag "$(diff "$T/v2.out" "$T/v2b.out" | head -5)"

done_testing
