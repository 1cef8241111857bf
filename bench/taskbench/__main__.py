"""`python3 -m taskbench`: see main.py."""
import sys

from .main import main

sys.exit(main(sys.argv[1:]))
