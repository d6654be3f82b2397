"""Strict field types every router's schemas use: an id is a JSON integer (never ``true``,
``1.5`` or ``"7"``) that fits a 64-bit key; text never carries a NUL character (PostgreSQL
refuses it, and no person types one)."""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

ID_MAX = 2**63 - 1


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul", "Text must not contain NUL characters.")
    return value


def _date_text(value):
    if not isinstance(value, str | datetime.date):  # a number is not a date
        raise PydanticCustomError("date_type", "Give a date as YYYY-MM-DD.")
    return value


# In a JSON body: strict.
Id = Annotated[int, Strict(), Field(ge=1, le=ID_MAX)]
Int = Annotated[int, Strict(), Field(ge=-ID_MAX, le=ID_MAX)]
Bool = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), AfterValidator(no_nul)]
IdList = Annotated[list[Id], Field(max_length=200)]
Day = Annotated[datetime.date, BeforeValidator(_date_text)]


def text(max_length: int, **kw):
    return Annotated[str, Strict(), AfterValidator(no_nul), Field(max_length=max_length, **kw)]


# In a query string or path everything arrives as text: a number is digits, nothing else.
QueryId = Annotated[int, Field(ge=1, le=ID_MAX)]
QueryText = Annotated[str, AfterValidator(no_nul)]
Date = datetime.date


class Input(BaseModel):
    """A request body, or an object inside one. A plain pydantic model, not ninja's ``Schema``:
    that one reads attributes off anything (``"family"`` would pass as an object of defaults)."""

    model_config = ConfigDict(extra="ignore")
