// Child process for the exit test: starts a pool, runs one tile, never closes the pool.
import { startPooledImageDenoiser } from '../../../main/engine/pool/pooled-image-denoiser.ts';

const p = await startPooledImageDenoiser(process.argv[2], { size: 2 });
const out = await p.denoise({ data: new Float32Array(16 * 16 * 3).fill(0.5), width: 16, height: 16 }, 25);
console.log(`tile ${out.data.length}`);
