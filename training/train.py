"""Train the small Voxtral end to end: data, tokenizer, model, training, HF checkpoint, GGUF export, held-out WER.

    python3 training/train.py --fortunes <dir> --llama <converter dir> --out <dir> [--steps 3600] [--smoke]

Everything is seeded (--seed). Without torch (the CPU machines) it stops after the data and tokenizer, which is how
the recipe is dry-run. See training/README.md for the recipe and the figures of the committed run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpe  # noqa: E402
import dataset  # noqa: E402
import speech  # noqa: E402
import textdata  # noqa: E402
from wer import word_errors  # noqa: E402

CHUNK = 30 * speech.SAMPLE_RATE  # samples per encoder chunk
AUDIO_TOKENS_PER_CHUNK = 375
CTC_CHARS = " abcdefghijklmnopqrstuvwxyz'"  # blank is 0, these are 1..28

# Model dimensions: head_dim 128 and 4 KV heads so the RotorQuant blocks are real heads; sized so the Q8_0 text
# GGUF plus the Q8_0 mmproj stay under 20 MB.
TEXT = dict(vocab=2048, specials=64, hidden=384, ffn=1024, layers=4, heads=8, kv_heads=4, head_dim=128)
AUDIO = dict(hidden=256, layers=4, heads=4)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def prompt_ids(tok: bpe.Tokenizer, chunks: int) -> list[int]:
    """<s>[INST][BEGIN_AUDIO][AUDIO]x375n[/INST]lang:en[TRANSCRIBE], exactly as the runtime's prompt tokenizes."""
    return (
        [bpe.BOS, bpe.INST, bpe.BEGIN_AUDIO]
        + [bpe.AUDIO] * (AUDIO_TOKENS_PER_CHUNK * chunks)
        + [bpe.INST_END]
        + tok.encode("lang:en")
        + [bpe.TRANSCRIBE]
    )


def build_model(torch, tok: bpe.Tokenizer):
    from transformers import VoxtralConfig, VoxtralForConditionalGeneration

    theta = 1e8
    text_cfg = dict(
        model_type="llama", vocab_size=TEXT["vocab"], hidden_size=TEXT["hidden"], intermediate_size=TEXT["ffn"],
        num_hidden_layers=TEXT["layers"], num_attention_heads=TEXT["heads"], num_key_value_heads=TEXT["kv_heads"],
        head_dim=TEXT["head_dim"], rms_norm_eps=1e-5, max_position_embeddings=131072, rope_theta=theta,
        rope_parameters={"rope_type": "default", "rope_theta": theta}, tie_word_embeddings=False, hidden_act="silu",
        attention_bias=False, mlp_bias=False, bos_token_id=bpe.BOS, eos_token_id=bpe.EOS, pad_token_id=bpe.PAD,
    )
    audio_cfg = dict(
        model_type="voxtral_encoder", hidden_size=AUDIO["hidden"], intermediate_size=4 * AUDIO["hidden"],
        num_hidden_layers=AUDIO["layers"], num_attention_heads=AUDIO["heads"], num_mel_bins=128,
        max_source_positions=1500, scale_embedding=False, activation_function="gelu",
    )
    cfg = VoxtralConfig(audio_config=audio_cfg, text_config=text_cfg, audio_token_id=bpe.AUDIO,
                        projector_hidden_act="gelu")
    return VoxtralForConditionalGeneration(cfg)


def find_module(model, suffix: str):
    hits = [m for n, m in model.named_modules() if n == suffix or n.endswith("." + suffix)]
    if not hits:
        raise RuntimeError(f"no module {suffix}")
    return hits[0]


class Parts:
    """The pieces of VoxtralForConditionalGeneration we call directly (their paths moved across versions)."""

    def __init__(self, model):
        self.tower = find_module(model, "audio_tower")
        self.projector = find_module(model, "multi_modal_projector")
        lm = find_module(model, "language_model")
        if hasattr(lm, "lm_head") and hasattr(lm, "model"):
            self.backbone, self.head = lm.model, lm.lm_head
        else:
            self.backbone, self.head = lm, find_module(model, "lm_head")
        self.embed = model.get_input_embeddings()
        self.inter = model.config.audio_config.intermediate_size


class Mel:
    """Whisper's 128-bin log-mel (WhisperFeatureExtractor's torch path), with the max taken over the whole input as
    llama.cpp's mtmd does for audio longer than one chunk (identical to HF for a single chunk)."""

    def __init__(self, torch, device):
        from transformers import WhisperFeatureExtractor

        fe = WhisperFeatureExtractor(feature_size=128, sampling_rate=16000, hop_length=160, chunk_length=30,
                                     n_fft=400)
        self.fe = fe
        self.torch = torch
        self.filters = torch.from_numpy(np.asarray(fe.mel_filters)).to(device, torch.float32)
        self.window = torch.hann_window(400, device=device)

    def __call__(self, audio):  # [B, chunks*CHUNK] float32 -> [B*chunks, 128, 3000]
        torch = self.torch
        b, n = audio.shape
        stft = torch.stft(audio, 400, 160, window=self.window, return_complex=True)
        mag = stft[..., :-1].abs() ** 2
        mel = self.filters.T @ mag
        logs = torch.clamp(mel, min=1e-10).log10()
        peak = logs.amax(dim=(1, 2), keepdim=True)
        logs = (torch.maximum(logs, peak - 8.0) + 4.0) / 4.0
        c = n // CHUNK
        return logs.reshape(b, 128, c, 3000).permute(0, 2, 1, 3).reshape(b * c, 128, 3000)


def ctc_targets(text: str) -> list[int]:
    return [CTC_CHARS.index(ch) + 1 for ch in text if ch in CTC_CHARS]


class Batcher:
    """Training batches built on the GPU from the synthesized utterances (int16, one flat tensor)."""

    def __init__(self, torch, device, audio: list[np.ndarray], texts: list[str], tok, seed: int, chunk_budget: int,
                 pack: float = 0.0):
        self.torch = torch
        self.device = device
        self.lengths = np.array([len(a) for a in audio])
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        self.flat = torch.from_numpy(np.concatenate(audio)).to(device)
        self.texts = texts
        self.token_ids = [tok.encode(t) for t in texts]
        self.tok = tok
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(seed)
        self.chunk_budget = chunk_budget
        self.fits_one = np.flatnonzero(self.lengths <= CHUNK - speech.SAMPLE_RATE // 2)
        self.short_idx = np.arange(0)
        self.pack = pack  # share of one-chunk samples packed with utterances of several voices, as in a meeting

    def _layout(self, chunks: int, short: bool = False) -> list[tuple[int, int]]:
        """(utterance, start sample) pairs filling `chunks` chunks."""
        rng = self.rng
        total = chunks * CHUNK
        if short:
            u = int(rng.choice(self.short_idx))
            return [(u, int(rng.integers(0, total - self.lengths[u])))]
        if chunks == 1 and not (self.pack > 0 and rng.random() < self.pack):
            u = int(rng.choice(self.fits_one))
            room = total - self.lengths[u]
            start = int(rng.integers(0, max(1, int(room * rng.uniform(0.0, 0.6)))))
            placed = [(u, start)]
            end = start + self.lengths[u]
            # sometimes a second utterance after a pause, if it fits
            if rng.random() < 0.3:
                v = int(rng.choice(self.fits_one))
                gap = int(rng.uniform(0.2, 2.0) * speech.SAMPLE_RATE)
                if end + gap + self.lengths[v] <= total:
                    placed.append((v, end + gap))
            return placed
        placed = []
        pos = int(rng.uniform(0, 1.5) * speech.SAMPLE_RATE)
        # a packed single chunk is filled to at least 15 s; longer windows run into their last chunk
        lower = (chunks - 1) * CHUNK + (5 if chunks > 1 else 15) * speech.SAMPLE_RATE
        for _ in range(200):
            u = int(rng.integers(len(self.lengths)))
            if pos + self.lengths[u] > total:
                if pos >= lower:
                    break
                continue
            placed.append((u, pos))
            pos += self.lengths[u] + int(rng.uniform(0.1, 3.0) * speech.SAMPLE_RATE)
        return placed

    def batch(self, chunks: int, short: bool = False):
        torch = self.torch
        b = max(1, self.chunk_budget // chunks)
        audio = torch.zeros(b, chunks * CHUNK, device=self.device)
        prefix = prompt_ids(self.tok, chunks)
        seqs, ctc, texts = [], [], []
        for i in range(b):
            placed = self._layout(chunks, short)
            ids: list[int] = []
            words: list[str] = []
            end = 0
            gain = float(self.rng.uniform(0.25, 1.0))
            for u, start in placed:
                o, n = int(self.offsets[u]), int(self.lengths[u])
                audio[i, start:start + n] = self.flat[o:o + n].float() * (gain / 32768.0)
                ids += self._join(ids, u)
                words.append(self.texts[u])
                end = max(end, start + n)
            if self.rng.random() < 0.7:
                snr = float(self.rng.uniform(12, 40))
                rms = audio[i, :end].pow(2).mean().sqrt().clamp(min=1e-4)
                tail = min(chunks * CHUNK, end + int(self.rng.uniform(0, 10) * speech.SAMPLE_RATE))
                noise = torch.randn(tail, device=self.device, generator=self.gen)
                audio[i, :tail] += noise * (rms * 10 ** (-snr / 20))
            text = " ".join(words)
            seqs.append(prefix + ids + [bpe.EOS])
            ctc.append(ctc_targets(text))
            texts.append(text)
        return audio, seqs, len(prefix), ctc, texts

    def _join(self, ids_so_far: list[int], u: int) -> list[int]:
        # a following utterance starts with a space, tokenized as the runtime would tokenize the joined text
        return self.token_ids[u] if not ids_so_far else self.tok.encode(" " + self.texts[u])


def autocast(torch, device):
    # bf16 on the GPU; the CPU smoke test runs in float32
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def forward(torch, parts: Parts, mel, audio, seqs, prefix_len, ctc_head=None, ctc=None):
    """Loss over the target tokens (and the encoder's CTC loss when a head is given)."""
    device = audio.device
    feats = mel(audio)
    with autocast(torch, device):
        hidden = parts.tower(feats).last_hidden_state  # [N, 1500, E]
        audio_embeds = parts.projector(hidden.reshape(-1, parts.inter))
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), bpe.PAD, dtype=torch.long)
        labels = torch.full((len(seqs), width), -100, dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            labels[i, prefix_len - 1: len(s) - 1] = torch.tensor(s[prefix_len:])
        ids, labels = ids.to(device), labels.to(device)
        x = parts.embed(ids)
        mask = (ids == bpe.AUDIO).unsqueeze(-1)
        x = x.masked_scatter(mask, audio_embeds.to(x.dtype))
        h = parts.backbone(inputs_embeds=x).last_hidden_state
        sel = labels != -100
        logits = parts.head(h[sel]).float()
        loss = torch.nn.functional.cross_entropy(logits, labels[sel])
    ctc_loss = None
    if ctc_head is not None:
        b = len(seqs)
        frames = hidden.reshape(b, -1, hidden.shape[-1])
        lp = ctc_head(frames.float()).log_softmax(-1).transpose(0, 1)  # [T, B, C]
        tgt = torch.tensor([c for t in ctc for c in t], dtype=torch.long, device=device)
        tlen = torch.tensor([len(t) for t in ctc], dtype=torch.long, device=device)
        ilen = torch.full((b,), frames.shape[1], dtype=torch.long, device=device)
        ctc_loss = torch.nn.functional.ctc_loss(lp, tgt, ilen, tlen, zero_infinity=True)
    return loss, ctc_loss


def greedy(torch, parts: Parts, mel, tok, audio_batch, chunks: int, max_new: int) -> list[str]:
    """Batched greedy decoding without a cache (all samples have the same prompt length)."""
    prefix = prompt_ids(tok, chunks)
    b = audio_batch.shape[0]
    with torch.no_grad(), autocast(torch, audio_batch.device):
        hidden = parts.tower(mel(audio_batch)).last_hidden_state
        audio_embeds = parts.projector(hidden.reshape(-1, parts.inter))
        ids = torch.tensor([prefix] * b, device=audio_batch.device)
        x = parts.embed(ids)
        x = x.masked_scatter((ids == bpe.AUDIO).unsqueeze(-1), audio_embeds.to(x.dtype))
        out = [[] for _ in range(b)]
        done = torch.zeros(b, dtype=torch.bool, device=audio_batch.device)
        for _ in range(max_new):
            h = parts.backbone(inputs_embeds=x).last_hidden_state[:, -1]
            nxt = parts.head(h).float().argmax(-1)
            for i in range(b):
                if not done[i] and int(nxt[i]) != bpe.EOS:
                    out[i].append(int(nxt[i]))
            done |= nxt == bpe.EOS
            if bool(done.all()):
                break
            x = torch.cat([x, parts.embed(nxt).unsqueeze(1)], dim=1)
    return [tok.decode(o) for o in out]


def evaluate(torch, parts, mel, tok, held_audio, held, device) -> dict:
    by_chunks: dict[int, list[int]] = {}
    for i, a in enumerate(held_audio):
        by_chunks.setdefault(max(1, math.ceil(len(a) / CHUNK)), []).append(i)
    errors = words = 0
    rows = []
    for chunks, idx in sorted(by_chunks.items()):
        for s in range(0, len(idx), 16):
            part = idx[s:s + 16]
            batch = torch.zeros(len(part), chunks * CHUNK, device=device)
            for j, i in enumerate(part):
                a = torch.from_numpy(held_audio[i].astype(np.float32) / 32768.0)
                batch[j, : len(a)] = a.to(device)
            hyps = greedy(torch, parts, mel, tok, batch, chunks, max_new=160 * chunks)
            for i, hyp in zip(part, hyps):
                e, n = word_errors(held[i]["text"], hyp)
                errors += e
                words += n
                rows.append({"id": held[i]["id"], "errors": e, "words": n, "hyp": hyp})
    return {"wer": errors / max(1, words), "errors": errors, "words": words, "rows": rows}


def normalize_keys(state: dict) -> dict:
    """The classic Voxtral checkpoint layout (audio_tower.*, multi_modal_projector.*, language_model.model.*,
    language_model.lm_head.*) whatever layout this transformers version saves."""
    out = {}
    for k, v in state.items():
        n = k
        if n.startswith("model."):
            n = n[len("model."):]
        if n.startswith("language_model.") and not n.startswith(("language_model.model.", "language_model.lm_head")):
            n = "language_model.model." + n[len("language_model."):]
        if n == "lm_head.weight":
            n = "language_model.lm_head.weight"
        out[n] = v.detach().to("cpu").contiguous()
    return out


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortunes", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--llama", help="folder with convert_hf_to_gguf.py, conversion/ and gguf-py/")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--steps", type=int, default=3600)
    ap.add_argument("--minutes", type=float, default=7.0)
    ap.add_argument("--utterances", type=int, default=32000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 4)
    ap.add_argument("--chunk-budget", type=int, default=48, help="30 s chunks per batch")
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--smoke", action="store_true", help="toy scale: a few steps, to check the whole path")
    ap.add_argument("--resume", help="checkpoint .pt to continue from")
    ap.add_argument("--init", help="HF folder (this script's export) whose weights start the training")
    ap.add_argument("--short-utterances", type=int, default=0, help="extra utterances of 1-6 words")
    ap.add_argument("--short-steps", type=int, default=0, help="first steps on short utterances only")
    # stage 3's knobs; their defaults are stages 1 and 2's recipe (same random streams, same batches)
    ap.add_argument("--data-seed", type=int, help="seed of utterance plans and batches (default --seed)")
    ap.add_argument("--real-fraction", type=float, default=0.3, help="share of real sentences (the rest chain text)")
    ap.add_argument("--pack", type=float, default=0.0, help="share of one-chunk samples packed with utterances")
    ap.add_argument("--chunk-choices", default="1,1,1,1,1,1,1,2,3,4", help="chunks per batch, drawn uniformly")
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--ctc-weight", type=float, default=0.3)
    ap.add_argument("--time-schedule", action="store_true",
                    help="the cosine follows max(step, elapsed time) so the lr reaches its floor by --minutes")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    data_seed = args.seed if args.data_seed is None else args.data_seed
    rng = np.random.default_rng(data_seed)

    train_s, held_s = textdata.split(args.fortunes)
    train_s = dataset.frequent_only(train_s, 2)
    held_s = dataset.filter_known(held_s, train_s)
    log(f"sentences: train {len(train_s)}, held-out {len(held_s)} "
        f"(vocabulary {len({w for s in train_s for w in s.split()})} words)")

    tok = bpe.build(train_s, TEXT["vocab"], TEXT["specials"])
    log(f"tokenizer: {len(tok.tokens)} tokens, {len(tok.merges)} merges, lang:en -> {tok.encode('lang:en')}")

    n_utt = 200 if args.smoke else args.utterances
    chain = dataset.WordChain(train_s)
    plans = dataset.plan_utterances(train_s, n_utt, rng, speech.train_recipe, max_chars=380, chain=chain,
                                    avoid=frozenset(held_s), real_fraction=args.real_fraction)
    n_short, n_long = (6, 2) if args.smoke else (48, 6)
    short_rng = np.random.default_rng(data_seed + 2)
    n_short_utt = 0 if args.smoke else args.short_utterances
    short_plans = [{"text": t, "text_sentences": [t], **speech.train_recipe(short_rng)}
                   for t in (chain.short(short_rng, avoid=frozenset(held_s)) for _ in range(n_short_utt))]
    plans = plans + short_plans
    held = dataset.held_out_set(held_s, np.random.default_rng(args.seed + 1), n_short=n_short, n_long=n_long)
    dataset.write_manifest(os.path.join(args.out, "heldout.json"), held)
    t0 = time.time()
    audio = dataset.synthesize_all(plans, args.workers)
    held_audio = dataset.synthesize_all(held, args.workers)
    secs = sum(len(a) for a in audio) / speech.SAMPLE_RATE
    log(f"speech: {len(audio)} training utterances, {secs / 3600:.2f} h "
        f"(max {max(len(a) for a in audio) / speech.SAMPLE_RATE:.1f} s); held-out {len(held_audio)} "
        f"({sum(len(a) for a in held_audio) / speech.SAMPLE_RATE / 60:.1f} min) in {time.time() - t0:.0f} s")

    try:
        import torch
    except ImportError:
        log("no torch here: data and tokenizer only (dry run)")
        return

    torch.manual_seed(args.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    log(f"device: {gpu}, torch {torch.__version__}")
    hf_dir = os.path.join(args.out, "hf")
    os.makedirs(hf_dir, exist_ok=True)
    tok.write_hf(hf_dir)

    model = build_model(torch, tok).to(device)
    parts = Parts(model)
    ctc_head = torch.nn.Linear(AUDIO["hidden"], len(CTC_CHARS) + 1).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params / 1e6:.2f} M parameters "
        f"(audio {sum(p.numel() for p in parts.tower.parameters()) / 1e6:.2f} M)")
    mel = Mel(torch, device)
    params = list(model.parameters()) + list(ctc_head.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-8)
    step0 = 0
    if args.resume and os.path.exists(args.resume):
        ck = torch.load(args.resume, map_location=device)
        model.load_state_dict(ck["model"])
        ctc_head.load_state_dict(ck["ctc"])
        opt.load_state_dict(ck["opt"])
        step0 = ck["step"]
        log(f"resumed at step {step0}")
    if args.init:
        from safetensors.torch import load_file

        saved = load_file(os.path.join(args.init, "model.safetensors"))
        pairs = list(zip(model.state_dict(), normalize_keys(model.state_dict())))
        missing = [c for _, c in pairs if c not in saved]
        if missing:
            raise RuntimeError(f"--init lacks {missing[:5]}")
        model.load_state_dict({k: saved[c].float() for k, c in pairs}, strict=True)
        log(f"initialized from {args.init} ({len(saved)} tensors)")
    batcher = Batcher(torch, device, audio, [p["text"] for p in plans], tok, data_seed + step0, args.chunk_budget,
                      args.pack)
    batcher.short_idx = np.arange(len(plans) - len(short_plans), len(plans))
    # a fixed number of steps keeps the run reproducible; --minutes is only a safety stop for the device's limit
    total_steps = 20 if args.smoke else args.steps
    budget = args.minutes * 60
    warm = args.warmup
    model.train()
    step = step0
    t_train = time.time()
    ema = None
    chunk_choices = np.array([int(c) for c in args.chunk_choices.split(",")])
    while step < total_steps:
        if time.time() - t_train > budget:
            log(f"safety stop at step {step} ({args.minutes} min)")
            break
        progress = min(1.0, step / max(1, total_steps))
        if args.time_schedule:
            progress = max(progress, min(1.0, (time.time() - t_train) / budget))
        lr = args.lr * min(1.0, (step + 1) / warm) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        # curriculum: a few words per window first, so the decoder finds the audio before it learns to read on
        short = len(batcher.short_idx) > 0 and (step < args.short_steps or batcher.rng.random() < 0.15)
        chunks = 1 if short else int(chunk_choices[batcher.rng.integers(len(chunk_choices))])
        audio_b, seqs, plen, ctc, _ = batcher.batch(chunks, short)
        loss, ctc_loss = forward(torch, parts, mel, audio_b, seqs, plen, ctc_head, ctc)
        total = loss + args.ctc_weight * ctc_loss
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        lv = loss.item()
        ema = lv if ema is None else 0.98 * ema + 0.02 * lv
        if step % 100 == 0 or args.smoke or (args.init and step - step0 <= 50 and step % 10 == 0):
            log(f"step {step} chunks {chunks} loss {float(loss):.4f} (ema {ema:.4f}) ctc {float(ctc_loss):.3f} "
                f"lr {lr:.2e} {time.time() - t_train:.0f} s")
    train_minutes = (time.time() - t_train) / 60
    log(f"trained {step - step0} steps in {train_minutes:.2f} min; final loss ema {ema:.4f}")
    torch.save({"model": model.state_dict(), "ctc": ctc_head.state_dict(), "opt": opt.state_dict(), "step": step},
               os.path.join(args.out, "checkpoint.pt"))

    model.eval()
    result = evaluate(torch, parts, mel, tok, held_audio, held, device)
    short = [r for r in result["rows"] if r["id"].startswith("short")]
    short_wer = sum(r["errors"] for r in short) / max(1, sum(r["words"] for r in short))
    log(f"held-out WER (HF, bf16): {100 * result['wer']:.2f} % overall, {100 * short_wer:.2f} % on single-chunk "
        f"({result['errors']}/{result['words']} words)")
    for r in result["rows"][:6]:
        log(f"  {r['id']}: {r['errors']}/{r['words']} | {r['hyp'][:150]}")

    # HF checkpoint in the classic layout, bf16, for the converter (and small enough to bring back)
    from safetensors.torch import save_file

    model.config.architectures = ["VoxtralForConditionalGeneration"]
    model.config.save_pretrained(hf_dir)
    mel.fe.save_pretrained(hf_dir)
    state = {k: v.to(torch.bfloat16) for k, v in normalize_keys(model.state_dict()).items()}
    save_file(state, os.path.join(hf_dir, "model.safetensors"), metadata={"format": "pt"})
    summary = {
        "gpu": gpu, "torch": torch.__version__, "seed": args.seed, "steps": step,
        "train_minutes": round(train_minutes, 2), "final_loss_ema": round(ema, 4),
        "heldout_wer_hf": round(result["wer"], 4), "heldout_wer_hf_single_chunk": round(short_wer, 4),
        "parameters": n_params, "train_hours_of_speech": round(secs / 3600, 2),
        "total_minutes": round((time.time() - t_start) / 60, 2),
        "heldout_rows": result["rows"],
    }
    if args.llama:
        import convert

        files = convert.export(args.llama, hf_dir, args.out)
        summary["files"] = {os.path.basename(f): {"bytes": os.path.getsize(f), "sha256": sha256(f)} for f in files}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(json.dumps(summary))


if __name__ == "__main__":
    main()
