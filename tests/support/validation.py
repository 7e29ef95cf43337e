"""What an input model's refusal would name: the field of the invalid-argument answer."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from shared.errors import from_validation_error


def refused_field(model: type[pydantic.BaseModel], data: dict[str, Any]) -> str:
    """The field the invalid-argument answer would name."""
    with pytest.raises(pydantic.ValidationError) as raised:
        model.model_validate(data)
    field = from_validation_error(raised.value).field
    assert field is not None
    return field
