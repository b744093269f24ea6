import type { BrowserWindowConstructorOptions, Event, HandlerDetails, WebContents } from 'electron';
import { isAllowedExternalUrl } from './security';

/** The web preferences every RotorScribe window gets; nothing here is optional. */
export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'RotorScribe',
    backgroundColor: '#00000000',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  };
}

/** The WebContents surface hardenWebContents touches (a fake in tests). */
export interface HardenableContents {
  on(
    event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview',
    listener: (event: Event) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: HandlerDetails) => { action: 'deny' }): void;
}

/**
 * No page of ours navigates away, opens windows or embeds webviews. Links to the project's own pages (help, issues)
 * open in the system browser (through `openExternal`); every other URL is refused, so a transcript or a rendered
 * link can never send the user, or a crafted URL, anywhere else.
 */
export function hardenWebContents(contents: HardenableContents, openExternal: (url: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
  const block = (event: Event): void => event.preventDefault();
  contents.on('will-navigate', block);
  // will-navigate is the main frame's only; a sub-frame (none of ours has one) navigates through this
  contents.on('will-frame-navigate', block);
  contents.on('will-redirect', block);
  contents.on('will-attach-webview', block);
}

export type { WebContents };
