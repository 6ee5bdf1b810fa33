import type { ReactNode } from "react";
import { TableHead } from "./TableHead";

/** A table that scrolls sideways on a narrow screen: its caption, column headers and rows (`children`). */
export function ScrollTable({
  testId,
  caption,
  columns,
  action,
  children,
}: {
  testId?: string;
  caption?: string;
  columns: string[];
  action?: string;
  children: ReactNode;
}) {
  return (
    <div className="scroll">
      <table data-testid={testId}>
        {caption && <caption>{caption}</caption>}
        <TableHead columns={columns} action={action} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
