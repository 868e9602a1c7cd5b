// `npm run dev:web`: the desktop app's handlers and the real engine (Node child process) served to a
// browser on loopback. Prints the page URL with its token; exports go to a fixed folder.
//   --port N            port (default: a free one)            env HUSH_WEB_PORT
//   --output-dir DIR    where exports go (default: a new temp folder)  env HUSH_WEB_OUTPUT_DIR
//   --data-dir DIR      where settings are kept (default ~/.config/hush-web)  env HUSH_WEB_DATA_DIR
//   --renderer DIR      built renderer (default dist/renderer)
//   --allow-origin URL  also accept sockets from this page origin (e.g. a Vite dev server)
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EngineClient } from '../host/engine-client.ts';
import { EngineSupervisor } from '../ipc/engine-supervisor.ts';
import { FileRegistry } from '../ipc/file-registry.ts';
import { SettingsStore } from '../ipc/settings-store.ts';
import { startWebBridge } from './server.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'output-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      renderer: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const port = Number(values.port ?? process.env.HUSH_WEB_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const outputDir = path.resolve(values['output-dir'] ?? process.env.HUSH_WEB_OUTPUT_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'hush-output-'))));
  await mkdir(outputDir, { recursive: true });
  const dataDir = path.resolve(values['data-dir'] ?? process.env.HUSH_WEB_DATA_DIR ?? path.join(os.homedir(), '.config', 'hush-web'));
  const rendererDir = path.resolve(values.renderer ?? path.join(repo, 'dist', 'renderer'));
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    process.stderr.write(`hush web bridge: no built renderer in ${rendererDir} (run \`npm run build:renderer\`); serving the socket only.\n`);
  }

  const settings = new SettingsStore(path.join(dataDir, 'settings.json'));
  await settings.load();
  const registry = new FileRegistry();
  const client = new EngineClient();
  const engine = new EngineSupervisor(client);
  engine.start();

  const bridge = await startWebBridge({
    engine,
    registry,
    settings,
    outputDir,
    rendererDir,
    port,
    allowOrigins: values['allow-origin'] ?? [],
    version: process.env.npm_package_version ?? '0.0.0',
  });
  engine.onStatus((s) => process.stdout.write(`engine: ${s.state}${s.backend ? ` (${s.backend})` : ''}${s.message ? ` — ${s.message}` : ''}\n`));

  process.stdout.write(
    [
      'Hush web bridge (loopback only)',
      `  open:    ${bridge.pageUrl}`,
      `  outputs: ${outputDir}`,
      `HUSH_WEB_URL=${bridge.pageUrl}`,
      '',
    ].join('\n'),
  );

  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    void bridge
      .close()
      .then(() => engine.stop())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`hush web bridge: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
