/** The Electron Host: native Open/Save dialogs, attached to the app's window, and the userData folder. */
import { dialog, type BrowserWindow, type FileFilter } from 'electron';
import { EMBEDDING_EXTENSIONS } from '../../src-shared/formats';
import { MODEL_EXTENSIONS } from '../../src-shared/capture/model-file';
import type { Host, SaveKind } from '../service/host';

const OPEN_FILTERS: Record<'embeddings' | 'session', FileFilter[]> = {
  // one filter for all that Open… takes (so none is hidden by default), then each kind
  embeddings: [
    { name: 'Embeddings, captures and ONNX models', extensions: [...EMBEDDING_EXTENSIONS, ...MODEL_EXTENSIONS] },
    { name: 'Embeddings and captures', extensions: [...EMBEDDING_EXTENSIONS] },
    { name: 'ONNX models', extensions: [...MODEL_EXTENSIONS] },
    { name: 'All Files', extensions: ['*'] },
  ],
  session: [{ name: 'QK Lab Session', extensions: ['qklab'] }],
};

const SAVE_FILTERS: Record<SaveKind, FileFilter> = {
  session: { name: 'QK Lab Session', extensions: ['qklab'] },
  png: { name: 'PNG Image', extensions: ['png'] },
  svg: { name: 'SVG Image', extensions: ['svg'] },
  csv: { name: 'CSV', extensions: ['csv'] },
  npy: { name: 'NumPy Array', extensions: ['npy'] },
  json: { name: 'JSON', extensions: ['json'] },
};

export class ElectronHost implements Host {
  constructor(
    private readonly window: () => BrowserWindow | null,
    readonly userDataDir: string,
  ) {}

  async chooseOpenPath(kind: 'embeddings' | 'session'): Promise<string | null> {
    const options = {
      title: kind === 'session' ? 'Open Session' : 'Open Embeddings, a Capture or an ONNX Model',
      properties: ['openFile' as const],
      filters: OPEN_FILTERS[kind],
    };
    const win = this.window();
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
  }

  async chooseSavePath(kind: SaveKind, defaultName: string): Promise<string | null> {
    const options = {
      title: kind === 'session' ? 'Save Session' : `Export ${kind.toUpperCase()}`,
      defaultPath: defaultName,
      filters: [SAVE_FILTERS[kind]],
      properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
    };
    const win = this.window();
    const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  }
}
