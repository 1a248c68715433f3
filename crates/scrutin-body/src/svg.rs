//! A hemicycle seat chart, as a standalone SVG string (no script, no external resources), for
//! the command line and later for web pages.
//!
//! Seats are laid out in concentric half rings, each ring holding seats in proportion to its
//! length (the arrangement of parliament diagrams), then taken in order of angle from the left,
//! so that each group forms a wedge. A seat whose holder is not named is drawn as an open
//! circle.

use crate::constitution::Constitution;
use crate::Certainty;

/// One group of seats (a section, a slate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub label: String,
    /// `#rrggbb`.
    pub colour: String,
    /// Seats with a named holder (filled circles).
    pub named: u32,
    /// Seats whose holder is not named (open circles).
    pub unnamed: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub groups: Vec<Group>,
}

/// Colours for groups without their own (colour-blind-friendly first, then more).
pub const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#17becf", "#8c564b", "#bcbd22", "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
];

/// Grey for "not known".
pub const UNKNOWN: &str = "#b0b0b0";

/// The chart of a body's sections, in constitution order.
pub fn by_section(c: &Constitution) -> Chart {
    Chart {
        title: chart_title(c, "by section"),
        groups: c
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| Group {
                label: format!("{} ({})", s.name, s.seats()),
                colour: s
                    .colour
                    .as_ref()
                    .map(|x| x.get_ref().clone())
                    .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_string()),
                named: s.members.len() as u32,
                unnamed: s.seats() - s.members.len() as u32,
            })
            .collect(),
    }
}

/// The chart of a body by the slates of its named holders; holders without a slate and
/// unnamed seats last, in grey.
pub fn by_slate(c: &Constitution) -> Chart {
    let mut groups: Vec<Group> = Vec::new();
    for (i, sl) in c.slates.iter().enumerate() {
        let members: Vec<_> = c
            .members()
            .filter(|(_, m)| {
                m.slate
                    .as_ref()
                    .is_some_and(|x| x.get_ref() == sl.id.get_ref())
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let unsure = members
            .iter()
            .filter(|(_, m)| m.slate_certainty != Certainty::Confirmed)
            .count();
        groups.push(Group {
            label: format!(
                "{} ({}{})",
                sl.name,
                members.len(),
                if unsure > 0 {
                    format!(", {unsure} not confirmed")
                } else {
                    String::new()
                }
            ),
            colour: sl
                .colour
                .as_ref()
                .map(|x| x.get_ref().clone())
                .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_string()),
            named: members.len() as u32,
            unnamed: 0,
        });
    }
    let no_slate = c.members().filter(|(_, m)| m.slate.is_none()).count() as u32;
    let unnamed = c.seats() - c.members().count() as u32;
    if no_slate > 0 {
        groups.push(Group {
            label: format!("no slate given ({no_slate})"),
            colour: "#808080".to_string(),
            named: no_slate,
            unnamed: 0,
        });
    }
    if unnamed > 0 {
        groups.push(Group {
            label: format!("holder not named ({unnamed})"),
            colour: UNKNOWN.to_string(),
            named: 0,
            unnamed,
        });
    }
    Chart {
        title: chart_title(c, "by slate"),
        groups,
    }
}

fn chart_title(c: &Constitution, by: &str) -> String {
    let name = c.body.short_name.as_deref().unwrap_or(&c.body.name);
    match &c.body.as_of {
        Some(a) => format!("{name}, {a}: {} seats {by}", c.seats()),
        None => format!("{name}: {} seats {by}", c.seats()),
    }
}

/// Seats per ring for `n` seats: the fewest rings whose capacity holds them, seats shared out
/// in proportion to each ring's capacity (largest remainder). Returns (rings' radii as a
/// fraction of the outer radius, seats per ring, seat radius as a fraction).
fn layout(n: u32) -> (Vec<f64>, Vec<u32>, f64) {
    let capacity = |rows: u32| -> (Vec<f64>, Vec<u32>, f64) {
        // Seat diameter = ring spacing; the inner ring at 40% of the outer radius.
        let inner = 0.4;
        let spacing = if rows == 1 {
            0.3
        } else {
            (1.0 - inner) / (rows as f64 - 0.5)
        };
        let radii: Vec<f64> = (0..rows)
            .map(|i| 1.0 - spacing / 2.0 - i as f64 * spacing)
            .collect();
        let caps = radii
            .iter()
            .map(|r| ((std::f64::consts::PI * r) / spacing).floor() as u32 + 1)
            .collect();
        (radii, caps, spacing / 2.0)
    };
    let mut rows = 1;
    while capacity(rows).1.iter().sum::<u32>() < n && rows < 60 {
        rows += 1;
    }
    let (radii, caps, seat) = capacity(rows);
    let total: u32 = caps.iter().sum();
    // Largest remainder, in exact integers.
    let mut per: Vec<u32> = caps.iter().map(|c| c * n / total).collect();
    let mut rem: Vec<(u32, usize)> = caps
        .iter()
        .enumerate()
        .map(|(i, c)| ((c * n) % total, i))
        .collect();
    rem.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = n - per.iter().sum::<u32>();
    for (_, i) in rem {
        if left == 0 {
            break;
        }
        per[i] += 1;
        left -= 1;
    }
    (radii, per, seat * 0.82)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The chart as an SVG document.
pub fn hemicycle(chart: &Chart) -> String {
    let n: u32 = chart.groups.iter().map(|g| g.named + g.unnamed).sum();
    let width = 640.0;
    let outer = 280.0;
    let cx = width / 2.0;
    let cy = 50.0 + outer;
    let line = 22.0;
    let (radii, per, seat) = layout(n);
    let r = outer * seat;
    let legend_top = cy + r + 34.0;
    // Two legend columns, unless a label is too long for half the width.
    let columns = if chart.groups.iter().all(|g| g.label.chars().count() <= 40) {
        2
    } else {
        1
    };
    let legend_rows = chart.groups.len().div_ceil(columns) as f64;
    let height = legend_top + legend_rows * line + 40.0;

    // Every seat position with its angle (π at the left, 0 at the right).
    let mut seats: Vec<(f64, f64, f64)> = Vec::new();
    for (r, &k) in radii.iter().zip(&per) {
        for j in 0..k {
            let a = if k == 1 {
                std::f64::consts::FRAC_PI_2
            } else {
                std::f64::consts::PI * (1.0 - j as f64 / (k as f64 - 1.0))
            };
            let x = cx + outer * r * a.cos();
            let y = cy - outer * r * a.sin();
            seats.push((a, x, y));
        }
    }
    // Left to right; on a tie in angle, the outer ring first.
    seats.sort_by(|p, q| q.0.total_cmp(&p.0).then(q.2.total_cmp(&p.2)));

    let mut o = String::new();
    o += &format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-labelledby=\"title\" \
         font-family=\"sans-serif\">\n"
    );
    o += &format!("<title id=\"title\">{}</title>\n", esc(&chart.title));
    o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    o += &format!(
        "<text x=\"{cx:.1}\" y=\"30\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">{}</text>\n",
        esc(&chart.title)
    );
    o += &format!(
        "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"44\" font-weight=\"bold\">{n}</text>\n",
        cy - 8.0
    );
    let mut it = seats.iter();
    for g in &chart.groups {
        o += &format!("<g class=\"group\"><desc>{}</desc>\n", esc(&g.label));
        for k in 0..(g.named + g.unnamed) {
            let Some((_, x, y)) = it.next() else { break };
            if k < g.named {
                o += &format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\"/>\n",
                    g.colour
                );
            } else {
                o += &format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"3\"/>\n",
                    r - 1.5,
                    g.colour
                );
            }
        }
        o += "</g>\n";
    }
    // Legend, two columns.
    for (i, g) in chart.groups.iter().enumerate() {
        let col = (i % columns) as f64;
        let row = (i / columns) as f64;
        let x = 30.0 + col * (width / 2.0);
        let y = legend_top + row * line;
        o += &format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{}\"/>\n",
            y - 11.0,
            g.colour
        );
        o += &format!(
            "<text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"13\">{}</text>\n",
            x + 20.0,
            esc(&g.label)
        );
    }
    if chart.groups.iter().any(|g| g.unnamed > 0) {
        let y = legend_top + legend_rows * line + 12.0;
        o += &format!(
            "<circle cx=\"37\" cy=\"{:.1}\" r=\"6\" fill=\"#ffffff\" stroke=\"#555555\" stroke-width=\"2\"/>\n",
            y - 4.5
        );
        o += &format!(
            "<text x=\"50\" y=\"{y:.1}\" font-size=\"12\" fill=\"#333333\">open circle: holder not named in the sources</text>\n"
        );
    }
    o += "</svg>\n";
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_places_every_seat() {
        for n in [1, 2, 5, 39, 100, 650] {
            let (radii, per, seat) = layout(n);
            assert_eq!(per.iter().sum::<u32>(), n, "{n} seats");
            assert_eq!(radii.len(), per.len());
            assert!(seat > 0.0 && seat < 0.5);
        }
    }

    #[test]
    fn svg_has_one_circle_per_seat_and_a_legend() {
        let chart = Chart {
            title: "T & <x>".into(),
            groups: vec![
                Group {
                    label: "A".into(),
                    colour: "#112233".into(),
                    named: 3,
                    unnamed: 1,
                },
                Group {
                    label: "B".into(),
                    colour: "#445566".into(),
                    named: 2,
                    unnamed: 0,
                },
            ],
        };
        let s = hemicycle(&chart);
        assert_eq!(s.matches("<circle").count(), 6 + 1); // 6 seats + the legend's open circle
        assert_eq!(s.matches("fill=\"#112233\"").count(), 3 + 1); // 3 seats + legend swatch
        assert!(s.contains("T &amp; &lt;x&gt;"));
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(!s.contains("<script"));
    }
}
