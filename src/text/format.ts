/** Number formatting shared by the renderers and the rules' messages (locale-independent). */

/** Digits grouped in threes with "," (locale-independent, so output is deterministic). */
function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A measured value: 4 significant digits with trailing zeros dropped (0.8, 13.81, 0.04409);
 * integers from 10,000 grouped; below 1e-4 or from 1e9 in exponent form (1.235e-5).
 */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "∞";
  if (x === Number.NEGATIVE_INFINITY) return "-∞";
  if (x === 0) return "0";
  const ax = Math.abs(x);
  const sign = x < 0 ? "-" : "";
  if (ax < 1e-4 || ax >= 1e9) {
    const [mantissa, exponent] = ax.toExponential(3).split("e");
    return `${sign}${trimZeros(mantissa)}e${exponent.replace("+", "")}`;
  }
  if (ax >= 9999.5) return sign + groupDigits(String(Math.round(ax)));
  return sign + trimZeros(ax.toPrecision(4));
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** A count: grouped digits (1,999,000); non-integers fall back to formatNumber. */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return formatNumber(n);
  return (n < 0 ? "-" : "") + groupDigits(String(Math.abs(n)));
}

/** A share in [0, 1] as a percentage with 4 significant digits (0.0722 → "7.22%"). */
export function formatPercent(share: number): string {
  return `${formatNumber(share * 100)}%`;
}
