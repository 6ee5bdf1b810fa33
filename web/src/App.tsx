import type { ReactNode } from "react";
import { Link, NavLink, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { useLedger } from "./session";
import { SignIn } from "./pages/SignIn";
import { FirmDashboard } from "./pages/FirmDashboard";
import { SubmitClaim } from "./pages/SubmitClaim";
import { ClaimPage } from "./pages/ClaimPage";
import { Auditor } from "./pages/Auditor";
import { Partner } from "./pages/Partner";
import { SettlementPage } from "./pages/SettlementPage";
import { Admin } from "./pages/admin/Admin";
import { Pact } from "./pages/pact/Pact";
import { PublicVerify } from "./pages/PublicVerify";
import { short } from "./format";

function SignedIn({ children }: { children: ReactNode }) {
  const { session } = useLedger();
  const location = useLocation();
  // a deep link (e.g. a settlement a partner was sent) comes back here after signing in
  return session ? <>{children}</> : <Navigate to="/signin" replace state={{ from: location.pathname }} />;
}

export function homeFor(roles: string[]): string {
  if (roles.includes("firm")) return "/firm";
  if (roles.includes("auditor")) return "/auditor";
  if (roles.includes("admin")) return "/admin";
  return "/verify";
}

export function App() {
  const { session, signOut, chain } = useLedger();
  const roles = session?.roles ?? [];
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          CarbonLedger
        </Link>
        <nav aria-label="Main">
          {roles.includes("firm") && <NavLink to="/firm">Footprint</NavLink>}
          {roles.includes("firm") && <NavLink to="/submit">Submit a claim</NavLink>}
          {roles.includes("firm") && <NavLink to="/partner">Partners</NavLink>}
          {roles.includes("firm") && <NavLink to="/pact">PACT</NavLink>}
          {roles.includes("auditor") && <NavLink to="/auditor">Audit</NavLink>}
          {roles.includes("admin") && <NavLink to="/admin">Admin</NavLink>}
          <NavLink to="/verify">Verify a claim</NavLink>
        </nav>
        <div className="who">
          {session ? (
            <>
              <span title={session.address} data-testid="signed-in-as">
                {short(session.address, 4)} · {session.roles.join(", ")} · {session.signer.kind}
              </span>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : (
            <NavLink to="/signin">Sign in</NavLink>
          )}
        </div>
      </header>
      <main id="main">
        <Routes>
          <Route path="/" element={session ? <Navigate to={homeFor(roles)} replace /> : <SignIn />} />
          <Route path="/signin" element={<SignIn />} />
          <Route path="/verify" element={<PublicVerify />} />
          <Route path="/verify/:claimId" element={<PublicVerify />} />
          <Route path="/firm" element={<SignedIn><FirmDashboard /></SignedIn>} />
          <Route path="/submit" element={<SignedIn><SubmitClaim /></SignedIn>} />
          <Route path="/claims/:claimId" element={<SignedIn><ClaimPage /></SignedIn>} />
          <Route path="/auditor" element={<SignedIn><Auditor /></SignedIn>} />
          <Route path="/partner" element={<SignedIn><Partner /></SignedIn>} />
          <Route path="/settlements/:settlementId" element={<SignedIn><SettlementPage /></SignedIn>} />
          <Route path="/admin" element={<SignedIn><Admin /></SignedIn>} />
          <Route path="/pact" element={<SignedIn><Pact /></SignedIn>} />
          <Route path="*" element={<p>No such page.</p>} />
        </Routes>
      </main>
      <footer className="foot">
        {chain ? (
          <small>
            Chain {chain.chain_id} · block {chain.block_number} · standard {chain.standard.version_id} · ClaimLedger{" "}
            <code>{short(chain.contracts.ClaimLedger ?? "", 4)}</code>
          </small>
        ) : (
          <small>The ledger does not answer.</small>
        )}
      </footer>
    </>
  );
}
