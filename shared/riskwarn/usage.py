"""The one error every `riskwarn` command raises for bad input: one line on stderr and exit
status 2, never a traceback (`cli.main` turns it into that)."""

from __future__ import annotations


class UsageError(Exception):
    pass
