/**
 * The domain classifier (Evidently's default embedding-drift method, "model"): a linear model learns
 * to tell reference rows from current rows; its ROC AUC on rows it did not see is the drift score
 * (0.5 = indistinguishable). Evidently trains scikit-learn's SGDClassifier on one 50/50 split; here
 * L2-regularised logistic regression (scikit-learn's LogisticRegression objective with C = 1,
 * intercept unpenalised) is fitted to convergence by L-BFGS on k folds, so the score is a
 * deterministic function of the two samples. Folds: row i of each sample goes to fold i mod k
 * (stratified, no randomness); each fold's fit starts from the previous fold's optimum. Pure. Oracle: fixtures/scripts/compare_oracle.py (LogisticRegression +
 * PredefinedSplit + roc_auc_score).
 */

export interface ClassifierResult {
  /** Mean ROC AUC over the folds (each fold's held-out rows). */
  auc: number;
  /** Each fold's held-out ROC AUC. */
  foldAuc: number[];
  folds: number;
  rowsA: number;
  rowsB: number;
  /** The most L-BFGS iterations a fold took. */
  iterations: number;
}

/**
 * ROC AUC of `scores` for labels (1 = positive), ties counted half (the Mann–Whitney U with average
 * ranks): scikit-learn's roc_auc_score.
 */
export function rocAuc(scores: Float64Array, labels: Uint8Array): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[order[t]] === 1) {
        pos++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const log1pExp = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Σ_j X[o + j]·w[j], four partial sums. */
function dotRow(X: Float64Array, o: number, w: Float64Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += X[o + j] * w[j];
    s1 += X[o + j + 1] * w[j + 1];
    s2 += X[o + j + 2] * w[j + 2];
    s3 += X[o + j + 3] * w[j + 3];
  }
  for (; j < d; j++) s0 += X[o + j] * w[j];
  return s0 + s1 + (s2 + s3);
}

/** g[j] += r·X[o + j]. */
function axpyRow(r: number, X: Float64Array, o: number, g: Float64Array, d: number): void {
  let j = 0;
  for (; j + 3 < d; j += 4) {
    g[j] += r * X[o + j];
    g[j + 1] += r * X[o + j + 1];
    g[j + 2] += r * X[o + j + 2];
    g[j + 3] += r * X[o + j + 3];
  }
  for (; j < d; j++) g[j] += r * X[o + j];
}

/**
 * Minimises f(w, b) = ½‖w‖² + C Σ log(1 + exp(−y_i (x_i·w + b))), y ∈ {−1, 1}, by L-BFGS
 * (Nocedal & Wright 2006, algorithm 7.4, memory 10) with a backtracking Armijo line search; stops
 * when ‖∇f‖_∞ ≤ gtol·max(1, |f|) (default 1e-8) or after maxIter iterations. Returns [w…, b] and the iterations.
 */
export function fitLogistic(
  X: Float64Array,
  y: Int8Array,
  n: number,
  d: number,
  opts: { C?: number; maxIter?: number; gtol?: number; start?: Float64Array } = {},
): { coef: Float64Array; iterations: number } {
  const C = opts.C ?? 1;
  const maxIter = opts.maxIter ?? 1000;
  const gtol = opts.gtol ?? 1e-8;
  const p = d + 1;
  const z = new Float64Array(n);
  const evaluate = (w: Float64Array, g: Float64Array): number => {
    let f = 0;
    for (let j = 0; j < d; j++) f += 0.5 * w[j] * w[j];
    for (let j = 0; j < d; j++) g[j] = w[j];
    g[d] = 0;
    for (let i = 0; i < n; i++) z[i] = w[d] + dotRow(X, i * d, w, d);
    for (let i = 0; i < n; i++) {
      const yz = y[i] * z[i];
      f += C * log1pExp(-yz);
      // d/dz log(1 + exp(−y z)) = −y σ(−y z)
      const r = -C * y[i] * sigmoid(-yz);
      axpyRow(r, X, i * d, g, d);
      g[d] += r;
    }
    return f;
  };
  const M = 10;
  const S: Float64Array[] = [];
  const Yv: Float64Array[] = [];
  const rho: number[] = [];
  let w = opts.start ? Float64Array.from(opts.start) : new Float64Array(p);
  let g = new Float64Array(p);
  let f = evaluate(w, g);
  const dir = new Float64Array(p);
  const alpha = new Float64Array(M);
  let it = 0;
  const norm = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  for (; it < maxIter; it++) {
    if (norm(g) <= gtol * Math.max(1, Math.abs(f))) break;
    // two-loop recursion: dir = −H g
    for (let j = 0; j < p; j++) dir[j] = -g[j];
    for (let k = S.length - 1; k >= 0; k--) {
      let a = 0;
      for (let j = 0; j < p; j++) a += S[k][j] * dir[j];
      a *= rho[k];
      alpha[k] = a;
      for (let j = 0; j < p; j++) dir[j] -= a * Yv[k][j];
    }
    if (S.length > 0) {
      const k = S.length - 1;
      let sy = 0;
      let yy = 0;
      for (let j = 0; j < p; j++) {
        sy += S[k][j] * Yv[k][j];
        yy += Yv[k][j] * Yv[k][j];
      }
      const gamma = sy / yy;
      for (let j = 0; j < p; j++) dir[j] *= gamma;
    } else {
      const gn = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
      for (let j = 0; j < p; j++) dir[j] /= Math.max(1, gn);
    }
    for (let k = 0; k < S.length; k++) {
      let b = 0;
      for (let j = 0; j < p; j++) b += Yv[k][j] * dir[j];
      b *= rho[k];
      for (let j = 0; j < p; j++) dir[j] += S[k][j] * (alpha[k] - b);
    }
    let slope = 0;
    for (let j = 0; j < p; j++) slope += g[j] * dir[j];
    if (!(slope < 0)) {
      // not a descent direction: restart from steepest descent
      S.length = 0;
      Yv.length = 0;
      rho.length = 0;
      for (let j = 0; j < p; j++) dir[j] = -g[j];
      slope = -g.reduce((s, x) => s + x * x, 0);
    }
    let step = 1;
    const wNew = new Float64Array(p);
    const gNew = new Float64Array(p);
    let fNew = Number.POSITIVE_INFINITY;
    for (let ls = 0; ls < 60; ls++) {
      for (let j = 0; j < p; j++) wNew[j] = w[j] + step * dir[j];
      fNew = evaluate(wNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNew < f) && !(fNew <= f)) break;
    const s = new Float64Array(p);
    const yv = new Float64Array(p);
    let sy = 0;
    for (let j = 0; j < p; j++) {
      s[j] = wNew[j] - w[j];
      yv[j] = gNew[j] - g[j];
      sy += s[j] * yv[j];
    }
    const converged = fNew === f;
    w = wNew;
    g = gNew;
    f = fNew;
    if (converged) break;
    if (sy > 1e-300) {
      if (S.length === M) {
        S.shift();
        Yv.shift();
        rho.shift();
      }
      S.push(s);
      Yv.push(yv);
      rho.push(1 / sy);
    }
  }
  return { coef: w, iterations: it };
}

/**
 * The k-fold domain classifier on A (m × d, label 0) and B (n × d, label 1): for each fold, fit on
 * the other folds, score the held-out rows, take their ROC AUC; the mean over folds.
 */
export function domainClassifier(
  A: Float64Array,
  m: number,
  B: Float64Array,
  n: number,
  d: number,
  opts: { folds?: number; C?: number; maxIter?: number; gtol?: number } = {},
): ClassifierResult {
  const k = Math.max(2, Math.min(opts.folds ?? 5, m, n));
  const foldOf = (i: number) => i % k;
  const foldAuc: number[] = [];
  let iterations = 0;
  let start: Float64Array | undefined;
  for (let f = 0; f < k; f++) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    // pooled index: A rows 0..m−1, B rows m..m+n−1
    for (let i = 0; i < m; i++) (foldOf(i) === f ? testRows : trainRows).push(i);
    for (let i = 0; i < n; i++) (foldOf(i) === f ? testRows : trainRows).push(m + i);
    const row = (r: number) => (r < m ? A.subarray(r * d, r * d + d) : B.subarray((r - m) * d, (r - m) * d + d));
    const Xt = new Float64Array(trainRows.length * d);
    const yt = new Int8Array(trainRows.length);
    trainRows.forEach((r, i) => {
      Xt.set(row(r), i * d);
      yt[i] = r < m ? -1 : 1;
    });
    // each fold starts from the previous fold's optimum (the problem is strictly convex: the optimum,
    // not the path, is the result), which saves most of the iterations
    const fit = fitLogistic(Xt, yt, trainRows.length, d, { ...opts, start });
    start = fit.coef;
    iterations = Math.max(iterations, fit.iterations);
    const scores = new Float64Array(testRows.length);
    const labels = new Uint8Array(testRows.length);
    testRows.forEach((r, i) => {
      const x = row(r);
      let s = fit.coef[d];
      for (let j = 0; j < d; j++) s += x[j] * fit.coef[j];
      scores[i] = s;
      labels[i] = r < m ? 0 : 1;
    });
    foldAuc.push(rocAuc(scores, labels));
  }
  const auc = foldAuc.reduce((s, x) => s + x, 0) / foldAuc.length;
  return { auc, foldAuc, folds: k, rowsA: m, rowsB: n, iterations };
}
