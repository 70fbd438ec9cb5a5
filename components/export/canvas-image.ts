// The canvas as a picture, by React Flow's own "download image" recipe: html-to-image draws the
// `.react-flow__viewport` element, moved so the nodes' bounds fill the image at zoom 1, on a
// white background, without the minimap, controls, panels or connect handles (editor chrome).
import type { Node, ReactFlowInstance } from '@xyflow/react';
import { toPng, toSvg } from 'html-to-image';

/** Room around the nodes for edge labels that stick out of their bounds. */
const MARGIN = 48;
export const PNG_PIXEL_RATIO = 2;

const CHROME = ['react-flow__minimap', 'react-flow__controls', 'react-flow__panel', 'react-flow__handle', 'react-flow__attribution', 'react-flow__nodesselection'];

function keep(node: HTMLElement): boolean {
  const classes = node.classList;
  return !classes || !CHROME.some((c) => classes.contains(c));
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
  const dataUrl = format === 'png' ? await toPng(viewport, { ...options, pixelRatio: PNG_PIXEL_RATIO }) : await toSvg(viewport, options);
  return { dataUrl, width, height };
}
