#!/bin/sh
# Installs what nslab needs on a Debian machine, as root: system packages, npm packages, the
# nslab command's JavaScript build, and (with --build) the dashboard's production build. Safe to
# run again: it skips what is there.
# Usage: sh scripts/setup.sh [--build] [--test]
set -eu
cd "$(dirname "$0")/.."

build=0 test=0
for a in "$@"; do
  case "$a" in
    --build) build=1 ;;
    --test) test=1 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "nslab changes the kernel's networking and must run as root (try: sudo $0 $*)" >&2
  exit 1
fi

# iproute2 (ip), nftables (nft, for NAT), iputils-ping, procps (sysctl), tcpdump (captures),
# traceroute, util-linux (nsenter, setpriv, unshare), perl-base (nslab-nsctl; part of every
# Debian, listed so a trimmed image gets it); the tests also drive Debian's Chromium, make a
# certificate with openssl, and serve (python3) and fetch (curl) through a lab's NAT.
pkgs="iproute2 nftables iputils-ping procps tcpdump traceroute util-linux perl-base"
[ "$test" = 1 ] && pkgs="$pkgs chromium fonts-dejavu-core openssl python3 curl"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "==> installing system packages:$missing"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.nslab-lock; then
  echo "==> installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.nslab-lock
fi

# The nslab command runs as JavaScript built from its TypeScript sources (bin/nslab.js); this
# builds it when a source changed since the last build, and is quick otherwise.
node scripts/build-cli.mjs

if [ "$build" = 1 ]; then
  stale=1
  if [ -f .next/BUILD_ID ] && [ -z "$(find app components lib public next.config.ts package-lock.json -newer .next/BUILD_ID 2>/dev/null | head -n 1)" ]; then
    stale=0
  fi
  if [ "$stale" = 1 ]; then
    echo "==> building the dashboard (next build)"
    npx next build
  fi
fi
