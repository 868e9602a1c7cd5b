// `npm run eval [-- image|audio] [--quick] [--model <dir>]`: measure the shipped models against the
// noisy input and classical baselines; prints tables and writes JSON under eval-results/.
import path from 'node:path';

interface EvalArgs {
  readonly kinds: ('image' | 'audio')[];
  readonly quick: boolean;
  readonly model?: string;
  readonly baselines: boolean;
}

function parseArgs(argv: string[]): EvalArgs {
  const kinds: ('image' | 'audio')[] = [];
  let quick = false;
  let model: string | undefined;
  let baselines = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'image' || a === 'audio') kinds.push(a);
    else if (a === '--quick') quick = true;
    else if (a === '--model') model = argv[++i];
    else if (a === '--baselines') baselines = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run eval [-- image|audio] [--quick] [--model <model dir>] [--baselines (image: noisy + NLM only)]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (usage: npm run eval [-- image|audio] [--quick] [--model <dir>])`);
  }
  return { kinds: kinds.length === 0 ? ['image', 'audio'] : kinds, quick, baselines, ...(model === undefined ? {} : { model }) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let failed = false;
  for (const kind of args.kinds) {
    try {
      if (kind === 'image') {
        const { evalImage, formatTable } = await import('./image/eval-image.ts');
        const report = await evalImage({ quick: args.quick, baselinesOnly: args.baselines, ...(args.model === undefined ? {} : { modelDir: path.resolve(args.model) }), log: (line) => process.stderr.write(`${line}\n`) });
        console.log(formatTable(report));
        console.log(`(${report.seconds.toFixed(0)} s; JSON in eval-results/image-latest.json)`);
      } else {
        // Provided by the audio side; loaded lazily so image-only runs never touch it.
        const mod = (await import('./audio/eval-audio.ts')) as { evalAudio: (o: { quick: boolean; model?: string }) => Promise<unknown> };
        await mod.evalAudio({ quick: args.quick, ...(args.model === undefined ? {} : { model: args.model }) });
      }
    } catch (err) {
      failed = true;
      console.error(`${kind} evaluation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
