/**
 * The host side of a live job's audio: the client pushes 16 kHz mono PCM whenever the recording delivers it, before
 * or after the request reaches the worker. Chunks pushed before the engine host sends the request wait here and go
 * out, in order, right behind it; after the request settles (finished, failed, crashed) pushes are dropped, so the
 * caller asks `attached`/`closed` when it has to know (a recording falls back to transcribing its file).
 */
export type FeedMessage = { type: 'audio'; pcm: Float32Array } | { type: 'audioEnd' };

export class LiveFeed {
  private waiting: FeedMessage[] = [];
  private forward: ((message: FeedMessage) => void) | undefined;
  private ended = false;
  private done = false;
  /** Samples handed to the worker so far. */
  sent = 0;
  private waitingSamples = 0;

  /** Queues a chunk; the buffer is transferred to the engine where the transport can, so do not reuse it. */
  push(pcm: Float32Array): void {
    if (this.ended || this.done || pcm.length === 0) return;
    this.deliver({ type: 'audio', pcm });
  }

  /** No more audio: the job finishes the windows it has. */
  end(): void {
    if (this.ended || this.done) return;
    this.ended = true;
    this.deliver({ type: 'audioEnd' });
  }

  /** The request is on the wire and still running. */
  get attached(): boolean {
    return this.forward !== undefined;
  }

  /** The request settled: nothing pushed from now on reaches a job. */
  get closed(): boolean {
    return this.done;
  }

  /** Samples waiting for the request to be sent (counted as they come: a recording asks at every chunk). */
  get pendingSamples(): number {
    return this.waitingSamples;
  }

  private deliver(message: FeedMessage): void {
    if (!this.forward) {
      this.waiting.push(message);
      if (message.type === 'audio') this.waitingSamples += message.pcm.length;
      return;
    }
    if (message.type === 'audio') this.sent += message.pcm.length;
    this.forward(message);
  }

  /** @internal the engine host, once the request is sent: replays what waited, in order. */
  attach(forward: (message: FeedMessage) => void): void {
    if (this.done) return;
    this.forward = forward;
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingSamples = 0;
    for (const m of waiting) this.deliver(m);
  }

  /** @internal the request settled. */
  close(): void {
    this.done = true;
    this.forward = undefined;
    this.waiting = [];
    this.waitingSamples = 0;
  }
}
