//! `kume aggregate`: from stored responses to the public snapshot of the benchmarking system.
//!
//! Steps: compile the indicators against their surveys → read final responses once, in order
//! (a cluster's latest manager response per wave; every member firm's answers evaluated on the
//! spot, never kept) → per cluster × wave values, suppressed under k firms → per indicator ×
//! wave distributions for all clusters and per peer group (maturity, NACE section, region),
//! suppressed under 5 clusters → percentile ranks, traffic lights and change since the
//! previous wave. The snapshot holds numbers only: no free text, no individual response.

use crate::data::registry as model;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::ProjectData;
use crate::diagnostics::Diagnostic;
use crate::survey::compile::Compiled;
use crate::survey::evaluate::to_value;
use crate::survey::expr::{self, Expr, Value};
use crate::text::did_you_mean;
use model::{Data, Direction, Indicator, Stat};

/// Peer statistics over fewer clusters than this are withheld.
pub const MIN_PEERS: usize = 5;

/// An indicator ready to evaluate.
enum Rule {
    /// One value per cluster-manager response.
    PerResponse(Expr),
    /// A value per member firm, then a statistic over the cluster's firms.
    PerFirm {
        value: Expr,
        stat: Stat,
        divide_by: Option<Expr>,
    },
}

struct IndicatorRule {
    index: usize,
    survey: String,
    rule: Rule,
}

/// Parses every indicator's expressions and checks that they name questions of their survey.
fn compile(data: &Data, surveys: &[Compiled]) -> (Vec<IndicatorRule>, Vec<Diagnostic>) {
    let file = model::INDICATORS_FILE;
    let mut diags = Vec::new();
    let mut out = Vec::new();
    for (index, ind) in data.indicators.iter().enumerate() {
        let Some(survey) = surveys.iter().find(|s| s.survey.id == ind.survey) else {
            let ids: Vec<&str> = surveys.iter().map(|s| s.survey.id.as_str()).collect();
            let help = did_you_mean(&ind.survey, ids.iter().copied()).map_or_else(
                || format!("surveys: {}", ids.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            diags.push(
                Diagnostic::error(
                    file,
                    format!("indicator {}: unknown survey `{}`", ind.id, ind.survey),
                )
                .help(help),
            );
            continue;
        };
        let names = known_names(survey);
        let mut parse = |what: &str, src: &str| -> Option<Expr> {
            match expr::parse(src) {
                Ok(e) => {
                    for r in expr::refs(&e) {
                        if !names.contains(&r) {
                            let help = did_you_mean(&r, names.iter().map(String::as_str))
                                .map_or_else(
                                    || "use a question id of the survey".to_string(),
                                    |s| format!("did you mean `{s}`?"),
                                );
                            diags.push(Diagnostic::error(file, format!("indicator {}: {what} names `{r}`, which is not a question of `{}`", ind.id, ind.survey)).help(help));
                            return None;
                        }
                    }
                    Some(e)
                }
                Err(e) => {
                    diags.push(Diagnostic::error(
                        file,
                        format!("indicator {}: {what}: {}", ind.id, e.message),
                    ));
                    None
                }
            }
        };
        let rule = match (&ind.formula, &ind.value, ind.stat) {
            (Some(f), None, None) => parse("formula", f).map(Rule::PerResponse),
            (None, Some(v), Some(stat)) => {
                let value = parse("value", v);
                let divide_by = ind.divide_by.as_ref().map(|d| parse("divide_by", d));
                match (value, divide_by) {
                    (Some(value), None) => Some(Rule::PerFirm {
                        value,
                        stat,
                        divide_by: None,
                    }),
                    (Some(value), Some(Some(d))) => Some(Rule::PerFirm {
                        value,
                        stat,
                        divide_by: Some(d),
                    }),
                    _ => None,
                }
            }
            _ => {
                diags.push(
                    Diagnostic::error(file, format!("indicator {}: give either `formula` or `value` with `stat`", ind.id))
                        .help("`formula` is computed per cluster-manager response; `value` per member firm, then `stat` over the cluster"),
                );
                None
            }
        };
        if let Some(rule) = rule {
            out.push(IndicatorRule {
                index,
                survey: ind.survey.clone(),
                rule,
            });
        }
    }
    (out, diags)
}

/// Question ids and likert/grid cell ids of a survey.
fn known_names(survey: &Compiled) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for q in survey.survey.questions() {
        names.insert(q.id.clone());
        for r in &q.rows {
            names.insert(format!("{}.{}", q.id, r.id));
            for c in &q.columns {
                names.insert(format!("{}.{}.{}", q.id, r.id, c.id));
            }
        }
    }
    names
}

/// Checks the benchmarking data for `kume check`.
pub fn check(registry: &Data, surveys: &[Compiled]) -> Vec<Diagnostic> {
    compile(registry, surveys).1
}

/// Statistics of a distribution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
}

/// Percentile by linear interpolation between closest ranks (sorted input).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub fn stats(values: &[f64]) -> Option<Stats> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Stats {
        n: v.len(),
        min: v[0],
        p25: percentile(&v, 0.25),
        median: percentile(&v, 0.5),
        p75: percentile(&v, 0.75),
        max: v[v.len() - 1],
    })
}

/// Share of the group at or below `x`, counting ties as half: 0–100.
pub fn percentile_rank(values: &[f64], x: f64) -> f64 {
    let below = values.iter().filter(|v| **v < x).count() as f64;
    let equal = values.iter().filter(|v| **v == x).count() as f64;
    (below + 0.5 * equal) / values.len() as f64 * 100.0
}

/// Green at or above P75, red below P25, yellow between; reversed when lower is better.
pub fn light(direction: Direction, s: &Stats, x: f64) -> Option<&'static str> {
    match direction {
        Direction::Context => None,
        Direction::Up if x >= s.p75 => Some("green"),
        Direction::Up if x < s.p25 => Some("red"),
        Direction::Down if x <= s.p25 => Some("green"),
        Direction::Down if x > s.p75 => Some("red"),
        _ => Some("yellow"),
    }
}

/// One cluster's value of one indicator in one wave.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterValue {
    pub cluster: String,
    pub wave: i64,
    pub indicator: String,
    /// None when withheld (fewer than k firms) or not answered.
    pub value: Option<f64>,
    /// Responses behind the value.
    pub n: usize,
    pub suppressed: bool,
    pub percentile: Option<f64>,
    pub light: Option<String>,
    /// Since the previous wave.
    pub change: Option<f64>,
}

/// A distribution of one indicator in one wave over a group of clusters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Distribution {
    pub indicator: String,
    pub wave: i64,
    /// `all`, `maturity:gelisen`, `section:C`, `region:TR8`.
    pub group: String,
    pub n: usize,
    /// None when the group has fewer than 5 clusters.
    pub stats: Option<Stats>,
}

/// The share of one group of respondents that chose one option.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NeedShare {
    pub question: String,
    pub code: String,
    pub count: usize,
    /// 0–100.
    pub share: f64,
}

/// One group of needs-assessment respondents (`all`, `kurum_turu:universite`, `il:TR831`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NeedsGroup {
    pub wave: i64,
    pub group: String,
    pub n: usize,
    /// Empty when the group has fewer than k respondents.
    pub shares: Vec<NeedShare>,
}

/// What `note` says in a snapshot made from sample answers, in both languages of the site:
/// the open data travels without the pages that explain it.
pub const SAMPLE_NOTE: &str = "Örnek veri: gösterim amacıyla örnek kümeler için uydurulmuş yanıtlardan hesaplanmıştır; gerçek bir kümenin sonucu değildir. / Sample data: computed from answers invented for sample clusters, for demonstration; not the result of any real cluster.";

/// The public snapshot: numbers only.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Snapshot {
    /// True when any value comes from a cluster marked `sample: true`: its national and group
    /// statistics then mix invented answers in, so the whole snapshot is sample data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sample: bool,
    /// Why `sample` is set, for a reader of the file alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub k: usize,
    pub waves: Vec<i64>,
    pub values: Vec<ClusterValue>,
    pub distributions: Vec<Distribution>,
    #[serde(default)]
    pub needs: Vec<NeedsGroup>,
}

impl Snapshot {
    pub fn latest_wave(&self) -> Option<i64> {
        self.waves.last().copied()
    }

    /// Sets `sample` and its note when any value comes from a sample cluster.
    pub fn mark_sample(&mut self, is_sample: impl Fn(&str) -> bool) {
        if self.values.iter().any(|v| is_sample(&v.cluster)) {
            self.sample = true;
            self.note = Some(SAMPLE_NOTE.to_string());
        }
    }
}

/// What a cluster's peer groups are, from the registry and the built-in lists.
fn peer_groups(project: &ProjectData) -> HashMap<String, Vec<String>> {
    let attr = |list: &str, code: &str, key: &str| -> Option<String> {
        project.choice(list, code)?.attrs.get(key).cloned()
    };
    project
        .registry
        .clusters
        .iter()
        .map(|c| {
            let mut groups = vec!["all".to_string()];
            if let Some(m) = &c.maturity {
                groups.push(format!("maturity:{m}"));
            }
            if let Some(section) = c
                .nace
                .first()
                .and_then(|d| attr("nace_bolumleri", d, "section"))
            {
                groups.push(format!("section:{section}"));
            }
            if let Some(region) = attr("iller", &c.province, "ibbs1") {
                groups.push(format!("region:{region}"));
            }
            (c.id.clone(), groups)
        })
        .collect()
}

/// A stored answer as the indicator formulas see it. A code picked twice counts once: rows
/// stored before the collector refused repeated codes cannot inflate a share.
fn answer_value(v: &serde_json::Value) -> Value {
    match to_value(v) {
        Value::List(items)
            if v.as_array()
                .is_some_and(|a| a.iter().all(|i| i.is_string())) =>
        {
            let mut distinct: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                if !distinct.contains(&item) {
                    distinct.push(item);
                }
            }
            Value::List(distinct)
        }
        other => other,
    }
}

/// Per firm: the value and the divisor of a ratio-of-sums indicator.
#[derive(Default)]
struct FirmValues {
    values: Vec<f64>,
    divisors: Vec<f64>,
}

/// Runs the aggregation over the database at `db`.
pub fn aggregate<E: std::fmt::Display>(
    project: &ProjectData,
    surveys: &[Compiled],
    responses: impl FnOnce(&mut dyn FnMut(StoredAnswer)) -> Result<(), E>,
    k: usize,
) -> Result<(Snapshot, Vec<Diagnostic>), Vec<Diagnostic>> {
    let data = &project.registry;
    let (rules, mut diags) = compile(data, surveys);
    if diags
        .iter()
        .any(|d| d.severity == crate::diagnostics::Severity::Error)
    {
        return Err(diags);
    }
    let known: BTreeSet<&str> = data.clusters.iter().map(|c| c.id.as_str()).collect();
    let mut collected = Collected::default();
    let mut needs_tally = NeedsTally::default();
    let needs_spec = data.needs.as_ref();
    responses(&mut |r: StoredAnswer| {
        let serde_json::Value::Object(answers) = &r.answers else {
            return;
        };
        if let Some(spec) = needs_spec.filter(|s| s.survey == r.survey) {
            needs_tally.add(spec, r.wave, answers);
        }
        let Some(cluster) = &r.cluster else {
            return;
        };
        if !known.contains(cluster.as_str()) {
            collected.unknown_clusters.insert(cluster.clone());
            return;
        }
        collected.waves.insert(r.wave);
        collected.apply(&rules, &r.survey, cluster, r.wave, answers);
    })
    .map_err(|e| {
        vec![
            Diagnostic::error("responses", format!("cannot read the responses: {e}")).help(
                "nothing was published; check the database (`kume backup` copies it safely) and run again",
            ),
        ]
    })?;
    for c in &collected.unknown_clusters {
        diags.push(
            Diagnostic::warning(
                model::CLUSTERS_DIR,
                format!("responses of cluster `{c}` are left out: it is not in the registry"),
            )
            .help(format!("add site/data/clusters/{c}.yaml")),
        );
    }
    let mut values = cluster_values(data, collected.per_response, collected.per_firm, k);
    let waves: Vec<i64> = collected.waves.into_iter().collect();
    let groups = peer_groups(project);
    let distributions = distributions(data, &values, &waves, &groups);
    rank(data, &mut values, &distributions, &waves);
    let needs = needs_tally.finish(k);
    let mut snapshot = Snapshot {
        k,
        waves,
        values,
        distributions,
        needs,
        ..Snapshot::default()
    };
    let sample_ids = data.sample_ids();
    snapshot.mark_sample(|cluster| sample_ids.contains(cluster));
    Ok((snapshot, diags))
}

/// What the read loop gathers, keyed by (indicator, cluster, wave): the latest manager value,
/// or every firm's value.
#[derive(Default)]
struct Collected {
    per_response: HashMap<(usize, String, i64), Option<f64>>,
    per_firm: HashMap<(usize, String, i64), FirmValues>,
    /// Clusters that answered but are not in the registry.
    unknown_clusters: BTreeSet<String>,
    waves: BTreeSet<i64>,
}

/// A stored final answer, as the aggregation reads it (from the response store).
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub survey: String,
    pub wave: i64,
    pub cluster: Option<String>,
    pub answers: serde_json::Value,
}

impl Collected {
    /// Applies the rules of `survey` to one response's answers.
    fn apply(
        &mut self,
        rules: &[IndicatorRule],
        survey: &str,
        cluster: &str,
        wave: i64,
        answers: &serde_json::Map<String, serde_json::Value>,
    ) {
        let lookup = |name: &str| answers.get(name).map_or(Value::Blank, answer_value);
        for r in rules.iter().filter(|r| r.survey == survey) {
            let key = (r.index, cluster.to_string(), wave);
            match &r.rule {
                Rule::PerResponse(e) => {
                    self.per_response
                        .insert(key, number(&expr::eval(e, &lookup)));
                }
                Rule::PerFirm {
                    value,
                    stat,
                    divide_by,
                } => {
                    let v = expr::eval(value, &lookup);
                    let slot = self.per_firm.entry(key).or_default();
                    let x = match (stat, &v) {
                        (Stat::Share, _) => Some(if expr::is_truthy(&v) { 100.0 } else { 0.0 }),
                        _ => number(&v),
                    };
                    let d = divide_by.as_ref().map(|d| number(&expr::eval(d, &lookup)));
                    // A ratio of sums counts only firms that answered both parts.
                    match (x, d) {
                        (Some(x), None) => slot.values.push(x),
                        (Some(x), Some(Some(d))) => {
                            slot.values.push(x);
                            slot.divisors.push(d);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// One value per (indicator, cluster, wave), in a stable order.
fn cluster_values(
    data: &Data,
    per_response: HashMap<(usize, String, i64), Option<f64>>,
    per_firm: HashMap<(usize, String, i64), FirmValues>,
    k: usize,
) -> Vec<ClusterValue> {
    let mut values: Vec<ClusterValue> = Vec::new();
    for ((index, cluster, wave), v) in per_response {
        values.push(cluster_value(
            &data.indicators[index],
            cluster,
            wave,
            v,
            1,
            k,
        ));
    }
    for ((index, cluster, wave), firms) in per_firm {
        let ind = &data.indicators[index];
        let n = firms.values.len();
        values.push(cluster_value(
            ind,
            cluster,
            wave,
            firm_stat(ind, &firms),
            n,
            k,
        ));
    }
    values.sort_by(|a, b| {
        (&a.indicator, &a.cluster, a.wave).cmp(&(&b.indicator, &b.cluster, b.wave))
    });
    values
}

/// The needs-assessment answers counted per wave and group, as they stream past.
#[derive(Default)]
struct NeedsTally {
    groups: BTreeMap<(i64, String), Tally>,
}

#[derive(Default)]
struct Tally {
    n: usize,
    counts: BTreeMap<(String, String), usize>,
}

impl NeedsTally {
    fn add(
        &mut self,
        spec: &model::NeedsSpec,
        wave: i64,
        a: &serde_json::Map<String, serde_json::Value>,
    ) {
        let mut keys = vec!["all".to_string()];
        keys.extend(
            spec.group_by
                .iter()
                .filter_map(|g| Some(format!("{g}:{}", a.get(g)?.as_str()?))),
        );
        for key in keys {
            let tally = self.groups.entry((wave, key)).or_default();
            tally.n += 1;
            for q in &spec.questions {
                let picks: BTreeSet<&str> = a
                    .get(q)
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str())
                    .collect();
                for pick in picks {
                    *tally
                        .counts
                        .entry((q.clone(), pick.to_string()))
                        .or_default() += 1;
                }
            }
        }
    }

    /// The groups with their shares; a group of fewer than `k` answers shows no shares.
    fn finish(self, k: usize) -> Vec<NeedsGroup> {
        self.groups
            .into_iter()
            .map(|((wave, group), tally)| NeedsGroup {
                wave,
                group,
                n: tally.n,
                shares: if tally.n < k {
                    Vec::new()
                } else {
                    tally
                        .counts
                        .into_iter()
                        .map(|((question, code), count)| NeedShare {
                            question,
                            code,
                            count,
                            share: round_to(count as f64 / tally.n as f64 * 100.0, 1),
                        })
                        .collect()
                },
            })
            .collect()
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) if n.is_finite() => Some(*n),
        _ => None,
    }
}

fn firm_stat(ind: &Indicator, f: &FirmValues) -> Option<f64> {
    let v = &f.values;
    if v.is_empty() {
        return None;
    }
    let stat = ind.stat.unwrap_or(Stat::Mean);
    if !f.divisors.is_empty() {
        let (num, den): (f64, f64) = (v.iter().sum(), f.divisors.iter().sum());
        return (den != 0.0).then(|| (num / den - 1.0) * 100.0);
    }
    Some(match stat {
        Stat::Sum => v.iter().sum(),
        Stat::Mean | Stat::Share => v.iter().sum::<f64>() / v.len() as f64,
        Stat::Median => stats(v).map_or(0.0, |s| s.median),
        Stat::Nps => {
            let promoters = v.iter().filter(|x| **x >= 9.0).count() as f64;
            let detractors = v.iter().filter(|x| **x <= 6.0).count() as f64;
            (promoters - detractors) / v.len() as f64 * 100.0
        }
    })
}

fn round_to(x: f64, decimals: u8) -> f64 {
    let f = 10f64.powi(i32::from(decimals));
    (x * f).round() / f
}

fn cluster_value(
    ind: &Indicator,
    cluster: String,
    wave: i64,
    value: Option<f64>,
    n: usize,
    k: usize,
) -> ClusterValue {
    // Member-firm figures from fewer than k firms are withheld; a manager's own answer is not.
    let min = if ind.stat.is_some() {
        ind.min_responses.max(k)
    } else {
        ind.min_responses
    };
    let suppressed = n < min;
    ClusterValue {
        cluster,
        wave,
        indicator: ind.id.clone(),
        value: if suppressed {
            None
        } else {
            value.map(|v| round_to(v, ind.decimals.max(2)))
        },
        n,
        suppressed,
        percentile: None,
        light: None,
        change: None,
    }
}

fn distributions(
    data: &Data,
    values: &[ClusterValue],
    waves: &[i64],
    groups: &HashMap<String, Vec<String>>,
) -> Vec<Distribution> {
    let mut out = Vec::new();
    for ind in &data.indicators {
        for &wave in waves {
            let mut by_group: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for v in values
                .iter()
                .filter(|v| v.indicator == ind.id && v.wave == wave)
            {
                let Some(x) = v.value else { continue };
                for g in groups.get(&v.cluster).into_iter().flatten() {
                    by_group.entry(g.as_str()).or_default().push(x);
                }
            }
            for (group, xs) in by_group {
                out.push(Distribution {
                    indicator: ind.id.clone(),
                    wave,
                    group: group.to_string(),
                    n: xs.len(),
                    stats: if xs.len() >= MIN_PEERS {
                        stats(&xs)
                    } else {
                        None
                    },
                });
            }
        }
    }
    out
}

/// Percentile ranks and traffic lights against all clusters of the wave; change since the
/// previous wave.
fn rank(data: &Data, values: &mut [ClusterValue], dists: &[Distribution], waves: &[i64]) {
    let national: HashMap<(String, i64), Vec<f64>> = {
        let mut m: HashMap<(String, i64), Vec<f64>> = HashMap::new();
        for v in values.iter() {
            if let Some(x) = v.value {
                m.entry((v.indicator.clone(), v.wave)).or_default().push(x);
            }
        }
        m
    };
    let previous: HashMap<(String, String, i64), f64> = values
        .iter()
        .filter_map(|v| Some(((v.indicator.clone(), v.cluster.clone(), v.wave), v.value?)))
        .collect();
    for v in values.iter_mut() {
        let Some(x) = v.value else { continue };
        let direction = data
            .indicators
            .iter()
            .find(|i| i.id == v.indicator)
            .map_or(Direction::Context, |i| i.direction);
        let all = dists
            .iter()
            .find(|d| d.indicator == v.indicator && d.wave == v.wave && d.group == "all");
        if let (Some(s), Some(xs)) = (
            all.and_then(|d| d.stats.as_ref()),
            national.get(&(v.indicator.clone(), v.wave)),
        ) {
            v.percentile = Some(round_to(percentile_rank(xs, x), 1));
            v.light = light(direction, s, x).map(str::to_string);
        }
        let before = waves.iter().rev().find(|w| **w < v.wave);
        if let Some(p) =
            before.and_then(|w| previous.get(&(v.indicator.clone(), v.cluster.clone(), *w)))
        {
            v.change = Some(round_to(x - p, 2));
        }
    }
}

/// The snapshot as `aggregates.json` holds it (the collector serves the same bytes).
pub fn snapshot_json(snapshot: &Snapshot) -> String {
    serde_json::to_string_pretty(snapshot).unwrap_or_default()
}

/// Writes `aggregates.json` and one CSV per indicator into `dir`.
pub fn write_snapshot(snapshot: &Snapshot, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("indicators"))?;
    std::fs::write(dir.join("aggregates.json"), snapshot_json(snapshot))?;
    for (id, body) in indicator_csvs(snapshot)? {
        std::fs::write(dir.join("indicators").join(format!("{id}.csv")), body)?;
    }
    Ok(())
}

/// One CSV per indicator (indicator id, CSV text), made from the snapshot alone, so that a
/// build given only `aggregates.json` still publishes the complete open data. Every row says
/// whether it is sample data: a CSV is often read without the JSON beside it.
pub fn indicator_csvs(snapshot: &Snapshot) -> std::io::Result<Vec<(String, String)>> {
    let mut by_indicator: BTreeMap<&str, Vec<&ClusterValue>> = BTreeMap::new();
    for v in &snapshot.values {
        by_indicator
            .entry(v.indicator.as_str())
            .or_default()
            .push(v);
    }
    by_indicator
        .into_iter()
        .map(|(id, rows)| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "cluster",
                "wave",
                "value",
                "responses",
                "withheld",
                "percentile",
                "light",
                "change",
                "sample",
                "note",
            ])?;
            for r in rows {
                let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
                w.write_record([
                    r.cluster.clone(),
                    r.wave.to_string(),
                    opt(r.value),
                    r.n.to_string(),
                    r.suppressed.to_string(),
                    opt(r.percentile),
                    r.light.clone().unwrap_or_default(),
                    opt(r.change),
                    snapshot.sample.to_string(),
                    snapshot.note.clone().unwrap_or_default(),
                ])?;
            }
            let bytes = w.into_inner().map_err(|e| e.into_error())?;
            let body = String::from_utf8(bytes).map_err(std::io::Error::other)?;
            Ok((id.to_string(), body))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_error_fails_the_run_instead_of_publishing_part_of_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(root).unwrap();
        let (data, surveys, _) = crate::survey::compile::load_project(&config);
        let read = |each: &mut dyn FnMut(StoredAnswer)| {
            each(StoredAnswer {
                survey: "kume-yoneticisi".into(),
                wave: 2026,
                cluster: Some(data.registry.clusters[0].id.clone()),
                answers: serde_json::json!({}),
            });
            Err("disk I/O error")
        };
        let Err(diags) = aggregate(&data, &surveys, read, 5) else {
            panic!("a snapshot was made from part of the responses");
        };
        assert!(diags[0].message.contains("disk I/O error"), "{diags:?}");
    }

    #[test]
    fn a_snapshot_with_any_sample_cluster_is_sample_data() {
        let value = |cluster: &str| ClusterValue {
            cluster: cluster.into(),
            wave: 2026,
            indicator: "X".into(),
            value: Some(1.0),
            n: 1,
            suppressed: false,
            percentile: None,
            light: None,
            change: None,
        };
        let mut real = Snapshot {
            values: vec![value("a"), value("b")],
            ..Snapshot::default()
        };
        real.mark_sample(|c| c == "ornek");
        assert!(!real.sample && real.note.is_none());
        assert!(!snapshot_json(&real).contains("\"sample\""));
        assert!(
            indicator_csvs(&real).unwrap()[0]
                .1
                .contains("\na,2026,1,1,false,,,,false,\n")
        );
        let mut mixed = real.clone();
        mixed.values.push(value("ornek"));
        mixed.mark_sample(|c| c == "ornek");
        assert!(mixed.sample);
        assert!(
            snapshot_json(&mixed).starts_with("{\n  \"sample\": true,\n  \"note\": \"Örnek veri")
        );
    }

    #[test]
    fn percentiles_interpolate_and_ties_count_half() {
        let s = stats(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!((s.p25, s.median, s.p75), (2.0, 3.0, 4.0));
        let s = stats(&[10.0, 20.0, 30.0, 40.0]).unwrap();
        assert_eq!((s.p25, s.median, s.p75), (17.5, 25.0, 32.5));
        assert_eq!(percentile_rank(&[1.0, 2.0, 2.0, 3.0], 2.0), 50.0);
        assert_eq!(percentile_rank(&[5.0, 5.0, 5.0, 5.0, 5.0], 5.0), 50.0);
    }

    #[test]
    fn traffic_lights_reverse_when_lower_is_better() {
        let s = stats(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(light(Direction::Up, &s, 4.0), Some("green"));
        assert_eq!(light(Direction::Up, &s, 1.5), Some("red"));
        assert_eq!(light(Direction::Up, &s, 3.0), Some("yellow"));
        assert_eq!(light(Direction::Down, &s, 1.5), Some("green"));
        assert_eq!(light(Direction::Down, &s, 4.5), Some("red"));
        assert_eq!(light(Direction::Context, &s, 4.5), None);
    }
}
