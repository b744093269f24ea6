import { useEffect } from 'react';
import { formatDateTime } from '@common/format-date';
import type { OpenTranscript } from '../../shell/app-store';
import { InlineRename } from '../library/InlineRename';
import { metadataLine } from '../library/format';
import { ExportMenu } from './ExportMenu';
import { ipcTranscriptAdapter } from './ipc-adapter';
import { TRANSCRIPT_TITLE_ID, TranscriptEditor } from './TranscriptEditor';
import { useTranscriptViewStore } from './view-store';

/** The Transcript view: a library transcript in the editor, wired to main (save, playback, rename, export). */
export function TranscriptView({ open }: { open: OpenTranscript }) {
  const stored = useTranscriptViewStore((s) => s.stored);
  const error = useTranscriptViewStore((s) => s.error);
  const revision = useTranscriptViewStore((s) => s.revision);
  const { load, rename } = useTranscriptViewStore.getState();

  useEffect(() => {
    void load(open.id);
  }, [load, open.id]);

  if (error) {
    return (
      <section className="panel" aria-labelledby={TRANSCRIPT_TITLE_ID}>
        <h1 id={TRANSCRIPT_TITLE_ID}>Transcript</h1>
        <p role="alert" className="notice notice--error">
          {error.message}
          {error.hint ? ` ${error.hint}` : ''}
        </p>
      </section>
    );
  }
  if (!stored || stored.summary.id !== open.id) {
    return (
      <p className="empty" role="status">
        Loading transcript…
      </p>
    );
  }

  const { summary, transcript } = stored;
  const meta = metadataLine(summary);
  return (
    <TranscriptEditor
      transcriptId={summary.id}
      title={summary.title}
      segments={transcript.segments}
      adapter={ipcTranscriptAdapter}
      revision={revision}
      {...(open.atSec !== undefined ? { initialTimeSec: open.atSec } : {})}
      heading={
        <InlineRename title={summary.title} onRename={rename}>
          <h1 id={TRANSCRIPT_TITLE_ID}>{summary.title}</h1>
        </InlineRename>
      }
      details={
        <div className="transcript__details">
          <p className="transcript__meta" data-testid="transcript-meta">
            <span className="transcript__source">{summary.sourceName}</span>
            <span>
              {' · '}
              <time dateTime={new Date(summary.createdAt).toISOString()}>
                {formatDateTime(summary.createdAt)}
              </time>
            </span>
            {meta && <span> · {meta}</span>}
          </p>
          <ExportMenu />
        </div>
      }
    />
  );
}
