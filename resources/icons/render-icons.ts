// Renders the app icon PNGs from icon.svg: `npx tsx resources/icons/render-icons.ts` (run from the repo root).
import sharp from 'sharp';
const svg = await import('node:fs').then((fs) => fs.readFileSync('resources/icons/icon.svg'));
await sharp(svg, { density: 300 }).resize(1024, 1024).png().toFile('resources/icons/icon.png');
for (const s of [16, 24, 32, 48, 64, 128, 256, 512]) {
  await sharp(svg, { density: 300 }).resize(s, s).png({ compressionLevel: 9 }).toFile(`resources/icons/${s}x${s}.png`);
}
