//! Chart geometry: pure functions from numbers to pixel coordinates, axis ticks and colour
//! levels. Templates write every tag of the SVG charts and heat tables from these numbers; nothing
//! here writes markup, reads the store or knows what the numbers mean.

/// How many colour levels a heat table uses: level 0 (nothing) and levels 1–9, the classes
/// `.heat-0` … `.heat-9` of the style sheet.
pub(crate) const HEAT_LEVELS: u8 = 10;

/// A linear map from values (`domain`) to pixels (`range`); the range may run backwards (a
/// y axis grows upwards on screen while pixels grow downwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    domain: (f64, f64),
    range: (f64, f64),
}

impl Scale {
    /// The map taking `domain.0` to `range.0` and `domain.1` to `range.1`.
    pub(crate) fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale { domain, range }
    }

    /// The pixel of `value`; an empty domain maps everything to the middle of the range.
    pub(crate) fn at(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (d1 - d0).abs() < f64::EPSILON {
            return (r0 + r1) / 2.0;
        }
        r0 + (value - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// Round axis ticks covering `[min, max]`: about `count` steps of 1, 2 or 5 × 10^k, the first
/// at or below `min`, the last at or above `max`. An empty or invalid interval gets `[min, min + 1]`.
pub(crate) fn nice_ticks(min: f64, max: f64, count: usize) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite()) || max <= min {
        let base = if min.is_finite() { min } else { 0.0 };
        return vec![base, base + 1.0];
    }
    let step = nice_step((max - min) / count.max(1) as f64);
    // The slack keeps a bound that is a multiple of the step (up to rounding) from adding a tick.
    let first = (min / step + 1e-9).floor() as i64;
    let last = (max / step - 1e-9).ceil() as i64;
    // Multiples of the step by index, not by repeated addition: no drift (0.1 + 0.2 ≠ 0.3).
    (first..=last).map(|i| clean(i as f64 * step)).collect()
}

/// The smallest step of 1, 2 or 5 × 10^k at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let normalised = raw / magnitude;
    let factor = if normalised <= 1.0 {
        1.0
    } else if normalised <= 2.0 {
        2.0
    } else if normalised <= 5.0 {
        5.0
    } else {
        10.0
    };
    factor * magnitude
}

/// `x` without the binary noise of a decimal step (`0.30000000000000004` → `0.3`).
fn clean(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// How many decimals the labels of ticks `step` apart need (`20` → 0, `0.5` → 1, `0.25` → 2).
pub(crate) fn tick_decimals(ticks: &[f64]) -> usize {
    let step = match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 1.0,
    };
    (0..=6)
        .find(|&d| ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6)
        .unwrap_or(6)
}

/// The colour level of `value` on a scale whose darkest level is reached at `max`: 0 for
/// nothing (zero, negative, undefined, or an all-zero scale), else `⌈value / max × 9⌉` clamped
/// to 1–9 — so level `i` covers `(max × (i − 1) / 9, max × i / 9]` and values above `max`
/// are darkest.
pub(crate) fn heat_level(value: f64, max: f64) -> u8 {
    if !(value > 0.0 && max > 0.0 && value.is_finite() && max.is_finite()) {
        return 0;
    }
    let top = f64::from(HEAT_LEVELS - 1);
    // The slack keeps a value on a band's upper edge (up to rounding) in that band.
    ((value / max).min(1.0) * top - 1e-9).ceil().clamp(1.0, top) as u8
}

/// The values each level covers on a scale darkest at `max`: `(level, low, high)` for
/// levels 1–9, the interval `(low, high]`.
pub(crate) fn heat_bands(max: f64) -> Vec<(u8, f64, f64)> {
    let top = f64::from(HEAT_LEVELS - 1);
    (1..HEAT_LEVELS)
        .map(|level| (level, max * f64::from(level - 1) / top, max * f64::from(level) / top))
        .collect()
}

/// Outer size and margins of the line chart, in SVG user units.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 44.0;

/// At most this many labels along the x axis (every n-th period is labelled beyond that).
const MAX_X_LABELS: usize = 12;

/// One line of a line chart: its values per x position (`None` leaves a gap).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesInput<'a> {
    /// What it is (the legend, the tooltips).
    pub name: &'static str,
    /// Its style class (`line-0`, `line-1`, …).
    pub class: &'static str,
    /// Its values, one per label.
    pub values: &'a [Option<f64>],
}

/// The geometry of a line chart, coordinates as text with one decimal (what SVG attributes take).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineChart {
    /// `viewBox` width.
    pub width: f64,
    /// `viewBox` height.
    pub height: f64,
    /// Left edge of the plot area.
    pub left: String,
    /// Right edge of the plot area.
    pub right: String,
    /// Bottom edge of the plot area (the x axis).
    pub bottom: String,
    /// Grid lines and labels of the y axis.
    pub y_ticks: Vec<Tick>,
    /// Labels of the x axis.
    pub x_ticks: Vec<Tick>,
    /// The lines.
    pub series: Vec<SeriesPath>,
}

/// An axis tick: where, and what it says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    /// The coordinate along its axis.
    pub at: String,
    /// The label.
    pub label: String,
}

/// One drawn line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesPath {
    /// Its name.
    pub name: &'static str,
    /// Its style class.
    pub class: &'static str,
    /// `points` attributes of its polylines: one per run of defined values.
    pub runs: Vec<String>,
    /// Its markers, one per defined value.
    pub points: Vec<Point>,
}

/// A marker on a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    /// x coordinate.
    pub x: String,
    /// y coordinate.
    pub y: String,
    /// What a pointer over it shows (`1997-08: 41.2 %`).
    pub title: String,
}

/// The geometry of a line chart of `series` over the x positions `labels`, y from 0 (or the
/// lowest value, when negative) to a round number above the highest; `unit` follows the y labels
/// and tooltips (`" %"`).
pub(crate) fn line_chart(labels: &[String], series: &[SeriesInput<'_>], unit: &str) -> LineChart {
    let values = series.iter().flat_map(|s| s.values.iter().flatten().copied());
    let (low, high) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let ticks = nice_ticks(low, high, 5);
    let decimals = tick_decimals(&ticks);
    let (first, last) = (ticks[0], ticks[ticks.len() - 1]);
    let y = Scale::new((first, last), (HEIGHT - BOTTOM, TOP));
    let band = (WIDTH - LEFT - RIGHT) / labels.len().max(1) as f64;
    // Each value sits in the middle of its band, so one period alone is still drawn.
    let x = |i: usize| LEFT + band * (i as f64 + 0.5);
    let every = labels.len().div_ceil(MAX_X_LABELS).max(1);
    LineChart {
        width: WIDTH,
        height: HEIGHT,
        left: px(LEFT),
        right: px(WIDTH - RIGHT),
        bottom: px(HEIGHT - BOTTOM),
        y_ticks: ticks
            .iter()
            .map(|&t| Tick { at: px(y.at(t)), label: format!("{t:.decimals$}{unit}") })
            .collect(),
        x_ticks: labels
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, label)| Tick { at: px(x(i)), label: label.clone() })
            .collect(),
        series: series.iter().map(|s| path(s, labels, unit, &x, &y)).collect(),
    }
}

/// One series' polylines and markers.
fn path(
    series: &SeriesInput<'_>,
    labels: &[String],
    unit: &str,
    x: &dyn Fn(usize) -> f64,
    y: &Scale,
) -> SeriesPath {
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    let mut points = Vec::new();
    for (i, value) in series.values.iter().enumerate() {
        let Some(v) = value else {
            runs.push(Vec::new());
            continue;
        };
        let (px_x, px_y) = (px(x(i)), px(y.at(*v)));
        runs.last_mut().expect("runs starts non-empty").push(format!("{px_x},{px_y}"));
        let label = labels.get(i).map_or("", String::as_str);
        points.push(Point { x: px_x, y: px_y, title: format!("{}, {label}: {v:.1}{unit}", series.name) });
    }
    SeriesPath {
        name: series.name,
        class: series.class,
        runs: runs.into_iter().filter(|r| !r.is_empty()).map(|r| r.join(" ")).collect(),
        points,
    }
}

/// A coordinate as an SVG attribute value: one decimal is a tenth of a pixel.
fn px(value: f64) -> String {
    format!("{value:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_maps_the_ends_of_its_domain_to_the_ends_of_its_range_even_backwards() {
        let y = Scale::new((0.0, 100.0), (256.0, 16.0));
        assert_eq!(y.at(0.0), 256.0);
        assert_eq!(y.at(100.0), 16.0);
        assert_eq!(y.at(50.0), 136.0);
        assert_eq!(Scale::new((3.0, 3.0), (0.0, 10.0)).at(3.0), 5.0, "an empty domain: the middle");
    }

    #[test]
    fn ticks_are_round_steps_covering_the_data() {
        assert_eq!(nice_ticks(0.0, 73.2, 5), [0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(nice_ticks(0.0, 100.0, 5), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(0.0, 1.0, 4), [0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(0.0, 0.3, 3), [0.0, 0.1, 0.2, 0.3], "no binary drift");
        assert_eq!(nice_ticks(-12.0, 30.0, 4), [-20.0, 0.0, 20.0, 40.0]);
        assert_eq!(nice_ticks(0.0, 0.0, 5), [0.0, 1.0], "no data: a unit axis");
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5), [0.0, 1.0]);
        assert_eq!(tick_decimals(&[0.0, 20.0]), 0);
        assert_eq!(tick_decimals(&[0.0, 0.5]), 1);
        assert_eq!(tick_decimals(&[0.0, 0.25]), 2);
    }

    #[test]
    fn heat_levels_split_the_scale_into_nine_equal_bands_above_nothing() {
        assert_eq!(heat_level(0.0, 50.0), 0);
        assert_eq!(heat_level(-1.0, 50.0), 0);
        assert_eq!(heat_level(f64::NAN, 50.0), 0);
        assert_eq!(heat_level(3.0, 0.0), 0, "an all-zero table is all level 0");
        assert_eq!(heat_level(0.001, 9.0), 1);
        assert_eq!(heat_level(1.0, 9.0), 1, "bands are closed above");
        assert_eq!(heat_level(1.01, 9.0), 2);
        assert_eq!(heat_level(9.0, 9.0), 9);
        assert_eq!(heat_level(100.0, 9.0), 9, "above the scale: darkest");
        let bands = heat_bands(9.0);
        assert_eq!(bands.len(), 9);
        assert_eq!((bands[0], bands[8]), ((1, 0.0, 1.0), (9, 8.0, 9.0)));
        for (level, low, high) in bands {
            assert_eq!(heat_level(high, 9.0), level);
            assert_eq!(heat_level(low + 1e-6, 9.0), level);
        }
    }

    #[test]
    fn every_heat_level_has_a_colour_in_the_style_sheet() {
        let css = include_str!("../assets/style.css");
        for level in 0..HEAT_LEVELS {
            assert!(css.contains(&format!(".heat-{level} ")), "no colour for .heat-{level}");
        }
    }

    #[test]
    fn a_line_chart_puts_values_in_band_centres_and_breaks_lines_at_gaps() {
        let labels: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let values = [Some(0.0), Some(80.0), None, Some(40.0)];
        let chart =
            line_chart(&labels, &[SeriesInput { name: "rate", class: "line-0", values: &values }], " %");
        let band = (WIDTH - LEFT - RIGHT) / 4.0;
        let line = &chart.series[0];
        assert_eq!(line.runs.len(), 2, "the gap splits the line");
        assert_eq!(line.points.len(), 3);
        assert_eq!(line.points[0].x, px(LEFT + band / 2.0));
        assert_eq!(line.points[0].y, px(HEIGHT - BOTTOM), "0 on the x axis");
        assert_eq!(line.points[1].y, px(TOP), "the top tick is 80");
        assert_eq!(line.points[2].y, px((HEIGHT - BOTTOM + TOP) / 2.0), "40 half way");
        assert_eq!(line.points[1].title, "rate, b: 80.0 %");
        assert_eq!(chart.y_ticks.first().map(|t| t.label.as_str()), Some("0 %"));
        assert_eq!(chart.y_ticks.last().map(|t| t.label.as_str()), Some("80 %"));
        assert_eq!(chart.x_ticks.len(), 4);
    }

    #[test]
    fn long_series_label_every_nth_period_only() {
        let labels: Vec<String> = (0..52).map(|w| format!("W{w}")).collect();
        let values = vec![Some(1.0); 52];
        let chart = line_chart(&labels, &[SeriesInput { name: "x", class: "line-0", values: &values }], "");
        assert!(chart.x_ticks.len() <= MAX_X_LABELS, "{}", chart.x_ticks.len());
        assert_eq!(chart.x_ticks[1].label, "W5");
        assert_eq!(chart.series[0].runs.len(), 1);
    }
}
