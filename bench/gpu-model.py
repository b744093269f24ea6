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

N_EMBD, N_FF, N_HEAD, N_HEAD_KV, HEAD_DIM, N_VOCAB = 3072, 8192, 32, 8, 128, 131072
QK_K, Q4_K_BYTES = 256, 144


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    n_layer = int(sys.argv[sys.argv.index('--layers') + 1]) if '--layers' in sys.argv else 30
    sys.path.insert(0, f'{src}/gguf-py')
    import gguf  # noqa: E402

    n_embd, n_ff, n_head, n_head_kv, head_dim, n_vocab = N_EMBD, N_FF, N_HEAD, N_HEAD_KV, HEAD_DIM, N_VOCAB

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

    write_weights(w, gguf, n_layer, seed=23)


def layout(n_layer: int) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Voxtral Mini's decoder tensors: (name, ne0, ne1) of the matrices (ne0 the input width, the row length) and the
    names of the norms."""
    mats = [('token_embd.weight', N_EMBD, N_VOCAB), ('output.weight', N_EMBD, N_VOCAB)]
    norms = ['output_norm.weight']
    for il in range(n_layer):
        b = f'blk.{il}.'
        norms += [b + 'attn_norm.weight', b + 'ffn_norm.weight']
        mats += [(b + 'attn_q.weight', N_EMBD, N_HEAD * HEAD_DIM), (b + 'attn_k.weight', N_EMBD, N_HEAD_KV * HEAD_DIM),
                 (b + 'attn_v.weight', N_EMBD, N_HEAD_KV * HEAD_DIM), (b + 'attn_output.weight', N_HEAD * HEAD_DIM, N_EMBD),
                 (b + 'ffn_gate.weight', N_EMBD, N_FF), (b + 'ffn_up.weight', N_EMBD, N_FF),
                 (b + 'ffn_down.weight', N_FF, N_EMBD)]
    return mats, norms


def write_weights(w, gguf, n_layer: int, seed: int, zero_output_rows=None) -> None:
    """Tensor infos, the header (metadata already added to `w`) and the data: F32 norms near 1, Q4_K matrices of random
    blocks; `zero_output_rows`: output.weight rows written as zero blocks (logit 0)."""
    mats, norms = layout(n_layer)
    for name in norms:
        w.add_tensor_info(name, (N_EMBD,), np.dtype(np.float32), N_EMBD * 4)
    for name, ne0, ne1 in mats:
        row_bytes = ne0 // QK_K * Q4_K_BYTES
        w.add_tensor_info(name, (ne1, row_bytes), np.dtype(np.uint8), ne1 * row_bytes,
                          raw_dtype=gguf.GGMLQuantizationType.Q4_K)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()

    rng = np.random.default_rng(seed)
    norm = (1.0 + 0.05 * rng.standard_normal(N_EMBD)).astype(np.float32)
    # a pool of random Q4_K blocks: random codes and 6-bit scales, d = 3e-5, dmin = 7.5 d (roughly zero-mean weights)
    pool_blocks = 1 << 16
    pool = rng.integers(0, 256, size=(pool_blocks, Q4_K_BYTES), dtype=np.uint8)
    dd = np.array([3e-5, 3e-5 * 7.5], dtype=np.float16).view(np.uint8)
    pool[:, 0:4] = dd
    pool = pool.reshape(-1)
    for name in norms:
        w.write_tensor_data(norm)
    for i, (name, ne0, ne1) in enumerate(mats):
        row_bytes = ne0 // QK_K * Q4_K_BYTES
        nbytes = ne1 * row_bytes
        reps = -(-nbytes // pool.size)
        data = np.roll(np.tile(pool, reps)[:nbytes], (i * 7919 % pool_blocks) * Q4_K_BYTES)
        if name == 'output.weight' and zero_output_rows is not None:
            data.reshape(ne1, row_bytes)[zero_output_rows] = 0
        w.write_tensor_data(data)
    w.close()


if __name__ == '__main__':
    main()
