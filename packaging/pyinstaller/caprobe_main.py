"""The bundle's entry point: what the ``caprobe`` console script runs."""
import sys

from caprobe.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
