/**
 * A file that ends before its header says it does (a recording cut off, a download that stopped): it is decoded as
 * far as it goes, and this says where it ended and how long it should have been.
 */

export interface EndedEarly {
  /** Where the decoded audio stops, in seconds from the start of the file. */
  atSec: number;
  /** The duration the container's header gives. */
  headerSec: number;
  /**
   * The file has a video track: the header's duration is the longest track's, and a video may run on after its sound
   * ends (a screen recording, a clip muxed with -shortest), so a shorter audio track is not by itself a cut-off file.
   */
  video?: boolean;
}

/**
 * Audio may legitimately end a little before the container's duration (encoder padding, a video track that runs
 * longer): shortfalls under a second, or under 1 % of a long file, are not reported.
 */
export function endedEarly(
  headerSec: number | null,
  startSec: number,
  decodedSec: number,
  video = false,
): EndedEarly | null {
  if (headerSec === null || !Number.isFinite(headerSec) || headerSec <= 0) return null;
  const atSec = startSec + decodedSec;
  const slack = Math.max(1, headerSec * 0.01);
  if (headerSec - atSec <= slack) return null;
  return video ? { atSec, headerSec, video } : { atSec, headerSec };
}

const clock = (sec: number): string => {
  const whole = Math.floor(sec);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = (sec - h * 3600 - m * 60).toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
};

/** The warning shown in the job report and the CLI. */
export function endedEarlyWarning({ atSec, headerSec, video }: EndedEarly): string {
  if (video) {
    return (
      `the audio track stops at ${clock(atSec)} (${atSec.toFixed(1)} s), before the end of the file at ` +
      `${clock(headerSec)} (${headerSec.toFixed(1)} s): the video may go on without sound, or the file was cut ` +
      `off; the transcript covers the audio there is`
    );
  }
  return (
    `the file ends early: the audio stops at ${clock(atSec)} (${atSec.toFixed(1)} s) but its header says it ` +
    `lasts ${clock(headerSec)} (${headerSec.toFixed(1)} s); the transcript covers what is there`
  );
}
