//! The stylesheet of brand colours other than `APP_PRIMARY_COLOR` and `APP_SECONDARY_COLOR`
//! (an organization's, or those an administrator stored): `/assets/brand-<hex>.css` or
//! `/assets/brand-<hex>-<hex>.css` with a secondary colour. Pages run under CSP `default-src 'self'`, so a colour cannot be
//! put inline; it is a stylesheet of its own, made from the file name alone (no database, no
//! state), loaded after `brand.css`.
//!
//! The colour is someone's choice, so the sheet keeps text readable in both themes: text on the
//! colour is black or white, whichever contrasts more (at least 4.5:1 for any colour), and the
//! colour used as text or focus ring is darkened (light theme) or lightened (dark theme) until
//! it has 4.5:1 against every background it is used on.

/// A file name's colour: 3, 6 or 8 lower-case hex digits, as `#rrggbb` (an alpha part is
/// dropped: a see-through colour would change with the background).
fn color_of_hex(hex: &str) -> Option<String> {
    if !matches!(hex.len(), 3 | 6 | 8)
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    Some(format!("#{}", rgb_hex(parse(hex)?)))
}

/// The file name's colours: `brand-<primary>.css` or `brand-<primary>-<secondary>.css`, each
/// as [`color_of_hex`] reads it.
pub fn colors_of_file(file: &str) -> Option<(String, Option<String>)> {
    let name = file.strip_prefix("brand-")?.strip_suffix(".css")?;
    match name.split_once('-') {
        None => Some((color_of_hex(name)?, None)),
        Some((p, s)) => Some((color_of_hex(p)?, Some(color_of_hex(s)?))),
    }
}

/// The file the colours (`#4f46e5`, `#fff`, any case) are served under.
pub fn file_of_colors(primary: &str, secondary: Option<&str>) -> Option<String> {
    let hex = |c: &str| Some(c.strip_prefix('#')?.to_ascii_lowercase());
    let file = match secondary {
        None => format!("brand-{}.css", hex(primary)?),
        Some(s) => format!("brand-{}-{}.css", hex(primary)?, hex(s)?),
    };
    colors_of_file(&file)?;
    Some(file)
}

type Rgb = [f64; 3];

fn parse(hex: &str) -> Option<Rgb> {
    let digit = |i: usize, n: usize| u8::from_str_radix(hex.get(i..i + n)?, 16).ok();
    match hex.len() {
        3 => Some([
            f64::from(digit(0, 1)? * 17),
            f64::from(digit(1, 1)? * 17),
            f64::from(digit(2, 1)? * 17),
        ]),
        6 | 8 => Some([
            f64::from(digit(0, 2)?),
            f64::from(digit(2, 2)?),
            f64::from(digit(4, 2)?),
        ]),
        _ => None,
    }
}

fn rgb_hex(c: Rgb) -> String {
    // Values stay within 0..=255 by construction; the clamp makes the cast plainly safe.
    let byte = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    format!("{:02x}{:02x}{:02x}", byte(c[0]), byte(c[1]), byte(c[2]))
}

/// WCAG relative luminance.
fn luminance(c: Rgb) -> f64 {
    let lin = |v: f64| {
        let s = v / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `t` of `a` over `b` (`color-mix(in srgb, a t, b)`).
fn mix(a: Rgb, t: f64, b: Rgb) -> Rgb {
    [
        a[0] * t + b[0] * (1.0 - t),
        a[1] * t + b[1] * (1.0 - t),
        a[2] * t + b[2] * (1.0 - t),
    ]
}

const WHITE: Rgb = [255.0, 255.0, 255.0];
const BLACK: Rgb = [0.0, 0.0, 0.0];
/// The light theme's `--surface`, `--bg`, `--surface-2` (portcullis.css).
const LIGHT: [Rgb; 3] = [WHITE, [246.0, 247.0, 249.0], [241.0, 243.0, 246.0]];
/// The dark theme's `--surface`, `--bg`, `--surface-2`.
const DARK: [Rgb; 3] = [[23.0, 27.0, 33.0], [15.0, 18.0, 22.0], [30.0, 35.0, 43.0]];
/// WCAG AA for body text.
const MIN_CONTRAST: f64 = 4.5;

/// `color` moved towards `toward` just far enough to read on every background in `on` and on
/// the soft accent (`soft` of the colour over the first background).
fn readable(color: Rgb, toward: Rgb, on: &[Rgb; 3], soft: f64) -> Rgb {
    let backgrounds: Vec<Rgb> = on
        .iter()
        .copied()
        .chain([mix(color, soft, on[0])])
        .collect();
    for step in 0..=20 {
        let c = mix(color, 1.0 - f64::from(step) * 0.05, toward);
        if backgrounds.iter().all(|b| contrast(c, *b) >= MIN_CONTRAST) {
            return c;
        }
    }
    toward
}

/// The stylesheet for a primary `color` and perhaps a secondary one (`#rrggbb`, as
/// [`colors_of_file`] gives them).
pub fn stylesheet(color: &str, secondary: Option<&str>) -> Option<String> {
    let c = parse(color.strip_prefix('#')?)?;
    let on_primary = if contrast(c, WHITE) >= contrast(c, BLACK) {
        WHITE
    } else {
        BLACK
    };
    // The soft accent is 10% of the colour over the light surface, 22% over the dark one.
    let light = readable(c, BLACK, &LIGHT, 0.10);
    let dark = readable(c, WHITE, &DARK, 0.22);
    // light-dark(): the system's theme, or the visitor's pick (`:root[data-theme]`).
    // The secondary colour only tints the brand mark beside the primary one: no text sits
    // on it, so it is kept as it is.
    let secondary = match secondary {
        Some(s) => format!("--pc-secondary:#{};", rgb_hex(parse(s.strip_prefix('#')?)?)),
        None => String::new(),
    };
    Some(format!(
        ":root{{--pc-primary:#{p};--pc-on-primary:#{o};{secondary}\
         --accent-text:light-dark(#{l},#{d});--focus:light-dark(#{l},#{d});}}\n",
        p = rgb_hex(c),
        o = rgb_hex(on_primary),
        l = rgb_hex(light),
        d = rgb_hex(dark),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(css: &str, name: &str, dark: bool) -> Rgb {
        // `--name:#hex`, or `--name:light-dark(#light,#dark)`
        let at = css.find(&format!("{name}:")).expect(name) + name.len() + 1;
        let value = &css[at..];
        let at = match value.strip_prefix("light-dark(#") {
            Some(_) if dark => 20,
            Some(_) => 12,
            None => 1,
        };
        parse(&value[at..at + 6]).expect("hex")
    }

    #[test]
    fn file_names_carry_only_plain_colours() {
        let primary = |file: &str| colors_of_file(file).map(|(p, _)| p);
        assert_eq!(primary("brand-4f46e5.css").as_deref(), Some("#4f46e5"));
        assert_eq!(primary("brand-fff.css").as_deref(), Some("#ffffff"));
        assert_eq!(primary("brand-11223344.css").as_deref(), Some("#112233"));
        assert_eq!(
            colors_of_file("brand-4f46e5-0f766e.css"),
            Some(("#4f46e5".into(), Some("#0f766e".into())))
        );
        for bad in [
            "brand-4F46E5.css",
            "brand-4f46e.css",
            "brand-.css",
            "brand-zzz.css",
            "brand.css",
            "brand-fff.css.map",
            "brand-fff-.css",
            "brand-fff-fff-fff.css",
            "brand--fff.css",
        ] {
            assert_eq!(colors_of_file(bad), None, "{bad}");
        }
        assert_eq!(
            file_of_colors("#4F46E5", None).as_deref(),
            Some("brand-4f46e5.css")
        );
        assert_eq!(
            file_of_colors("#4F46E5", Some("#0F766E")).as_deref(),
            Some("brand-4f46e5-0f766e.css")
        );
        assert_eq!(file_of_colors("red", None), None);
        assert_eq!(file_of_colors("#fff", Some("teal")), None);
        let css = stylesheet("#4f46e5", Some("#0f766e")).expect("css");
        assert!(css.contains("--pc-secondary:#0f766e;"), "{css}");
        assert!(
            !stylesheet("#4f46e5", None)
                .expect("css")
                .contains("--pc-secondary")
        );
    }

    #[test]
    fn every_colour_keeps_text_readable_in_both_themes() {
        for hex in [
            "#ffff00", "#ffffff", "#000000", "#777777", "#4f46e5", "#0f766e", "#ff5a5f", "#1a1a2e",
            "#00ffcc",
        ] {
            let css = stylesheet(hex, None).expect("css");
            let primary = parse(&hex[1..]).expect("hex");
            let on = var(&css, "--pc-on-primary", false);
            assert!(
                contrast(primary, on) >= MIN_CONTRAST,
                "{hex}: text on the colour"
            );
            let light = var(&css, "--accent-text", false);
            for bg in LIGHT.iter().copied().chain([mix(primary, 0.10, WHITE)]) {
                assert!(
                    contrast(light, bg) >= MIN_CONTRAST,
                    "{hex}: light theme {css}"
                );
            }
            let dark = var(&css, "--accent-text", true);
            for bg in DARK.iter().copied().chain([mix(primary, 0.22, DARK[0])]) {
                assert!(
                    contrast(dark, bg) >= MIN_CONTRAST,
                    "{hex}: dark theme {css}"
                );
            }
        }
        // A colour that already reads well is kept as it is.
        let css = stylesheet("#3730a3", None).expect("css");
        assert!(css.contains("--accent-text:light-dark(#3730a3,"), "{css}");
    }
}
