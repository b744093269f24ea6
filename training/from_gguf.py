"""The committed fixture back into an HF checkpoint that `train.py --init` starts from (stage 3).

    python3 training/from_gguf.py --llama <converter dir> --text <text gguf> --mmproj <mmproj gguf> --out <hf dir>

Stage 2's bf16 checkpoint was not kept, only its Q8_0 export; dequantized, that export is the stage-2 model to within
Q8_0's rounding (~0.4 % of each block's scale), which a further training stage absorbs. The converter's renames are
undone here, and so is the one change of values it makes: llama's rotary permutation of the decoder's q/k rows.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

# decoder: GGUF block tensor -> HF module path under language_model.model.layers.N
TEXT_BLOCK = {
    "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
}
TEXT_TOP = {"token_embd": "language_model.model.embed_tokens", "output_norm": "language_model.model.norm",
            "output": "language_model.lm_head"}
# encoder: GGUF block tensor -> HF module path under audio_tower.layers.N
AUDIO_BLOCK = {
    "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_out": "self_attn.out_proj", "ln1": "self_attn_layer_norm", "ln2": "final_layer_norm",
    "ffn_up": "fc1", "ffn_down": "fc2",
}
AUDIO_TOP = {"a.conv1d.1": "audio_tower.conv1", "a.conv1d.2": "audio_tower.conv2",
             "a.position_embd": "audio_tower.embed_positions", "a.post_ln": "audio_tower.layer_norm",
             "mm.a.mlp.1": "multi_modal_projector.linear_1", "mm.a.mlp.2": "multi_modal_projector.linear_2"}


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Inverse of the converter's LlamaModel.permute (rows of each head: halves interleaved -> halves)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def hf_name(gguf_name: str) -> str:
    base, _, kind = gguf_name.rpartition(".")
    if base in TEXT_TOP:
        return f"{TEXT_TOP[base]}.{kind}"
    if base in AUDIO_TOP:
        return f"{AUDIO_TOP[base]}.{kind}"
    parts = base.split(".")
    if parts[0] == "blk":
        return f"language_model.model.layers.{parts[1]}.{TEXT_BLOCK[parts[2]]}.{kind}"
    if parts[:2] == ["a", "blk"]:
        return f"audio_tower.layers.{parts[2]}.{AUDIO_BLOCK[parts[3]]}.{kind}"
    raise KeyError(f"no HF name for {gguf_name}")


def read(llama_dir: str, text: str, mmproj: str) -> dict[str, np.ndarray]:
    sys.path.insert(0, os.path.join(llama_dir, "gguf-py"))
    from gguf import GGUFReader
    from gguf.quants import dequantize

    out: dict[str, np.ndarray] = {}
    for path in (text, mmproj):
        reader = GGUFReader(path)
        fields = {f.name: f for f in reader.fields.values()}
        heads = kv_heads = None
        if "llama.attention.head_count" in fields:
            heads = int(fields["llama.attention.head_count"].contents())
            kv_heads = int(fields["llama.attention.head_count_kv"].contents())
        for t in reader.tensors:
            w = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
            w = w.reshape([int(d) for d in reversed(t.shape)])
            name = hf_name(t.name)
            if t.name.startswith("blk.") and t.name.endswith("attn_q.weight"):
                w = unpermute(w, heads)
            elif t.name.startswith("blk.") and t.name.endswith("attn_k.weight"):
                w = unpermute(w, kv_heads)
            elif t.name.startswith("a.conv1d.") and t.name.endswith(".bias"):
                w = w.reshape(-1)  # the converter stored conv biases as [C, 1]
            out[name] = np.ascontiguousarray(w)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--mmproj", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import torch
    from safetensors.torch import save_file

    state = read(args.llama, args.text, args.mmproj)
    os.makedirs(args.out, exist_ok=True)
    save_file({k: torch.from_numpy(v) for k, v in state.items()}, os.path.join(args.out, "model.safetensors"))
    print(f"from_gguf: {len(state)} tensors -> {args.out}/model.safetensors", flush=True)


if __name__ == "__main__":
    main()
