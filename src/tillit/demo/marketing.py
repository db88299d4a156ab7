"""Demo data for this module (see ``DEMO_EXTENSIONS`` in ``tillit.demo.generator``)."""


def build(builder, say) -> dict[str, int]:
    return {}


def delete(*, persons, organizations) -> None:
    pass
