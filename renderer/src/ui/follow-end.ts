import { useCallback, useLayoutEffect, useRef, type RefObject, type UIEvent } from 'react';

/** How close to the bottom (px) still counts as "at the end": a wrapped line's rounding must not unpin the list. */
const PINNED_PX = 24;

/**
 * Keeps a scrolling list at its end while new items arrive, like a chat or captions: the live text of a meeting grew
 * below a box that stayed at 0:00, so after a minute the newest text was out of sight. Only while the reader is at
 * the end: one who scrolled up to re-read is left where they are until they scroll back down.
 */
export function useFollowEnd<E extends HTMLElement>(
  changed: unknown,
): [RefObject<E | null>, (ev: UIEvent<E>) => void] {
  const ref = useRef<E>(null);
  const pinned = useRef(true);
  const onScroll = useCallback((ev: UIEvent<E>) => {
    const el = ev.currentTarget;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight <= PINNED_PX;
  }, []);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [changed]);
  return [ref, onScroll];
}
