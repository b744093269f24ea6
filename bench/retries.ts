/**
 * npx tsx bench/retries.ts [--minutes 20] [--window 60] [--max-gap 15] [--max-pause 1] [--parallel 2] [--threads 2]
 *                          [--kv q8_0] [--dir /tmp/rs-retries]
 *
 * What the loop guard does on trained weights (fixtures/trained): a two-voice meeting of held-out sentences
 * (fixtures/trained-audio.ts) goes through the job pipeline in this process — ffmpeg decode, Silero VAD, the cutter
 * with the CPU plan's windowing (60 s windows, 15 s gaps, pauses shortened to 1 s), the runtime, the loop guard,
 * assembly — and every attempt of every window is recorded. For each window: what each attempt's quality check found
 * (issues, longest back-to-back repeat, compression ratio, tokens per second), how it stopped, and its WER against the
 * words spoken in the window (turns whose middle lies in it), so a retry can be judged: did the first attempt's text
 * deserve it? Then the kept text's flags and how many transcript segments carry a flag.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_RATE, samplesToSec } from '@common/audio';
import { heldOut, trainedVoxtral, type TrainedVoxtral } from '../fixtures/trained';
import { generateMeeting } from '../fixtures/audio-long';
import { heldOutMeeting, heldOutRecording, type RecordingTurn } from '../fixtures/trained-audio';
import { wordErrors } from '../fixtures/wer';
import { defaultFrontEnd } from '../main/engine/host/job-method';
import { runJob, windowingOf } from '../main/engine/job/runner';
import { openRuntimeTranscriber } from '../main/engine/job/runtime-transcriber';
import { assessOutput } from '../main/engine/scheduler/quality';
import type { Transcriber, WindowRequest, WindowResult } from '../main/engine/scheduler/transcriber';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '20' },
    window: { type: 'string', default: '60' },
    'max-gap': { type: 'string', default: '15' },
    'max-pause': { type: 'string', default: '1' },
    parallel: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    kv: { type: 'string', default: 'q8_0' },
    dir: { type: 'string', default: '/tmp/rs-retries' },
    source: { type: 'string', default: 'held-out' },
    json: { type: 'string' },
  },
});
const windowSec = Number(values.window);
const log = (msg: string): void => console.error(`[bench:retries] ${msg}`);

interface Call {
  attempt: number;
  /** The window's id, or `<id>.a` / `<id>.b` for the halves of a split attempt. */
  requestId: string;
  audioSec: number;
  result: WindowResult;
}

/** Records every request the loop guard makes and what came back. */
function recording(inner: Transcriber, calls: Call[]): Transcriber {
  return {
    maxParallel: inner.maxParallel,
    ...(inner.queueAhead !== undefined ? { queueAhead: inner.queueAhead } : {}),
    async transcribe(windows: WindowRequest[], opts) {
      const results = await inner.transcribe(windows, opts);
      windows.forEach((w, i) =>
        calls.push({
          attempt: w.attempt ?? 1,
          requestId: w.windowId,
          audioSec: w.pcm.length / SAMPLE_RATE,
          result: results[i]!,
        }),
      );
      return results;
    },
  };
}

function referenceOf(turns: readonly RecordingTurn[], startSec: number, endSec: number): string {
  return turns
    .filter((t) => {
      const mid = (t.startSec + t.endSec) / 2;
      return mid >= startSec && mid < endSec;
    })
    .map((t) => t.text)
    .join(' ');
}

/**
 * `held-out`: the two-voice meeting of the 48 short held-out sentences; `recording`: every held-out utterance (48
 * short, 6 long) one after another, 4 s apart (bench:wer's full held-out recording, 18.3 min); `synthetic`:
 * fixtures/audio-long.ts's meeting.
 */
async function recordingOf(
  trained: TrainedVoxtral,
): Promise<{ path: string; durationSec: number; turns: RecordingTurn[] }> {
  if (values.source === 'synthetic') return syntheticMeeting();
  if (values.source === 'recording') {
    const utterances = [...heldOut(trained.manifest, 'short'), ...heldOut(trained.manifest, 'long')];
    return heldOutRecording({ utterances, dir: values.dir, name: 'held-out-all' });
  }
  return heldOutMeeting({ manifest: trained.manifest, dir: values.dir, minutes: Number(values.minutes) });
}

/** fixtures/audio-long.ts's meeting (four voices, sentences outside the trained model's data) as one WAV. */
async function syntheticMeeting(): Promise<{ path: string; durationSec: number; turns: RecordingTurn[] }> {
  const outDir = join(values.dir, `synthetic-${values.minutes}m`);
  const truth = await generateMeeting({ outDir, durationSec: Number(values.minutes) * 60, formats: ['wav'] });
  return {
    path: join(outDir, truth.parts[0]!.file),
    durationSec: truth.durationSec,
    turns: truth.sentences.map((s) => ({
      id: String(s.index),
      speaker: 'A',
      text: s.text,
      startSec: s.startSec,
      endSec: s.endSec,
    })),
  };
}

const pct = (e: { errors: number; words: number }): string =>
  e.words === 0 ? '-' : ((100 * e.errors) / e.words).toFixed(1);

async function main(): Promise<void> {
  const trained = await trainedVoxtral();
  await mkdir(values.dir, { recursive: true });
  const rec = await recordingOf(trained);
  log(`meeting ${(rec.durationSec / 60).toFixed(1)} min, ${rec.turns.length} turns`);
  const engine = await openRuntimeTranscriber({
    modelPath: trained.modelPath,
    mmprojPath: trained.mmprojPath,
    kvK: values.kv,
    kvV: values.kv,
    maxWindowSec: windowSec,
    parallel: Number(values.parallel),
    threads: Number(values.threads),
  });
  const calls: Call[] = [];
  const started = performance.now();
  try {
    const front = await defaultFrontEnd();
    const result = await runJob(
      {
        input: rec.path,
        jobDir: join(values.dir, `job-${windowSec}`),
        existing: 'restart',
        language: 'en',
        engine: engine.identity,
        ...windowingOf({
          maxWindowSec: windowSec,
          maxGapSec: Number(values['max-gap']),
          maxPauseSec: Number(values['max-pause']),
        }),
      },
      { ...front, transcriber: recording(engine.transcriber, calls) },
    );
    const wall = (performance.now() - started) / 1000;
    console.log(
      `\n${result.records.length} windows of ≤ ${windowSec} s, ${wall.toFixed(0)} s wall; per window and attempt:\n`,
    );
    console.log(
      '| window | s | attempt | kind | stop | tokens | tok/s | repeat n×times | deflate | issues | WER % |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    let retried = 0;
    const dump: {
      windowId: string;
      reference: string;
      attempts: { attempt: number; text: string; audioSec: number; tokenCount: number }[];
    }[] = [];
    const firstAll = { errors: 0, words: 0 };
    const keptAll = { errors: 0, words: 0 };
    for (const r of result.records) {
      const startSec = samplesToSec(r.startSample);
      const endSec = samplesToSec(r.endSample);
      const reference = referenceOf(rec.turns, startSec, endSec);
      const mine = calls.filter(
        (c) => c.requestId === r.windowId || c.requestId.startsWith(`${r.windowId}.`),
      );
      // the words spoken, judged by the same text checks: does the reference itself look like a loop?
      const rq = assessOutput({ text: reference, tokenCount: 0, stopReason: 'eos' }, 1);
      const refCheck = `${rq.longestRepeat.n}×${rq.longestRepeat.times}, ${rq.compressionRatio.toFixed(2)}`;
      const attempts = [...new Set(mine.map((c) => c.attempt))].sort((a, b) => a - b);
      if (attempts.length > 1) retried++;
      const entry = { windowId: r.windowId, reference, attempts: [] as (typeof dump)[number]['attempts'] };
      dump.push(entry);
      for (const a of attempts) {
        const parts = mine
          .filter((c) => c.attempt === a)
          .sort((x, y) => x.requestId.localeCompare(y.requestId));
        const text = parts.map((c) => c.result.text).join(' ');
        const tokenCount = parts.reduce((n, c) => n + c.result.tokenCount, 0);
        const audioSec = parts.length === 1 ? parts[0]!.audioSec : parts.reduce((n, c) => n + c.audioSec, 0);
        const stop = parts.map((c) => c.result.stopReason).join('+');
        const q = assessOutput({ text, tokenCount, stopReason: parts[0]!.result.stopReason }, audioSec);
        const e = wordErrors(reference, text);
        entry.attempts.push({ attempt: a, text, audioSec, tokenCount });
        if (a === 1) {
          firstAll.errors += e.errors;
          firstAll.words += e.words;
        }
        console.log(
          `| ${r.windowId} | ${audioSec.toFixed(1)} | ${a} | ${parts.length > 1 ? 'split' : 'whole'} | ${stop} | ` +
            `${tokenCount} | ${q.tokensPerSec.toFixed(1)} | ${q.longestRepeat.n}×${q.longestRepeat.times} | ` +
            `${q.compressionRatio.toFixed(2)} | ${q.issues.join(',') || '-'} | ${pct(e)} | ${refCheck} |`,
        );
      }
      const kept = wordErrors(reference, r.text);
      keptAll.errors += kept.errors;
      keptAll.words += kept.words;
      console.log(
        `| ${r.windowId} | | kept | | ${r.stopReason} | ${r.tokenCount} | | | | ${r.flags.join(',') || '-'} | ${pct(kept)} |`,
      );
    }
    const segments = result.transcript.segments;
    const flaggedSegments = segments.filter((s) => (s.flags ?? []).some((f) => f !== 'hard_cut')).length;
    console.log(
      `\nretried ${retried} of ${result.records.length} windows; segments with a flag other than hard_cut: ` +
        `${flaggedSegments} of ${segments.length}; flagged windows (loop/max_tokens) ${result.flagged}\n` +
        `WER first attempts ${pct(firstAll)} %, kept ${pct(keptAll)} % (${keptAll.words} words)`,
    );
    if (values.json) await writeFile(values.json, JSON.stringify(dump, null, 1));
    for (const r of result.records) {
      const first = calls.find((c) => c.requestId === r.windowId && c.attempt === 1);
      if (r.attempts > 1 && first) console.log(`\n${r.windowId} attempt 1: ${first.result.text}`);
    }
  } finally {
    engine.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
