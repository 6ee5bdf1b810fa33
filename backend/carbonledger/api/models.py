"""Building the API's response models from the services' views."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


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
