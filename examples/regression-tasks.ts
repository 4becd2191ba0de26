/**
 * The two tasks of the linear-regression example every Flyte user knows:
 * ordinary least squares over integer points.
 */
import { task, t } from "aloft";

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => sum(xs) / xs.length;

/** The slope of the least-squares line through the points (x[i], y[i]). */
export const slope = task(
  { name: "slope", inputs: { x: t.list(t.int), y: t.list(t.int) }, outputs: t.float },
  ({ x, y }) => {
    if (x.length !== y.length || x.length < 2) throw new Error(`slope needs two equally long lists of at least 2 points, got ${x.length} and ${y.length}`);
    const mx = mean(x);
    const my = mean(y);
    const covariance = sum(x.map((xi, i) => (xi - mx) * (y[i]! - my)));
    const variance = sum(x.map((xi) => (xi - mx) ** 2));
    return covariance / variance;
  },
);

/** Where the least-squares line with the given slope crosses the y axis. */
export const intercept = task(
  { name: "intercept", inputs: { x: t.list(t.int), y: t.list(t.int), slope: t.float }, outputs: t.float },
  ({ x, y, slope }) => mean(y) - slope * mean(x),
);
