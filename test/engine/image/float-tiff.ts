// A minimal uncompressed float32 RGB TIFF writer for tests: sharp cannot write float TIFFs, and
// photographers' HDR/scientific tools do.

/** Baseline TIFF, little-endian, one strip, SampleFormat = IEEE float, values as given (usually 0–1). */
export function floatTiff(width: number, height: number, rgb: Float32Array): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError('rgb must hold width × height × 3 floats');
  const entries: Array<[tag: number, type: number, count: number, value: number | number[]]> = [];
  const SHORT = 3;
  const LONG = 4;
  const pixelBytes = rgb.length * 4;
  const ifdEntries = 12;
  const ifdOffset = 8;
  const ifdSize = 2 + ifdEntries * 12 + 4;
  const bitsOffset = ifdOffset + ifdSize; // 3 SHORTs
  const formatOffset = bitsOffset + 6; // 3 SHORTs
  const dataOffset = formatOffset + 6;
  entries.push([256, LONG, 1, width]);
  entries.push([257, LONG, 1, height]);
  entries.push([258, SHORT, 3, bitsOffset]); // BitsPerSample 32,32,32
  entries.push([259, SHORT, 1, 1]); // no compression
  entries.push([262, SHORT, 1, 2]); // RGB
  entries.push([273, LONG, 1, dataOffset]); // StripOffsets
  entries.push([277, SHORT, 1, 3]); // SamplesPerPixel
  entries.push([278, LONG, 1, height]); // RowsPerStrip
  entries.push([279, LONG, 1, pixelBytes]); // StripByteCounts
  entries.push([284, SHORT, 1, 1]); // PlanarConfiguration contiguous
  entries.push([296, SHORT, 1, 1]); // ResolutionUnit none
  entries.push([339, SHORT, 3, formatOffset]); // SampleFormat 3,3,3 (IEEE float); tags stay sorted
  const buf = Buffer.alloc(dataOffset + pixelBytes);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdOffset, 4);
  buf.writeUInt16LE(ifdEntries, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const o = ifdOffset + 2 + i * 12;
    buf.writeUInt16LE(tag, o);
    buf.writeUInt16LE(type, o + 2);
    buf.writeUInt32LE(count, o + 4);
    if (type === SHORT && count === 1) buf.writeUInt16LE(value as number, o + 8);
    else buf.writeUInt32LE(value as number, o + 8);
  });
  buf.writeUInt32LE(0, ifdOffset + 2 + ifdEntries * 12); // no next IFD
  for (let i = 0; i < 3; i++) buf.writeUInt16LE(32, bitsOffset + 2 * i);
  for (let i = 0; i < 3; i++) buf.writeUInt16LE(3, formatOffset + 2 * i);
  for (let i = 0; i < rgb.length; i++) buf.writeFloatLE(rgb[i], dataOffset + 4 * i);
  return buf;
}
