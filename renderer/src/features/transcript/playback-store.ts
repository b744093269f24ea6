import { create } from 'zustand';
import { useTranscriptEditorStore } from './editor-store';
import { PLAYBACK_RATES, segmentIndexAt } from './timeline';

/** After the user scrolls the transcript by hand, playback leaves the scroll position alone for this long. */
export const FOLLOW_PAUSE_MS = 4000;

interface PlaybackState {
  media: HTMLMediaElement | null;
  src: string | null;
  /** Why the recording cannot be played (no URL, or the element failed); the editor still works without it. */
  unavailable: string | null;
  timeSec: number;
  durationSec: number;
  playing: boolean;
  rate: number;
  /** The segment under the playhead; rows subscribe to "am I current" so only two rows re-render per change. */
  currentId: string | null;
  /** Set by explicit navigation (timestamp click, next/previous): scroll to the new current segment regardless. */
  forceFollow: boolean;
  lastUserScrollAt: number;
  attach: (media: HTMLMediaElement | null) => void;
  setSource: (src: string | null, unavailable?: string | null) => void;
  /** Called on timeupdate/seeked: the playhead moved. */
  sync: () => void;
  /** Recompute the current segment after the segments changed (split, merge, new revision). */
  refreshCurrent: () => void;
  setPlaying: (playing: boolean) => void;
  setDuration: (durationSec: number) => void;
  seek: (timeSec: number, follow?: boolean) => void;
  skip: (deltaSec: number) => void;
  /** Jump to the start of the next (+1) or previous (-1) segment. */
  step: (direction: 1 | -1) => void;
  togglePlay: () => void;
  setRate: (rate: number) => void;
  noteUserScroll: () => void;
  /** Whether the current row should scroll itself into view now; consumes `forceFollow`. */
  takeFollow: (editing: boolean) => boolean;
  fail: (reason: string) => void;
}

const initial = {
  media: null,
  src: null,
  unavailable: null,
  timeSec: 0,
  durationSec: 0,
  playing: false,
  rate: 1,
  currentId: null,
  forceFollow: false,
  lastUserScrollAt: 0,
};

const segments = () => useTranscriptEditorStore.getState().segments;

function currentIdAt(timeSec: number): string | null {
  const segs = segments();
  return segs[segmentIndexAt(segs, timeSec)]?.id ?? null;
}

/** The <audio> element and the playhead, shared by the player bar, the rows and the keyboard shortcuts. */
export const usePlaybackStore = create<PlaybackState>()((set, get) => ({
  ...initial,
  attach: (media) => {
    if (media) {
      media.playbackRate = get().rate;
      // a seek made before the element existed (opening at a search hit) becomes its start position
      if (get().timeSec > 0) media.currentTime = get().timeSec;
    }
    set({ media });
  },
  setSource: (src, unavailable = null) =>
    set(
      // a new transcript starts at 0; a recording that cannot be played keeps the place (a search hit's row)
      src === null && unavailable === null
        ? { src, unavailable, playing: false, durationSec: 0, timeSec: 0, currentId: null }
        : { src, unavailable, playing: false, durationSec: 0 },
    ),
  sync: () => {
    const { media } = get();
    if (!media) return;
    const timeSec = media.currentTime;
    const currentId = currentIdAt(timeSec);
    set(currentId === get().currentId ? { timeSec } : { timeSec, currentId });
  },
  refreshCurrent: () => {
    const currentId = currentIdAt(get().timeSec);
    if (currentId !== get().currentId) set({ currentId });
  },
  setPlaying: (playing) => set({ playing }),
  setDuration: (durationSec) => set({ durationSec: Number.isFinite(durationSec) ? durationSec : 0 }),
  seek: (timeSec, follow = true) => {
    const { media, durationSec } = get();
    const t = Math.max(0, durationSec > 0 ? Math.min(timeSec, durationSec) : timeSec);
    if (media) media.currentTime = t;
    // the element reports the new time asynchronously; the highlight moves now
    set({ timeSec: t, currentId: currentIdAt(t), forceFollow: follow });
  },
  skip: (deltaSec) => get().seek(get().timeSec + deltaSec, false),
  step: (direction) => {
    const segs = segments();
    if (segs.length === 0) return;
    const i = segmentIndexAt(segs, get().timeSec);
    const target = segs[Math.min(segs.length - 1, Math.max(0, i + direction))];
    if (target) get().seek(target.startSec);
  },
  togglePlay: () => {
    const { media } = get();
    if (!media || get().unavailable) return;
    if (media.paused) {
      Promise.resolve(media.play()).catch((error: unknown) =>
        set({ unavailable: `The recording cannot be played: ${(error as Error).message}` }),
      );
    } else {
      media.pause();
    }
  },
  setRate: (rate) => {
    if (!PLAYBACK_RATES.some((r) => r === rate)) return;
    const { media } = get();
    if (media) media.playbackRate = rate;
    set({ rate });
  },
  noteUserScroll: () => set({ lastUserScrollAt: Date.now() }),
  takeFollow: (editing) => {
    if (get().forceFollow) {
      set({ forceFollow: false });
      return true;
    }
    return !editing && Date.now() - get().lastUserScrollAt > FOLLOW_PAUSE_MS;
  },
  fail: (reason) => set({ unavailable: reason, playing: false }),
}));

export const resetPlaybackStore = (): void => usePlaybackStore.setState(initial);
