// Defined once at module scope, like nodeTypes (React Flow re-mounts every edge if it changes).
import type { EdgeTypes } from '@xyflow/react';
import { LinkEdge } from './link-edge';

export const edgeTypes = { link: LinkEdge } satisfies EdgeTypes;
