"""The base of every response model: strict on the fields we name, tolerant of the rest.

A newer server may add fields; they are kept (``extra="allow"``, readable through
``model_extra``) and sent back unchanged where a model is echoed to the server (continue).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A model of a server payload."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)
