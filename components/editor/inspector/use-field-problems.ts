'use client';
import { useMemo } from 'react';
import { problemsAt } from '@/lib/editor/problems';
import type { EditorState } from '../store/editor-store';
import { useEditorStore } from '../store/editor-provider';

const allProblems = (s: EditorState) => s.problems;

/** The validation messages about one field (by its topology path, e.g. links[0].a.addresses[0]). */
export function useFieldProblems(path: string, within = false): string[] {
  const problems = useEditorStore(allProblems);
  return useMemo(() => problemsAt(problems, path, within).map((p) => p.message), [problems, path, within]);
}
