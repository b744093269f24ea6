import { useEffect } from 'react';
import { useQueueStore } from './store';

const carriesFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') ?? false;

/**
 * The whole window accepts dropped files and folders: they are registered by the preload (paths never reach page
 * code) and queued; `onDropped` lets the shell bring the queue into view. While files are dragged over the window an
 * overlay marks it as the target. Other drags (text moved inside the editor) keep their default behaviour; main
 * refuses navigation, so a dropped link cannot replace the page.
 */
export function WindowDrop({ onDropped }: { onDropped: () => void }) {
  const dragging = useQueueStore((s) => s.dragging);

  useEffect(() => {
    const { setDragging, dropFiles } = useQueueStore.getState();
    // dragenter/dragleave fire for every element crossed: count them to know when the drag left the window
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const onOver = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      onDropped();
      void dropFiles(files);
    };
    const onEnd = () => {
      depth = 0;
      setDragging(false);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    window.addEventListener('dragend', onEnd);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('dragend', onEnd);
    };
  }, [onDropped]);

  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay__target">
        <svg className="dropzone__icon" viewBox="0 0 24 24">
          <path d="M12 3v12m0 0-4-4m4 4 4-4M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p className="dropzone__title">Drop files or folders to transcribe</p>
      </div>
    </div>
  );
}
