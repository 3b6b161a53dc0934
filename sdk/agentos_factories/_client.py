"""``Client`` and ``AsyncClient`` (written once in ``_async/client.py``; ``_sync/`` is generated)."""

from ._async.client import AsyncClient
from ._sync.client import Client

__all__ = ["AsyncClient", "Client"]
