/** Writing .npy (version 1.0, little-endian, C order): the data export every numpy user reads. */

const DESCR: Record<string, string> = { Float32Array: '<f4', Float64Array: '<f8', Int32Array: '<i4', Uint8Array: '|u1' };

export function encodeNpy(data: Float32Array | Float64Array | Int32Array | Uint8Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`cannot write ${data.length} values as shape ${shape.join('×')}`);
  const descr = DESCR[data.constructor.name];
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic(6) + version(2) + header length(2) + header, padded with spaces to a multiple of 64, ending in \n
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // typed arrays are little-endian on every platform Electron and Node ship for
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
