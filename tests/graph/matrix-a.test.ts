/** The first half of the catalogue's score functions × every mask set × normaliser (see matrix.ts). */
import { catalogueHalf, matrixSuite } from './matrix';

matrixSuite(catalogueHalf(0));
