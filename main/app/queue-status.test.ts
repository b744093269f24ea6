import { describe, expect, it } from 'vitest';
import { queueStatusOf } from './queue-status';

describe('queueStatusOf', () => {
  it('names the model file a runtime engine transcribes with; the test engine says what it is', () => {
    expect(
      queueStatusOf({ ready: true, engine: 'runtime', model: 'Voxtral-Mini-3B-2507-Q4_K_M.gguf' }),
    ).toEqual({
      ready: true,
      engine: 'Voxtral · Voxtral-Mini-3B-2507-Q4_K_M.gguf',
    });
    expect(queueStatusOf({ ready: true, engine: 'runtime' })).toEqual({ ready: true, engine: 'Voxtral' });
    expect(queueStatusOf({ ready: true, engine: 'echo' })).toEqual({
      ready: true,
      engine: 'test engine (echo)',
    });
    // the contract's 500-character cap holds for any file name
    const long = queueStatusOf({ ready: true, engine: 'runtime', model: `${'x'.repeat(600)}.gguf` });
    expect(long.ready && long.engine?.length).toBe(500);
  });

  it('without a model: the reason, a message and the hint', () => {
    expect(queueStatusOf({ ready: false, reason: 'no_model', hint: 'Download the model.' })).toEqual({
      ready: false,
      reason: 'no_model',
      message: 'The Voxtral model files are not set up.',
      hint: 'Download the model.',
    });
  });
});
