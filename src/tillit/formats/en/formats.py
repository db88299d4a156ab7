# English as written in the Nordics and the UK: day before month, 24-hour clock — not Django's US default.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
# Input formats start with ISO in every language (see ..inputs).
from tillit.formats.inputs import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS  # noqa: E402, F401
