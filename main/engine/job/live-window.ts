import type { JobWindowEvent } from '@common/library-schema';
import type { JobEvent } from './runner';

/** How many flags the `job:window` event carries (its schema's limit). */
const MAX_FLAGS = 8;

/** A decoded window as the live text the window shows (`job:window`), for queue jobs and recordings alike. */
export function liveWindowText(jobId: string, e: Extract<JobEvent, { type: 'window' }>): JobWindowEvent {
  return {
    jobId,
    windowId: e.windowId,
    index: e.index,
    startSec: e.startSec,
    endSec: e.endSec,
    text: e.text,
    status: e.status,
    flags: e.flags.slice(0, MAX_FLAGS),
  };
}
