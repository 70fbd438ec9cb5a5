// The editor's pictures: the SVG is lib/export/svg.ts's, the same renderer as `nslab export
// --format svg` (true vector shapes and text, the canvas's colours, only the saved lab: nothing
// transient such as the selection, a path highlight, packets, rates or drift marks); the PNG is
// that SVG drawn by the browser at twice its size.
import { toSvg } from '@/lib/export/svg';
import type { Topology } from '@/lib/topology';

export const PNG_PIXEL_RATIO = 2;

export function svgOfTopology(t: Topology): string {
  return toSvg(t);
}

/** The SVG's own size, from its root element's width and height. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!m) throw new Error('the SVG has no width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The SVG drawn at PNG_PIXEL_RATIO times its size, as a PNG. */
export async function pngOfSvg(svg: string): Promise<Blob> {
  const { width, height } = svgSize(svg);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the browser could not draw the SVG'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width * PNG_PIXEL_RATIO);
    canvas.height = Math.ceil(height * PNG_PIXEL_RATIO);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser cannot draw on a canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not make the PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
