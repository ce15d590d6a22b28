#!/bin/sh
# make bench (durability): crash points per scenario (PKG_FAULT=count on
# build/test/bin/pkg), the cost of fsync (install of nano and of a
# 50-package set with fsyncs on vs PKG_NO_FSYNC=1, on a disk-backed
# directory: fsync on tmpfs costs nothing), and the time the next command
# takes to recover after a crash in the middle of the 50-package install.
# Prints figures; never fails on timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PKG_BUILD=${PKG_BUILD:-$TOP/build}
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/crash.sh"
if [ ! -x "$PKG_FAULT_BIN" ]; then
	echo "durability: $PKG_FAULT_BIN not built"
	exit 0
fi
# Disk-backed work directory (fsync must mean something).
base=/var/tmp
[ -d "$base" ] && [ -w "$base" ] || base=/tmp
T=$(mktemp -d "$base/pkg-dur.XXXXXX") || exit 0
trap 'rm -rf "$T"' EXIT
fs=$(stat -f -c %T "$T" 2>/dev/null)

# A plain root with the 23.05.2 feeds and a feed of 50 stand-ins.
F=$T/feed
mkdir -p "$F"
mk_key "$T/key"
i=1
SET=
while [ "$i" -le 50 ]; do
	crash_pkg "set$i" 1.0-1 "$F" libc >/dev/null 2>&1
	SET="$SET set$i"
	i=$((i + 1))
done
"$PKG_REPO" index "$F" --sign "$T/key" >/dev/null 2>&1
R0=$T/root0
mk_plain_root "$R0"
install_key "$T/key.pub" "$R0/etc/opkg/keys"
echo "src/gz own file://$F" >>"$R0/etc/opkg.conf"
"$PKG" -o "$R0" update >/dev/null 2>&1
"$PKG" -o "$R0" list-installed >/dev/null 2>&1
R=$T/root

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# count LABEL ARGS...: operations of one command on a fresh root.
count() {
	label=$1
	shift
	rm -rf "$R" && cp -a "$R0" "$R"
	[ "$label" = "remove nano" ] && "$PKG" -o "$R" install nano >/dev/null 2>&1
	n=$(PKG_FAULT=count "$PKG_FAULT_BIN" -o "$R" "$@" 2>&1 >/dev/null |
		sed -n 's/^pkg-fault: \([0-9]*\) operations$/\1/p')
	printf '  %-34s %6s crash points\n' "$label" "$n"
}

# best LABEL ENV ARGS...: best wall time of 3 installs on fresh roots.
best() {
	b=
	for _ in 1 2 3; do
		rm -rf "$R" && cp -a "$R0" "$R" && sync
		t0=$(now)
		env $2 "$PKG" -o "$R" install $3 >/dev/null 2>&1
		t1=$(now)
		s=$(elapsed "$t0" "$t1")
		if [ -z "$b" ] || awk -v s="$s" -v b="$b" 'BEGIN { exit !(s < b) }'; then
			b=$s
		fi
	done
	echo "$b"
}

echo "pkg durability (work directory on $fs)"
echo "crash points (operations of the ops layer; tests/t/60-crash.t crashes at each):"
count "install nano (+2 deps)" install nano
count "remove nano" remove nano
count "install 50 packages" install $SET

echo "cost of durability (best of 3, fresh root each):"
for what in nano "$SET"; do
	label=nano
	[ "$what" = nano ] || label="50-package set"
	on=$(best "$label" "PKG_FSYNC_ON=1" "$what")
	off=$(best "$label" "PKG_NO_FSYNC=1" "$what")
	ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	printf '  %-34s %7s s fsync on, %7s s PKG_NO_FSYNC=1, ratio %s\n' \
		"install $label" "$on" "$off" "$ratio"
done

echo "recovery after a crash in the middle of the 50-package install:"
rm -rf "$R" && cp -a "$R0" "$R"
n=$(PKG_FAULT=count "$PKG_FAULT_BIN" -o "$R" install $SET 2>&1 >/dev/null |
	sed -n 's/^pkg-fault: \([0-9]*\) operations$/\1/p')
for at in $((n / 2)) $((n * 9 / 10)); do
	rm -rf "$R" && cp -a "$R0" "$R"
	PKG_FAULT=crash@$at "$PKG_FAULT_BIN" -o "$R" install $SET >/dev/null 2>&1
	t0=$(now)
	"$PKG" -o "$R" list-installed >/dev/null 2>"$T/rec.err"
	t1=$(now)
	printf '  crash@%-6s next command %6s s: %s\n' "$at" \
		"$(elapsed "$t0" "$t1")" "$(grep recovered "$T/rec.err" | sed 's/^pkg: //')"
done
t0=$(now)
"$PKG" -o "$R" list-installed >/dev/null 2>&1
t1=$(now)
printf '  %-34s %6s s\n' "list-installed (nothing to recover)" "$(elapsed "$t0" "$t1")"
exit 0
