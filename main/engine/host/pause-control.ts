/**
 * Pause/resume for one engine request, usable before the request is sent (a queue may pause a job it has not
 * started yet) and after (the host forwards `pause`/`resume` over the request id). The host attaches itself when it
 * sends the request and detaches when the request settles.
 */
export type PauseState = 'paused' | 'running';

export class PauseControl {
  private state: PauseState = 'running';
  private forward: ((message: 'pause' | 'resume') => void) | undefined;

  get paused(): boolean {
    return this.state === 'paused';
  }

  pause(): void {
    if (this.state === 'paused') return;
    this.state = 'paused';
    this.forward?.('pause');
  }

  resume(): void {
    if (this.state === 'running') return;
    this.state = 'running';
    this.forward?.('resume');
  }

  /** @internal the engine host, once the request is on the wire; replays a pause requested earlier. */
  attach(forward: (message: 'pause' | 'resume') => void): void {
    this.forward = forward;
    if (this.state === 'paused') forward('pause');
  }

  /** @internal */
  detach(): void {
    this.forward = undefined;
  }
}
