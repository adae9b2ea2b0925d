//! The region pages of the sector analysis, for a table at İBBS-2 level (such as Eurostat's
//! `lfst_r_lfe2en2`, imported with `kume import eurostat`): the overview with a map of the 26
//! regions (`/bolgeler/`) and one page per region (`/bolgeler/tr41/`) with its activities
//! ranked, the quotient chart and a plain reading. Every figure carries the publisher's flags
//! and every page credits the source.

use std::collections::BTreeSet;

use minijinja::context;
use serde::Serialize;
use serde_json::json;

use super::Site;
use super::charts::{self, Area, Bar};
use super::sectors::{
    OPEN_DATA_DIR, Page, SectorData, growth_text, lq_class, lq_legend, method_view, min_max, num,
    opt_num, percent, shift_text,
};
use crate::analyse::{Analysis, CellResult, Suppression};
use crate::config::{Config, Strings};
use crate::diagnostics::Diagnostic;
use crate::render::views::{Link, PageView, to_value};
use crate::text::Collation;

/// `/bolgeler/`: the folder of the region pages.
fn regions_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "regions_slug")?
    ))
}

/// The region overview: `/bolgeler/` beside the province overview, or the sector analysis'
/// own address when the region table is the only one (the guidebook links there).
pub fn overview_url(
    config: &Config,
    strings: &Strings,
    data: &SectorData,
    lang: &str,
) -> Option<String> {
    if data.analysis.is_some() {
        regions_url(config, strings, lang)
    } else {
        super::sectors::overview_url(config, strings, lang)
    }
}

pub fn region_url(config: &Config, strings: &Strings, lang: &str, code: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        regions_url(config, strings, lang)?,
        code.to_lowercase()
    ))
}

/// `/bolgeler/faaliyet/b-e/`: one activity across the regions.
pub fn activity_url(config: &Config, strings: &Strings, lang: &str, code: &str) -> Option<String> {
    Some(format!(
        "{}{}/{}/",
        regions_url(config, strings, lang)?,
        strings.get(lang, "activity_slug")?,
        code.to_lowercase()
    ))
}

/// Links between the province table and the region table when the site has both: the
/// reader switches between them without JavaScript.
pub fn table_switch(site: &Site, lang: &str, regions_current: bool) -> Option<serde_json::Value> {
    let data = &site.sectors;
    let (Some(p), Some(r)) = (&data.analysis, &data.regions) else {
        return None;
    };
    let (config, strings) = (&site.config, &site.strings);
    let label = |key: &str, a: &Analysis| {
        let mut text = site.strings.t(lang, key);
        if a.sample {
            text = format!("{text} ({})", site.strings.t(lang, "sample_short"));
        } else if let Some(s) = a.sources.first() {
            text = format!("{text} ({}, {})", s.source, a.year);
        }
        text
    };
    Some(json!([
        {"label": label("table_provinces", p), "url": super::sectors::overview_url(config, strings, lang), "current": !regions_current},
        {"label": label("table_regions", r), "url": overview_url(config, strings, data, lang), "current": regions_current},
    ]))
}

/// `Bursa, Eskişehir, Bilecik (TR41)`.
fn region_name(site: &Site, code: &str, lang: &str) -> String {
    match site
        .sectors
        .choice("ibbs_bolgeler", code)
        .and_then(|c| c.label.get(lang))
    {
        Some(name) => format!("{name} ({code})"),
        None => code.to_string(),
    }
}

/// A section (`C - İmalat`), a group of sections (`B-E`) or a division, by name.
fn activity_name(site: &Site, code: &str, lang: &str) -> String {
    if let Some(name) = site
        .sectors
        .choice("nace_bolumler", code)
        .and_then(|c| c.label.get(lang))
    {
        return name.clone();
    }
    match site
        .strings
        .get(lang, &format!("activity_{}", code.replace('-', "_")))
    {
        Some(name) => name.to_string(),
        None => site.sectors.sector_name(code, lang),
    }
}

/// The meaning of each flag letter in `flags`, for the tooltip beside a figure.
fn flags_title(site: &Site, flags: &str, lang: &str) -> String {
    flags
        .chars()
        .map(|c| format!("{c}: {}", site.strings.t(lang, &format!("flag_{c}"))))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A figure with the publisher's flags beside it (`sectors/figure.html`).
#[derive(Serialize)]
struct Figure {
    value: Option<String>,
    flags: String,
    /// The flags in words.
    title: String,
}

fn figure(site: &Site, value: Option<u64>, flags: &str, lang: &str) -> Figure {
    Figure {
        value: value.map(|v| num(v as f64, 0, lang)),
        flags: flags.to_string(),
        title: flags_title(site, flags, lang),
    }
}

/// A flag and what it means (`sectors/flags.html`).
#[derive(Serialize)]
struct FlagNote {
    flag: String,
    text: String,
}

/// Every flag shown on a page, explained once in a list.
fn flag_legend(site: &Site, used: &BTreeSet<char>, lang: &str) -> Vec<FlagNote> {
    used.iter()
        .map(|c| FlagNote {
            flag: c.to_string(),
            text: site.strings.t(lang, &format!("flag_{c}")),
        })
        .collect()
}

/// Why a cell's figures are not shown, in words; None when they are.
fn withheld(site: &Site, c: &CellResult, lang: &str) -> Option<String> {
    c.suppressed.map(|s| {
        site.strings.t(
            lang,
            match s {
                Suppression::Confidential => "withheld_confidential",
                Suppression::BelowFloor => "withheld_below_floor",
            },
        )
    })
}

/// Eurostat's page for a dataset code.
fn dataset_url(source: &str, table: &str) -> Option<String> {
    (source.eq_ignore_ascii_case("eurostat") && !table.is_empty()).then(|| {
        format!("https://ec.europa.eu/eurostat/databrowser/view/{table}/default/table?lang=en")
    })
}

/// The source line of every page with the table's figures, and the unit conversion.
fn credit_view(a: &Analysis) -> serde_json::Value {
    let sources: Vec<serde_json::Value> = a
        .sources
        .iter()
        .filter(|s| !s.is_sample())
        .map(|s| {
            json!({
                "source": s.source, "table": s.table, "retrieved_on": s.retrieved_on,
                "url": dataset_url(&s.source, &s.table),
                "eurostat": s.source.eq_ignore_ascii_case("eurostat"),
            })
        })
        .collect();
    json!({"sources": sources})
}

/// What the level of the table allows: the note on the measures that do not apply.
fn level_note(site: &Site, a: &Analysis, lang: &str) -> Option<String> {
    (!a.stars_apply).then(|| site.strings.t(lang, "level_note_sections"))
}

pub fn render(site: &Site, page: &Page, lang: &str) -> Result<(String, String), Diagnostic> {
    let (config, strings) = (&site.config, &site.strings);
    let missing = || {
        Diagnostic::error(
            "site/i18n",
            format!("the region pages' slug (`regions_slug`) is missing in `{lang}`"),
        )
    };
    let Some(a) = &site.sectors.regions else {
        return Err(missing());
    };
    let alternates = |f: &dyn Fn(&str) -> Option<String>| -> Vec<(String, String)> {
        site.content
            .homes
            .keys()
            .filter_map(|l| Some((l.clone(), f(l)?)))
            .collect()
    };
    let overview = overview_url(config, strings, &site.sectors, lang).ok_or_else(missing)?;
    let (template, url, title, alts, view) = match page {
        Page::RegionActivity(code) => (
            "sectors/region_activity.html",
            activity_url(config, strings, lang, code).ok_or_else(missing)?,
            site.strings
                .t(lang, "region_activity_title")
                .replace("{activity}", &activity_name(site, code, lang)),
            alternates(&|l| activity_url(config, strings, l, code)),
            to_value(&activity_view(site, a, code, lang)),
        ),
        Page::Region(code) => (
            "sectors/region.html",
            region_url(config, strings, lang, code).ok_or_else(missing)?,
            site.strings
                .t(lang, "region_page_title")
                .replace("{region}", &region_name(site, code, lang)),
            alternates(&|l| region_url(config, strings, l, code)),
            to_value(&region_view(site, a, code, lang)),
        ),
        _ => (
            "sectors/regions.html",
            overview.clone(),
            site.strings.t(lang, "regions_title"),
            alternates(&|l| overview_url(config, strings, &site.sectors, l)),
            to_value(&overview_view(site, a, lang)),
        ),
    };
    let page_view =
        PageView::special(&site.config, "sectors", &title, &url, lang, alts).under(Link {
            title: site.strings.t(lang, "regions_title"),
            url: overview.clone(),
        });
    let site_value = site.site_values.get(lang).cloned().unwrap_or_default();
    let ctx = context! {
        site => site_value, page => to_value(&page_view), lang => lang,
        overview => overview, sample => a.sample, year => a.year, base_year => a.base_year,
        method => to_value(&method_view(site, a, lang)), data_dir => OPEN_DATA_DIR,
        data_stem => crate::analyse::snapshot_stem(a),
        credit => to_value(&credit_view(a)), level_note => level_note(site, a, lang),
        tables => to_value(&table_switch(site, lang, true)),
        view => view,
    };
    let html = site.templates.render(template, ctx, None)?;
    Ok((url, html))
}

/// One region on the region map: its provinces' outlines, its class and its tooltip.
struct RegionArea {
    title: String,
    class: Option<usize>,
    /// References to its provinces' outlines.
    outlines: Vec<String>,
}

/// The map of the regions from the province outlines. Each region is drawn twice, in turn:
/// its provinces with a wide dark outline, then its provinces again with an outline in their
/// own fill (which also closes the slivers between neighbouring outlines). The second pass
/// covers the dark lines between the region's own provinces and the inner part of its border;
/// the outer part stays on top of the regions drawn before, so every region border is dark
/// and the provinces inside a region merge.
fn region_map_svg(geo: &charts::Geo, regions: &[RegionArea], label: &str) -> String {
    use std::fmt::Write as _;
    let mut svg = charts::map_start(geo, label);
    for r in regions {
        let fill = charts::area_fill(r.class);
        let _ = write!(
            svg,
            "<g><title>{}</title><g fill=\"{fill}\" stroke=\"#1d2327\" stroke-width=\"3.6\" stroke-linejoin=\"round\">",
            crate::text::escape_markup(&r.title)
        );
        for p in &r.outlines {
            let _ = write!(svg, "<use href=\"{}\"/>", crate::text::escape_markup(p));
        }
        let _ = write!(
            svg,
            "</g><g fill=\"{fill}\" stroke=\"{fill}\" stroke-width=\"1.4\" stroke-linejoin=\"round\">"
        );
        for p in &r.outlines {
            let _ = write!(svg, "<use href=\"{}\"/>", crate::text::escape_markup(p));
        }
        svg.push_str("</g></g>");
    }
    svg.push_str("</svg>");
    svg
}

/// The provinces of a region, by the `ibbs2` attribute of the `iller` list.
fn provinces_of<'a>(site: &'a Site, region: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    site.sectors
        .list("iller")
        .iter()
        .filter(move |c| c.attrs.get("ibbs2").map(String::as_str) == Some(region))
        .map(|c| c.code.as_str())
}

/// The legend of equal-width classes of decimals.
fn decimal_legend(lo: f64, hi: f64, lang: &str) -> Vec<serde_json::Value> {
    let n = charts::CLASS_FILLS.len();
    if hi <= lo {
        return vec![json!({"fill": charts::CLASS_FILLS[0], "text": num(lo, 2, lang)})];
    }
    let width = (hi - lo) / n as f64;
    (0..n)
        .map(|i| {
            let from = lo + width * i as f64;
            json!({
                "fill": charts::CLASS_FILLS[i],
                "text": format!("{}–{}", num(from, 2, lang), num(from + width, 2, lang)),
            })
        })
        .collect()
}

fn top_cell<'a>(a: &'a Analysis, region: &str) -> Option<&'a CellResult> {
    a.cells
        .iter()
        .filter(|c| c.province == region && c.lq.is_some())
        .max_by(|x, y| x.lq.unwrap_or(0.0).total_cmp(&y.lq.unwrap_or(0.0)))
}

fn overview_view(site: &Site, a: &Analysis, lang: &str) -> serde_json::Value {
    let (config, strings) = (&site.config, &site.strings);
    let mut used: BTreeSet<char> = a.national_flags.chars().collect();
    let collation = Collation::for_language(lang);
    let mut regions: Vec<_> = a.provinces.iter().collect();
    regions.sort_by(|x, y| x.code.cmp(&y.code));
    let rows: Vec<serde_json::Value> = regions
        .iter()
        .map(|p| {
            used.extend(p.flags.chars());
            let top = top_cell(a, &p.code).map(|c| {
                format!(
                    "{} ({})",
                    activity_name(site, &c.sector, lang),
                    num(c.lq.unwrap_or(0.0), 2, lang)
                )
            });
            json!({
                "name": region_name(site, &p.code, lang),
                "url": region_url(config, strings, lang, &p.code),
                "employees": figure(site, Some(p.employees), &p.flags, lang),
                "krugman": opt_num(p.krugman, 3, lang),
                "top": top,
            })
        })
        .collect();
    let mut activities: Vec<_> = a.sectors.iter().collect();
    activities.sort_by(|x, y| {
        collation.compare(
            &activity_name(site, &x.code, lang),
            &activity_name(site, &y.code, lang),
        )
    });
    let activities: Vec<serde_json::Value> = activities
        .iter()
        .map(|s| {
            used.extend(s.flags.chars());
            json!({
                "name": activity_name(site, &s.code, lang),
                "url": activity_url(config, strings, lang, &s.code),
                "employees": figure(site, Some(s.employees), &s.flags, lang),
                "hhi": opt_num(s.hhi_normalised, 3, lang),
                "growth": s.growth.map(|g| percent(g, lang)),
            })
        })
        .collect();
    let values: Vec<f64> = a.provinces.iter().filter_map(|p| p.krugman).collect();
    let (lo, hi) = min_max(&values);
    let map = site.sectors.geo.as_ref().map(|geo| {
        let regions: Vec<RegionArea> = a
            .provinces
            .iter()
            .map(|p| RegionArea {
                title: format!(
                    "{}: {} {}",
                    region_name(site, &p.code, lang),
                    site.strings.t(lang, "col_krugman"),
                    opt_num(p.krugman, 3, lang).unwrap_or_else(|| "–".into())
                ),
                class: p.krugman.map(|k| charts::class_of(k, lo, hi)),
                outlines: provinces_of(site, &p.code)
                    .filter_map(|province| geo.outline_ref(site.sectors.plate(province)?))
                    .collect(),
            })
            .collect();
        region_map_svg(geo, &regions, &site.strings.t(lang, "regions_map_alt"))
    });
    let mut by_krugman: Vec<_> = a.provinces.iter().filter(|p| p.krugman.is_some()).collect();
    by_krugman.sort_by(|x, y| {
        y.krugman
            .unwrap_or(0.0)
            .total_cmp(&x.krugman.unwrap_or(0.0))
    });
    let map_text: Vec<String> = by_krugman
        .iter()
        .take(5)
        .map(|p| {
            format!(
                "{} ({})",
                region_name(site, &p.code, lang),
                opt_num(p.krugman, 3, lang).unwrap_or_default()
            )
        })
        .collect();
    json!({
        "regions": rows,
        "activities": activities,
        "map": map,
        "legend": decimal_legend(lo, hi, lang),
        "map_text": map_text.join(", "),
        "national": figure(site, Some(a.national_employees), &a.national_flags, lang),
        "flags": flag_legend(site, &used, lang),
    })
}

/// One row of a region-table page's table (`sectors/region_rows.html`): an activity of a
/// region, or a region of an activity; `base` and `shift` only on a region's page.
#[derive(Serialize)]
struct RegionRow {
    name: String,
    url: Option<String>,
    employees: Figure,
    withheld: Option<String>,
    focus: Option<String>,
    lq: Option<String>,
    rank: Option<String>,
    growth: Option<String>,
    series_break: Option<String>,
    base: Option<Figure>,
    shift: Option<String>,
}

/// The figures of one region and activity that a region's table and an activity's table both
/// show, under the row's name and link; `n` is the number of regions ranked.
fn region_row(
    site: &Site,
    c: &CellResult,
    n: usize,
    (name, url): (String, Option<String>),
    lang: &str,
) -> RegionRow {
    RegionRow {
        name,
        url,
        employees: figure(site, c.employees, &c.flags, lang),
        withheld: withheld(site, c, lang),
        focus: c
            .focus
            .map(|f| percent(f, lang).trim_start_matches('+').to_string()),
        lq: opt_num(c.lq, 2, lang),
        rank: c.size_rank.map(|r| format!("{r} / {n}")),
        growth: growth_text(c, lang),
        series_break: c.series_break.map(|y| {
            site.strings
                .t(lang, "series_break")
                .replace("{year}", &y.to_string())
        }),
        base: None,
        shift: None,
    }
}

#[derive(Serialize)]
struct RegionView {
    name: String,
    total: String,
    employees: Figure,
    provinces: String,
    rows: Vec<RegionRow>,
    chart: Option<String>,
    map: Option<String>,
    reading: Vec<String>,
    flags: Vec<FlagNote>,
}

fn region_view(site: &Site, a: &Analysis, code: &str, lang: &str) -> RegionView {
    let (config, strings) = (&site.config, &site.strings);
    let name = region_name(site, code, lang);
    let p = a.provinces.iter().find(|p| p.code == code);
    let mut used: BTreeSet<char> = p.map(|p| p.flags.chars().collect()).unwrap_or_default();
    let mut cells: Vec<&CellResult> = a.area_cells(code).iter().collect();
    cells.sort_by(|x, y| {
        y.lq.unwrap_or(-1.0)
            .total_cmp(&x.lq.unwrap_or(-1.0))
            .then(x.sector.cmp(&y.sector))
    });
    let n = a.provinces.len();
    let rows: Vec<RegionRow> = cells
        .iter()
        .map(|c| {
            used.extend(c.flags.chars());
            used.extend(c.base_flags.chars());
            let activity = (
                activity_name(site, &c.sector, lang),
                activity_url(config, strings, lang, &c.sector),
            );
            RegionRow {
                base: Some(figure(site, c.base_employees, &c.base_flags, lang)),
                shift: shift_text(c, lang),
                ..region_row(site, c, n, activity, lang)
            }
        })
        .collect();
    let bars: Vec<Bar> = cells
        .iter()
        .filter_map(|c| {
            Some(Bar {
                label: c.sector.clone(),
                value: c.lq?,
                text: num(c.lq?, 2, lang),
            })
        })
        .collect();
    let chart = (!bars.is_empty()).then(|| {
        charts::lq_bars_svg(
            &bars,
            &site
                .strings
                .t(lang, "region_lq_chart_alt")
                .replace("{region}", &name),
        )
    });
    let map = site.sectors.geo.as_ref().map(|geo| {
        let own: BTreeSet<&str> = provinces_of(site, code).collect();
        let areas: Vec<Area<'_>> = site
            .sectors
            .list("iller")
            .iter()
            .filter_map(|c| {
                let inside = own.contains(c.code.as_str());
                Some(Area {
                    plate: c.attrs.get("plate")?,
                    class: Some(if inside { 4 } else { 0 }),
                    title: if inside {
                        format!("{}: {name}", site.sectors.province_name(&c.code, lang))
                    } else {
                        site.sectors.province_name(&c.code, lang)
                    },
                    marked: false,
                })
            })
            .collect();
        charts::map_svg(
            geo,
            &areas,
            &site
                .strings
                .t(lang, "region_map_alt")
                .replace("{region}", &name),
        )
    });
    let mut provinces: Vec<String> = provinces_of(site, code)
        .map(|c| site.sectors.province_name(c, lang))
        .collect();
    let collation = Collation::for_language(lang);
    provinces.sort_by(|x, y| collation.compare(x, y));
    RegionView {
        total: site
            .strings
            .t(lang, "region_total")
            .replace("{year}", &a.year.to_string())
            .replace(
                "{krugman}",
                &opt_num(p.and_then(|p| p.krugman), 3, lang).unwrap_or_else(|| "–".into()),
            ),
        employees: figure(
            site,
            p.map(|p| p.employees),
            p.map_or("", |p| p.flags.as_str()),
            lang,
        ),
        provinces: provinces.join(", "),
        rows,
        chart,
        map,
        reading: reading(site, a, code, &name, lang),
        flags: flag_legend(site, &used, lang),
        name,
    }
}

/// One activity across the regions: a map of its location quotient in classes, the regions
/// ranked, its national figures.
#[derive(Serialize)]
struct ActivityView {
    name: String,
    national: Figure,
    hhi: Option<String>,
    growth: Option<String>,
    rows: Vec<RegionRow>,
    map: Option<String>,
    legend: Vec<serde_json::Value>,
    flags: Vec<FlagNote>,
}

fn activity_view(site: &Site, a: &Analysis, code: &str, lang: &str) -> ActivityView {
    let (config, strings) = (&site.config, &site.strings);
    let mut cells: Vec<&CellResult> = a.activity_cells(code).collect();
    cells.sort_by(|x, y| {
        y.lq.unwrap_or(-1.0)
            .total_cmp(&x.lq.unwrap_or(-1.0))
            .then(x.province.cmp(&y.province))
    });
    let s = a.sectors.iter().find(|s| s.code == code);
    let mut used: BTreeSet<char> = s.map(|s| s.flags.chars().collect()).unwrap_or_default();
    let n = a.provinces.len();
    let rows: Vec<RegionRow> = cells
        .iter()
        .map(|c| {
            used.extend(c.flags.chars());
            used.extend(c.base_flags.chars());
            let region = (
                region_name(site, &c.province, lang),
                region_url(config, strings, lang, &c.province),
            );
            region_row(site, c, n, region, lang)
        })
        .collect();
    let name = activity_name(site, code, lang);
    let map = site.sectors.geo.as_ref().map(|geo| {
        let regions: Vec<RegionArea> = a
            .provinces
            .iter()
            .map(|p| {
                let c = cells.iter().find(|c| c.province == p.code);
                let lq = c.and_then(|c| c.lq);
                RegionArea {
                    title: format!(
                        "{}: LQ {}",
                        region_name(site, &p.code, lang),
                        opt_num(lq, 2, lang).unwrap_or_else(|| "–".into())
                    ),
                    class: lq.map(lq_class),
                    outlines: provinces_of(site, &p.code)
                        .filter_map(|province| geo.outline_ref(site.sectors.plate(province)?))
                        .collect(),
                }
            })
            .collect();
        region_map_svg(
            geo,
            &regions,
            &site
                .strings
                .t(lang, "region_activity_map_alt")
                .replace("{activity}", &name),
        )
    });
    ActivityView {
        name,
        national: figure(
            site,
            s.map(|s| s.employees),
            s.map_or("", |s| s.flags.as_str()),
            lang,
        ),
        hhi: opt_num(s.and_then(|s| s.hhi_normalised), 3, lang),
        growth: s.and_then(|s| s.growth).map(|g| percent(g, lang)),
        rows,
        map,
        legend: lq_legend(site, lang),
        flags: flag_legend(site, &used, lang),
    }
}

/// The page's plain reading: the most concentrated activity, what its quotient means, how it
/// changed and how much of the change the region itself explains.
fn reading(site: &Site, a: &Analysis, code: &str, name: &str, lang: &str) -> Vec<String> {
    let t = |k: &str| site.strings.t(lang, k);
    let Some(top) = top_cell(a, code) else {
        return vec![t("region_reading_none")];
    };
    let lq = top.lq.unwrap_or(0.0);
    let mut out = vec![
        t(if lq >= 1.0 {
            "region_reading_top"
        } else {
            "region_reading_top_below"
        })
        .replace("{region}", name)
        .replace("{activity}", &activity_name(site, &top.sector, lang))
        .replace("{lq}", &num(lq, 2, lang))
        .replace(
            "{focus}",
            percent(top.focus.unwrap_or(0.0), lang).trim_start_matches('+'),
        ),
    ];
    if let (Some(g), Some(ss), Some(base)) = (top.growth, top.shift_share, a.base_year) {
        out.push(
            t("region_reading_change")
                .replace("{base}", &base.to_string())
                .replace("{year}", &a.year.to_string())
                .replace("{growth}", &percent(g, lang))
                .replace("{regional}", &num(ss.regional, 0, lang)),
        );
    }
    if top.flags.contains('u') {
        out.push(t("region_reading_unreliable"));
    }
    if let Some(y) = top.series_break {
        out.push(t("region_reading_break").replace("{year}", &y.to_string()));
    }
    let lows: Vec<String> = a
        .cells
        .iter()
        .filter(|c| c.province == code && c.lq.is_some_and(|l| l < 0.5))
        .map(|c| activity_name(site, &c.sector, lang))
        .collect();
    if !lows.is_empty() {
        out.push(t("region_reading_low").replace("{activities}", &lows.join("; ")));
    }
    out
}
