"""The Tekken-style byte-level BPE of fixtures/tokenizer.ts, learned from our training text.

Layout (ids): Voxtral's control tokens first at their ids (<unk> 0, <s> 1, </s> 2, [INST] 3, [/INST] 4, [AUDIO] 24,
[BEGIN_AUDIO] 25, [TRANSCRIBE] 34; unnamed ones are <SPECIAL_n>), then the 256 byte tokens in byte order, then one
token per learned merge. llama.cpp reads it as tokenizer.ggml.model "gpt2" with pre-tokenizer "tekken", so the
runtime tokenizes text exactly as `encode` here does (the split below is the tekken regex restricted to ASCII, and
all our text is ASCII).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict

NAMED_SPECIALS = {
    0: "<unk>", 1: "<s>", 2: "</s>", 3: "[INST]", 4: "[/INST]", 5: "[AVAILABLE_TOOLS]", 6: "[/AVAILABLE_TOOLS]",
    7: "[TOOL_RESULTS]", 8: "[/TOOL_RESULTS]", 9: "[TOOL_CALLS]", 10: "[IMG]", 11: "<pad>", 12: "[IMG_BREAK]",
    13: "[IMG_END]", 14: "[PREFIX]", 15: "[MIDDLE]", 16: "[SUFFIX]", 17: "[SYSTEM_PROMPT]", 18: "[/SYSTEM_PROMPT]",
    19: "[TOOL_CONTENT]", 24: "[AUDIO]", 25: "[BEGIN_AUDIO]", 32: "[ARGS]", 33: "[CALL_ID]", 34: "[TRANSCRIBE]",
}
BOS, EOS, INST, INST_END, PAD, AUDIO, BEGIN_AUDIO, TRANSCRIBE = 1, 2, 3, 4, 11, 24, 25, 34

# tekken's split with \p{L}/\p{N}/\p{Lu}/\p{Ll} narrowed to ASCII (same pieces for ASCII input)
TEKKEN_SPLIT_ASCII = re.compile(
    r"[^\r\nA-Za-z0-9]?[A-Z]*[a-z]+|[^\r\nA-Za-z0-9]?[A-Z]+[a-z]*|[0-9]| ?[^\sA-Za-z0-9]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# the full tekken regex, for tokenizer.json (HF tokenizers understands \p{..})
TEKKEN_SPLIT_UNICODE = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?"
    r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def bytes_to_unicode() -> list[str]:
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table: list[str] = [""] * 256
    for b in keep:
        table[b] = chr(b)
    n = 0
    for b in range(256):
        if not table[b]:
            table[b] = chr(256 + n)
            n += 1
    return table


BYTE_CHARS = bytes_to_unicode()


def to_byte_level(text: str) -> str:
    return "".join(BYTE_CHARS[b] for b in text.encode("utf-8"))


class Tokenizer:
    def __init__(self, num_special: int, merges: list[tuple[str, str]], size: int):
        self.num_special = num_special
        self.merges = merges
        self.tokens = [NAMED_SPECIALS.get(i, f"<SPECIAL_{i}>") for i in range(num_special)] + list(BYTE_CHARS)
        seen = set(self.tokens[num_special:])
        for left, right in merges:
            if left + right not in seen:
                seen.add(left + right)
                self.tokens.append(left + right)
        if len(self.tokens) > size:
            raise ValueError(f"{len(self.tokens)} tokens exceed the vocabulary size {size}")
        # pad with unreachable tokens (digits are always split alone, so no merge produces them)
        n = 0
        while len(self.tokens) < size:
            self.tokens.append(f"{BYTE_CHARS[0x20]}w{n}")
            n += 1
        self.ids = {t: i for i, t in enumerate(self.tokens) if i >= num_special}
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self._cache: dict[str, list[int]] = {}

    def _bpe(self, piece: str) -> list[int]:
        hit = self._cache.get(piece)
        if hit is not None:
            return hit
        syms = list(to_byte_level(piece))
        while len(syms) > 1:
            best = None
            best_rank = None
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best is None:
                break
            # merge every occurrence of the best pair, left to right, as BPE does
            pair = (syms[best], syms[best + 1])
            out: list[str] = []
            i = 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == pair:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        ids = [self.ids[s] for s in syms]
        self._cache[piece] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for piece in TEKKEN_SPLIT_ASCII.findall(text):
            ids.extend(self._bpe(piece))
        return ids

    def decode(self, ids: list[int]) -> str:
        inv = {c: b for b, c in enumerate(BYTE_CHARS)}
        out = bytearray()
        for i in ids:
            if i < self.num_special:
                continue
            out.extend(inv[c] for c in self.tokens[i])
        return out.decode("utf-8", errors="replace")

    def write_hf(self, folder: str) -> None:
        """tokenizer.json + tokenizer_config.json, for llama.cpp's converter (it reads vocab, merges, specials)."""
        vocab = {t: i for i, t in enumerate(self.tokens)}
        added = [
            {"id": i, "content": self.tokens[i], "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i in range(self.num_special)
        ]
        tok = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": TEKKEN_SPLIT_UNICODE}, "behavior": "Isolated",
                     "invert": False},
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
                ],
            },
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": vocab, "merges": [[a, b] for a, b in self.merges],
            },
        }
        with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(tok, f, ensure_ascii=False)
        config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
            "add_bos_token": True, "add_eos_token": False, "clean_up_tokenization_spaces": False,
            "model_max_length": 131072,
        }
        with open(f"{folder}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)


def learn_merges(texts: list[str], max_merges: int) -> list[tuple[str, str]]:
    """Deterministic BPE: most frequent adjacent pair wins, ties broken by the pair's text (as fixtures/tokenizer.ts)."""
    counts: Counter[str] = Counter()
    for t in texts:
        for piece in TEKKEN_SPLIT_ASCII.findall(t):
            counts[to_byte_level(piece)] += 1
    words = [list(w) for w in sorted(counts)]
    freq = [counts[w] for w in sorted(counts)]
    pair_count: Counter[tuple[str, str]] = Counter()
    where: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for wi, syms in enumerate(words):
        for i in range(len(syms) - 1):
            pair_count[(syms[i], syms[i + 1])] += freq[wi]
            where[(syms[i], syms[i + 1])].add(wi)
    merges: list[tuple[str, str]] = []
    while len(merges) < max_merges and pair_count:
        best = min(pair_count.items(), key=lambda kv: (-kv[1], kv[0][0] + " " + kv[0][1]))
        if best[1] <= 0:
            break
        pair = best[0]
        merges.append(pair)
        for wi in sorted(where.pop(pair, set())):
            syms = words[wi]
            f = freq[wi]
            for i in range(len(syms) - 1):
                p = (syms[i], syms[i + 1])
                pair_count[p] -= f
                if pair_count[p] <= 0:
                    del pair_count[p]
            out: list[str] = []
            i = 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == pair:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            words[wi] = out
            for i in range(len(out) - 1):
                p = (out[i], out[i + 1])
                pair_count[p] += f
                where[p].add(wi)
        pair_count.pop(pair, None)
    return merges


def build(texts: list[str], size: int, num_special: int) -> Tokenizer:
    # the prompt's "lang:en" must be cheap and stable, like in Voxtral's vocabulary
    corpus = texts + ["lang:en"] * 200
    room = size - num_special - 256
    return Tokenizer(num_special, learn_merges(corpus, room), size)
