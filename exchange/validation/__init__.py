"""Validation of received files: safe parsing, streaming schema validation and the business rules.

Import the submodules directly (`from exchange.validation.schema import validate`): this package imports
nothing itself, so that `exchange.formats` can use the findings without an import cycle.

- `findings`: what a check reports, in the status message's shape; `codes`: the OECD file error codes;
- `schema`: the public entry to schema validation (`validate`, `SchemaValidation`);
- `stream`: one streaming pass (two libxml2 parsers, error placement, constant memory);
- `prolog`: reading up to the root element; `safety`: the parsers' defences and the threats;
- `errorlog`: hearing libxml2's errors as they happen; `source`: a file's bytes as chunks.
"""
