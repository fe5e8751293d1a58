# Shared by check_packaging.sh and build_bundle.sh (sourced, not run).

# Every demo run starts a Channel Access IOC: keep it and its clients on loopback,
# with nothing else on the network (the demo picks its own free server port).
LOOPBACK_ENV=(
    EPICS_CA_AUTO_ADDR_LIST=NO
    EPICS_CA_ADDR_LIST=127.0.0.1
    EPICS_CAS_INTF_ADDR_LIST=127.0.0.1
    EPICS_CAS_AUTO_BEACON_ADDR_LIST=NO
    EPICS_CAS_BEACON_ADDR_LIST=127.0.0.1
)

step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# need_tool COMMAND DEBIAN_PACKAGE: the validators are system tools, not Python
# packages; install them when we can (root with apt-get), else say what is missing.
need_tool() {
    command -v "$1" >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing $2 for $1"
        # A fresh machine may have no package lists yet: update once, then retry.
        timeout 300 apt-get install -y -qq "$2" >/dev/null 2>&1 \
            || { timeout 300 apt-get update -qq >/dev/null 2>&1; \
                 timeout 300 apt-get install -y -qq "$2" >/dev/null; } \
            || fail "apt-get install $2"
    fi
    command -v "$1" >/dev/null || fail "$1 not found: install the '$2' package (as root: apt-get install $2)"
}

# check_png FILE MIN_WIDTH MIN_HEIGHT: a real picture, not an empty or tiny file.
# Reads the PNG header with plain Python: works with any python3, no Qt needed.
check_png() {
    python3 - "$@" <<'PY' || fail "$1 is not a usable screenshot"
import struct, sys
path, min_w, min_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
print(f"{path}: {width}x{height}, {len(data)} bytes")
assert width >= min_w and height >= min_h, "too small"
assert len(data) > 20000, "too few bytes for a window full of widgets"
PY
}
