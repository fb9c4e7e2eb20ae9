//! Small statistics the analysis needs: the Wilson interval, exact integer moments and Pearson's
//! r of small-integer answers, the paired t-test. Pure functions of numbers; no survey types.

mod special;

pub use special::{incomplete_beta, ln_gamma, student_t_two_sided};

/// The standard normal's 97.5 % quantile, Φ⁻¹(0.975), for 95 % intervals: SciPy's
/// `norm.isf(0.025)` as statsmodels uses it (one unit in the last place above `norm.ppf(0.975)`),
/// so intervals match statsmodels' to the last digit.
pub const Z95: f64 = 1.959_963_984_540_054_5;

/// Wilson score 95 % interval of the proportion `successes / n`, in percent, `[low, high]`,
/// clipped to [0, 100] (as statsmodels' `proportion_confint(method="wilson")`). `None` for n = 0.
///
/// centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z √(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n)
/// (Wilson 1927; Brown, Cai & DasGupta 2001).
pub fn wilson_percent(successes: u64, n: u64) -> Option<[f64; 2]> {
    if n == 0 {
        return None;
    }
    let (n, p) = (n as f64, successes as f64 / n as f64);
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some([(centre - half).clamp(0.0, 1.0) * 100.0, (centre + half).clamp(0.0, 1.0) * 100.0])
}

/// `100 · part / whole`, `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// Exact sums over pairs of small integers, for Pearson's r without rounding until the end.
#[derive(Debug, Clone, Copy, Default)]
pub struct PairSums {
    /// Pairs added.
    pub n: i64,
    sx: i64,
    sy: i64,
    sxx: i64,
    syy: i64,
    sxy: i64,
}

impl PairSums {
    /// Adds one pair.
    #[inline]
    pub fn push(&mut self, x: i64, y: i64) {
        self.n += 1;
        self.sx += x;
        self.sy += y;
        self.sxx += x * x;
        self.syy += y * y;
        self.sxy += x * y;
    }

    /// Sums over the responses where both byte columns are answered (neither is `skipped`);
    /// also returns `(answers, sum)` of `x` alone. Branch-free in blocks, so it vectorises.
    pub fn of_columns(x: &[u8], y: &[u8], skipped: u8) -> (PairSums, (i64, i64)) {
        // A block's u32 sums cannot overflow: 255² · 16384 < 2³².
        const BLOCK: usize = 16_384;
        let (mut sums, mut alone) = (PairSums::default(), (0i64, 0i64));
        for (xs, ys) in x.chunks(BLOCK).zip(y.chunks(BLOCK)) {
            let mut b = [0u32; 8];
            for (&x, &y) in xs.iter().zip(ys) {
                let has_x = u32::from(x != skipped);
                let both = has_x & u32::from(y != skipped);
                let (x, y) = (u32::from(x), u32::from(y));
                b[0] += both;
                b[1] += both * x;
                b[2] += both * y;
                b[3] += both * x * x;
                b[4] += both * y * y;
                b[5] += both * x * y;
                b[6] += has_x;
                b[7] += has_x * x;
            }
            let [n, sx, sy, sxx, syy, sxy, nx, x_sum] = b.map(i64::from);
            sums.n += n;
            sums.sx += sx;
            sums.sy += sy;
            sums.sxx += sxx;
            sums.syy += syy;
            sums.sxy += sxy;
            alone.0 += nx;
            alone.1 += x_sum;
        }
        (sums, alone)
    }

    /// Pearson's r = (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)), the co-moments exact in
    /// integers. `None` for fewer than 2 pairs or a constant variable.
    pub fn pearson(&self) -> Option<f64> {
        let n = i128::from(self.n);
        let (sx, sy) = (i128::from(self.sx), i128::from(self.sy));
        let cxy = n * i128::from(self.sxy) - sx * sy;
        let cxx = n * i128::from(self.sxx) - sx * sx;
        let cyy = n * i128::from(self.syy) - sy * sy;
        (self.n >= 2 && cxx > 0 && cyy > 0).then(|| cxy as f64 / ((cxx as f64).sqrt() * (cyy as f64).sqrt()))
    }
}

/// Mean of a slice, `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Two-sided p-value of the paired t-test on the differences `d` (perception − expectation):
/// t = d̄ / (s_d / √n), df = n − 1, s_d with n − 1 in the denominator (as SciPy's `ttest_rel`).
/// `None` for n < 2 or when every difference is the same (zero variance).
pub fn paired_t_p_value(differences: &[f64]) -> Option<f64> {
    let (min, max) =
        differences.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &d| (lo.min(d), hi.max(d)));
    let m = mean(differences)?;
    let squares = differences.iter().map(|d| (d - m) * (d - m)).sum::<f64>();
    paired_t_p_value_from(differences.len(), m, squares, min == max)
}

/// [`paired_t_p_value`] from the differences' count, mean, sum of squared deviations from the
/// mean, and whether they are all equal — for callers that stream the differences.
pub fn paired_t_p_value_from(n: usize, mean: f64, squared_deviations: f64, all_equal: bool) -> Option<f64> {
    if n < 2 || all_equal {
        return None;
    }
    let variance = squared_deviations / (n - 1) as f64;
    let t = mean / (variance / n as f64).sqrt();
    Some(student_t_two_sided(t, (n - 1) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    /// statsmodels 0.15 `proportion_confint(k, n, method="wilson")`, times 100.
    #[test]
    fn wilson_matches_statsmodels() {
        let [lo, hi] = wilson_percent(4, 5).unwrap();
        close(lo, 37.55346297625252);
        close(hi, 96.37758913675698);
        let [lo, hi] = wilson_percent(0, 10).unwrap();
        assert_eq!(lo, 0.0);
        close(hi, 27.753279986288927);
        let [lo, hi] = wilson_percent(30, 30).unwrap();
        close(lo, 88.64866068260311);
        assert_eq!(hi, 100.0);
        assert_eq!(wilson_percent(0, 0), None);
    }

    #[test]
    fn pearson_is_exact_on_lines_and_undefined_on_constants() {
        let mut s = PairSums::default();
        for x in 1..=5 {
            s.push(x, 10 - 2 * x);
        }
        close(s.pearson().unwrap(), -1.0);
        let mut c = PairSums::default();
        c.push(3, 1);
        c.push(3, 2);
        assert_eq!(c.pearson(), None);
    }

    /// SciPy: `ttest_rel([3, 4, 5, 6, 7], [1, 3, 5, 4, 6]).pvalue` = 0.03267792333680301 (d = 2, 1, 0, 2, 1).
    #[test]
    fn paired_t_test_matches_scipy() {
        let p = paired_t_p_value(&[2.0, 1.0, 0.0, 2.0, 1.0]).unwrap();
        close(p, 0.03267792333680301);
        assert_eq!(paired_t_p_value(&[1.0, 1.0, 1.0]), None);
        assert_eq!(paired_t_p_value(&[1.0]), None);
    }
}
