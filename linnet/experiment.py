r"""Analyses as experiment specs: the parameters, command line and table of one analysis script.

An analysis script ``analysis/<name>.py`` computes one table. It declares

- a frozen dataclass of its parameters, a subclass of :class:`Spec`: every number a user may
  want to change (η, width, steps, seeds, initial scales, data set, …) is a field with its
  default, :meth:`Spec.quick` gives the tiny grid the smoke tests run, and the class
  attribute ``schema`` (a :class:`Schema`) names the table's key columns, in sort order, and
  the other columns it must have;
- ``main(argv)``, which calls :func:`parse_args` and then :func:`write`.

Every script then takes the same command line::

    analysis/<name>.py [--quick | --paper] [--set KEY=VALUE ...] [--out FILE] [--no-progress]
                       [--dataset mnist|fashion] [--data-dir DIR]     (data scripts)

``--set lr=0.005`` replaces one field (repeatable), its text parsed by the field's type:
``int``, ``float``, ``str``, ``bool`` (true/false) or a tuple of one of them, written as a
comma list (``--set depths=2,4,8``). It applies on top of ``--quick`` when both are given.
``--paper`` runs :meth:`Spec.paper`, the full size of the paper an analysis reproduces where
that is larger than what ``make figures`` runs (``make paper`` builds those tables).
The table records every value used: a field whose name is a column of the table is that
column (``lr``, ``width``, ``dataset``); every other field gets a parameter column of its own
(``seeds``, ``steps``), holding its value as ``--set`` takes it, after the table's own columns.

Where the table goes: ``--out``, else ``results/<name>.csv`` (``make``'s tables),
``results/quick/<name>.csv`` with ``--quick``, ``results/paper/<name>.csv`` with ``--paper``, and ``results/set/<name>.csv`` (or
``results/quick/set/``) when a ``--set`` changed a field, so a changed analysis never takes
the place of a table ``make`` built.

Bad input never ends in a traceback: an unknown field, a value its type cannot parse or a
``--out`` that cannot be written is one line on standard error, and exit 2 (before any
work); :func:`user_errors` does the same for errors of the input found later (a data file).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pandas as pd

from . import cli, tables

__all__ = ["Schema", "Spec", "parse_value", "format_value", "parser", "parse_args",
           "user_errors", "write", "RESULTS", "QUICK", "PAPER", "CHANGED"]

RESULTS = Path("results")
QUICK = RESULTS / "quick"  # where --quick tables go by default
PAPER = RESULTS / "paper"  # where --paper tables go by default
CHANGED = "set"  # sub-folder of RESULTS (or QUICK) for tables whose parameters --set changed


@dataclasses.dataclass(frozen=True)
class Schema:
    """The columns of an analysis's table.

    Parameters
    ----------
    keys : tuple of str
        Key columns, in the order they come first in the file and sort its rows.
    columns : tuple of str
        Other columns the table must have (a table may have more; they follow, in the order
        the script made them, then the parameter columns).

    Examples
    --------
    >>> s = Schema(keys=("seed", "step"), columns=("loss",))
    >>> s.required
    ('seed', 'step', 'loss')
    """

    keys: tuple[str, ...]
    columns: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        """Every column the table must have: the keys, then the others."""
        return tuple(self.keys) + tuple(self.columns)


@dataclasses.dataclass(frozen=True)
class Spec:
    """Base of an analysis's parameters: a frozen dataclass whose fields are its parameters.

    A subclass sets the class attribute ``schema`` (:class:`Schema`) and overrides
    :meth:`quick` when its smoke-test grid differs from the defaults. Fields may have the
    types ``int``, ``float``, ``str``, ``bool`` or ``tuple[T, ...]`` of one of them.

    Every value is checked on construction (a ValueError naming the field): an ``int`` field
    is a count or a size, at least 1; a ``float`` is finite; a value has its field's type (an
    ``int`` is accepted for a ``float``). A subclass with more rules extends
    ``__post_init__`` and calls ``super().__post_init__()``.

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Spec):
    ...     lr: float = 0.01
    ...     seeds: int = 8
    ...     depths: tuple[int, ...] = (2, 3)
    ...     schema = Schema(keys=("lr", "seed"))
    ...
    ...     @classmethod
    ...     def quick(cls):
    ...         return cls(seeds=2)
    >>> Demo.quick().assign(["lr=0.005", "depths=2,4,8"])
    Demo(lr=0.005, seeds=2, depths=(2, 4, 8))
    >>> Demo().parameters()
    {'lr': 0.01, 'seeds': 8, 'depths': (2, 3)}
    """

    schema: ClassVar[Schema] = Schema(keys=())

    def __post_init__(self):
        for name, tp in self.field_types().items():
            _check_value(name, getattr(self, name), tp)

    @classmethod
    def quick(cls) -> Spec:
        """The tiny grid of ``--quick`` (default: the defaults themselves).

        Examples
        --------
        >>> import dataclasses
        >>> @dataclasses.dataclass(frozen=True)
        ... class Demo(Spec):
        ...     steps: int = 4000
        >>> Demo.quick() == Demo()  # a subclass without its own quick() runs its defaults
        True
        """
        return cls()

    @classmethod
    def paper(cls) -> Spec:
        """The full size of the paper the analysis reproduces, for ``--paper`` and ``make paper``
        (default: the defaults themselves, when ``make figures`` already runs that size).

        Examples
        --------
        >>> import dataclasses
        >>> @dataclasses.dataclass(frozen=True)
        ... class Demo(Spec):
        ...     seeds: int = 16
        ...
        ...     @classmethod
        ...     def paper(cls):
        ...         return cls(seeds=100)
        >>> Demo.paper().seeds
        100
        """
        return cls()

    def parameters(self) -> dict:
        """Field name → value, in declaration order.

        Examples
        --------
        >>> import dataclasses
        >>> @dataclasses.dataclass(frozen=True)
        ... class Demo(Spec):
        ...     lr: float = 0.01
        ...     depths: tuple[int, ...] = (2, 3)
        >>> Demo(lr=0.1).parameters()
        {'lr': 0.1, 'depths': (2, 3)}
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def field_types(cls) -> dict[str, object]:
        """Field name → its type (annotations resolved), in declaration order.

        Examples
        --------
        >>> import dataclasses
        >>> @dataclasses.dataclass(frozen=True)
        ... class Demo(Spec):
        ...     lr: float = 0.01
        ...     depths: tuple[int, ...] = (2, 3)
        >>> Demo.field_types()
        {'lr': <class 'float'>, 'depths': tuple[int, ...]}
        """
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}

    def assign(self, assignments: Sequence[str]) -> Spec:
        """A copy with each ``"key=value"`` of ``assignments`` applied, in order.

        Raises ValueError naming the key (and the valid ones) when it is not a field, or the
        value when the field's type cannot parse it.

        Examples
        --------
        >>> import dataclasses
        >>> @dataclasses.dataclass(frozen=True)
        ... class Demo(Spec):
        ...     lr: float = 0.01
        ...     depths: tuple[int, ...] = (2, 3)
        >>> Demo().assign(["lr=0.005", "depths=2,4,8"])
        Demo(lr=0.005, depths=(2, 4, 8))
        >>> Demo().assign(["width=3"])
        Traceback (most recent call last):
        ValueError: --set width: unknown parameter 'width'; valid: lr, depths
        >>> Demo().assign(["depths=0"])
        Traceback (most recent call last):
        ValueError: --set depths=0: depths is a count or a size: it must be an int >= 1; got 0
        """
        types_ = self.field_types()
        changes = {}
        for text in assignments:
            key, sep, value = str(text).partition("=")
            key = key.strip()
            if not sep:
                raise ValueError(f"--set {text!r} must be KEY=VALUE, e.g. --set "
                                 f"{next(iter(types_), 'lr')}=...")
            if key not in types_:
                raise ValueError(f"--set {key}: unknown parameter {key!r}; valid: "
                                 f"{', '.join(types_)}")
            changes[key] = parse_value(value, types_[key], key)
        try:
            return dataclasses.replace(self, **changes)
        except ValueError as exc:
            # A value of the right type out of its range (seeds=-1, a subclass's own rule): the
            # user typed --set, so the message names what they typed.
            given = " ".join(f"--set {a}" for a in assignments)
            raise ValueError(f"{given}: {exc}") from None


def _check_value(name: str, value, tp) -> None:
    """Raise ValueError naming field ``name`` when ``value`` does not fit its type ``tp``."""
    if typing.get_origin(tp) is tuple:
        if not isinstance(value, tuple):
            raise ValueError(f"{name} must be a tuple (--set {name}=a,b,...); got {value!r}")
        for v in value:
            _check_value(name, v, typing.get_args(tp)[0])
        return
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int and not (numeric and isinstance(value, int) and value >= 1):
        raise ValueError(f"{name} is a count or a size: it must be an int >= 1; got {value!r}")
    if tp is float and not (numeric and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if tp in (str, bool) and not isinstance(value, tp):
        raise ValueError(f"{name} must be a {tp.__name__}; got {value!r}")


def _type_name(tp) -> str:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is tuple:
        return f"comma list of {_type_name(args[0])}"
    return getattr(tp, "__name__", str(tp))


def parse_value(text: str, tp, name: str = "value"):
    """Parse the command-line text of a field of type ``tp``.

    Parameters
    ----------
    text : str
        As given after ``key=``; tuples as comma lists (``"2,4,8"``; ``""`` is the empty tuple).
    tp : type
        ``int``, ``float``, ``str``, ``bool`` or ``tuple[T, ...]`` of one of them.
    name : str
        The field's name, for the error message.

    Raises
    ------
    ValueError
        Naming the field, the type and the text when the text does not parse.
    TypeError
        When ``tp`` is not one of the supported types.

    Examples
    --------
    >>> parse_value("0.005", float), parse_value("3", int), parse_value("yes", bool)
    (0.005, 3, True)
    >>> parse_value("2, 4,8", tuple[int, ...])
    (2, 4, 8)
    >>> parse_value("x", int, "seeds")
    Traceback (most recent call last):
    ValueError: --set seeds=x: seeds takes an int; got 'x'
    """
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"field {name}: tuples must be tuple[T, ...]; got {tp}")
        parts = [p.strip() for p in text.split(",")] if text.strip() else []
        try:
            return tuple(parse_value(p, args[0], name) for p in parts)
        except ValueError:
            raise ValueError(f"--set {name}={text}: {name} takes a {_type_name(tp)}; "
                             f"got {text!r}") from None
    if tp not in (int, float, str, bool):
        raise TypeError(f"field {name}: a Spec field must be int, float, str, bool or "
                        f"tuple[T, ...]; got {tp}")
    value = text.strip()
    if tp is str:
        return value
    if tp is bool:
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if value.lower() in words:
            return words[value.lower()]
    else:
        with contextlib.suppress(ValueError):
            return tp(value)
    article = "an" if tp is int else "a"
    raise ValueError(f"--set {name}={text}: {name} takes {article} {tp.__name__}"
                     f"{' (true or false)' if tp is bool else ''}; got {text!r}")


def format_value(value) -> object:
    """A field's value as a table cell: a number or string as it is, a tuple as its comma list.

    Floats in a tuple are written with ``repr`` (the shortest text that reads back the same
    float), so ``--set key=<cell>`` reproduces the run.

    Examples
    --------
    >>> format_value((0.01, 0.1)), format_value((2, 4)), format_value(0.5)
    ('0.01,0.1', '2,4', 0.5)
    """
    if isinstance(value, tuple):
        return ",".join(repr(v) if isinstance(v, float) else str(v) for v in value)
    return value


def _parameters_help(spec_type) -> str:
    default, quick, paper = spec_type(), spec_type.quick(), spec_type.paper()
    lines = ["parameters (--set KEY=VALUE; tuples as comma lists):"]
    for name, tp in spec_type.field_types().items():
        d, q, f = getattr(default, name), getattr(quick, name), getattr(paper, name)
        extra = "" if q == d else f", --quick {format_value(q)}"
        extra += "" if f == d else f", --paper {format_value(f)}"
        lines.append(f"  {name} ({_type_name(tp)}): {format_value(d)}{extra}")
    return "\n".join(lines)


def parser(name: str, doc: str | None, spec_type: type[Spec], *, data: bool = False):
    """The argument parser of ``analysis/<name>.py``; see the module docstring.

    Parameters
    ----------
    name : str
        The table's name (its default file name).
    doc : str or None
        The script's docstring: the description of ``--help``, reST markup removed; the
        parameters, their types, defaults and ``--quick`` values follow it.
    spec_type : type
        The script's :class:`Spec` subclass.
    data : bool
        Add ``--dataset`` and ``--data-dir`` (the MNIST-family scripts): the data set is the
        spec's ``dataset`` field (``--dataset X`` is ``--set dataset=X``), found before any work.

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Spec):
    ...     lr: float = 0.01
    >>> p = parser("demo", "A demo.", Demo)
    >>> p.prog, p.parse_args(["--quick", "--set", "lr=0.1"]).assignments
    ('analysis/demo.py', ['lr=0.1'])
    >>> print(p.epilog)
    parameters (--set KEY=VALUE; tuples as comma lists):
      lr (float): 0.01
    """
    p = cli.Parser(prog=f"analysis/{name}.py", description=cli.help_text(doc),
                   epilog=_parameters_help(spec_type),
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(name=name, spec_type=spec_type, data=data)
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a tiny grid that runs in seconds")
    size.add_argument("--paper", action="store_true",
                      help="the full size of the paper reproduced (make paper), where larger")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                   help="change a parameter (repeatable; the list follows)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"where to write the table (default: {RESULTS / name}.csv, "
                        f"{QUICK / name}.csv with --quick, {PAPER / name}.csv with --paper, "
                        f"under {CHANGED}/ there with --set); "
                        "its folder is created")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="show progress bars on a terminal (default: on)")
    if data:
        from . import data as data_

        p.add_argument("--dataset", choices=data_.DATASETS, default=None,
                       help="mnist or fashion (Fashion-MNIST); the same as --set dataset=...")
        p.add_argument("--data-dir", type=Path, default=None,
                       help="folder with the four IDX files (default: the download cache "
                            "$LINNET_DATA/<dataset> or ~/.cache/linnet/<dataset>, then "
                            f"{data_.FASHION_DIR} for fashion, then the embedded sample for mnist)")
    return p


def _resolve(ns) -> None:
    """The spec, the data and ``--out`` of parsed arguments, checked in that order."""
    spec = (ns.spec_type.quick() if ns.quick else
            ns.spec_type.paper() if ns.paper else ns.spec_type())
    assignments = ([f"dataset={ns.dataset}"] if ns.data and ns.dataset else []) + ns.assignments
    changed = spec.assign(assignments)
    if ns.data:
        from . import data as data_

        data_.check_dataset(changed.dataset, "--set dataset")
        data_.resolve(changed.dataset, ns.data_dir)
    if ns.out is None:
        folder = QUICK if ns.quick else PAPER if ns.paper else RESULTS
        ns.out = (folder / CHANGED if changed != spec else folder) / f"{ns.name}.csv"
    ns.spec = changed
    ns.out = cli.check_output_file(ns.out, "--out")


def parse_args(name: str, doc: str | None, spec_type: type[Spec], argv=None, *,
               data: bool = False) -> argparse.Namespace:
    """Parse a script's command line into its spec and options; bad input: one line, exit 2.

    Returns the namespace of :func:`parser` with ``spec`` (the ``spec_type`` instance to run:
    the defaults or :meth:`Spec.quick`, then every ``--set``), ``out`` (checked writable, its
    folder created), ``progress``, ``prog`` and, with ``data``, ``data_dir``.

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Spec):
    ...     lr: float = 0.01
    ...     seeds: int = 8
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     args = parse_args("demo", None, Demo, ["--set", "lr=0.005", "--out", f"{folder}/demo.csv"])
    ...     print(args.spec, args.out.name)
    Demo(lr=0.005, seeds=8) demo.csv
    """
    p = parser(name, doc, spec_type, data=data)
    ns = p.parse_args(argv)
    ns.prog = p.prog
    try:
        _resolve(ns)
    except (ValueError, OSError) as exc:
        cli.usage_error(p.prog, exc)
    return ns


@contextlib.contextmanager
def user_errors(args):
    """Turn a ValueError or OSError raised by the user's input (a data folder, a file, a
    parameter changed with ``--set`` that the run cannot use) into one line on standard error
    and exit 2, for the script ``args`` were parsed for; the line names the ``--set`` values.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> try:
    ...     with user_errors(SimpleNamespace(prog="analysis/demo.py")):
    ...         raise ValueError("--data-dir x: no such folder")
    ... except SystemExit as exc:
    ...     print("exit", exc.code)
    exit 2
    """
    try:
        yield
    except (ValueError, OSError) as exc:
        # Parameters changed with --set are the likeliest cause of an error met during the run
        # (a step that diverges, a spectrum below the initial strength): say which they were.
        sets = getattr(args, "assignments", None)
        hint = f" (with --set {' --set '.join(sets)})" if sets else ""
        cli.usage_error(getattr(args, "prog", "analysis"), f"{exc}{hint}")


def with_parameters(table: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """``table`` with a parameter column for every field of ``spec`` it has no column for.

    The new columns follow the table's own, in field order, each holding
    :func:`format_value` of the field (the same in every row).

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Spec):
    ...     lr: float = 0.01
    ...     seeds: int = 2
    >>> with_parameters(pd.DataFrame({"lr": [0.01, 0.01], "seed": [0, 1]}), Demo())
         lr  seed  seeds
    0  0.01     0      2
    1  0.01     1      2
    """
    extra = {k: format_value(v) for k, v in spec.parameters().items() if k not in table.columns}
    return table.assign(**extra) if extra else table


def write(table: pd.DataFrame, path, spec: Spec) -> Path:
    """Write an analysis's table: its parameters recorded, its schema checked, rows sorted.

    Parameters
    ----------
    table : pandas.DataFrame
        The rows the analysis computed.
    path : str or Path
        Destination ``.csv`` (:func:`linnet.tables.write`: atomic, byte-identical for the same
        input).
    spec : Spec
        The parameters used: :func:`with_parameters` adds the columns of those the table
        lacks; ``type(spec).schema`` gives the key columns (first, and the sort order) and
        the columns the table must have.

    Returns
    -------
    Path

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Spec):
    ...     seeds: int = 2
    ...     schema = Schema(keys=("seed",), columns=("loss",))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write(pd.DataFrame({"loss": [0.5, 0.25], "seed": [1, 0]}), Path(folder) / "demo.csv", Demo())
    ...     print(out.read_text(), end="")
    seed,loss,seeds
    0,0.25,2
    1,0.5,2
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be an experiment.Spec; got {type(spec).__name__}")
    schema = type(spec).schema
    return tables.write(with_parameters(table, spec), path, columns=schema.required,
                        keys=schema.keys)

