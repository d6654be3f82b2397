"""Strict field types every router's schemas use: an id is a JSON integer (never ``true``,
``1.5`` or ``"7"``) that fits a 64-bit key; text never carries a NUL character (PostgreSQL
refuses it, and no person types one)."""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, Strict
from pydantic_core import PydanticCustomError

ID_MAX = 2**63 - 1


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul", "Text must not contain NUL characters.")
    return value


# In a JSON body: strict.
Id = Annotated[int, Strict(), Field(ge=1, le=ID_MAX)]
Int = Annotated[int, Strict(), Field(ge=-ID_MAX, le=ID_MAX)]
Bool = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), AfterValidator(no_nul)]
IdList = Annotated[list[Id], Field(max_length=200)]


def text(max_length: int, **kw):
    return Annotated[str, Strict(), AfterValidator(no_nul), Field(max_length=max_length, **kw)]


# In a query string or path everything arrives as text: a number is digits, nothing else.
QueryId = Annotated[int, Field(ge=1, le=ID_MAX)]
QueryText = Annotated[str, AfterValidator(no_nul)]
Date = datetime.date
