"""Sentences with a real English vocabulary from Debian's fortune files, normalized to what the model writes.

The model writes lowercase words, apostrophes and single spaces: espeak-ng does not voice case or most punctuation,
so asking for them would teach guessing. Sentences with digits, acronyms or symbols are dropped rather than
rewritten, because espeak-ng's reading of them ("mr", "x11") would not match any spelling we could target.
The held-out split is by a hash of the normalized sentence, so it does not depend on file order or on the seed.
"""

from __future__ import annotations

import hashlib
import os
import re

# The fortune files are prose; these are pictures, offensive sets or non-English.
SKIP_FILES = {"art", "ascii-art", "debian", "linux", "linuxcookie", "perl", "translate-me", "off"}

ALLOWED = re.compile(r"^[A-Za-z ,;:'\"()\-]+$")
WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def fortune_entries(folder: str) -> list[str]:
    entries: list[str] = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if "." in name or name in SKIP_FILES or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for entry in text.split("\n%\n"):
            entries.append(" ".join(entry.split()))
    return entries


def normalize(sentence: str) -> str | None:
    """Sentence -> target text, or None when espeak-ng's reading would not match a plain spelling."""
    s = sentence.strip().rstrip(".!?").strip()
    if not s or not ALLOWED.match(s):
        return None
    words = []
    for raw in s.replace("-", " ").split():
        w = raw.strip(",;:\"()'")
        if not w:
            continue
        # all-caps words of two or more letters are acronyms or shouting: espeak-ng spells some of them out
        if len(w) > 1 and w.isupper():
            return None
        w = w.lower()
        if not WORD.match(w) or len(w) > 14:
            return None
        words.append(w)
    if not 3 <= len(words) <= 24:
        return None
    return " ".join(words)


def sentences(folder: str) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for entry in fortune_entries(folder):
        if " -- " in entry:  # attribution line: names are read unpredictably
            entry = entry.split(" -- ")[0]
        for part in SENTENCE_END.split(entry):
            norm = normalize(part)
            if norm and norm not in seen:
                seen.add(norm)
                out.append(norm)
    return out


def is_held_out(sentence: str, percent: int = 6) -> bool:
    digest = hashlib.sha256(sentence.encode()).digest()
    return digest[0] * 100 // 256 < percent


def split(folder: str) -> tuple[list[str], list[str]]:
    all_sentences = sentences(folder)
    train = [s for s in all_sentences if not is_held_out(s)]
    held = [s for s in all_sentences if is_held_out(s)]
    return train, held


if __name__ == "__main__":
    import sys

    tr, ho = split(sys.argv[1])
    words = {w for s in tr for w in s.split()}
    print(f"train {len(tr)} sentences, held-out {len(ho)}, train vocabulary {len(words)} words")
    for s in tr[:5] + ho[:5]:
        print(" ", s)
