// The fixed train/validation split of ../shared/data images (documented in ml/image/SPLIT.md).
// Validation = every 12th CBSD432 image in sorted order (36 images); eval/ is never touched here.
import path from 'node:path';
import { listImages } from './images.ts';

export const DATA_ROOT = path.resolve(process.cwd(), '../shared/data/images');
export const TRAIN_DIRS = ['train/CBSD432', 'train/free-photos'] as const;
/** Validation images are the CBSD432 ones whose sorted index is a multiple of this. */
export const VALIDATION_EVERY = 12;

export interface ImageSplit {
  readonly train: string[];
  readonly validation: string[];
}

export async function imageSplit(root: string = DATA_ROOT): Promise<ImageSplit> {
  const train: string[] = [];
  const validation: string[] = [];
  const cbsd = await listImages(path.join(root, 'train/CBSD432'));
  cbsd.forEach((n, i) => (i % VALIDATION_EVERY === 0 ? validation : train).push(path.join(root, 'train/CBSD432', n)));
  for (const n of await listImages(path.join(root, 'train/free-photos'))) train.push(path.join(root, 'train/free-photos', n));
  return { train, validation };
}
