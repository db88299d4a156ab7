"""Input formats every language shares: ISO first.

Django renders a date/datetime widget's value with the language's first input format, and
``<input type="date">`` / ``type="datetime-local"`` accept only ISO (``2026-04-01``); a Danish
``01.04.2026`` shows as empty and saving the form unchanged would wipe the date. So the first
format is ISO in every language; the language's own ways of writing a date are still parsed.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M",
]
