"""Turning the XML elements of a received file into the format-neutral records of `exchange.records`.

Pure functions over lxml elements (CRS v2.0, CRS v3.0, FATCA v2.0), and one `Extractor` per file that
numbers CrsBody / FATCA bodies and ReportingGroups as the elements stream past.
"""

from __future__ import annotations

from exchange.extract.extractor import Extractor

__all__ = ["Extractor"]
