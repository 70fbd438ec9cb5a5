'use client';
// The node ids a tool can run in: "host" (the host context) and the lab's namespaces and bridges.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { EditorState } from '@/components/editor/store/editor-store';
import { useEditorStore } from '@/components/editor/store/editor-provider';

const nodeIdsSel = (s: EditorState) => ['host', ...s.topology.nodes.map((n) => n.id)];
const namespaceIdsSel = (s: EditorState) => ['host', ...s.topology.nodes.filter((n) => n.kind === 'namespace').map((n) => n.id)];

/** Every node: a ping target may be any of them. */
export function useLabNodeIds(): string[] {
  return useEditorStore(useShallow(nodeIdsSel));
}

/** Where a shell, a view or a capture runs: the host context and each namespace (bridges live in the host's). */
export function useShellNodeIds(): string[] {
  return useEditorStore(useShallow(namespaceIdsSel));
}

/** The namespace a node's tools run in: a bridge's is the host context. */
export function shellNodeOf(nodeId: string | null, shellNodes: string[]): string {
  return nodeId && shellNodes.includes(nodeId) ? nodeId : nodeId ? 'host' : shellNodes[1] ?? 'host';
}

/**
 * The node a tool runs in, for a tool's node list: the user's pick from the list, else the
 * namespace of the node selected on the canvas.
 */
export function useShellNodePick(selectedNodeId: string | null) {
  const nodes = useShellNodeIds();
  const [picked, pick] = useState<string | null>(null);
  return { nodes, picked, pick, node: picked ?? shellNodeOf(selectedNodeId, nodes) };
}
