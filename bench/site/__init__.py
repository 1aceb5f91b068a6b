"""The leaderboard website: static pages rendered from the board CSVs under a leaderboard folder."""

from bench.site.build import build_site

__all__ = ["build_site"]
