"""Entry point for ``python -m preditiva``."""

from preditiva.cli.main import main

main()
