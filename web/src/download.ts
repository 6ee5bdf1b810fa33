import { ApiError, authHeader } from "./api/client";

/** Fetch a file with the member's token and hand it to the browser as a download. */
export async function download(path: string, filename: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(path, { ...init, headers: { ...authHeader(), ...(init.headers ?? {}) } });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, response.status === 404 ? `${detail} (is this route on the ledger yet?)` : String(detail));
  }
  const url = URL.createObjectURL(await response.blob());
  followDownloadLink(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Follow a download link of the service (``POST /claims/export/link``): the browser saves the
 * file to disk as it arrives, with its own progress, instead of holding it whole in the page
 * first as {@link download} does. The link carries its own short-lived ticket: a link cannot
 * carry the Authorization header. ``download`` keeps a refused link from replacing the page. */
export function followDownloadLink(url: string, filename: string): void {
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
