import { useEffect, useId, useRef, useState } from 'react';
import { DismissButton } from '../../ui/DismissButton';
import { EXPORT_FORMATS, EXPORT_LABELS, useTranscriptViewStore } from './view-store';
import { BusyButton } from '../../ui/BusyButton';

/**
 * "Export…" opens a short list of formats (a disclosure: Tab and Enter work as everywhere, Escape or moving focus
 * away closes it); main shows
 * the save dialog and answers the chosen file's name, which is announced.
 */
export function ExportMenu() {
  const [open, setOpen] = useState(false);
  const exporting = useTranscriptViewStore((s) => s.exporting);
  const notice = useTranscriptViewStore((s) => s.exportNotice);
  const { exportAs, dismissExportNotice } = useTranscriptViewStore.getState();
  const listId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  const firstRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) firstRef.current?.focus();
  }, [open]);

  const close = () => {
    setOpen(false);
    toggleRef.current?.focus();
  };

  return (
    <div
      className="export"
      // A click or Tab anywhere else closes the list (it lies over the player and stayed open until Escape); focus
      // stays where the user put it.
      onBlur={(e) => {
        if (open && !e.currentTarget.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
      }}
    >
      <BusyButton
        ref={toggleRef}
        className="button"
        aria-expanded={open}
        aria-controls={listId}
        busy={exporting}
        onClick={() => setOpen(!open)}
      >
        {exporting ? 'Exporting…' : 'Export…'}
      </BusyButton>
      {open && (
        <ul id={listId} className="export__list" aria-label="Export formats">
          {EXPORT_FORMATS.map((format, i) => (
            <li key={format}>
              <button
                ref={i === 0 ? firstRef : undefined}
                type="button"
                className="export__item"
                onClick={() => {
                  close();
                  void exportAs(format);
                }}
              >
                {EXPORT_LABELS[format]}
              </button>
            </li>
          ))}
        </ul>
      )}
      <span className="export__status" role="status">
        {notice && (
          <span className={notice.tone === 'error' ? 'tone-error' : 'tone-ok'}>
            {notice.text} <DismissButton onClick={dismissExportNotice} label="Dismiss export message" />
          </span>
        )}
      </span>
    </div>
  );
}
