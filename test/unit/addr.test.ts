// The fast strict IPv4 parser accepts exactly what ipaddr.js's strict four-part-decimal check
// accepts, and parseCidr gives the same address and network as ipaddr.js did.
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { ipv4Number, parseCidr, parseIPv4 } from '@/lib/addr';

function reference(text: string): number | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  return ipaddr.IPv4.parse(text).octets.reduce((acc, o) => acc * 256 + o, 0);
}

function referenceCidr(text: string) {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m || !ipaddr.IPv4.isValidFourPartDecimal(m[1]!)) return null;
  const prefix = Number(m[2]);
  if (prefix > 32 || (m[2]!.length > 1 && m[2]!.startsWith('0'))) return null;
  return { address: ipaddr.IPv4.parse(m[1]!).toString(), prefix, network: `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${prefix}` };
}

function samples(): string[] {
  const out = ['0.0.0.0', '255.255.255.255', '256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '0x1.2.3.4', '1..2.3', '', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '١.2.3.4', '1000.1.1.1', '127.1', '00.0.0.0', '1.2.3.-4', '+1.2.3.4', '1e2.0.0.1'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const parts = ['0', '00', '01', '1', '9', '10', '99', '100', '199', '255', '256', '300', '999', '1000', '010', 'a', ''];
  for (let i = 0; i < 20000; i++) {
    const count = 3 + rnd(3);
    out.push(Array.from({ length: count }, () => parts[rnd(parts.length)]).join('.'));
  }
  return out;
}

describe('addr: strict parsing without ipaddr.js on the hot path', () => {
  it('ipv4Number agrees with ipaddr.js on 20,000 well- and ill-formed addresses', () => {
    for (const s of samples()) {
      expect(ipv4Number(s), JSON.stringify(s)).toBe(reference(s));
      expect(parseIPv4(s) === null, JSON.stringify(s)).toBe(reference(s) === null);
    }
  });

  it('parseCidr agrees with ipaddr.js, prefixes 0-33 and malformed ones included', () => {
    const prefixes = ['0', '1', '8', '15', '16', '24', '30', '31', '32', '33', '07', '', '100', 'x'];
    const addresses = samples().slice(0, 3000);
    for (const a of addresses) for (const p of prefixes) {
      const text = `${a}/${p}`;
      expect(parseCidr(text), text).toEqual(referenceCidr(text));
    }
  });
});
