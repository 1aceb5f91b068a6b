"""Markdown -> HTML for the site (dataset cards, search summaries, the rank page), with raw HTML off.

Card fields of imported tables and plug-in names reach these pages, so any HTML in the Markdown is
shown as text (markdown-it's ``html`` option off) and links with a script scheme are refused by
markdown-it's link validation. Tables are wrapped in a scrolling container for narrow screens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markupsafe import Markup


def _is_relative(href: str) -> bool:
    return not (":" in href.split("/")[0] or href.startswith(("/", "#")))


def renderer(rewrite: Callable[[str], str | None] | None = None) -> MarkdownIt:
    """A CommonMark renderer with tables; ``rewrite`` maps each relative link or image source to the
    href the page should use, or ``None`` to keep only its text (a link that would break on the site)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    rules = md.renderer.rules

    def table_open(tokens, idx, options, env):  # type: ignore[no-untyped-def]
        return '<div class="scroll"><table>\n'

    def table_close(tokens, idx, options, env):  # type: ignore[no-untyped-def]
        return "</table></div>\n"

    rules["table_open"], rules["table_close"] = table_open, table_close
    if rewrite is not None:
        link_open = md.renderer.renderToken

        def link_open_rule(tokens, idx, options, env):  # type: ignore[no-untyped-def]
            token = tokens[idx]
            href = str(token.attrGet("href") or "")
            if _is_relative(href):
                new = rewrite(href)
                if new is None:
                    token.meta["dropped"] = True
                    return ""
                token.attrSet("href", new)
            return link_open(tokens, idx, options, env)

        def link_close_rule(tokens, idx, options, env):  # type: ignore[no-untyped-def]
            depth = 0
            for j in range(idx - 1, -1, -1):  # the matching link_open
                if tokens[j].type == "link_close":
                    depth += 1
                elif tokens[j].type == "link_open":
                    if depth == 0:
                        return "" if tokens[j].meta.get("dropped") else "</a>"
                    depth -= 1
            return "</a>"

        def image_rule(tokens, idx, options, env):  # type: ignore[no-untyped-def]
            token = tokens[idx]
            src = str(token.attrGet("src") or "")
            if _is_relative(src):
                new = rewrite(src)
                if new is None:
                    return md.renderer.renderInlineAsText(token.children or [], options, env)
                token.attrSet("src", new)
            return md.renderer.image(tokens, idx, options, env)

        rules["link_open"], rules["link_close"], rules["image"] = link_open_rule, link_close_rule, image_rule
    return md


def render(text: str, rewrite: Callable[[str], str | None] | None = None) -> Markup:
    """``text`` as safe HTML (see the module docstring)."""
    return Markup(renderer(rewrite).render(text))


def same_folder_links(existing: Callable[[str], bool]) -> Callable[[str], str | None]:
    """A ``rewrite`` for a page rendered beside its Markdown: ``x.md`` -> ``x.html`` where that page
    exists, other relative paths kept where the file exists, dropped (text only) where it does not."""

    def rewrite(href: str) -> str | None:
        path, _, anchor = href.partition("#")
        p = PurePosixPath(path)
        if p.suffix == ".md" and existing(p.with_suffix(".html").as_posix()):
            return p.with_suffix(".html").as_posix() + (f"#{anchor}" if anchor else "")
        return href if existing(path) else None

    return rewrite
