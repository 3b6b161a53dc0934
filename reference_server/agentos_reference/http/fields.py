"""Typed reading of form fields, with AgentOS's (FastAPI's) 422 error items for a missing or mistyped one."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from agentos_reference.http.forms import FilePart, FormFields
from agentos_reference.http.problems import UnprocessableForm, missing_field

_BOOL: TypeAdapter[bool] = TypeAdapter(bool)
MAX_IDENTIFIER_CHARS = 1024


class FieldReader:
    """Reads fields from a form, collecting every problem so one 422 lists them all."""

    def __init__(self, form: FormFields) -> None:
        self.form = form
        self.errors: list[dict[str, Any]] = []

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A text field; an empty value counts as omitted (form builders send empty parts when unset)."""
        value = self.form.last(name)
        if isinstance(value, FilePart):
            self.errors.append(
                {
                    "type": "string_type",
                    "loc": ["body", name],
                    "msg": "Input should be a valid string",
                    "input": None,
                }
            )
            return None
        if value is None or value == "":
            if required:
                self.errors.append(missing_field(name))
            return None
        return value

    def identifier(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and len(value) > MAX_IDENTIFIER_CHARS:
            self.errors.append(
                {
                    "type": "string_too_long",
                    "loc": ["body", name],
                    "msg": f"String should have at most {MAX_IDENTIFIER_CHARS} characters",
                    "input": None,
                    "ctx": {"max_length": MAX_IDENTIFIER_CHARS},
                }
            )
            return None
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return _BOOL.validate_python(raw)
        except ValidationError:
            self.errors.append(
                {
                    "type": "bool_parsing",
                    "loc": ["body", name],
                    "msg": "Input should be a valid boolean, unable to interpret input",
                    "input": raw,
                }
            )
            return default

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise UnprocessableForm(self.errors)
