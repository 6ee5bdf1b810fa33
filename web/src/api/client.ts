// The API client: typed from the service's OpenAPI document (src/api/schema.d.ts is
// generated at build time from web/openapi.json, which a test keeps equal to the live
// service's /openapi.json). Every call goes to the same routes the CLI uses.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ChainInfo = Schemas["carbonledger__api__routes__chain__ChainInfo"];
export type ClaimOut = Schemas["ClaimOut"];
export type ClaimPage = Schemas["ClaimPage"];
export type FootprintPeriods = Schemas["FootprintPeriods"];
export type ClaimDetail = Schemas["ClaimDetail"];
export type ClaimCheck = Schemas["ClaimCheck"];
export type MemberOut = Schemas["MemberOut"];
export type OverlapOut = Schemas["OverlapOut"];
export type PartnerOverlapsOut = Schemas["PartnerOverlapsOut"];
export type SettlementOut = Schemas["SettlementOut"];
export type PublicClaim = Schemas["PublicClaim"];
export type VerifyAnswer = Schemas["VerifyAnswer"];
export type ClaimVerification = Schemas["ClaimVerification"];

export type Problem = { field?: string; message?: string };

/** The API refused a request: its status, message and, for 422, each field's problem. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: string,
    public problems: Problem[] = [],
  ) {
    super(
      `HTTP ${status}: ${detail}` +
        (problems.length ? " — " + problems.map((p) => `${p.field}: ${p.message}`).join("; ") : ""),
    );
  }
}

let bearer: string | null = null;
export function setToken(token: string | null): void {
  bearer = token;
}
export function authHeader(): Record<string, string> {
  return bearer ? { Authorization: `Bearer ${bearer}` } : {};
}

const auth: Middleware = {
  onRequest({ request }) {
    if (bearer) request.headers.set("Authorization", `Bearer ${bearer}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

function detailOf(error: unknown): { detail: string; problems: Problem[] } {
  if (error && typeof error === "object") {
    const e = error as { detail?: unknown; problems?: Problem[] };
    const detail =
      typeof e.detail === "string"
        ? e.detail
        : Array.isArray(e.detail)
          ? e.detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join(".")}: ${d.msg}`).join("; ")
          : JSON.stringify(error);
    return { detail, problems: e.problems ?? [] };
  }
  return { detail: String(error), problems: [] };
}

/** The data of an openapi-fetch answer, or an ApiError. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const { detail, problems } = detailOf(error);
    throw new ApiError(response.status, detail, problems);
  }
  return data as T;
}

/** Every member of the consortium, read page by page (the API gives at most 200 a page), so
 *  that a consortium larger than one page can still pick its latest members. */
export async function allMembers(): Promise<MemberOut[]> {
  const out: MemberOut[] = [];
  for (let page = 1; ; page++) {
    const p = await ok(api.GET("/members", { params: { query: { page, page_size: 200 } } }));
    out.push(...p.items);
    if (p.items.length === 0 || out.length >= p.total) return out;
  }
}
