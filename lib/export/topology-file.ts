// Topology files: the lab as YAML or JSON that imports back to the same lab, and a rewrite of a
// user's own YAML file that keeps their comments and layout of the text.
import { Document, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseTopologyText, type Checked } from '../validate';
import type { Topology } from '../topology';

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };
type PlainMap = { [key: string]: Plain };

/** Key order per kind of mapping, so files diff well and read top-down like examples/seed.yaml. */
const KEY_ORDER = {
  topology: ['name', 'description', 'adopt', 'host', 'nodes', 'links', 'layout'],
  host: ['netns', 'forwarding', 'routes', 'nat'],
  node: ['id', 'kind', 'netns', 'role', 'label', 'forwarding', 'addresses', 'vlanFiltering', 'routes', 'nat', 'run'],
  link: ['id', 'a', 'b', 'netem'],
  endpoint: ['node', 'iface', 'addresses', 'vlan', 'vlans', 'subinterfaces', 'netem'],
  netem: ['delay', 'jitter', 'loss', 'duplicate', 'corrupt', 'rate'],
  route: ['to', 'via', 'dev'],
  nat: ['source', 'out'],
  position: ['x', 'y', 'color', 'note'],
} as const;

/** Longest one-line `{ ... }` / `[ ... ]` a file shows; longer collections are written as blocks. */
const FLOW_MAX = 100;

function ordered(value: unknown, keys: readonly string[], child: (key: string, v: unknown) => Plain = (_k, v) => toPlain(v)): PlainMap {
  const out: PlainMap = {};
  const obj = value as Record<string, unknown>;
  // Known keys first in their order, then anything else (never drop data silently).
  const rest = Object.keys(obj).filter((k) => !keys.includes(k));
  for (const k of [...keys, ...rest]) if (obj[k] !== undefined) out[k] = child(k, obj[k]);
  return out;
}

function toPlain(v: unknown): Plain {
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') return ordered(v, []);
  return v as Plain;
}

const list = (v: unknown, each: (x: unknown) => Plain): Plain => (Array.isArray(v) ? v.map(each) : toPlain(v));
const routes = (v: unknown) => list(v, (r) => ordered(r, KEY_ORDER.route));
const nats = (v: unknown) => list(v, (n) => ordered(n, KEY_ORDER.nat));
const netem = (v: unknown) => ordered(v, KEY_ORDER.netem);
const endpoint = (v: unknown) => ordered(v, KEY_ORDER.endpoint, (k, x) => (k === 'netem' ? netem(x) : toPlain(x)));

/** The topology as plain data in the canonical key order (what both file formats write). */
export function canonicalTopology(t: Topology): PlainMap {
  return ordered(t, KEY_ORDER.topology, (key, v) => {
    switch (key) {
      case 'host':
        return ordered(v, KEY_ORDER.host, (k, x) => (k === 'routes' ? routes(x) : k === 'nat' ? nats(x) : toPlain(x)));
      case 'nodes':
        return list(v, (n) =>
          ordered(n, KEY_ORDER.node, (k, x) => (k === 'routes' ? routes(x) : k === 'nat' ? nats(x) : toPlain(x))),
        );
      case 'links':
        return list(v, (l) => ordered(l, KEY_ORDER.link, (k, x) => (k === 'a' || k === 'b' ? endpoint(x) : k === 'netem' ? netem(x) : toPlain(x))));
      case 'layout':
        return ordered(v, ['nodes'], (k, x) =>
          k === 'nodes' && x && typeof x === 'object'
            ? Object.fromEntries(Object.entries(x).map(([id, p]) => [id, ordered(p, KEY_ORDER.position)]))
            : toPlain(x),
        );
      default:
        return toPlain(v);
    }
  });
}

export function toJson(t: Topology): string {
  return JSON.stringify(canonicalTopology(t), null, 2) + '\n';
}

export function toYaml(t: Topology): string {
  const doc = new Document(canonicalTopology(t));
  if (isMap(doc.contents)) styleCollection(doc.contents, []);
  doc.commentBefore = ` nslab lab "${t.name}": import it in the editor, or run \`nslab apply FILE\``;
  return doc.toString({ lineWidth: 0 });
}

/** Reads a topology file (YAML or JSON) and checks it, like any import. */
export function fromText(text: string, source = 'file'): Checked {
  return parseTopologyText(text, source);
}

// ---------------------------------------------------------------------------------------------
// Style: the document's skeleton (top level, host, the node list, each node, the layout) stays in
// block style; small leaves (routes, addresses, endpoints, positions, short links) go on one line.

const BLOCK_PATHS = [/^$/, /^host$/, /^nodes$/, /^nodes\.\d+$/, /^links$/, /^layout$/, /^layout\.nodes$/];

function styleCollection(node: YamlNode, path: (string | number)[]): void {
  if (!isMap(node) && !isSeq(node)) return;
  const items = isMap(node) ? node.items.map((p) => [keyOf(p), p.value] as const) : node.items.map((v, i) => [i, v] as const);
  for (const [k, v] of items) if (v && (isMap(v) || isSeq(v))) styleCollection(v as YamlNode, [...path, k]);
  const where = path.join('.');
  if (BLOCK_PATHS.some((re) => re.test(where))) return;
  // Multi-line text reads badly inside `{ }`, so it keeps its collection in block style.
  const oneLine = (v: unknown) => isScalar(v) && !(typeof v.value === 'string' && v.value.includes('\n'));
  const childrenFlat = items.every(([, v]) => !v || oneLine(v) || ((isMap(v) || isSeq(v)) && v.flow));
  if (childrenFlat && JSON.stringify(node.toJSON()).length <= FLOW_MAX) node.flow = true;
}

function keyOf(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

// ---------------------------------------------------------------------------------------------
// Rewriting a user's YAML: change only what differs, so comments and formatting elsewhere stay.

/**
 * The user's file rewritten to hold `t`: values that changed are set in place (a scalar keeps its
 * comment), entries of `nodes`/`links` are matched by id, new entries are styled like toYaml.
 * A file that is not a YAML mapping has nothing to keep, so it is replaced by toYaml(t).
 */
export function updateYamlText(originalText: string, t: Topology): string {
  const doc = parseDocument(originalText);
  if (doc.errors.length || !isMap(doc.contents)) return toYaml(t);
  syncMap(doc, doc.contents, canonicalTopology(t), []);
  return doc.toString({ lineWidth: 0 });
}

function createStyled(doc: Document, value: Plain, path: (string | number)[]): YamlNode {
  const node = doc.createNode(value) as YamlNode;
  styleCollection(node, path);
  return node;
}

function syncNode(doc: Document, node: unknown, value: Plain, path: (string | number)[]): YamlNode {
  if (Array.isArray(value)) return isSeq(node) ? syncSeq(doc, node, value, path) : createStyled(doc, value, path);
  if (value !== null && typeof value === 'object') return isMap(node) ? syncMap(doc, node, value, path) : createStyled(doc, value, path);
  if (isScalar(node)) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return createStyled(doc, value, path);
}

function syncMap(doc: Document, node: YAMLMap, value: PlainMap, path: (string | number)[]): YAMLMap {
  node.items = node.items.filter((p) => keyOf(p) in value);
  const keys = Object.keys(value);
  keys.forEach((key, i) => {
    const pair = node.items.find((p) => keyOf(p) === key);
    const v = value[key] as Plain;
    if (pair) {
      pair.value = syncNode(doc, pair.value, v, [...path, key]);
      return;
    }
    // A new key goes after the nearest preceding key the map already has (canonical order).
    const before = keys.slice(0, i).reverse().find((k) => node.items.some((p) => keyOf(p) === k));
    const at = before === undefined ? 0 : node.items.findIndex((p) => keyOf(p) === before) + 1;
    node.items.splice(at, 0, doc.createPair(key, createStyled(doc, v, [...path, key])) as Pair);
  });
  return node;
}

function idOf(v: unknown): string | undefined {
  if (isMap(v)) {
    const id = v.get('id');
    return typeof id === 'string' ? id : undefined;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const id = (v as PlainMap).id;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

function syncSeq(doc: Document, node: YAMLSeq, value: Plain[], path: (string | number)[]): YamlNode {
  const old = [...node.items];
  const byId = new Map<string, unknown>();
  for (const item of old) {
    const id = idOf(item);
    if (id !== undefined && !byId.has(id)) byId.set(id, item);
  }
  const used = new Set<unknown>();
  node.items = value.map((v, i) => {
    const id = idOf(v);
    // Entries with an id follow their id (a removed node takes its comment with it);
    // others are matched by position.
    let match = id !== undefined ? byId.get(id) : old[i];
    if (used.has(match)) match = undefined;
    if (match !== undefined) used.add(match);
    return syncNode(doc, match, v, [...path, i]);
  });
  return node;
}
