/**
 * Test support, run as a child process: hands a model pair straight to the native loader, without the TypeScript
 * pre-checks (loadVoxtral's checkVoxtralPair), to show what llama.cpp does with a file the pre-check refuses. An
 * abort kills this process, not the test. Prints 'loaded' or 'refused: <message>'.
 *
 *   node --import tsx native-load.ts <model.gguf> <mmproj.gguf>
 */
import { loadAddon, type NativeHandle } from '../../engine/runtime/native';

const [modelPath, mmprojPath] = process.argv.slice(2);
if (!modelPath || !mmprojPath) throw new Error('usage: native-load.ts <model.gguf> <mmproj.gguf>');
const addon = loadAddon();
const handle = await new Promise<NativeHandle | undefined>((resolve) => {
  addon.loadModel(
    {
      modelPath,
      mmprojPath,
      nGpuLayers: 0,
      useMmap: true,
      mmprojGpu: false,
      threads: 1,
      audioAvgpool: 0,
      flashAttn: -1,
      // the warmup builds and runs the encoder graph once: where llama.cpp's shape asserts fire
      warmup: true,
      encoderBf16: -1,
    },
    (ev) => {
      if (ev.type === 'done') resolve(ev.handle);
      else if (ev.type === 'error') {
        process.stdout.write(`refused: ${ev.code} ${ev.message}\n`);
        resolve(undefined);
      }
    },
  );
});
if (handle) {
  process.stdout.write('loaded\n');
  addon.dispose(handle);
}
