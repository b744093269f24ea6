/** The audio and video file extensions RotorScribe offers to open and that a folder expands to (lower case, no dot). */
export const MEDIA_EXTENSIONS: readonly string[] = [
  'wav',
  'mp3',
  'm4a',
  'aac',
  'flac',
  'ogg',
  'opus',
  'webm',
  'mp4',
  'mkv',
  'mov',
];
