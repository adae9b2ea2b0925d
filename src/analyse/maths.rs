//! The regional-science formulas behind the sector analysis, each on plain numbers so that it
//! can be checked by hand. Notation: E_ir employment of sector i in province r, E_r the
//! province's total, E_iN the sector's national total, E_N the national total.

/// LQ_ir = (E_ir / E_r) / (E_iN / E_N); None when a total is zero.
pub fn location_quotient(e_ir: f64, e_r: f64, e_in: f64, e_n: f64) -> Option<f64> {
    if e_r <= 0.0 || e_in <= 0.0 || e_n <= 0.0 {
        return None;
    }
    Some((e_ir / e_r) / (e_in / e_n))
}

/// Competition rank (1 = largest; ties share the better rank): 1 + how many values are larger.
pub fn rank_descending(values: &[f64], x: f64) -> usize {
    1 + values.iter().filter(|v| **v > x).count()
}

/// Whether rank `rank` among `n` is in the top tenth: rank ≤ ⌈n / 10⌉ (the European Cluster
/// Observatory's size and focus stars).
pub fn in_top_tenth(rank: usize, n: usize) -> bool {
    n > 0 && rank <= n.div_ceil(10)
}

/// The US Cluster Mapping "strong" rule: LQ ≥ P75(LQ) and LQ ≥ 1, employment and workplaces
/// above their P25 (percentiles over the provinces with employment in the sector).
pub fn strong(lq: f64, p75_lq: f64, emp: f64, p25_emp: f64, est: f64, p25_est: f64) -> bool {
    lq >= p75_lq && lq >= 1.0 && emp > p25_emp && est > p25_est
}

/// Growth g = E1 / E0 − 1; None from zero.
pub fn growth(e0: f64, e1: f64) -> Option<f64> {
    (e0 > 0.0).then(|| e1 / e0 - 1.0)
}

/// Compound annual growth over `years` years: (E1 / E0)^(1 / years) − 1.
pub fn cagr(e0: f64, e1: f64, years: i32) -> Option<f64> {
    (e0 > 0.0 && years > 0).then(|| (e1 / e0).powf(1.0 / f64::from(years)) - 1.0)
}

/// Classic shift-share (Dunn 1960) of a change from `e0`: national share E0·g_N, industry
/// mix E0·(g_iN − g_N), regional share E0·(g_ir − g_iN). The three add up to E1 − E0.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShiftShare {
    pub national: f64,
    pub industry_mix: f64,
    pub regional: f64,
}

pub fn shift_share(e0: f64, g_n: f64, g_in: f64, g_ir: f64) -> ShiftShare {
    ShiftShare {
        national: e0 * g_n,
        industry_mix: e0 * (g_in - g_n),
        regional: e0 * (g_ir - g_in),
    }
}

/// Herfindahl-Hirschman index of the shares of `parts` in their sum, and its normalised form
/// (HHI − 1/n) / (1 − 1/n) over `n` units (1 when n is 1). None when the sum is zero.
pub fn hhi(parts: &[f64], n: usize) -> Option<(f64, f64)> {
    let total: f64 = parts.iter().sum();
    if total <= 0.0 || n == 0 {
        return None;
    }
    let h: f64 = parts.iter().map(|p| (p / total).powi(2)).sum();
    let normalised = if n == 1 {
        1.0
    } else {
        let floor = 1.0 / n as f64;
        (h - floor) / (1.0 - floor)
    };
    Some((h, normalised))
}

/// Krugman specialisation index K_r = Σ_i |E_ir/E_r − E_iN/E_N| (0: the national mix, up to
/// 2: nothing in common). `pairs` holds (E_ir, E_iN) for every sector of the nation.
pub fn krugman(pairs: &[(f64, f64)], e_r: f64, e_n: f64) -> Option<f64> {
    if e_r <= 0.0 || e_n <= 0.0 {
        return None;
    }
    Some(
        pairs
            .iter()
            .map(|(e_ir, e_in)| (e_ir / e_r - e_in / e_n).abs())
            .sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn location_quotient_by_hand() {
        // Province: 30 of 100 jobs in the sector; nation: 60 of 400 → 0.3 / 0.15 = 2.
        close(location_quotient(30.0, 100.0, 60.0, 400.0).unwrap(), 2.0);
        assert_eq!(location_quotient(1.0, 0.0, 60.0, 400.0), None);
    }

    #[test]
    fn ranks_share_ties_and_top_tenth_rounds_up() {
        let v = [10.0, 30.0, 30.0, 5.0];
        assert_eq!(rank_descending(&v, 30.0), 1);
        assert_eq!(rank_descending(&v, 10.0), 3);
        assert!(in_top_tenth(1, 4));
        assert!(!in_top_tenth(2, 4));
        assert!(in_top_tenth(9, 81));
        assert!(!in_top_tenth(10, 81));
        assert!(!in_top_tenth(1, 0));
    }

    #[test]
    fn strong_needs_every_condition() {
        assert!(strong(1.5, 1.2, 100.0, 50.0, 10.0, 4.0));
        // Above P75 but below 1: not strong.
        assert!(!strong(0.9, 0.8, 100.0, 50.0, 10.0, 4.0));
        // Employment equal to P25 is not above it.
        assert!(!strong(1.5, 1.2, 50.0, 50.0, 10.0, 4.0));
        assert!(!strong(1.5, 1.2, 100.0, 50.0, 4.0, 4.0));
    }

    #[test]
    fn shift_share_adds_up_to_the_change() {
        // E0 = 100 → E1 = 130 (g_ir = 0.3); nation +10 %, sector +20 %.
        let s = shift_share(100.0, 0.1, 0.2, 0.3);
        close(s.national, 10.0);
        close(s.industry_mix, 10.0);
        close(s.regional, 10.0);
        close(s.national + s.industry_mix + s.regional, 30.0);
    }

    #[test]
    fn growth_and_cagr() {
        close(growth(100.0, 121.0).unwrap(), 0.21);
        close(cagr(100.0, 121.0, 2).unwrap(), 0.1);
        assert_eq!(growth(0.0, 5.0), None);
    }

    #[test]
    fn hhi_by_hand() {
        // Shares 0.5, 0.25, 0.25 → 0.375; normalised over 3: (0.375 − 1/3) / (2/3) = 0.0625.
        let (h, n) = hhi(&[50.0, 25.0, 25.0], 3).unwrap();
        close(h, 0.375);
        close(n, 0.0625);
        assert_eq!(hhi(&[0.0], 1), None);
    }

    #[test]
    fn krugman_by_hand() {
        // Province 80/20 against a nation 50/50: |0.8 − 0.5| + |0.2 − 0.5| = 0.6.
        close(
            krugman(&[(80.0, 500.0), (20.0, 500.0)], 100.0, 1000.0).unwrap(),
            0.6,
        );
    }
}
