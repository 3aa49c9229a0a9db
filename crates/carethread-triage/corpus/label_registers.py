"""Labels the register of the seventh batch's messages (ids containing "-reg-").

Run from this folder:  python3 label_registers.py

The register is decided from the message's text by the fixed rules below,
written from the training split's messages only, and the same rules label
both files: nobody reads the test split to label it, and this script prints
nothing of it (only how many of its lines it labelled). Each labelled line
gains a "register" key; every other line is written back unchanged. Running
it again gives the same files.

Registers, first rule that matches wins:

  clinical-summary  a note or summary about a patient: "presents with",
                    "y/o", "year-old", "pt", "patient"/"paciente", "pcte",
                    "varón", "mujer de 52 años", "refiere", "antecedente",
                    "dolor torácico", "diagnosticada", a nurse's,
                    pharmacist's, discharge or imaging note pasted in
  lab-values        a lab analyte (potassium, sodium, hemoglobin, calcium,
                    lithium, digoxin, platelets, troponin, magnesium,
                    creatinine, cholesterol, ALT, AST, LDL, A1c, TSH; K,
                    Na, Hb, Mg followed by a number)
  readings          a vital sign with its number (BP/TA 170/102, HR/FC/pulse
                    48, sats/SpO2/SatO2/O2 86%, temp 38.6, T 100.4, 104 F,
                    37,4, RR/FR 40, glucose/glucemia/BGL/BG/sugar 38, mmol/L,
                    INR 7.2, weight gain in lb or kg)
  shorthand         clinical shorthand: SOB, CP, AMS, LOC, SI, HI, HA, BGL,
                    POD, L/R in capitals; s/p, c/o, n/v, w/, hx, dx, rx,
                    pmh, x2d in any case
  third-person      someone writing about another person: my mom, dad,
                    husband, wife, son, daughter, ...; mi mamá, papá,
                    esposo, esposa, hijo, hija, ...
  patient           anything else: a patient in their own words
"""

import json
import re

FILES = ("train.jsonl", "test.jsonl")

SUMMARY = re.compile(
    r"presents? with|\by/?o\b|year[- ]old|\bpts?\b|\bpatient\b|\bpaciente\b|\bpcte\b|\bvar[oó]n\b"
    r"|\b(mujer|hombre|femenino|masculino) de \d+|\brefiere\b|\bnurse\b|\benfermer[oa]\b|pharmacist|farmac[eé]utic"
    r"|discharge|\balta\b|impression|\bimpresi[oó]n\b|\breport\b|\binforme\b|\b\d+\s*(yo|a)\b"
    r"|\bantecedentes?\b|tor[aá]cic|diagnosticad",
    re.IGNORECASE,
)
LABS = re.compile(
    r"potassium|potasio|sodium|sodio|hemoglobin|hemoglobina|calcium|calcio|lithium|litio|digoxin|digoxina"
    r"|platelets?|plaquetas|troponin|troponina|magnesium|magnesio|creatinin|cholesterol|colesterol|triglic|triglyc"
    r"|\b(alt|ast|ldl|hdl|a1c|hba1c|bmp|cmp|tsh)\b|\b(k|na|hb|hgb|mg|ca)\s*(de\s*)?\d",
    re.IGNORECASE,
)
READINGS = re.compile(
    r"\b(bp|ta|pa|presi[oó]n)\b[^.\n]{0,20}?\d{2,3}\s*/\s*\d{2,3}|\b\d{2,3}\s*/\s*\d{2,3}\b"
    r"|\b(hr|fc|pulse|pulso|heart rate|frecuencia)\b\D{0,12}\d{2,3}"
    r"|\b(sats?|spo2|sato2|o2|ox[ií]geno|oxygen)\b\D{0,12}\d{2,3}\s*%?|\d{2,3}\s*%"
    r"|\b(temp|temperature|temperatura|fever|fiebre|calentura)\b\D{0,12}\d{2,3}([.,]\d)?"
    r"|\d{2,3}([.,]\d)?\s*°?\s*(f|c)\b"
    r"|\b(rr|fr)\b\D{0,6}\d{1,2}|\bT\s?\d{2,3}([.,]\d)?|\b(3[5-9]|9\d|10\d)[.,]\d\b|\bmmol"
    r"|\b(glucose|glucosa|glucosas|glucemia|bgl|bg|sugar|sugars|az[uú]car|bs|cgm|meter|sensor|satura)\b\D{0,20}\d{2,3}|\b(lo|hi)\b(?=\W*$)"
    r"|\binr\b\D{0,12}\d|\b\d+([.,]\d)?\s*(lbs?|pounds|libras|kg|kilos)\b",
    re.IGNORECASE,
)
# Capitals as clinicians write them ("SOB", "CP", "L arm"); slashes and "hx", "dx" in any case.
SHORTHAND = re.compile(r"\b(SOB|CP|AMS|LOC|SI|HI|HA|BGL|POD|DOE|PND|LE|LLE|RLE|ED|ER|L|R)\b")
SHORTHAND_ANY_CASE = re.compile(
    r"\b(s/p|c/o|n/v|b/l|w/o?|hx|dx|rx|tx|sx|pmh|yo|x\s?\d+\s?(d|h|hr|hrs|wk|wks|days?))(?=\W|$)", re.IGNORECASE
)
THIRD = re.compile(
    r"\b(my|our)\s+(\w+\s+)?(mom|mum|mother|dad|father|husband|wife|son|daughter|kid|child|baby|infant|grandma|grandpa"
    r"|grandmother|grandfather|aunt|uncle|brother|sister|partner|boyfriend|girlfriend|niece|nephew|neighbou?r|friend"
    r"|grandson|granddaughter|toddler|newborn|roommate)\b"
    r"|\b(mi|nuestr[oa])\s+(\w+\s+)?(mam[aá]|pap[aá]|madre|padre|esposo|esposa|marido|mujer|hijo|hija|beb[eé]|ni[nñ][oa]"
    r"|abuel[oa]|t[ií][oa]|herman[oa]|nieto|nieta|sobrin[oa]|novi[oa]|pareja|vecin[oa]|amig[oa]|suegr[oa]|cu[nñ]ad[oa])\b"
    r"|\b(he|she|he's|she's|hes|shes)\b|\b(él|ella)\b",
    re.IGNORECASE,
)


def register(row):
    """The register of a message, from its subject and body."""
    text = f"{row.get('subject', '')}\n{row.get('body', '')}"
    if SUMMARY.search(text):
        return "clinical-summary"
    if LABS.search(text):
        return "lab-values"
    if READINGS.search(text):
        return "readings"
    if SHORTHAND.search(text) or SHORTHAND_ANY_CASE.search(text):
        return "shorthand"
    if THIRD.search(text):
        return "third-person"
    return "patient"


def label(name):
    """Labels the batch's lines of one file; returns (lines labelled, count per register)."""
    with open(name, encoding="utf-8") as f:
        lines = f.read().split("\n")
    counts = {}
    labelled = 0
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
            continue
        row = json.loads(line)
        if "-reg-" not in row["id"]:
            out.append(line)
            continue
        row.pop("register", None)
        row["register"] = register(row)
        counts[row["register"]] = counts.get(row["register"], 0) + 1
        labelled += 1
        out.append(json.dumps(row, ensure_ascii=False))
    with open(name, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return labelled, counts


if __name__ == "__main__":
    for name in FILES:
        labelled, counts = label(name)
        if name == "train.jsonl":
            print(f"{name}: {labelled} lines labelled: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        else:
            # Nothing of the test split is shown: not its registers, not its text.
            print(f"{name}: {labelled} lines labelled")
