/** The path allow-list: only paths the user handed to the app are readable or writable. */
import { describe, expect, it } from 'vitest';
import { join, sep } from 'node:path';
import { PathAllowList, PathNotAllowedError, canonicalPath, checkPathShape } from '../../src-main/service/sources/paths';

const root = sep === '/' ? '/data' : 'C:\\data';
const file = join(root, 'emb.npy');

describe('the path allow-list', () => {
  it('refuses every path until one is granted', () => {
    const allow = new PathAllowList('linux');
    expect(allow.allows(file, 'read')).toBe(false);
    expect(() => allow.check(file, 'read')).toThrow(PathNotAllowedError);
    expect(() => allow.check(file, 'read')).toThrow(/will not read .*emb\.npy.*Open dialog/);
  });

  it('grants reading and writing separately', () => {
    const allow = new PathAllowList('linux');
    allow.allow(file, 'read', 'dialog');
    expect(allow.allows(file, 'read')).toBe(true);
    expect(allow.allows(file, 'write')).toBe(false);
    expect(() => allow.check(file, 'write')).toThrow(/will not write/);
    allow.allow(file, 'read+write', 'session');
    expect(allow.allows(file, 'write')).toBe(true);
    expect(allow.grantOf(file, 'write')).toBe('session');
  });

  it('compares normalised paths, so ".." and "." cannot reach a different file', () => {
    const allow = new PathAllowList('linux');
    allow.allow(file, 'read', 'dialog');
    expect(allow.allows(join(root, 'sub', '..', 'emb.npy'), 'read')).toBe(true);
    expect(allow.allows(`${root}${sep}.${sep}emb.npy`, 'read')).toBe(true);
    expect(allow.allows(join(root, 'emb.npy', '..', 'other.npy'), 'read')).toBe(false);
    expect(allow.allows(join(root, '..', 'etc', 'passwd'), 'read')).toBe(false);
  });

  it('grants a file, not its folder or its siblings', () => {
    const allow = new PathAllowList('linux');
    allow.allow(file, 'read', 'dialog');
    expect(allow.allows(root, 'read')).toBe(false);
    expect(allow.allows(join(root, 'emb.npy.bak'), 'read')).toBe(false);
    expect(allow.allows(join(root, 'EMB.npy'), 'read')).toBe(false);
  });

  it('folds case where the file system does (Windows, macOS)', () => {
    const allow = new PathAllowList('darwin');
    allow.allow(file, 'read', 'dialog');
    expect(allow.allows(file.toUpperCase(), 'read')).toBe(true);
    expect(canonicalPath('/A/B', 'linux')).not.toBe(canonicalPath('/a/b', 'linux'));
  });

  it('refuses relative paths, NUL bytes and non-strings outright', () => {
    const allow = new PathAllowList('linux');
    expect(() => allow.allow('emb.npy', 'read', 'dialog')).toThrow(/absolute path/);
    expect(() => checkPathShape(`${file}\0.png`)).toThrow(/NUL/);
    expect(() => checkPathShape(42)).toThrow(/expected a file path/);
    expect(allow.allows('', 'read')).toBe(false);
    expect(allow.allows('relative/emb.npy', 'read')).toBe(false);
  });

  it('revokes', () => {
    const allow = new PathAllowList('linux');
    allow.allow(file, 'read+write', 'dialog');
    allow.revoke(file);
    expect(allow.allows(file, 'read')).toBe(false);
    expect(allow.allows(file, 'write')).toBe(false);
  });
});
