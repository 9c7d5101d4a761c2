/**
 * The export room: a kept run written as PNG, SVG, CSV, NPY or JSON to a path the user
 * chose. Drawn in a worker thread (exporter.ts): ECharts + resvg take seconds at 4×, and
 * the main process must keep answering meanwhile.
 */
import type { ExportRequest } from '../../../src-shared/api/lab-api';
import type { Host } from '../host';
import type { StoredRun } from '../runs/kept-results';
import type { ServiceContext } from '../service-context';
import { Exporter } from './exporter';
import { fetchKeptTile } from '../runs/fetch-tile';
import { trackWork } from '../active-work';

export class Exports {
  private readonly exporter = new Exporter();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: Host,
  ) {}

  async exportRun(req: ExportRequest): Promise<string | null> {
    const { allow, kept } = this.ctx;
    const run = kept.get(req.runId);
    if (!run) throw new Error(`the run "${req.runId}" is no longer available to export; run it again`);
    // leased from here: newer runs may retire this one while the save dialog is open
    return kept.leased(run, async () => {
      let path: string;
      if (req.path !== undefined) {
        path = allow.check(req.path, 'write');
      } else {
        const chosen = await this.host.chooseSavePath(req.format, defaultExportName(run, req));
        if (!chosen) return null;
        path = allow.allow(chosen, 'write', 'dialog');
      }
      await this.track(req.exportId, async (signal, progress) => {
        // a zoomed region is computed by the engine here (as fetchTile), then drawn in the worker
        const picture = req.picture;
        const tile =
          picture?.kind === 'region' && (req.format === 'png' || req.format === 'svg')
            ? await fetchKeptTile(this.ctx, { runId: req.runId, head: req.view?.head ?? 0, rows: picture.rows, cols: picture.cols })
            : undefined;
        if (signal?.aborted) throw signal.reason as Error;
        return this.exporter.export(run, req, path, { signal, progress, tile });
      });
      return path;
    });
  }

  /** Run an export as the work in flight named `exportId` (when given): cancelJob reaches it, its progress goes out as ProgressEvents. */
  private async track(exportId: string | undefined, work: (signal: AbortSignal | undefined, progress: (fraction: number) => void) => Promise<void>): Promise<void> {
    if (!exportId) return work(undefined, () => {});
    return trackWork(this.ctx, exportId, 'exporting', work);
  }

  close(): Promise<void> {
    return this.exporter.close();
  }
}

function defaultExportName(run: StoredRun, req: ExportRequest): string {
  const metric = run.spec.metric?.id ?? 'dot';
  const image = req.format === 'png' || req.format === 'svg';
  const picture = !image || !req.picture || req.picture.kind === 'head' ? '' : req.picture.kind === 'grid' ? '-heads' : `-q${req.picture.rows[0]}-k${req.picture.cols[0]}`;
  const what = image ? `${req.view?.matrix ?? 'weights'}${picture}` : 'attention';
  const scale = req.format === 'png' && req.scale && req.scale > 1 ? `@${req.scale}x` : '';
  return `${what}-${metric}${scale}.${req.format}`;
}
