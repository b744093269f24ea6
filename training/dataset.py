"""The seeded data recipe: which sentences make which utterance, spoken how; synthesized in parallel.

An utterance is 1-5 consecutive-in-shuffle sentences spoken in one espeak-ng call (about 2-28 s). Training samples
are built from utterances at batch time (train.py): placed at a random offset in a 30 s chunk, or several joined by
pauses to fill 2-4 chunks, with gain and noise. Held-out utterances use held-out sentences whose words all occur in
training, and the held-out voice variant only.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import speech


class WordChain:
    """Novel sentences from the training sentences' words: a bigram walk that jumps to a word drawn by frequency
    with probability `jump`. A first run on the ~10k real sentences alone memorized them (each was heard ~70 times)
    and answered held-out speech with training sentences; text that cannot be memorized makes the decoder listen."""

    def __init__(self, sentences: list[str], jump: float = 0.35):
        self.jump = jump
        uni: Counter[str] = Counter()
        nxt: dict[str, Counter[str]] = {}
        starts: Counter[str] = Counter()
        for s in sentences:
            ws = s.split()
            starts[ws[0]] += 1
            uni.update(ws)
            for a, b in zip(ws, ws[1:]):
                nxt.setdefault(a, Counter())[b] += 1
        self.uni = self._table(uni)
        self.starts = self._table(starts)
        self.nxt = {w: self._table(c) for w, c in sorted(nxt.items())}

    @staticmethod
    def _table(c: Counter[str]) -> tuple[list[str], np.ndarray]:
        words = sorted(c)
        cum = np.cumsum([c[w] for w in words], dtype=np.float64)
        return words, cum / cum[-1]

    @staticmethod
    def _draw(table: tuple[list[str], np.ndarray], rng: np.random.Generator) -> str:
        words, cum = table
        return words[min(len(words) - 1, int(np.searchsorted(cum, rng.random(), side="right")))]

    def short(self, rng: np.random.Generator, avoid: frozenset[str]) -> str:
        while True:
            s = self.sentence(rng, int(rng.integers(1, 7)))
            if s not in avoid:
                return s

    def sentence(self, rng: np.random.Generator, n: int | None = None) -> str:
        n = int(rng.integers(4, 19)) if n is None else n
        w = self._draw(self.starts, rng)
        out = [w]
        while len(out) < n:
            if w not in self.nxt or rng.random() < self.jump:
                w = self._draw(self.uni, rng)
            else:
                w = self._draw(self.nxt[w], rng)
            out.append(w)
        return " ".join(out)


def plan_utterances(sentences: list[str], count: int, rng: np.random.Generator, recipe, max_chars: int,
                    chain: WordChain | None = None, real_fraction: float = 0.3,
                    avoid: frozenset[str] = frozenset()) -> list[dict]:
    order = rng.permutation(len(sentences))
    plans: list[dict] = []
    k = 0
    while len(plans) < count:
        n = int(rng.choice([1, 1, 2, 2, 3, 4, 5]))
        picked: list[str] = []
        while len(picked) < n:
            if chain is not None and rng.random() >= real_fraction:
                s = chain.sentence(rng)
                if s in avoid:
                    continue
            else:
                s = sentences[order[k % len(order)]]
                k += 1
            if len(" ".join(picked + [s])) > max_chars:
                break
            picked.append(s)
        if not picked:
            continue
        plans.append({"text": " ".join(picked), "text_sentences": picked, **recipe(rng)})
    return plans


def _speak(plan: dict) -> np.ndarray:
    # espeak-ng sees sentence ends, so it pauses and intones as in reading
    spoken = ". ".join(plan["text_sentences"]) + "." if "text_sentences" in plan else plan["text"]
    pcm = speech.synthesize(spoken, plan["voice"], plan["wpm"], plan["pitch"], plan["gap"])
    return (np.clip(pcm, -1, 1) * 32767).astype(np.int16)


def synthesize_all(plans: list[dict], workers: int) -> list[np.ndarray]:
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_speak, plans, chunksize=16))


def filter_known(held: list[str], train: list[str]) -> list[str]:
    known = {w for s in train for w in s.split()}
    return [s for s in held if all(w in known for w in s.split())]


def frequent_only(sentences: list[str], min_count: int) -> list[str]:
    """Sentences whose every word occurs at least min_count times: a vocabulary the model can learn in minutes."""
    counts: dict[str, int] = {}
    for s in sentences:
        for w in s.split():
            counts[w] = counts.get(w, 0) + 1
    return [s for s in sentences if all(counts[w] >= min_count for w in s.split())]


def held_out_set(held: list[str], rng: np.random.Generator, n_short: int, n_long: int) -> list[dict]:
    """Short utterances (one window) and long ones (several 30 s chunks), as plans with their sentence lists."""
    order = [held[i] for i in rng.permutation(len(held))]
    out: list[dict] = []
    k = 0
    for i in range(n_short + n_long):
        long = i >= n_short
        target_chars = int(rng.integers(1100, 1500)) if long else int(rng.integers(40, 330))
        picked: list[str] = []
        while k < len(order) and len(" ".join(picked)) < target_chars:
            if not long and picked and len(" ".join(picked + [order[k]])) > 360:
                break
            picked.append(order[k])
            k += 1
        if not picked:
            break
        recipe = speech.held_out_recipe(rng)
        out.append({"id": f"{'long' if long else 'short'}-{i:02d}", "text": " ".join(picked),
                    "text_sentences": picked, **recipe})
    return out


def write_manifest(path: str, items: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(items, f, indent=1)
