"""Preditiva: an open-source price-prediction platform."""

__version__ = "0.1.0"
