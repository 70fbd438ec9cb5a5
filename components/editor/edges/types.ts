import type { Edge } from '@xyflow/react';
import type { FlowEdge } from '@/lib/editor/flow';
import type { LinkRate } from '@/lib/rates';
import type { RateLevel } from '@/components/tools';

export interface LinkEdgeData extends Record<string, unknown>, Pick<FlowEdge['data'], 'index' | 'problems' | 'source' | 'target' | 'state' | 'netem'> {
  /** the link's live rate, once the server sends rates for this lab */
  rate?: LinkRate;
  level: RateLevel;
  /** both end nodes list their live interfaces (with addresses) already */
  endsListed: boolean;
  /** on the path of the last ping/traceroute: 'failed' when it did not get through */
  probe?: 'reached' | 'failed';
}

export type LinkFlowEdge = Edge<LinkEdgeData, 'link'>;
