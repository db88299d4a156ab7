# Only what differs from Django's locale formats: input formats start with ISO (see ..inputs).
from tillit.formats.inputs import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

__all__ = ["DATE_INPUT_FORMATS", "DATETIME_INPUT_FORMATS"]
