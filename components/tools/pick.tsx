// A labelled list to pick one of a tool's choices from (a node, an interface): the same markup
// in every tool tab.
export function Pick({ label, name, value, options, onPick }: {
  /** the visible label */
  label: string;
  /** the accessible name of the list, e.g. "capture node" */
  name: string;
  value: string;
  options: string[];
  onPick: (value: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <select aria-label={name} value={value} onChange={(e) => onPick(e.target.value)}>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}
