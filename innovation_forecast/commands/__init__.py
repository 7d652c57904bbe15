"""Subcommands of the ``innovation-forecast`` command, one module per capability."""
