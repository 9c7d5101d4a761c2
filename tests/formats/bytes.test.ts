import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteCursor,
  bfloat16ArrayToFloat32,
  bfloat16ToFloat32,
  bytesSource,
  float16ArrayToFloat32,
  float16ToFloat32,
  progressReporter,
  readLines,
} from '../../src-shared/formats/bytes';
import { FormatError } from '../../src-shared/formats/types';
import { enc } from './helpers';

async function collect(bytes: Uint8Array, chunkSize: number) {
  const out: { text: string; line: number; offset: number }[] = [];
  for await (const l of readLines(bytesSource('f.txt', bytes), { chunkSize })) {
    out.push({ text: new TextDecoder().decode(l.bytes), line: l.line, offset: l.offset });
  }
  return out;
}

describe('bytesSource', () => {
  it('reads ranges and clamps at the end', async () => {
    const s = bytesSource('x', enc('hello'));
    expect(s.size).toBe(5);
    expect(new TextDecoder().decode(await s.read(1, 3))).toBe('ell');
    expect((await s.read(3, 10)).length).toBe(2);
    expect((await s.read(9, 10)).length).toBe(0);
  });
});

describe('readLines', () => {
  it('handles LF, CRLF, a BOM, blank lines and a last line without a terminator', async () => {
    const lines = await collect(enc('\uFEFFab\r\n\ncd\nef'), 4096);
    expect(lines).toEqual([
      { text: 'ab', line: 1, offset: 3 },
      { text: '', line: 2, offset: 7 },
      { text: 'cd', line: 3, offset: 8 },
      { text: 'ef', line: 4, offset: 11 },
    ]);
  });

  it('a BOM split by a 1-byte chunk size is still skipped', async () => {
    expect((await collect(enc('\uFEFFx\ny'), 1)).map((l) => l.text)).toEqual(['x', 'y']);
  });

  it('any chunk size gives the same lines, numbers and offsets (property)', async () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '日', '\r', '\t'), maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.integer({ min: 1, max: 20 }), async (ls, eol, bom, chunk) => {
        const text = (bom ? '\uFEFF' : '') + ls.join(eol);
        const bytes = enc(text);
        const whole = await collect(bytes, 1 << 20);
        const small = await collect(bytes, chunk);
        expect(small).toEqual(whole);
        // each line's offset points at its bytes
        for (const l of small) {
          expect(new TextDecoder().decode(bytes.subarray(l.offset, l.offset + enc(l.text).length))).toBe(l.text);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a line longer than maxLineBytes is a FormatError naming the line', async () => {
    const gen = readLines(bytesSource('long.txt', enc('ok\n' + 'x'.repeat(100))), { chunkSize: 8, maxLineBytes: 50 });
    const err = await (async () => {
      for await (const _ of gen) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).toMatch(/^long\.txt: line 2: the line is longer than 50 bytes/);
  });

  it('reports progress and stops when aborted', async () => {
    const progress: number[] = [];
    const controller = new AbortController();
    const err = await (async () => {
      for await (const l of readLines(bytesSource('p.txt', enc('a\nb\nc\nd\ne\n')), {
        chunkSize: 2,
        signal: controller.signal,
        onProgress: (f) => progress.push(f),
      })) {
        if (l.line === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect((err as Error).message).toBe('p.txt: loading cancelled');
    expect(progress.length).toBeGreaterThan(0);
  });
});

describe('progressReporter', () => {
  it('throttles to 1 % steps and always reports the end', () => {
    const seen: number[] = [];
    const report = progressReporter((f) => seen.push(f));
    for (let i = 0; i <= 1000; i++) report(i / 1000);
    expect(seen.length).toBeLessThanOrEqual(102);
    expect(seen.at(-1)).toBe(1);
  });
});

describe('ByteCursor', () => {
  it('refills across chunk boundaries', async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const c = new ByteCursor(bytesSource('c', bytes), 10, { chunkSize: 7 });
    await c.fill(20);
    expect(c.available()).toBeGreaterThanOrEqual(20);
    expect(c.buffer[c.pos]).toBe(10);
    c.pos += 15;
    expect(c.offset).toBe(25);
    await c.fill(100);
    expect(c.atEnd).toBe(true);
    expect(c.available()).toBe(75);
    expect(c.buffer[c.pos]).toBe(25);
  });
});

describe('half-precision conversions', () => {
  it('float16 known values', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(float16ToFloat32(0x0400)).toBe(2 ** -14); // smallest normal
    expect(float16ToFloat32(0x3555)).toBe(Math.fround(0.333251953125));
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x7c00)).toBe(Infinity);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(Array.from(float16ArrayToFloat32(new Uint16Array([0x3c00, 0x4000])))).toEqual([1, 2]);
  });

  it('every float16 converts exactly (compared with a float32 bit-level reference)', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f) continue;
      // reference: rebuild float32 bits for normal halves, scale subnormals
      const sign = bits & 0x8000 ? -1 : 1;
      const expected = exponent === 0 ? sign * (bits & 0x3ff) * 2 ** -24 : sign * 2 ** (exponent - 15) * (1 + (bits & 0x3ff) / 1024);
      expect(float16ToFloat32(bits)).toBe(expected);
    }
  });

  it('bfloat16 is the top half of a float32', () => {
    expect(bfloat16ToFloat32(0x3f80)).toBe(1);
    expect(bfloat16ToFloat32(0xc040)).toBe(-3);
    expect(bfloat16ToFloat32(0x7f80)).toBe(Infinity);
    expect(bfloat16ToFloat32(0x3e00)).toBe(0.125);
    expect(Array.from(bfloat16ArrayToFloat32(new Uint16Array([0x3f80, 0x4000])))).toEqual([1, 2]);
  });
});
