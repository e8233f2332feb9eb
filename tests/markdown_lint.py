"""Lint Markdown with pymarkdownlnt (markdownlint's rules); tables may exceed the line width."""

from __future__ import annotations

from pymarkdown.api import PyMarkdownApi


def lint(text: str) -> list[str]:
    api = (PyMarkdownApi().enable_extension_by_identifier("markdown-tables")
           .set_boolean_property("plugins.md013.tables", False))
    result = api.scan_string(text)
    return [f"line {f.line_number}: {f.rule_id} {f.rule_description} "
            f"{f.extra_error_information or ''}".strip() for f in result.scan_failures]
