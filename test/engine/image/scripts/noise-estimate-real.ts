// CC15-real: blind σ estimate of each noisy crop vs the σ measured from (noisy − mean-of-shots).
// Run: npx tsx test/engine/image/scripts/noise-estimate-real.ts
import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import { estimateNoiseLevels } from '../../../../main/engine/image/noise-estimate.ts';

const dir = new URL('../../../../../shared/data/images/eval/CC15-real/', import.meta.url).pathname;
const rows: string[] = [];
let sumAbs = 0, sumRatio = 0, n = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('_real.png')).sort()) {
  const noisy = await sharp(dir + f).raw().toBuffer({ resolveWithObject: true });
  const mean = await sharp(dir + f.replace('_real', '_mean')).raw().toBuffer();
  let ss = 0;
  for (let i = 0; i < mean.length; i++) ss += (noisy.data[i] - mean[i]) ** 2;
  const measured = Math.sqrt(ss / mean.length);
  const lv = estimateNoiseLevels([{ data: noisy.data, width: noisy.info.width, height: noisy.info.height, channels: noisy.info.channels }]);
  const lm = estimateNoiseLevels([{ data: mean, width: noisy.info.width, height: noisy.info.height, channels: noisy.info.channels }]);
  const est = lv.sigma;
  rows.push(`${f.padEnd(30)} measured ${measured.toFixed(2).padStart(6)}  auto ${est.toFixed(2).padStart(6)} (white ${lv.white.toFixed(2)}, flat ${lv.flat.toFixed(2)}; mean image auto ${lm.sigma.toFixed(2)})`);
  sumAbs += Math.abs(est - measured); sumRatio += est / measured; n++;
}
console.log(rows.join('\n'));
console.log(`MAE ${(sumAbs / n).toFixed(2)}  mean ratio estimate/measured ${(sumRatio / n).toFixed(3)}  (${n} pairs)`);
