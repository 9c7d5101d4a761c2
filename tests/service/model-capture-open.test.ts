/**
 * An ONNX model opened in the app (issue #17 part 3): Open… on an .onnx answers the model
 * (with the tokenizer.json beside it, or none); captureModel runs the CLI's own capture in a
 * worker thread (the same bytes as captureFile + encodeCapture, torch's numbers), cancellable;
 * the capture is an app-owned file opened as a capture source, which a session reopens; bad
 * input gets a message naming the model. Expected numbers come from torch
 * (tests/fixtures/model-capture/*.expected.safetensors), never from the code under test.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { captureFile } from '../../src-main/service/captures/capture-file';
import { encodeCapture } from '../../src-main/service/captures/capture-output';
import { captureInWorker } from '../../src-main/service/captures/capture-thread';
import { capturesDir } from '../../src-main/service/captures/model-captures';
import { isModelFileInfo, type ProgressEvent } from '../../src-shared/api/lab-api';
import { EXPECTED_IDS, FIXTURES, floatTensor, model, node, readSafetensors, table } from '../capture/helpers';
import { ScriptedHost, tempDir } from './helpers';

const HF = join(FIXTURES, 'hf.onnx');
const HOOKS = ['hook_q', 'hook_k', 'hook_v', 'hook_pattern'] as const;
/** the words of EXPECTED_IDS in the fixture's tokenizer (WordPiece over 50 words; "xyzzy" is [UNK], id 0) */
const TEXT = 'Sat house tree a he mat fish to seven xyzzy';

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
/** hf.onnx alone in a folder: no tokenizer.json beside it */
let alone: string;
let n = 0;

beforeAll(() => {
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  tmp = tempDir('qklab-model-open-');
  alone = join(tmp.dir, 'alone', 'hf.onnx');
  mkdirSync(dirname(alone));
  copyFileSync(HF, alone);
});

afterAll(async () => {
  await pool?.close();
  tmp?.cleanup();
});

async function makeService(userDataDir = join(tmp.dir, `user-${++n}`)) {
  const host = new ScriptedHost(userDataDir);
  const progress: ProgressEvent[] = [];
  const service = await LabService.create({ host, backend: pool, version: '9.9.9', onProgress: (e) => progress.push(e) });
  return { host, service, progress };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('the capture worker thread', () => {
  it("gives captureFile's capture byte for byte (torch's numbers), with progress to the end", async () => {
    const fractions: number[] = [];
    const inWorker = await captureInWorker(HF, { ids: EXPECTED_IDS }, { onProgress: (f) => fractions.push(f) });
    const inProcess = encodeCapture(await captureFile(HF, { ids: EXPECTED_IDS }));
    expect(Buffer.from(inWorker.bytes).equals(Buffer.from(inProcess))).toBe(true);
    expect(inWorker).toMatchObject({ layers: 2, heads: 4, positions: EXPECTED_IDS.length });
    expect(fractions.length).toBeGreaterThan(2);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    const got = readSafetensors(inWorker.bytes).tensors;
    const torch = readSafetensors(new Uint8Array(readFileSync(join(FIXTURES, 'hf.expected.safetensors')))).tensors;
    for (const l of [0, 1])
      for (const hook of HOOKS) expect(maxAbsDiff(got.get(`blocks.${l}.attn.${hook}`)!.data, torch.get(`blocks.${l}.attn.${hook}`)!.data)).toBeLessThanOrEqual(1e-5);
  });

  it('cancel terminates the worker and rejects with the reason', async () => {
    const controller = new AbortController();
    let exited: Promise<number> | null = null;
    const capture = captureInWorker(HF, { ids: EXPECTED_IDS }, { signal: controller.signal, onWorker: (w: Worker) => (exited = new Promise((r) => w.once('exit', r))) });
    setTimeout(() => controller.abort(new Error('the job was cancelled')), 50);
    await expect(capture).rejects.toThrow('the job was cancelled');
    expect(exited).not.toBeNull();
    expect(typeof (await exited!)).toBe('number');
  });

  it('bad ids: the message names the model and the id', async () => {
    await expect(captureInWorker(HF, { ids: [3, 50] })).rejects.toThrow('id 50 (position 1) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49');
  });
});

describe('Open… on an .onnx, then captureModel', () => {
  it('with the tokenizer.json beside it: a text becomes the capture source, an app-owned file, with progress', async () => {
    const { host, service, progress } = await makeService();
    host.opens.push(HF);
    const model = await service.openEmbeddings({});
    expect(model).toEqual({ name: 'hf.onnx', path: HF, model: { tokenizer: 'tokenizer.json' } });
    const info = await service.captureModel({ path: HF, captureId: 'cap-1', text: TEXT });
    expect(info.capture).toEqual({ naming: 'transformer-lens', layers: [0, 1], layer: 0, heads: 4, Tq: 10, Tk: 10, dHead: 8, dv: 8, pattern: true });
    expect(info.tokens).toEqual(['sat', 'house', 'tree', 'a', 'he', 'mat', 'fish', 'to', 'seven', '[UNK]']);
    expect(dirname(info.path)).toBe(capturesDir(service.userDataDir));
    expect(info.name).toMatch(/^hf-[0-9a-f]{12}\.safetensors$/);
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(info.path)));
    expect(JSON.parse(metadata.input_ids)).toEqual(EXPECTED_IDS);
    expect(metadata.text).toBe(TEXT);
    const torch = readSafetensors(new Uint8Array(readFileSync(join(FIXTURES, 'hf.expected.safetensors')))).tensors;
    expect(maxAbsDiff(tensors.get('blocks.1.attn.hook_pattern')!.data, torch.get('blocks.1.attn.hook_pattern')!.data)).toBeLessThanOrEqual(1e-5);
    const mine = progress.filter((e) => e.runId === 'cap-1');
    expect(mine.every((e) => e.stage === 'capturing')).toBe(true);
    expect(mine.length).toBeGreaterThan(2);
    // the capture runs like any capture file: the model's own scoring (dot, causal) at layer 1 is the model's pattern
    const run = await service.runJob({ runId: 'r1', job: { capture: { path: info.path, layer: 1 }, metric: { id: 'dot' }, mask: [{ id: 'causal' }] } });
    for (const d of run.result.modelDivergence!) expect(d!).toBeLessThan(1e-5);
  });

  it('without a tokenizer.json: typed ids; bad ids, a text and a non-model get messages naming the file', async () => {
    const { host, service } = await makeService();
    host.opens.push(alone);
    const model = await service.openEmbeddings({});
    expect(model && isModelFileInfo(model) && model.model.tokenizer).toBeNull();
    const info = await service.captureModel({ path: alone, captureId: 'cap-1', ids: EXPECTED_IDS.join(', ') });
    expect(info.tokens).toEqual(EXPECTED_IDS.map(String));
    await expect(service.captureModel({ path: alone, captureId: 'cap-2', ids: '3 14, 99' })).rejects.toThrow(
      'id 99 (position 2) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49',
    );
    await expect(service.captureModel({ path: alone, captureId: 'cap-3', ids: '3, x1' })).rejects.toThrow('hf.onnx: token id 1 is "x1": expected a whole number ≥ 0');
    await expect(service.captureModel({ path: alone, captureId: 'cap-4', ids: ' ' })).rejects.toThrow(/^hf\.onnx: no token ids/);
    await expect(service.captureModel({ path: alone, captureId: 'cap-5', text: 'the cat' })).rejects.toThrow(/^hf\.onnx: there is no tokenizer\.json beside the model/);
    const junk = join(tmp.dir, 'alone', 'junk.onnx');
    writeFileSync(junk, 'SECRET-CONTENT not a protobuf at all');
    host.opens.push(junk);
    await service.openEmbeddings({});
    const error = await service.captureModel({ path: junk, captureId: 'cap-6', ids: '1' }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^junk\.onnx: not an ONNX model/);
    expect((error as Error).message).not.toContain('SECRET');
  });

  it('a fused Attention op and a model with no Softmax come back from the worker naming the file', async () => {
    const { host, service } = await makeService();
    const fused = join(tmp.dir, 'alone', 'fused.onnx');
    writeFileSync(fused, model([node('MultiHeadAttention', ['input_ids', 'input_ids', 'input_ids'], ['out'], {}, 'com.microsoft')], [], 'out', [], ['com.microsoft']));
    const plain = join(tmp.dir, 'alone', 'plain.onnx');
    writeFileSync(plain, model([node('Gather', ['emb', 'input_ids'], ['x'])], [floatTensor('emb', [10, 4], table(40))], 'x'));
    host.opens.push(fused, plain);
    await service.openEmbeddings({});
    await service.openEmbeddings({});
    await expect(service.captureModel({ path: fused, captureId: 'f', ids: '1' })).rejects.toThrow(
      /^fused\.onnx: attention is fused into MultiHeadAttention \(com\.microsoft\) ops/,
    );
    await expect(service.captureModel({ path: plain, captureId: 'p', ids: '1' })).rejects.toThrow(/^plain\.onnx: the model has no Softmax node/);
  });

  it('refuses a model the user did not open; cancelJob stops a capture in flight', async () => {
    const { service } = await makeService();
    await expect(service.captureModel({ path: HF, captureId: 'cap-1', ids: '1' })).rejects.toThrow(/will not read/);
    const { host, service: s2, progress } = await makeService();
    host.opens.push(HF);
    await s2.openEmbeddings({});
    const capture = s2.captureModel({ path: HF, captureId: 'cap-9', text: TEXT });
    await expect.poll(() => progress.some((e) => e.runId === 'cap-9')).toBe(true);
    await s2.cancelJob({ runId: 'cap-9' });
    await expect(capture).rejects.toThrow(/cancelled/);
    expect(existsSync(capturesDir(s2.userDataDir))).toBe(false);
  });

  it('a session naming the app’s capture asks for it like any file outside its folder, then reopens it with its heads', async () => {
    const userDataDir = join(tmp.dir, `user-${++n}`);
    const first = await makeService(userDataDir);
    first.host.opens.push(HF);
    await first.service.openEmbeddings({});
    const info = await first.service.captureModel({ path: HF, captureId: 'cap-1', text: TEXT });
    const session = join(tmp.dir, 'sessions', `s-${n}.qklab`);
    mkdirSync(dirname(session), { recursive: true });
    first.host.saves.push(session);
    const job = { capture: { path: info.path, layer: 1, heads: [2] }, metric: { id: 'dot' as const } };
    await first.service.saveSession({ session: { job, view: {} }, saveAs: true });
    await first.service.close();
    const again = await makeService(userDataDir);
    again.host.opens.push(session);
    const opened = (await again.service.openSession({}))!;
    // the app wrote it, but a session file from anywhere could name it: the user confirms it
    expect(opened.outside).toEqual([info.path]);
    expect(opened.sources).toEqual([]);
    expect(opened.session.job.capture).toEqual({ path: info.path, layer: 1, heads: [2] });
    const granted = await again.service.grantSessionFiles({ paths: [info.path] });
    expect(granted.sources.map((s) => s.path)).toEqual([info.path]);
  });
});
