"""docs/check_site.py, the documentation's browser check, catches what it promises to catch.

On a tiny made-up site: a link to a missing page and to a missing anchor are reported, good links
and the theme's own _static files are not; in headless Chromium (only where Debian's chromium
and Playwright are installed, as ``make docs`` installs them) a console error, a missing image
and a request outside the site fail the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "docs"))
import check_site  # noqa: E402

sys.path.remove(str(ROOT / "docs"))


def _site(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir(parents=True)
    (tmp_path / "_static").mkdir()
    (tmp_path / "index.html").write_text(
        '<h1 id="top">x</h1><a href="sub/page.html#here">ok</a> <a href="sub/page.html#gone">bad anchor</a>'
        ' <a href="missing.html">bad page</a> <a href="https://example.org/">external</a>'
        ' <a href="#top">self</a> <link href="_static/s.css?digest=1">')
    (tmp_path / "_static" / "s.css").write_text("")
    (tmp_path / "_static" / "macros.html").write_text('<a href="{{ pathto(x) }}">template</a>')
    (tmp_path / "sub" / "page.html").write_text('<p id="here">y</p><a href="../index.html">up</a>')
    return tmp_path


def test_broken_internal_links_are_reported_and_good_ones_are_not(tmp_path):
    problems = check_site.broken_links(_site(tmp_path))
    assert len(problems) == 2, problems
    assert any("missing.html (no file missing.html)" in p for p in problems)
    assert any("sub/page.html#gone (no id 'gone' in page.html)" in p for p in problems)


@pytest.mark.skipif(not Path("/usr/bin/chromium").is_file(), reason="Debian's chromium is not installed")
def test_browser_fails_a_page_with_a_console_error_or_a_missing_image(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright comes with `make docs`")
    site = _site(tmp_path / "site")
    (site / "bad.html").write_text('<img src="nothing.png"><script>console.error("boom")</script>'
                                   '<img src="https://example.org/x.png">')
    server = check_site._serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=check_site.CHROMIUM_FLAGS)
            good = check_site._visit(browser, base, "good", "index.html", tmp_path)
            bad = check_site._visit(browser, base, "bad", "bad.html", tmp_path)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert good == []
    text = "\n".join(bad)
    assert "console error: boom" in text and "image did not load: nothing.png" in text
    assert "request outside the site: https://example.org/x.png" in text
    assert (tmp_path / "bad.png").stat().st_size > 0  # the screenshot was saved
