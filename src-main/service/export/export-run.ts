/**
 * exportRun's last step: turn a kept run into the bytes of the asked format (the export
 * modules beside it do the drawing and encoding) and write them atomically.
 */
import type { ExportRequest, HeatmapView, TileReply } from '../../../src-shared/api/lab-api';
import type { StoredRun } from '../runs/kept-results';
import { writeFileAtomic } from '../durable-files';
import { exportData, pooledOnly } from './data-export';
import { exportHeatmap, exportRegion } from './heatmap-export';
import { exportHeadGrid } from './heatmap-grid-export';
import type { PngScale } from './render';

export const DEFAULT_VIEW: HeatmapView = { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 };

/** How far an export has got, 0…1: the picture drawn, encoded, written. */
export type ExportProgress = (fraction: number) => void;

/**
 * `tile`: the region a `picture: region` export draws, computed by the engine before (exports.ts),
 * as fetchTile computes it.
 */
export async function exportRunResult(run: StoredRun, req: ExportRequest, path: string, progress: ExportProgress = () => {}, tile?: TileReply): Promise<void> {
  const view = req.view ?? DEFAULT_VIEW;
  if (view.head >= run.result.heads) throw new Error(`head ${view.head} does not exist: the run has ${run.result.heads} head${run.result.heads > 1 ? 's' : ''}`);
  const picture = req.picture?.kind ?? 'head';
  let bytes: Uint8Array | string;
  switch (req.format) {
    case 'png':
    case 'svg': {
      const options = { format: req.format, scale: req.scale as PngScale | undefined, caption: req.caption, progress };
      if (picture === 'grid') bytes = exportHeadGrid(run, view, options);
      else if (picture === 'region') {
        if (!tile) throw new Error('picture: the region was not computed');
        bytes = exportRegion(tile, run, view, options);
      }
      // a run too big to keep its matrices draws its pooled overview (runHeatmapInput picks it)
      else bytes = exportHeatmap(run.result, run.tokens, view, options);
      break;
    }
    case 'csv':
    case 'npy':
    case 'json': {
      if (picture !== 'head') throw new Error(`picture: a ${picture} is a picture, exported as png or svg; ${req.format} writes the whole run`);
      const matrix = view.matrix === 'scores' ? run.result.scores : run.result.weights;
      if (req.format !== 'json' && !matrix && !pooledOnly(run.result, view.matrix))
        throw new Error(`the run did not keep its ${view.matrix}; add "${view.matrix}" to the job's outputs and run it again`);
      // the JSON export carries the job too, so the numbers can be reproduced
      bytes = exportData(run.result, run.tokens, req.format, { head: view.head, matrix: view.matrix, extra: { job: run.spec } });
      break;
    }
    default:
      throw new Error(`cannot export as "${String(req.format)}": expected png, svg, csv, npy or json`);
  }
  progress(0.95);
  await writeFileAtomic(path, bytes);
  progress(1);
}
