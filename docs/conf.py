"""Sphinx configuration of linnet's documentation site (``make docs`` builds it).

The pages are MyST Markdown; the tutorials are jupytext percent-format ``.py`` files in
``docs/tutorials/``, executed by myst-nb on every build. Two parts are generated, so that new
modules and figures appear without anyone keeping a list:

- the API reference (``docs/_generated/api/``), here, from a walk over linnet's public modules
  (``docs/apigen.py``);
- the gallery (``docs/_generated/gallery.md``), by ``make docs`` before Sphinx runs
  (``docs/gallery.py``, from the Makefile's ``FIGURES`` and each figure script's
  ``key_numbers``), because it needs the tables that make builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import apigen  # noqa: E402

import linnet  # noqa: E402

project = "linnet"
author = "the linnet authors"
copyright = "2026, the linnet authors"
release = version = linnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",
    "sphinx-mathjax-offline",         # MathJax from the package, not a CDN: the site works offline
]

# --- sources -------------------------------------------------------------------------------
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".py": "myst-nb"}
# jupytext percent-format tutorials are notebooks to myst-nb.
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
exclude_patterns = ["_build", "conf.py", "apigen.py", "gallery.py", "check_site.py", "**/__pycache__",
                    "seed-notebook.txt", "Thumbs.db", ".DS_Store"]
# Heading anchors as GitHub makes them, so that links such as docs/theory.md#other-conventions
# (from docstrings, the README and other pages) work on the site too.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "attrs_block"]

# --- notebooks -----------------------------------------------------------------------------
nb_execution_mode = "force"           # every build runs every tutorial: the site never shows stale output
nb_execution_timeout = 120            # each tutorial runs in well under a minute (tests/test_tutorials.py)
nb_execution_raise_on_error = True    # a failing tutorial fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# --- API reference -------------------------------------------------------------------------
autosummary_imported_members = False
autodoc_typehints = "none"            # numpydoc's Parameters sections already give the types
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False   # each class page lists its methods itself (templates)
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
templates_path = ["_templates"]
# The pages to scan for autosummary tables, named here rather than ``True`` (every page Sphinx
# knows): an incremental build knows only the pages of the previous build when autosummary runs,
# so a module added since would get no stub pages (measured: a warning per function, and -W fails).
autosummary_generate = [f"_generated/api/{name}.rst"
                        for name in apigen.write_pages(HERE / "_generated" / "api")]

intersphinx_mapping = {}              # offline: the build reaches nothing outside this machine

# --- output --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "linnet"
html_static_path = ["_static"]
html_css_files = ["linnet.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The comparison's wide table needs the page's whole width.
    "secondary_sidebar_items": {"**": ["page-toc"], "comparison": []},
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# The theme's script reports an empty mode as a console error (docs-check fails on those).
html_context = {"default_mode": "auto"}
html_show_sourcelink = False
# Pages without sub-pages have nothing for the left sidebar's section navigation.
html_sidebars = {page: [] for page in ("index", "getting-started", "comparison", "benchmarks",
                                       "contributing", "theory", "sweeps", "_generated/gallery")}
html_last_updated_fmt = None


# --- docstrings written for help() that reStructuredText reads otherwise ---------------------
def _escape_outside_literals(line: str) -> str:
    import re

    parts = line.split("`")  # even parts lie outside roles and literals
    for i in range(0, len(parts), 2):
        # |x| is a substitution reference to reST, an absolute value to the reader.
        parts[i] = re.sub(r"\|([^|\s`]+)\|", r"\\|\1\\|", parts[i])
    return "`".join(parts)


def _rst_safe_docstring(app, what, name, obj, options, lines):
    import re

    for i, line in enumerate(lines):
        # A parameter named ``widths_`` (trailing underscore, so as not to shadow widths()):
        # reST reads ``name_`` as a link to a target "name".
        line = re.sub(r"(?<![`\w])(\w+)_(?=\s|$|,|\)|:)", r"\1\\_", line)
        lines[i] = _escape_outside_literals(line)
    if lines:
        # autosummary's one-line summary ends at the first ". ": an ellipsis "... " in the first
        # line would cut it inside a literal; the single character … does not.
        lines[0] = lines[0].replace("... ", "… ").replace("I.i.d. ", "I.i.d.\u00a0")


def setup(app):
    app.connect("autodoc-process-docstring", _rst_safe_docstring, priority=400)  # before numpydoc (500)
