#!/usr/bin/env bash
# The clean-clone check: Tributary as a user gets it from npm. Packs this checkout (prepack builds
# dist/), installs the tarball into a fresh project, scaffolds a pipeline there with
# `tributary init`, then the scaffold's `npm test` must pass and its `npm start` must serve
# (/ready answers 200) and stop cleanly on SIGINT (exit 0). Needs the npm registry for the
# dependencies. Exit 0 when all of that holds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tributary-clean-clone.XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL -- "-$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
npm_quiet=(--no-audit --no-fund --loglevel=error)

echo "-- npm pack"
tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || { echo "npm pack wrote no tarball"; exit 1; }

# The project gets one node_modules: the tarball installed first (its bin runs init), then the
# scaffold's package.json installed over it. Installing twice into two directories would build
# better-sqlite3 twice wherever its prebuilt binary cannot be downloaded (minutes each).
project="$work/my-pipeline"
mkdir "$project"
cd "$project"
echo "-- npm install <tarball>"
npm install "${npm_quiet[@]}" "$tarball"
echo "-- tributary init (--force: the install above left package.json and node_modules)"
npx --no-install tributary init . --force >/dev/null
# The scaffold depends on the published version; point it at the tarball under test instead.
npm install "${npm_quiet[@]}" "$tarball"

echo "-- npm test"
npm test

echo "-- npm start"
# Its own process group, as in a terminal; port 0 so a running tributary cannot collide.
setsid npm start -- --port 0 >"$work/start.log" 2>&1 &
server=$!
url=""
ready=""
for _ in $(seq 1 240); do
  kill -0 "$server" 2>/dev/null || break
  [ -n "$url" ] || url=$(grep -oE 'AWS APIs: +http://[0-9.]+:[0-9]+' "$work/start.log" | grep -oE 'http://.*' || true)
  if [ -n "$url" ] && node -e "fetch('$url/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "npm start did not become ready (/ready); its output:"
  cat "$work/start.log"
  exit 1
fi
echo "   ready at $url"
# SIGINT to tributary itself: npm then exits with tributary's own status (a Ctrl+C to the whole
# group would make npm exit 130 whatever tributary did).
tributary=$(ps -o pid=,args= -s "$server" | awk '$2 ~ /node$/ && / dev( |$)/ { print $1; exit }')
[ -n "$tributary" ] || { echo "no tributary process under npm start"; exit 1; }
kill -INT "$tributary"
status=0
wait "$server" || status=$?
server=""
if [ "$status" != 0 ]; then
  echo "npm start exited with $status after SIGINT; its output:"
  cat "$work/start.log"
  exit 1
fi
echo "   stopped cleanly on SIGINT"
