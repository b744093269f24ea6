#!/usr/bin/env node
// Runs the TypeScript CLI (main/cli.ts) through tsx's loader, so `npx rotorscribe` and `node bin/rotorscribe.mjs`
// work from a checkout on Node >= 20 without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain, then leave even if a native handle (ffmpeg, onnxruntime) still holds the loop.
process.stdout.write('', () => process.exit(code));
