/**
 * Child process of window-resume.int.test.ts (named test-support.ts so that it may import the testkit): runs the
 * long-window job (argv: model, mmproj, root, job folder) and slows its event handling down (2 ms per piece) so that
 * the test can kill it with SIGKILL while a window decodes.
 */
import { loadVoxtral } from '../../runtime/voxtral';
import { longWindowJob } from './testkit';

const [modelPath, mmprojPath, root, jobDir] = process.argv.slice(2);
const model = await loadVoxtral({ modelPath: modelPath!, mmprojPath: mmprojPath!, threads: 1 });
await longWindowJob(model, root!, jobDir!, {
  onEvent: (e) => {
    if (e.type !== 'piece') return;
    const until = Date.now() + 2;
    while (Date.now() < until) {
      // hold the thread: the decode runs ahead, its token records come slowly
    }
  },
});
model.dispose();
process.stdout.write('finished\n');
