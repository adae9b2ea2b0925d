//! The ways the cluster directory can be narrowed down (province, region, sector, maturity,
//! priority): which values each cluster has, their labels, and the directory's facet links.

use super::model::{Bench, FACETS, Facet};
use crate::config::Strings;
use crate::data::registry::Cluster;
use crate::site::Site;
use crate::site::facets;

/// The codes of `facet` a cluster belongs to (a province code, a NACE section…).
pub(super) fn facet_codes(bench: &Bench, c: &Cluster, facet: Facet) -> Vec<String> {
    let attr = |list: &str, code: &str, key: &str| -> Option<String> {
        bench
            .lists
            .get(list)?
            .iter()
            .find(|x| x.code == code)?
            .attrs
            .get(key)
            .cloned()
    };
    match facet {
        Facet::Province => vec![c.province.clone()],
        Facet::Region => attr("iller", &c.province, "ibbs1").into_iter().collect(),
        Facet::Sector => {
            let mut s: Vec<String> = c
                .nace
                .iter()
                .filter_map(|d| attr("nace_bolumleri", d, "section"))
                .collect();
            s.dedup();
            s
        }
        Facet::Maturity => c.maturity.iter().cloned().collect(),
        Facet::Priority => {
            if c.priority {
                vec!["yes".into()]
            } else {
                Vec::new()
            }
        }
    }
}

/// The label of a facet value in `lang`.
pub(super) fn facet_label_in(
    bench: &Bench,
    strings: &Strings,
    facet: Facet,
    code: &str,
    lang: &str,
) -> String {
    let ui = |key: String| strings.get(lang, &key).unwrap_or(&key).to_string();
    match facet {
        Facet::Province => bench.label("iller", code, lang),
        Facet::Region => bench.label("ibbs_bolgeler", code, lang),
        Facet::Sector => bench.label("nace_bolumler", code, lang),
        Facet::Maturity => ui(format!("maturity_{code}")),
        Facet::Priority => ui("facet_priority".into()),
    }
}

pub(super) fn facet_label(site: &Site, facet: Facet, code: &str, lang: &str) -> String {
    facet_label_in(&site.bench, &site.strings, facet, code, lang)
}

/// Every (facet, code) that has at least one cluster.
pub(super) fn facet_values(bench: &Bench) -> Vec<(Facet, String)> {
    facets::values(&FACETS, &bench.data.clusters, |c, f| {
        facet_codes(bench, c, f)
    })
}
