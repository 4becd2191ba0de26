/** The Aloft web console: a single-page app over the public HTTP API. */
import { render, type JSX } from "preact";
import { lazy, Suspense } from "preact/compat";
import { api } from "./api.js";
import { ExecutionsPage } from "./pages/Executions.js";
import { Link, match, useLocation } from "./router.js";
import "./styles.css";

const ExecutionPage = lazy(() => import("./pages/Execution.js").then((m) => m.ExecutionPage));
const LaunchPage = lazy(() => import("./pages/Launch.js").then((m) => m.LaunchPage));
const EntitiesPage = lazy(() => import("./pages/Entities.js").then((m) => m.EntitiesPage));
const EntityPage = lazy(() => import("./pages/Entities.js").then((m) => m.EntityPage));

function Page({ url }: { url: URL }): JSX.Element {
  const p = url.pathname;
  let m: Record<string, string> | undefined;
  if (p === "/" || p === "/executions") return <ExecutionsPage url={url} />;
  if ((m = match("/executions/:id", p))) return <ExecutionPage id={m["id"]!} url={url} />;
  if (p === "/launch") return <LaunchPage url={url} />;
  if ((m = match("/launch/:kind/:project/:domain/:name", p))) return <LaunchPage url={url} target={m} />;
  if (p === "/entities") return <EntitiesPage />;
  if ((m = match("/entities/:kind/:project/:domain/:name", p))) return <EntityPage params={m} />;
  if ((m = match("/entities/:kind/:project/:domain/:name/:version", p))) return <EntityPage params={m} />;
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>
        Nothing here. <Link href="/">Back to the executions</Link>.
      </p>
    </section>
  );
}

function App(): JSX.Element {
  const url = useLocation();
  const section = url.pathname.startsWith("/entities") ? "entities" : url.pathname.startsWith("/launch") ? "launch" : "executions";
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          <span class="logo" aria-hidden="true" />
          Aloft
        </Link>
        <nav aria-label="Sections">
          <Link href="/" aria-current={section === "executions" ? "page" : undefined}>
            Executions
          </Link>
          <Link href="/entities" aria-current={section === "entities" ? "page" : undefined}>
            Tasks, workflows &amp; launch plans
          </Link>
          <Link href="/launch" aria-current={section === "launch" ? "page" : undefined}>
            Launch
          </Link>
        </nav>
        <span class="spacer" />
        <a class="muted" href="/api/openapi.json">
          API
        </a>
        <button
          class="button ghost"
          onClick={() => {
            void api.endSession().finally(() => location.reload());
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">
        <Suspense fallback={<p class="loading">Loading…</p>}>
          <Page url={url} />
        </Suspense>
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
