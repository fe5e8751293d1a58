#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle dist/caprobe/ (run dist/caprobe/caprobe) and
# smoke-test it with an empty environment: no venv, no PYTHONPATH, only /usr/bin:/bin.
#
# Usage: packaging/build_bundle.sh [WHEEL]
#   WHEEL: a caprobe wheel to bundle (check_packaging.sh passes the one it built);
#   without it, one is built here from an sdist, so that no stale build/lib
#   files of an in-tree build can end up in the bundle.
# Work files go to build/bundle/ (a fresh venv with caprobe and PyInstaller).
set -euo pipefail
cd "$(dirname "$0")/.."
source packaging/common.sh
PYTHON=${PYTHON:-python3}
WORK=build/bundle
WHEEL=${1:-}

step "fresh build venv in $WORK/venv"
rm -rf "$WORK" dist/caprobe
mkdir -p "$WORK"
"$PYTHON" -m venv "$WORK/venv"
VPY=$WORK/venv/bin/python
if [ -z "$WHEEL" ]; then
    step "building the wheel (sdist, then wheel from it)"
    timeout 600 "$VPY" -m pip install --quiet build
    timeout 600 "$VPY" -m build --outdir "$WORK/wheel" . >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; fail "python -m build"; }
    WHEEL=$(ls "$WORK"/wheel/caprobe-*.whl)
fi
step "installing $(basename "$WHEEL") and PyInstaller"
# PyInstaller 6: the spec relies on its one-folder layout (_internal/).
timeout 600 "$VPY" -m pip install --quiet "$WHEEL" "pyinstaller>=6,<7"

step "PyInstaller"
timeout 900 "$WORK/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath "$WORK/pyinstaller" packaging/pyinstaller/caprobe.spec \
    >"$WORK/pyinstaller.log" 2>&1 || { tail -40 "$WORK/pyinstaller.log"; fail "pyinstaller"; }
BUNDLE=$PWD/dist/caprobe/caprobe
[ -x "$BUNDLE" ] || fail "no $BUNDLE"
echo "bundle: $(du -sh dist/caprobe | cut -f1) in dist/caprobe/"
# The tests' IOC stack must not ride along (the demo IOC is caproto's).
if ls dist/caprobe/_internal | grep -q -i -E '^(softioc|epicscorelibs)'; then
    fail "softioc/epicscorelibs were bundled"
fi

# An empty environment proves the bundle needs nothing from the venv or this
# checkout. HOME is kept (Qt wants one); settings go to a scratch folder.
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
run_clean() {
    (cd "$SCRATCH" && env -i PATH=/usr/bin:/bin HOME="$HOME" XDG_CONFIG_HOME="$SCRATCH/config" \
        QT_QPA_PLATFORM=offscreen "${LOOPBACK_ENV[@]}" "$@")
}

step "bundle: --version"
version=$(run_clean timeout 60 "$BUNDLE" --version) || fail "caprobe --version"
echo "$version"
[[ $version == "caprobe "* ]] || fail "unexpected --version output: $version"

step "bundle: panel --list-examples"
run_clean timeout 60 "$BUNDLE" panel --list-examples >"$SCRATCH/examples.txt" \
    || fail "caprobe panel --list-examples"
cat "$SCRATCH/examples.txt"
grep -q '^demo_overview' "$SCRATCH/examples.txt" || fail "example panels missing from the bundle"

step "bundle: demo --screenshot (its own demo IOC, on loopback)"
shot=$SCRATCH/bundle-demo.png
run_clean timeout 120 "$BUNDLE" demo --screenshot "$shot" --settle 3 2>"$SCRATCH/demo.err" \
    || { cat "$SCRATCH/demo.err"; fail "bundle demo --screenshot"; }
if grep -q -E 'no window icon|Traceback' "$SCRATCH/demo.err"; then
    cat "$SCRATCH/demo.err"; fail "bundle demo: errors on stderr"
fi
check_png "$shot" 800 400
cp "$shot" "$WORK/demo.png"  # kept for a look
# The demo IOC is a child started as "caprobe __demo-ioc__"; it must be gone.
if ps -eo args | grep -F "$BUNDLE __demo-ioc__" | grep -v -q grep; then
    fail "the bundle's demo IOC outlived the window"
fi
step "bundle OK: dist/caprobe/caprobe (screenshot: $WORK/demo.png)"
