/**
 * Engine errors are worded for every client (the app shows them as they are); the command line knows its flags, so
 * here each error gets the hint that names the flag that gets the user further. Pure.
 */
import type { RotorError } from '@common/errors';
import { fromErrorPayload, toErrorPayload } from '@common/errors';

const OOM_HINT =
  'Use a compressed KV cache (--kv-k q8_0 --kv-v iso4), shorter windows (--max-window-sec 20) or --parallel 1; `rotorscribe doctor` shows what fits.';

function mismatchHint(detail: string | undefined): string {
  switch (detail) {
    case 'unfinished':
      return 'Add --resume to continue it with the same settings, or --restart to discard it and start over.';
    case 'settings_changed':
      return 'Run with the earlier settings and --resume to continue, or add --restart to start over with the new ones.';
    case 'other_input':
      return 'Add --restart to replace the saved job, or choose another --out folder.';
    default:
      return 'Add --restart to start over (the saved progress is discarded).';
  }
}

/** The error with a CLI hint; `file` (the input) is named when the message does not say which file it is about. */
export function withCliHint(error: unknown, file?: string): RotorError {
  const p = toErrorPayload(error);
  let hint = p.hint;
  switch (p.code) {
    case 'CHECKPOINT_MISMATCH':
      hint = mismatchHint(p.detail);
      break;
    case 'CANCELLED':
      hint = 'Run the same command with --resume to continue where it stopped.';
      break;
    case 'ENGINE_CRASHED':
      hint = 'The finished windows are saved: run the same command with --resume to continue.';
      break;
    case 'OUT_OF_MEMORY':
    case 'CONTEXT_TOO_LARGE':
      hint = OOM_HINT;
      break;
    case 'DISK_FULL': {
      const kept = /(\d+) finished window/u.exec(hint ?? '')?.[1];
      hint = `Free some space and run again with --resume${kept ? `: ${kept} finished window(s) are kept` : ''}.`;
      break;
    }
    case 'INTERNAL':
      hint = hint ?? 'Run again with ROTORSCRIBE_DEBUG=1 for details, and report it.';
      break;
    default:
      hint = hint ?? 'Run `rotorscribe help transcribe` for the options.';
  }
  const named = file && !p.message.includes(file) ? `${p.message} (${file})` : p.message;
  return fromErrorPayload({ ...p, message: named, hint });
}
