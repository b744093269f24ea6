"""GGUF export with llama.cpp's own converter (our patched tree), Q8_0 text model + Q8_0 mmproj.

One override: the converter names a BPE pre-tokenizer by hashing how the tokenizer splits a probe text, and only
knows published vocabularies. Ours is new but splits with tekken's regex, so we name it "tekken" directly (what the
converter's mistral path writes for Voxtral's own tekken.json).
"""

from __future__ import annotations

import glob
import os
import sys


def export(llama_dir: str, hf_dir: str, out_dir: str) -> list[str]:
    sys.path.insert(0, os.path.join(llama_dir, "gguf-py"))
    sys.path.insert(0, llama_dir)
    from conversion import base

    base.TextModel.get_vocab_base_pre = lambda self, tokenizer: "tekken"
    import convert_hf_to_gguf

    text_out = os.path.join(out_dir, "voxtral-small-q8_0.gguf")
    mm_out = os.path.join(out_dir, "voxtral-small-mmproj-q8_0.gguf")
    for extra, out in (([], text_out), (["--mmproj"], mm_out)):
        sys.argv = ["convert_hf_to_gguf.py", hf_dir, "--outfile", out, "--outtype", "q8_0", *extra]
        convert_hf_to_gguf.main()
    files = []
    for want in (text_out, mm_out):
        if os.path.exists(want):
            files.append(want)
        else:  # the converter may prefix the mmproj's file name
            hits = glob.glob(os.path.join(out_dir, "*mmproj*.gguf"))
            files.extend(h for h in hits if h not in files)
    return files
