// The kernel tests build real namespaces, bridges, NAT and sysctls: prove they do it in a
// private network namespace, never in this machine's own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the test sandbox', () => {
  it('is a network namespace other than the machine\'s own', () => {
    const outer = process.env.NSLAB_OUTER_NETNS;
    expect(outer, 'scripts/sandbox records the machine\'s network namespace').toMatch(/^\d+$/);
    expect(String(statSync('/proc/self/ns/net').ino)).not.toBe(outer);
  });

  it('has its own /run/netns, so namespaces made here are invisible outside', () => {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).toMatch(/ \/run\/netns .* - tmpfs nslab-sandbox /);
  });

  it('holds nothing that an earlier test file left behind', () => {
    // Every kernel test cleans up after itself, also on failure: whatever file ran before this
    // one, the sandbox is back to a bare loopback and no namespaces.
    const links = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    expect(links).toEqual(['lo']);
    expect(readdirSync('/run/netns')).toEqual([]);
  });
});
