/**
 * Reference mode against HF transformers' VoxtralForConditionalGeneration: the goldens in fixtures/reference were
 * made by running transformers on the same synthetic fixtures and speech (regenerated here byte-identically).
 * Next-token logits after the prompt must agree within float tolerance, and the 16 greedy tokens must be the same.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_CASES } from '../../../fixtures/reference/cases';
import {
  compareLogits,
  loadGolden,
  materializeGoldenInputs,
  type GoldenCaseId,
} from '../../../fixtures/reference/golden';
import { loadVoxtral } from './voxtral';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-reference-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reference audio rate reproduces HF transformers', () => {
  for (const c of REFERENCE_CASES) {
    it(`${c.id}: logits and greedy tokens match the golden`, async () => {
      const golden = await loadGolden(c.id as GoldenCaseId);
      const inputs = await materializeGoldenInputs(golden, join(dir, c.id));
      const model = await loadVoxtral({
        modelPath: inputs.modelPath,
        mmprojPath: inputs.mmprojPath,
        audioTokenRate: 'reference',
        threads: 2,
      });
      try {
        const ctx = await model.createContext({ contextSize: 1024, threads: 2 });
        for (const [promptId, language] of [
          ['transcribe', undefined],
          ['transcribe_lang_en', 'en'],
        ] as const) {
          const ref = golden.prompts[promptId];
          const ours = await ctx.evaluateLogits(inputs.pcm, {
            ...(language ? { language } : {}),
            steps: ref.greedy.length,
          });
          expect(ours.audioTokens).toBe(golden.n_audio_tokens);
          expect(ours.promptTokens).toBe(ref.n_prompt);
          const cmp = compareLogits(ref.logits, ours.rows[0]!);
          console.log(
            `${c.id} ${promptId}: max |Δlogit| ${cmp.maxAbsDiff.toExponential(2)} (${cmp.relToStd.toExponential(2)} σ), top-5 overlap ${cmp.top5Overlap}`,
          );
          expect(cmp.argmaxActual).toBe(cmp.argmaxReference);
          expect(cmp.top5Overlap).toBeGreaterThanOrEqual(4);
          expect(cmp.relToStd).toBeLessThan(c.fixture.weightType === 'F32' ? 0.02 : 0.05);
          expect([...ours.tokens]).toEqual(ref.greedy);
          expect(model.detokenize(ours.tokens)).toBe(ref.greedy_text);
        }
      } finally {
        model.dispose();
      }
    });
  }
});
