/** One checkbox a value; `chosen` is the values ticked, in the order they were ticked. */
export function CheckList({
  values,
  chosen,
  onChange,
  labelOf = (v) => v,
  name,
}: {
  values: string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  labelOf?: (value: string) => string;
  name?: string;
}) {
  return (
    <>
      {values.map((v) => (
        <label key={v} className="check">
          <input
            type="checkbox"
            name={name}
            checked={chosen.includes(v)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, v] : chosen.filter((x) => x !== v))}
          />{" "}
          {labelOf(v)}
        </label>
      ))}
    </>
  );
}
