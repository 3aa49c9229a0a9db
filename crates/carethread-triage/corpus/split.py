"""Splits the labelled slices into the frozen training and test files.

Run once, when the corpus was written:  python3 split.py raw/*.jsonl
Every fifth message of each (language, urgency, category) group, in an order
fixed by a hash of its id, goes to test.jsonl; the rest to train.jsonl. Messages
whose text repeats another's (ignoring case and spacing) are dropped first.
The test split is frozen: training never reads it, and it is not re-drawn
when the corpus grows (new messages are added to one file or the other).
"""

import hashlib
import json
import sys
from collections import defaultdict

KEYS = {"id", "lang", "subject", "body", "urgency", "category"}
URGENCY = {"emergency", "urgent", "routine"}
CATEGORY = {"medication", "scheduling", "results", "clinical", "administrative", "other"}

rows, seen_ids, seen_text = [], set(), set()
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            assert set(row) == KEYS, f"{path}:{n}: keys {sorted(row)}"
            assert row["urgency"] in URGENCY and row["category"] in CATEGORY, f"{path}:{n}: labels"
            assert row["lang"] in {"en", "es"}, f"{path}:{n}: lang"
            assert row["id"] not in seen_ids, f"{path}:{n}: duplicate id"
            seen_ids.add(row["id"])
            text = " ".join((row["subject"] + " " + row["body"]).lower().split())
            if text in seen_text:
                continue
            seen_text.add(text)
            rows.append(row)

groups = defaultdict(list)
for row in rows:
    groups[(row["lang"], row["urgency"], row["category"])].append(row)
train, test = [], []
for key in sorted(groups):
    ordered = sorted(groups[key], key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    for i, row in enumerate(ordered):
        (test if i % 5 == 4 else train).append(row)

for name, part in (("train.jsonl", train), ("test.jsonl", test)):
    with open(name, "w", encoding="utf-8") as f:
        for row in sorted(part, key=lambda r: r["id"]):
            f.write(json.dumps({k: row[k] for k in ("id", "lang", "subject", "body", "urgency", "category")}, ensure_ascii=False) + "\n")
print(f"{len(rows)} messages: {len(train)} train, {len(test)} test")
