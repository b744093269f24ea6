import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { jobError } from './job-error';

const job = { sourcePath: '/home/ada/Calls/standup.mp3', jobDir: '/home/ada/.config/RotorScribe/jobs/3f2a' };

describe('a failed job’s error as the queue row shows it', () => {
  it('says what happened without the path or the file name the row already shows', () => {
    const e = new RotorError(
      'AUDIO_CORRUPT',
      `The audio in this file could not be decoded: ${job.sourcePath}`,
      {
        hint: 'The file may be damaged; try the original recording.',
        detail: 'ffmpeg: invalid frame header',
      },
    );
    expect(jobError(e, job)).toEqual({
      code: 'AUDIO_CORRUPT',
      message: 'The audio in this file could not be decoded.',
      hint: 'The file may be damaged; try the original recording.',
    });
  });

  it('a moved file gets a hint the row’s buttons can follow, not the command line’s', () => {
    const e = new RotorError('FILE_NOT_FOUND', `The file does not exist or was moved: ${job.sourcePath}`, {
      hint: 'Check the path, or locate the file again.',
    });
    const shown = jobError(e, job);
    expect(shown.message).toBe('The file does not exist or was moved.');
    expect(shown.hint).toMatch(/press Retry, or Remove this row and add the file from where it is now\.$/u);
  });

  it('keeps a fallback hint for errors that come without one', () => {
    expect(jobError(new RotorError('INTERNAL', 'Something broke.'), job).hint).toBe(
      'Retry the file; if it fails again, report it with the log.',
    );
  });
});
