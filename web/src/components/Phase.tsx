import type { JSX } from "preact";
import { phaseLabel } from "../format.js";

/** A phase, as a coloured pill. */
export function Phase({ phase }: { phase: string }): JSX.Element {
  return <span class={`phase phase-${phase}`}>{phaseLabel(phase)}</span>;
}
