/**
 * The overview heatmap: weights pooled in blocks of br = ceil(Tq/rows) by bc = ceil(Tk/cols)
 * (the last block of each axis may be smaller), giving ceil(Tq/br) × ceil(Tk/bc) cells per
 * head. `mean` averages every cell of the block (blocked cells are weight 0 and count);
 * `max` takes the largest.
 */
import type { OverviewRequest } from '../job/problem';

export function poolOverview(weights: Float64Array, heads: number, Tq: number, Tk: number, request: OverviewRequest): OverviewRequest & { data: Float64Array } {
  if (!(Number.isInteger(request.rows) && request.rows >= 1 && Number.isInteger(request.cols) && request.cols >= 1)) {
    throw new Error(`the overview needs whole numbers of rows and cols ≥ 1, got ${request.rows}×${request.cols}`);
  }
  const br = Math.max(1, Math.ceil(Tq / request.rows));
  const bc = Math.max(1, Math.ceil(Tk / request.cols));
  const rows = Math.ceil(Tq / br);
  const cols = Math.ceil(Tk / bc);
  const data = new Float64Array(heads * rows * cols);
  for (let h = 0; h < heads; h++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        let max = -Infinity;
        let cells = 0;
        for (let i = r * br; i < Math.min((r + 1) * br, Tq); i++) {
          for (let j = c * bc; j < Math.min((c + 1) * bc, Tk); j++) {
            const w = weights[(h * Tq + i) * Tk + j];
            sum += w;
            max = Math.max(max, w);
            cells++;
          }
        }
        data[(h * rows + r) * cols + c] = request.pool === 'mean' ? sum / cells : max;
      }
    }
  }
  return { rows, cols, pool: request.pool, data };
}
