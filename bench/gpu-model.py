#!/usr/bin/env python3
"""Writes a real-dimension synthetic Voxtral text model (llama architecture, Voxtral Mini's decoder shape: 30 layers,
3072 wide, FFN 8192, 32 query / 8 KV heads of head_dim 128, vocab 131072) with Q4_K weights, for GPU speed benches on a
machine without Node (bench/gpu-device.sh). Uses gguf-py from the llama.cpp tree given as the first argument.

Weights are valid Q4_K blocks with random codes and sub-block scales and a fixed small block scale (std of a weight
~0.02, about 1/sqrt(fan_in)): timing does not depend on the values, but real-valued K/V rows make the RotorQuant
quantizer take its full search (an all-zero model would hit its zero-block shortcut). The tokenizer is a minimal SPM
vocabulary (control tokens, 256 byte tokens, fillers): llama-bench draws random token ids, so it is never used to
split text. Q4_K throughout (the published Q4_K_M mixes in Q6_K for a few tensors: 2.3 GB here vs 2.47 GB).

usage: gpu-model.py LLAMA_CPP_DIR OUT.gguf [--layers N]
"""
import sys

import numpy as np


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    n_layer = int(sys.argv[sys.argv.index('--layers') + 1]) if '--layers' in sys.argv else 30
    sys.path.insert(0, f'{src}/gguf-py')
    import gguf  # noqa: E402

    n_embd, n_ff, n_head, n_head_kv, head_dim, n_vocab = 3072, 8192, 32, 8, 128, 131072
    Q4_K = gguf.GGMLQuantizationType.Q4_K
    QK_K, Q4_K_BYTES = 256, 144

    w = gguf.GGUFWriter(out, 'llama')
    w.add_name('synthetic voxtral text (gpu bench)')
    w.add_context_length(131072)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(1e8)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_K_M)

    tokens = ['<unk>', '<s>', '</s>'] + [f'<0x{b:02X}>' for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
    tokens += [f'\u2581w{i}' for i in range(n_vocab - len(tokens))]
    types += [gguf.TokenType.NORMAL] * (n_vocab - len(types))
    w.add_tokenizer_model('llama')
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    # (name, ne0, ne1): ne0 is the input width (row length), Q4_K rows of ne0/256 blocks
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
        w.add_tensor_info(name, (ne1, row_bytes), np.dtype(np.uint8), ne1 * row_bytes, raw_dtype=Q4_K)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()

    rng = np.random.default_rng(23)
    norm = (1.0 + 0.05 * rng.standard_normal(n_embd)).astype(np.float32)
    # a pool of random Q4_K blocks: random codes and 6-bit scales, d = 3e-5, dmin = 7.5 d (roughly zero-mean weights)
    pool_blocks = 1 << 16
    pool = rng.integers(0, 256, size=(pool_blocks, Q4_K_BYTES), dtype=np.uint8)
    dd = np.array([3e-5, 3e-5 * 7.5], dtype=np.float16).view(np.uint8)
    pool[:, 0:4] = dd
    pool = pool.reshape(-1)
    for name in norms:
        w.write_tensor_data(norm)
    for i, (name, ne0, ne1) in enumerate(mats):
        nbytes = ne1 * (ne0 // QK_K) * Q4_K_BYTES
        reps = -(-nbytes // pool.size)
        data = np.roll(np.tile(pool, reps)[:nbytes], (i * 7919 % pool_blocks) * Q4_K_BYTES)
        w.write_tensor_data(data)
    w.close()


if __name__ == '__main__':
    main()
