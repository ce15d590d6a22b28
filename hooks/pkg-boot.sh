#!/bin/sh
# pkg-boot.sh [ROOT]: the first-boot hook of pkg, for any init system.
# Runs `pkg post-upgrade` (for ROOT when given, else the running system):
# on the first boot of a new image it reinstalls the user's packages from
# the lists restored from the sysupgrade backup; on later boots it returns
# at once. Output goes to syslog (logger) when there is one, and to
# stderr. Exit status: pkg's (non-zero: try again at the next boot).
# Installed as /usr/libexec/pkg-boot.sh; environment: PKG (the binary),
# PKG_NET_ATTEMPTS / PKG_NET_DELAY (network retries, first delay in s).

PKG=${PKG:-pkg}

log_lines() {
	while IFS= read -r _l; do
		if command -v logger >/dev/null 2>&1; then
			logger -t pkg-post-upgrade -- "$_l" 2>/dev/null
		fi
		printf 'pkg-post-upgrade: %s\n' "$_l" >&2
	done
}

if [ -n "${1:-}" ]; then
	set -- -o "$1" post-upgrade
else
	set -- post-upgrade
fi

_out=$("$PKG" "$@" 2>&1)
_rc=$?
[ -n "$_out" ] && printf '%s\n' "$_out" | log_lines
exit $_rc
