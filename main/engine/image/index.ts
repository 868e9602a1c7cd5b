// Image side of the engine: probe, denoise a file, estimate noise, previews and thumbnails.
export { probeImage, type ImageProbe } from './probe.ts';
export { denoiseImageFile, type DenoiseImageOptions, type DenoiseImageContext, type DenoiseImageResult } from './pipeline.ts';
export { estimateSigma, estimateSigmaRegions, estimateFlatSigma, estimateNoiseLevels, estimateImageNoise, type NoiseImage, type NoiseLevels } from './noise-estimate.ts';
export { renderImagePreview, makeImageThumbnail, type PreviewOptions, type PreviewRegion, type ImagePreview } from './preview.ts';
export { denoiseRaster, denoiseWhole, planAxis, type TilingOptions } from './tiling.ts';
export { MemoryRaster, type PixelRaster } from './raster.ts';
export { EXTENSION, OUTPUT_FORMATS, defaultOutputFormat, formatFromExtension, maxBitDepth, type InputImageFormat } from './formats.ts';
export { DEFAULT_MAX_PIXELS } from './decode.ts';
export { DEFAULT_QUALITY } from './encode.ts';
