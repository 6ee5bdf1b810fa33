"""Option groups (``cli/options.py``): a command of an :class:`App` takes a group as one
parameter and the command line sees the group's options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from typer.testing import CliRunner

from carbonledger.cli.options import App, OptionGroup


@dataclass(frozen=True)
class Span(OptionGroup):
    start: Annotated[int, typer.Option("--from", help="First.")] = 0
    end: Annotated[int | None, typer.Option("--to", help="Last.")] = None


def _app(seen: list[object]) -> App:
    app = App()

    @app.command("span")
    def span(span: Span, step: Annotated[int, typer.Option("--step")] = 1) -> None:
        seen.append((span, step))

    @app.command("plain")
    def plain(word: Annotated[str, typer.Argument()]) -> None:
        seen.append(word)

    return app


def test_an_apps_command_receives_its_group_built_from_the_groups_options() -> None:
    seen: list[object] = []
    result = CliRunner().invoke(_app(seen), ["span", "--to", "9", "--step", "3"])
    assert result.exit_code == 0, result.output
    assert seen == [(Span(start=0, end=9), 3)]


def test_a_groups_options_are_listed_in_the_commands_help_with_their_own_help() -> None:
    result = CliRunner().invoke(_app([]), ["span", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option, help_text in (("--from", "First."), ("--to", "Last."), ("--step", "")):
        assert option in result.output and help_text in result.output
    assert "--span" not in result.output


def test_a_command_without_groups_is_registered_as_it_is() -> None:
    seen: list[object] = []
    result = CliRunner().invoke(_app(seen), ["plain", "hello"])
    assert result.exit_code == 0, result.output
    assert seen == ["hello"]


def test_two_options_of_one_name_in_a_command_are_refused_when_it_is_declared() -> None:
    app = App()
    try:

        @app.command("clash")
        def clash(span: Span, start: int = 0) -> None: ...

    except TypeError as exc:
        assert "start" in str(exc)
    else:
        raise AssertionError("a command with two options named start was accepted")


def test_a_commands_help_flows_each_paragraph_of_its_docstring_on_one_line() -> None:
    app = App()

    @app.command("wrapped")
    def wrapped() -> None:
        """First paragraph,
        on two lines.

        Second paragraph, which the
        terminal wraps where it will."""

    help_text = typer.main.get_command(app).help  # a lone command is the app
    assert help_text == (
        "First paragraph, on two lines.\n\n"
        "Second paragraph, which the terminal wraps where it will."
    )
    shown = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    assert "Second paragraph, which the terminal wraps where it will." in shown
