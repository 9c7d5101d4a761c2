/**
 * NumPy .npz (numpy.savez, numpy.savez_compressed): a zip archive of .npy members, each
 * stored or deflated. The zip is read with fflate (central directory, zip64 sizes, inflate);
 * each member is then an .npy file read by npy.ts. An .npz is read whole into memory (the
 * zip's directory sits at its end and a deflated member cannot be read in pieces), so its
 * size counts against `maxBytes`. Every message names the file and, past the directory,
 * the member: `caps.npz: member 'q.npy': header field 'shape': …`.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { bytesSource, DEFAULT_CHUNK_SIZE, progressReporter, readExactly, throwIfAborted } from './bytes';
import { defineFormat, type FormatReadOptions, type TensorArchive } from './module';
import { decodeNpy, npyFormat, readNpyHeader, type NpyHeader } from './npy';
import { formatShape, formatSize, showText } from './numbers';
import { checkOutputSize, DEFAULT_MAX_BYTES } from './output';
import { FormatError, type ByteSource, type LoadedEmbeddings } from './types';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4, a local file header

export const npzFormat = defineFormat({
  id: 'npz',
  title: 'NumPy .npz',
  extensions: ['npz'],
  // a zip whose first member is an .npy array: what numpy.savez writes
  magic: (head) => ZIP_MAGIC.every((b, i) => head[i] === b) && firstMemberName(head).endsWith('.npy'),
  read: readNpz,
  openTensors: openNpz,
  tensorNames: npzMemberNames,
});

/** The end of central directory record: its signature, and the most bytes it and its comment take. */
const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_MAX = 22 + 0xffff;

/**
 * The .npy members' names (without `.npy`) from the zip's central directory, reading only the
 * end of the file: how a capture is told from embeddings without reading a 1 GB archive.
 * null where the directory is not a plain one (zip64 offsets, a damaged archive): the caller
 * then reads the archive as usual, whose messages say what is wrong.
 */
async function npzMemberNames(source: ByteSource): Promise<string[] | null> {
  const tailLength = Math.min(source.size, EOCD_MAX);
  const tail = await readExactly(source, source.size - tailLength, tailLength);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) {
      at = i;
      break;
    }
  }
  if (at < 0) return null;
  const entries = view.getUint16(at + 10, true);
  const size = view.getUint32(at + 12, true);
  const offset = view.getUint32(at + 16, true);
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff || offset + size > source.size) return null;
  const directory = await readExactly(source, offset, size);
  const dir = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const names: string[] = [];
  let p = 0;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > directory.length || dir.getUint32(p, true) !== CENTRAL_SIGNATURE) return null;
    const nameLength = dir.getUint16(p + 28, true);
    const extraLength = dir.getUint16(p + 30, true);
    const commentLength = dir.getUint16(p + 32, true);
    if (p + 46 + nameLength > directory.length) return null;
    const name = new TextDecoder('utf-8').decode(directory.subarray(p + 46, p + 46 + nameLength));
    if (name.endsWith('.npy')) names.push(partName(name));
    p += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** The name in the zip's first local header, or '' when the head is too short to hold it. */
function firstMemberName(head: Uint8Array): string {
  if (head.length < 30) return '';
  const length = head[26] | (head[27] << 8);
  if (30 + length > head.length) return '';
  return new TextDecoder('latin1').decode(head.subarray(30, 30 + length));
}

/** An opened .npz: its bytes and the .npy members its directory lists. */
interface Zip {
  file: string;
  bytes: Uint8Array;
  members: UnzipFileInfo[];
}

async function readZip(source: ByteSource, options: FormatReadOptions): Promise<Zip> {
  const file = source.name;
  if (source.size === 0) throw new FormatError(file, '', 'the file is empty; expected a .npz archive');
  const limit = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (source.size > limit) {
    throw new FormatError(file, '', `the archive is ${formatSize(source.size)}, more than the limit of ${formatSize(limit)} (an .npz is read whole)`);
  }
  const bytes = new Uint8Array(source.size);
  const progress = progressReporter(options.onProgress);
  const chunk = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  for (let at = 0; at < source.size; at += chunk) {
    throwIfAborted(options.signal, file);
    const length = Math.min(chunk, source.size - at);
    bytes.set(await readExactly(source, at, length), at);
    progress((at + length) / source.size);
  }
  const members: UnzipFileInfo[] = [];
  try {
    // the filter sees each entry of the central directory; declining all of them lists without inflating
    unzipSync(bytes, {
      filter: (info) => {
        members.push(info);
        return false;
      },
    });
  } catch (e) {
    throw new FormatError(file, '', `cannot read the zip directory (${zipProblem(e)}): the file is truncated or is not a .npz archive`);
  }
  if (members.length === 0) throw new FormatError(file, '', 'the archive holds no arrays');
  for (const m of members) {
    if (!m.name.endsWith('.npy')) {
      throw new FormatError(file, `member ${showText(m.name)}`, 'is not a .npy array; expected an .npz written by numpy.savez, whose members are all .npy files');
    }
  }
  return { file, bytes, members };
}

/** fflate's message (it never quotes the data), or a generic one. */
function zipProblem(e: unknown): string {
  return e instanceof Error && e.message ? e.message : 'unreadable zip data';
}

const partName = (member: string) => member.slice(0, -'.npy'.length);

/** One member's bytes, inflated when deflated, as an .npy source named after the file and member. */
function memberSource(zip: Zip, member: UnzipFileInfo, maxBytes: number | undefined): ByteSource {
  const place = `member '${member.name}'`;
  if (member.compression !== 0 && member.compression !== 8) {
    throw new FormatError(zip.file, place, `uses zip compression method ${member.compression}; expected stored (0) or deflated (8), as numpy writes`);
  }
  const limit = maxBytes ?? DEFAULT_MAX_BYTES;
  if (member.originalSize > limit) {
    throw new FormatError(zip.file, place, `unpacks to ${formatSize(member.originalSize)}, more than the limit of ${formatSize(limit)}`);
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = unzipSync(zip.bytes, { filter: (info) => info.name === member.name })[member.name];
  } catch (e) {
    throw new FormatError(zip.file, place, `cannot unpack it (${zipProblem(e)}): the file is truncated or corrupt`);
  }
  if (!bytes) throw new FormatError(zip.file, place, 'cannot unpack it: the file is truncated or corrupt');
  if (bytes.length !== member.originalSize) {
    throw new FormatError(zip.file, place, `unpacked to ${formatSize(bytes.length)} where the directory says ${formatSize(member.originalSize)}: the file is truncated or corrupt`);
  }
  return bytesSource(`${zip.file}: ${place}`, bytes);
}

function listMembers(members: UnzipFileInfo[]): string {
  const shown = members.slice(0, 20).map((m) => `'${partName(m.name)}'`);
  if (members.length > 20) shown.push(`and ${members.length - 20} more`);
  return shown.join(', ');
}

function findMember(zip: Zip, name: string): UnzipFileInfo {
  const found = zip.members.find((m) => m.name === `${name}.npy`) ?? zip.members.find((m) => m.name === name);
  if (!found) throw new FormatError(zip.file, `array '${name}'`, `no such array; the file holds ${listMembers(zip.members)}`);
  return found;
}

/** Embeddings from one member: the one named by `part`, or the only one. */
async function readNpz(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const zip = await readZip(source, options);
  let member: UnzipFileInfo;
  if (options.part !== undefined) member = findMember(zip, options.part);
  else if (zip.members.length === 1) member = zip.members[0];
  else throw new FormatError(zip.file, '', `${zip.members.length} arrays could be embeddings; choose one by name: ${listMembers(zip.members)}`);
  const loaded = await npyFormat.read(memberSource(zip, member, options.maxBytes), { ...options, onProgress: undefined });
  const parts = zip.members.map((m) => partName(m.name));
  return { ...loaded, format: 'npz', ...(parts.length > 1 ? { parts } : {}), part: partName(member.name) };
}

/** Every member as a tensor of any rank (captures read several). */
async function openNpz(source: ByteSource, options: FormatReadOptions = {}): Promise<TensorArchive> {
  const zip = await readZip(source, options);
  // a member is unpacked once, when first described or read
  const opened = new Map<string, { source: ByteSource; header: NpyHeader; place: string }>();
  const open = async (name: string) => {
    const member = findMember(zip, name);
    let entry = opened.get(member.name);
    if (!entry) {
      const memberBytes = memberSource(zip, member, options.maxBytes);
      entry = { source: memberBytes, header: await readNpyHeader(memberBytes), place: `member '${member.name}'` };
      opened.set(member.name, entry);
    }
    return entry;
  };
  return {
    format: 'npz',
    names: zip.members.map((m) => partName(m.name)),
    metadata: {},
    async describe(name) {
      const { header, place } = await open(name);
      return { dtype: header.descr, shape: header.shape, place };
    },
    async read(name, readOptions = {}) {
      const { header, source: member } = await open(name);
      const { shape } = header;
      if (shape.length === 0) throw new FormatError(member.name, "header field 'shape'", 'expected an array, found a 0-D array (a single number)');
      checkOutputSize(
        member.name,
        "header field 'shape'",
        shape.reduce((a, b) => a * b, 1),
        readOptions.maxBytes,
        `the array of shape ${formatShape(shape)}`,
      );
      return (await decodeNpy(member, header, { ...readOptions, flat: true })).data;
    },
  };
}
