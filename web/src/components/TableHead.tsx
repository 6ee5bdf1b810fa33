/** A table's column headers; `action` names a last column of buttons (shown muted). */
export function TableHead({ columns, action }: { columns: string[]; action?: string }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
        {action && (
          <th scope="col">
            <span className="muted">{action}</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
