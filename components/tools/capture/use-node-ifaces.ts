'use client';
// The interfaces a capture can listen on in a node, from the topology: a namespace's link ends;
// in the host context, the host's link ends, the bridges and their ports. Plus "any".
import { useMemo } from 'react';
import type { EditorState } from '@/components/editor/store/editor-store';
import { useEditorStore } from '@/components/editor/store/editor-provider';
import { normalizeLinks } from '@/lib/model';

const topologySel = (s: EditorState) => s.topology;

export function useNodeIfaces(node: string): string[] {
  const topology = useEditorStore(topologySel);
  return useMemo(() => {
    const bridges = topology.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id);
    const inContext = (id: string) => (node === 'host' ? id === 'host' || bridges.includes(id) : id === node);
    const out = node === 'host' ? [...bridges] : [];
    for (const l of normalizeLinks(topology)) for (const e of [l.a, l.b]) if (inContext(e.node)) out.push(e.iface);
    return [...new Set(out), 'any'];
  }, [topology, node]);
}
