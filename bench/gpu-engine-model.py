#!/usr/bin/env python3
"""The real-dimension synthetic Voxtral text model for the GPU engine bench (bench/gpu-engine-device.sh), written
directly in Q4_K on a machine without llama-quantize: Voxtral Mini's decoder shape (30 layers, 3072 wide, FFN 8192,
32 query / 8 KV heads of head_dim 128) with random Q4_K blocks as in bench/gpu-model.py, and everything else --
the Tekken tokenizer, its special tokens, which output rows are zero -- taken from a small fixture that
fixtures/voxtral.ts wrote with the real vocabulary (bench/gpu-engine.ts --fixtures), so the engine builds its
prompts exactly as it does with the F16 fixture quantized by llama-quantize.

Differences from `fixtures/voxtral.ts` + `llama-quantize Q4_K_M`: Q4_K for every matrix (the published Q4_K_M mixes
in Q6_K for a few: 2.3 GB here vs 2.47 GB) and random codes instead of quantized uniform noise. Speed does not
depend on the weights' values.

usage: gpu-engine-model.py LLAMA_CPP_DIR VOCAB_FIXTURE.gguf OUT.gguf [--layers N]
"""
import sys

import numpy as np


def main() -> None:
    src, vocab_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    n_layer = int(sys.argv[sys.argv.index('--layers') + 1]) if '--layers' in sys.argv else 30
    sys.path.insert(0, f'{src}/gguf-py')
    import gguf  # noqa: E402

    n_embd, n_ff, n_head, n_head_kv, head_dim = 3072, 8192, 32, 8, 128
    QK_K, Q4_K_BYTES = 256, 144
    dims = {
        'llama.block_count': n_layer,
        'llama.embedding_length': n_embd,
        'llama.feed_forward_length': n_ff,
        'llama.attention.head_count': n_head,
        'llama.attention.head_count_kv': n_head_kv,
        'llama.attention.key_length': head_dim,
        'llama.attention.value_length': head_dim,
        'llama.rope.dimension_count': head_dim,
        'general.file_type': int(gguf.LlamaFileType.MOSTLY_Q4_K_M),
    }

    src_model = gguf.GGUFReader(vocab_path)
    w = gguf.GGUFWriter(out, 'llama')
    for name, field in src_model.fields.items():
        if name.startswith('GGUF.') or name == 'general.architecture':
            continue
        vtype = field.types[0]
        if name in dims:
            w.add_key_value(name, dims[name], gguf.GGUFValueType.UINT32)
        elif vtype == gguf.GGUFValueType.ARRAY:
            w.add_key_value(name, field.contents(), vtype, sub_type=field.types[-1])
        else:
            w.add_key_value(name, field.contents(), vtype)
    n_vocab = int(src_model.fields['llama.vocab_size'].contents())

    # the fixture zeroes the output rows of control tokens and non-printable bytes (greedy decoding stays printable
    # and never stops on </s>): the same rows are zero here
    out_w = next(t for t in src_model.tensors if t.name == 'output.weight')
    rows = np.asarray(out_w.data).reshape(n_vocab, -1)
    masked = np.flatnonzero(~rows.any(axis=1))

    mats = [('token_embd.weight', n_embd, n_vocab), ('output.weight', n_embd, n_vocab)]
    norms = ['output_norm.weight']
    for il in range(n_layer):
        b = f'blk.{il}.'
        norms += [b + 'attn_norm.weight', b + 'ffn_norm.weight']
        mats += [(b + 'attn_q.weight', n_embd, n_head * head_dim), (b + 'attn_k.weight', n_embd, n_head_kv * head_dim),
                 (b + 'attn_v.weight', n_embd, n_head_kv * head_dim), (b + 'attn_output.weight', n_head * head_dim, n_embd),
                 (b + 'ffn_gate.weight', n_embd, n_ff), (b + 'ffn_up.weight', n_embd, n_ff),
                 (b + 'ffn_down.weight', n_ff, n_embd)]
    for name in norms:
        w.add_tensor_info(name, (n_embd,), np.dtype(np.float32), n_embd * 4)
    for name, ne0, ne1 in mats:
        row_bytes = ne0 // QK_K * Q4_K_BYTES
        w.add_tensor_info(name, (ne1, row_bytes), np.dtype(np.uint8), ne1 * row_bytes,
                          raw_dtype=gguf.GGMLQuantizationType.Q4_K)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()

    rng = np.random.default_rng(19)
    norm = (1.0 + 0.05 * rng.standard_normal(n_embd)).astype(np.float32)
    # a pool of random Q4_K blocks: random codes and 6-bit scales, d = 3e-5, dmin = 7.5 d (roughly zero-mean weights)
    pool_blocks = 1 << 16
    pool = rng.integers(0, 256, size=(pool_blocks, Q4_K_BYTES), dtype=np.uint8)
    pool[:, 0:4] = np.array([3e-5, 3e-5 * 7.5], dtype=np.float16).view(np.uint8)
    pool = pool.reshape(-1)
    for name in norms:
        w.write_tensor_data(norm)
    for i, (name, ne0, ne1) in enumerate(mats):
        row_bytes = ne0 // QK_K * Q4_K_BYTES
        nbytes = ne1 * row_bytes
        data = np.roll(np.tile(pool, -(-nbytes // pool.size))[:nbytes], (i * 7919 % pool_blocks) * Q4_K_BYTES)
        if name == 'output.weight':
            data.reshape(ne1, row_bytes)[masked] = 0
        w.write_tensor_data(data)
    w.close()
    print(f'{out}: {n_layer} layers, vocab {n_vocab}, {len(masked)} output rows zero')


if __name__ == '__main__':
    main()
