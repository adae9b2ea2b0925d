//! Sector analysis: the prominent sectors of each province from employment by province ×
//! NACE division, or of each region from employment by region × activity at whatever level a
//! table has (docs/sectors.md).
//!
//! The rows are split by level (İBBS-1/2/3 × sections or divisions) and each level is analysed
//! on its own. Rows for the whole country (`TR`) and for all activities (`TOTAL`) are not cells
//! but the reference totals of the same table: when present they are E_N, E_iN and E_r.
//!
//! Steps: read the tables and the settings ([`input`]) → national, provincial and sectoral
//! totals per year → per province × sector: focus, location quotient, size rank, the European
//! Cluster Observatory stars, the US Cluster Mapping "strong" flag, growth and shift-share
//! ([`maths`]) → suppression of confidential and below-floor cells → per sector HHI, per
//! province Krugman index → a snapshot (`sectors.json`, `sectors.csv`).

pub mod input;
pub mod maths;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

pub use input::{ActivityLevel, AreaLevel, Count, Record, Settings, Source};
use maths::ShiftShare;

use crate::config::Config;
use crate::diagnostics::Diagnostic;

/// Everything `kume analyse` computes; the JSON snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The geography of the cells: İBBS-3 provinces, İBBS-2 or İBBS-1 regions.
    pub area_level: AreaLevel,
    /// The activities of the cells: divisions, or sections and groups of sections.
    pub activity_level: ActivityLevel,
    /// Whether the stars and the strong flag are computed: their definitions are made for fine
    /// industries (divisions), not for sections.
    pub stars_apply: bool,
    /// True when any row is made-up sample data: every page that shows it must say so.
    pub sample: bool,
    pub year: i32,
    /// The earlier year growth and shift-share are measured from, when there is one.
    pub base_year: Option<i32>,
    pub settings: Settings,
    pub sources: Vec<Source>,
    pub national_employees: u64,
    /// The publisher's flags on the national total, when the table has a `TR`, `TOTAL` row.
    pub national_flags: String,
    pub provinces: Vec<ProvinceResult>,
    pub sectors: Vec<SectorResult>,
    /// Province × sector, ordered by province code then sector code.
    pub cells: Vec<CellResult>,
    /// Activity code → the positions of its cells in `cells`, in area order: an activity's
    /// page looks its cells up, and a scan of every cell for each of ~90 activities showed
    /// in a build's profile.
    #[serde(skip)]
    by_activity: HashMap<String, Vec<usize>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvinceResult {
    pub code: String,
    pub employees: u64,
    /// The flags on the area's `TOTAL` row, when the table has one.
    pub flags: String,
    pub krugman: Option<f64>,
    pub strong_sectors: usize,
    pub starred_sectors: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectorResult {
    pub code: String,
    pub employees: u64,
    /// The flags on the country's row for the activity, when the table has one.
    pub flags: String,
    /// Provinces with employment in the sector (the n of ranks and percentiles).
    pub provinces: usize,
    pub hhi: Option<f64>,
    pub hhi_normalised: Option<f64>,
    pub growth: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// The publisher withheld the figure.
    Confidential,
    /// Fewer employees or workplaces than the floors in the settings.
    BelowFloor,
}

/// The three European Cluster Observatory stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stars {
    /// Employment in the top tenth of provinces.
    pub size: bool,
    /// Location quotient of 2 or more.
    pub specialisation: bool,
    /// Share of the province's employment in the top tenth of provinces.
    pub focus: bool,
}

impl Stars {
    pub fn count(&self) -> u8 {
        u8::from(self.size) + u8::from(self.specialisation) + u8::from(self.focus)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CellResult {
    pub province: String,
    pub sector: String,
    pub employees: Option<u64>,
    pub workplaces: Option<u64>,
    /// The publisher's flags on `employees` (`u` low reliability, `b` break in series, …).
    pub flags: String,
    /// The publisher's flags on `base_employees`.
    pub base_flags: String,
    /// The first year after the base year up to this year whose figure the publisher marks as
    /// a break in series (`b`): growth and shift-share then span a change of method.
    pub series_break: Option<i32>,
    /// Why the figures below are withheld; None when they are published.
    pub suppressed: Option<Suppression>,
    pub focus: Option<f64>,
    pub lq: Option<f64>,
    pub size_rank: Option<usize>,
    pub stars: Option<Stars>,
    pub strong: Option<bool>,
    pub base_employees: Option<u64>,
    pub change: Option<i64>,
    pub growth: Option<f64>,
    pub cagr: Option<f64>,
    pub shift_share: Option<ShiftShare>,
}

impl CellResult {
    pub fn star_count(&self) -> u8 {
        self.stars.map_or(0, |s| s.count())
    }

    pub fn published(&self) -> bool {
        self.suppressed.is_none()
    }
}

/// Reads the tables and computes one analysis per level the tables have (provinces ×
/// divisions first); empty (with no error) when there are no tables.
pub fn load(
    config: &Config,
    lists: &BTreeMap<String, Vec<crate::survey::model::Choice>>,
) -> (Vec<Analysis>, Vec<Diagnostic>) {
    if !input::present(config) {
        return (Vec::new(), Vec::new());
    }
    let mut diags = Vec::new();
    let settings = input::load_settings(config)
        .map_err(|d| diags.push(d))
        .unwrap_or_default();
    let (records, ds) = input::load_tables(config, &input::Codes::from_lists(lists));
    diags.extend(ds);
    if !diags.is_empty() {
        return (Vec::new(), diags);
    }
    (analyse_levels(&records, settings), diags)
}

/// One analysis per (area level, activity level) of the cells, the finest first; the country
/// and `TOTAL` rows serve every level as reference totals.
pub fn analyse_levels(records: &[Record], settings: Settings) -> Vec<Analysis> {
    let (reference, cells): (Vec<&Record>, Vec<&Record>) =
        records.iter().partition(|r| is_reference(r));
    let mut levels: BTreeMap<(AreaLevel, ActivityLevel), Vec<&Record>> = BTreeMap::new();
    for r in cells {
        levels
            .entry((AreaLevel::of(&r.province), ActivityLevel::of(&r.sector)))
            .or_default()
            .push(r);
    }
    let levels: Vec<Vec<&Record>> = levels.into_values().collect();
    let mut out: Vec<Analysis> = levels
        .par_iter()
        .filter_map(|rs| analyse_with(rs, &reference, settings))
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse((a.area_level, a.activity_level)));
    out
}

fn is_reference(r: &Record) -> bool {
    AreaLevel::of(&r.province) == AreaLevel::Country
        || ActivityLevel::of(&r.sector) == ActivityLevel::Total
}

impl Analysis {
    /// The cells of one area: a run of `cells`, which are ordered by area first.
    pub fn area_cells(&self, code: &str) -> &[CellResult] {
        let start = self.cells.partition_point(|c| c.province.as_str() < code);
        let len = self.cells[start..].partition_point(|c| c.province == code);
        &self.cells[start..start + len]
    }

    /// Where `cell` is in `cells`; None when it is not one of this analysis' cells.
    pub fn position_of(&self, cell: &CellResult) -> Option<usize> {
        let range = self.cells.as_ptr_range();
        let at = cell as *const CellResult;
        range
            .contains(&at)
            .then(|| (at as usize - range.start as usize) / std::mem::size_of::<CellResult>())
    }

    /// The cells of one activity, in area order.
    pub fn activity_cells(&self, code: &str) -> impl Iterator<Item = &CellResult> {
        (self.by_activity.get(code).into_iter().flatten()).map(|&i| &self.cells[i])
    }

    /// `ibbs3-division`, `ibbs2-section`: names the level in file names and page data.
    pub fn level_key(&self) -> String {
        format!("{}-{}", self.area_level.key(), self.activity_level.key())
    }
}

fn by_activity(cells: &[CellResult]) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in cells.iter().enumerate() {
        index.entry(c.sector.clone()).or_default().push(i);
    }
    index
}

/// Sums of the known counts of one year.
#[derive(Default)]
struct Totals<'a> {
    province: HashMap<&'a str, f64>,
    sector: HashMap<&'a str, f64>,
    nation: f64,
}

/// The sums of the cells, replaced by the table's own totals where it has them: the area's
/// `TOTAL` row (E_r), the country's row for the activity (E_iN) and the country's `TOTAL` (E_N).
fn totals<'a>(records: &[&'a Record], reference: &[&'a Record], year: i32) -> Totals<'a> {
    let mut t = sums(records, year);
    for r in reference.iter().filter(|r| r.year == year) {
        let Some(e) = r.employees.known() else {
            continue;
        };
        let e = e as f64;
        match (
            AreaLevel::of(&r.province) == AreaLevel::Country,
            ActivityLevel::of(&r.sector) == ActivityLevel::Total,
        ) {
            (true, true) => t.nation = e,
            (true, false) => {
                if let Some(v) = t.sector.get_mut(r.sector.as_str()) {
                    *v = e;
                }
            }
            (false, _) => {
                if let Some(v) = t.province.get_mut(r.province.as_str()) {
                    *v = e;
                }
            }
        }
    }
    t
}

fn sums<'a>(records: &[&'a Record], year: i32) -> Totals<'a> {
    let mut t = Totals::default();
    for r in records.iter().filter(|r| r.year == year) {
        let Some(e) = r.employees.known() else {
            continue;
        };
        let e = e as f64;
        *t.province.entry(&r.province).or_default() += e;
        *t.sector.entry(&r.sector).or_default() += e;
        t.nation += e;
    }
    t
}

/// The distribution of one sector over the provinces with employment in it.
struct SectorSpread {
    employees: Vec<f64>,
    focus: Vec<f64>,
    p75_lq: f64,
    p25_emp: f64,
    p25_est: Option<f64>,
}

fn spreads<'a>(cells: &[&'a Record], t: &Totals<'_>) -> HashMap<&'a str, SectorSpread> {
    let mut grouped: HashMap<&str, Vec<&Record>> = HashMap::new();
    for r in cells {
        if r.employees.known().is_some_and(|e| e > 0) {
            grouped.entry(&r.sector).or_default().push(r);
        }
    }
    grouped
        .into_iter()
        .map(|(sector, rs)| {
            let employees: Vec<f64> = rs.iter().map(|r| known(r)).collect();
            let focus: Vec<f64> = rs
                .iter()
                .map(|r| known(r) / t.province[&*r.province])
                .collect();
            let lq: Vec<f64> = rs.iter().filter_map(|r| lq(r, t)).collect();
            let workplaces: Vec<f64> = rs
                .iter()
                .filter_map(|r| r.workplaces.and_then(Count::known))
                .map(|w| w as f64)
                .collect();
            let stat = |v: &[f64]| crate::aggregate::stats(v);
            let spread = SectorSpread {
                p75_lq: stat(&lq).map_or(f64::INFINITY, |s| s.p75),
                p25_emp: stat(&employees).map_or(f64::INFINITY, |s| s.p25),
                p25_est: stat(&workplaces).map(|s| s.p25),
                employees,
                focus,
            };
            (sector, spread)
        })
        .collect()
}

/// The rows' sources, each once, in order. Rows come in long runs of one source: comparing
/// with the run's source first saves sorting every row's.
fn distinct_sources(records: &[&Record]) -> Vec<Source> {
    let mut sources: Vec<&Source> = Vec::new();
    for r in records {
        if sources.last() != Some(&&r.source) {
            sources.push(&r.source);
        }
    }
    sources.sort();
    sources.dedup();
    sources.into_iter().cloned().collect()
}

fn known(r: &Record) -> f64 {
    r.employees.known().unwrap_or(0) as f64
}

fn lq(r: &Record, t: &Totals<'_>) -> Option<f64> {
    maths::location_quotient(
        r.employees.known()? as f64,
        *t.province.get(&*r.province)?,
        *t.sector.get(&*r.sector)?,
        t.nation,
    )
}

/// Computes every figure from the rows of one level; None when there are none.
pub fn analyse(records: &[Record], settings: Settings) -> Option<Analysis> {
    analyse_with(&records.iter().collect::<Vec<_>>(), &[], settings)
}

/// [`analyse`] with the table's own totals (`reference`: country and `TOTAL` rows).
pub fn analyse_with(
    records: &[&Record],
    reference: &[&Record],
    settings: Settings,
) -> Option<Analysis> {
    let first = records.first()?;
    let (area_level, activity_level) = (
        AreaLevel::of(&first.province),
        ActivityLevel::of(&first.sector),
    );
    let stars_apply = activity_level == ActivityLevel::Division;
    let years: BTreeSet<i32> = records.iter().map(|r| r.year).collect();
    let year = *years.last()?;
    let base_year = years.first().copied().filter(|b| *b != year);
    let now = totals(records, reference, year);
    let base = base_year
        .map(|b| totals(records, reference, b))
        .unwrap_or_default();
    let current: Vec<&Record> = records.iter().filter(|r| r.year == year).copied().collect();
    let base_cells: HashMap<(&str, &str), &Record> = records
        .iter()
        .filter(|r| Some(r.year) == base_year)
        .map(|r| ((r.province.as_str(), r.sector.as_str()), *r))
        .collect();
    let spread = spreads(&current, &now);
    let growth_ctx = base_year.map(|b| Growth {
        years: year - b,
        nation: maths::growth(base.nation, now.nation),
        base: &base,
        now: &now,
        settings,
    });
    let mut cells: Vec<CellResult> = current
        .iter()
        .map(|r| {
            let mut c = cell(r, &now, spread.get(&*r.sector), settings);
            if !stars_apply {
                (c.stars, c.strong) = (None, None);
            }
            if let (Some(g), Some(b)) = (&growth_ctx, base_cells.get(&(&*r.province, &*r.sector))) {
                g.apply(&mut c, b);
            }
            c
        })
        .collect();
    cells.sort_by(|a, b| (&a.province, &a.sector).cmp(&(&b.province, &b.sector)));
    let sources = distinct_sources(records);
    // The reference rows of the year by area and activity: one lookup per province and sector.
    let mut reference_flags: HashMap<(&str, &str), &str> = HashMap::new();
    for r in reference.iter().filter(|r| r.year == year) {
        reference_flags
            .entry((r.province.as_str(), r.sector.as_str()))
            .or_insert(r.flags.as_str());
    }
    let flags_of = |area: &str, activity: &str| {
        (reference_flags.get(&(area, activity)).copied())
            .unwrap_or_default()
            .to_string()
    };
    let mut provinces = province_results(&now, &cells);
    for p in &mut provinces {
        p.flags = flags_of(&p.code, input::TOTAL);
    }
    let mut sectors = sector_results(&now, &base, base_year.is_some(), &spread);
    for s in &mut sectors {
        s.flags = flags_of(input::COUNTRY, &s.code);
    }
    if let Some(b) = base_year {
        let breaks: BTreeMap<(&str, &str), i32> = records
            .iter()
            .filter(|r| r.year > b && r.year <= year && r.flags.contains('b'))
            .fold(BTreeMap::new(), |mut m, r| {
                let first = m
                    .entry((r.province.as_str(), r.sector.as_str()))
                    .or_insert(r.year);
                *first = (*first).min(r.year);
                m
            });
        for c in cells.iter_mut().filter(|c| c.growth.is_some()) {
            c.series_break = breaks
                .get(&(c.province.as_str(), c.sector.as_str()))
                .copied();
        }
    }
    Some(Analysis {
        area_level,
        activity_level,
        stars_apply,
        sample: sources.iter().any(|s| s.is_sample()),
        year,
        base_year,
        settings,
        sources,
        national_employees: now.nation as u64,
        national_flags: flags_of(input::COUNTRY, input::TOTAL),
        provinces,
        sectors,
        by_activity: by_activity(&cells),
        cells,
    })
}

fn cell(r: &Record, t: &Totals<'_>, spread: Option<&SectorSpread>, s: Settings) -> CellResult {
    let workplaces = r.workplaces.and_then(Count::known);
    let mut c = CellResult {
        province: r.province.clone(),
        sector: r.sector.clone(),
        employees: r.employees.known(),
        workplaces,
        flags: r.flags.clone(),
        base_flags: String::new(),
        series_break: None,
        suppressed: None,
        focus: None,
        lq: None,
        size_rank: None,
        stars: None,
        strong: None,
        base_employees: None,
        change: None,
        growth: None,
        cagr: None,
        shift_share: None,
    };
    let Some(e) = r.employees.known() else {
        c.suppressed = Some(Suppression::Confidential);
        return c;
    };
    if e < s.min_employees || workplaces.is_some_and(|w| w < s.min_workplaces) {
        c.suppressed = Some(Suppression::BelowFloor);
        return c;
    }
    let (Some(sp), Some(lq)) = (spread, lq(r, t)) else {
        return c;
    };
    let e = e as f64;
    let focus = e / t.province[&*r.province];
    let n = sp.employees.len();
    let size_rank = maths::rank_descending(&sp.employees, e);
    c.focus = Some(focus);
    c.lq = Some(lq);
    c.size_rank = Some(size_rank);
    c.stars = Some(Stars {
        size: maths::in_top_tenth(size_rank, n),
        specialisation: lq >= 2.0,
        focus: maths::in_top_tenth(maths::rank_descending(&sp.focus, focus), n),
    });
    c.strong = match (workplaces, sp.p25_est) {
        (Some(w), Some(p25_est)) => Some(maths::strong(
            lq, sp.p75_lq, e, sp.p25_emp, w as f64, p25_est,
        )),
        _ => None,
    };
    c
}

/// What growth and shift-share need: the base year's totals and the national growth.
struct Growth<'a> {
    years: i32,
    nation: Option<f64>,
    base: &'a Totals<'a>,
    now: &'a Totals<'a>,
    settings: Settings,
}

impl Growth<'_> {
    /// Growth is published for cells published now whose base-year figure is known and at or
    /// above the employment floor too.
    fn apply(&self, c: &mut CellResult, base: &Record) {
        let (Some(e1), Some(e0)) = (c.employees, base.employees.known()) else {
            return;
        };
        if !c.published() || e0 < self.settings.min_employees {
            return;
        }
        let (f0, f1) = (e0 as f64, e1 as f64);
        c.base_employees = Some(e0);
        c.base_flags = base.flags.clone();
        c.change = Some(e1 as i64 - e0 as i64);
        c.growth = maths::growth(f0, f1);
        c.cagr = maths::cagr(f0, f1, self.years);
        let g_in = self.base.sector.get(&*c.sector).and_then(|b| {
            maths::growth(*b, self.now.sector.get(&*c.sector).copied().unwrap_or(0.0))
        });
        if let (Some(g_n), Some(g_in), Some(g_ir)) = (self.nation, g_in, c.growth) {
            c.shift_share = Some(maths::shift_share(f0, g_n, g_in, g_ir));
        }
    }
}

fn province_results(now: &Totals<'_>, cells: &[CellResult]) -> Vec<ProvinceResult> {
    let sectors: BTreeMap<&str, f64> = now.sector.iter().map(|(k, v)| (*k, *v)).collect();
    let mut by_province: BTreeMap<&str, Vec<&CellResult>> = BTreeMap::new();
    for c in cells {
        by_province.entry(&c.province).or_default().push(c);
    }
    by_province
        .into_iter()
        .map(|(code, cs)| {
            let e_r = now.province.get(code).copied().unwrap_or(0.0);
            let own: HashMap<&str, f64> = cs
                .iter()
                .map(|c| (c.sector.as_str(), c.employees.unwrap_or(0) as f64))
                .collect();
            let pairs: Vec<(f64, f64)> = sectors
                .iter()
                .map(|(s, e_in)| (own.get(s).copied().unwrap_or(0.0), *e_in))
                .collect();
            ProvinceResult {
                code: code.to_string(),
                employees: e_r as u64,
                flags: String::new(),
                krugman: maths::krugman(&pairs, e_r, now.nation),
                strong_sectors: cs.iter().filter(|c| c.strong == Some(true)).count(),
                starred_sectors: cs.iter().filter(|c| c.star_count() > 0).count(),
            }
        })
        .collect()
}

fn sector_results(
    now: &Totals<'_>,
    base: &Totals<'_>,
    has_base: bool,
    spread: &HashMap<&str, SectorSpread>,
) -> Vec<SectorResult> {
    let provinces = now.province.len();
    let mut out: Vec<SectorResult> = now
        .sector
        .iter()
        .map(|(code, e)| {
            let parts = spread
                .get(code)
                .map(|s| s.employees.as_slice())
                .unwrap_or_default();
            let h = maths::hhi(parts, provinces);
            SectorResult {
                code: code.to_string(),
                employees: *e as u64,
                flags: String::new(),
                provinces: parts.len(),
                hhi: h.map(|h| h.0),
                hhi_normalised: h.map(|h| h.1),
                growth: has_base
                    .then(|| base.sector.get(code).and_then(|b| maths::growth(*b, *e)))
                    .flatten(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The file name stem of one level's snapshot: `sectors` for provinces × divisions (the
/// original table), `sectors-ibbs2-section` and so on for the others.
pub fn snapshot_stem(analysis: &Analysis) -> String {
    if (analysis.area_level, analysis.activity_level) == (AreaLevel::Ibbs3, ActivityLevel::Division)
    {
        "sectors".to_string()
    } else {
        format!("sectors-{}", analysis.level_key())
    }
}

/// Writes `<stem>.json` (everything) and `<stem>.csv` (one row per area × activity) for each
/// level.
pub fn write_snapshot(analyses: &[Analysis], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for analysis in analyses {
        let stem = snapshot_stem(analysis);
        let json = serde_json::to_string_pretty(analysis).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("{stem}.json")), json + "\n")?;
        std::fs::write(dir.join(format!("{stem}.csv")), cells_csv(analysis)?)?;
    }
    Ok(())
}

/// The cells as CSV, numbers unrounded, empty where withheld.
pub fn cells_csv(analysis: &Analysis) -> std::io::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let divisions = analysis.activity_level == ActivityLevel::Division;
    let provinces = analysis.area_level == AreaLevel::Ibbs3;
    w.write_record([
        "year",
        if provinces { "ibbs3" } else { "region" },
        if divisions { "nace2" } else { "activity" },
        "employees",
        "flags",
        "workplaces",
        "suppressed",
        "focus",
        "lq",
        "size_rank",
        "star_size",
        "star_specialisation",
        "star_focus",
        "strong",
        "base_year",
        "base_employees",
        "change",
        "growth",
        "cagr",
        "shift_national",
        "shift_industry_mix",
        "shift_regional",
        "sample",
    ])?;
    let opt = |x: Option<String>| x.unwrap_or_default();
    for c in &analysis.cells {
        let star = |f: fn(&Stars) -> bool| opt(c.stars.as_ref().map(|s| f(s).to_string()));
        let ss = |f: fn(&ShiftShare) -> f64| opt(c.shift_share.as_ref().map(|s| f(s).to_string()));
        w.write_record([
            analysis.year.to_string(),
            c.province.clone(),
            c.sector.clone(),
            opt(c.employees.map(|x| x.to_string())),
            c.flags.clone(),
            opt(c.workplaces.map(|x| x.to_string())),
            opt(c.suppressed.map(|s| match s {
                Suppression::Confidential => "confidential".into(),
                Suppression::BelowFloor => "below_floor".into(),
            })),
            opt(c.focus.map(|x| x.to_string())),
            opt(c.lq.map(|x| x.to_string())),
            opt(c.size_rank.map(|x| x.to_string())),
            star(|s| s.size),
            star(|s| s.specialisation),
            star(|s| s.focus),
            opt(c.strong.map(|x| x.to_string())),
            opt(analysis.base_year.map(|x| x.to_string())),
            opt(c.base_employees.map(|x| x.to_string())),
            opt(c.change.map(|x| x.to_string())),
            opt(c.growth.map(|x| x.to_string())),
            opt(c.cagr.map(|x| x.to_string())),
            ss(|s| s.national),
            ss(|s| s.industry_mix),
            ss(|s| s.regional),
            analysis.sample.to_string(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(year: i32, province: &str, sector: &str, e: Count, w: u64) -> Record {
        Record {
            year,
            province: province.into(),
            sector: sector.into(),
            employees: e,
            workplaces: Some(Count::Known(w)),
            flags: String::new(),
            source: Source {
                source: "sample".into(),
                table: String::new(),
                retrieved_on: String::new(),
            },
        }
    }

    /// Three provinces (A, B, C) × two sectors (10, 20), two years:
    ///
    /// | 2024 | 10  | 20  | total |      | 2023 | 10  | 20  |
    /// | A    | 300 | 100 | 400   |      | A    | 200 | 100 |
    /// | B    | 100 | 300 | 400   |      | B    | 100 | 200 |
    /// | C    | 100 | 100 | 200   |      | C    | 100 | 100 |
    /// | all  | 500 | 500 | 1000  |      | all  | 400 | 400 |
    fn table() -> Vec<Record> {
        let k = Count::Known;
        let mut rows = Vec::new();
        for (y, a10, a20, b10, b20) in [(2024, 300, 100, 100, 300), (2023, 200, 100, 100, 200)] {
            rows.push(row(y, "A", "10", k(a10), 30));
            rows.push(row(y, "A", "20", k(a20), 10));
            rows.push(row(y, "B", "10", k(b10), 10));
            rows.push(row(y, "B", "20", k(b20), 30));
            rows.push(row(y, "C", "10", k(100), 10));
            rows.push(row(y, "C", "20", k(100), 10));
        }
        rows
    }

    fn cell<'a>(a: &'a Analysis, p: &str, s: &str) -> &'a CellResult {
        a.cells
            .iter()
            .find(|c| c.province == p && c.sector == s)
            .unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn an_area_finds_its_run_of_cells() {
        let a = analyse(&table(), Settings::default()).unwrap();
        let sectors = |code: &str| -> Vec<&str> {
            a.area_cells(code)
                .iter()
                .map(|c| c.sector.as_str())
                .collect()
        };
        assert_eq!(sectors("A"), ["10", "20"]);
        assert_eq!(sectors("C"), ["10", "20"]);
        assert!(a.area_cells("B").iter().all(|c| c.province == "B"));
        assert!(a.area_cells("D").is_empty());
    }

    #[test]
    fn an_activity_finds_its_cells_in_area_order() {
        let a = analyse(&table(), Settings::default()).unwrap();
        let provinces = |code: &str| -> Vec<&str> {
            a.activity_cells(code)
                .map(|c| c.province.as_str())
                .collect()
        };
        assert_eq!(provinces("10"), ["A", "B", "C"]);
        assert_eq!(provinces("20"), ["A", "B", "C"]);
        assert!(a.activity_cells("20").all(|c| c.sector == "20"));
        assert_eq!(provinces("99"), Vec::<&str>::new());
    }

    #[test]
    fn a_cell_is_found_at_its_position_and_a_copy_is_not() {
        let a = analyse(&table(), Settings::default()).unwrap();
        for (i, c) in a.cells.iter().enumerate() {
            assert_eq!(a.position_of(c), Some(i));
        }
        let copy = a.cells[1].clone();
        assert_eq!(a.position_of(&copy), None);
        let other = analyse(&table(), Settings::default()).unwrap();
        assert_eq!(a.position_of(&other.cells[0]), None);
    }

    #[test]
    fn pins_every_figure_on_a_small_table() {
        let a = analyse(&table(), Settings::default()).unwrap();
        assert_eq!(
            (a.year, a.base_year, a.national_employees),
            (2024, Some(2023), 1000)
        );
        let a10 = cell(&a, "A", "10");
        // LQ = (300/400) / (500/1000) = 1.5; focus 0.75.
        close(a10.lq.unwrap(), 1.5);
        close(a10.focus.unwrap(), 0.75);
        assert_eq!(a10.size_rank, Some(1));
        // n = 3 → the top tenth is rank 1: size and focus stars; LQ < 2: no specialisation.
        assert_eq!(
            a10.stars,
            Some(Stars {
                size: true,
                specialisation: false,
                focus: true
            })
        );
        // LQs of sector 10: 1.5, 0.5, 1.0 → P75 = 1.25; emp 300 > P25 100; est 30 > P25 10.
        assert_eq!(a10.strong, Some(true));
        // C: LQ = (100/200)/(0.5) = 1.0 ≥ 1 but below P75 1.25 and at P25 of employment.
        assert_eq!(cell(&a, "C", "10").strong, Some(false));
        close(cell(&a, "C", "10").lq.unwrap(), 1.0);
        // Growth of A/10: 200 → 300 = +50 %; nation 800 → 1000 = +25 %; sector 10: 400 → 500 = +25 %.
        close(a10.growth.unwrap(), 0.5);
        assert_eq!(a10.change, Some(100));
        let ss = a10.shift_share.unwrap();
        close(ss.national, 50.0);
        close(ss.industry_mix, 0.0);
        close(ss.regional, 50.0);
        // HHI of sector 10: 0.6² + 0.2² + 0.2² = 0.44; normalised (0.44 − 1/3)/(2/3) = 0.16.
        let s10 = a.sectors.iter().find(|s| s.code == "10").unwrap();
        close(s10.hhi.unwrap(), 0.44);
        close(s10.hhi_normalised.unwrap(), 0.16);
        // Krugman of A: |0.75 − 0.5| + |0.25 − 0.5| = 0.5; of C: 0.
        let k = |p: &str| {
            a.provinces
                .iter()
                .find(|x| x.code == p)
                .unwrap()
                .krugman
                .unwrap()
        };
        close(k("A"), 0.5);
        close(k("C"), 0.0);
        assert!(a.sample);
    }

    #[test]
    fn confidential_and_small_cells_are_withheld() {
        let mut rows = table();
        rows[0].employees = Count::Confidential;
        let settings = Settings {
            min_employees: 150,
            min_workplaces: 3,
        };
        let a = analyse(&rows, settings).unwrap();
        let a10 = cell(&a, "A", "10");
        assert_eq!(a10.suppressed, Some(Suppression::Confidential));
        assert_eq!((a10.employees, a10.lq), (None, None));
        let c10 = cell(&a, "C", "10");
        assert_eq!(c10.suppressed, Some(Suppression::BelowFloor));
        assert_eq!((c10.lq, c10.stars, c10.strong), (None, None, None));
        // The withheld cell is left out of the totals: the nation now has 700 jobs.
        assert_eq!(a.national_employees, 700);
    }

    fn flagged(year: i32, area: &str, activity: &str, e: u64, flags: &str) -> Record {
        Record {
            workplaces: None,
            flags: flags.into(),
            ..row(year, area, activity, Count::Known(e), 0)
        }
    }

    /// Two İBBS-2 regions × two sections, with the table's own totals that exceed the sums
    /// (activities the table leaves out):
    ///
    /// | 2015 | B-E | F   | TOTAL |      | 2014 | B-E | F   | TOTAL |
    /// | TR41 | 300 | 100 | 500   |      | TR41 | 200 | 100 | 400   |
    /// | TR42 | 100 | 100 | 300   |      | TR42 | 100 | 100 | 300   |
    /// | TR   | 400 | 200 | 1000  |      | TR   | 300 | 200 | 800   |
    #[test]
    fn a_region_table_uses_its_own_totals_and_leaves_out_the_stars() {
        let mut rows = Vec::new();
        for (y, f) in [(2015, "b"), (2014, "")] {
            let (b41, t41, t_be, t) = if y == 2015 {
                (300, 500, 400, 1000)
            } else {
                (200, 400, 300, 800)
            };
            rows.push(flagged(y, "TR41", "B-E", b41, f));
            rows.push(flagged(y, "TR41", "F", 100, "u"));
            rows.push(flagged(y, "TR42", "B-E", 100, ""));
            rows.push(flagged(y, "TR42", "F", 100, ""));
            rows.push(flagged(y, "TR41", "TOTAL", t41, ""));
            rows.push(flagged(y, "TR42", "TOTAL", 300, ""));
            rows.push(flagged(y, "TR", "B-E", t_be, ""));
            rows.push(flagged(y, "TR", "F", 200, ""));
            rows.push(flagged(y, "TR", "TOTAL", t, "p"));
        }
        let levels = analyse_levels(&rows, Settings::default());
        assert_eq!(
            levels.len(),
            1,
            "country and TOTAL rows are reference totals, not cells"
        );
        let a = &levels[0];
        assert_eq!(a.level_key(), "ibbs2-section");
        assert!(!a.stars_apply);
        assert_eq!(
            (a.national_employees, a.national_flags.as_str()),
            (1000, "p")
        );
        let c = cell(a, "TR41", "B-E");
        // (300 / 500) / (400 / 1000) = 1.5, from the table's totals (the sums would give 1.2).
        close(c.lq.unwrap(), 1.5);
        assert_eq!((c.stars, c.strong), (None, None));
        assert_eq!((c.flags.as_str(), c.series_break), ("b", Some(2015)));
        assert_eq!(cell(a, "TR41", "F").flags, "u");
        // g_N = 1000/800 − 1 = 0.25, g_iN = 400/300 − 1, g_ir = 300/200 − 1 = 0.5.
        let ss = c.shift_share.unwrap();
        close(ss.national, 50.0);
        close(ss.industry_mix, 200.0 * (1.0 / 3.0 - 0.25));
        close(ss.regional, 200.0 * (0.5 - 1.0 / 3.0));
        let tr41 = a.provinces.iter().find(|p| p.code == "TR41").unwrap();
        assert_eq!(tr41.employees, 500);
    }
}
