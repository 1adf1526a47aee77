#!/bin/sh
# Regenerate the vendored front-end assets from the npm registry (the app needs no network at run time).
# Usage: scripts/vendor_assets.sh   (needs npm)
set -eu
dest="$(cd "$(dirname "$0")/.." && pwd)/src/tuopin/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent bootstrap@5.3.8 htmx.org@2.0.7 echarts@5.6.0 >/dev/null
for tgz in *.tgz; do mkdir -p "${tgz%.tgz}" && tar -xzf "$tgz" -C "${tgz%.tgz}"; done
mkdir -p "$dest/bootstrap" "$dest/htmx" "$dest/echarts"
cp bootstrap-5.3.8/package/dist/css/bootstrap.min.css bootstrap-5.3.8/package/dist/js/bootstrap.bundle.min.js \
   bootstrap-5.3.8/package/LICENSE "$dest/bootstrap/"
cp htmx.org-2.0.7/package/dist/htmx.min.js htmx.org-2.0.7/package/LICENSE "$dest/htmx/"
cp echarts-5.6.0/package/dist/echarts.min.js echarts-5.6.0/package/LICENSE "$dest/echarts/"
# The source maps are not shipped; drop the comments that point to them (the static manifest would look for them).
sed -i '/sourceMappingURL=/d' "$dest/bootstrap/bootstrap.min.css" "$dest/bootstrap/bootstrap.bundle.min.js"
echo "vendored into $dest"
