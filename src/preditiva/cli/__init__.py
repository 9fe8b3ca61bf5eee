"""The ``preditiva`` command line, one module per command group."""
