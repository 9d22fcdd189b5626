// Builds the web app into dist/: one bundle of src/main.js (app.js), the stylesheet (app.css)
// and index.html, all served by pop-sidecar (`--web-dir`) with nothing fetched from elsewhere.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('./dist/', import.meta.url).pathname;
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

await build({
  entryPoints: [{ in: 'src/main.js', out: 'app' }, { in: 'src/app.css', out: 'app' }],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // The oldest browsers supported: BigInt, Media Source Extensions, ES2022 classes.
  target: ['chrome109', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  outdir: dist,
  logLevel: 'warning',
  legalComments: 'linked',
});
copyFileSync('src/index.html', `${dist}index.html`);
