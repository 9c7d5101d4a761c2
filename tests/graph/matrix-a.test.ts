/** Score functions dot … euclidean × every mask set × normaliser (see matrix.ts). */
import { matrixSuite } from './matrix';

matrixSuite(['dot', 'cosine', 'rbf', 'laplacian', 'euclidean']);
