// One entry point for every text export (`nslab export`, the editor's export menu).
// SVG and PNG are drawn from the canvas in the browser, so they are not here.
import type { Topology } from '../topology';
import { toDrawio } from './drawio';
import { toMermaid } from './mermaid';
import { toScript } from './script';
import { toJson, toYaml } from './topology-file';

export type ExportFormat = 'yaml' | 'json' | 'mermaid' | 'drawio' | 'script';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['yaml', 'json', 'mermaid', 'drawio', 'script'];

export interface ExportOptions {
  /** script only: where the host side lives ('' this machine, a name an isolated namespace) */
  hostNetns?: string;
}

/** Suggested file name endings, e.g. for a download: seed.yaml, seed.drawio, seed.sh. */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = {
  yaml: 'yaml',
  json: 'json',
  mermaid: 'mmd',
  drawio: 'drawio',
  script: 'sh',
};

export function exportTopology(topology: Topology, format: ExportFormat, opts: ExportOptions = {}): string {
  switch (format) {
    case 'yaml':
      return toYaml(topology);
    case 'json':
      return toJson(topology);
    case 'mermaid':
      return toMermaid(topology);
    case 'drawio':
      return toDrawio(topology);
    case 'script':
      return toScript(topology, opts);
    default:
      throw new Error(`unknown export format "${String(format)}": use one of ${EXPORT_FORMATS.join(', ')}`);
  }
}

export { toDrawio, toJson, toMermaid, toScript, toYaml };
export { fromText, updateYamlText } from './topology-file';
