"""The factory_input models, written by datamodel-code-generator from the document of ``_schemas``.

The generator is imported here only (the ``[codegen]`` extra). Its output is taken apart: the
imports are checked (the written module may need the standard library and pydantic only: a type
that needs another package, like ``EmailStr``'s email-validator, is mapped to ``str`` before that)
and the class definitions are kept in the generator's order.
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import CodegenError

__all__ = ["BASE_CLASS", "GeneratedModels", "generate_models", "generator_version"]

#: The class every generated model derives from (defined by the written module itself).
BASE_CLASS = "FactoryInputModel"
_BASE_IMPORT = "agentos_factories_bindings_base"

#: Modules the written module may import from: the standard library's and pydantic.
ALLOWED_MODULES = frozenset(
    {"__future__", "collections.abc", "datetime", "decimal", "enum", "ipaddress", "pathlib", "re",
     "typing", "uuid", "pydantic"}
)  # fmt: skip
#: JSON Schema formats whose pydantic types need another package: validated as plain strings.
_PLAIN_STRING_FORMATS = ("email", "idn-email", "name-email")


@dataclass
class GeneratedModels:
    """Class definitions and what they import (module -> names)."""

    imports: dict[str, set[str]] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)


def generator_version() -> str:
    from importlib.metadata import version

    return f"datamodel-code-generator {version('datamodel-code-generator')}"


def _run_generator(document: Mapping[str, Any]) -> str:
    try:
        from datamodel_code_generator import Formatter, InputFileType, LiteralType, PythonVersion, generate
        from datamodel_code_generator.enums import DataModelType
    except ImportError as exc:
        raise CodegenError(
            f"the generator is not installed ({exc}): pip install 'agentos-factories[codegen]'"
        ) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its deprecation notices are about its own future defaults
        try:
            # Not sorted: the schema's property order is the models' field order.
            out = generate(
                json.dumps(document),
                input_file_type=InputFileType.JsonSchema,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_310,
                base_class=f"{_BASE_IMPORT}.{BASE_CLASS}",
                use_union_operator=True,
                use_standard_collections=True,
                use_annotated=True,
                field_constraints=True,
                strict_nullable=True,
                enum_field_as_literal=LiteralType.All,
                use_schema_description=True,
                use_double_quotes=True,
                skip_root_model=True,
                disable_timestamp=True,
                wrap_string_literal=True,
                type_mappings=[f"string+{name}=string" for name in _PLAIN_STRING_FORMATS],
                formatters=[Formatter.BLACK, Formatter.ISORT],
            )
        except CodegenError:
            raise
        except Exception as exc:  # the generator's own errors have no common base class
            raise CodegenError(f"datamodel-code-generator could not read the schemas: {exc}") from None
    if not isinstance(out, str):
        raise CodegenError("datamodel-code-generator wrote several modules; expected one")
    return out


def split_generated(source: str, expected: set[str]) -> GeneratedModels:
    """Imports and definitions of the generator's module, checking both."""
    tree = ast.parse(source)
    lines = source.splitlines()
    models = GeneratedModels()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module in ("__future__", _BASE_IMPORT):
                continue
            if node.module.split(".")[0] not in {m.split(".")[0] for m in ALLOWED_MODULES} or node.level:
                raise CodegenError(
                    f"the generated models need {node.module!r}, which is neither the standard library"
                    " nor pydantic; the bindings import nothing else"
                )
            models.imports.setdefault(node.module, set()).update(alias.name for alias in node.names)
            continue
        if isinstance(node, ast.Import):
            raise CodegenError(f"unexpected import in the generated models: {ast.unparse(node)}")
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a module docstring
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        end = node.end_lineno or node.lineno
        models.body.append("\n".join(lines[start - 1 : end]))
        if isinstance(node, ast.ClassDef):
            models.classes.append(node.name)
    missing = expected - set(models.classes)
    if missing:
        raise CodegenError(f"the generator did not write the models {sorted(missing)}")
    return models


def generate_models(document: Mapping[str, Any], model_names: set[str]) -> GeneratedModels:
    """The models of ``document`` (``{"$defs": ...}``); an empty result when there is none."""
    if not document.get("$defs"):
        return GeneratedModels()
    return split_generated(_run_generator(document), model_names)
