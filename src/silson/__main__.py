"""`python -m silson` runs the command line."""

from silson.cli import main

main()
