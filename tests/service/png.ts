/** A small PNG reader for tests: checks the signature and every chunk's CRC, inflates the image data. */
import { inflateSync, crc32 } from 'node:zlib';

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** bytes of decompressed scanlines (height × (1 + width × bytes per pixel)) */
  rawBytes: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function readPng(bytes: Uint8Array): PngInfo {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  SIGNATURE.forEach((b, i) => {
    if (buf[i] !== b) throw new Error('not a PNG: bad signature');
  });
  let offset = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    const crc = buf.readUInt32BE(offset + 8 + length);
    if (crc32(buf.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`PNG chunk ${type} has a bad CRC`);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  if (!ihdr || !ended || !idat.length) throw new Error('PNG is missing IHDR, IDAT or IEND');
  const info = { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), bitDepth: ihdr[8], colorType: ihdr[9] };
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = (CHANNELS[info.colorType] * info.bitDepth) / 8;
  const expected = info.height * (1 + Math.ceil(info.width * bpp));
  if (raw.length !== expected) throw new Error(`PNG image data is ${raw.length} bytes, expected ${expected}`);
  return { ...info, rawBytes: raw.length };
}
