/**
 * npm run bench:editor -- [--segments 1500 --runs 5 --baseline DIR]
 *
 * How long the Transcript editor takes to open a long transcript, in the built renderer (out/renderer) in Debian
 * Chromium through the e2e harness: from the click on its title in the Library to the first frame after its rows are
 * in the page (IPC load, React render, layout and paint). With `--baseline DIR` (another build of the renderer, e.g.
 * one copied from out/renderer before a change) the same runs are made on it in the same process and the ratio is
 * printed. Run `npm run build` first. A figure on a busy shared machine is a comparison, not a speed claim.
 */
import { parseArgs } from 'node:util';
import { longTranscript } from '../tests/e2e/long-transcript';
import { startApp } from '../tests/e2e/harness';

const { values } = parseArgs({
  options: {
    segments: { type: 'string', default: '1500' },
    runs: { type: 'string', default: '5' },
    baseline: { type: 'string' },
  },
});
const segments = Number(values.segments);
const runs = Number(values.runs);

/**
 * Runs in the page (a string: this file is type-checked without the DOM library): clicks the marked title, then
 * waits for the rows to be in the page, one frame (layout and paint) and the task after it.
 */
const OPEN_AND_TIME = `new Promise((resolve) => {
  const t0 = performance.now();
  document.querySelector('[data-bench-open]').click();
  const check = () => {
    if (document.querySelector('textarea.segment__text')) {
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0)));
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})`;

interface Figures {
  label: string;
  times: number[];
  rows: number;
}

async function measure(label: string, rendererDir?: string): Promise<Figures> {
  const app = await startApp({
    viewport: { width: 1280, height: 860 },
    ...(rendererDir ? { rendererDir } : {}),
  });
  try {
    const transcript = longTranscript(segments);
    app.services.library.library.save({ transcript });
    const { page } = app;
    const times: number[] = [];
    let rows = 0;
    for (let r = 0; r < runs; r++) {
      await page.getByRole('button', { name: 'Library', exact: true }).click();
      const title = page
        .getByRole('table', { name: 'Transcripts' })
        .getByRole('button', { name: transcript.meta.title, exact: true });
      await title.waitFor();
      await title.evaluate((el) => el.setAttribute('data-bench-open', ''));
      const ms = (await page.evaluate(OPEN_AND_TIME)) as number;
      times.push(ms);
      rows = await page.locator('li.segment').count();
    }
    return { label, times, rows };
  } finally {
    await app.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const results: Figures[] = [];
if (values.baseline) results.push(await measure('baseline', values.baseline));
results.push(await measure('current'));
for (const f of results) {
  console.log(
    `${f.label.padEnd(8)} open ${segments} segments: median ${median(f.times).toFixed(0)} ms ` +
      `(runs ${f.times.map((t) => t.toFixed(0)).join(', ')}), rows in the page ${f.rows}`,
  );
}
if (results.length === 2) {
  const [base, cur] = results as [Figures, Figures];
  console.log(`ratio baseline/current: ${(median(base.times) / median(cur.times)).toFixed(1)}x faster`);
}
