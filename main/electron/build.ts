// `npm run build` (after the renderer's `vite build`): bundles the three Node-side entries of the
// desktop app into dist/ with esbuild. npm packages stay external (they ship in node_modules; sharp
// and the wasm/model files are unpacked or shipped as resources by electron-builder), except in
// the preload: a sandboxed preload can require only `electron`, so zod and the contract go inside.
//   dist/main/electron/main.js     Electron main process (ESM)
//   dist/preload/index.cjs         preload (CommonJS, sandboxed)
//   dist/engine/engine-process.js  engine entry for utilityProcess.fork (ESM)
//   dist/engine/pool-worker-entry.mjs  inference worker the engine's pool starts beside it (ESM)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ELECTRON_NODE = 'node22'; // Electron 45 ships Node 22

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: ELECTRON_NODE,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

export const entries: readonly (BuildOptions & { entryPoints: string[]; outfile: string })[] = [
  {
    ...common,
    entryPoints: [path.join(root, 'main/electron/main.ts')],
    outfile: path.join(root, 'dist/main/electron/main.js'),
    format: 'esm',
    packages: 'external',
  },
  {
    ...common,
    entryPoints: [path.join(root, 'preload/index.ts')],
    outfile: path.join(root, 'dist/preload/index.cjs'),
    format: 'cjs',
    platform: 'node',
    external: ['electron'],
    minify: true,
  },
  {
    ...common,
    entryPoints: [path.join(root, 'main/host/engine-process.ts')],
    outfile: path.join(root, 'dist/engine/engine-process.js'),
    format: 'esm',
    packages: 'external',
  },
  {
    ...common,
    entryPoints: [path.join(root, 'main/engine/pool/pool-worker-main.ts')],
    outfile: path.join(root, 'dist/engine/pool-worker-entry.mjs'),
    format: 'esm',
    packages: 'external',
  },
];

async function main(): Promise<void> {
  const t0 = performance.now();
  for (const options of entries) await build(options);
  process.stdout.write(`built ${entries.map((e) => path.relative(root, e.outfile)).join(', ')} in ${Math.round(performance.now() - t0)} ms\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
