"""Run the hub command line as ``python -m hub``."""

from hub.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
