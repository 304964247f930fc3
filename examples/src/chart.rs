//! Line charts as SVG text, drawn by plotters: the picture `leak_demo --svg`
//! writes, naive tasks climbing while `#[timed]` bodies stay flat. It lives in
//! the library so a unit test can render one and read it back.
//!
//! Only plotters' SVG backend is used: text becomes `<text>` elements that
//! the viewer sets in its own sans-serif, so no font files are needed.

use std::fmt;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width and height of the picture, in SVG pixels.
const SIZE: (u32, u32) = (800, 450);

/// The lines' colours, in the order of [`Chart::lines`]: red, blue, green,
/// purple (the "category10" palette, readable on white and in grey).
const PALETTE: [RGBColor; 4] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// One curve: its name in the legend and its `(x, y)` points, in order of x.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// The name the legend gives it.
    pub label: &'a str,
    /// The points, joined in this order.
    pub points: &'a [(f64, f64)],
}

/// A line chart: a title, a line of context under it, two labelled axes,
/// the curves and their legend, and an optional dashed vertical marker.
///
/// ```
/// use timebox_examples::chart::{Chart, Line};
///
/// let svg = Chart {
///     title: "Tasks alive",
///     subtitle: "",
///     x_label: "time (s)",
///     y_label: "tasks",
///     lines: &[Line { label: "naive", points: &[(0.0, 0.0), (1.0, 10.0)] }],
///     marker: None,
/// }
/// .to_svg()
/// .unwrap();
/// assert!(svg.starts_with("<svg"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Chart<'a> {
    /// The headline, at the top.
    pub title: &'a str,
    /// One smaller line under the title (empty for none).
    pub subtitle: &'a str,
    /// What the horizontal axis measures.
    pub x_label: &'a str,
    /// What the vertical axis measures.
    pub y_label: &'a str,
    /// The curves, coloured in order: red, blue, green, purple.
    pub lines: &'a [Line<'a>],
    /// A dashed vertical line at this x, labelled, e.g. where traffic stops.
    pub marker: Option<(f64, &'a str)>,
}

/// Why a chart could not be drawn: plotters' own error, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot draw the chart: {}", self.0)
    }
}

impl std::error::Error for Error {}

impl Chart<'_> {
    /// Renders the chart as a standalone SVG document.
    ///
    /// The axes start at zero and end a little past the largest x and y of
    /// any line (y at least 1, so all-zero curves still get an axis).
    pub fn to_svg(&self) -> Result<String, Error> {
        let mut svg = String::new();
        {
            // The backend writes into `svg` when it is presented and dropped.
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            self.draw(&root).map_err(|e| Error(e.to_string()))?;
            root.present().map_err(|e| Error(e.to_string()))?;
        }
        Ok(svg)
    }

    /// Draws everything on `root`; the error is plotters' own.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let root = root.margin(10, 10, 10, 25);
        let area = root.titled(
            self.title,
            ("sans-serif", 28).into_font().style(FontStyle::Bold),
        )?;

        let points = || self.lines.iter().flat_map(|line| line.points.iter());
        let x_end = points().map(|p| p.0).fold(0.0, f64::max).max(1.0);
        let y_end = (points().map(|p| p.1).fold(0.0, f64::max) * 1.15).max(1.0);

        let mut chart = ChartBuilder::on(&area)
            .caption(
                self.subtitle,
                ("sans-serif", 17).into_font().color(&BLACK.mix(0.7)),
            )
            .margin(5)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_end, 0.0..y_end)?;

        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .axis_desc_style(("sans-serif", 19))
            .label_style(("sans-serif", 16))
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;

        if let Some((x, label)) = self.marker {
            let grey = BLACK.mix(0.5);
            chart.draw_series(DashedLineSeries::new(
                [(x, 0.0), (x, y_end)],
                6,
                4,
                grey.stroke_width(1),
            ))?;
            // Left of the line and at the top, where a climbing curve has
            // not yet arrived.
            let style = ("sans-serif", 15)
                .into_font()
                .color(&grey)
                .pos(Pos::new(HPos::Right, VPos::Top));
            let text = EmptyElement::at((x, y_end)) + Text::new(label.to_string(), (-6, 4), style);
            chart.draw_series([text])?;
        }

        for (line, color) in self.lines.iter().zip(PALETTE.iter().cycle()) {
            let style = color.stroke_width(3);
            chart
                .draw_series(LineSeries::new(line.points.iter().copied(), style))?
                .label(line.label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
        }

        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .margin(12)
            .label_font(("sans-serif", 17))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    }
}

/// An axis label: as few decimals as the value needs ("0", "2.5", "100").
fn tick(value: &f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_title_axes_legend_and_one_polyline_per_line() {
        let climbing = [(0.0, 0.0), (1.0, 10.0), (2.0, 20.0), (3.0, 30.0)];
        let flat = [(0.0, 0.0), (1.0, 10.0), (2.0, 10.0), (3.0, 0.0)];
        let svg = Chart {
            title: "Tasks alive & climbing",
            subtitle: "a request every 100 ms",
            x_label: "time (s)",
            y_label: "alive",
            lines: &[
                Line {
                    label: "naive: tasks alive",
                    points: &climbing,
                },
                Line {
                    label: "#[timed]: bodies alive",
                    points: &flat,
                },
            ],
            marker: Some((2.0, "traffic stops")),
        }
        .to_svg()
        .expect("an SVG");

        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
        for text in [
            "Tasks alive &amp; climbing",
            "a request every 100 ms",
            "time (s)",
            "alive",
            "naive: tasks alive",
            "#[timed]: bodies alive",
            "traffic stops",
        ] {
            assert!(
                svg.contains(&format!("{text}\n</text>")),
                "no <text> {text:?} in\n{svg}"
            );
        }
        // Each line is one polyline through all its points in its own colour,
        // then a two-point sample of it in the legend.
        let points_per_polyline = |color: &str| -> Vec<usize> {
            svg.lines()
                .filter(|l| l.contains("<polyline") && l.contains(&format!("stroke=\"{color}\"")))
                .map(|l| {
                    l.split("points=\"")
                        .nth(1)
                        .unwrap()
                        .split('"')
                        .next()
                        .unwrap()
                })
                .map(|points| points.split_whitespace().count())
                .collect()
        };
        assert_eq!(
            points_per_polyline("#D62728"),
            [4, 2],
            "red, naive, in\n{svg}"
        );
        assert_eq!(
            points_per_polyline("#1F77B4"),
            [4, 2],
            "blue, #[timed], in\n{svg}"
        );
    }

    #[test]
    fn tick_labels_drop_needless_decimals() {
        let ticks: Vec<String> = [0.0, 2.5, 100.0, 0.25].iter().map(tick).collect();
        assert_eq!(ticks, ["0", "2.5", "100", "0.25"]);
    }

    #[test]
    fn empty_lines_still_draw_axes() {
        let svg = Chart {
            title: "nothing yet",
            subtitle: "",
            x_label: "x",
            y_label: "y",
            lines: &[Line {
                label: "none",
                points: &[],
            }],
            marker: None,
        }
        .to_svg()
        .expect("an SVG");
        assert!(svg.contains("nothing yet"));
    }
}
