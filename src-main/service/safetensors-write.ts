/**
 * Writing .safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, the JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {…}}`
 * padded with spaces to a multiple of 8 (as the reference writer pads, so every tensor's data
 * starts aligned), then the tensors' bytes in the order given. The data the capture writes,
 * readable by `safetensors.numpy.load_file` and src-shared/formats/safetensors.ts.
 */

export interface SafetensorsEntry {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: readonly SafetensorsEntry[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`cannot write ${t.data.length} values of ${t.name} as shape ${t.shape.join('×')}`);
    if (t.name === '__metadata__' || t.name in header) throw new Error(`the tensor name ${t.name} is used twice`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - (json.length % 8)) % 8;
  if (padding > 0) {
    const padded = new Uint8Array(json.length + padding).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    // typed arrays are little-endian on every platform Electron and Node ship for
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
