/** A small history router: the server answers every console path with the app, which picks the page. */
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** The current location, re-rendered on navigation. */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const on = (): void => setUrl(new URL(location.href));
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  return url;
}

/** A link that navigates in the app (and still opens in a new tab with a modifier key). */
export function Link(props: { href: string; children: ComponentChildren } & Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href">): JSX.Element {
  const { href, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

/** Matches `pattern` (`/executions/:id`) against a path; the named segments, decoded. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split("/");
  const s = path.split("/");
  if (p.length !== s.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i]!;
    const got = s[i]!;
    if (want.startsWith(":")) {
      if (got === "") return undefined;
      out[want.slice(1)] = decodeURIComponent(got);
    } else if (want !== got) return undefined;
  }
  return out;
}

export function seg(s: string): string {
  return encodeURIComponent(s);
}
