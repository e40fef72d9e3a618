"""Compare every table of folder OLD with folder NEW (``python tools/compare_tables.py OLD NEW``).

Each table is byte-identical, or its old columns are identical as text (same names, order, rows
and characters) with columns added after them (an analysis's parameter columns). Exit 1 when
a table is missing or differs otherwise.
"""
import sys
from pathlib import Path
import pandas as pd
old, new = Path(sys.argv[1]), Path(sys.argv[2])
bad = 0
for p in sorted(old.rglob("*.csv")):
    q = new / p.relative_to(old)
    if not q.exists():
        print(f"MISSING {q}"); bad += 1; continue
    if p.read_bytes() == q.read_bytes():
        print(f"identical  {p.relative_to(old)}"); continue
    a = pd.read_csv(p, dtype=str, keep_default_na=False)
    b = pd.read_csv(q, dtype=str, keep_default_na=False)
    cols = list(a.columns)
    if list(b.columns[:len(cols)]) != cols or len(a) != len(b) or not a.equals(b[cols]):
        print(f"DIFFERENT  {p.relative_to(old)} old cols {cols} new {list(b.columns)}"); bad += 1
        if len(a) == len(b) and set(cols) <= set(b.columns):
            for c in cols:
                if not a[c].equals(b[c]): print("   column", c, "differs")
        continue
    added = list(b.columns[len(cols):])
    print(f"old columns identical {p.relative_to(old)}; added {added} = "
          + ", ".join(f"{c}={sorted(set(b[c]))[:3]}" for c in added))
sys.exit(1 if bad else 0)
