import { RotorError } from '@common/errors';
import { invoke } from '../../ipc';
import type { TranscriptAdapter } from './adapter';
import { useTranscriptViewStore } from './view-store';

/** The editor's adapter in the app: the library over IPC. One object, so the editor never sees it change. */
export const ipcTranscriptAdapter: TranscriptAdapter = {
  save: async (transcriptId, segments) => {
    const summary = await invoke('library:saveSegments', { id: transcriptId, segments: [...segments] });
    useTranscriptViewStore.getState().setSummary(summary);
  },
  retranscribe: (transcriptId, startSec, endSec) =>
    useTranscriptViewStore.getState().retranscribe(transcriptId, startSec, endSec),
  mediaUrl: async (transcriptId) => {
    const { url, reason } = await invoke('library:mediaUrl', { id: transcriptId });
    // the editor shows the reason beside the player and keeps the text editable
    if (url === null) throw new RotorError('MEDIA_UNAVAILABLE', reason);
    return url;
  },
};
