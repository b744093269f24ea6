#!/usr/bin/env node
// Runs the TypeScript CLI (main/cli.ts) through tsx's loader, so `npx rotorscribe` and `node bin/rotorscribe.mjs`
// work from a checkout on Node >= 20 without a build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// tsx looks for tsconfig.json from the working directory, which is the user's, not ours: point it at the checkout's
// (path aliases such as @common/*). Set in the environment so the engine worker child process finds it too.
process.env.TSX_TSCONFIG_PATH = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register({ tsconfig: process.env.TSX_TSCONFIG_PATH });
// Job folders and transcripts are private: everything the CLI and its engine process create is user-only.
const { usePrivateUmask } = await import('../main/fs/private-files.ts');
usePrivateUmask();
const { main } = await import('../main/cli.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain, then leave even if a native handle (ffmpeg, onnxruntime) still holds the loop.
process.stdout.write('', () => process.exit(code));
