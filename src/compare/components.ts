/**
 * The share of drifted principal components: both samples projected on the top principal directions
 * of the two sets pooled (drift.ts pooledCovariance), each component compared by the two-sample Kolmogorov–Smirnov test; a component drifts
 * when its p-value is below α. Evidently's "ratio" embedding-drift method counts drifted components
 * the same way (its per-component test is the Wasserstein distance, its share line 0.2). Pure.
 * SciPy: scipy.stats.ks_2samp(a, b).statistic and scipy.special.kolmogorov(√(mn/(m+n))·D).
 */

/** Two-sample KS statistic D = sup |F_A − F_B| of two ascending-sorted samples (ties handled jointly). */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const m = a.length;
  const n = b.length;
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < m && j < n) {
    const v = Math.min(a[i], b[j]);
    while (i < m && a[i] === v) i++;
    while (j < n && b[j] === v) j++;
    best = Math.max(best, Math.abs(i / m - j / n));
  }
  return best;
}

/**
 * The Kolmogorov distribution's survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}; for λ < 1
 * from the theta-function form 1 − (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}, which converges there
 * (Marsaglia, Tsang & Wang 2003 discuss both). scipy.special.kolmogorov.
 */
export function kolmogorovSf(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1) {
    let s = 0;
    const c = (Math.PI * Math.PI) / (8 * lambda * lambda);
    for (let k = 1; k < 50; k++) {
      const t = Math.exp(-(2 * k - 1) * (2 * k - 1) * c);
      s += t;
      if (t < 1e-20 * s) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * s;
  }
  let s = 0;
  for (let k = 1; k < 100; k++) {
    const t = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 === 1 ? t : -t;
    if (t < 1e-20 * Math.abs(s) || t === 0) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

export interface ComponentTest {
  component: number;
  /** Share of the pooled variance along it. */
  varianceShare: number;
  statistic: number;
  pValue: number;
  drifted: boolean;
}

export interface ComponentsResult {
  /** Drifted components / components tested. */
  share: number;
  drifted: number;
  tested: number;
  alpha: number;
  /** Rows of each sample projected. */
  rowsA: number;
  rowsB: number;
  /** The tested components, in order of reference variance. */
  components: ComponentTest[];
}

/**
 * Projects the rows of A (m × d) and B (n × d) on the first `K` rows of `vectors` (eigenvectors,
 * descending) and tests each component.
 */
export function driftedComponents(
  A: Float64Array,
  m: number,
  B: Float64Array,
  n: number,
  d: number,
  vectors: Float64Array,
  values: Float64Array,
  K: number,
  alpha = 0.05,
): ComponentsResult {
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const en = (m * n) / (m + n);
  const project = (X: Float64Array, rows: number, c: number) => {
    const out = new Float64Array(rows);
    const v = c * d;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j] * vectors[v + j];
      out[i] = s;
    }
    return out.sort();
  };
  const components: ComponentTest[] = [];
  for (let c = 0; c < K; c++) {
    const D = ksStatistic(project(A, m, c), project(B, n, c));
    const pValue = kolmogorovSf(Math.sqrt(en) * D);
    components.push({
      component: c,
      varianceShare: total > 0 ? Math.max(0, values[c]) / total : 0,
      statistic: D,
      pValue,
      drifted: pValue < alpha,
    });
  }
  const drifted = components.filter((c) => c.drifted).length;
  return { share: K > 0 ? drifted / K : 0, drifted, tested: K, alpha, rowsA: m, rowsB: n, components };
}
