"""``agentos-factories generate``: typed bindings written from a live deployment's factory schemas.

Only the console script (:mod:`agentos_factories.codegen.cli`) imports this package, and only the
writing step imports the JSON-Schema-to-pydantic generator (the ``[codegen]`` extra):
``import agentos_factories`` loads none of it, and the modules it writes import only the SDK and
pydantic.

    agentos-factories generate --url http://127.0.0.1:7777 -o myapp/agentos_bindings.py
    agentos-factories generate --check -o myapp/agentos_bindings.py   # 0 match, 1 drift, 2 cannot run

Modules, one job each: ``_discovery`` (what the deployment declares), ``_names`` (class and
attribute names from factory ids), ``_schemas`` (fingerprint and one JSON Schema document for the
generator), ``_models`` (the generator run and what may come out of it), ``_facade`` (the typed
facade), ``_module`` (the file), ``_manifest`` (reading a written file back), ``_drift`` (what
changed per factory).
"""
