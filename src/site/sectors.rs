//! The sector-analysis pages: the national overview with a province map, one page per
//! province (`/iller/<il>/sektorler/`, beside the `province` taxonomy's term page
//! `/iller/<il>/`) and one per NACE division, plus the open-data copy of the analysis. A
//! region table (İBBS-2 × activity, e.g. imported from Eurostat) adds the region overview and
//! one page per region ([`super::regions`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use minijinja::{Value, context};
use serde::Serialize;
use serde_json::json;

use super::Site;
use super::charts::{self, Area, Bar, Geo};
use super::routes::{Route, RouteContext, pages_in};
use crate::analyse::{self, Analysis, CellResult, Suppression};
use crate::config::{Config, Strings};
use crate::content::Content;
use crate::data::lists::Lists;
use crate::diagnostics::Diagnostic;
use crate::locale::format_number;
use crate::render::views::{Link, PageView, to_value};
use crate::survey::model::Choice;
use crate::text::{Collation, slugify};

/// The analysis (when the project has employment tables), the map and the labels.
#[derive(Default)]
pub struct SectorData {
    /// The province × division analysis.
    pub analysis: Option<Arc<Analysis>>,
    /// The İBBS-2 region analysis (any activity level).
    pub regions: Option<Arc<Analysis>>,
    /// Every level the tables have, for the open data.
    pub levels: Vec<Arc<Analysis>>,
    pub(super) geo: Option<Geo>,
    lists: BTreeMap<String, Vec<Choice>>,
    /// (list, code) → position in its list: the pages look a province or sector up for every
    /// row and map area, about 75,000 times in a build.
    positions: HashMap<String, HashMap<String, usize>>,
    /// Each language's table rows of the analysis' cells, by the cell's position, made the
    /// first time a page shows the cell: a prominent cell is a row of its province's page
    /// (often twice, when it is also among the highest quotients) and of its division's page,
    /// and each of those rows was made and converted for the templates again.
    rows: HashMap<String, Vec<OnceLock<Value>>>,
}

impl SectorData {
    pub fn load(config: &Config, lists: Lists) -> (SectorData, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let (levels, ds) = analyse::load(config, &lists);
        diags.extend(ds);
        let levels: Vec<Arc<Analysis>> = levels.into_iter().map(Arc::new).collect();
        let find = |area: analyse::AreaLevel, activity: Option<analyse::ActivityLevel>| {
            levels
                .iter()
                .find(|a| a.area_level == area && activity.is_none_or(|l| l == a.activity_level))
                .cloned()
        };
        let analysis = find(
            analyse::AreaLevel::Ibbs3,
            Some(analyse::ActivityLevel::Division),
        );
        let regions = find(analyse::AreaLevel::Ibbs2, None);
        let (geo, ds) = if !levels.is_empty() {
            Geo::load(config)
        } else {
            (None, Vec::new())
        };
        diags.extend(ds);
        let cells = analysis.as_ref().map_or(0, |a| a.cells.len());
        let rows = (config.languages.iter())
            .map(|l| {
                (
                    l.code.clone(),
                    (0..cells).map(|_| OnceLock::new()).collect(),
                )
            })
            .collect();
        let positions = (lists.iter())
            .map(|(name, choices)| {
                let mut at = HashMap::new();
                for (i, c) in choices.iter().enumerate() {
                    // The first of a repeated code, as a search from the start finds.
                    at.entry(c.code.clone()).or_insert(i);
                }
                (name.clone(), at)
            })
            .collect();
        (
            SectorData {
                analysis,
                regions,
                levels,
                geo,
                lists,
                positions,
                rows,
            },
            diags,
        )
    }

    /// Whether the site has any sector-analysis page.
    pub fn any(&self) -> bool {
        self.analysis.is_some() || self.regions.is_some()
    }

    pub(super) fn choice(&self, list: &str, code: &str) -> Option<&Choice> {
        let i = *self.positions.get(list)?.get(code)?;
        self.lists.get(list)?.get(i)
    }

    pub(super) fn province_name(&self, code: &str, lang: &str) -> String {
        self.choice("iller", code)
            .and_then(|c| c.label.get(lang))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    pub(super) fn list(&self, name: &str) -> &[Choice] {
        self.lists.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    pub(super) fn sector_name(&self, code: &str, lang: &str) -> String {
        self.choice("nace_bolumleri", code)
            .and_then(|c| c.label.get(lang))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    pub(super) fn plate(&self, code: &str) -> Option<&str> {
        self.choice("iller", code)?
            .attrs
            .get("plate")
            .map(String::as_str)
    }
}

/// One sector-analysis page.
#[derive(Debug, Clone)]
pub enum Page {
    Overview,
    Province(String),
    Sector(String),
    /// The overview of the region table.
    Regions,
    Region(String),
    /// One activity of the region table across the regions.
    RegionActivity(String),
}

pub fn overview_url(config: &Config, strings: &Strings, lang: &str) -> Option<String> {
    Some(format!(
        "{}{}/",
        config.language_prefix(lang),
        strings.get(lang, "sector_analysis_slug")?
    ))
}

fn sector_url(config: &Config, strings: &Strings, lang: &str, code: &str) -> Option<String> {
    Some(format!(
        "{}nace/{code}/",
        overview_url(config, strings, lang)?
    ))
}

/// `/iller/samsun/sektorler/`: under the address of the province's taxonomy term page.
fn province_url(
    config: &Config,
    strings: &Strings,
    data: &SectorData,
    lang: &str,
    code: &str,
) -> Option<String> {
    Some(format!(
        "{}{}/{}/{}/",
        config.language_prefix(lang),
        strings.get(lang, "provinces_slug")?,
        slugify(&data.province_name(code, lang)),
        strings.get(lang, "province_sectors_slug")?
    ))
}

pub(super) const OPEN_DATA_DIR: &str = "/veri/sektorler/";

/// Every sector-analysis page in every language, and the open-data files.
pub fn routes(ctx: &RouteContext<'_>, data: &SectorData) -> Vec<Route<Page>> {
    let mut pages = Vec::new();
    if let Some(a) = &data.analysis {
        pages.push(Page::Overview);
        pages.extend(a.provinces.iter().map(|p| Page::Province(p.code.clone())));
        pages.extend(a.sectors.iter().map(|s| Page::Sector(s.code.clone())));
    }
    if let Some(a) = &data.regions {
        if data.analysis.is_none() {
            pages.push(Page::Overview);
        } else {
            pages.push(Page::Regions);
        }
        pages.extend(a.provinces.iter().map(|p| Page::Region(p.code.clone())));
        pages.extend(
            a.sectors
                .iter()
                .map(|s| Page::RegionActivity(s.code.clone())),
        );
    }
    let (config, strings) = (ctx.config, ctx.strings);
    let mut out = pages_in(ctx, &pages, |p, lang| match p {
        Page::Overview => overview_url(config, strings, lang),
        Page::Province(code) => province_url(config, strings, data, lang, code),
        Page::Sector(code) => sector_url(config, strings, lang, code),
        Page::Regions => super::regions::overview_url(config, strings, data, lang),
        Page::Region(code) => super::regions::region_url(config, strings, lang, code),
        Page::RegionActivity(code) => super::regions::activity_url(config, strings, lang, code),
    });
    let lang = config.default_language();
    for a in &data.levels {
        let stem = analyse::snapshot_stem(a);
        out.extend(
            ["json", "csv"].map(|ext| Route::file(format!("{OPEN_DATA_DIR}{stem}.{ext}"), lang)),
        );
    }
    out
}

/// A content page at a sector-analysis address would be overwritten by it: an error at the
/// page. (The `province` taxonomy's term pages sit one level up and never collide.)
pub fn check_collisions(content: &Content, routes: &[Route<Page>]) -> Vec<Diagnostic> {
    let taken: HashSet<String> = routes.iter().filter_map(Route::file_path).collect();
    content
        .docs
        .iter()
        .filter(|d| !d.url.is_empty() && taken.contains(&format!("{}index.html", d.url)))
        .map(|d| {
            Diagnostic::error(
                &d.file,
                format!("the address {} is also a page of the sector analysis", d.url),
            )
            .help("give this page another `slug:` or move it; the sector analysis builds this address from site/data/employment/")
        })
        .collect()
}

/// The analysis as open data, as (URL path, body).
pub fn open_data(site: &Site) -> Result<Vec<(String, String)>, Diagnostic> {
    let failed = |e: &dyn std::fmt::Display| {
        Diagnostic::error(
            OPEN_DATA_DIR,
            format!("cannot make the sector analysis' open data: {e}"),
        )
    };
    let mut out = Vec::new();
    for a in &site.sectors.levels {
        let stem = analyse::snapshot_stem(a);
        let json = serde_json::to_string(&**a).map_err(|e| failed(&e))?;
        let csv = analyse::cells_csv(a).map_err(|e| failed(&e))?;
        out.push((format!("{OPEN_DATA_DIR}{stem}.json"), json));
        out.push((format!("{OPEN_DATA_DIR}{stem}.csv"), csv));
    }
    Ok(out)
}

/// The province outlines the maps draw, when the site has maps.
pub fn outlines_file(site: &Site) -> Option<(String, String)> {
    let geo = site.sectors.geo.as_ref()?;
    Some((
        charts::OUTLINES_PATH.to_string(),
        geo.outlines().to_string(),
    ))
}

/// Renders one page: its URL path and HTML.
pub fn render(site: &Site, page: &Page, lang: &str) -> Result<(String, String), Diagnostic> {
    let (config, strings, data) = (&site.config, &site.strings, &site.sectors);
    let missing = || {
        Diagnostic::error(
            "site/i18n",
            format!(
                "a sector-analysis slug (`sector_analysis_slug`, `provinces_slug`, `province_sectors_slug`) is missing in `{lang}`"
            ),
        )
    };
    if matches!(
        page,
        Page::Regions | Page::Region(_) | Page::RegionActivity(_)
    ) || data.analysis.is_none()
    {
        return super::regions::render(site, page, lang);
    }
    let Some(a) = &data.analysis else {
        return Err(missing());
    };
    let alternates = |f: &dyn Fn(&str) -> Option<String>| -> Vec<(String, String)> {
        site.content
            .homes
            .keys()
            .filter_map(|l| Some((l.clone(), f(l)?)))
            .collect()
    };
    let overview = overview_url(config, strings, lang).ok_or_else(missing)?;
    let (template, url, title, alts, extra) = match page {
        Page::Overview => (
            "sectors/overview.html",
            overview.clone(),
            site.strings.t(lang, "sector_analysis_title"),
            alternates(&|l| overview_url(config, strings, l)),
            to_value(&overview_view(site, a, lang)),
        ),
        Page::Province(code) => (
            "sectors/province.html",
            province_url(config, strings, data, lang, code).ok_or_else(missing)?,
            site.strings
                .t(lang, "province_sectors_title")
                .replace("{province}", &data.province_name(code, lang)),
            alternates(&|l| province_url(config, strings, data, l, code)),
            to_value(&province_view(site, a, code, lang)),
        ),
        Page::Regions | Page::Region(_) | Page::RegionActivity(_) => return Err(missing()),
        Page::Sector(code) => (
            "sectors/sector.html",
            sector_url(config, strings, lang, code).ok_or_else(missing)?,
            site.strings
                .t(lang, "sector_page_title")
                .replace("{sector}", &data.sector_name(code, lang)),
            alternates(&|l| sector_url(config, strings, l, code)),
            to_value(&sector_view(site, a, code, lang)),
        ),
    };
    let view = PageView::special(&site.config, "sectors", &title, &url, lang, alts).under(Link {
        title: site.strings.t(lang, "sector_analysis_title"),
        url: overview.clone(),
    });
    let site_value = site.site_values.get(lang).cloned().unwrap_or_default();
    let ctx = context! {
        site => site_value, page => to_value(&view), lang => lang,
        overview => overview, sample => a.sample, year => a.year, base_year => a.base_year,
        method => to_value(&method_view(site, a, lang)), data_dir => OPEN_DATA_DIR,
        view => extra, tables => to_value(&super::regions::table_switch(site, lang, false)),
    };
    let html = site.templates.render(template, ctx, None)?;
    Ok((url, html))
}

pub(super) fn num(x: f64, decimals: usize, lang: &str) -> String {
    format_number(x, decimals, lang)
}

pub(super) fn opt_num(x: Option<f64>, decimals: usize, lang: &str) -> Option<String> {
    x.map(|x| num(x, decimals, lang))
}

/// `+12,5 %` / `+12.5%`.
pub(super) fn percent(x: f64, lang: &str) -> String {
    let sign = if x > 0.0 {
        "+"
    } else if x < 0.0 {
        "-"
    } else {
        ""
    };
    let n = num(x.abs() * 100.0, 1, lang);
    if lang == "tr" {
        format!("{sign}%{n}")
    } else {
        format!("{sign}{n}%")
    }
}

/// The stars in words: "büyüklük, uzmanlaşma" or "yıldız yok".
fn stars_text(site: &Site, c: &CellResult, lang: &str) -> String {
    let Some(s) = c.stars else {
        return site.strings.t(lang, "not_computed");
    };
    let names: Vec<String> = [
        (s.size, "star_size"),
        (s.specialisation, "star_specialisation"),
        (s.focus, "star_focus"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| site.strings.t(lang, k))
    .collect();
    if names.is_empty() {
        site.strings.t(lang, "no_stars")
    } else {
        format!("{} ({})", "★".repeat(names.len()), names.join(", "))
    }
}

fn strong_text(site: &Site, c: &CellResult, lang: &str) -> String {
    match c.strong {
        Some(true) => site.strings.t(lang, "flag_yes"),
        Some(false) => site.strings.t(lang, "flag_no"),
        None => site.strings.t(lang, "not_computed"),
    }
}

pub(super) fn growth_text(c: &CellResult, lang: &str) -> Option<String> {
    let g = c.growth?;
    let change = c.change.unwrap_or(0);
    let sign = if change > 0 { "+" } else { "" };
    Some(format!(
        "{sign}{} ({})",
        num(change as f64, 0, lang),
        percent(g, lang)
    ))
}

pub(super) fn shift_text(c: &CellResult, lang: &str) -> Option<String> {
    let s = c.shift_share?;
    Some(format!(
        "{} / {} / {}",
        num(s.national, 0, lang),
        num(s.industry_mix, 0, lang),
        num(s.regional, 0, lang)
    ))
}

/// A row of a province × sector table, in words where the page reads it. A struct, not a
/// `json!` map: a build makes about 20,000 of these, and each went through a JSON map before
/// it became a template value.
#[derive(Serialize)]
struct CellRow {
    province: String,
    province_url: Option<String>,
    sector: String,
    sector_code: String,
    sector_url: Option<String>,
    employees: Option<String>,
    workplaces: Option<String>,
    lq: Option<String>,
    focus: Option<String>,
    size_rank: Option<usize>,
    stars: String,
    strong: String,
    growth: Option<String>,
    shift: Option<String>,
}

/// The row of a cell of the province × division analysis, made once per language.
fn row(site: &Site, c: &CellResult, lang: &str) -> Value {
    let data = &site.sectors;
    let slot = (data.analysis.as_ref())
        .and_then(|a| a.position_of(c))
        .and_then(|i| data.rows.get(lang)?.get(i));
    let make = || to_value(&cell_row(site, c, lang));
    match slot {
        Some(slot) => slot.get_or_init(make).clone(),
        None => make(),
    }
}

fn cell_row(site: &Site, c: &CellResult, lang: &str) -> CellRow {
    let data = &site.sectors;
    let (config, strings) = (&site.config, &site.strings);
    CellRow {
        province: data.province_name(&c.province, lang),
        province_url: province_url(config, strings, data, lang, &c.province),
        sector: data.sector_name(&c.sector, lang),
        sector_code: c.sector.clone(),
        sector_url: sector_url(config, strings, lang, &c.sector),
        employees: c.employees.map(|e| num(e as f64, 0, lang)),
        workplaces: c.workplaces.map(|e| num(e as f64, 0, lang)),
        lq: opt_num(c.lq, 2, lang),
        focus: c
            .focus
            .map(|f| percent(f, lang).trim_start_matches('+').to_string()),
        size_rank: c.size_rank,
        stars: stars_text(site, c, lang),
        strong: strong_text(site, c, lang),
        growth: growth_text(c, lang),
        shift: shift_text(c, lang),
    }
}

/// Prominent first: more stars, then strong, then a higher quotient.
fn prominence(a: &CellResult, b: &CellResult) -> std::cmp::Ordering {
    b.star_count()
        .cmp(&a.star_count())
        .then((b.strong == Some(true)).cmp(&(a.strong == Some(true))))
        .then(b.lq.unwrap_or(0.0).total_cmp(&a.lq.unwrap_or(0.0)))
}

fn is_prominent(c: &CellResult) -> bool {
    c.published() && (c.star_count() > 0 || c.strong == Some(true))
}

fn overview_view(site: &Site, a: &Analysis, lang: &str) -> serde_json::Value {
    let data = &site.sectors;
    let (config, strings) = (&site.config, &site.strings);
    let collation = Collation::for_language(lang);
    let mut provinces: Vec<_> = a.provinces.iter().collect();
    provinces.sort_by(|x, y| {
        collation.compare(
            &data.province_name(&x.code, lang),
            &data.province_name(&y.code, lang),
        )
    });
    let rows: Vec<serde_json::Value> = provinces
        .iter()
        .map(|p| {
            json!({
                "name": data.province_name(&p.code, lang),
                "url": province_url(config, strings, data, lang, &p.code),
                "employees": num(p.employees as f64, 0, lang),
                "strong": p.strong_sectors,
                "starred": p.starred_sectors,
                "krugman": opt_num(p.krugman, 3, lang),
            })
        })
        .collect();
    let strong_in: HashMap<&str, usize> =
        a.cells
            .iter()
            .filter(|c| c.strong == Some(true))
            .fold(HashMap::new(), |mut m, c| {
                *m.entry(c.sector.as_str()).or_default() += 1;
                m
            });
    let sectors: Vec<serde_json::Value> = a
        .sectors
        .iter()
        .map(|s| {
            json!({
                "name": data.sector_name(&s.code, lang),
                "url": sector_url(config, strings, lang, &s.code),
                "employees": num(s.employees as f64, 0, lang),
                "strong": strong_in.get(s.code.as_str()).copied().unwrap_or(0),
                "hhi": opt_num(s.hhi_normalised, 3, lang),
                "growth": s.growth.map(|g| percent(g, lang)),
            })
        })
        .collect();
    let mut by_strong: Vec<_> = a.provinces.iter().collect();
    by_strong.sort_by_key(|p| std::cmp::Reverse(p.strong_sectors));
    let top: Vec<String> = by_strong
        .iter()
        .take(5)
        .map(|p| {
            format!(
                "{} ({})",
                data.province_name(&p.code, lang),
                p.strong_sectors
            )
        })
        .collect();
    let values: Vec<f64> = a
        .provinces
        .iter()
        .map(|p| p.strong_sectors as f64)
        .collect();
    let (lo, hi) = min_max(&values);
    let map = data.geo.as_ref().map(|geo| {
        let areas: Vec<Area<'_>> = a
            .provinces
            .iter()
            .filter_map(|p| {
                Some(Area {
                    plate: data.plate(&p.code)?,
                    class: Some(charts::class_of(p.strong_sectors as f64, lo, hi)),
                    title: format!(
                        "{}: {} {}",
                        data.province_name(&p.code, lang),
                        p.strong_sectors,
                        site.strings.t(lang, "col_strong_sectors").to_lowercase()
                    ),
                    marked: false,
                })
            })
            .collect();
        charts::map_svg(geo, &areas, &site.strings.t(lang, "sector_map_alt"))
    });
    json!({
        "provinces": rows,
        "sectors": sectors,
        "map": map,
        "legend": count_legend(lo, hi),
        "map_text": top.join(", "),
        "national_employees": num(a.national_employees as f64, 0, lang),
    })
}

pub(super) fn min_max(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) }
}

/// The legend of equal-width classes of whole counts: fill and the range in words.
pub(super) fn count_legend(lo: f64, hi: f64) -> Vec<serde_json::Value> {
    let n = charts::CLASS_FILLS.len();
    let width = (hi - lo) / n as f64;
    (0..n)
        .filter_map(|i| {
            let from = (lo + width * i as f64).ceil() as i64;
            let to = if i + 1 == n {
                hi as i64
            } else {
                ((lo + width * (i + 1) as f64).ceil() as i64 - 1).max(from)
            };
            // Classes too narrow to hold a whole number are left out of the legend.
            let holds = (from..=to).any(|v| charts::class_of(v as f64, lo, hi) == i);
            holds.then(|| {
                json!({
                    "fill": charts::CLASS_FILLS[i],
                    "text": if from == to { from.to_string() } else { format!("{from}–{to}") },
                })
            })
        })
        .collect()
}

#[derive(Serialize)]
struct ProvinceView {
    name: String,
    total: String,
    prominent: Vec<Value>,
    chart: Option<String>,
    chart_rows: Vec<Value>,
    withheld: String,
    clusters: Vec<serde_json::Value>,
}

fn province_view(site: &Site, a: &Analysis, code: &str, lang: &str) -> ProvinceView {
    let data = &site.sectors;
    let cells: Vec<&CellResult> = a.area_cells(code).iter().collect();
    let mut prominent: Vec<&CellResult> =
        cells.iter().copied().filter(|c| is_prominent(c)).collect();
    prominent.sort_by(|x, y| prominence(x, y));
    let mut by_lq: Vec<&CellResult> = cells.iter().copied().filter(|c| c.lq.is_some()).collect();
    by_lq.sort_by(|x, y| y.lq.unwrap_or(0.0).total_cmp(&x.lq.unwrap_or(0.0)));
    by_lq.truncate(15);
    let bars: Vec<Bar> = by_lq
        .iter()
        .map(|c| Bar {
            label: c.sector.clone(),
            value: c.lq.unwrap_or(0.0),
            text: num(c.lq.unwrap_or(0.0), 2, lang),
        })
        .collect();
    let name = data.province_name(code, lang);
    let chart = (!bars.is_empty()).then(|| {
        charts::lq_bars_svg(
            &bars,
            &site
                .strings
                .t(lang, "lq_chart_alt")
                .replace("{province}", &name),
        )
    });
    let p = a.provinces.iter().find(|p| p.code == code);
    let withheld = |s: Suppression| cells.iter().filter(|c| c.suppressed == Some(s)).count();
    let clusters: Vec<serde_json::Value> = site
        .bench
        .data
        .clusters
        .iter()
        .filter(|c| c.province == code)
        .map(|c| {
            json!({
                "name": c.name.get(lang).cloned().unwrap_or_default(),
                "url": super::benchmark::urls::profile_url(&site.config, &site.strings, lang, c),
                "sample": c.sample,
                "sectors": c.nace.iter().map(|d| {
                    let name = data.sector_name(d, lang);
                    if prominent.iter().any(|p| &p.sector == d) {
                        format!("{name} ({})", site.strings.t(lang, "prominent_here"))
                    } else {
                        name
                    }
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    ProvinceView {
        total: site
            .strings
            .t(lang, "province_total")
            .replace("{year}", &a.year.to_string())
            .replace(
                "{employees}",
                &num(p.map_or(0, |p| p.employees) as f64, 0, lang),
            )
            .replace(
                "{krugman}",
                &opt_num(p.and_then(|p| p.krugman), 3, lang).unwrap_or_else(|| "–".into()),
            ),
        name,
        prominent: prominent.iter().map(|c| row(site, c, lang)).collect(),
        chart,
        chart_rows: by_lq.iter().map(|c| row(site, c, lang)).collect(),
        withheld: site
            .strings
            .t(lang, "withheld_count")
            .replace(
                "{confidential}",
                &withheld(Suppression::Confidential).to_string(),
            )
            .replace("{floor}", &withheld(Suppression::BelowFloor).to_string()),
        clusters,
    }
}

/// The map class of a location quotient: below 1 (less than the country), 1–2, 2 and more.
pub(super) fn lq_class(lq: f64) -> usize {
    match lq {
        x if x < 1.0 => 1,
        x if x < 2.0 => 2,
        _ => 4,
    }
}

/// The legend of [`lq_class`]'s colours.
pub(super) fn lq_legend(site: &Site, lang: &str) -> Vec<serde_json::Value> {
    [
        (1, "legend_lq_low"),
        (2, "legend_lq_mid"),
        (4, "legend_lq_high"),
    ]
    .iter()
    .map(|(i, k)| json!({"fill": charts::CLASS_FILLS[*i], "text": site.strings.t(lang, k)}))
    .collect()
}

#[derive(Serialize)]
struct SectorView {
    summary: String,
    growth: Option<String>,
    map: Option<String>,
    legend: Vec<serde_json::Value>,
    rows: Vec<Value>,
}

fn sector_view(site: &Site, a: &Analysis, code: &str, lang: &str) -> SectorView {
    let data = &site.sectors;
    let cells: Vec<&CellResult> = a.activity_cells(code).collect();
    let mut standing: Vec<&CellResult> =
        cells.iter().copied().filter(|c| is_prominent(c)).collect();
    standing.sort_by(|x, y| y.lq.unwrap_or(0.0).total_cmp(&x.lq.unwrap_or(0.0)));
    let s = a.sectors.iter().find(|s| s.code == code);
    let map = data.geo.as_ref().map(|geo| {
        let areas: Vec<Area<'_>> = cells
            .iter()
            .filter_map(|c| {
                let class = c.lq.map(lq_class);
                let value = match (c.lq, c.suppressed) {
                    (Some(lq), _) => format!("LQ {}", num(lq, 2, lang)),
                    (None, Some(Suppression::Confidential)) => {
                        site.strings.t(lang, "withheld_confidential")
                    }
                    (None, Some(Suppression::BelowFloor)) => {
                        site.strings.t(lang, "withheld_below_floor")
                    }
                    (None, None) => site.strings.t(lang, "sector_no_data"),
                };
                Some(Area {
                    plate: data.plate(&c.province)?,
                    class,
                    title: format!("{}: {value}", data.province_name(&c.province, lang)),
                    marked: c.strong == Some(true),
                })
            })
            .collect();
        charts::map_svg(geo, &areas, &site.strings.t(lang, "sector_map_lq_alt"))
    });
    let legend = lq_legend(site, lang);
    SectorView {
        summary: site
            .strings
            .t(lang, "sector_summary")
            .replace("{year}", &a.year.to_string())
            .replace(
                "{employees}",
                &num(s.map_or(0, |s| s.employees) as f64, 0, lang),
            )
            .replace("{provinces}", &s.map_or(0, |s| s.provinces).to_string())
            .replace(
                "{hhi}",
                &opt_num(s.and_then(|s| s.hhi_normalised), 3, lang).unwrap_or_else(|| "–".into()),
            ),
        growth: s.and_then(|s| s.growth).map(|g| percent(g, lang)),
        map,
        legend,
        rows: standing.iter().map(|c| row(site, c, lang)).collect(),
    }
}

/// The method section's sentences with the floors filled in, and the data sources.
pub(super) fn method_view(site: &Site, a: &Analysis, lang: &str) -> serde_json::Value {
    let sources: Vec<serde_json::Value> = a
        .sources
        .iter()
        .map(|s| {
            json!({
                "source": s.source, "table": s.table, "retrieved_on": s.retrieved_on,
                "sample": s.is_sample(),
            })
        })
        .collect();
    json!({
        "floor": site.strings.t(lang, "method_floor")
            .replace("{employees}", &num(a.settings.min_employees as f64, 0, lang))
            .replace("{workplaces}", &num(a.settings.min_workplaces as f64, 0, lang)),
        "sources": sources,
    })
}
