"""Extracts the drug-name lexicon (data/drugs.txt) from the MIT-licensed PyPI package
drug-named-entity-recognition (Fast Data Science Ltd; see DRUGS-LICENSE.txt).

    pip download --no-deps drug-named-entity-recognition==2.0.9 -d /tmp/dner
    unzip -o /tmp/dner/*.whl -d /tmp/dner/x
    python3 extract_drugs.py /tmp/dner/x > drugs.txt

Keeps single-word names (generic and brand) of drugs that have a MedlinePlus consumer page,
lower case, at least four letters, minus a few that are also ordinary English or Spanish words.
"""

import bz2
import pickle
import re
import sys
from pathlib import Path

ORDINARY_WORDS = {
    "agit", "banan", "cera", "copal", "dala", "dolin", "modus", "rela", "relif", "sone", "vals",
    "lidol", "gana", "halog", "humex", "theon", "remid", "miten", "penem", "sebar",
}

root = Path(sys.argv[1])
data = pickle.load(bz2.open(root / "drug_named_entity_recognition" / "drug_ner_dictionary.pkl.bz2"))
canonical = data["drug_canonical_to_data"]
names = set()
for variant, targets in data["drug_variant_to_canonical"].items():
    if not re.fullmatch(r"[a-z]{4,}", variant) or variant in ORDINARY_WORDS:
        continue
    if any("medline_plus_id" in canonical.get(t, {}) for t in targets):
        names.add(variant)
print("# drug names from drug-named-entity-recognition 2.0.9 (MIT); see extract_drugs.py")
for name in sorted(names):
    print(name)
