import { describe, expect, it } from 'vitest';
import { EXPORT_EXTENSIONS, EXPORT_FORMATS, exportTopology, type ExportFormat } from '@/lib/export/index';
import { fromText } from '@/lib/export/topology-file';
import { seedLab } from './export-fixtures';

describe('exportTopology', () => {
  const lab = seedLab();
  it.each<[ExportFormat, RegExp]>([
    ['yaml', /^name: seed$/m],
    ['json', /^ {2}"name": "seed",$/m],
    ['mermaid', /^flowchart LR$/m],
    ['drawio', /^<mxfile host="nslab"/m],
    ['script', /^#!\/bin\/sh\n/],
  ])('writes %s', (format, re) => {
    expect(exportTopology(lab, format)).toMatch(re);
  });

  it('has an extension for every format', () => {
    expect(Object.keys(EXPORT_EXTENSIONS).sort()).toEqual([...EXPORT_FORMATS].sort());
  });

  it('passes the host namespace to the script', () => {
    expect(exportTopology(lab, 'script', { hostNetns: 'scriptH' })).toMatch(/^ {2}dd if=\/dev\/null of=\/run\/netns\/scriptH conv=excl status=none$/m);
    expect(exportTopology(lab, 'script', { hostNetns: '' })).toMatch(/^ {2}ip link add name br0 group \d+ type bridge$/m);
  });

  it('keeps the topology file independent of the host option', () => {
    const r = fromText(exportTopology(lab, 'yaml', { hostNetns: 'scriptH' }));
    expect(r.ok && r.topology).toStrictEqual(lab);
  });

  it('refuses an unknown format, naming the ones it knows', () => {
    expect(() => exportTopology(lab, 'png' as ExportFormat)).toThrow(/unknown export format "png": use one of yaml, json, mermaid, drawio, script/);
  });
});
