"""Options that commands take together, declared once as a group.

A group is a frozen dataclass deriving from :class:`OptionGroup` whose fields are typer
options (``Annotated[T, typer.Option(...)]``, with their defaults). A command decorated with
:func:`grouped` takes the group as one parameter: typer sees the group's options in its
place (same names, help and defaults as if written out), and the command receives the group
built from them. So ``--key/--api/--data-dir`` of the member commands, or the admin options,
are written in one place, and a command's signature lists only what is its own.

The commands of an :class:`App` are registered through :func:`grouped`, so a command takes
its groups without a decorator of its own.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar, cast

import typer

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
_KEYWORD = inspect.Parameter.KEYWORD_ONLY


class OptionGroup:
    """Base of the option groups (frozen dataclasses of typer options)."""


def _is_group(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, OptionGroup)


def _group_parameters(group: type[OptionGroup]) -> list[inspect.Parameter]:
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        inspect.Parameter(
            field.name,
            _KEYWORD,
            annotation=hints[field.name],
            default=inspect.Parameter.empty
            if field.default is dataclasses.MISSING
            else field.default,
        )
        for field in dataclasses.fields(group)  # type: ignore[arg-type]
    ]


def grouped(command: Callable[..., R]) -> Callable[..., R]:
    """``command`` with each :class:`OptionGroup` parameter spread into the group's options
    (for typer, which calls a command with keyword arguments only)."""
    signature = inspect.signature(command, eval_str=True)
    groups: dict[str, type[OptionGroup]] = {}
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if _is_group(parameter.annotation):
            groups[parameter.name] = parameter.annotation
            parameters += _group_parameters(parameter.annotation)
        else:
            parameters.append(parameter.replace(kind=_KEYWORD))
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise TypeError(f"{command.__name__}: two options share a name in {names}")

    @functools.wraps(command)
    def run(**given: Any) -> R:
        for name, group in groups.items():
            fields = dataclasses.fields(group)  # type: ignore[arg-type]
            given[name] = group(**{f.name: given.pop(f.name) for f in fields})
        return command(**given)

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run


class App(typer.Typer):
    """A Typer app whose commands may take :class:`OptionGroup` parameters: each command is
    registered as :func:`grouped` makes it (one without groups is left as it is, its options
    keyword-only)."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        def decorator(command: F) -> F:
            options = dict(kwargs)
            if "help" not in options and command.__doc__:
                options["help"] = flowed(command.__doc__)
            register = super(App, self).command(*args, **options)
            return cast(F, register(grouped(command)))  # typer returns what it registered

        return decorator


def flowed(doc: str) -> str:
    """A command's docstring as its help: each paragraph on one line, for the terminal to wrap
    (Typer re-wraps the first paragraph only, and prints the others with the docstring's own
    line breaks, mid-sentence at the terminal's width)."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split("\n")) for p in paragraphs)
