# The roots the bench measures (tests/bench/run.sh), sourced by it and by
# the code layout's profile (scripts/hot-functions.sh), so that the
# functions laid out are those of the commands as the bench runs them.

# mk_conf ROOT SIG ARCH FEED...: ROOT/etc/opkg.conf with those file://
# feeds (SIG: 1 checks signatures; 0 for the peer: it has no opkg-key).
mk_conf() {
	_mc_root=$1 _mc_sig=$2 _mc_arch=$3
	shift 3
	{
		echo "dest root /"
		echo "lists_dir ext /var/opkg-lists"
		# opkg-lede takes "option check_signature 0" as on
		[ "$_mc_sig" = 1 ] && echo "option check_signature 1"
		echo "arch all 1"
		echo "arch noarch 1"
		echo "arch $_mc_arch 10"
		for _mc_f in "$@"; do
			echo "src/gz $(basename "$_mc_f") file://$_mc_f"
		done
	} >"$_mc_root/etc/opkg.conf"
}

# mk_state_root ROOT FIXTURE SIG ARCH [FEED...]: a real router's state
# (FIXTURE's opkg status and info), with a /tmp as a device has (pkg keeps
# its feed caches there, opkg its temporary files), and mk_conf's
# opkg.conf.
mk_state_root() {
	_ms_root=$1 _ms_fx=$2
	shift 2
	mkdir -p "$_ms_root/etc/opkg" "$_ms_root/usr/lib" \
		"$_ms_root/var/lock" "$_ms_root/tmp"
	cp -r "$_ms_fx/rootfs/usr/lib/opkg" "$_ms_root/usr/lib/"
	mk_conf "$_ms_root" "$@"
}

# mk_feed_root ROOT SIG F23: the root of the real transactions, from the
# 23.05.2 feeds of fixture F23: libc and libgcc1 installed, F23's keys,
# and its four feeds.
mk_feed_root() {
	mkdir -p "$1/etc/opkg/keys" "$1/usr/lib/opkg/info" "$1/var/lock" \
		"$1/tmp"
	cp "$3/keys/"* "$1/etc/opkg/keys/"
	printf 'Package: libc\nVersion: 1.2.4-4\nStatus: install hold,user installed\nArchitecture: arm_cortex-a9_vfpv3-d16\n\nPackage: libgcc1\nVersion: 13.1.0-4\nProvides: libgcc\nStatus: install hold,user installed\nArchitecture: arm_cortex-a9_vfpv3-d16\n\n' \
		>"$1/usr/lib/opkg/status"
	mk_conf "$1" "$2" arm_cortex-a9_vfpv3-d16 "$3"/feeds/base \
		"$3"/feeds/core "$3"/feeds/packages "$3"/feeds/luci
}
