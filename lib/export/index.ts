// One entry point for every text export (`nslab export`, the editor's export menu).
// The editor draws SVG and PNG from its canvas; `svg` here is the same diagram drawn without a browser.
import type { Topology } from '../topology';
import { toDrawio } from './drawio';
import { toMermaid } from './mermaid';
import { toScript } from './script';
import { toSvg } from './svg';
import { toJson, toYaml } from './topology-file';

export type ExportFormat = 'yaml' | 'json' | 'mermaid' | 'drawio' | 'script' | 'svg';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['yaml', 'json', 'mermaid', 'drawio', 'script', 'svg'];

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
  svg: 'svg',
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
    case 'svg':
      return toSvg(topology);
    default:
      throw new Error(`unknown export format "${String(format)}": use one of ${EXPORT_FORMATS.join(', ')}`);
  }
}

export { toDrawio, toJson, toMermaid, toScript, toSvg, toYaml };
export { fromText, updateYamlText } from './topology-file';
