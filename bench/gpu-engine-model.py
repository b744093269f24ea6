#!/usr/bin/env python3
"""The real-dimension synthetic Voxtral text model for the GPU engine bench (bench/gpu-engine-device.sh), written
directly in Q4_K on a machine without llama-quantize: Voxtral Mini's decoder shape and random Q4_K blocks as
bench/gpu-model.py writes them (its layout and writer), and everything else -- the Tekken tokenizer, its special
tokens, which output rows are zero -- taken from a small fixture that fixtures/voxtral.ts wrote with the real
vocabulary (bench/gpu-engine.ts --fixtures), so the engine builds its prompts exactly as with the F16 fixture
quantized by llama-quantize.

Differences from `fixtures/voxtral.ts` + `llama-quantize Q4_K_M`: Q4_K for every matrix (the published Q4_K_M mixes
in Q6_K for a few: 2.3 GB here vs 2.47 GB) and random codes instead of quantized uniform noise. Speed does not
depend on the weights' values.

usage: gpu-engine-model.py LLAMA_CPP_DIR VOCAB_FIXTURE.gguf OUT.gguf [--layers N]
"""
import importlib.util
import os
import sys

import numpy as np


def main() -> None:
    src, vocab_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    n_layer = int(sys.argv[sys.argv.index('--layers') + 1]) if '--layers' in sys.argv else 30
    sys.path.insert(0, f'{src}/gguf-py')
    import gguf  # noqa: E402

    spec = importlib.util.spec_from_file_location('gpu_model', os.path.join(os.path.dirname(__file__), 'gpu-model.py'))
    gm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gm)

    dims = {
        'llama.block_count': n_layer,
        'llama.embedding_length': gm.N_EMBD,
        'llama.feed_forward_length': gm.N_FF,
        'llama.attention.head_count': gm.N_HEAD,
        'llama.attention.head_count_kv': gm.N_HEAD_KV,
        'llama.attention.key_length': gm.HEAD_DIM,
        'llama.attention.value_length': gm.HEAD_DIM,
        'llama.rope.dimension_count': gm.HEAD_DIM,
        'general.file_type': int(gguf.LlamaFileType.MOSTLY_Q4_K_M),
    }
    fixture = gguf.GGUFReader(vocab_path)
    n_vocab = int(fixture.fields['llama.vocab_size'].contents())
    if n_vocab != gm.N_VOCAB:
        raise SystemExit(f'{vocab_path}: vocabulary {n_vocab}, the real one has {gm.N_VOCAB}')
    w = gguf.GGUFWriter(out, 'llama')
    for name, field in fixture.fields.items():
        if name.startswith('GGUF.') or name == 'general.architecture':
            continue
        vtype = field.types[0]
        if name in dims:
            w.add_key_value(name, dims[name], gguf.GGUFValueType.UINT32)
        elif vtype == gguf.GGUFValueType.ARRAY:
            w.add_key_value(name, field.contents(), vtype, sub_type=field.types[-1])
        else:
            w.add_key_value(name, field.contents(), vtype)

    # the fixture zeroes the output rows of control tokens and non-printable bytes (greedy decoding stays printable
    # and never stops on </s>): the same rows are zero here
    out_w = next(t for t in fixture.tensors if t.name == 'output.weight')
    masked = np.flatnonzero(~np.asarray(out_w.data).reshape(n_vocab, -1).any(axis=1))
    gm.write_weights(w, gguf, n_layer, seed=19, zero_output_rows=masked)
    print(f'{out}: {n_layer} layers, vocab {n_vocab}, {len(masked)} output rows zero')


if __name__ == '__main__':
    main()
