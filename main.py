"""Start the ctvis viewer: ``python main.py [PATH] [--series UID] [--preset NAME]
[--screenshot FILE]`` — the same as ``ctvis view``."""
import sys

from ctvis.cli import main

if __name__ == "__main__":
    sys.exit(main(["view", *sys.argv[1:]]))
