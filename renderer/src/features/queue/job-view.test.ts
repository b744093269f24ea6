import { describe, expect, it } from 'vitest';
import { formatDateTime, formatRecent } from '@common/format-date';
import type { JobProgress, JobStage } from '@common/library-schema';
import { job } from '../../test-fixtures';
import {
  actionsFor,
  barOf,
  canMove,
  formatEta,
  formatSpeed,
  jobMoment,
  notAddedText,
  notQueuedAgain,
  percentDone,
  progressFacts,
  STARTING_FACT,
  sameJob,
  waitingForModel,
} from './job-view';

const progress = {
  windowsDone: 2,
  windowsTotal: 8,
  audioSecDone: 50,
  durationSec: 200,
  speed: 4.26,
  etaSec: 35.2,
};

describe('job view', () => {
  it('percent done follows audio time, falls back to windows, and is unknown without progress', () => {
    expect(percentDone({ state: 'running', progress })).toBe(25);
    expect(percentDone({ state: 'running', progress: { ...progress, durationSec: null } })).toBe(25);
    expect(
      percentDone({ state: 'running', progress: { ...progress, windowsDone: 3, durationSec: null } }),
    ).toBe(37);
    expect(
      percentDone({ state: 'running', progress: { ...progress, durationSec: null, windowsTotal: 0 } }),
    ).toBe(null);
    expect(percentDone({ state: 'probing', progress: null })).toBe(null);
    expect(percentDone({ state: 'done', progress: null })).toBe(100);
    expect(percentDone({ state: 'running', progress: { ...progress, audioSecDone: 250 } })).toBe(100);
  });

  it('each state offers the controls main accepts for it', () => {
    expect(actionsFor('running')).toEqual(['pause', 'cancel']);
    expect(actionsFor('paused')).toEqual(['resume', 'cancel', 'remove']);
    expect(actionsFor('failed')).toEqual(['retry', 'remove']);
    expect(actionsFor('cancelled')).toEqual(['retry', 'remove']);
    expect(actionsFor('done')).toEqual(['remove']);
    expect(canMove('queued')).toBe(true);
    expect(canMove('running')).toBe(false);
  });

  it('speed, ETA and the facts line', () => {
    expect(formatSpeed(12.34)).toBe('12.3× real time');
    expect(formatSpeed(null)).toBe(null);
    expect(formatEta(125.2)).toBe('about 2:06 left');
    expect(formatEta(0.4)).toBe(null);
    expect(progressFacts(progress, 'running')).toEqual([
      'windows 2/8',
      'audio 0:50 / 3:20',
      '4.3× real time',
      'about 0:36 left',
    ]);
    expect(progressFacts({ ...progress, durationSec: null }, 'paused')).toEqual([
      'windows 2/8',
      'audio 0:50 / ?',
      '4.3× real time',
    ]);
    // a running job that caught up with the engine's low estimate shows no total; a finished one shows the count
    const caughtUp = { ...progress, windowsDone: 1, windowsTotal: 1 };
    expect(progressFacts(caughtUp, 'running')[0]).toBe('1 window so far');
    expect(progressFacts({ ...caughtUp, windowsDone: 3, windowsTotal: 3 }, 'running')[0]).toBe(
      '3 windows so far',
    );
    expect(progressFacts(caughtUp, 'done')[0]).toBe('windows 1/1');
  });

  it('sameJob sees any visible change', () => {
    const a = job({ id: 'a', progress });
    expect(sameJob(a, { ...a, progress: { ...progress } })).toBe(true);
    expect(sameJob(a, { ...a, progress: { ...progress, etaSec: 30 } })).toBe(false);
    expect(sameJob(a, { ...a, state: 'paused' })).toBe(false);
    expect(sameJob(a, { ...a, position: 3 })).toBe(false);
    expect(sameJob(a, { ...a, error: { code: 'CANCELLED', message: 'x' } })).toBe(false);
    const done = { ...a, state: 'done' as const };
    expect(sameJob(done, { ...done, updatedAt: done.updatedAt + 60_000 })).toBe(false);
    expect(sameJob(a, { ...a, updatedAt: a.updatedAt + 1 })).toBe(true);
  });
});

describe('waitingForModel', () => {
  it('counts the files a model would start (queued, paused, being checked), not finished or failed ones', () => {
    expect(waitingForModel([])).toBeNull();
    expect(waitingForModel([{ state: 'failed' }, { state: 'done' }, { state: 'cancelled' }])).toBeNull();
    expect(waitingForModel([{ state: 'queued' }, { state: 'failed' }])).toBe(
      '1 file is waiting: it is transcribed as soon as a model is set up.',
    );
    expect(waitingForModel([{ state: 'queued' }, { state: 'paused' }, { state: 'probing' }])).toBe(
      '3 files are waiting: they are transcribed as soon as a model is set up.',
    );
  });
});

describe('a row before its first window', () => {
  const none = {
    windowsDone: 0,
    windowsTotal: 0,
    audioSecDone: 0,
    durationSec: 125,
    speed: null,
    etaSec: null,
  };
  it('a waiting or stopped file shows no bar and only its length; a running one a moving bar until a window is done', () => {
    for (const state of ['queued', 'paused', 'cancelled', 'failed'] as const) {
      expect(barOf({ state, progress: none })).toBe('none');
      expect(barOf({ state, progress: null })).toBe('none');
      expect(progressFacts(none, state)).toEqual(['2:05 of audio']);
    }
    expect(progressFacts({ ...none, durationSec: null }, 'queued')).toEqual([]);
    expect(barOf({ state: 'running', progress: none })).toBe('unknown');
    expect(barOf({ state: 'probing', progress: null })).toBe('unknown');
    // a running job says what it is doing until its first window is done, not '0 windows so far · audio 0:00'
    expect(progressFacts(none, 'running')).toEqual([STARTING_FACT, '2:05 of audio']);
    expect(progressFacts({ ...none, durationSec: null, windowsTotal: 3 }, 'running')).toEqual([
      STARTING_FACT,
    ]);
    expect(progressFacts(null, 'running')).toEqual([STARTING_FACT]);
    expect(progressFacts(null, 'queued')).toEqual([]);
    // once something is done the bar has a number, also for a job paused or queued again mid-way
    expect(barOf({ state: 'running', progress })).toBe('percent');
    expect(barOf({ state: 'paused', progress })).toBe('percent');
    expect(barOf({ state: 'queued', progress })).toBe('percent');
    expect(barOf({ state: 'done', progress: null })).toBe('percent');
  });

  it("names the step a running job is in, with what it knows, from the engine's stages", () => {
    const at = (stage: JobStage, p: JobProgress = none) => progressFacts({ ...p, stage }, 'running');
    expect(at({ name: 'loading_model', fraction: null })).toEqual(['Loading the model…', '2:05 of audio']);
    expect(at({ name: 'loading_model', fraction: 0.427 })).toEqual([
      'Loading the model: 42 %',
      '2:05 of audio',
    ]);
    expect(at({ name: 'reading_audio' })).toEqual(['Opening the recording…', '2:05 of audio']);
    expect(at({ name: 'finding_speech', audioSecRead: 61 })).toEqual(['Finding speech: 1:01 of 2:05 read']);
    expect(at({ name: 'finding_speech', audioSecRead: 61 }, { ...none, durationSec: null })).toEqual([
      'Finding speech: 1:01 read',
    ]);
    expect(at({ name: 'first_window', startSec: 3, endSec: 62 })).toEqual([
      'Transcribing the first part (0:03–1:02)…',
      '2:05 of audio',
    ]);
    // a window that reaches the end of the recording is its only part (a short file, or a cutter trimming the last
    // half second of silence)
    const short = { ...none, durationSec: 10.4 };
    expect(at({ name: 'first_window', startSec: 0, endSec: 10.4 }, short)).toEqual([
      'Transcribing (0:00–0:10)…',
      '0:10 of audio',
    ]);
    expect(at({ name: 'first_window', startSec: 0.5, endSec: 9.9 }, short)[0]).toBe(
      'Transcribing (0:00–0:09)…',
    );
    // a length not known yet, or a window ending well before the end: more may follow
    expect(at({ name: 'first_window', startSec: 0, endSec: 10.4 }, { ...none, durationSec: null })[0]).toBe(
      'Transcribing the first part (0:00–0:10)…',
    );
    expect(at({ name: 'first_window', startSec: 0, endSec: 8 }, short)[0]).toBe(
      'Transcribing the first part (0:00–0:08)…',
    );
    // a paused job says only its length; a window done means progress, not the stage
    expect(progressFacts({ ...none, stage: { name: 'reading_audio' } }, 'paused')).toEqual(['2:05 of audio']);
    expect(progressFacts({ ...progress, stage: { name: 'reading_audio' } }, 'running')[0]).toMatch(/window/u);
  });

  it('a new stage is a change the row shows', () => {
    const base = job({ id: 'j1', state: 'running', progress: none });
    const staged = { ...base, progress: { ...none, stage: { name: 'reading_audio' as const } } };
    expect(sameJob(base, staged)).toBe(false);
    expect(
      sameJob(staged, { ...staged, progress: { ...none, stage: { name: 'reading_audio' as const } } }),
    ).toBe(true);
  });
});

describe('notQueuedAgain', () => {
  it('names a single file dropped again, counts several, and says nothing when all were queued', () => {
    const one = [{ name: 'standup.wav' }];
    const three = [{ name: 'a.wav' }, { name: 'b.wav' }, { name: 'c.wav' }];
    expect(notQueuedAgain(one, 1)).toBeNull();
    expect(notQueuedAgain(one, 0)).toBe('standup.wav is already in the queue.');
    expect(notQueuedAgain(three, 3)).toBeNull();
    expect(notQueuedAgain(three, 2)).toBe(
      '1 of these files is already in the queue and was not added again.',
    );
    expect(notQueuedAgain(three, 0)).toBe(
      '3 of these files are already in the queue and were not added again.',
    );
  });
});

describe('files that could not be added', () => {
  it('names one file and why, once', () => {
    expect(notAddedText([{ name: 'standup.mp3', reason: 'moved or deleted since it was chosen' }])).toBe(
      'standup.mp3 was not added: moved or deleted since it was chosen.',
    );
    expect(notAddedText([])).toBeNull();
  });

  it('gives each name its own reason when the reasons differ', () => {
    expect(
      notAddedText([
        { name: 'standup.mp3', reason: 'moved or deleted since it was chosen' },
        { name: 'Part of Meetings', reason: 'it goes deeper than 8 folder levels' },
      ]),
    ).toBe(
      '2 were not added: standup.mp3 (moved or deleted since it was chosen); Part of Meetings (it goes deeper than 8 folder levels).',
    );
  });

  it('names the first three of many and counts the rest', () => {
    const skipped = ['a.wav', 'b.wav', 'c.wav', 'd.wav', 'e.wav'].map((name) => ({ name, reason: 'x' }));
    expect(notAddedText(skipped)).toBe(
      '5 files were not added (a.wav, b.wav, c.wav and 2 more): moved, deleted or unreadable.',
    );
  });
});

describe('when a job was added or ended', () => {
  const added = 1_700_000_000_000;
  const ended = added + 3_600_000;
  it('a waiting or running job says when it was added', () => {
    const m = jobMoment(job({ id: 'a', state: 'running', createdAt: added, updatedAt: ended }), ended);
    expect(m.text).toBe(`added ${formatRecent(added, ended)}`);
    expect(m.full).toBe(`Added ${formatDateTime(added)}`);
    expect(m.iso).toBe(new Date(added).toISOString());
  });

  it('a finished, failed or cancelled job says when it ended', () => {
    const now = ended + 60_000;
    for (const [state, verb] of [
      ['done', 'finished'],
      ['failed', 'failed'],
      ['cancelled', 'cancelled'],
    ] as const) {
      const m = jobMoment(job({ id: 'a', state, createdAt: added, updatedAt: ended }), now);
      expect(m.text).toBe(`${verb} ${formatRecent(ended, now)}`);
    }
  });
});
