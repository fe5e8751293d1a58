"""The ``caprobe`` command line."""
from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

import caprobe

log = logging.getLogger("caprobe")

DEMO_PVS = ["demo:setpoint", "demo:readback", "demo:sine", "demo:random_walk", "demo:noise",
            "demo:ramp", "demo:mode", "demo:message", "demo:long_text", "demo:spectrum",
            "demo:interlock"]
DEMO_PROBE_PV = "demo:setpoint"
DEMO_STRIP_PVS = ["demo:sine", "demo:ramp", "demo:random_walk", "demo:setpoint",
                  "demo:readback"]
DEMO_STRIP_SPAN = 60.0
#: First argument that makes ``caprobe`` run the demo IOC instead (a frozen bundle's
#: way to start it as a subprocess; see start_demo_ioc).
DEMO_IOC_COMMAND = "__demo-ioc__"
#: --screenshot waits at least this long so that update rates show a figure
#: (longer with a strip chart, so that its traces have some history).
SCREENSHOT_SETTLE_S = 1.5
STRIP_SCREENSHOT_SETTLE_S = 8.0
#: caprobe.app.themes.THEMES, spelled out so that --help and --version need
#: not import Qt widgets (a test checks that the two agree).
THEME_CHOICES = ("light", "dark", "system")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, no usage dump
        self.exit(2, f"caprobe: error: {message} (see 'caprobe --help')\n")


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    from caprobe.ca import BACKEND_CHOICES

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=BACKEND_CHOICES, default=default(None),
                        help="CA client library (default: $CAPROBE_BACKEND, else auto: "
                             "pyepics when libca loads, caproto otherwise)")
    common.add_argument("--read-only", action="store_true", default=default(False),
                        help="refuse every write; stated in the title bar")
    common.add_argument("--log-level", default=default("WARNING"),
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="console log level (default WARNING); the log file (see Help > "
                             "About) records INFO, writes included, or this level if lower")
    common.add_argument("--theme", choices=THEME_CHOICES, default=default(None),
                        help="light, dark or the desktop's look, for this run (default: the "
                             "one chosen in View > Theme, else system)")
    common.add_argument("--reset-settings", action="store_true", default=default(False),
                        help="forget saved preferences (window layout, theme, recent PVs, "
                             "last strip chart, formats) before starting")
    common.add_argument("--screenshot", metavar="PATH", default=default(None),
                        help="wait until every PV shown has connected and updated, save the "
                             "window as PNG and exit (non-zero if anything failed)")
    common.add_argument("--timeout", type=float, default=default(15.0),
                        help="seconds --screenshot waits for PVs (default 15)")
    common.add_argument("--settle", type=float, metavar="SECONDS", default=default(None),
                        help="seconds --screenshot lets the window run before saving "
                             f"(default {SCREENSHOT_SETTLE_S:g}, {STRIP_SCREENSHOT_SETTLE_S:g} "
                             "with a strip chart)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=True)
    # Options may come before or after the command. The subcommands'
    # copies must not default, or "caprobe --backend caproto probe X" would
    # have its --backend reset to the default by the "probe" subparser.
    after = _common_options(defaults=False)

    parser = _Parser(prog="caprobe", description="EPICS Channel Access probe, strip chart "
                                                 "and live widgets.", parents=[common])
    parser.add_argument("--version", action="version", version=f"caprobe {caprobe.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    probe = sub.add_parser("probe", parents=[after], help="show PVs live")
    probe.add_argument("pvs", nargs="*", metavar="PV")
    strip = sub.add_parser("strip", parents=[after], help="strip chart of PVs against time")
    strip.add_argument("pvs", nargs="*", metavar="PV")
    strip.add_argument("--span", default="5m",
                       help="visible time span, e.g. 90s, 15m, 2h, 1d (default 5m)")
    strip.add_argument("--config", metavar="FILE",
                       help="open a saved chart (PVs, colours, axes, span); PVs given as "
                            "well are added to it")
    strip.add_argument("--buffer", type=int, default=None, metavar="SAMPLES",
                       help="samples kept per PV (default 100000, 36 bytes each)")
    strip.add_argument("--redraw-hz", type=float, default=None, metavar="HZ",
                       help="scroll/redraw rate (default 5)")
    panel = sub.add_parser(
        "panel", parents=[after], help="open an operator panel (.toml panel file or .ui form)",
        description="Open a panel file (TOML: title, sections, rows of PVs; see the "
                    "examples: --list-examples) or a Qt Designer .ui form using caprobe "
                    "widgets. Nothing is written to any PV when a panel opens.")
    panel.add_argument("file", nargs="?", help="panel file (.toml) or form (.ui)")
    panel.add_argument("--example", metavar="NAME",
                       help="open a panel shipped with caprobe, e.g. demo_overview (its PVs "
                            "are the demo IOC's: add --demo)")
    panel.add_argument("--demo", action="store_true",
                       help="start the embedded demo IOC on loopback (as 'caprobe demo' does) "
                            "and show the panel against it")
    panel.add_argument("--list-examples", action="store_true",
                       help="list the shipped example panels and their files, and exit")
    panel.add_argument("-m", "--macros", default="", metavar="NAME=VALUE,...",
                       help='macro values, e.g. -m "P=XF:31ID:,N=2" ($(P) and ${P} in the '
                            "file; these override the file's [macros])")
    panel.add_argument("--new", nargs="+", metavar="PV",
                       help="write a starter panel for these PVs (to --output, or stdout)")
    panel.add_argument("-o", "--output", metavar="FILE",
                       help="with --new: the file to write (refuses to overwrite)")
    sub.add_parser("demo", parents=[after],
                   help="start an embedded demo IOC on loopback and show its PVs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [DEMO_IOC_COMMAND]:  # internal, not in --help: see start_demo_ioc
        from caprobe.app import demo_ioc

        demo_ioc.main(argv[1:])
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    from caprobe.app.logfile import setup_logging
    from caprobe.widgets.settings import clear_settings, set_persistent

    setup_logging(args.log_level)
    if args.reset_settings:
        try:
            print(f"caprobe: settings cleared ({clear_settings()})")
        except OSError as exc:
            print(f"caprobe: error: --reset-settings: {exc}", file=sys.stderr)
            return 1
        if args.command is None:
            return 0
    if args.command is None:
        parser.print_help()
        return 0
    # A screenshot must not depend on who ran caprobe before, nor change what they get next.
    set_persistent(not args.screenshot)
    try:
        return _run_command(args)
    finally:
        set_persistent(True)


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "panel":
        return run_panel(args)
    try:
        if args.command == "demo":
            _start_demo_for_this_process()
            return run_window(args, DEMO_PVS, "caprobe demo", probe_pvnames=[DEMO_PROBE_PV],
                              strip_pvnames=DEMO_STRIP_PVS, central="strip",
                              strip_options={"span": DEMO_STRIP_SPAN})
        from caprobe.model import split_pvnames

        pvnames = list(dict.fromkeys(name for arg in args.pvs for name in split_pvnames(arg)))
        if args.command == "strip":
            return run_strip(args, pvnames)
        return run_window(args, pvnames, "caprobe")
    except Exception as exc:  # a clear line for the operator; details in the log
        log.debug("fatal error", exc_info=True)
        print(f"caprobe: error: {exc}", file=sys.stderr)
        return 1


def run_panel(args: argparse.Namespace) -> int:
    from caprobe.model import split_pvnames
    from caprobe.model.panel import PanelError, starter_panel

    if args.new:
        pvnames = list(dict.fromkeys(n for arg in args.new for n in split_pvnames(arg)))
        text = starter_panel(pvnames)
        if not args.output:
            sys.stdout.write(text)
            return 0
        out = Path(args.output)
        if out.exists():
            print(f"caprobe: error: {out} exists; not overwritten", file=sys.stderr)
            return 2
        out.write_text(text, encoding="utf-8")
        print(f"caprobe: wrote {out} ({len(pvnames)} PVs)")
        return 0
    if args.list_examples or args.example:
        code = _resolve_example(args)
        if code is not None:
            return code
    if not args.file:
        print("caprobe: error: give a panel file (.toml or .ui), or --new PV ...",
              file=sys.stderr)
        return 2
    panel = args.file  # a .ui form is checked as it is built
    if Path(args.file).suffix.lower() != ".ui":
        # A panel file is read and checked once, before any window or channel exists.
        from caprobe.model.panel import load_panel

        try:
            panel = load_panel(args.file, args.macros)
        except PanelError as exc:
            print(f"caprobe: error: {exc}", file=sys.stderr)
            return 2
    if args.demo:
        _start_demo_for_this_process()
    try:
        return run_window(args, [], "caprobe panel", panel=panel)
    except PanelError as exc:
        print(f"caprobe: error: {exc}", file=sys.stderr)
        return 2


def _resolve_example(args: argparse.Namespace) -> int | None:
    """--list-examples (prints, returns 0) or --example (sets ``args.file``, returns None)."""
    from caprobe.assets import example_panels

    examples = example_panels()  # name -> installed file, wherever caprobe runs from
    if args.list_examples:
        for name, path in examples.items():
            print(f"{name}\t{path}")  # the path, so a user can copy the file and edit it
        return 0
    name = Path(args.example).stem  # "demo_overview.toml" is accepted too
    if args.file or name not in examples:
        problem = ("give a panel file or --example, not both" if args.file else
                   f"no example panel '{args.example}'; shipped: {', '.join(examples)}")
        print(f"caprobe: error: {problem}", file=sys.stderr)
        return 2
    args.file = str(examples[name])
    return None


def run_strip(args: argparse.Namespace, pvnames: list[str]) -> int:
    from caprobe.model.strip_config import load_strip_config
    from caprobe.model.timespan import parse_span

    try:
        span = parse_span(args.span)
    except ValueError as exc:
        print(f"caprobe: error: --span: {exc}", file=sys.stderr)
        return 2
    config = None
    if args.config:
        config = load_strip_config(args.config)  # a ConfigError says what is wrong
    elif not pvnames:
        config = _last_strip_config()
        if config is None:
            print("caprobe: error: give PV names or --config FILE", file=sys.stderr)
            return 2
    options: dict = {"span": span}
    if args.buffer is not None:
        if args.buffer < 10:
            print("caprobe: error: --buffer must be at least 10 samples", file=sys.stderr)
            return 2
        options["capacity"] = args.buffer
    if args.redraw_hz is not None:
        options["redraw_hz"] = args.redraw_hz
    return run_window(args, [], "caprobe strip", strip_pvnames=pvnames, central="strip",
                      strip_options=options, strip_config=config, remember_strip=True)


def _last_strip_config():
    """The chart the last ``caprobe strip`` window closed with, if any and still valid."""
    from caprobe.model.strip_config import parse_strip_config
    from caprobe.widgets.settings import STRIP_LAST_CONFIG, read_text, settings_path

    text = read_text(STRIP_LAST_CONFIG)
    if not text:
        return None
    try:
        config = parse_strip_config(text, f"{settings_path()} [{STRIP_LAST_CONFIG}]")
    except ValueError as exc:  # ConfigError: a hand-edited or damaged settings file
        log.warning("cannot reopen the last strip chart: %s", exc)
        return None
    if not config.curves:
        return None
    print(f"caprobe: reopening the last strip chart ({len(config.curves)} PVs)")
    return config


def _start_demo_for_this_process() -> subprocess.Popen:
    """The demo IOC for this run: stopped when caprobe exits; its address printed."""
    demo_ioc = start_demo_ioc()
    # Stop the IOC at interpreter exit, after the CA client library has shut
    # down (atexit runs last-registered first, and libca's finaliser
    # registers later, on import): stopping it while the client's circuit is
    # still open makes libca print "Connection reset by peer" on every exit.
    atexit.register(stop_process, demo_ioc)
    # Other clients (caget, a second caprobe) find it only on its own port.
    print(f"caprobe: demo IOC serving demo:* on 127.0.0.1:{demo_ioc.port} (other clients: "
          f"EPICS_CA_AUTO_ADDR_LIST=NO EPICS_CA_ADDR_LIST=127.0.0.1:{demo_ioc.port})",
          flush=True)
    return demo_ioc


def start_demo_ioc(*ioc_args: str, port: int | None = None) -> subprocess.Popen:
    """Start the demo IOC on a loopback port and point this process at it only.

    ``ioc_args`` go to ``caprobe.app.demo_ioc`` (e.g. ``"--ramp-start", "80"``).
    ``port`` defaults to a free one; pass the same port to restart the IOC
    where clients will find it again. Child processes started afterwards
    inherit the CA environment too.
    """
    from caprobe.app.ports import free_port

    port = port or free_port()
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        # In a PyInstaller bundle sys.executable is caprobe itself, which has no
        # "-m": it runs the IOC when given the internal command instead.
        command = [sys.executable, DEMO_IOC_COMMAND]
    else:
        command = [sys.executable, "-m", "caprobe.app.demo_ioc"]
    proc = subprocess.Popen([*command, "--port", str(port), "--max-seconds", str(7 * 24 * 3600),
                             *ioc_args], env=env, stdin=subprocess.DEVNULL)
    # Must happen before the hub creates the CA context, which reads these once.
    os.environ.update({
        "EPICS_CA_AUTO_ADDR_LIST": "NO",
        "EPICS_CA_ADDR_LIST": f"127.0.0.1:{port}",
        "EPICS_CA_NAME_SERVERS": "",
    })
    log.info("demo IOC pid %d on 127.0.0.1:%d", proc.pid, port)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=3)


def _apply_start_theme(args: argparse.Namespace, app) -> None:
    """--theme for this run, else the one chosen in View > Theme last time, else system."""
    from caprobe.app.themes import DEFAULT_THEME, THEMES, apply_theme
    from caprobe.widgets.settings import THEME, read_choice

    apply_theme(args.theme or read_choice(THEME, THEMES, DEFAULT_THEME), app)


def _set_window_icon(app) -> None:
    """The application icon from the shipped SVG; a missing icon is logged, never fatal."""
    from PyQt5.QtGui import QIcon

    from caprobe.assets import APP_ID, asset_path, icon_parts

    app.setDesktopFileName(APP_ID)  # how Wayland desktops match windows to the .desktop entry
    try:
        path = asset_path(*icon_parts())
    except FileNotFoundError as exc:
        log.warning("no window icon: %s", exc)
        return
    icon = QIcon(str(path))
    if icon.pixmap(16, 16).isNull():  # Qt's SVG icon engine plugin is missing
        log.warning("no window icon: Qt cannot render %s", path)
        return
    app.setWindowIcon(icon)


def run_window(args: argparse.Namespace, pvnames: list[str], title: str,
               probe_pvnames: list[str] | None = None, strip_pvnames: list[str] | None = None,
               central: str = "probe", strip_options: dict | None = None,
               strip_config=None, panel=None, remember_strip: bool = False) -> int:
    """The main window, or with ``panel`` (a checked ``Panel``, or a .ui path) a panel."""
    if args.screenshot and not os.environ.get("DISPLAY") and not os.environ.get(
            "WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication

    from caprobe.app.main_window import MainWindow
    from caprobe.app.panel_window import panel_channels
    from caprobe.bridge import ChannelHub, set_read_only
    from caprobe.bridge.hub import set_default_hub

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("caprobe")
    _set_window_icon(app)
    _apply_start_theme(args, app)
    if args.read_only:
        set_read_only(True)
    hub = ChannelHub(args.backend)
    set_default_hub(hub)  # widgets built without a hub (a .ui form) share this one
    if panel is not None:
        from caprobe.app.panel_window import PanelWindow, load_ui_panel

        try:
            window = (load_ui_panel(panel, args.macros) if isinstance(panel, str)
                      else PanelWindow(panel, hub))
        except Exception:
            hub.close()
            raise
        from caprobe.app.app_menus import add_panel_menus

        add_panel_menus(window, hub)  # View > Theme, Help > About, as in the main window
    else:
        window = MainWindow(hub, pvnames, title, probe_pvnames=probe_pvnames,
                            strip_pvnames=strip_pvnames, central=central,
                            strip_options=strip_options, remember_strip=remember_strip)
    if strip_config is not None and getattr(window, "strip", None) is not None:
        extra = window.strip.pvs()
        window.strip.apply_config(strip_config)
        window.strip.add_pvs(extra)
    window.show()
    settle = args.settle
    if settle is None:
        settle = (STRIP_SCREENSHOT_SETTLE_S if getattr(window, "strip", None) is not None
                  else SCREENSHOT_SETTLE_S)
    result = {"code": 0}
    if args.screenshot:
        started = time.monotonic()

        def check() -> None:
            channels = (window.channels() if hasattr(window, "channels")
                        else panel_channels(window))
            ready = all(c.connected and c.reading is not None for c in channels)
            # A big panel is still being built: its channels are not all there yet.
            ready = ready and not getattr(window, "building", False)
            # Let rate meters measure for a moment so the picture shows figures.
            settled = time.monotonic() - started > settle
            if (ready and settled) or time.monotonic() - started > max(args.timeout, settle):
                timer.stop()
                if ready:
                    if hasattr(window, "prepare_for_grab"):
                        window.prepare_for_grab()
                    app.processEvents()
                    window.grab().save(args.screenshot)
                    print(f"caprobe: saved {args.screenshot}")
                else:
                    missing = [c.pvname for c in channels if not c.connected or c.reading is None]
                    print(f"caprobe: error: no value within {args.timeout:.0f} s for: "
                          f"{', '.join(missing)}", file=sys.stderr)
                    result["code"] = 1
                app.quit()

        timer = QTimer()
        timer.setInterval(100)
        timer.timeout.connect(check)
        timer.start()
    app.exec_()
    hub.close()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main())
