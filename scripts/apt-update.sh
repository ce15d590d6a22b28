#!/bin/sh
# apt-update.sh: apt-get update, once more after a pause when it fails, and
# then on with the index files apt has. A Debian mirror can serve a Release
# that does not match one of its index files ("File has unexpected size
# ... Mirror sync in progress?"), for minutes during a sync or for good on
# a stale mirror; apt then keeps every other index it fetched. What the
# caller installs or downloads next fails, with apt's own message, only
# when it needed the index that was missing.
apt-get update -qq && exit 0
echo "apt-update: apt-get update failed; again in 10 s" >&2
sleep 10
apt-get update -qq && exit 0
echo "apt-update: apt-get update failed again; going on with the index files apt has" >&2
exit 0
