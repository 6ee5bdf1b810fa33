"""Building the API's response models from the services' views."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pydantic.dataclasses
from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Model = TypeVar("Model", bound=BaseModel)
View = TypeVar("View", bound="DataclassInstance")


def model_from(model: type[Model], *sources: object, **values: Any) -> Model:
    """``model`` with ``values``, and every other field copied from the first of ``sources``
    that has an attribute of the field's name (a field none has is left to its default, or
    refused by pydantic as missing)."""
    for name in model.model_fields:
        if name in values:
            continue
        source = next((s for s in sources if hasattr(s, name)), None)
        if source is not None:
            values[name] = getattr(source, name)
    return model(**values)


def published(**descriptions: str) -> Callable[[type[View]], type[View]]:
    """Publish a service's view as a response schema: decorate a subclass of the view that
    adds no field, and the view's fields are declared once, in the service. A field the API
    does not publish is declared again in the subclass with ``Field(..., exclude=True)``. The
    subclass gives the schema its name in the OpenAPI document (the web app's types use it);
    pydantic validates it as it would a model; every field is required in the schema and has
    no default there, as an answer always carries it; ``descriptions`` document some fields."""

    def extra(schema: JsonDict) -> None:
        properties = schema["properties"]
        assert isinstance(properties, dict)
        schema["required"] = list(properties)
        for name, field in properties.items():
            assert isinstance(field, dict)
            field.pop("default", None)
            if name in descriptions:
                field["description"] = descriptions[name]

    def publish(view: type[View]) -> type[View]:
        unknown = set(descriptions) - {f.name for f in dataclasses.fields(view)}
        if unknown:
            raise TypeError(f"{view.__name__} has no field {', '.join(sorted(unknown))}")
        config = ConfigDict(json_schema_extra=extra)
        return cast("type[View]", pydantic.dataclasses.dataclass(frozen=True, config=config)(view))

    return publish
