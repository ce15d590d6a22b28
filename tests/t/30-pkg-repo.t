#!/bin/sh
# pkg-repo: build, index (cache, broken packages, real fixtures), usign.
# TAP output; run with `prove tests/t/30-pkg-repo.t`.

R=${PKG_BUILD:-$PWD/build}/bin/pkg-repo
FX=/work/shared/fixtures/openwrt
F23=$FX/openwrt-23.05.2-buildroot_arm_cortex-a9_vfpv3-d16_mvebu-cortexa9
F19=$FX/openwrt-19.07.1-official_aarch64_cortex-a53_brcm2708-bcm2710

T=$(mktemp -d /tmp/pkg-repo-test.XXXXXX) || exit 1
trap '[ -n "$KEEP" ] || rm -rf "$T"' EXIT INT TERM

echo "1..36"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
res() { # res STATUS DESCRIPTION
	if [ "$1" -eq 0 ]; then ok "$2"; else nok "$2"; fi
}
# Lines of stderr file $1 (must be exactly one).
one_line() { test "$(wc -l < "$1")" -eq 1; }
# Number of packages read in the summary line of stderr file $1.
nread() { sed -n 's/^indexed [0-9]* packages (\([0-9]*\) read.*/\1/p' "$1"; }
# The stanza of Packages file $1 whose Filename is $2.
stanza_of() {
	awk -v f="Filename: $2" '
		$0 == "" { if (hit && !done) { printf "%s", buf; done = 1 }
			   buf = ""; next }
		{ buf = buf $0 "\n"; if ($0 == f) hit = 1 }
		END { if (hit && !done) printf "%s", buf }' "$1"
}

# ---- build ----
S=$T/src
mkdir -p "$S/CONTROL" "$S/usr/bin" "$S/etc/config" "$T/out"
cat > "$S/CONTROL/control" <<EOF
Package: hello
Version: 1.0-1
Depends: libc
Architecture: all
Description: A test package
 second line
EOF
printf '#!/bin/sh\nexit 0\n' > "$S/CONTROL/postinst"
echo /etc/config/hello > "$S/CONTROL/conffiles"
printf 'echo hello\n' > "$S/usr/bin/hello"
chmod 755 "$S/usr/bin/hello"
ln -s hello "$S/usr/bin/hi"
echo "config hello" > "$S/etc/config/hello"
IPK=$T/out/hello_1.0-1_all.ipk

SOURCE_DATE_EPOCH=1700000000 "$R" build "$S" -o "$T/out" >"$T/o" 2>"$T/e"
rc=$?
{ test $rc -eq 0 && test -f "$IPK" && grep -qx "$IPK" "$T/o"; }
res $? "build exits 0, writes <Package>_<Version>_<Arch>.ipk, prints it"
test "$(tar -tzf "$IPK" | tr '\n' ' ')" = \
	"./debian-binary ./data.tar.gz ./control.tar.gz "
res $? "outer archive is OpenWrt's gzip'd tar in ipkg-build order"
tar -xzOf "$IPK" ./control.tar.gz | tar -tz > "$T/ctl.list"
{ grep -qx './control' "$T/ctl.list" &&
	grep -qx './postinst' "$T/ctl.list" &&
	grep -qx './conffiles' "$T/ctl.list"; }
res $? "control.tar.gz holds ./control, ./postinst, ./conffiles"
tar -xzOf "$IPK" ./control.tar.gz | tar -tvz ./postinst > "$T/pi" 2>&1
grep -q '^-rwxr-xr-x root/root' "$T/pi"
res $? "postinst is stored 0755 and owned by root"
tar -xzOf "$IPK" ./control.tar.gz | tar -xzO ./control > "$T/control"
grep -qx "Installed-Size: 24" "$T/control"
res $? "Installed-Size added to the control (sum of file sizes)"
tar -xzOf "$IPK" ./data.tar.gz | tar -tz | tr '\n' ' ' > "$T/data.list"
test "$(cat "$T/data.list")" = "./ ./etc/ ./etc/config/ \
./etc/config/hello ./usr/ ./usr/bin/ ./usr/bin/hello ./usr/bin/hi "
res $? "data list: sorted, ./ names, subdirs and the symlink"
tar -xzOf "$IPK" ./data.tar.gz | tar -tvz ./usr/bin/hi > "$T/l" 2>&1
grep -q '^l.* ./usr/bin/hi -> hello' "$T/l"
res $? "symlink kept as a symlink"

cp "$IPK" "$T/first.ipk"
sleep 1
touch "$S/usr/bin/hello"
SOURCE_DATE_EPOCH=1700000000 "$R" build "$S" -o "$T/out" >/dev/null 2>&1
cmp -s "$T/first.ipk" "$IPK"
res $? "two builds with the same SOURCE_DATE_EPOCH are byte-identical"

mkdir -p "$T/ar"
"$R" build "$S" -o "$T/ar" --format ar --compression xz >/dev/null 2>&1
test "$(ar t "$T/ar/hello_1.0-1_all.ipk" | tr '\n' ' ')" = \
	"debian-binary control.tar.gz data.tar.xz "
res $? "--format ar --compression xz: debian-binary control.tar.gz data.tar.xz"
test "$(ar p "$T/ar/hello_1.0-1_all.ipk" data.tar.xz | xz -dc |
	tar -t | tr '\n' ' ')" = "$(cat "$T/data.list")"
res $? "xz data member decompresses to the data list"
mkdir -p "$T/zst"
"$R" build "$S" -o "$T/zst" --compression zstd >/dev/null 2>&1
test "$(tar -xzOf "$T/zst/hello_1.0-1_all.ipk" ./data.tar.zst |
	zstd -dc | tar -t | tr '\n' ' ')" = "$(cat "$T/data.list")"
res $? "--compression zstd: ./data.tar.zst decompresses with zstd"

B=$T/bad
mkdir -p "$B/CONTROL" "$T/badout"
printf 'Package: bad\nArchitecture: all\nDescription: x\n' \
	> "$B/CONTROL/control"
"$R" build "$B" -o "$T/badout" >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 1 && one_line "$T/e" &&
	grep -q "bad control file '.*CONTROL/control': missing Version" \
		"$T/e" && test -z "$(ls "$T/badout")"; }
res $? "missing Version: exit 1, one line naming the file, no output"
printf 'Package: Bad/Name\nVersion: 1\nArchitecture: all\n' \
	> "$B/CONTROL/control"
"$R" build "$B" -o "$T/badout" >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 1 && one_line "$T/e" && grep -q "bad Package name" \
	"$T/e" && test -z "$(ls "$T/badout")"; }
res $? "bad Package name: exit 1, one line, no output"

# ---- index ----
D=$T/repo
mkdir -p "$D"
cp "$IPK" "$D/"
for v in ar:xz gz:zstd; do
	sed "s/^Package: .*/Package: hello-${v#*:}/" "$S/CONTROL/control" \
		> "$T/c2" && cp "$T/c2" "$S/CONTROL/control"
	"$R" build "$S" -o "$D" --format "${v%:*}" --compression "${v#*:}" \
		>/dev/null 2>&1
done
for f in 6in4_28_all.ipk zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk \
	opkg_2022-02-24-d038e5b6-2_arm_cortex-a9_vfpv3-d16.ipk \
	libncurses6_6.4-2_arm_cortex-a9_vfpv3-d16.ipk; do
	cp "$F23/feeds/base/$f" "$D/"
done
cp "$F23/feeds/packages/nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk" "$D/"
cp "$F23/feeds/core/libgcc1_13.1.0-4_arm_cortex-a9_vfpv3-d16.ipk" "$D/"
chmod u+w "$D"/*.ipk

"$R" index "$D" -j 2 >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 0 &&
	grep -q '^indexed 9 packages (9 read, 0 from cache, 0 broken)' "$T/e"; }
res $? "index exits 0 and reads all 9 packages"
good=1
for p in "$D"/*.ipk; do
	b=${p##*/}
	st=$(stanza_of "$D/Packages" "$b")
	sum=$(sha256sum "$p" | cut -d' ' -f1)
	sz=$(wc -c < "$p" | tr -d ' ')
	echo "$st" | grep -qx "SHA256sum: $sum" || good=0
	echo "$st" | grep -qx "Size: $sz" || good=0
done
test $good = 1
res $? "every stanza has the file's SHA256sum and Size"
good=1
for f in 6in4_28_all.ipk zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk \
	opkg_2022-02-24-d038e5b6-2_arm_cortex-a9_vfpv3-d16.ipk \
	libncurses6_6.4-2_arm_cortex-a9_vfpv3-d16.ipk; do
	stanza_of "$D/Packages" "$f" > "$T/mine"
	stanza_of "$F23/feeds/base/Packages" "$f" > "$T/theirs"
	test -s "$T/mine" && cmp -s "$T/mine" "$T/theirs" || good=0
done
stanza_of "$D/Packages" nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk > "$T/mine"
stanza_of "$F23/feeds/packages/Packages" \
	nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk > "$T/theirs"
cmp -s "$T/mine" "$T/theirs" || good=0
stanza_of "$D/Packages" libgcc1_13.1.0-4_arm_cortex-a9_vfpv3-d16.ipk \
	> "$T/mine"
stanza_of "$F23/feeds/core/Packages" \
	libgcc1_13.1.0-4_arm_cortex-a9_vfpv3-d16.ipk > "$T/theirs"
cmp -s "$T/mine" "$T/theirs" || good=0
test $good = 1
res $? "stanzas of real ipks equal OpenWrt's own index byte for byte"
test "$(sed -n 's/^Package: //p' "$D/Packages" | tr '\n' ' ')" = \
	"6in4 hello hello-xz hello-zstd libgcc1 libncurses6 nano opkg zlib "
res $? "stanzas sorted by Package"
gzip -dc "$D/Packages.gz" | cmp -s - "$D/Packages"
res $? "Packages.gz gunzips to Packages"
zstd -qdc "$D/Packages.zst" | cmp -s - "$D/Packages"
res $? "Packages.zst decompresses to Packages"

mkdir -p "$T/prev"
cp "$D/Packages" "$D/Packages.gz" "$D/Packages.zst" "$T/prev/"
"$R" index "$D" >/dev/null 2>"$T/e"
{ test "$(nread "$T/e")" = 0 && cmp -s "$D/Packages" "$T/prev/Packages" &&
	cmp -s "$D/Packages.gz" "$T/prev/Packages.gz" &&
	cmp -s "$D/Packages.zst" "$T/prev/Packages.zst"; }
res $? "re-index without change reads 0 and writes identical files"
touch "$D/6in4_28_all.ipk"
"$R" index "$D" >/dev/null 2>"$T/e"
test "$(nread "$T/e")" = 1
res $? "touching one ipk re-reads exactly 1"
rm -f "$D/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk"
cp "$F23/feeds/base/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk" "$D/"
"$R" index "$D" >/dev/null 2>"$T/e"
{ test "$(nread "$T/e")" = 1 && cmp -s "$D/Packages" "$T/prev/Packages"; }
res $? "replacing one ipk re-reads exactly 1, same index"
"$R" index "$D" --full -v >/dev/null 2>"$T/e"
{ test "$(nread "$T/e")" = 9 &&
	grep -q '^read archives .* hash .* write' "$T/e"; }
res $? "--full reads all 9; -v prints phase timings"

cp "$F23/feeds/packages/__.ipk" "$D/"
"$R" index "$D" >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 0 && grep -q "skipping '__.ipk'" "$T/e" &&
	cmp -s "$D/Packages" "$T/prev/Packages"; }
res $? "OpenWrt's broken __.ipk is skipped with a message, exit 0"
echo "not a package" > "$D/junk.ipk"
head -c 3000 "$F23/feeds/base/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk" \
	> "$D/trunc.ipk"
"$R" index "$D" >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 0 && grep -q "skipping 'junk.ipk'" "$T/e" &&
	grep -q "skipping 'trunc.ipk'" "$T/e" &&
	grep -q '^indexed 9 packages (2 read, 10 from cache, 3 broken)' \
		"$T/e" && cmp -s "$D/Packages" "$T/prev/Packages"; }
res $? "a non-ipk and a truncated ipk are skipped with messages"
"$R" index "$D" --strict >/dev/null 2>"$T/e"
res $(($? != 1)) "--strict fails on broken packages (cached ones too)"
rm -f "$D/junk.ipk" "$D/trunc.ipk" "$D/__.ipk"

cp "$D/6in4_28_all.ipk" "$D/zz-copy.ipk"
touch -d '2001-01-01' "$D/zz-copy.ipk"
"$R" index "$D" >/dev/null 2>"$T/e"
{ grep -q "duplicate 6in4 28 all: keeping '6in4_28_all.ipk', ignoring \
'zz-copy.ipk'" "$T/e" && cmp -s "$D/Packages" "$T/prev/Packages"; }
res $? "duplicate package+version+arch: warning names both, newer kept"
rm -f "$D/zz-copy.ipk"

# ---- usign ----
"$R" keygen -o "$T/k1" -c "test key one" >"$T/id1" 2>/dev/null
"$R" keygen -o "$T/k2" >/dev/null 2>&1
test -s "$T/k1" -a -s "$T/k1.pub" -a -s "$T/k2.pub" &&
	grep -qx '[0-9a-f]\{16\}' "$T/id1"
res $? "keygen writes the secret and public key, prints the key id"
"$R" index "$D" -o "$T/signed" --sign "$T/k1" >/dev/null 2>&1
"$R" verify "$T/signed/Packages" -k "$T/k1.pub" >"$T/o" 2>"$T/e"
rc=$?
{ test $rc -eq 0 &&
	grep -qx "$T/signed/Packages: signature OK (key $(cat "$T/id1"))" \
		"$T/o"; }
res $? "index --sign + verify: signature OK with the key id"
mkdir -p "$T/keys"
cp "$T/k1.pub" "$T/keys/$(cat "$T/id1")"
"$R" verify "$T/signed/Packages" -k "$T/keys" >/dev/null 2>&1
res $? "verify finds the key by id in a key directory"
"$R" verify "$T/signed/Packages" -k "$T/k2.pub" >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 1 && one_line "$T/e"; }
res $? "verify with another key (wrong key id) fails with one line"
echo "extra" >> "$T/signed/Packages"
"$R" verify "$T/signed/Packages" -k "$T/k1.pub" >/dev/null 2>"$T/e"
rc=$?
{ test $rc -eq 1 && one_line "$T/e"; }
res $? "a signature over different bytes fails"
"$R" sign "$T/signed/Packages" -k "$T/k1" >/dev/null 2>&1 &&
	"$R" verify "$T/signed/Packages" -k "$T/k1.pub" >/dev/null 2>&1
res $? "sign FILE rewrites FILE.sig and it verifies"

good=1
for p in "$F23"/feeds/*/Packages; do
	"$R" verify "$p" -k "$F23/keys/" >/dev/null 2>&1 || good=0
done
test $good = 1
res $? "OpenWrt 23.05.2 feed signatures verify with keys/"
good=1
for p in "$F19"/feeds/*/Packages; do
	"$R" verify "$p" -k "$F19/rootfs/etc/opkg/keys/f94b9dd6febac963" \
		>/dev/null 2>&1 || good=0
done
test $good = 1
res $? "OpenWrt 19.07.1 feed signatures verify with the release key file"

# ---- command line ----
"$R" frobnicate >/dev/null 2>&1
rc1=$?
"$R" --help >"$T/o" 2>/dev/null
rc2=$?
"$R" help index >"$T/h" 2>/dev/null
{ test $rc1 -eq 2 -a $rc2 -eq 0 && grep -q 'pkg-repo index' "$T/o" &&
	grep -q -- '--cache' "$T/h"; }
res $? "unknown command exits 2; --help and help CMD exit 0"
