/** Score functions mahalanobis … hamming × every mask set × normaliser (see matrix.ts). */
import { matrixSuite } from './matrix';

matrixSuite(['mahalanobis', 'polynomial', 'bilinear', 'additive', 'ranknet', 'gat', 'hamming']);
