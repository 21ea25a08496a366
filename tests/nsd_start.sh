#!/bin/sh
# Start NSD on 127.0.0.1:PORT serving testdata zones; prints its pid file.
# usage: nsd_start.sh WORKDIR PORT ZONEFILE:ORIGIN...
set -e
dir=$1; port=$2; shift 2
nsd=${NSD:-$(command -v nsd || echo /usr/sbin/nsd)}
mkdir -p "$dir"
{
	echo "server:"
	echo "  ip-address: 127.0.0.1@$port"
	echo "  do-ip6: no"
	echo "  username: \"\""
	echo "  chroot: \"\""
	echo "  zonesdir: \"\""
	echo "  pidfile: \"$dir/nsd.pid\""
	echo "  database: \"\""
	echo "  zonelistfile: \"$dir/zone.list\""
	echo "  xfrdfile: \"$dir/xfrd.state\""
	echo "  xfrdir: \"$dir\""
	echo "  logfile: \"$dir/nsd.log\""
	echo "  server-count: 1"
	echo "  ipv4-edns-size: 1232"
	echo "  verbosity: 1"
	echo "remote-control:"
	echo "  control-enable: no"
	for z in "$@"; do
		echo "zone:"
		echo "  name: \"${z#*:}\""
		echo "  zonefile: \"${z%%:*}\""
	done
} > "$dir/nsd.conf"
"$nsd" -c "$dir/nsd.conf" -p "$port"
