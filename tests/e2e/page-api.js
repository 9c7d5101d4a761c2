// Installed in the page by tests/e2e/harness.ts (page.addInitScript) before any app script
// runs: `window.qklab`, a LabApi whose every method crosses to the test process through one
// Playwright binding (`__qklabCall`), where the REAL LabService answers. Typed arrays travel
// base64-encoded in a small envelope and are rebuilt here, except a reply's large ones, which
// the page fetches as raw bytes from the test server; progress and menu events come back
// through `__qklabEmit`, which the harness calls with page.evaluate. `__qklabOnReply`, when a
// test sets it, is told when a reply is decoded (the bench times the transport with it).
// Plain JavaScript on purpose: it is sent to the browser as text, untransformed.
(() => {
  const TYPED = {
    Float32Array,
    Float64Array,
    Int32Array,
    Uint8Array,
    Uint16Array,
    Int16Array,
    Uint32Array,
    Int8Array,
  };

  function fromBase64(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  function toBase64(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }

  // a reply's large typed arrays wait at the test server, fetched as raw bytes (harness.ts, ReplyBytes)
  const isTyped = (x) => typeof x.__typed === 'string' && Object.keys(x).length === 2 && (typeof x.b64 === 'string' || typeof x.bytes === 'string');

  function fetchedIds(x, ids = []) {
    if (Array.isArray(x)) x.forEach((v) => fetchedIds(v, ids));
    else if (x && typeof x === 'object') {
      if (isTyped(x)) {
        if (typeof x.bytes === 'string') ids.push(x.bytes);
      } else Object.keys(x).forEach((k) => fetchedIds(x[k], ids));
    }
    return ids;
  }

  async function fetchAll(x) {
    const fetched = new Map();
    await Promise.all(
      fetchedIds(x).map(async (id) => {
        const res = await fetch(`/__qklab-bytes/${id}`);
        if (!res.ok) throw new Error(`the harness has no bytes ${id}`);
        fetched.set(id, new Uint8Array(await res.arrayBuffer()));
      }),
    );
    return fetched;
  }

  function decode(x, fetched) {
    if (Array.isArray(x)) return x.map((v) => decode(v, fetched));
    if (x && typeof x === 'object') {
      if (isTyped(x)) {
        const Ctor = TYPED[x.__typed];
        if (!Ctor) throw new Error(`unknown typed array ${x.__typed}`);
        const bytes = typeof x.b64 === 'string' ? fromBase64(x.b64) : fetched.get(x.bytes);
        return new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
      }
      const out = {};
      for (const k of Object.keys(x)) out[k] = decode(x[k], fetched);
      return out;
    }
    return x;
  }

  function encode(x) {
    if (ArrayBuffer.isView(x)) return { __typed: x.constructor.name, b64: toBase64(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) };
    if (Array.isArray(x)) return x.map(encode);
    if (x && typeof x === 'object') {
      const out = {};
      for (const k of Object.keys(x)) if (x[k] !== undefined) out[k] = encode(x[k]);
      return out;
    }
    return x;
  }

  async function call(name, req) {
    const raw = await window.__qklabCall(name, encode(req));
    const envelope = decode(raw, await fetchAll(raw));
    if (typeof window.__qklabOnReply === 'function') window.__qklabOnReply(name, performance.now());
    if (envelope.ok) return envelope.value;
    const error = new Error(envelope.error.message);
    error.name = envelope.error.name;
    if (envelope.error.field !== undefined) error.field = envelope.error.field;
    throw error;
  }

  const listeners = { progress: new Set(), menuCommand: new Set() };
  function subscribe(kind, listener) {
    listeners[kind].add(listener);
    return () => listeners[kind].delete(listener);
  }
  // the harness delivers events here (the page.evaluate side of the transport)
  Object.defineProperty(window, '__qklabEmit', {
    value: (kind, payload) => {
      for (const l of [...listeners[kind]]) {
        try {
          l(decode(payload, new Map()));
        } catch (e) {
          console.error(e);
        }
      }
    },
  });

  // files "dropped" in a test: name → path, set by the harness before the drop
  const dropPaths = new Map();
  Object.defineProperty(window, '__qklabSetDropPath', { value: (name, path) => dropPaths.set(name, path) });

  const api = {
    openEmbeddings: (req) => call('openEmbeddings', req),
    captureModel: (req) => call('captureModel', req),
    lookupSentence: (req) => call('lookupSentence', req),
    runJob: (req) => call('runJob', req),
    cancelJob: (req) => call('cancelJob', req),
    fetchTile: (req) => call('fetchTile', req),
    modelPattern: (req) => call('modelPattern', req),
    runExperiment: (req) => call('runExperiment', req),
    exportRun: (req) => call('exportRun', req),
    saveSession: (req) => call('saveSession', req),
    openSession: (req) => call('openSession', req),
    grantSessionFiles: (req) => call('grantSessionFiles', req),
    autosave: (req) => call('autosave', req),
    recoverSession: () => call('recoverSession'),
    recentFiles: () => call('recentFiles'),
    appInfo: () => call('appInfo'),
    onProgress: (listener) => subscribe('progress', listener),
    onMenuCommand: (listener) => subscribe('menuCommand', listener),
    pathForFile(file) {
      // like the preload: a file with a path on disk is reported to main, which may then read it
      const path = file && dropPaths.get(file.name);
      if (!path) return null;
      call('grantDroppedPath', { path }).catch(() => {});
      return path;
    },
  };
  Object.defineProperty(window, 'qklab', { value: Object.freeze(api), enumerable: true });
  window.dispatchEvent(new Event('qklab-ready'));
})();
