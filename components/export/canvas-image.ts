// The canvas as a picture, by React Flow's own "download image" recipe: html-to-image draws the
// `.react-flow__viewport` element, moved so the nodes' bounds fill the image at zoom 1, on a
// white background, without the minimap, controls, panels or connect handles (editor chrome).
import type { Node, ReactFlowInstance } from '@xyflow/react';
import { toPng, toSvg } from 'html-to-image';

/** Room around the nodes for edge labels that stick out of their bounds. */
const MARGIN = 48;
export const PNG_PIXEL_RATIO = 2;

/** Editor chrome, and the live packet rate on links (a passing number, not part of the diagram). */
const CHROME = ['react-flow__minimap', 'react-flow__controls', 'react-flow__panel', 'react-flow__handle', 'react-flow__attribution', 'react-flow__nodesselection', 'link-rate'];

function keep(node: Element): boolean {
  const classes = node.classList;
  return !classes || !CHROME.some((c) => classes.contains(c));
}

/** What draws an SVG shape or text; html-to-image copies computed styles of HTML elements only. */
const SVG_PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'stroke-linecap', 'opacity', 'font-size', 'font-family', 'font-weight', 'visibility', 'display'];

/**
 * Writes the computed look of every SVG element under root (edge paths, edge text) into its
 * style attribute, so the picture shows them as the canvas does (html-to-image clones SVG
 * without its styles and without asking the filter); the returned function puts the original
 * attributes back.
 */
function inlineSvgStyles(root: HTMLElement): () => void {
  const restore: Array<() => void> = [];
  for (const el of root.querySelectorAll<SVGElement>('svg *')) {
    const computed = getComputedStyle(el);
    const before = el.getAttribute('style');
    for (const p of SVG_PROPS) el.style.setProperty(p, computed.getPropertyValue(p));
    // the filter below does not reach inside SVG: hide chrome there the same way
    if (!keep(el)) el.style.setProperty('display', 'none');
    restore.push(() => (before === null ? el.removeAttribute('style') : el.setAttribute('style', before)));
  }
  return () => restore.forEach((r) => r());
}

export interface CanvasImage {
  dataUrl: string;
  /** CSS pixels (a PNG has PNG_PIXEL_RATIO times as many) */
  width: number;
  height: number;
}

export async function canvasImage(rf: ReactFlowInstance<Node>, format: 'png' | 'svg', root: ParentNode = document): Promise<CanvasImage> {
  const viewport = root.querySelector<HTMLElement>('.react-flow__viewport');
  const nodes = rf.getNodes();
  if (!viewport || !nodes.length) throw new Error('the canvas has no nodes to draw yet');
  const bounds = rf.getNodesBounds(nodes);
  const width = Math.ceil(bounds.width + 2 * MARGIN);
  const height = Math.ceil(bounds.height + 2 * MARGIN);
  const options = {
    backgroundColor: '#ffffff',
    width,
    height,
    filter: keep,
    // System fonts only: nothing to fetch.
    skipFonts: true,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${MARGIN - bounds.x}px, ${MARGIN - bounds.y}px) scale(1)` },
  };
  const restore = inlineSvgStyles(viewport);
  try {
    const dataUrl = format === 'png' ? await toPng(viewport, { ...options, pixelRatio: PNG_PIXEL_RATIO }) : await toSvg(viewport, options);
    return { dataUrl, width, height };
  } finally {
    restore();
  }
}
