import type { RendererApi } from '@common/ipc-contract';

declare global {
  interface Window {
    /** Exposed by the preload (preload/index.ts); absent when the page is opened outside the app. */
    readonly api?: RendererApi<File>;
  }
}

export {};
