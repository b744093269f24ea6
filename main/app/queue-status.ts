/** What the window shows about the queue's readiness: the engine line, or why jobs cannot run. */
import type { QueueStatus } from '@common/library-schema';
import type { JobServiceStatus } from './jobs/types';

/** The engine the queue runs on (the model file named), or the empty state's text when there is no model. */
export function queueStatusOf(status: JobServiceStatus): QueueStatus {
  if (status.ready) {
    // "Runs on Voxtral" said nothing a user could check: the file in use is named
    if (status.engine === 'echo') return { ready: true, engine: 'test engine (echo)' };
    return { ready: true, engine: status.model ? `Voxtral · ${status.model}`.slice(0, 500) : 'Voxtral' };
  }
  const message =
    status.reason === 'no_model'
      ? 'The Voxtral model files are not set up.'
      : status.reason === 'model_not_found'
        ? 'The transcription model files cannot be found.'
        : 'The transcription engine could not start.';
  return {
    ready: false,
    reason: status.reason,
    message,
    hint: status.hint.slice(0, 2000),
  };
}
