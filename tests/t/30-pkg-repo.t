#!/bin/sh
# pkg-repo: build, index (cache, broken packages, real fixtures), usign.
# Run alone with `prove tests/t/30-pkg-repo.t`.

. "$(dirname "$0")/../lib/common.sh"
need_pkg
mk_tmp

R=$PKG_REPO
# indexed FILE: how many packages the summary line of stderr FILE read.
indexed() { sed -n 's/^indexed [0-9]* packages (\([0-9]*\) read.*/\1/p' "$1"; }
# stanza_of PACKAGES FILENAME: the stanza of index PACKAGES for FILENAME.
stanza_of() {
	awk -v f="Filename: $2" '
		$0 == "" { if (hit && !done) { printf "%s", buf; done = 1 }
			   buf = ""; next }
		{ buf = buf $0 "\n"; if ($0 == f) hit = 1 }
		END { if (hit && !done) printf "%s", buf }' "$1"
}
# words CMD...: the output of CMD on one line, each item followed by a space.
words() { "$@" | tr '\n' ' '; }

# ---- build ----
S=$T/src
mkdir -p "$S/CONTROL" "$S/usr/bin" "$S/etc/config" "$T/built"
cat >"$S/CONTROL/control" <<EOF
Package: hello
Version: 1.0-1
Depends: libc
Architecture: all
Description: A test package
 second line
EOF
printf '#!/bin/sh\nexit 0\n' >"$S/CONTROL/postinst"
echo /etc/config/hello >"$S/CONTROL/conffiles"
printf 'echo hello\n' >"$S/usr/bin/hello"
chmod 755 "$S/usr/bin/hello"
ln -s hello "$S/usr/bin/hi"
echo "config hello" >"$S/etc/config/hello"
IPK=$T/built/hello_1.0-1_all.ipk

run env SOURCE_DATE_EPOCH=1700000000 "$R" build "$S" -o "$T/built"
is "$RC" 0 "build exits 0"
t_ok "...writes <Package>_<Version>_<Arch>.ipk" test -f "$IPK"
is "$OUT" "$IPK" "...and prints its path"
is "$(words tar -tzf "$IPK")" "./debian-binary ./data.tar.gz ./control.tar.gz " \
	"outer archive is OpenWrt's gzip'd tar in ipkg-build order"
is "$(words sh -c "tar -xzOf '$IPK' ./control.tar.gz | tar -tz | sort")" \
	"./ ./conffiles ./control ./postinst " \
	"control.tar.gz holds ./control, ./postinst, ./conffiles"
like "$(tar -xzOf "$IPK" ./control.tar.gz | tar -tvz ./postinst 2>&1)" \
	'^-rwxr-xr-x root/root' "postinst is stored 0755 and owned by root"
tar -xzOf "$IPK" ./control.tar.gz | tar -xzO ./control >"$T/control"
is "$(control_field "$T/control" Installed-Size)" 24 \
	"Installed-Size added to the control (sum of file sizes)"
DATA_LIST=$(words sh -c "tar -xzOf '$IPK' ./data.tar.gz | tar -tz")
is "$DATA_LIST" "./ ./etc/ ./etc/config/ ./etc/config/hello ./usr/ ./usr/bin/ ./usr/bin/hello ./usr/bin/hi " \
	"data list: sorted, ./ names, subdirs and the symlink"
like "$(tar -xzOf "$IPK" ./data.tar.gz | tar -tvz ./usr/bin/hi 2>&1)" \
	'^l.* \./usr/bin/hi -> hello' "symlink kept as a symlink"

cp "$IPK" "$T/first.ipk"
sleep 1
touch "$S/usr/bin/hello"
run env SOURCE_DATE_EPOCH=1700000000 "$R" build "$S" -o "$T/built"
t_ok "two builds with the same SOURCE_DATE_EPOCH are byte-identical" \
	cmp -s "$T/first.ipk" "$IPK"

mkdir -p "$T/ar"
run "$R" build "$S" -o "$T/ar" --format ar --compression xz
is "$(words ar t "$T/ar/hello_1.0-1_all.ipk")" \
	"debian-binary control.tar.gz data.tar.xz " \
	"--format ar --compression xz: debian-binary control.tar.gz data.tar.xz"
is "$(words sh -c "ar p '$T/ar/hello_1.0-1_all.ipk' data.tar.xz | xz -dc | tar -t")" \
	"$DATA_LIST" "xz data member decompresses to the data list"
mkdir -p "$T/zst"
run "$R" build "$S" -o "$T/zst" --compression zstd
is "$(words sh -c "tar -xzOf '$T/zst/hello_1.0-1_all.ipk' ./data.tar.zst | zstd -dc | tar -t")" \
	"$DATA_LIST" "--compression zstd: ./data.tar.zst decompresses with zstd"

B=$T/bad
mkdir -p "$B/CONTROL" "$T/badout"
printf 'Package: bad\nArchitecture: all\nDescription: x\n' >"$B/CONTROL/control"
run "$R" build "$B" -o "$T/badout"
is "$RC" 1 "missing Version: exit 1"
t_ok "...one line on stderr" one_err_line
like "$ERR" "bad control file '.*CONTROL/control': missing Version" \
	"...naming the file and the field"
is "$(ls "$T/badout")" "" "...no output"
printf 'Package: Bad/Name\nVersion: 1\nArchitecture: all\n' >"$B/CONTROL/control"
run "$R" build "$B" -o "$T/badout"
is "$RC" 1 "bad Package name: exit 1"
t_ok "...one line on stderr" one_err_line
like "$ERR" "bad Package name" "...saying so"
is "$(ls "$T/badout")" "" "...no output"

# ---- index ----
D=$T/repo
mkdir -p "$D"
cp "$IPK" "$D/"
for v in ar:xz gz:zstd; do
	sed "s/^Package: .*/Package: hello-${v#*:}/" "$S/CONTROL/control" \
		>"$T/c2" && cp "$T/c2" "$S/CONTROL/control"
	"$R" build "$S" -o "$D" --format "${v%:*}" --compression "${v#*:}" \
		>/dev/null 2>&1
done
# Real OpenWrt packages, as FEED/FILE of the 23.05.2 fixture feeds.
REAL_IPKS="base/6in4_28_all.ipk base/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk
base/opkg_2022-02-24-d038e5b6-2_arm_cortex-a9_vfpv3-d16.ipk
base/libncurses6_6.4-2_arm_cortex-a9_vfpv3-d16.ipk
packages/nano_7.2-2_arm_cortex-a9_vfpv3-d16.ipk
core/libgcc1_13.1.0-4_arm_cortex-a9_vfpv3-d16.ipk"
for f in $REAL_IPKS; do
	cp "$F23/feeds/$f" "$D/"
done
chmod u+w "$D"/*.ipk

run "$R" index "$D" -j 2
is "$RC" 0 "index exits 0"
like "$ERR" '^indexed 9 packages \(9 read, 0 from cache, 0 broken\)' \
	"...and reads all 9 packages"
bad=
for p in "$D"/*.ipk; do
	st=$(stanza_of "$D/Packages" "${p##*/}")
	printf '%s\n' "$st" |
		grep -qx "SHA256sum: $(sha256sum "$p" | cut -d' ' -f1)" ||
		bad="$bad ${p##*/}:sha256"
	printf '%s\n' "$st" | grep -qx "Size: $(wc -c <"$p" | tr -d ' ')" ||
		bad="$bad ${p##*/}:size"
done
is "$bad" "" "every stanza has the file's SHA256sum and Size"
bad=
for f in $REAL_IPKS; do
	stanza_of "$D/Packages" "${f#*/}" >"$T/mine"
	stanza_of "$F23/feeds/${f%/*}/Packages" "${f#*/}" >"$T/theirs"
	{ test -s "$T/mine" && cmp -s "$T/mine" "$T/theirs"; } || bad="$bad $f"
done
is "$bad" "" "stanzas of real ipks equal OpenWrt's own index byte for byte"
is "$(words sed -n 's/^Package: //p' "$D/Packages")" \
	"6in4 hello hello-xz hello-zstd libgcc1 libncurses6 nano opkg zlib " \
	"stanzas sorted by Package"
is "$(gzip -dc "$D/Packages.gz" | sha256sum)" "$(sha256sum <"$D/Packages")" \
	"Packages.gz gunzips to Packages"
is "$(zstd -qdc "$D/Packages.zst" | sha256sum)" "$(sha256sum <"$D/Packages")" \
	"Packages.zst decompresses to Packages"

mkdir -p "$T/prev"
cp "$D/Packages" "$D/Packages.gz" "$D/Packages.zst" "$T/prev/"
run "$R" index "$D"
is "$(indexed "$T/err")" 0 "re-index without change reads 0 packages"
t_ok "...and writes identical files" sh -c "cmp -s '$D/Packages' '$T/prev/Packages' &&
	cmp -s '$D/Packages.gz' '$T/prev/Packages.gz' &&
	cmp -s '$D/Packages.zst' '$T/prev/Packages.zst'"
touch "$D/6in4_28_all.ipk"
run "$R" index "$D"
is "$(indexed "$T/err")" 1 "touching one ipk re-reads exactly 1"
rm -f "$D/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk"
cp "$F23/feeds/base/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk" "$D/"
run "$R" index "$D"
is "$(indexed "$T/err")" 1 "replacing one ipk re-reads exactly 1"
t_ok "...same index" cmp -s "$D/Packages" "$T/prev/Packages"
run "$R" index "$D" --full -v
is "$(indexed "$T/err")" 9 "--full reads all 9"
like "$ERR" '^read archives .* hash .* write' "-v prints phase timings"

cp "$F23/feeds/packages/__.ipk" "$D/"
run "$R" index "$D"
is "$RC" 0 "OpenWrt's broken __.ipk: exit 0"
like "$ERR" "skipping '__\.ipk'" "...skipped with a message"
t_ok "...index unchanged" cmp -s "$D/Packages" "$T/prev/Packages"
echo "not a package" >"$D/junk.ipk"
head -c 3000 "$F23/feeds/base/zlib_1.2.13-1_arm_cortex-a9_vfpv3-d16.ipk" \
	>"$D/trunc.ipk"
run "$R" index "$D"
is "$RC" 0 "a non-ipk and a truncated ipk: exit 0"
like "$ERR" "skipping 'junk\.ipk'" "...the non-ipk is skipped with a message"
like "$ERR" "skipping 'trunc\.ipk'" "...the truncated one too"
like "$ERR" '^indexed 9 packages \(2 read, 10 from cache, 3 broken\)' \
	"...the summary counts them as broken"
t_ok "...index unchanged" cmp -s "$D/Packages" "$T/prev/Packages"
run "$R" index "$D" --strict
is "$RC" 1 "--strict fails on broken packages (cached ones too)"
rm -f "$D/junk.ipk" "$D/trunc.ipk" "$D/__.ipk"

cp "$D/6in4_28_all.ipk" "$D/zz-copy.ipk"
touch -d '2001-01-01' "$D/zz-copy.ipk"
run "$R" index "$D"
like "$ERR" "duplicate 6in4 28 all: keeping '6in4_28_all\.ipk', ignoring 'zz-copy\.ipk'" \
	"duplicate package+version+arch: warning names both, newer kept"
t_ok "...index unchanged" cmp -s "$D/Packages" "$T/prev/Packages"
rm -f "$D/zz-copy.ipk"

# ---- usign ----
run "$R" keygen -o "$T/k1" -c "test key one"
ID1=$OUT
like "$ID1" '^[0-9a-f]{16}$' "keygen prints the key id"
t_ok "...writes the secret and the public key" \
	test -s "$T/k1" -a -s "$T/k1.pub"
"$R" keygen -o "$T/k2" >/dev/null 2>&1
"$R" index "$D" -o "$T/signed" --sign "$T/k1" >/dev/null 2>&1
run "$R" verify "$T/signed/Packages" -k "$T/k1.pub"
is "$RC" 0 "index --sign + verify exits 0"
is "$OUT" "$T/signed/Packages: signature OK (key $ID1)" \
	"...and prints signature OK with the key id"
mkdir -p "$T/keys"
cp "$T/k1.pub" "$T/keys/$ID1"
run "$R" verify "$T/signed/Packages" -k "$T/keys"
is "$RC" 0 "verify finds the key by id in a key directory"
run "$R" verify "$T/signed/Packages" -k "$T/k2.pub"
is "$RC" 1 "verify with another key (wrong key id) exits 1"
t_ok "...with one line on stderr" one_err_line
echo "extra" >>"$T/signed/Packages"
run "$R" verify "$T/signed/Packages" -k "$T/k1.pub"
is "$RC" 1 "a signature over different bytes fails"
t_ok "...with one line on stderr" one_err_line
run "$R" sign "$T/signed/Packages" -k "$T/k1"
is "$RC" 0 "sign FILE exits 0"
run "$R" verify "$T/signed/Packages" -k "$T/k1.pub"
is "$RC" 0 "...FILE.sig is rewritten and verifies"

bad=
n=0
for p in "$F23"/feeds/*/Packages; do
	n=$((n + 1))
	"$R" verify "$p" -k "$F23/keys/" >/dev/null 2>&1 || bad="$bad $p"
done
is "$n:$bad" "4:" "OpenWrt 23.05.2: the 4 feed signatures verify with keys/"
# The 19.07.1 lists are kept as the router downloaded them (Packages.gz);
# the signature covers the gunzipped text.
bad=
n=0
for gz in "$F19"/feeds/*/Packages.gz; do
	n=$((n + 1))
	d=$T/f19/$(basename "$(dirname "$gz")")
	mkdir -p "$d"
	gzip -dc "$gz" >"$d/Packages"
	cp "${gz%.gz}.sig" "$d/"
	"$R" verify "$d/Packages" -k "$F19/rootfs/etc/opkg/keys/f94b9dd6febac963" \
		>/dev/null 2>&1 || bad="$bad $gz"
done
is "$n:$bad" "7:" "OpenWrt 19.07.1: the 7 feed signatures verify with the release key file"

# ---- command line ----
run "$R" frobnicate
is "$RC" 2 "unknown command exits 2"
run "$R" --help
is "$RC" 0 "--help exits 0"
like "$OUT" 'pkg-repo index' "...and lists the commands"
run "$R" help index
is "$RC" 0 "help CMD exits 0"
like "$OUT" '--cache' "...and shows its options"

done_testing
