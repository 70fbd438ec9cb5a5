#!/bin/sh
# Records real kernel outputs as parser fixtures (test/fixtures/kernel/). Run it only inside
# the sandbox: scripts/sandbox sh scripts/record-kernel-fixtures.sh
set -eu
[ "${NSLAB_SANDBOX:-}" = 1 ] || { echo "run me inside scripts/sandbox" >&2; exit 1; }
OUT=test/fixtures/kernel
mkdir -p "$OUT"
NSLAB_HOME=$(mktemp -d)
export NSLAB_HOME
node bin/nslab.js apply examples/seed.yaml --host-netns H -q >/dev/null
# the shared kernel monitor's lines (server/kernel/monitor-child.ts), from H, while things change
ip netns exec H ip monitor all-nsid label link address route netconf neigh >"$OUT/ip-monitor-H.txt" &
MON=$!
sleep 0.5
# some traffic, so neighbours and counters are not empty
ip netns exec seed-A ping -c 2 -W 1 10.0.0.3 >/dev/null || true
ip netns exec seed-A ping -c 1 -W 1 203.0.113.2 >/dev/null || true
ip -n seed-A neigh add 10.0.0.9 dev eth0 nud incomplete 2>/dev/null || true
ip -n seed-B link set eth0 down
ip -n seed-B link set eth0 up
ip -n seed-B route replace default via 10.0.0.1
sleep 0.5
kill "$MON"
# a qdisc for the tc parser: netem where the kernel has it, else tbf, else the defaults only
ip netns exec seed-A tc qdisc add dev eth0 root netem delay 10ms loss 1% 2>/dev/null ||
  ip netns exec seed-A tc qdisc add dev eth0 root tbf rate 1mbit burst 32kbit latency 400ms 2>/dev/null ||
  echo "no netem or tbf in this kernel: tc fixture has the default qdiscs only" >&2
printf 'addr show\nroute show table main\nnetconf show\n' | ip -n H -j -d -s -batch - >"$OUT/ip-batch-observe-H.jsonl"
printf 'addr show\nroute show table main\nnetconf show\n' | ip -n seed-A -j -d -s -batch - >"$OUT/ip-batch-observe-A.jsonl"
printf 'addr show\nroute show table main\nnetconf show\nnetns list-id\n' | ip -n H -j -d -batch - >"$OUT/ip-batch-scan-H.jsonl"
printf 'addr show\nroute show table main\nneigh show\n' | ip -n seed-A -j -d -batch - >"$OUT/ip-batch-view-A.jsonl"
ip -n seed-A -j -s link show >"$OUT/ip-link-stats-A.json"
ip -n H -j -d link show dev br0 >"$OUT/ip-link-dev-br0.json"
ip -n seed-A -j addr show >"$OUT/ip-addr-A.json"
ip -n seed-A -j route show table main >"$OUT/ip-route-A.json"
ip -n H -j route show table main >"$OUT/ip-route-H.json"
ip -n seed-A -j route show exact default >"$OUT/ip-route-exact-A.json"
ip -n seed-A -j route get 203.0.113.2 >"$OUT/ip-route-get-A.json"
ip -n H -j netconf show >"$OUT/ip-netconf-H.json"
ip -n seed-A -j neigh show >"$OUT/ip-neigh-A.json"
ip -n H -j netns list-id >"$OUT/ip-netns-list-id-H.json"
ip -j netns list-id >"$OUT/ip-netns-list-id-empty.json"
ip -n seed-A -j route show exact 192.0.2.0/24 >"$OUT/ip-route-exact-none.json"
ip -j -d link show dev lo >"$OUT/ip-link-dev-lo-root.json"
ip netns exec H nft list table ip nslab_seed >"$OUT/nft-list-table-seed.txt"
ip netns exec H nft -j list tables ip >"$OUT/nft-list-tables-H.json"
ip netns exec seed-A nft -j list tables ip >"$OUT/nft-list-tables-none.json"
ip netns exec seed-A tc -j qdisc show >"$OUT/tc-qdisc-A.json"
node bin/nslab.js destroy seed >/dev/null || true
rm -rf "$NSLAB_HOME"
wc -c "$OUT"/*
