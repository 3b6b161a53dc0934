# Generated from _async/__init__.py by scripts/unasync.py: edit that file, then rerun the script.
"""The SDK's client classes: ``_async/`` is written by hand, ``_sync/`` generated from it by
``scripts/unasync.py`` (``python scripts/unasync.py``; ``--check`` runs in ``make test``)."""
