// Saves a Blob as a file the browser downloads (an <a download> click; nothing leaves the machine).
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has handed the URL to the download by the next tick.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
