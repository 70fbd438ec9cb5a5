'use client';
import { useStore, type ReactFlowState } from '@xyflow/react';

/** from this many nodes on, a lab is big: nodes and edges out of view are not drawn, and far out less is drawn */
export const BIG_LAB = 300;
/** below this zoom a big lab's links drop their end labels (text too small to read, and costly to pan) */
export const FAR_ZOOM = 0.5;

const far = (s: ReactFlowState) => s.transform[2] < FAR_ZOOM && s.nodeLookup.size > BIG_LAB;

/** Whether the canvas shows a big lab from far out (React Flow's zoom, read inside the flow). */
export const useFarView = (): boolean => useStore(far);
