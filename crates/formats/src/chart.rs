//! Charts for report pages, rendered on the server as SVG that the page embeds.
//!
//! Drawn with plotters, and only its SVG backend: without plotters' `ttf` feature nothing of
//! font-kit or fontconfig is built, and no font file is read at build or run time. The backend
//! writes `<text>` elements placed by `text-anchor`, so the browser lays the text out in the page's
//! own fonts and nothing here has to measure it (plotters' own size estimate, which counts bytes
//! and so takes Cyrillic for twice its width, is never asked). charts-rs, the other candidate,
//! measures text with a font compiled into the binary, which is exactly what was not wanted.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use quick_xml::escape::escape;

/// One bar: what it stands for (a school, a subject) and its share in percent, 0 to 100.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// Longest label shown whole; longer ones are cut and end in «…».
const MAX_LABEL_CHARS: usize = 40;
const PAD: i32 = 12;
const TITLE_HEIGHT: i32 = 36;
const ROW: i32 = 28;
const BAR_HEIGHT: i32 = 18;
const AXIS_HEIGHT: i32 = 24;
/// Room right of the 100 % rule for the value of a full bar.
const VALUE_WIDTH: i32 = 52;
/// Label text size and a generous guess at the width of its letters (sans-serif, Cyrillic), in px.
const LABEL_PX: f64 = 13.0;
const LABEL_CHAR_WIDTH: f64 = 7.8;
/// Space between the label column and the bars.
const GAP: i32 = 10;

const RED: RGBColor = RGBColor(0xC6, 0x28, 0x28);
const AMBER: RGBColor = RGBColor(0xF0, 0xA2, 0x02);
const GREEN: RGBColor = RGBColor(0x2E, 0x7D, 0x32);
const INK: RGBColor = RGBColor(0x21, 0x21, 0x21);
const MUTED: RGBColor = RGBColor(0x61, 0x61, 0x61);
const GRID: RGBColor = RGBColor(0xE0, 0xE0, 0xE0);

/// The value as shown: one decimal at most, a decimal comma, a no-break space before «%».
fn percent_text(value: f64) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let tenths = (value * 10.0).round();
    let text = if tenths % 10.0 == 0.0 { format!("{:.0}", tenths / 10.0) } else { format!("{:.1}", tenths / 10.0) };
    format!("{}\u{a0}%", text.replace('.', ","))
}

/// Red below 80 %, amber below 100 %, green at 100 %; judged on the value as shown, so «100 %»
/// is never amber.
fn severity(value: f64) -> RGBColor {
    let shown = if value.is_finite() { (value * 10.0).round() / 10.0 } else { 0.0 };
    if shown < 80.0 {
        RED
    } else if shown < 100.0 {
        AMBER
    } else {
        GREEN
    }
}

/// A label on one line, cut to `max` characters with «…».
fn fit(label: &str, max: usize) -> String {
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.chars().count() <= max {
        return label;
    }
    let mut cut: String = label.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// A font size for plotters, which writes `font-size` as the size given divided by 1.24
/// ([`tidy_font_sizes`] rounds away what the division leaves).
fn font(px: f64) -> f64 {
    px * 1.24
}

/// `font-size="15.000000000000002"` → `font-size="15"`.
fn tidy_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(KEY) {
        let (head, tail) = rest.split_at(at + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(size) => out.push_str(&((size * 100.0).round() / 100.0).to_string()),
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn text_style(px: f64, color: &'static RGBColor, bold: bool, pos: Pos) -> TextStyle<'static> {
    let desc = ("sans-serif", font(px)).into_font();
    let desc = if bold { desc.style(FontStyle::Bold) } else { desc };
    TextStyle::from(desc).color(color).pos(pos)
}

/// Horizontal bars, one per item in the order given: the label left, the bar coloured by
/// severity with its value at the end, a rule at 100 %. The height grows with the number of bars.
/// The SVG is an image to assistive technology (`role="img"`), named by the title, with the
/// values in its `<desc>`. No bars: a small SVG saying «Нет данных».
///
/// The label column takes at most 45 % of `width`: labels of 40 characters show whole from a
/// width of about 760 px; on a narrower chart they are cut sooner (the full text stays in `<desc>`).
pub fn percent_bars(title: &str, bars: &[Bar], width: u32) -> String {
    let width = width.clamp(320, 4000);
    let description = bars
        .iter()
        .map(|b| format!("{}: {}", fit(&b.label, usize::MAX), percent_text(b.value)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = String::new();
    let drawn = if bars.is_empty() {
        let height = (TITLE_HEIGHT + 48) as u32;
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw_empty(&root, title).and_then(|()| root.present())
    } else {
        let height = (TITLE_HEIGHT + ROW * bars.len() as i32 + AXIS_HEIGHT + PAD) as u32;
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw_bars(&root, title, bars, width as i32).and_then(|()| root.present())
    };
    if drawn.is_err() {
        // Drawing into a string cannot fail; should it ever, the page gets a note, not a 500.
        svg.clear();
        let root = SVGBackend::with_string(&mut svg, (width, 60)).into_drawing_area();
        let _ = root.draw(&Text::new(
            "Диаграмму не удалось построить",
            (PAD, 30),
            text_style(LABEL_PX, &MUTED, false, Pos::new(HPos::Left, VPos::Center)),
        ));
        let _ = root.present();
    }
    accessible(svg, title, if bars.is_empty() { "Нет данных" } else { &description })
}

fn draw_empty<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    draw_title(root, title)?;
    root.draw(&Text::new(
        "Нет данных",
        (PAD, TITLE_HEIGHT + 18),
        text_style(LABEL_PX + 1.0, &MUTED, false, Pos::new(HPos::Left, VPos::Center)),
    ))
}

fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.draw(&Text::new(
        fit(title, 200),
        (PAD, TITLE_HEIGHT / 2),
        text_style(15.0, &INK, true, Pos::new(HPos::Left, VPos::Center)),
    ))
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[Bar],
    width: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    draw_title(root, title)?;

    // The label column fits the longest label (within reason) and never takes more than 45 %
    // of the width; labels that do not fit in it are cut.
    let longest = bars.iter().map(|b| fit(&b.label, MAX_LABEL_CHARS).chars().count()).max().unwrap_or(0);
    let label_width = ((longest as f64 * LABEL_CHAR_WIDTH).ceil() as i32 + PAD + GAP).clamp(60, width * 45 / 100);
    let label_chars = (((label_width - PAD - GAP) as f64 / LABEL_CHAR_WIDTH) as usize).clamp(4, MAX_LABEL_CHARS);
    let x0 = label_width;
    let x100 = width - PAD - VALUE_WIDTH;
    let x = |value: f64| x0 + ((x100 - x0) as f64 * value.clamp(0.0, 100.0) / 100.0).round() as i32;
    let top = TITLE_HEIGHT;
    let bottom = TITLE_HEIGHT + ROW * bars.len() as i32;

    // Grid lines at every quarter, the rule at 100 %, and their values under the bars.
    let tick = text_style(11.0, &MUTED, false, Pos::new(HPos::Center, VPos::Top));
    // On a narrow chart only every other value fits under the axis.
    let every_quarter = (x100 - x0) / 4 >= 44;
    for v in [0.0, 25.0, 50.0, 75.0] {
        root.draw(&PathElement::new(vec![(x(v), top), (x(v), bottom)], GRID.stroke_width(1)))?;
        if every_quarter || v == 0.0 || v == 50.0 {
            root.draw(&Text::new(percent_text(v), (x(v), bottom + 6), tick.clone()))?;
        }
    }
    root.draw(&PathElement::new(vec![(x100, top - 4), (x100, bottom + 2)], MUTED.stroke_width(2)))?;
    root.draw(&Text::new(percent_text(100.0), (x100, bottom + 6), tick))?;

    for (i, bar) in bars.iter().enumerate() {
        let y = top + ROW * i as i32 + (ROW - BAR_HEIGHT) / 2;
        let middle = y + BAR_HEIGHT / 2;
        root.draw(&Text::new(
            fit(&bar.label, label_chars),
            (PAD, middle),
            text_style(LABEL_PX, &INK, false, Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let value = if bar.value.is_finite() { bar.value } else { 0.0 };
        // At least a sliver, so that 0 % still shows its colour.
        let end = x(value).max(x0 + 2);
        root.draw(&Rectangle::new([(x0, y), (end, y + BAR_HEIGHT)], severity(bar.value).filled()))?;
        root.draw(&Text::new(
            percent_text(bar.value),
            (end + 6, middle),
            text_style(12.0, &INK, true, Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// Makes the SVG an image with a name: `role="img"` and `aria-label` on the root, `<title>` and
/// `<desc>` as its first children (plotters writes the root element itself and has no such options).
fn accessible(svg: String, title: &str, description: &str) -> String {
    let svg = tidy_font_sizes(&svg);
    let Some(at) = svg.find("<svg").and_then(|start| svg[start..].find('>').map(|end| start + end)) else {
        return svg;
    };
    let title = escape(fit(title, usize::MAX)).into_owned();
    let description = escape(description).into_owned();
    format!(
        "{} role=\"img\" aria-label=\"{title}\">\n<title>{title}</title>\n<desc>{description}</desc>{}",
        &svg[..at],
        &svg[at + 1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;

    /// The SVG parsed as XML: the root's attributes, every text node (unescaped) and the fills of
    /// the rectangles.
    struct Parsed {
        root: Vec<(String, String)>,
        texts: Vec<String>,
        rect_fills: Vec<String>,
    }

    fn parse(svg: &str) -> Parsed {
        let mut xml = quick_xml::Reader::from_str(svg);
        let mut parsed = Parsed { root: Vec::new(), texts: Vec::new(), rect_fills: Vec::new() };
        let mut in_text = false;
        loop {
            match xml.read_event().expect("the SVG is well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let attrs: Vec<(String, String)> = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                a.key.as_ref().to_string(),
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned(),
                            )
                        })
                        .collect();
                    match e.local_name().as_ref() {
                        "svg" => parsed.root = attrs,
                        "rect" => parsed.rect_fills.extend(
                            attrs.into_iter().filter(|(k, _)| k == "fill").map(|(_, v)| v.to_ascii_uppercase()),
                        ),
                        "text" | "title" | "desc" => {
                            in_text = true;
                            parsed.texts.push(String::new());
                        }
                        _ => {}
                    }
                }
                Event::End(e) if matches!(e.local_name().as_ref(), "text" | "title" | "desc") => {
                    in_text = false;
                    let last = parsed.texts.last_mut().unwrap();
                    *last = last.trim().to_string();
                }
                Event::Text(t) if in_text => parsed.texts.last_mut().unwrap().push_str(&t.xml10_content()),
                Event::GeneralRef(r) if in_text => {
                    let name = r.xml10_content();
                    let s = quick_xml::escape::resolve_predefined_entity(&name).unwrap();
                    parsed.texts.last_mut().unwrap().push_str(s);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        parsed
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    fn attr<'a>(p: &'a Parsed, key: &str) -> Option<&'a str> {
        p.root.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn bars_labels_and_values_are_all_there() {
        let bars = vec![
            Bar { label: "МБОУ «СОШ № 1»".into(), value: 100.0 },
            Bar { label: "Гимназия № 2 \"Эрудит\" & лицей <3>".into(), value: 87.46 },
            Bar { label: "Литература".into(), value: 42.0 },
            Bar { label: "Начальная школа".into(), value: 0.0 },
        ];
        let svg = percent_bars("Обеспеченность учебниками, %", &bars, 800);
        let p = parse(&svg);
        assert_eq!(attr(&p, "role"), Some("img"));
        assert_eq!(attr(&p, "aria-label"), Some("Обеспеченность учебниками, %"));
        assert_eq!(p.texts[0], "Обеспеченность учебниками, %", "<title> comes first");
        for bar in &bars {
            assert!(p.texts.contains(&bar.label), "{} in {:?}", bar.label, p.texts);
        }
        for value in ["100\u{a0}%", "87,5\u{a0}%", "42\u{a0}%", "0\u{a0}%"] {
            assert!(p.texts.iter().any(|t| t == value), "{value} in {:?}", p.texts);
        }
        let bar_fills: Vec<&String> =
            p.rect_fills.iter().filter(|f| [hex(RED), hex(AMBER), hex(GREEN)].contains(f)).collect();
        assert_eq!(
            bar_fills,
            [&hex(GREEN), &hex(AMBER), &hex(RED), &hex(RED)],
            "one bar per item, coloured by severity"
        );
        assert!(p.texts.iter().any(|t| t.contains("Литература: 42\u{a0}%")), "values are in <desc>");
    }

    #[test]
    fn the_height_grows_with_the_bars() {
        let height = |n: usize| {
            let bars: Vec<Bar> = (0..n).map(|i| Bar { label: format!("Школа {i}"), value: 90.0 }).collect();
            let p = parse(&percent_bars("Т", &bars, 600));
            attr(&p, "height").unwrap().parse::<u32>().unwrap()
        };
        assert!(height(2) < height(3));
        assert_eq!(height(10) - height(5), 5 * ROW as u32);
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        let long = "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 15»";
        let p = parse(&percent_bars("Т", &[Bar { label: long.into(), value: 95.0 }], 1000));
        let shown = p.texts.iter().find(|t| t.starts_with("Муниципальное") && t.ends_with('…')).expect("cut label");
        assert!(shown.chars().count() <= MAX_LABEL_CHARS, "{shown}");
        assert!(p.texts.iter().any(|t| t.contains(long)), "the whole label stays in <desc>");
        assert_eq!(fit("  два\nслова ", 40), "два слова");
        assert_eq!(fit("абвгд", 3), "аб…");
    }

    #[test]
    fn font_sizes_are_tidy() {
        let svg = percent_bars("Т", &[Bar { label: "а".into(), value: 50.0 }], 600);
        assert!(svg.contains(r#"font-size="15""#) && svg.contains(r#"font-size="13""#), "{svg}");
        assert!(!svg.contains("0000"), "{svg}");
    }

    #[test]
    fn no_bars_say_no_data() {
        let svg = percent_bars("Выдача по предметам", &[], 600);
        let p = parse(&svg);
        assert!(p.texts.iter().any(|t| t == "Нет данных"), "{svg}");
        assert_eq!(attr(&p, "aria-label"), Some("Выдача по предметам"));
        assert!(attr(&p, "height").unwrap().parse::<u32>().unwrap() <= 100);
        assert!(p.rect_fills.iter().all(|f| f == "#FFFFFF"), "no bars: {:?}", p.rect_fills);
    }

    #[test]
    fn odd_values_do_not_break_the_chart() {
        let bars = vec![
            Bar { label: "больше ста".into(), value: 130.0 },
            Bar { label: "меньше нуля".into(), value: -5.0 },
            Bar { label: "не число".into(), value: f64::NAN },
            Bar { label: "почти сто".into(), value: 99.96 },
        ];
        let p = parse(&percent_bars("Т", &bars, 10));
        assert!(p.texts.iter().any(|t| t == "130\u{a0}%"));
        assert!(p.texts.iter().any(|t| t == "—"));
        assert!(p.texts.iter().any(|t| t == "100\u{a0}%"));
        let bar_fills: Vec<&String> =
            p.rect_fills.iter().filter(|f| [hex(RED), hex(AMBER), hex(GREEN)].contains(f)).collect();
        assert_eq!(bar_fills, [&hex(GREEN), &hex(RED), &hex(RED), &hex(GREEN)]);
        assert_eq!(attr(&p, "width"), Some("320"), "a narrow width is widened to something legible");
    }
}
