"""Every schema class has its own component name in the OpenAPI document: two classes with one name become one
component and one of them silently wins, so a generated client reads fields that are not there."""

import typing
from collections import defaultdict

from pydantic import BaseModel

from tillit.api import api


def _models_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _schema_classes() -> set[type[BaseModel]]:
    """The classes behind the document: the operations' bodies, answers and everything they contain."""
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = []
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                todo += list(operation.models)
                todo += [m for m in operation.response_models.values() if isinstance(m, type)]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for field in model.model_fields.values():
            todo += list(_models_in(field.annotation))
    # ninja's own wrappers (query/path/body parameter models, response envelopes) are never components.
    return {m for m in seen if not m.__module__.startswith("ninja")}


def test_no_two_schema_classes_share_a_component_name():
    by_name = defaultdict(set)
    for model in _schema_classes():
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not shared, shared


def test_every_component_is_one_of_our_classes():
    components = set(api.get_openapi_schema()["components"]["schemas"])
    names = {m.__name__ for m in _schema_classes()}
    # ninja names a paged answer after its item (``PagedPersonOut``), one per list; ErrorOut is the error shape.
    assert len(components) > 50
    assert {c for c in components - names if not c.startswith("Paged")} == {"ErrorOut"}


def test_the_formerly_colliding_schemas_are_each_described():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert {"CaseMessageOut", "MailingMessageOut", "InteractionOut", "TimelineEntryOut", "RoleOut", "CardRoleOut",
            "SegmentMemberOut", "CardMemberOut"} <= set(schemas)
    assert "body" in schemas["CaseMessageOut"]["properties"]
    assert "organization_name" in schemas["CardRoleOut"]["properties"] or schemas["CardRoleOut"] != schemas["RoleOut"]
