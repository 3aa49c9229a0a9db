"""Splits the labelled slices into the frozen training and test files.

Run once, when the corpus was written:  python3 split.py raw/*.jsonl
Every fifth message of each (language, urgency, category) group, in an order
fixed by a hash of its id, goes to test.jsonl; the rest to train.jsonl. Messages
whose text repeats another's (ignoring case and spacing) are dropped first.

The test split is frozen: training never reads it, and it is not re-drawn
when the corpus grows. A batch written later is split on its own by the same
rule and appended:  python3 split.py --add raw/batch2-*.jsonl
Messages already in either file never move, and a new message repeating the
text of one already there is dropped.
"""

import hashlib
import json
import sys
from collections import defaultdict

KEYS = {"id", "lang", "subject", "body", "urgency", "category"}
# Optional: the register a message is written in (patient, clinical-summary,
# shorthand, readings, lab-values, third-person); kept when present.
OPTIONAL = {"register"}
REGISTERS = {"patient", "clinical-summary", "shorthand", "readings", "lab-values", "third-person"}
URGENCY = {"emergency", "urgent", "routine"}
CATEGORY = {"medication", "scheduling", "results", "clinical", "administrative", "other"}

def folded(text):
    return " ".join(text.lower().split())


def text_of(row):
    return folded(row["subject"] + " " + row["body"])


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


adding = sys.argv[1:2] == ["--add"]
paths = sys.argv[2:] if adding else sys.argv[1:]
kept = {"train.jsonl": [], "test.jsonl": []}
if adding:
    kept = {name: read(name) for name in kept}
rows = []
seen_ids = {row["id"] for part in kept.values() for row in part}
seen_text = {text_of(row) for part in kept.values() for row in part}
# The same body under another subject counts as a repeat too.
seen_text |= {folded(row["body"]) for part in kept.values() for row in part}
for path in paths:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            assert KEYS <= set(row) <= KEYS | OPTIONAL, f"{path}:{n}: keys {sorted(row)}"
            assert row.get("register", "patient") in REGISTERS, f"{path}:{n}: register"
            assert row["urgency"] in URGENCY and row["category"] in CATEGORY, f"{path}:{n}: labels"
            assert row["lang"] in {"en", "es"}, f"{path}:{n}: lang"
            assert row["id"] not in seen_ids, f"{path}:{n}: duplicate id"
            seen_ids.add(row["id"])
            text, body = text_of(row), folded(row["body"])
            if text in seen_text or body in seen_text:
                continue
            seen_text |= {text, body}
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
        # Existing lines first, unchanged and in their order; new ones after, by id.
        for row in kept[name] + sorted(part, key=lambda r: r["id"]):
            keys = ("id", "lang", "subject", "body", "urgency", "category", "register")
            f.write(json.dumps({k: row[k] for k in keys if k in row}, ensure_ascii=False) + "\n")
print(f"{len(rows)} new messages: {len(train)} to train, {len(test)} to test")
