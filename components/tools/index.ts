// The in-namespace tools shown as tabs in the editor's bottom dock (next to "Commands").
import type { ComponentType } from 'react';

export interface ToolTabProps {
  lab: string;
  selectedNodeId: string | null;
}

export interface ToolTab {
  id: string;
  title: string;
  Component: ComponentType<ToolTabProps>;
}

export const toolTabs: ToolTab[] = [];
