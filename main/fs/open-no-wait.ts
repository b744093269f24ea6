import { constants } from 'node:fs';

/**
 * Flags for opening a file we only read, that the user (or anyone) could have swapped for a FIFO since it was
 * checked: opening a FIFO for reading waits for a writer, for ever, inside a syscall nothing can interrupt (it would
 * hold one of libuv's few threads, or a decoder past its stall bound). Non-blocking, the open returns at once and the
 * caller's fstat refuses what is not a regular file. No effect on regular files; Windows has no such flag (and no
 * FIFOs on disk).
 */
export const READ_NO_WAIT = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
