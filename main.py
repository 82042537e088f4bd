"""Start the ctvis viewer: ``python main.py [DICOM folder or file]`` (same as ``ctvis view``)."""
import sys

from ctvis.gui.app import run

if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None))
