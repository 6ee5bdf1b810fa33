"""The exception root of CarbonLedger.

Every error that the package raises on purpose derives from :class:`CarbonLedgerError`;
each sub-package has its own subclass (``ChainError``, ``StandardError`` ...) and domain
subclasses below it that say what went wrong. The CLI prints ``str(error)`` as one line.

An error that carries the values involved (so that a caller, such as the API's error map,
never parses messages) declares them as fields with :func:`error_fields` and its message
as a ``template`` over them::

    @error_fields
    class DocumentNotFound(VaultError):
        template = "no document {document_id!r} in the vault"
        document_id: str
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar, dataclass_transform


class CarbonLedgerError(Exception):
    """Root of every error CarbonLedger raises deliberately."""

    #: the message of an error with fields: ``str.format`` over them (``{name!r}`` quotes)
    template: ClassVar[str] = ""

    def __str__(self) -> str:
        if self.template:
            return self.template.format_map(vars(self))
        return super().__str__()


Error = TypeVar("Error", bound=CarbonLedgerError)


@dataclass_transform(eq_default=False)
def error_fields(cls: type[Error]) -> type[Error]:
    """Declare an error's fields as a dataclass does: its constructor takes them (in order)
    and keeps them as attributes; ``str(error)`` formats its ``template`` with them.
    Errors compare by identity, as exceptions do."""
    return dataclass(eq=False)(cls)


class ConfigError(CarbonLedgerError):
    """A setting is missing or invalid; the message names the setting and the reason."""


class DataDirError(ConfigError):
    """The data directory cannot be created or written."""
