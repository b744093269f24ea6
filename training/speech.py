"""espeak-ng speech for training and held-out sets: the voice recipe and the synthesis (16 kHz mono float32).

espeak-ng writes 22050 Hz; we resample with a polyphase filter (160/441). The app's tests make the same held-out
utterances with espeak-ng + sox (fixtures/audio.ts), whose resampler differs slightly: the model must not care.
"""

from __future__ import annotations

import io
import os
import subprocess
import wave

import numpy as np

SAMPLE_RATE = 16000
# base voices (accents) and the classic variants; f3 is kept for the held-out set only
TRAIN_VOICES = ["en-us", "en", "en-gb-x-rp", "en-029", "en-gb-scotland"]
TRAIN_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f4", "f5"]
HELD_OUT_VOICE = "en-us+f3"


def espeak_env() -> dict[str, str]:
    """Environment for espeak-ng, taking carried Debian packages from $ESPEAK_ROOT when set (device machine)."""
    env = dict(os.environ)
    root = os.environ.get("ESPEAK_ROOT")
    if root:
        libs = [f"{root}/usr/lib/x86_64-linux-gnu", f"{root}/lib/x86_64-linux-gnu",
                f"{root}/usr/lib/x86_64-linux-gnu/pulseaudio"]
        env["LD_LIBRARY_PATH"] = ":".join(libs + [env.get("LD_LIBRARY_PATH", "")])
        env["ESPEAK_DATA_PATH"] = f"{root}/usr/lib/x86_64-linux-gnu/espeak-ng-data"
    return env


def espeak_binary() -> str:
    root = os.environ.get("ESPEAK_ROOT")
    return f"{root}/usr/bin/espeak-ng" if root else "espeak-ng"


_ENV: dict[str, str] | None = None


def synthesize(text: str, voice: str, wpm: int, pitch: int | None = None, gap: int = 0) -> np.ndarray:
    global _ENV
    if _ENV is None:
        _ENV = espeak_env()
    args = [espeak_binary(), "-v", voice, "-s", str(wpm), "--stdout"]
    if pitch is not None:
        args += ["-p", str(pitch)]
    if gap:
        args += ["-g", str(gap)]
    raw = subprocess.run(args + ["--", text], check=True, capture_output=True, env=_ENV).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        frames = w.readframes(w.getnframes())
    # espeak-ng's --stdout header leaves the length unset; the frames read are all there is
    pcm = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    from scipy.signal import resample_poly

    if rate != SAMPLE_RATE:
        g = np.gcd(rate, SAMPLE_RATE)
        pcm = resample_poly(pcm, SAMPLE_RATE // g, rate // g).astype(np.float32)
    return pcm


def train_recipe(rng: np.random.Generator) -> dict:
    return {
        "voice": f"{TRAIN_VOICES[rng.integers(len(TRAIN_VOICES))]}+{TRAIN_VARIANTS[rng.integers(len(TRAIN_VARIANTS))]}",
        "wpm": int(rng.integers(130, 211)),
        "pitch": int(rng.integers(25, 76)),
        "gap": int(rng.choice([0, 0, 0, 1, 2, 4])),
    }


def held_out_recipe(rng: np.random.Generator) -> dict:
    # pitch left at espeak-ng's default so fixtures/audio.ts (voice + words per minute) can rebuild it exactly
    return {"voice": HELD_OUT_VOICE, "wpm": int(rng.integers(150, 191)), "pitch": None, "gap": 0}
