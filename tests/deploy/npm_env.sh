#!/usr/bin/env bash
# Installs this folder's pinned npm packages (package-lock.json) into
#   NPM_DIR (first argument, e.g. build/tests/deploy/npm)
# unless the same lock file is installed there already. The npm download
# cache lives beside it, so a rebuild needs no registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
mkdir -p "$dir"
if [ -f "$dir/package-lock.json" ] && cmp -s "$here/package-lock.json" "$dir/package-lock.json" \
   && [ -d "$dir/node_modules/kubernetes-models" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm_env: npm is not installed (install-deps.sh installs it)" >&2
  exit 1
fi
cp "$here/package.json" "$here/package-lock.json" "$dir/"
rm -rf "$dir/node_modules"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --cache "$dir/.npm-cache") >&2
echo "npm_env: installed $(ls "$dir/node_modules" | wc -l) packages into $dir"
