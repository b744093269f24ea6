import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { PluginOption } from 'vite';
import { licencesPlugin } from './main/packaging/licences';

const root = import.meta.dirname;
// The same alias as tsconfig.base.json's paths (tsx, the CLI and tsc read it there) and vitest.config.ts.
const alias = { '@common': resolve(root, 'common') };

/**
 * The renderer's index.html carries a strict CSP for the built app. The Vite dev server needs inline scripts
 * (React refresh preamble) and a websocket, so only `electron-vite dev` relaxes it.
 */
function devCsp(): PluginOption {
  return {
    name: 'rotorscribe:dev-csp',
    apply: 'serve',
    transformIndexHtml: (html: string) =>
      html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:*")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        // Main-side programs: the Electron main process, the engine worker (utilityProcess / Node child) and the
        // sandboxed ffmpeg worker thread it starts per decode (main/engine/audio/wasm/backend.ts finds it here).
        input: {
          index: resolve(root, 'main/app/index.ts'),
          'engine-worker': resolve(root, 'main/engine/host/worker.ts'),
          'decode-worker': resolve(root, 'main/engine/audio/wasm/decode-worker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be one CommonJS file that requires nothing but 'electron'.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    resolve: { alias },
    // licencesPlugin: the About section's licence list, generated from node_modules at build time
    plugins: [react(), devCsp(), licencesPlugin(root)],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves the renderer unminified; minified it is less than half the bytes to parse at start
      minify: true,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
