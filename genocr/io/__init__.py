"""Input and output plumbing: reading pages from any source and writing results safely."""
from genocr.io.atomic import atomic_write
from genocr.io.load import (DEFAULT_LIMITS, Limits, Page, count_pages, expand_sources, iter_pages, load_pages,
                            parse_page_range)

__all__ = ["DEFAULT_LIMITS", "Limits", "Page", "atomic_write", "count_pages", "expand_sources", "iter_pages", "load_pages", "parse_page_range"]
