"""Load the built documentation in headless Chromium and fail on what a reader would hit.

``make docs-check`` runs ``python docs/check_site.py docs/_build/html --screenshots DIR``:

- serves the site on 127.0.0.1 (a free port) with Python's http.server;
- opens the landing page, the first tutorial, the gallery and one API page in Debian's Chromium
  (``/usr/bin/chromium``, driven by Playwright without its own browser download), waits until
  the network is idle and MathJax has typeset, saves a full-page screenshot of each, and fails
  on any console error, page error, failed or non-local request (the site must work offline)
  and any image that did not load;
- checks every internal link of every HTML page of the site, without the browser: the target
  file exists and, for ``page.html#anchor``, the anchor is an id in that page.

Prints one line per check and ``N passed, N failed`` last; exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import functools
import html.parser
import http.server
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

PAGES = {  # screenshot name: page (relative to the site's root)
    "landing": "index.html",
    "tutorial": "tutorials/01_from_the_seed_notebook.html",
    "gallery": "_generated/gallery.html",
    "api": "_generated/api/linnet.conventions.html",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


class _Links(html.parser.HTMLParser):
    """The ids and the link targets (a href, img src, link href, script src) of one page."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in {"a": ("href",), "img": ("src",), "link": ("href",), "script": ("src",)}.get(tag, ()):
            if a.get(key):
                self.targets.append(a[key])


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


def broken_links(root: Path) -> list[str]:
    """Every internal link of every page whose file or anchor is missing: 'page: link (why)'."""
    problems = []
    for page in sorted(root.rglob("*.html")):
        if page.relative_to(root).parts[0] in ("_static", "_sources"):
            continue  # the theme's template fragments and copied assets, not pages
        for link in _parse(page).targets:
            url = urlparse(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue  # external: not loaded by the check (the browser part fails on any request out)
            target, fragment = urldefrag(link)
            target = urlparse(target).path  # a query (?digest=...) only busts caches
            file = page if not target else (page.parent / unquote(target)).resolve()
            if file.is_dir():
                file = file / "index.html"
            where = f"{page.relative_to(root)}: {link}"
            if not file.is_file():
                problems.append(f"{where} (no file {file.relative_to(root.resolve()) if file.is_relative_to(root.resolve()) else file})")
            elif fragment and file.suffix == ".html" and unquote(fragment) not in _parse(file).ids:
                problems.append(f"{where} (no id {fragment!r} in {file.name})")
    return problems


def _serve(root: Path):
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per check is printed instead
        pass


def _visit(browser, base: str, name: str, page_path: str, shots: Path) -> list[str]:
    """Open one page; return what went wrong (console errors, failed requests, missing images)."""
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    origin = urlparse(base).netloc

    def route(r):
        if urlparse(r.request.url).netloc == origin or r.request.url.startswith("data:"):
            r.continue_()
        else:
            problems.append(f"request outside the site: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    response = page.goto(urljoin(base, page_path), wait_until="networkidle")
    if response is None or response.status != 200:
        problems.append(f"page answered {None if response is None else response.status}")
    # MathJax typesets after load; wait for it where the page has math (a page without it has no MathJax).
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) ? "
                  "MathJax.startup.promise.then(() => true) : true")  # evaluate waits for the promise
    broken = page.eval_on_selector_all(
        "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.getAttribute('src'))")
    problems += [f"image did not load: {src}" for src in broken]
    n_images = page.eval_on_selector_all("img", "els => els.length")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.close()
    print(f"  {name}: {page_path}, {n_images} images, screenshot {shots / f'{name}.png'}")
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="docs/check_site.py", description=__doc__.split("\n\n")[0])
    p.add_argument("site", type=Path, help="the built site (docs/_build/html)")
    p.add_argument("--screenshots", type=Path, default=Path("docs/_build/screenshots"))
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
                   help="the Chromium executable (default: %(default)s; Debian's package chromium)")
    args = p.parse_args(argv)
    if not (args.site / "index.html").is_file():
        p.error(f"{args.site}/index.html not found: build the site first with `make docs`")
    if not Path(args.chromium).is_file():
        p.error(f"no Chromium at {args.chromium}: install Debian's package (apt-get install chromium) "
                "or pass --chromium PATH")
    from playwright.sync_api import sync_playwright

    args.screenshots.mkdir(parents=True, exist_ok=True)
    results = {}
    server = _serve(args.site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
            for name, page_path in PAGES.items():
                results[f"browser: {name}"] = _visit(browser, base, name, page_path, args.screenshots)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    results["internal links of every page"] = broken_links(args.site.resolve())
    for check, problems in results.items():
        print(f"{'PASSED' if not problems else 'FAILED'} {check}")
        for line in problems[:50]:
            print(f"    {line}")
    failed = sum(bool(v) for v in results.values())
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
