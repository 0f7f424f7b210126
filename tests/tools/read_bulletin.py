#!/usr/bin/python3
"""Reads what a bulletin serves the way its readers' software does, and prints a JSON summary.

Usage: read_bulletin.py ATOM_FILE [HTML_FILE ...]

The Atom feed goes through feedparser (Debian's python3-feedparser), a real feed reader
library: its `bozo` flag is set for any feed it had to repair. Every HTML page goes through
html5lib's parser in strict mode, which stops at the first parse error the HTML standard
names.
"""
import json
import sys

import feedparser
import html5lib


def read_feed(path):
    with open(path, "rb") as f:
        parsed = feedparser.parse(f.read())
    return {
        "bozo": bool(parsed.bozo),
        "problem": str(parsed.get("bozo_exception", "")),
        "version": parsed.version,
        "title": parsed.feed.get("title", ""),
        "language": parsed.feed.get("language", ""),
        "updated": parsed.feed.get("updated", ""),
        "entries": [{"id": e.get("id", ""), "title": e.get("title", ""),
                     "link": e.get("link", ""), "updated": e.get("updated", ""),
                     "published": e.get("published", ""),
                     "content": e.get("content", [{}])[0].get("value", "")}
                    for e in parsed.entries],
    }


def check_html(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        html5lib.HTMLParser(strict=True).parse(data)
        return ""
    except Exception as e:  # html5lib raises ParseError with the standard's error name.
        return "%s: %s" % (type(e).__name__, e)


def main():
    out = {"feed": read_feed(sys.argv[1]), "html": {p: check_html(p) for p in sys.argv[2:]}}
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
