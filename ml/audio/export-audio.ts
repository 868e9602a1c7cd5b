// Ships a trained audio DAE: copies model.json + weights.bin from a checkpoint (default
// checkpoints/audio-dae/best) to resources/models/audio-dae, after checking that it loads.
// `npx tsx ml/audio/export-audio.ts [--from <checkpoint dir>] [--to <model dir>]`
import { copyFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { loadAudioDenoiser } from '../../main/engine/models/audio-denoiser.ts';

export async function exportAudioModel(from = 'checkpoints/audio-dae/best', to = 'resources/models/audio-dae'): Promise<void> {
  await initBackend();
  const d = await loadAudioDenoiser(from); // refuses anything that is not a complete Hush audio DAE
  await mkdir(to, { recursive: true });
  for (const f of ['weights.bin', 'model.json']) {
    const tmp = path.join(to, `${f}.tmp-${process.pid}`);
    await copyFile(path.join(from, f), tmp);
    await rename(tmp, path.join(to, f));
  }
  console.log(`exported ${from} (${d.model.countParams()} params, ${d.meta.steps ?? '?'} steps) → ${to}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = process.argv.slice(2);
  const get = (k: string) => (a.includes(k) ? a[a.indexOf(k) + 1] : undefined);
  exportAudioModel(get('--from'), get('--to')).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
