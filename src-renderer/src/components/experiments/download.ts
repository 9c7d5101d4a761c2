/**
 * Save a text file the user asked for, through a Blob link (the experiment's CSV table or
 * JSON result): the browser's or Electron's own download, no LabApi round trip. The only
 * DOM use of the Experiments tab outside the templates.
 */
import type { ExperimentFile } from '../../logic/experiments';

export function downloadFile(file: ExperimentFile): void {
  const url = URL.createObjectURL(new Blob([file.data as BlobPart], { type: file.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // give the download a moment to start before the URL goes
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
