/** `qklab run --backend`: the JSON says which backend ran and how long it took; webgpu under Node is an error that says why. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src-main/cli/main';

const dir = mkdtempSync(join(tmpdir(), 'qklab-cli-backend-'));
const job = join(dir, 'job.json');
writeFileSync(
  job,
  JSON.stringify({
    embeddings: {
      inline: {
        vectors: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      },
    },
    backend: 'webgpu',
  }),
);
afterEach(() => vi.restoreAllMocks());

async function qklab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('qklab run --backend', () => {
  it('--backend wasm overrides the file; the JSON names the backend and the compute time', async () => {
    const r = await qklab('run', job, '--json', '--backend', 'wasm', '--workers', '1', '--threads', '1');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.backend).toBe('wasm (1 worker × 1 thread)');
    expect(out.timing.backend).toBe(out.backend);
    expect(out.timing.computeMs).toBeGreaterThan(0);
    expect(out.timing.totalMs).toBeGreaterThanOrEqual(out.timing.computeMs);
  });

  it('--backend cpu runs the pool on onnxruntime-node (installed with the app), with the same numbers as wasm', async () => {
    const cpu = JSON.parse((await qklab('run', job, '--json', '--backend', 'cpu', '--workers', '1', '--threads', '1')).stdout);
    const wasm = JSON.parse((await qklab('run', job, '--json', '--backend', 'wasm', '--workers', '1', '--threads', '1')).stdout);
    expect(cpu.backend).toBe('native CPU (1 worker × 1 thread)');
    const weights = (o: { heads: { weights: number[][] }[] }) => o.heads[0].weights.flat();
    const [a, b] = [weights(cpu), weights(wasm)];
    expect(a).toHaveLength(9);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-6);
  });

  it('webgpu (from the file) fails with a message saying it needs a browser context', async () => {
    const r = await qklab('run', job, '--json', '--workers', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qklab: the WebGPU backend needs a browser context/);
  });

  it('an unknown backend is a usage error', async () => {
    const r = await qklab('run', job, '--json', '--backend', 'cuda');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--backend: expected one of auto, cpu, wasm, webgpu, got "cuda"/);
  });

  it('a --workers that is not a whole number ≥ 1 is a usage error naming the flag (not a broken pool)', async () => {
    const r = await qklab('run', job, '--json', '--backend', 'wasm', '--workers', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('qklab: --workers expects a whole number ≥ 1, got "abc"');
  });
});
