/**
 * What the Export dialog offers to draw: the focused head, every head as a grid, or the
 * zoomed region on screen (recomputed at full resolution by the service). A choice that
 * does not apply is offered disabled, saying why.
 */
import type { ExportPicture, TileReply } from '../../../src-shared/api/lab-api';
import { GRID_MAX_HEADS } from '../../../src-shared/api/requests';

export type PictureKind = ExportPicture['kind'];

export interface PictureChoice {
  kind: PictureKind;
  label: string;
  /** why it is not offered now; undefined when it is */
  disabled?: string;
}

/** The choices for a run of `heads` heads, with `tile` the zoomed region on screen (or none), for a picture format. */
export function pictureChoices(heads: number, tile: TileReply | null, image: boolean): PictureChoice[] {
  const notImage = image ? undefined : 'CSV, NPY and JSON write the whole run';
  const region = tile ? `the zoomed region (queries ${tile.rows[0]}–${tile.rows[1] - 1} × keys ${tile.cols[0]}–${tile.cols[1] - 1})` : 'the zoomed region';
  return [
    { kind: 'head', label: 'this head', disabled: notImage },
    {
      kind: 'grid',
      label: heads > 1 ? `all ${heads} heads as a grid` : 'all heads as a grid',
      disabled: notImage ?? (heads < 2 ? 'the run has one head' : heads > GRID_MAX_HEADS ? `a grid draws at most ${GRID_MAX_HEADS} heads` : undefined),
    },
    { kind: 'region', label: region, disabled: notImage ?? (tile ? undefined : 'zoom into the map first (drag a region)') },
  ];
}

/** The request's picture for a choice (a region takes the tile's rows and columns). */
export function pictureRequest(kind: PictureKind, tile: TileReply | null): ExportPicture {
  if (kind === 'region' && tile) return { kind, rows: [...tile.rows], cols: [...tile.cols] };
  return { kind: kind === 'grid' ? 'grid' : 'head' };
}
