/**
 * The packaged app's configuration (build/electron-builder.yml; electron-builder itself
 * cannot run here: no Electron binary): the fuses of the security checklist are set, and
 * `asarUnpack` takes out of the archive only what must live on disk — onnxruntime-web's
 * wasm and its loaders, native addons — never the app's own code, which an unpacked
 * file would take out of the asar integrity check those fuses turn on.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CONFIG = fileURLToPath(new URL('../../build/electron-builder.yml', import.meta.url));
const ORT_DIST = fileURLToPath(new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url));

/** The top-level `key:` of the config: its list items, its `name: value` pairs, or its inline value. */
function section(yaml: string, key: string): { value: string; items: string[]; pairs: Record<string, string> } {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${key}:`));
  if (at < 0) throw new Error(`${key} is not in the config`);
  // YAML quotes a string with either mark (the formatter writes single quotes)
  const unquote = (s: string) => s.trim().replace(/^(["'])(.*)\1$/, '$2');
  const items: string[] = [];
  const pairs: Record<string, string> = {};
  for (const line of lines.slice(at + 1)) {
    if (!/^\s/.test(line) || !line.trim()) break;
    if (line.trim().startsWith('#')) continue;
    const item = /^\s+-\s+(.*)$/.exec(line);
    const pair = /^\s+([\w]+):\s*(.*)$/.exec(line);
    if (item) items.push(unquote(item[1]));
    else if (pair) pairs[pair[1]] = unquote(pair[2]);
  }
  return { value: unquote(lines[at].slice(key.length + 1).replace(/#.*$/, '')), items, pairs };
}

/** An electron-builder (minimatch) pattern as a RegExp over paths relative to the app folder: *, **, {a,b}. */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (pattern.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const yaml = readFileSync(CONFIG, 'utf8');
const unpack = section(yaml, 'asarUnpack').items.map(globRegExp);
const unpacked = (path: string) => unpack.some((re) => re.test(path));

describe('the packaged app', () => {
  it('is an asar archive whose integrity is checked, and loads only from it (the fuses)', () => {
    expect(section(yaml, 'asar').value).toBe('true');
    expect(section(yaml, 'electronFuses').pairs).toEqual({
      runAsNode: 'false',
      enableCookieEncryption: 'true',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      loadBrowserProcessSpecificV8Snapshot: 'false',
      grantFileProtocolExtraPrivileges: 'false',
    });
  });

  it("keeps the app's own code inside the archive: main, its workers and chunks, the preloads, the renderer", () => {
    for (const path of [
      'out/main/index.js',
      'out/main/engine-worker.js',
      'out/main/export-worker.js',
      'out/main/capture-worker.js',
      'out/main/chunks/lab-service-abc123.js',
      'out/preload/index.cjs',
      'out/preload/compute.cjs',
      'out/renderer/index.html',
      'out/renderer/assets/index-abc123.js',
      'out/renderer/assets/ort-wasm-simd-threaded.jsep-abc123.wasm',
      'package.json',
      'node_modules/onnxruntime-web/dist/ort.node.min.mjs',
      'node_modules/@resvg/resvg-js/index.js',
      'node_modules/valibot/dist/index.js',
    ]) {
      expect(unpacked(path), path).toBe(false);
    }
  });

  it("unpacks what is loaded by path from outside: every wasm of onnxruntime-web's and its loaders, native addons", () => {
    const ort = readdirSync(ORT_DIST).filter((f) => /^ort-wasm-.*\.(wasm|mjs)$/.test(f));
    expect(ort).toContain('ort-wasm-simd-threaded.wasm');
    for (const file of ort) expect(unpacked(`node_modules/onnxruntime-web/dist/${file}`), file).toBe(true);
    expect(unpacked('node_modules/@resvg/resvg-js-linux-x64-gnu/resvgjs.linux-x64-gnu.node')).toBe(true);
    // onnxruntime-node's addon and the libonnxruntime it links, for every platform's folder the package has
    const bin = fileURLToPath(new URL('../../node_modules/onnxruntime-node/bin/napi-v6/', import.meta.url));
    const files = readdirSync(bin, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((e) => e.name)).toContain('libonnxruntime.so.1');
    for (const e of files) {
      const path = `node_modules/onnxruntime-node/bin/napi-v6/${e.parentPath.slice(bin.length)}/${e.name}`;
      expect(unpacked(path), path).toBe(true);
    }
    // and only the building platform's binaries go in
    const fileSet = section(yaml, 'files').items;
    expect(fileSet).toContain('!**/node_modules/onnxruntime-node/bin/napi-v6/!(${platform})/**');
  });
});
