"""``python -m ctvis.cli``: the same as the ``ctvis`` command."""
import sys

from ctvis.cli import main

if __name__ == "__main__":
    sys.exit(main())
