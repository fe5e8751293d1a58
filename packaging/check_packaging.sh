#!/usr/bin/env bash
# The packaging check CI runs: everything a user installs must work without this checkout.
#
#   1. sdist + wheel (python -m build, in a throwaway venv)
#   2. the wheel carries caprobe/resources/** (icons, desktop entry, metainfo, panels, themes)
#   3. the wheel in a fresh venv (not editable): caprobe --version, demo --screenshot
#   4. the desktop entry and AppStream metainfo validate (as shipped in the wheel)
#   5. the PyInstaller bundle (build_bundle.sh), smoke-tested with an empty environment
#
# Exits non-zero on the first failure. Work files: build/check/ and build/bundle/.
set -euo pipefail
cd "$(dirname "$0")/.."
source packaging/common.sh
PYTHON=${PYTHON:-python3}
WORK=build/check
rm -rf "$WORK"
mkdir -p "$WORK"

step "sdist and wheel"
"$PYTHON" -m venv "$WORK/tools"
timeout 600 "$WORK/tools/bin/pip" install --quiet build
timeout 600 "$WORK/tools/bin/python" -m build --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log"; fail "python -m build"; }
# setuptools frames its warnings (deprecations, ambiguous package data) in "!!" lines:
# fix them, don't ignore them.
if grep -q '^ *!!$' "$WORK/build.log"; then
    grep -B2 -A12 '^ *!!$' "$WORK/build.log" | head -60; fail "python -m build: setuptools warned"
fi
WHEEL=$(ls "$WORK"/dist/caprobe-*.whl)
ls -l "$WORK"/dist

step "wheel contents"
"$PYTHON" packaging/check_wheel.py "$WHEEL" resources

step "wheel in a fresh venv"
"$PYTHON" -m venv "$WORK/venv"
timeout 600 "$WORK/venv/bin/pip" install --quiet "$WHEEL"
# Run from a scratch folder, so that nothing can come from this checkout.
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
CAPROBE=$PWD/$WORK/venv/bin/caprobe
VPY=$PWD/$WORK/venv/bin/python
site=$(cd "$SCRATCH" && "$VPY" -c 'import caprobe.assets as a; print(a.resource_root())')
echo "resources at $site"
[[ $site == "$PWD/$WORK/venv/"* ]] || fail "caprobe.resources not from the installed wheel: $site"
version=$(cd "$SCRATCH" && timeout 60 "$CAPROBE" --version)
echo "$version"
[[ $version == "caprobe "* ]] || fail "unexpected --version output: $version"
(cd "$SCRATCH" && env QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$SCRATCH/config" \
    "${LOOPBACK_ENV[@]}" timeout 120 "$CAPROBE" demo --screenshot "$SCRATCH/wheel-demo.png" \
    --settle 3) || fail "wheel: caprobe demo --screenshot"
check_png "$SCRATCH/wheel-demo.png" 800 400

step "desktop entry and AppStream metainfo (as installed from the wheel)"
need_tool desktop-file-validate desktop-file-utils
need_tool appstreamcli appstream
shipped=$site/desktop
desktop=$shipped/io.github.caprobe.caprobe.desktop
metainfo=$shipped/io.github.caprobe.caprobe.metainfo.xml
out=$(desktop-file-validate "$desktop" 2>&1) || { echo "$out"; fail "desktop-file-validate"; }
[ -z "$out" ] || { echo "$out"; fail "desktop-file-validate printed hints or warnings"; }
echo "desktop-file-validate: clean"
timeout 60 appstreamcli validate --no-net --strict --pedantic "$metainfo" \
    || fail "appstreamcli validate"
# As a distribution would install them: appstreamcli checks that the metainfo's
# launchable names the desktop entry and that the icon it names exists.
tree=$SCRATCH/tree/usr/share
mkdir -p "$tree/applications" "$tree/metainfo" "$tree/icons"
cp "$desktop" "$tree/applications/"
cp "$metainfo" "$tree/metainfo/"
cp -r "$site/icons/hicolor" "$tree/icons/"
timeout 60 appstreamcli validate-tree --no-net --strict --pedantic "$SCRATCH/tree" \
    || fail "appstreamcli validate-tree"

step "PyInstaller bundle"
packaging/build_bundle.sh "$WHEEL"

step "packaging OK"
