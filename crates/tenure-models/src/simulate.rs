//! Simulation of customers from the models' generative stories, for parameter-recovery tests
//! and synthetic shops (`tenure generate`). Randomness comes only from the caller's `Rng`, so a
//! seeded generator gives reproducible data.
//!
//! Time starts at a customer's first purchase (time 0) and is in the parameters' time unit.
//!
//! # Panics
//! Every function panics if given parameters that are not finite and positive; build them with
//! the checked constructors (`BgNbdParams::new`, …) to rule that out.

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};

use crate::CustomerSummary;
use crate::bgbb::{BgBbParams, BgBbSummary};
use crate::bgnbd::BgNbdParams;
use crate::gamma_gamma::GammaGammaParams;
use crate::mbgnbd::MbgNbdParams;
use crate::pareto_nbd::ParetoNbdParams;

const VALID: &str = "parameters are finite and positive (checked constructors)";

/// Gamma(shape, rate) draw.
pub(crate) fn gamma_draw(shape: f64, rate: f64, rng: &mut impl Rng) -> f64 {
    Gamma::new(shape, 1.0 / rate).expect(VALID).sample(rng)
}

/// Beta(a, b) draw.
pub(crate) fn beta_draw(a: f64, b: f64, rng: &mut impl Rng) -> f64 {
    Beta::new(a, b).expect(VALID).sample(rng)
}

/// Uniform draw on [0, 1).
pub(crate) fn uniform(rng: &mut impl Rng) -> f64 {
    rand::RngExt::random::<f64>(rng)
}

/// Times of the repeat purchases of one BG/NBD customer in (0, horizon] (Fader, Hardie & Lee
/// 2005, section 2): λ ~ Gamma(r, α), p ~ Beta(a, b); purchases arrive as a Poisson process of
/// rate λ and after each repeat purchase the customer drops out with probability p. The first
/// purchase, at time 0, is not in the list. Times are increasing.
pub fn bgnbd_purchase_times(params: &BgNbdParams, horizon: f64, rng: &mut impl Rng) -> Vec<f64> {
    let rate = gamma_draw(params.r, params.alpha, rng);
    let drop_out = beta_draw(params.a, params.b, rng);
    poisson_purchases_until_drop_out(rate, drop_out, false, horizon, rng)
}

/// Times of the repeat purchases of one MBG/NBD customer in (0, horizon] (Batislam et al. 2007):
/// as [`bgnbd_purchase_times`], but the customer may also drop out at time 0, right after the
/// first purchase, with probability p.
pub fn mbgnbd_purchase_times(params: &MbgNbdParams, horizon: f64, rng: &mut impl Rng) -> Vec<f64> {
    let rate = gamma_draw(params.r, params.alpha, rng);
    let drop_out = beta_draw(params.a, params.b, rng);
    poisson_purchases_until_drop_out(rate, drop_out, true, horizon, rng)
}

/// Purchases of rate `rate` in (0, horizon]; after each (and at time 0 when `drop_at_start`)
/// the customer leaves with probability `drop_out`.
pub(crate) fn poisson_purchases_until_drop_out(
    rate: f64,
    drop_out: f64,
    drop_at_start: bool,
    horizon: f64,
    rng: &mut impl Rng,
) -> Vec<f64> {
    let mut times = Vec::new();
    if drop_at_start && uniform(rng) < drop_out {
        return times;
    }
    let gap = Exp::new(rate).expect(VALID);
    let mut now = 0.0;
    loop {
        now += gap.sample(rng);
        if now > horizon {
            return times;
        }
        times.push(now);
        if uniform(rng) < drop_out {
            return times;
        }
    }
}

/// The `(x, t_x, T)` summary of a customer first seen at time 0 and observed until `horizon`,
/// given the repeat purchase times in (0, horizon].
pub fn summarize(purchase_times: &[f64], horizon: f64) -> CustomerSummary {
    CustomerSummary {
        x: purchase_times.len() as f64,
        t_x: purchase_times.last().copied().unwrap_or(0.0),
        big_t: horizon,
    }
}

/// `n` BG/NBD customers, each observed for a time drawn uniformly from
/// [`min_age`, `max_age`] (staggered acquisition), summarised as `(x, t_x, T)`.
pub fn bgnbd_customers(
    params: &BgNbdParams,
    n: usize,
    min_age: f64,
    max_age: f64,
    rng: &mut impl Rng,
) -> Vec<CustomerSummary> {
    staggered_customers(n, min_age, max_age, rng, |age, rng| bgnbd_purchase_times(params, age, rng))
}

/// `n` customers of ages uniform on [`min_age`, `max_age`], each with the purchase times
/// `purchases(age, rng)` gives, summarised.
fn staggered_customers<R: Rng>(
    n: usize,
    min_age: f64,
    max_age: f64,
    rng: &mut R,
    mut purchases: impl FnMut(f64, &mut R) -> Vec<f64>,
) -> Vec<CustomerSummary> {
    (0..n)
        .map(|_| {
            let age = min_age + (max_age - min_age) * uniform(rng);
            summarize(&purchases(age, rng), age)
        })
        .collect()
}

/// Times of the repeat purchases of one Pareto/NBD customer in (0, horizon] (Schmittlein et al.
/// 1987): λ ~ Gamma(r, α), μ ~ Gamma(s, β), lifetime τ ~ Exponential(μ); purchases are a Poisson
/// process of rate λ on (0, min(τ, horizon)]. Times are increasing.
pub fn pareto_nbd_purchase_times(params: &ParetoNbdParams, horizon: f64, rng: &mut impl Rng) -> Vec<f64> {
    let rate = gamma_draw(params.r, params.alpha, rng);
    let death_rate = gamma_draw(params.s, params.beta, rng);
    let lifetime = Exp::new(death_rate).expect(VALID).sample(rng);
    let end = lifetime.min(horizon);
    let gap = Exp::new(rate).expect(VALID);
    let mut times = Vec::new();
    let mut now = gap.sample(rng);
    while now <= end {
        times.push(now);
        now += gap.sample(rng);
    }
    times
}

/// `n` Pareto/NBD customers observed for ages uniform on [`min_age`, `max_age`], summarised.
pub fn pareto_nbd_customers(
    params: &ParetoNbdParams,
    n: usize,
    min_age: f64,
    max_age: f64,
    rng: &mut impl Rng,
) -> Vec<CustomerSummary> {
    staggered_customers(n, min_age, max_age, rng, |age, rng| pareto_nbd_purchase_times(params, age, rng))
}

/// The opportunities (1-based, increasing) at which one BG/BB customer transacts among the
/// first `opportunities` (Fader, Hardie & Shang 2010): p ~ Beta(α, β), θ ~ Beta(γ, δ); before
/// each opportunity the customer leaves with probability θ, and while alive
/// transacts with probability p.
pub fn bgbb_transactions(params: &BgBbParams, opportunities: u32, rng: &mut impl Rng) -> Vec<u32> {
    let p = beta_draw(params.alpha, params.beta, rng);
    let theta = beta_draw(params.gamma, params.delta, rng);
    let mut out = Vec::new();
    for i in 1..=opportunities {
        if uniform(rng) < theta {
            break;
        }
        if uniform(rng) < p {
            out.push(i);
        }
    }
    out
}

/// The `(x, t_x, n)` summary of a BG/BB history with weight 1.
pub fn summarize_bgbb(transactions: &[u32], opportunities: u32) -> BgBbSummary {
    BgBbSummary {
        x: u32::try_from(transactions.len()).unwrap_or(u32::MAX),
        t_x: transactions.last().copied().unwrap_or(0),
        n: opportunities,
        weight: 1.0,
    }
}

/// `n` transaction values of one Gamma-Gamma customer (Fader, Hardie & Lee 2005, "RFM and
/// CLV"): ν ~ Gamma(q, γ) drawn once, then each value ~ Gamma(p, ν). All values are > 0.
pub fn gamma_gamma_spends(params: &GammaGammaParams, n: usize, rng: &mut impl Rng) -> Vec<f64> {
    let nu = gamma_draw(params.q, params.gamma, rng);
    let spend = Gamma::new(params.p, 1.0 / nu).expect(VALID);
    (0..n).map(|_| spend.sample(rng)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn purchase_times_are_increasing_and_inside_the_horizon() {
        let mut rng = StdRng::seed_from_u64(7);
        let p = BgNbdParams::new(2.0, 1.0, 0.5, 5.0).unwrap();
        for _ in 0..200 {
            let times = bgnbd_purchase_times(&p, 10.0, &mut rng);
            assert!(times.windows(2).all(|w| w[0] < w[1]));
            assert!(times.iter().all(|&t| t > 0.0 && t <= 10.0));
        }
    }

    #[test]
    fn simulated_mean_purchases_match_the_model_expectation() {
        // E[X(t)] for a new customer (FHL 2005 eq. 9) against the simulated mean.
        let mut rng = StdRng::seed_from_u64(11);
        let p = BgNbdParams::new(0.8, 4.0, 1.5, 3.0).unwrap();
        let n = 20_000;
        let total: usize = (0..n).map(|_| bgnbd_purchase_times(&p, 30.0, &mut rng).len()).sum();
        let simulated = total as f64 / n as f64;
        let expected = crate::bgnbd::expected_purchases_new_customer(&p, 30.0);
        // Standard error of the mean is about 0.05 here; allow four of them.
        assert!((simulated - expected).abs() < 0.2, "{simulated} vs {expected}");
    }

    #[test]
    fn gamma_gamma_spends_are_positive_with_the_model_mean() {
        let mut rng = StdRng::seed_from_u64(3);
        let p = GammaGammaParams::new(6.0, 4.0, 15.0).unwrap();
        let spends: Vec<f64> = (0..20_000).flat_map(|_| gamma_gamma_spends(&p, 1, &mut rng)).collect();
        assert!(spends.iter().all(|&s| s > 0.0));
        let mean = spends.iter().sum::<f64>() / spends.len() as f64;
        // Population mean pγ/(q − 1) = 30; its sampling sd here is about 0.25.
        assert!((mean - 30.0).abs() < 1.0, "{mean}");
    }
}
