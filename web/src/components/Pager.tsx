/** The buttons and range of a paged table: "first–last of total", the buttons only when there
 * is more than one page. `earlier`/`later` name the buttons (Newer/Older, Previous/Next). */
export function Pager({
  label,
  testId,
  page,
  size,
  shown,
  total,
  none,
  earlier,
  later,
  onPage,
}: {
  label: string;
  testId: string;
  page: number;
  size: number;
  shown: number;
  total: number;
  none: string;
  earlier: string;
  later: string;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / size));
  const first = (page - 1) * size;
  return (
    <nav className="actions" aria-label={label}>
      {pages > 1 && (
        <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
          {earlier}
        </button>
      )}
      <span data-testid={testId}>
        {total === 0 ? none : `${(first + 1).toLocaleString()}–${(first + shown).toLocaleString()} of ${total.toLocaleString()}`}
      </span>
      {pages > 1 && (
        <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>
          {later}
        </button>
      )}
    </nav>
  );
}
