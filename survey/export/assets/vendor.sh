#!/usr/bin/env bash
# Refresh the vendored graph library from the npm registry at the versions package-lock.json
# pins: `npm ci` installs exactly those, then the browser builds and every bundled package's
# licence are copied into vendor/. `survey export html` inlines vendor/ into each page.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
mkdir -p vendor
cp node_modules/graphology/dist/graphology.umd.min.js vendor/graphology.umd.min.js
cp node_modules/sigma/dist/sigma.min.js vendor/sigma.min.js
{
    # sigma.min.js bundles graphology-utils and events; graphology's build bundles events.
    for package in sigma graphology graphology-utils events; do
        version="$(node -p "require('./node_modules/${package}/package.json').version")"
        licence="$(ls node_modules/${package}/LICENSE* | head -n 1)"
        printf '%s %s (MIT)\n\n' "${package}" "${version}"
        cat "${licence}"
        printf '\n\n'
    done
} > vendor/LICENSES.txt
rm -rf node_modules
