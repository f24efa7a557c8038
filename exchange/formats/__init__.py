"""Exchange formats: recognising a file's format and version, and finding its schema.

    detection = detect(path_or_bytes_or_stream)
    if detection.recognised:
        schema = load_schema(detection.spec, settings.schema_dir)

Each format and version is one module here defining `SPEC` (see `registry`).
"""

from exchange.formats.detect import Detection, detect, detect_prolog
from exchange.formats.registry import by_namespace, find, registered
from exchange.formats.schemas import load_schema, schema_entry
from exchange.formats.spec import FormatSpec

__all__ = [
    "Detection",
    "FormatSpec",
    "by_namespace",
    "detect",
    "detect_prolog",
    "find",
    "load_schema",
    "registered",
    "schema_entry",
]
