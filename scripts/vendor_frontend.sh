#!/usr/bin/env bash
# Refresh the vendored front-end libraries in shanzhi/static/vendor/.
#
# The site must work with no internet (sub-district offices often sit on an
# internal network), so every browser asset is served from our own static files:
# no CDN, no web fonts fetched from elsewhere.
#
# Packages come from the npm registry with `npm pack` into a throw-away
# directory: nothing is installed into the repo (no node_modules, no
# package.json). Versions and tarball integrity hashes are pinned below, so the
# same run always yields the same files. To upgrade, change a version, put in
# the new hash (`npm view PKG@VER dist.integrity`), run this script, then update
# the table in shanzhi/static/vendor/README.md and check the pages still work.
#
# Usage: bash scripts/vendor_frontend.sh      (from anywhere; needs node + npm)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/shanzhi/static/vendor"

# name@version|sha512 integrity as published by the registry.
PACKAGES=(
  "@tabler/core@1.6.1|sha512-lgmR9gcxRp5JlLxcmRi9Rz85JrEvH6Bz71KnlcPVSa97wtwQNjgSs3g3fxwbAlulHyRMghhIV04QUuW3pqDsIg=="
  "@tabler/icons-webfont@3.49.0|sha512-kWgnmEzo17dzQyMqRmlfj+TiGV0clLMYfUtKp2WG7M+TH5418o6fsoaSlrOTK3lwESg0xS7jVfOozYrR02Ryxw=="
  "htmx.org@2.0.11|sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
  "echarts@6.1.0|sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
)

command -v npm >/dev/null || { echo "npm not found: install Node.js (20+)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Fetch each tarball, check its hash, and unpack it to $WORK/<slug>/package.
for entry in "${PACKAGES[@]}"; do
  spec="${entry%%|*}"
  want="${entry#*|}"
  slug="$(echo "${spec%@*}" | tr -d '@' | tr '/' '-')" # @tabler/core -> tabler-core
  tgz="$(cd "$WORK" && npm pack --silent "$spec" | tail -n 1)"
  got="sha512-$(openssl dgst -sha512 -binary "$WORK/$tgz" | base64 -w0)"
  if [[ "$got" != "$want" ]]; then
    echo "integrity mismatch for $spec: got $got, want $want" >&2
    exit 1
  fi
  mkdir -p "$WORK/$slug"
  tar -xzf "$WORK/$tgz" -C "$WORK/$slug"
  echo "fetched $spec"
done

# Start from a clean vendor dir so files dropped upstream do not linger.
# README.md is hand-written and kept.
find "$DEST" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$DEST"/{tabler,tabler-icons/fonts,htmx,echarts/licenses}

# --- Tabler core: the one stylesheet and the script bundle (includes Bootstrap's JS).
# tabler-vendors/-flags/-payments/-socials/-marketing/-themes css are add-ons we do not use.
T="$WORK/tabler-core/package"
cp "$T/dist/css/tabler.min.css" "$DEST/tabler/"
cp "$T/dist/js/tabler.min.js" "$DEST/tabler/"
# The npm tarball ships no LICENSE file; rebuild the MIT text with the copyright
# lines from the bundle's own banner so the notice travels with the files.
{
  echo "The MIT License (MIT)"
  echo
  grep -m2 -o 'Copyright [0-9-]* .*' "$T/dist/css/tabler.min.css"
  cat <<'EOF'

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
EOF
} >"$DEST/tabler/LICENSE"

# --- Tabler icons webfont: min css + woff2 only (every browser we support reads
# woff2). Drop the woff/ttf fallbacks from @font-face so nothing asks for files
# we do not ship (ManifestStaticFilesStorage would also fail on them).
I="$WORK/tabler-icons-webfont/package"
cp "$I/dist/fonts/tabler-icons.woff2" "$DEST/tabler-icons/fonts/"
sed -E 's#,url\("\./fonts/tabler-icons\.woff\?[^"]*"\) format\("woff"\)##g; s#,url\("\./fonts/tabler-icons\.ttf\?[^"]*"\) format\("truetype"\)##g' \
  "$I/dist/tabler-icons.min.css" >"$DEST/tabler-icons/tabler-icons.min.css"
cp "$I/LICENSE" "$DEST/tabler-icons/"

# --- htmx 2.x
H="$WORK/htmx.org/package"
cp "$H/dist/htmx.min.js" "$DEST/htmx/"
cp "$H/LICENSE" "$DEST/htmx/"

# --- Apache ECharts: full minified build; Apache-2.0 asks us to carry NOTICE
# and the licences of bundled third-party code (licenses/).
E="$WORK/echarts/package"
cp "$E/dist/echarts.min.js" "$DEST/echarts/"
cp "$E/LICENSE" "$E/NOTICE" "$DEST/echarts/"
cp "$E"/licenses/* "$DEST/echarts/licenses/"

# The minified bundles end with sourceMappingURL comments for .map files we do
# not ship; browsers would 404 on them and Django's ManifestStaticFilesStorage
# (collectstatic) refuses to build when a referenced file is missing.
find "$DEST" \( -name '*.css' -o -name '*.js' \) -print0 |
  xargs -0 sed -i -E '/^\/[\/*][#@] sourceMappingURL=.*$/d; s#/\*[#@] sourceMappingURL=[^*]*\*/##g'

# --- Checks: offline-only, and nothing left pointing at files we dropped.
if grep -rEl '@import[^;]*(https?:)?//|fonts\.googleapis|fonts\.gstatic' "$DEST" --include='*.css'; then
  echo "a vendored stylesheet pulls remote resources; strip it" >&2
  exit 1
fi
if grep -rl 'sourceMappingURL' "$DEST" --include='*.css' --include='*.js'; then
  echo "sourceMappingURL left in a vendored file" >&2
  exit 1
fi
if grep -Eo 'url\("?\./fonts/[^")]*' "$DEST/tabler-icons/tabler-icons.min.css" | grep -v 'woff2'; then
  echo "tabler-icons css still points at fonts we do not ship" >&2
  exit 1
fi

echo
echo "vendored into $DEST:"
(cd "$DEST" && find . -type f ! -name README.md | sort | xargs du -b | awk '{printf "  %9d  %s\n", $1, $2}')
du -sh "$DEST"
