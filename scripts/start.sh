#!/bin/sh
# `npm start`: install what is missing, build the dashboard, and serve it on 127.0.0.1:3000.
# Extra arguments go to `nslab serve` (e.g. npm start -- --port 8080).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh --build
exec node bin/nslab.js serve "$@"
