import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import { estimateNoiseLevels } from '../../../../main/engine/image/noise-estimate.ts';
const dir = new URL('../../../../../shared/data/images/eval/CBSD68/', import.meta.url).pathname;
const files = readdirSync(dir).filter(f=>f.endsWith('.png')).slice(0, Number(process.argv[2] ?? 68));
function randn(){ let u=0,v=0; while(!u) u=Math.random(); v=Math.random(); return Math.sqrt(-2*Math.log(u))*Math.cos(2*Math.PI*v); }
const kind = (process.argv[3] ?? 'white') as 'white' | 'flat' | 'sigma';
for (const sigma of [0, 5, 15, 25, 50]) {
  let err=0, abs=0, t0=Date.now(); const ests=[];
  for (const f of files) {
    const { data, info } = await sharp(dir+f).raw().toBuffer({resolveWithObject:true});
    const noisy = new Float32Array(data.length);
    for (let i=0;i<data.length;i++) noisy[i] = data[i] + sigma*randn();   // unclipped, float (DPIR protocol)
    const lv = estimateNoiseLevels([{ data: noisy, width: info.width, height: info.height, channels: info.channels, maxValue: 255 }]);
    const e = lv[kind];
    ests.push(e); err += e - sigma; abs += Math.abs(e - sigma);
  }
  console.log(`${kind} sigma ${sigma}: mean est ${(ests.reduce((a,b)=>a+b)/ests.length).toFixed(2)} bias ${(err/files.length).toFixed(2)} MAE ${(abs/files.length).toFixed(2)} (${files.length} imgs, ${((Date.now()-t0)/files.length).toFixed(0)} ms/img)`);
}
