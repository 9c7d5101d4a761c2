/**
 * The ECharts build the renderer uses: echarts/core with only the charts and components
 * the option builders of src-shared/charts (and the overlays and experiment charts here) produce.
 */
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, LinesChart, ScatterChart } from 'echarts/charts';
import {
  BrushComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  HeatmapChart,
  LineChart,
  BarChart,
  ScatterChart,
  LinesChart,
  GridComponent,
  TooltipComponent,
  BrushComponent,
  VisualMapComponent,
  TitleComponent,
  GraphicComponent,
  LegendComponent,
  MarkLineComponent,
  MarkAreaComponent,
  // labelLayout (hideOverlap, moveOverlap): without it the option's label layout is silently ignored
  LabelLayout,
  CanvasRenderer,
]);

export { echarts };
