"""Tixallo: an open-source help desk with a clean REST API."""

__version__ = "0.1.0"
