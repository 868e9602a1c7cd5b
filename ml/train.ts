// `npm run train -- <image|audio> [--config file.json] [--key value …]`
// Loads the config (default: the shipped model's config in ml/configs/), applies the overrides and
// hands it to the modality trainer (ml/image/train-image.ts, ml/audio/train-audio.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseArgs } from './core/cli-config.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: npm run train -- <image|audio> [--config file.json] [--key value …]

  --config FILE     base config (default ml/configs/image-dae.json or ml/configs/audio-dae.json)
  --key value       override a field; dotted keys reach nested ones, e.g.
                    --steps 20000 --batchSize 16 --optimizer.lr 3e-4 --schedule.kind cosine
Runs resume from checkpoints/<name>/ when they exist.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === '--help' || kind === '-h') {
    console.log(USAGE);
    return kind === undefined ? 2 : 0;
  }
  if (kind !== 'image' && kind !== 'audio') {
    console.error(`Unknown model kind '${kind}' (image or audio)\n\n${USAGE}`);
    return 2;
  }
  const args = parseArgs(rest);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config = await loadConfig(args, path.join(here, 'configs', `${kind}-dae.json`));
  // Dynamic imports: each trainer pulls in only its own data pipeline.
  if (kind === 'image') {
    const { trainImage } = await import('./image/train-image.ts');
    const result = await trainImage(config as unknown as Parameters<typeof trainImage>[0]);
    console.log(JSON.stringify(result));
  } else {
    const { trainAudio } = await import('./audio/train-audio.ts');
    const result = await trainAudio(config as unknown as Parameters<typeof trainAudio>[0]);
    console.log(JSON.stringify(result));
  }
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
