// Engine bytes → what crosses to the UI: base64 data URLs (they survive both structured clone and
// JSON, and go straight into <img>/<audio>).
export function toDataUrl(bytes: Uint8Array, mime: string): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}
