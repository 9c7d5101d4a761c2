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
      await this.track(req.exportId, (signal, progress) => this.exporter.export(run, req, path, { signal, progress }));
      return path;
    });
  }

  /**
   * Run an export as the work in flight named `exportId` (when given): cancelJob reaches it
   * through the shared table of active work, and its progress goes out as ProgressEvents.
   */
  private async track(exportId: string | undefined, work: (signal: AbortSignal | undefined, progress: (fraction: number) => void) => Promise<void>): Promise<void> {
    if (!exportId) return work(undefined, () => {});
    const { active, options } = this.ctx;
    const controller = new AbortController();
    active.set(exportId, { runId: exportId, controller });
    const progress = (fraction: number) => {
      if (!controller.signal.aborted) options.onProgress?.({ runId: exportId, stage: 'exporting', fraction: Math.min(1, Math.max(0, fraction)) });
    };
    try {
      progress(0);
      await work(controller.signal, progress);
    } finally {
      if (active.get(exportId)?.controller === controller) active.delete(exportId);
    }
  }

  close(): Promise<void> {
    return this.exporter.close();
  }
}

function defaultExportName(run: StoredRun, req: ExportRequest): string {
  const metric = run.spec.metric?.id ?? 'dot';
  const what = req.format === 'png' || req.format === 'svg' ? (req.view?.matrix ?? 'weights') : 'attention';
  const scale = req.format === 'png' && req.scale && req.scale > 1 ? `@${req.scale}x` : '';
  return `${what}-${metric}${scale}.${req.format}`;
}
